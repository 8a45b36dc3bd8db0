"""Set-up pages: what staff see, what full staff change, and what everyone else gets."""

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from enrollment import rules
from enrollment.models import Club, FiscalYear, KokoaProgramme, KokoaSession, Round, RuleSet
from tests import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = builders.staff_user()
    client.force_login(user)
    return user


def _club_post(school, operator, **overrides):
    data = {"code": "C50", "name": "みどり学童クラブ", "name_kana": "", "kind": "public_direct",
            "school": school.pk, "operator": operator.pk, "postal_code": "", "address": "泊江市緑1-1",
            "phone": "", "floor_area_m2": "70", "care_units": "1", "elastic_ratio": "1.10", "support_limit": "",
            "grade_min": "1", "grade_max": "6", "monthly_fee": "4500", "is_active": "on",
            "bands-TOTAL_FORMS": "2", "bands-INITIAL_FORMS": "0", "bands-MIN_NUM_FORMS": "0",
            "bands-MAX_NUM_FORMS": "6",
            "bands-0-grade_lo": "4", "bands-0-grade_hi": "6", "bands-0-limit": "8",
            "bands-1-grade_lo": "", "bands-1-grade_hi": "", "bands-1-limit": ""}
    data.update(overrides)
    return data


class TestRules:
    def test_it_shows_the_current_rules_readably_with_their_history(self, client, staff):
        fy = builders.fiscal_year(2027)
        body = client.get(reverse("staff_setup_rules", args=[2027])).content.decode()
        assert "rules-work" in body and "rules-tiebreak" in body
        assert "<td class=\"num\">20</td>" in body  # 20 days × 8 h → 20 points
        assert '<strong aria-current="true">1</strong>' in body and fy.rulesets.count() == 1

    def test_it_saves_a_valid_edit_as_a_new_version(self, client, staff):
        builders.fiscal_year(2027)
        data = rules.ruleset_to_dict(rules.load_default_ruleset())
        data["adjustments"]["posted_away"] = "2"
        response = client.post(reverse("staff_setup_rules_edit", args=[2027]),
                               {"data": json.dumps(data), "note": "単身赴任 +2"})
        assert response.status_code == 302
        assert FiscalYear.objects.get(year=2027).current_ruleset().data["adjustments"]["posted_away"] == "2"

    def test_it_lists_every_bad_key_and_saves_nothing(self, client, staff):
        fy = builders.fiscal_year(2027)
        data = rules.ruleset_to_dict(rules.load_default_ruleset())
        data["adjustments"]["grade"]["1"] = "lots"
        del data["tiebreak"]["order"]
        response = client.post(reverse("staff_setup_rules_edit", args=[2027]), {"data": json.dumps(data), "note": "x"})
        body = response.content.decode()
        assert response.status_code == 400
        assert "<code>adjustments.grade.1</code>" in body and "<code>tiebreak.order</code>" in body
        assert fy.rulesets.count() == 1

    def test_it_points_at_the_line_of_a_json_syntax_error(self, client, staff):
        builders.fiscal_year(2027)
        response = client.post(reverse("staff_setup_rules_edit", args=[2027]), {"data": '{\n  "a": 1,\n}', "note": "x"})
        assert response.status_code == 400 and "3" in response.content.decode()

    def test_it_copies_last_years_rules(self, client, staff):
        builders.fiscal_year(2026)
        fy = builders.fiscal_year(2027)
        client.post(reverse("staff_setup_rules_copy", args=[2027]))
        assert fy.rulesets.count() == 2


