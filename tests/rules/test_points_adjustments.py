"""Adjustments (調整指数), aggregation, club-specific lines and the breakdown itself.

The reference household has two guardians each working 20 days x 8 h (base 20) and a grade 4
child (grade adjustment 0), so every test's total is 20 plus what it is about.
"""

import json
from datetime import date

import pytest

from enrollment.rules import (
    ClubContext,
    ManualAdjustment,
    compute_points,
    load_default_ruleset,
)

from .builders import APRIL_1, D, child, guardian, household, ruleset_with, single, worker

RULES = load_default_ruleset()


def points(h=None, c=None, *, rules=RULES, **kwargs):
    return compute_points(rules, h or household(), c or child(), reference_date=APRIL_1, **kwargs)


def codes(breakdown):
    return [line.code for line in breakdown.adjustments]


def test_the_reference_household_scores_exactly_its_base():
    breakdown = points()
    assert (breakdown.base, breakdown.total, breakdown.adjustments) == (20, 20, ())


def test_it_adds_3_for_a_single_parent_household():
    # row "single-parent household +3"; the one guardian's points are the household's
    breakdown = points(single(worker(16, "8")))
    assert breakdown.base == 19
    assert codes(breakdown) == ["single_parent"]
    assert breakdown.total == 22


def test_it_adds_3_for_public_assistance():
    # row "household on public assistance (生活保護) +3"
    breakdown = points(household(public_assistance=True))
    assert breakdown.total == 23
    assert breakdown.adjustments[0].label == "Household on public assistance"


def test_it_adds_2_for_a_child_needing_support():
    # row "child needing support +2"
    assert points(c=child(needs_support=True)).total == 22


@pytest.mark.parametrize("grade, total", [(1, 23), (2, 22), (3, 21), (4, 20), (5, 19), (6, 18)])
def test_it_adjusts_by_grade(grade, total):
    # row "grade 1/2/3/4/5/6 = +3/+2/+1/0/-1/-2"
    breakdown = points(c=child(grade))
    assert breakdown.total == total
    if grade == 4:
        assert codes(breakdown) == []  # a line worth nothing says nothing
    else:
        assert breakdown.adjustments[0].label == f"Grade {grade}"


def test_it_gives_no_grade_adjustment_outside_the_table():
    assert points(c=child(7)).total == 20


def test_it_subtracts_2_for_a_grandparent_at_home_who_can_supervise():
    # row "grandparent under 65 living with the family and able to supervise -2"
    assert points(household(grandparent_at_home=True)).total == 18


def test_it_adds_1_once_for_a_guardian_posted_away():
    # row "guardian posted away from home (単身赴任) +1"
    assert points(household(worker(posted_away=True), worker())).total == 21
    both = points(household(worker(posted_away=True), worker(posted_away=True)))
    assert both.total == 21


@pytest.mark.parametrize(
    "months, extra",
    [(0, "0"), (1, "0.1"), (3, "0.3"), (5, "0.5"), (6, "0.5"), (12, "0.5")],
)
def test_it_adds_a_tenth_per_month_waited_up_to_half_a_point(months, extra):
    # row "waiting time in the current year, per month waited +0.1, at most +0.5"
    breakdown = points(c=child(waiting_months=months))
    assert breakdown.total == D(20) + D(extra)
    assert ("waiting" in codes(breakdown)) == (months > 0)


def test_it_writes_waiting_points_as_exact_tenths():
    breakdown = points(c=child(waiting_months=3))
    assert str(breakdown.total) == "20.3"
    assert str(breakdown.adjustments[0].points) == "0.3"
    assert breakdown.adjustments[0].label == "Months waited this year: 3 (0.1 a month, at most 0.5)"


def test_it_adds_continuing_at_that_club_only():
    # row "continuing at the same club +1 at that club only"
    breakdown = points(clubs=[ClubContext("A", continuing=True), ClubContext("B")])
    assert breakdown.total == 20
    assert breakdown.total_at("A") == 21
    assert breakdown.total_at("B") == 20
    assert breakdown.club("A").lines[0].label == "Continuing at this club"
    assert breakdown.club_points() == {"A": 1}


def test_it_adds_a_sibling_at_that_club_only():
    # row "sibling enrolled at, or applying jointly to, the same club +1 at that club only"
    breakdown = points(
        clubs=[ClubContext("A", sibling=True), ClubContext("B", continuing=True, sibling=True)]
    )
    assert breakdown.total_at("A") == 21
    assert breakdown.total_at("B") == 22
    assert breakdown.club_points() == {"A": 1, "B": 2}


def test_it_flags_clubs_outside_the_district_without_changing_points():
    # row "club outside the child's school district: ranked after in-district applicants"
    breakdown = points(clubs=[ClubContext("A", out_of_district=True), ClubContext("B")])
    assert breakdown.out_of_district() == frozenset({"A"})
    assert breakdown.total_at("A") == breakdown.total_at("B") == 20


def test_a_city_can_switch_off_the_continuing_bonus():
    rules = ruleset_with(adjustments__continuing="0")  # Tama gives none
    breakdown = points(rules=rules, clubs=[ClubContext("A", continuing=True)])
    assert breakdown.total_at("A") == 20
    assert breakdown.club("A").lines == ()
    assert breakdown.club_points() == {}


