"""The demo city 泊江市 as loaded from fixtures/demo_city/."""

import datetime
import json
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps

from enrollment.demo import FIXTURES_DIR, load_demo_city
from enrollment.models import (
    Club,
    ClubGradeLimit,
    FiscalYear,
    KokoaProgramme,
    KokoaSession,
    Operator,
    Round,
    School,
    SchoolDistrict,
)
from enrollment.rules import parse_ruleset

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def test_it_loads_six_schools_each_in_its_own_district():
    load_demo_city()
    schools = list(School.objects.select_related("district"))
    assert len(schools) == 6
    assert SchoolDistrict.objects.count() == 6
    assert len({s.district_id for s in schools}) == 6
    assert [s.name for s in schools] == [f"泊江第{n}小学校" for n in "一二三四五六"]


def test_it_loads_about_seventeen_clubs_of_all_three_kinds_with_every_kind_of_operator():
    load_demo_city()
    clubs = list(Club.objects.all())
    assert 15 <= len(clubs) <= 19
    assert {c.kind for c in clubs} == {"public_direct", "public_outsourced", "private"}
    assert set(Operator.objects.values_list("kind", flat=True)) == {
        "city", "social_welfare", "npo", "company", "kokoa_committee"}
    assert all(4000 <= c.monthly_fee <= 5000 for c in clubs)
    assert all(c.school.clubs.count() >= 2 for c in clubs)


def test_every_club_capacity_is_derived_from_its_floor_area_and_care_units_and_lies_between_40_and_80():
    load_demo_city()
    limited_by_area = limited_by_units = 0
    for club in Club.objects.all():
        by_area = int((Decimal(club.floor_area_m2) / Decimal("1.65")).to_integral_value(ROUND_FLOOR))
        by_units = 40 * club.care_units
        assert club.capacity == min(by_area, by_units), club.code
        assert 40 <= club.capacity <= 80, club.code
        assert club.intake_cap == int(club.capacity * Decimal(club.elastic_ratio)), club.code
        limited_by_area += by_area < by_units
        limited_by_units += by_units < by_area
    # The demo shows both sides of the national standard's minimum.
    assert limited_by_area and limited_by_units


def test_it_has_a_couple_of_grade_band_limits_and_a_club_for_the_lower_grades_only():
    load_demo_city()
    assert ClubGradeLimit.objects.count() >= 2
    assert Club.objects.filter(grade_max=3).exists()


def test_it_runs_kokoa_at_every_school_on_weekday_afternoons_with_some_capacity_limited_specials():
    load_demo_city()
    programmes = KokoaProgramme.objects.select_related("operator")
    assert programmes.count() == 6
    for programme in programmes:
        assert programme.operator.kind == "kokoa_committee"
        regular = programme.sessions.filter(kind="regular")
        assert sorted(regular.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]
        assert {(s.starts_at, s.ends_at) for s in regular} == {(datetime.time(14), datetime.time(17))}
        assert all(s.capacity is None for s in regular)
    specials = KokoaSession.objects.filter(kind="special")
    assert specials.filter(title="夏休みプログラミング教室", capacity=20).exists()
    assert all(s.capacity and s.date for s in specials)
    fiscal_year = FiscalYear.objects.get(year=2027)
    assert all(fiscal_year.contains(s.date) for s in specials)


def test_the_first_round_is_open_on_the_demos_today_and_the_later_rounds_are_planned():
    city = load_demo_city()
    first = city.first_round
    today_noon = datetime.datetime(2026, 11, 25, 12, tzinfo=TOKYO)
    assert first.is_open_at(today_noon)
    assert first.is_open_at(datetime.datetime(2026, 12, 16, 23, 59, tzinfo=TOKYO))
    assert not first.is_open_at(datetime.datetime(2026, 12, 17, 0, 0, tzinfo=TOKYO))
    assert first.start_month == datetime.date(2027, 4, 1)

    second = Round.objects.get(kind="second")
    assert second.status == "planned"
    assert datetime.date(2027, 1, 1) <= second.opens_at.astimezone(TOKYO).date() <= datetime.date(2027, 2, 28)

    monthly = list(Round.objects.filter(kind="monthly").order_by("start_month"))
    assert [r.start_month.month for r in monthly] == [5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    for r in monthly:
        # Due by the 20th of the month before the place starts.
        last_moment = (r.closes_at - datetime.timedelta(seconds=1)).astimezone(TOKYO)
        assert last_moment.day == 20
        assert (last_moment.date().replace(day=1) < r.start_month)
        assert r.status == "planned"


def test_it_stores_the_default_rule_set_for_fiscal_year_2027():
    city = load_demo_city()
    ruleset = city.first_round.effective_ruleset()
    parsed = parse_ruleset(ruleset.data)
    assert parsed.fiscal_year == 2027
    assert parsed.city == "泊江市"


def _snapshot():
    rows = {}
    for model in apps.get_app_config("enrollment").get_models():
        values = list(model.objects.order_by("pk").values())
        rows[model.__name__] = json.dumps(values, default=str, sort_keys=True)
    return rows


def test_loading_twice_changes_nothing():
    first = load_demo_city()
    before = _snapshot()
    second = load_demo_city()
    assert first.created > 0
    assert second.created == 0
    assert _snapshot() == before


def test_loading_again_keeps_what_staff_changed_in_the_demo():
    load_demo_city()
    Club.objects.filter(code="C01").update(care_units=1)
    load_demo_city()
    assert Club.objects.get(code="C01").care_units == 1


def test_the_fixture_files_are_documented():
    readme = (FIXTURES_DIR / "README.md").read_text(encoding="utf-8")
    for name in ("city.json", "schools.json", "operators.json", "clubs.json", "kokoa.json", "names.json"):
        assert (FIXTURES_DIR / name).exists()
        assert name in readme