class TestClubs:
    def test_it_creates_a_club_with_its_grade_bands(self, client, staff):
        response = client.post(reverse("staff_setup_club_new"), _club_post(builders.school(), builders.operator()))
        assert response.status_code == 302
        club = Club.objects.get(code="C50")
        assert club.capacity == 40 and club.intake_cap == 44
        assert [(b.grade_lo, b.grade_hi, b.limit) for b in club.grade_limits.all()] == [(4, 6, 8)]

    def test_it_shows_capacity_live_from_what_is_typed(self, client, staff):
        response = client.get(reverse("staff_setup_club_capacity"),
                              {"floor_area_m2": "100", "care_units": "2", "elastic_ratio": "1.20"},
                              headers={"HX-Request": "true"})
        body = response.content.decode()
        assert body.lstrip().startswith('<div class="capacity-box" id="capacity"')
        assert "<strong>60</strong>" in body and "<strong>72</strong>" in body

    def test_it_refuses_a_bad_ratio_and_a_half_filled_band_without_saving(self, client, staff):
        data = _club_post(builders.school(), builders.operator(), elastic_ratio="1.5", **{"bands-1-grade_lo": "2"})
        response = client.post(reverse("staff_setup_club_new"), data)
        assert response.status_code == 400
        assert not Club.objects.filter(code="C50").exists()


class TestRoundsAndKokoa:
    def test_it_creates_and_opens_a_round(self, client, staff):
        builders.fiscal_year(2027)
        client.post(reverse("staff_setup_round_new", args=[2027]), {
            "kind": "first", "name": "一斉申請", "start_month": "2027-04-01", "opens_at": "2026-11-25T09:00",
            "closes_at": "2026-12-16T17:00", "offer_response_days": "14"})
        rnd = Round.objects.get()
        client.post(reverse("staff_setup_round_open", args=[2027, rnd.pk]))
        rnd.refresh_from_db()
        assert rnd.status == Round.Status.OPEN

    def test_it_refuses_a_start_month_outside_the_year(self, client, staff):
        builders.fiscal_year(2027)
        response = client.post(reverse("staff_setup_round_new", args=[2027]), {
            "kind": "first", "name": "x", "start_month": "2029-04-01", "opens_at": "2026-11-25T09:00",
            "closes_at": "2026-12-16T17:00", "offer_response_days": "14"})
        assert response.status_code == 400 and not Round.objects.exists()

    def test_it_adds_a_programme_and_a_special_session(self, client, staff):
        builders.fiscal_year(2027)
        school, operator = builders.school(), builders.operator()
        client.post(reverse("staff_setup_kokoa_programme_new", args=[2027]),
                    {"school": school.pk, "operator": operator.pk, "name": "第一KoKoA", "place": "体育館"})
        programme = KokoaProgramme.objects.get()
        client.post(reverse("staff_setup_kokoa_session_new", args=[2027, programme.pk]),
                    {"kind": "special", "title": "夏休み", "date": "2027-07-28", "starts_at": "09:00",
                     "ends_at": "12:00", "capacity": "30"})
        assert KokoaSession.objects.get().capacity == 30


def _setup_posts():
    fy = builders.fiscal_year(2027)
    rnd = builders.round_(fy)
    club = builders.club()
    programme = KokoaProgramme.objects.create(school=builders.school(), fiscal_year=fy, operator=builders.operator(),
                                              name="KoKoA")
    return [
        reverse("staff_setup_year_create"), reverse("staff_setup_org_new", args=["district"]),
        reverse("staff_setup_club_new"), reverse("staff_setup_club_edit", args=[club.pk]),
        reverse("staff_setup_rules_edit", args=[2027]), reverse("staff_setup_rules_copy", args=[2027]),
        reverse("staff_setup_round_new", args=[2027]), reverse("staff_setup_round_edit", args=[2027, rnd.pk]),
        reverse("staff_setup_round_open", args=[2027, rnd.pk]), reverse("staff_setup_round_close", args=[2027, rnd.pk]),
        reverse("staff_setup_kokoa_programme_new", args=[2027]),
        reverse("staff_setup_kokoa_session_new", args=[2027, programme.pk]),
    ]


