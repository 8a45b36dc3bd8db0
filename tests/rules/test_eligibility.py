"""Eligibility (DOMAIN.md, "Eligibility"): every failure with its code and plain message."""

import json
from datetime import date

import pytest

from enrollment.rules import (
    FactsError,
    check_eligibility,
    load_default_ruleset,
    priority_group,
)

from .builders import APRIL_1, D, child, guardian, household, ruleset_with, single, worker

RULES = load_default_ruleset()


def problems(h=None, c=None, *, rules=RULES, start_date=APRIL_1, reference_date=APRIL_1):
    return check_eligibility(
        rules,
        h or household(),
        c or child(),
        reference_date=reference_date,
        start_date=start_date,
    )


def only(h=None, c=None, **kwargs):
    (problem,) = problems(h, c, **kwargs)
    return problem


def test_two_full_time_workers_are_eligible():
    assert problems() == []


def test_the_minimum_days_and_afternoon_hours_are_enough():
    assert problems(household(worker(12, "4", "4"), worker(12, "4", "4"))) == []


def test_it_refuses_a_guardian_working_too_few_days():
    problem = only(household(worker(), worker(days=10)))
    assert problem.code == "too_few_days"
    assert problem.guardian == 2
    assert problem.message == "Guardian 2 works 10 days a month; at least 12 are required."


def test_it_refuses_a_guardian_away_too_few_afternoon_hours():
    # works 8 h a day, but from 6:00 to 14:00 plus commute: only 1.5 h of the afternoon
    problem = only(household(worker(afternoon="1.5"), worker()))
    assert problem.code == "too_few_afternoon_hours"
    assert problem.message == (
        "Guardian 1 is away 1.5 hours between 14:00 and 18:00; at least 4 are required."
    )


def test_it_reports_days_and_hours_together():
    found = problems(single(worker(days=8, afternoon="3")))
    assert [p.code for p in found] == ["too_few_days", "too_few_afternoon_hours"]


@pytest.mark.parametrize(
    "reason, message",
    [
        ("job_offer", "Guardian 1 will work 11 days a month; at least 12 are required."),
        ("study", "Guardian 1 studies 11 days a month; at least 12 are required."),
    ],
)
def test_it_applies_the_day_rule_to_job_offers_and_study(reason, message):
    assert only(household(guardian(reason, days_per_month=11), worker())).message == message


def test_it_refuses_a_guardian_who_can_supervise():
    problem = only(household(worker(), guardian("available")))
    assert problem.code == "can_supervise"
    assert problem.message == "Guardian 2 can look after the child after school."


def test_it_refuses_parental_leave_before_the_month_of_return():
    h = household(worker(), guardian("parental_leave", leave_return_date=date(2026, 5, 20)))
    problem = only(h)
    assert problem.code == "parental_leave"
    assert problem.message == (
        "Guardian 2 is on parental leave until 2026-05; a place can start from the month of return."
    )


def test_it_accepts_parental_leave_from_the_first_day_of_the_month_of_return():
    h = household(worker(), guardian("parental_leave", leave_return_date=date(2026, 5, 20)))
    assert problems(h, start_date=date(2026, 5, 1)) == []


def test_it_checks_the_job_after_parental_leave():
    h = household(
        worker(), guardian("parental_leave", leave_return_date=date(2026, 4, 1), days_per_month=8)
    )
    assert only(h).message == (
        "Guardian 2 will work 8 days a month after parental leave; at least 12 are required."
    )


def test_it_accepts_job_seeking_within_three_months():
    h = household(worker(), guardian("job_seeking", job_seeking_since=date(2026, 1, 2)))
    assert problems(h, child(1)) == []


def test_it_refuses_job_seeking_after_three_months():
    h = household(worker(), guardian("job_seeking", job_seeking_since=date(2026, 1, 1)))
    problem = only(h, child(1))
    assert problem.code == "job_seeking_ended"
    assert problem.message == (
        "Guardian 2 has been seeking work since 2026-01-01; job-seeking counts for 3 months "
        "only, until 2026-03-31."
    )


def test_it_refuses_job_seeking_for_grade_4_and_above():
    h = household(worker(), guardian("job_seeking", job_seeking_since=date(2026, 3, 1)))
    assert problems(h, child(3)) == []
    problem = only(h, child(4))
    assert problem.code == "job_seeking_grade"
    assert problem.message == (
        "Guardian 2 is seeking work; job-seeking qualifies only up to grade 3, and the child "
        "is in grade 4."
    )


