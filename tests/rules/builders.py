"""Builders for facts, so each test states only what it is about."""

import json
from datetime import date
from decimal import Decimal

from enrollment.rules import DEFAULT_RULESET_PATH, parse_ruleset
from enrollment.rules.facts import ChildFacts, GuardianFacts, HouseholdFacts

D = Decimal
APRIL_1 = date(2026, 4, 1)


def default_document() -> dict:
    with DEFAULT_RULESET_PATH.open(encoding="utf-8") as f:
        return json.load(f)


def ruleset_with(**changes):
    """The default rule set with keys changed, given as dotted paths with "__" for dots."""
    document = default_document()
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = document
        for key in parents:
            node = node[key]
        node[last] = value
    return parse_ruleset(document)


def worker(days=20, hours="8", afternoon="4", **kwargs) -> GuardianFacts:
    return GuardianFacts(
        "work",
        days_per_month=days,
        hours_per_day=None if hours is None else D(hours),
        afternoon_hours=None if afternoon is None else D(afternoon),
        **kwargs,
    )


def guardian(reason, **kwargs) -> GuardianFacts:
    timed = reason in ("job_offer", "study", "parental_leave")
    if timed:
        kwargs.setdefault("days_per_month", 20)
        kwargs.setdefault("hours_per_day", D(8))
        kwargs.setdefault("afternoon_hours", D(4))
    return GuardianFacts(reason, **kwargs)


def household(*guardians, **kwargs) -> HouseholdFacts:
    if not guardians:
        guardians = (worker(), worker())
    return HouseholdFacts(guardians=tuple(guardians), **kwargs)


def single(guardian_facts=None, **kwargs) -> HouseholdFacts:
    return HouseholdFacts(guardians=(guardian_facts or worker(),), single_parent=True, **kwargs)


def child(grade=4, **kwargs) -> ChildFacts:
    # Grade 4 is the default because its grade adjustment is 0 and leaves totals unchanged.
    return ChildFacts(grade=grade, **kwargs)
