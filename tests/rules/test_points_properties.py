"""Properties of every breakdown, over generated households."""

import json
from datetime import date
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from enrollment.rules import (
    ChildFacts,
    ClubContext,
    GuardianFacts,
    HouseholdFacts,
    ManualAdjustment,
    compute_points,
    load_default_ruleset,
)
from enrollment.rules.facts import ABSENCE_KINDS, REASONS
from enrollment.rules.ruleset import CARE_LEVELS, DISABILITY_GRADES, ILLNESS_LEVELS

RULES = load_default_ruleset()
tenths = st.integers(-50, 50).map(lambda n: D(n) / 10)
some_date = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def guardians(draw):
    return GuardianFacts(
        reason=draw(st.sampled_from(REASONS)),
        days_per_month=draw(st.integers(0, 31)),
        hours_per_day=draw(st.integers(0, 48).map(lambda n: D(n) / 2)),
        afternoon_hours=draw(st.integers(0, 8).map(lambda n: D(n) / 2)),
        works_at_home=draw(st.booleans()),
        illness_level=draw(st.sampled_from(ILLNESS_LEVELS)),
        disability_grade=draw(st.sampled_from(DISABILITY_GRADES)),
        care_level=draw(st.sampled_from(CARE_LEVELS)),
        absence_kind=draw(st.sampled_from(ABSENCE_KINDS)),
        expected_birth_date=draw(some_date),
        job_seeking_since=draw(some_date),
        leave_return_date=draw(some_date),
        posted_away=draw(st.booleans()),
    )


@st.composite
def cases(draw):
    single = draw(st.booleans())
    household = HouseholdFacts(
        guardians=tuple(draw(st.lists(guardians(), min_size=1, max_size=1 if single else 2))),
        single_parent=single,
        public_assistance=draw(st.booleans()),
        grandparent_at_home=draw(st.booleans()),
    )
    child = ChildFacts(
        grade=draw(st.integers(1, 6)),
        needs_support=draw(st.booleans()),
        waiting_months=draw(st.integers(0, 12)),
    )
    clubs = [
        ClubContext(f"c{i}", continuing=draw(st.booleans()), sibling=draw(st.booleans()))
        for i in range(draw(st.integers(0, 3)))
    ]
    manual = [ManualAdjustment(p, "staff note") for p in draw(st.lists(tenths, max_size=2))]
    return household, child, clubs, manual, draw(some_date)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_every_breakdown_adds_up_to_its_total_in_tenths(case):
    household, child, clubs, manual, reference = case
    b = compute_points(
        RULES, household, child, reference_date=reference, clubs=clubs, manual=manual
    )
    guardian_points = [g.points for g in b.guardians]
    assert b.base == (min(guardian_points))
    lines = sum((line.points for line in b.adjustments), D(0))
    assert b.total == b.base + lines + sum((m.points for m in manual), D(0))
    for club in b.clubs:
        assert club.total == b.total + club.extra
    for value in [b.base, b.total, *(c.total for c in b.clubs)]:
        assert value == value.quantize(D("0.1"))
    assert json.loads(json.dumps(b.as_dict()))["total"] == str(b.total)
    assert all(line.points != 0 for line in b.adjustments)
    assert 0 <= max(guardian_points) <= 20