def test_it_adds_manual_adjustments_with_their_reasons():
    breakdown = points(
        manual=[
            ManualAdjustment(D("1.5"), "Young carer at home (基本目標1·2)"),
            ManualAdjustment(D("-0.5"), "Correction after document check"),
        ]
    )
    assert breakdown.total == 21
    assert breakdown.as_dict()["manual"] == [
        {"points": "1.5", "reason": "Young carer at home (基本目標1·2)"},
        {"points": "-0.5", "reason": "Correction after document check"},
    ]


def test_it_takes_the_lowest_guardian_by_default():
    breakdown = points(household(worker(20, "8"), worker(12, "4")))
    assert [g.points for g in breakdown.guardians] == [20, 14]
    assert breakdown.aggregation == "lowest"
    assert breakdown.base == 14


def test_it_sums_the_guardians_when_the_city_says_so():
    rules = ruleset_with(household_aggregation="sum")
    breakdown = points(household(worker(20, "8"), worker(12, "4")), rules=rules)
    assert breakdown.base == 34
    assert breakdown.as_dict()["aggregation_label"] == (
        "Household base: the sum of the guardians' points"
    )


def test_a_single_parent_under_sum_counts_the_one_guardian():
    rules = ruleset_with(household_aggregation="sum")
    breakdown = points(single(worker(20, "8")), rules=rules)
    assert breakdown.base == 20
    assert breakdown.total == 23


def test_it_adds_everything_up_in_a_worked_example():
    # docs/rules-format.md, "Worked example 1"
    h = household(
        worker(20, "8", posted_away=True),
        worker(16, "6", works_at_home=True),
    )
    c = child(1, needs_support=True, waiting_months=7)
    breakdown = compute_points(
        RULES,
        h,
        c,
        reference_date=APRIL_1,
        clubs=[ClubContext("kita", continuing=True, sibling=True), ClubContext("minami")],
        manual=[ManualAdjustment(D("1"), "Referral noted by staff")],
    )
    # base: min(20, 17 - 2) = 15; +2 support +3 grade 1 +1 posted away +0.5 waiting +1 manual
    assert breakdown.base == 15
    assert codes(breakdown) == ["support", "grade", "posted_away", "waiting"]
    assert breakdown.total == D("22.5")
    assert breakdown.total_at("kita") == D("24.5")
    assert breakdown.total_at("minami") == D("22.5")

    # "Worked example 3": the same household where the city sums the guardians
    summed = compute_points(ruleset_with(household_aggregation="sum"), h, c, reference_date=APRIL_1)
    assert (summed.base, summed.total) == (35, D("41.5"))


def test_a_single_parent_who_is_ill_in_a_worked_example():
    # docs/rules-format.md, "Worked example 2"
    h = single(
        guardian("illness", illness_level="outpatient_3plus"),
        public_assistance=True,
    )
    breakdown = compute_points(RULES, h, child(2, waiting_months=2), reference_date=APRIL_1)
    # 18 + 3 single parent + 3 public assistance + 2 grade 2 + 0.2 waiting
    assert [line.points for line in breakdown.adjustments] == [3, 3, 2, D("0.2")]
    assert breakdown.total == D("26.2")


def test_the_breakdown_is_json_ready_with_decimals_as_strings():
    breakdown = points(
        household(worker(), guardian("illness", illness_level="other")),
        child(2, waiting_months=2),
        clubs=[ClubContext("A", sibling=True, out_of_district=True)],
    )
    data = json.loads(json.dumps(breakdown.as_dict()))
    assert data["guardians"][1] == {
        "number": 2,
        "reason": "illness",
        "code": "illness_other",
        "label": "Illness: other",
        "params": {},
        "points": "12",
    }
    assert data["base"] == "12"
    assert [(a["code"], a["points"]) for a in data["adjustments"]] == [
        ("grade", "2"),
        ("waiting", "0.2"),
    ]
    assert data["total"] == "14.2"
    assert data["clubs"] == [
        {
            "club_id": "A",
            "lines": [
                {
                    "code": "sibling",
                    "label": "Sibling enrolled at, or applying jointly to, this club",
                    "params": {},
                    "points": "1",
                }
            ],
            "extra": "1",
            "total": "15.2",
            "out_of_district": True,
        }
    ]


def test_every_point_is_a_decimal():
    breakdown = points(c=child(1, waiting_months=4), clubs=[ClubContext("A", continuing=True)])
    values = [breakdown.base, breakdown.total, breakdown.total_at("A")]
    values += [line.points for line in breakdown.adjustments]
    assert all(type(v) is D for v in values)


def test_it_judges_time_limited_reasons_on_the_reference_date():
    h = household(worker(), guardian("job_seeking", job_seeking_since=date(2026, 4, 1)))
    early = compute_points(RULES, h, child(), reference_date=date(2026, 6, 30))
    late = compute_points(RULES, h, child(), reference_date=date(2026, 7, 1))
    assert (early.base, late.base) == (10, 0)
