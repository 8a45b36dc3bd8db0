"""Tie-break keys: what separates children with equal points, before the lottery.

``tiebreak_keys`` returns one ``Decimal`` per key named in the rule set's order, every key
oriented so that **higher is better**, the convention of ``allocation.model.Child.tiebreak``
(tuples compared left to right, the larger first). The lottery is not a key here: it is always
last, drawn by the allocation run from its recorded seed.

Orientation of each key:

- ``lower_grade``: ``-grade`` (grade 1 gives -1, above grade 6's -6).
- ``support``: 1 for a child needing support, else 0.
- ``single_or_no_parent``: 1 for a single-parent household or one with a guardian absent
  (death, separation, missing, detention), else 0.
- ``more_working_days``: the household's working days a month, i.e. the lowest guardian's
  days, a guardian whose reason is not ``work`` counting 0.
- ``lower_income_tax``: ``-tax`` in yen (所得割額); April to the month before the rule set's
  switch month (September) uses the previous year's assessment, the switch month to March the
  current one. A missing assessment ranks worst: ``MISSING_INCOME_TAX_KEY``, below any real tax.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .facts import MAX_INCOME_TAX, ChildFacts, FactsError, HouseholdFacts, validate_facts
from .ruleset import RuleSet

# A finite "worst" rather than -Infinity, so that consumers converting keys to integers (the
# allocation engine compares exactly, sometimes as integers) never meet a non-finite value.
MISSING_INCOME_TAX_KEY = Decimal(-(MAX_INCOME_TAX + 1))


def uses_current_assessment(ruleset: RuleSet, reference_date: date) -> bool:
    """Whether the current year's income tax assessment applies on ``reference_date``.

    The assessment for a calendar year arrives in June; cities use the previous one until the
    switch month, counted within the fiscal year that starts in April.
    """

    def position(month: int) -> int:
        return (month - 4) % 12

    return position(reference_date.month) >= position(ruleset.tiebreak.income_tax_switch_month)


def income_tax_for(ruleset: RuleSet, household: HouseholdFacts, reference_date: date) -> int | None:
    if uses_current_assessment(ruleset, reference_date):
        return household.income_tax_current
    return household.income_tax_previous


def working_days(household: HouseholdFacts) -> int:
    return min(g.days_per_month if g.reason == "work" else 0 for g in household.guardians)


def single_or_no_parent(household: HouseholdFacts) -> bool:
    return household.single_parent or any(g.reason == "absent" for g in household.guardians)


def tiebreak_keys(
    ruleset: RuleSet, household: HouseholdFacts, child: ChildFacts, *, reference_date: date
) -> tuple[Decimal, ...]:
    """The child's tie-break keys in the rule set's order, each higher-is-better."""
    if not isinstance(reference_date, date):
        raise FactsError(["reference_date: must be a date"])
    validate_facts(ruleset, household, child)
    keys = []
    for name in ruleset.tiebreak.order:
        if name == "lower_grade":
            keys.append(Decimal(-child.grade))
        elif name == "support":
            keys.append(Decimal(int(child.needs_support)))
        elif name == "single_or_no_parent":
            keys.append(Decimal(int(single_or_no_parent(household))))
        elif name == "more_working_days":
            keys.append(Decimal(working_days(household)))
        elif name == "lower_income_tax":
            tax = income_tax_for(ruleset, household, reference_date)
            keys.append(MISSING_INCOME_TAX_KEY if tax is None else Decimal(-tax))
        else:  # pragma: no cover - parse_ruleset admits only the names above
            raise ValueError(f"unknown tie-break key {name!r}")
    return tuple(keys)
