"""Set-up services: years, versioned rule sets, clubs with derived capacity, rounds, KoKoA."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from enrollment import rules
from enrollment.models import AuditEvent, Club, FiscalYear, KokoaProgramme, KokoaSession, Round, RuleSet
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services import setup
from tests import builders

pytestmark = pytest.mark.django_db


def _default_data():
    return rules.ruleset_to_dict(rules.load_default_ruleset())


class TestFiscalYear:
    def test_it_starts_a_new_year_with_last_years_rules(self):
        staff = builders.staff_user()
        previous = builders.fiscal_year(2026)
        data = dict(_default_data(), fiscal_year=2026)
        data["adjustments"]["single_parent"] = "4"
        setup.ruleset_save_version(actor=staff, fiscal_year=previous, data=data, note="ひとり親 +4")
        fy = setup.fiscal_year_create(actor=staff, year=2027)
        ruleset = fy.current_ruleset()
        assert ruleset.version == 1 and ruleset.data["fiscal_year"] == 2027
        assert ruleset.data["adjustments"]["single_parent"] == "4"

    def test_it_starts_the_first_year_with_the_shipped_defaults(self):
        fy = setup.fiscal_year_create(actor=builders.staff_user(), year=2030)
        assert fy.current_ruleset().parsed().adjustments.single_parent == Decimal("3")

    def test_it_refuses_a_year_that_exists_and_read_only_staff(self):
        builders.fiscal_year(2027)
        with pytest.raises(ServiceError):
            setup.fiscal_year_create(actor=builders.staff_user(), year=2027)
        with pytest.raises(PermissionDenied):
            setup.fiscal_year_create(actor=builders.staff_user(read_only=True), year=2031)
        assert not FiscalYear.objects.filter(year=2031).exists()


class TestRuleSetVersions:
    def test_every_save_is_a_new_version_with_who_and_why(self, django_capture_on_commit_callbacks):
        staff = builders.staff_user()
        fy = builders.fiscal_year(2027)
        data = _default_data()
        data["allocation"]["ties"] = "lottery_first"
        with django_capture_on_commit_callbacks(execute=True):
            saved = setup.ruleset_save_version(actor=staff, fiscal_year=fy, data=data, note="抽選優先に変更")
        assert saved.version == 2 and saved.created_by == staff and saved.note == "抽選優先に変更"
        assert fy.rulesets.get(version=1).data["allocation"]["ties"] == "maximize_placed"
        assert fy.current_ruleset().parsed().allocation.ties == "lottery_first"
        assert AuditEvent.objects.filter(action="ruleset.save_version", object_id=str(saved.pk)).exists()

    def test_it_reports_each_bad_key_and_saves_nothing(self):
        fy = builders.fiscal_year(2027)
        data = _default_data()
        data["adjustments"]["single_parent"] = "three"
        data["allocation"]["ties"] = "coin"
        data["bogus"] = 1
        with pytest.raises(setup.RuleSetInvalid) as invalid:
            setup.ruleset_save_version(actor=builders.staff_user(), fiscal_year=fy, data=data)
        assert {"adjustments.single_parent", "allocation.ties", "bogus"} <= set(invalid.value.errors)
        assert fy.rulesets.count() == 1

    def test_it_copies_last_years_rules_in_one_action(self):
        staff = builders.staff_user()
        previous = builders.fiscal_year(2026)
        changed = dict(_default_data(), fiscal_year=2026)
        changed["eligibility"]["min_points"] = "17"
        setup.ruleset_save_version(actor=staff, fiscal_year=previous, data=changed)
        fy = builders.fiscal_year(2027)
        copied = setup.ruleset_copy_from_previous(actor=staff, fiscal_year=fy)
        assert copied.version == 2 and copied.parsed().eligibility.min_points == Decimal("17")
        assert copied.data["fiscal_year"] == 2027

    def test_it_refuses_to_copy_when_there_is_no_previous_year(self):
        fy = builders.fiscal_year(2040)
        with pytest.raises(ServiceError):
            setup.ruleset_copy_from_previous(actor=builders.staff_user(), fiscal_year=fy)
        assert fy.rulesets.count() == 1


def _club_fields(**overrides):
    school = builders.school()
    fields = {"code": "C99", "name": "中央学童クラブ", "kind": Club.Kind.PUBLIC_DIRECT, "school": school,
              "operator": builders.operator(), "address": "泊江市中央1-1", "floor_area_m2": Decimal("100.00"),
              "care_units": 2, "elastic_ratio": Decimal("1.10"), "monthly_fee": 4500, "grade_min": 1, "grade_max": 6}
    fields.update(overrides)
    return fields


class TestClubs:
    def test_it_derives_capacity_and_intake_cap(self):
        club = setup.club_save(actor=builders.staff_user(), fields=_club_fields(), grade_limits=[(4, 6, 10)])
        assert club.capacity == 60  # min(⌊100 ÷ 1.65⌋ = 60, 40 × 2 = 80)
        assert club.intake_cap == 66
        assert [(g.grade_lo, g.grade_hi, g.limit) for g in club.grade_limits.all()] == [(4, 6, 10)]

    @pytest.mark.parametrize("ratio", [Decimal("0.99"), Decimal("1.21")])
    def test_it_refuses_an_elastic_ratio_outside_the_allowed_range(self, ratio):
        with pytest.raises(ValidationError):
            setup.club_save(actor=builders.staff_user(), fields=_club_fields(elastic_ratio=ratio))
        assert not Club.objects.filter(code="C99").exists()

    def test_it_refuses_grade_bands_outside_the_clubs_grades(self):
        with pytest.raises(ValidationError) as error:
            setup.club_save(actor=builders.staff_user(), fields=_club_fields(grade_min=1, grade_max=3),
                            grade_limits=[(4, 6, 5)])
        assert "grade_limits" in error.value.message_dict
        assert not Club.objects.filter(code="C99").exists()

    def test_it_replaces_the_bands_on_edit(self):
        staff = builders.staff_user()
        club = setup.club_save(actor=staff, fields=_club_fields(), grade_limits=[(4, 6, 10)])
        setup.club_save(actor=staff, club=club, fields={"monthly_fee": 5000}, grade_limits=[(1, 3, 40)])
        club.refresh_from_db()
        assert club.monthly_fee == 5000
        assert [(g.grade_lo, g.limit) for g in club.grade_limits.all()] == [(1, 40)]


class TestRounds:
    def _round(self):
        fy = builders.fiscal_year(2027)
        now = timezone.now()
        return setup.round_save(actor=builders.staff_user(), fields={
            "fiscal_year": fy, "kind": Round.Kind.FIRST, "name": "一斉申請", "start_month": datetime.date(2027, 4, 1),
            "opens_at": now, "closes_at": now + datetime.timedelta(days=21)})

    def test_it_opens_and_closes_and_reopens(self):
        staff = builders.staff_user()
        rnd = self._round()
        assert rnd.status == Round.Status.PLANNED
        assert setup.round_open(actor=staff, round_=rnd).status == Round.Status.OPEN
        assert setup.round_close(actor=staff, round_=rnd).status == Round.Status.CLOSED
        assert setup.round_open(actor=staff, round_=rnd).status == Round.Status.OPEN

    def test_it_refuses_to_close_a_planned_round_or_reopen_a_decided_one(self):
        staff = builders.staff_user()
        rnd = self._round()
        with pytest.raises(ServiceError):
            setup.round_close(actor=staff, round_=rnd)
        Round.objects.filter(pk=rnd.pk).update(status=Round.Status.COMMITTED)
        with pytest.raises(ServiceError):
            setup.round_open(actor=staff, round_=rnd)

    def test_saving_never_changes_the_status(self):
        rnd = self._round()
        setup.round_save(actor=builders.staff_user(), round_=rnd, fields={"status": "published", "name": "一次"})
        rnd.refresh_from_db()
        assert rnd.status == Round.Status.PLANNED and rnd.name == "一次"

    def test_it_refuses_a_window_that_closes_before_it_opens(self):
        now = timezone.now()
        with pytest.raises(ValidationError):
            setup.round_save(actor=builders.staff_user(), fields={
                "fiscal_year": builders.fiscal_year(2027), "kind": "first", "name": "x",
                "start_month": datetime.date(2027, 4, 1), "opens_at": now, "closes_at": now - datetime.timedelta(days=1)})
        assert not Round.objects.exists()


class TestKokoa:
    def test_it_saves_programmes_and_regular_and_special_sessions(self):
        staff = builders.staff_user()
        programme = setup.kokoa_programme_save(actor=staff, fields={
            "school": builders.school(), "fiscal_year": builders.fiscal_year(2027),
            "operator": builders.operator(), "name": "泊江第一KoKoA"})
        regular = setup.kokoa_session_save(actor=staff, fields={
            "programme": programme, "kind": "regular", "title": "放課後", "weekday": 0,
            "date": datetime.date(2027, 5, 1), "starts_at": datetime.time(14), "ends_at": datetime.time(17)})
        assert regular.date is None
        special = setup.kokoa_session_save(actor=staff, fields={
            "programme": programme, "kind": "special", "title": "夏休み工作", "date": datetime.date(2027, 7, 28),
            "starts_at": datetime.time(9), "ends_at": datetime.time(12), "capacity": 30})
        assert special.capacity == 30

    def test_it_refuses_a_special_session_without_a_date(self):
        staff = builders.staff_user()
        programme = KokoaProgramme.objects.create(school=builders.school(), fiscal_year=builders.fiscal_year(2027),
                                                  operator=builders.operator(), name="KoKoA")
        with pytest.raises(ValidationError):
            setup.kokoa_session_save(actor=staff, fields={
                "programme": programme, "kind": "special", "title": "x",
                "starts_at": datetime.time(9), "ends_at": datetime.time(12)})
        assert not KokoaSession.objects.exists()


def test_every_setup_service_refuses_read_only_staff():
    reader = builders.staff_user(read_only=True)
    fy = builders.fiscal_year(2027)
    calls = [
        lambda: setup.ruleset_save_version(actor=reader, fiscal_year=fy, data=_default_data()),
        lambda: setup.ruleset_copy_from_previous(actor=reader, fiscal_year=fy),
        lambda: setup.club_save(actor=reader, fields=_club_fields()),
        lambda: setup.district_save(actor=reader, fields={"code": "X", "name": "X"}),
        lambda: setup.round_open(actor=reader, round_=builders.round_(fy)),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert RuleSet.objects.count() == 1 and not Club.objects.filter(code="C99").exists()
