"""Bad facts are refused with messages naming the field, never a bare exception."""

from datetime import date

import pytest

from enrollment.rules import (
    ClubContext,
    FactsError,
    GuardianFacts,
    HouseholdFacts,
    ManualAdjustment,
    compute_points,
    load_default_ruleset,
)

from .builders import APRIL_1, D, child, guardian, household, worker

RULES = load_default_ruleset()


def messages(h=None, c=None, **kwargs):
    kwargs.setdefault("reference_date", APRIL_1)
    with pytest.raises(FactsError) as caught:
        compute_points(RULES, h or household(), c or child(), **kwargs)
    return caught.value.messages


def test_it_requires_days_and_hours_for_work():
    assert messages(household(GuardianFacts("work"), worker())) == [
        "guardians[0].days_per_month: required for reason 'work'",
        "guardians[0].hours_per_day: required for reason 'work'",
        "guardians[0].afternoon_hours: required for reason 'work'",
    ]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"hours": "-1"}, "guardians[1].hours_per_day: must be a Decimal from 0 to 24"),
        ({"hours": "24.5"}, "guardians[1].hours_per_day: must be a Decimal from 0 to 24"),
        ({"days": 32}, "guardians[1].days_per_month: must be a whole number from 0 to 31"),
        ({"days": -1}, "guardians[1].days_per_month: must be a whole number from 0 to 31"),
        (
            {"afternoon": "4.5"},
            "guardians[1].afternoon_hours: must be a Decimal from 0 to 4 "
            "(the length of the afternoon window)",
        ),
    ],
)
def test_it_refuses_impossible_work_figures(changes, message):
    assert messages(household(worker(), worker(**changes))) == [message]


def test_it_refuses_float_hours():
    g = GuardianFacts("work", days_per_month=20, hours_per_day=7.5, afternoon_hours=D(4))
    assert messages(household(g, worker())) == [
        "guardians[0].hours_per_day: must be a Decimal from 0 to 24"
    ]


def test_it_refuses_a_second_guardian_on_a_single_parent_household():
    assert messages(household(worker(), worker(), single_parent=True)) == [
        "guardians: a single-parent household has exactly one guardian"
    ]


@pytest.mark.parametrize("guardians", [(), (worker(), worker(), worker())])
def test_it_refuses_households_without_one_or_two_guardians(guardians):
    assert messages(HouseholdFacts(guardians=guardians)) == [
        "guardians: a household has one or two guardians"
    ]


def test_it_refuses_an_unknown_reason():
    (message,) = messages(household(GuardianFacts("holiday"), worker()))
    assert message.startswith("guardians[0].reason: 'holiday' is not one of work, job_offer")


@pytest.mark.parametrize(
    "g, message",
    [
        (guardian("illness"), "guardians[0].illness_level: required for reason 'illness'"),
        (
            guardian("illness", illness_level="cold"),
            "guardians[0].illness_level: 'cold' is not one of "
            "hospitalised, outpatient_3plus, outpatient_1_2, other",
        ),
        (
            guardian("disability", disability_grade="5"),
            "guardians[0].disability_grade: '5' is not one of 1-2, 3, 4",
        ),
        (guardian("nursing_care"), "guardians[0].care_level: required for reason 'nursing_care'"),
        (guardian("absent"), "guardians[0].absence_kind: required for reason 'absent'"),
        (
            guardian("childbirth"),
            "guardians[0].expected_birth_date: required for reason 'childbirth'",
        ),
        (
            guardian("job_seeking"),
            "guardians[0].job_seeking_since: required for reason 'job_seeking'",
        ),
        (
            guardian("parental_leave"),
            "guardians[0].leave_return_date: required for reason 'parental_leave'",
        ),
    ],
)
def test_it_requires_the_detail_of_each_reason(g, message):
    assert messages(household(g, worker())) == [message]


def test_it_ignores_details_that_belong_to_another_reason():
    g = worker(illness_level="hospitalised", expected_birth_date=date(2026, 5, 1))
    assert compute_points(RULES, household(g, worker()), child(), reference_date=APRIL_1).base == 20


@pytest.mark.parametrize(
    "h, message",
    [
        (household(arrears_months=-1), "arrears_months: must be a whole number, 0 or more"),
        (
            household(income_tax_current=1.5),
            "income_tax_current: must be a whole number of yen, 0 or more, or None",
        ),
        (
            household(income_tax_previous=-100),
            "income_tax_previous: must be a whole number of yen, 0 or more, or None",
        ),
    ],
)
def test_it_refuses_bad_household_figures(h, message):
    assert messages(h) == [message]


def test_it_refuses_bad_child_figures():
    assert messages(c=child("2", waiting_months=-1)) == [
        "child.grade: must be a whole number",
        "child.waiting_months: must be a whole number, 0 or more",
    ]


def test_it_refuses_the_same_club_twice():
    assert messages(clubs=[ClubContext("A"), ClubContext("A", continuing=True)]) == [
        "clubs[1].club_id: 'A' is listed twice"
    ]


def test_it_refuses_manual_adjustments_without_reason_or_with_two_decimals():
    assert messages(manual=[ManualAdjustment(D("0.25"), " ")]) == [
        "manual[0].points: must be a Decimal with at most one decimal",
        "manual[0].reason: a manual adjustment needs a written reason",
    ]


def test_it_refuses_a_reference_date_that_is_not_a_date():
    assert messages(reference_date="2026-04-01") == ["reference_date: must be a date"]


def test_it_reports_every_problem_at_once():
    h = household(GuardianFacts("work", days_per_month=40), worker(hours="30"), arrears_months=-2)
    assert len(messages(h)) == 5
