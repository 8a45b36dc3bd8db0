"""Tie-break keys: in the rule set's order, every key higher-is-better."""

from datetime import date

import pytest

from enrollment.rules import load_default_ruleset, tiebreak_keys
from enrollment.rules.tiebreak import MISSING_INCOME_TAX_KEY

from .builders import APRIL_1, D, child, guardian, household, ruleset_with, single, worker

RULES = load_default_ruleset()


def keys(h=None, c=None, *, rules=RULES, reference_date=APRIL_1):
    return tiebreak_keys(rules, h or household(), c or child(), reference_date=reference_date)


def key(name, h=None, c=None, **kwargs):
    rules = ruleset_with(tiebreak__order=[name])
    (value,) = keys(h, c, rules=rules, **kwargs)
    return value


def test_it_returns_the_default_keys_in_order():
    h = household(worker(20), worker(16), income_tax_previous=120_000)
    assert keys(h, child(2, needs_support=True)) == (D(-2), D(1), D(0), D(16), D(-120_000))


def test_a_lower_grade_ranks_higher():
    assert key("lower_grade", c=child(1)) > key("lower_grade", c=child(2))
    assert key("lower_grade", c=child(1)) == -1


def test_a_child_needing_support_ranks_higher():
    assert (key("support", c=child(needs_support=True)), key("support")) == (1, 0)


def test_single_parent_and_absent_parent_households_rank_higher():
    assert key("single_or_no_parent", single()) == 1
    widowed = household(worker(), guardian("absent", absence_kind="death"))
    assert key("single_or_no_parent", widowed) == 1
    assert key("single_or_no_parent") == 0


def test_more_working_days_is_the_lowest_guardians_days():
    assert key("more_working_days", household(worker(22), worker(14))) == 14
    assert key("more_working_days", single(worker(18))) == 18
    assert key("more_working_days", household(worker(22), worker(12))) < key(
        "more_working_days", household(worker(22), worker(13))
    )


def test_a_guardian_who_is_not_working_counts_zero_days():
    h = household(worker(22), guardian("illness", illness_level="hospitalised"))
    assert key("more_working_days", h) == 0
    assert key("more_working_days", household(worker(22), guardian("job_offer"))) == 0


@pytest.mark.parametrize(
    "reference, assessment",
    [
        (date(2026, 4, 1), "previous"),
        (date(2026, 8, 31), "previous"),
        (date(2026, 9, 1), "current"),
        (date(2027, 1, 15), "current"),
        (date(2027, 3, 31), "current"),
    ],
)
def test_income_tax_uses_the_previous_assessment_until_september(reference, assessment):
    h = household(income_tax_previous=80_000, income_tax_current=95_000)
    expected = D(-80_000) if assessment == "previous" else D(-95_000)
    assert key("lower_income_tax", h, reference_date=reference) == expected


def test_a_city_can_move_the_income_tax_switch_month():
    rules = ruleset_with(tiebreak__order=["lower_income_tax"], tiebreak__income_tax_switch_month=7)
    h = household(income_tax_previous=80_000, income_tax_current=95_000)
    assert keys(h, rules=rules, reference_date=date(2026, 6, 30)) == (D(-80_000),)
    assert keys(h, rules=rules, reference_date=date(2026, 7, 1)) == (D(-95_000),)


def test_lower_income_tax_ranks_higher_and_a_missing_tax_ranks_worst():
    untaxed = key("lower_income_tax", household(income_tax_previous=0))
    low = key("lower_income_tax", household(income_tax_previous=50_000))
    high = key("lower_income_tax", household(income_tax_previous=999_999_999_999))
    missing = key("lower_income_tax", household())
    assert untaxed > low > high > missing == MISSING_INCOME_TAX_KEY
    assert missing.is_finite()


def test_keys_follow_the_rule_sets_order_and_may_be_empty():
    rules = ruleset_with(tiebreak__order=["more_working_days", "lower_grade"])
    assert keys(household(worker(20), worker(16)), child(3), rules=rules) == (D(16), D(-3))
    assert keys(rules=ruleset_with(tiebreak__order=[])) == ()


def test_the_first_key_decides_before_the_others():
    # grade 1 without support beats grade 2 with support: lower grade comes first
    first = keys(household(income_tax_previous=900_000), child(1))
    second = keys(single(income_tax_previous=0), child(2, needs_support=True))
    assert first > second


def test_worked_example_4_of_the_rules_format():
    a = keys(single(worker(18), income_tax_previous=80_000), child(2))
    b = keys(household(worker(22), worker(14), income_tax_previous=0), child(2))
    assert a == (D(-2), D(0), D(1), D(18), D(-80_000))
    assert b == (D(-2), D(0), D(0), D(14), D(0))
    assert a > b