def _setup_pages():
    return [reverse("staff_setup"), reverse("staff_setup_organisation"), reverse("staff_setup_clubs"),
            reverse("staff_setup_year", args=[2027]), reverse("staff_setup_rules", args=[2027]),
            reverse("staff_setup_rounds", args=[2027]), reverse("staff_setup_kokoa", args=[2027]),
            reverse("staff_setup_club_new"), reverse("staff_setup_club_capacity")]


class TestAccess:
    def test_read_only_staff_see_every_page_and_get_403_on_every_post(self, client):
        posts = _setup_posts()
        client.force_login(builders.staff_user(read_only=True))
        for url in _setup_pages():
            response = client.get(url)
            assert response.status_code == 200, url
            main = response.content.decode().partition('id="main"')[2]
            assert 'type="submit"' not in main, url
        for url in posts:
            assert client.post(url, {"year": "2040", "code": "X", "name": "X"}).status_code == 403, url
        assert not FiscalYear.objects.filter(year=2040).exists()
        assert Round.objects.get().status == Round.Status.OPEN

    @pytest.mark.parametrize("role", ["family", "operator"])
    def test_families_and_operators_get_404(self, client, role):
        posts = _setup_posts()
        client.force_login(builders.family_user() if role == "family" else builders.operator_user())
        for url in _setup_pages() + posts:
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code == 404, url


class TestFuzz(HypothesisTestCase):
    """Whatever is typed: never a 500, never a half-saved club or rule set."""

    @classmethod
    def setUpTestData(cls):
        cls.staff = builders.staff_user()
        cls.school = builders.school()
        cls.operator = builders.operator()
        cls.fy = builders.fiscal_year(2027)

    # Lone surrogates cannot travel in a UTF-8 request body, so a browser never sends them.
    text = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
                     st.sampled_from(["", "0", "-1", "1.205", "99999999", "\x00", "NaN", "１２０"]))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(area=text, units=text, ratio=text, code=text, lo=text, limit=text)
    def test_the_club_form(self, area, units, ratio, code, lo, limit):
        self.client.force_login(self.staff)
        data = _club_post(self.school, self.operator, floor_area_m2=area, care_units=units, elastic_ratio=ratio,
                          code=code, **{"bands-0-grade_lo": lo, "bands-0-limit": limit})
        response = self.client.post(reverse("staff_setup_club_new"), data)
        assert response.status_code in (302, 400)
        for club in Club.objects.all():
            assert club.grade_limits.count() <= 2
            club.full_clean()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(path=st.sampled_from(["adjustments.single_parent", "allocation.ties", "eligibility.min_points",
                                 "tiebreak.order", "base_points.work.tiers"]),
           value=st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10),
                           st.lists(st.integers(), max_size=2)))
    def test_the_rules_form(self, path, value):
        self.client.force_login(self.staff)
        data = rules.ruleset_to_dict(rules.load_default_ruleset())
        target = data
        *parents, last = path.split(".")
        for key in parents:
            target = target[key]
        target[last] = value
        before = RuleSet.objects.count()
        response = self.client.post(reverse("staff_setup_rules_edit", args=[2027]),
                                    {"data": json.dumps(data), "note": "fuzz"})
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert RuleSet.objects.count() == before
        else:
            rules.parse_ruleset(self.fy.current_ruleset().data)


def test_it_explains_bad_keys_in_japanese(client):
    from django.utils import translation

    client.force_login(builders.staff_user())
    builders.fiscal_year(2027)
    data = rules.ruleset_to_dict(rules.load_default_ruleset())
    data["adjustments"]["single_parent"] = "3.25"
    data["extra"] = True
    with translation.override("ja"):
        body = client.post(reverse("staff_setup_rules_edit", args=[2027]), {"data": json.dumps(data), "note": "x"},
                           headers={"Accept-Language": "ja"}).content.decode()
    assert "小数第1位までの数にしてください。" in body and "不明な項目です" in body