def test_it_accepts_childbirth_within_the_period_and_refuses_it_outside():
    h = household(worker(), guardian("childbirth", expected_birth_date=date(2026, 7, 1)))
    assert problems(h, start_date=date(2026, 5, 1)) == []
    problem = only(h, start_date=APRIL_1)
    assert problem.code == "childbirth_period"
    assert problem.message == (
        "Guardian 2's childbirth reason counts from 2026-05-01 to 2026-09-30; the place would "
        "start on 2026-04-01."
    )


@pytest.mark.parametrize(
    "g",
    [
        guardian("illness", illness_level="other"),
        guardian("disability", disability_grade="4"),
        guardian("nursing_care", care_level="other"),
        guardian("disaster"),
        guardian("absent", absence_kind="detention"),
    ],
)
def test_reasons_without_hours_qualify_by_themselves(g):
    assert problems(household(worker(), g)) == []


@pytest.mark.parametrize("months, blocked", [(0, False), (2, False), (3, True), (7, True)])
def test_it_blocks_arrears_of_three_months_or_more(months, blocked):
    found = problems(household(arrears_months=months))
    assert bool(found) == blocked
    if blocked:
        assert found[0].code == "arrears"
        assert found[0].message == (
            f"Months of fees in arrears: {months}; arrears of 3 months or more block a new "
            "application."
        )


@pytest.mark.parametrize("grade, eligible", [(0, False), (1, True), (6, True), (7, False)])
def test_it_serves_grades_1_to_6(grade, eligible):
    found = problems(c=child(grade))
    assert (found == []) == eligible
    if not eligible:
        assert found[0].message == f"Grade {grade} is outside the grades served (1 to 6)."


def test_it_applies_an_optional_minimum_of_points():
    rules = ruleset_with(eligibility__min_points="17")  # Arakawa uses 17
    low = household(worker(), worker(12, "4"))  # base 14, grade 4 adds nothing
    problem = only(low, rules=rules)
    assert problem.code == "below_min_points"
    assert problem.message == (
        "The child's priority points are 14; at least 17 are required for a place."
    )
    assert problems(low, child(1), rules=rules) == []  # 14 + 3 for grade 1


def test_there_is_no_minimum_of_points_by_default():
    assert problems(household(worker(), worker(12, "4"))) == []


def test_it_reports_every_reason_at_once():
    h = household(worker(days=5), guardian("available"), arrears_months=4)
    found = problems(h, child(8))
    assert [(p.code, p.guardian) for p in found] == [
        ("grade_out_of_range", None),
        ("arrears", None),
        ("too_few_days", 1),
        ("can_supervise", 2),
    ]
    assert json.loads(json.dumps([p.as_dict() for p in found]))[3] == {
        "code": "can_supervise",
        "guardian": 2,
        "message": "Guardian 2 can look after the child after school.",
        "params": {"n": "2"},
    }


def test_it_refuses_bad_facts_with_facts_error():
    with pytest.raises(FactsError) as caught:
        problems(household(worker(hours=None), worker()))
    assert caught.value.messages == ["guardians[0].hours_per_day: required for reason 'work'"]


def test_it_refuses_a_start_date_that_is_not_a_date():
    with pytest.raises(FactsError):
        problems(start_date=None)


@pytest.mark.parametrize(
    "grade, support, group",
    [(1, False, 1), (3, False, 1), (4, False, 2), (6, False, 2), (5, True, 1)],
)
def test_priority_group_1_is_grades_1_to_3_and_children_needing_support(grade, support, group):
    assert priority_group(RULES, child(grade, needs_support=support)) == group


def test_a_city_can_keep_older_children_needing_support_in_group_2():
    rules = ruleset_with(eligibility__priority_group_1__support_any_grade=False)
    assert priority_group(rules, child(5, needs_support=True)) == 2


def test_the_day_rule_follows_the_rule_set():
    rules = ruleset_with(eligibility__min_days_per_month=16)
    assert only(household(worker(days=15), worker()), rules=rules).message == (
        "Guardian 1 works 15 days a month; at least 16 are required."
    )


def test_the_afternoon_window_follows_the_rule_set():
    rules = ruleset_with(
        eligibility__afternoon_window={"start": "13:00", "end": "18:00"},
        eligibility__min_afternoon_hours="4.5",
    )
    problem = only(household(worker(afternoon="4"), worker(afternoon="5")), rules=rules)
    assert problem.message == (
        "Guardian 1 is away 4 hours between 13:00 and 18:00; at least 4.5 are required."
    )
    assert D(5) <= rules.eligibility.afternoon_window_hours


def test_worked_example_5_of_the_rules_format():
    found = problems(household(worker(), worker(10, "5", afternoon="0")))
    assert [p.message for p in found] == [
        "Guardian 2 works 10 days a month; at least 12 are required.",
        "Guardian 2 is away 0 hours between 14:00 and 18:00; at least 4 are required.",
    ]
