"""The city's admission rules as data, and the pure functions that apply them.

No ORM and no database here: the models convert their rows into the facts dataclasses, and
services call these functions. See ``docs/rules-format.md`` for the rule-set format.
"""

from __future__ import annotations

import json
from pathlib import Path

from .capacity import CapacityError, capacity, default_support_limit, intake_cap
from .eligibility import Ineligibility, check_eligibility, priority_group
from .facts import (
    ChildFacts,
    ClubContext,
    FactsError,
    GuardianFacts,
    HouseholdFacts,
    ManualAdjustment,
    validate_facts,
)
from .grades import fiscal_year_of, school_grade
from .points import PointsBreakdown, compute_points
from .ruleset import RuleSet, RuleSetError, parse_ruleset, ruleset_to_dict
from .tiebreak import tiebreak_keys

DEFAULT_RULESET_PATH = Path(__file__).with_name("default_ruleset.json")


def load_default_ruleset() -> RuleSet:
    """泊江市's default rule set, as shipped."""
    with DEFAULT_RULESET_PATH.open(encoding="utf-8") as f:
        return parse_ruleset(json.load(f))


def dump_ruleset(ruleset: RuleSet) -> str:
    """The canonical JSON text of ``ruleset``, as ``default_ruleset.json`` is written."""
    return json.dumps(ruleset_to_dict(ruleset), ensure_ascii=False, indent=2) + "\n"


__all__ = [
    "CapacityError",
    "ChildFacts",
    "ClubContext",
    "DEFAULT_RULESET_PATH",
    "FactsError",
    "GuardianFacts",
    "HouseholdFacts",
    "Ineligibility",
    "ManualAdjustment",
    "PointsBreakdown",
    "RuleSet",
    "RuleSetError",
    "capacity",
    "check_eligibility",
    "compute_points",
    "default_support_limit",
    "dump_ruleset",
    "fiscal_year_of",
    "intake_cap",
    "load_default_ruleset",
    "parse_ruleset",
    "priority_group",
    "ruleset_to_dict",
    "school_grade",
    "tiebreak_keys",
    "validate_facts",
]
