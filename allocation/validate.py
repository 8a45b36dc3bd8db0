"""Check any result against a problem, independently of the solver.

The constraints are written here once, from DOMAIN.md ("Allocation semantics, precisely") and
docs/allocation-format.md, and they apply to a hand-edited result as much as to a solver's:
the engine's word is never trusted (DOMAIN.md, "Never trust a solver's word").

Definitions used throughout:

- A child's *priority* at club j is ``child.priority(j)``; under ``lottery_first`` the lottery
  number ``-rank`` is appended, so priorities are strict. Under ``maximize_placed`` equal tuples
  tie, and a tie is never justified envy.
- Child i has *justified envy* towards club j, which she ranks above her outcome (any club she
  listed if she is unplaced), when (a) j has room for her under every limit that applies to her,
  or (b) j holds a child k of strictly lower priority at j and j stays within every limit after
  replacing k by i.
- A member of a "together" unit (two or more children) cannot take a place alone, so she has
  justified envy towards j only with her whole unit: when all its members fit at j within
  every limit, taking free places and places of children ranked strictly below every member
  (at most one each). Then each member has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations_with_replacement
from typing import Iterable

from allocation.model import Child, Club, Problem, Result, SiblingMode, Ties, lottery_ranks

# Kinds of violation. Every kind is fatal except DECLARED_ENVY: envy that the result itself
# declares unavoidable because of "together" units (DOMAIN.md: a fully fair outcome can fail to
# exist with such units; the engine then minimises and reports the envious children).
MISSING_CHILD = "missing_child"
UNKNOWN_CHILD = "unknown_child"
UNKNOWN_CLUB = "unknown_club"
UNLISTED_CLUB = "unlisted_club"
CAPACITY = "capacity"
SUPPORT_LIMIT = "support_limit"
GRADE_LIMIT = "grade_limit"
TOGETHER = "together"
JUSTIFIED_ENVY = "justified_envy"
DECLARED_ENVY = "declared_envy"
WAITLIST = "waitlist"
LOTTERY = "lottery"
STATS = "stats"

NON_FATAL_KINDS = frozenset({DECLARED_ENVY})


@dataclass(frozen=True)
class Violation:
    kind: str
    child: str | None
    club: str | None
    message: str

    @property
    def fatal(self) -> bool:
        return self.kind not in NON_FATAL_KINDS


def fatal(violations: Iterable[Violation]) -> list[Violation]:
    """The violations that make a result invalid (all but declared envy)."""
    return [v for v in violations if v.fatal]


def format_priority(priority: tuple) -> str:
    """A priority tuple as staff read it: ``(-1, 0, 21.5, 5, 0, 1, 20)``."""
    return "(" + ", ".join(_number_text(value) for value in priority) + ")"


def _number_text(value) -> str:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def _outcome_text(club_id: str | None) -> str:
    return club_id if club_id is not None else "none"


class _ClubLoad:
    """Who a club holds, with the counts every limit needs."""

    def __init__(self, club: Club) -> None:
        self.club = club
        self.members: list[Child] = []
        self.support = 0
        self.bands = [0] * len(club.grade_limits)

    def add(self, child: Child) -> None:
        self.members.append(child)
        self.support += child.support
        for index, limit in enumerate(self.club.grade_limits):
            if limit.applies_to(child.grade):
                self.bands[index] += 1

    def has_room_for(self, child: Child) -> bool:
        club = self.club
        if len(self.members) + 1 > club.capacity:
            return False
        if child.support and club.support_limit is not None:
            if self.support + 1 > club.support_limit:
                return False
        for index, limit in enumerate(club.grade_limits):
            if limit.applies_to(child.grade) and self.bands[index] + 1 > limit.limit:
                return False
        return True

    def swap_fits(self, incoming: Child, outgoing_support: bool, outgoing_grade: int) -> bool:
        club = self.club
        if len(self.members) > club.capacity:
            return False
        if club.support_limit is not None:
            if self.support - outgoing_support + incoming.support > club.support_limit:
                return False
        for index, limit in enumerate(club.grade_limits):
            after = (
                self.bands[index]
                - limit.applies_to(outgoing_grade)
                + limit.applies_to(incoming.grade)
            )
            if after > limit.limit:
                return False
        return True


def priority_function(problem: Problem, ranks: dict[str, int]):
    """The priority used for envy: strict (lottery appended) under ``lottery_first``."""
    if problem.policy.ties == Ties.LOTTERY_FIRST:
        return lambda child, club_id: (*child.priority(club_id), -ranks[child.id])
    return lambda child, club_id: child.priority(club_id)


def waitlist_key(child: Child, club_id: str, ranks: dict[str, int]) -> tuple:
    """Sort key of a waitlist: priority at the club, best first, then lottery rank."""
    return (*child.priority(club_id), -ranks[child.id])


def clubs_above(child: Child, outcome: str | None) -> tuple[str, ...]:
    """The clubs a child ranks above her outcome: all she listed when she is unplaced."""
    if outcome is None or outcome not in child.preferences:
        return child.preferences
    return child.preferences[: child.preferences.index(outcome)]


def find_envy(
    problem: Problem,
    assignments: dict[str, str | None],
    ranks: dict[str, int],
) -> list[tuple[Child, str, str]]:
    """Every (child, club, reason) of justified envy in a complete assignment.

    ``assignments`` must name every child of the problem and only clubs of the problem.
    Members of each club are summarised per (support, grade) category by their lowest
    priority, so a child's check at one club costs at most 12 comparisons: this keeps the
    validator usable on the 100k-children benchmark.
    """
    priority = priority_function(problem, ranks)
    loads = {club.id: _ClubLoad(club) for club in problem.clubs}
    for child in problem.children:
        club_id = assignments[child.id]
        if club_id is not None:
            loads[club_id].add(child)

    weakest: dict[str, dict[tuple[bool, int], tuple[tuple, Child]]] = {}
    for club_id, load in loads.items():
        categories: dict[tuple[bool, int], tuple[tuple, Child]] = {}
        for member in load.members:
            key = (member.support, member.grade)
            member_priority = priority(member, club_id)
            current = categories.get(key)
            if current is None or member_priority < current[0]:
                categories[key] = (member_priority, member)
        weakest[club_id] = categories

    units = {unit: members for unit, members in _together_units(problem).items() if len(members) > 1}
    unit_claims: dict[tuple[str, str], str | None] = {}

    envy = []
    for child in problem.children:
        outcome = assignments[child.id]
        unit = child.siblings.unit if child.siblings is not None else None
        if unit in units:
            # A "together" unit's member has a claim only with her whole unit (see
            # ``unit_claim``); then every member has one.
            for club_id in clubs_above(child, outcome):
                key = (unit, club_id)
                if key not in unit_claims:
                    unit_claims[key] = unit_claim(loads[club_id], units[unit], club_id, priority)
                if unit_claims[key] is not None:
                    envy.append((child, club_id, unit_claims[key]))
            continue
        for club_id in clubs_above(child, outcome):
            load = loads[club_id]
            if load.has_room_for(child):
                envy.append((child, club_id, f"{club_id} has room for {child.id}"))
                continue
            own = priority(child, club_id)
            displaced = None
            for (support, grade), (member_priority, member) in weakest[club_id].items():
                if member_priority < own and load.swap_fits(child, support, grade):
                    if displaced is None or member_priority < displaced[0]:
                        displaced = (member_priority, member)
            if displaced is not None:
                member_priority, member = displaced
                envy.append(
                    (
                        child,
                        club_id,
                        f"{club_id} holds {member.id} with lower priority "
                        f"{format_priority(member_priority)} than {child.id}'s "
                        f"{format_priority(own)}, and {child.id} could take that place "
                        "within every limit",
                    )
                )
    return envy


def unit_claim(load: _ClubLoad, unit: list[Child], club_id: str, priority) -> str | None:
    """Why a "together" unit has justified envy towards ``club_id``, or None.

    The unit has a claim when all its members fit there at once, within every limit, after
    at most one child per member leaves, each ranked strictly below every member of the unit
    (a child ranked between two members would envy the weaker one). Leaving children are
    chosen by (support, grade) category, the weakest of each first; any choice of the same
    number from the same categories frees the same places.
    """
    club = load.club
    weakest = min(priority(m, club_id) for m in unit)
    ids = {m.id for m in unit}
    below: dict[tuple[bool, int], int] = {}
    for member in load.members:
        if member.id not in ids and priority(member, club_id) < weakest:
            key = (member.support, member.grade)
            below[key] = below.get(key, 0) + 1
    leaving = min(len(unit), sum(below.values()))
    if len(load.members) - leaving + len(unit) > club.capacity:
        return None
    for chosen in combinations_with_replacement(sorted(below), leaving):
        if any(chosen.count(key) > n for key, n in below.items()):
            continue
        support = load.support - sum(s for s, _ in chosen) + sum(m.support for m in unit)
        if club.support_limit is not None and support > club.support_limit:
            continue
        if all(
            load.bands[index]
            - sum(1 for _, grade in chosen if limit.applies_to(grade))
            + sum(1 for m in unit if limit.applies_to(m.grade))
            <= limit.limit
            for index, limit in enumerate(club.grade_limits)
        ):
            names = ", ".join(m.id for m in unit)
            return (
                f"{club_id} could take the whole sibling unit ({names}) within every limit, "
                f"giving it free places or places of children ranked below all its members"
            )
    return None


def validate(problem: Problem, result: Result) -> list[Violation]:
    """Every way ``result`` breaks the rules for ``problem``; an empty list means valid.

    Only violations with ``fatal`` set make a result invalid; ``declared_envy`` entries are
    the solver's own, checked report of unavoidable envy.
    """
    violations: list[Violation] = []
    clubs = {club.id: club for club in problem.clubs}
    children = {child.id: child for child in problem.children}
    ranks = lottery_ranks(children, problem.seed)

    for child_id in result.assignments:
        if child_id not in children:
            violations.append(
                Violation(UNKNOWN_CHILD, child_id, None, f"{child_id} is not a child of the problem")
            )

    # A well-formed assignment for the capacity and envy checks: unknown clubs are reported
    # and then treated as no place, so one mistake does not hide every other.
    assignments: dict[str, str | None] = {}
    for child in problem.children:
        if child.id not in result.assignments:
            violations.append(
                Violation(MISSING_CHILD, child.id, None, f"{child.id} has no entry in assignments")
            )
            assignments[child.id] = None
            continue
        club_id = result.assignments[child.id]
        if club_id is not None and club_id not in clubs:
            violations.append(
                Violation(
                    UNKNOWN_CLUB, child.id, club_id, f"{child.id} is assigned to unknown club {club_id}"
                )
            )
            club_id = None
        elif club_id is not None and club_id not in child.preferences:
            violations.append(
                Violation(
                    UNLISTED_CLUB,
                    child.id,
                    club_id,
                    f"{child.id} is assigned to {club_id}, which she did not list",
                )
            )
        assignments[child.id] = club_id

    violations.extend(_limit_violations(problem, assignments))
    violations.extend(_together_violations(problem, assignments))
    violations.extend(_envy_violations(problem, result, assignments, ranks))
    violations.extend(_waitlist_violations(problem, result, assignments, ranks))
    violations.extend(_lottery_violations(problem, result, ranks))
    violations.extend(_stats_violations(problem, result, assignments))
    return violations


def _limit_violations(problem: Problem, assignments: dict[str, str | None]) -> list[Violation]:
    loads = {club.id: _ClubLoad(club) for club in problem.clubs}
    for child in problem.children:
        club_id = assignments[child.id]
        if club_id is not None:
            loads[club_id].add(child)
    violations = []
    for club in problem.clubs:
        load = loads[club.id]
        if len(load.members) > club.capacity:
            violations.append(
                Violation(
                    CAPACITY,
                    None,
                    club.id,
                    f"{club.id} holds {len(load.members)} children; its capacity is {club.capacity}",
                )
            )
        if club.support_limit is not None and load.support > club.support_limit:
            violations.append(
                Violation(
                    SUPPORT_LIMIT,
                    None,
                    club.id,
                    f"{club.id} holds {load.support} children needing support; "
                    f"its support limit is {club.support_limit}",
                )
            )
        for index, limit in enumerate(club.grade_limits):
            if load.bands[index] > limit.limit:
                violations.append(
                    Violation(
                        GRADE_LIMIT,
                        None,
                        club.id,
                        f"{club.id} holds {load.bands[index]} children of grades {limit.band}; "
                        f"its limit for that band is {limit.limit}",
                    )
                )
    return violations


def _together_units(problem: Problem) -> dict[str, list[Child]]:
    units: dict[str, list[Child]] = {}
    for child in problem.children:
        if child.siblings is not None and child.siblings.mode == SiblingMode.TOGETHER:
            units.setdefault(child.siblings.unit, []).append(child)
    return units


def _together_violations(problem: Problem, assignments: dict[str, str | None]) -> list[Violation]:
    violations = []
    for unit, members in _together_units(problem).items():
        outcomes = {assignments[member.id] for member in members}
        if len(outcomes) > 1:
            listing = ", ".join(f"{m.id}: {_outcome_text(assignments[m.id])}" for m in members)
            violations.append(
                Violation(
                    TOGETHER,
                    members[0].id,
                    None,
                    f"sibling unit {unit} (together) is split: {listing}",
                )
            )
    return violations


def _envy_violations(
    problem: Problem,
    result: Result,
    assignments: dict[str, str | None],
    ranks: dict[str, int],
) -> list[Violation]:
    declared = set(result.stats.extra.get("envy_children", ()) or ())
    # A one-child "together" unit constrains nothing, so it cannot make envy unavoidable.
    has_units = any(len(members) > 1 for members in _together_units(problem).values())
    violations = []
    for child, club_id, reason in find_envy(problem, assignments, ranks):
        outcome = _outcome_text(assignments[child.id])
        message = (
            f"{child.id} (outcome {outcome}) has justified envy towards {club_id}: {reason}"
        )
        if child.id in declared and has_units:
            violations.append(
                Violation(DECLARED_ENVY, child.id, club_id, message + " (declared unavoidable)")
            )
        elif child.id in declared:
            violations.append(
                Violation(
                    JUSTIFIED_ENVY,
                    child.id,
                    club_id,
                    message + " (declared unavoidable, but the problem has no together unit "
                    "that could make it so)",
                )
            )
        else:
            violations.append(Violation(JUSTIFIED_ENVY, child.id, club_id, message))
    return violations


def expected_waitlists(
    problem: Problem, assignments: dict[str, str | None], ranks: dict[str, int]
) -> dict[str, list[str]]:
    """Each club's waitlist: children not placed there who prefer it to their outcome."""
    waiting: dict[str, list[Child]] = {club.id: [] for club in problem.clubs}
    for child in problem.children:
        for club_id in clubs_above(child, assignments[child.id]):
            waiting[club_id].append(child)
    return {
        club_id: [
            c.id
            for c in sorted(
                members, key=lambda c, j=club_id: waitlist_key(c, j, ranks), reverse=True
            )
        ]
        for club_id, members in waiting.items()
    }


def _waitlist_violations(
    problem: Problem,
    result: Result,
    assignments: dict[str, str | None],
    ranks: dict[str, int],
) -> list[Violation]:
    violations = []
    clubs = {club.id for club in problem.clubs}
    for club_id in result.waitlist:
        if club_id not in clubs:
            violations.append(
                Violation(UNKNOWN_CLUB, None, club_id, f"waitlist names unknown club {club_id}")
            )
    for club_id, expected in expected_waitlists(problem, assignments, ranks).items():
        actual = list(result.waitlist.get(club_id, ()))
        if actual == expected:
            continue
        position = next(
            (i for i, (a, e) in enumerate(zip(actual, expected)) if a != e),
            min(len(actual), len(expected)),
        )
        found = actual[position] if position < len(actual) else "the end of the list"
        wanted = expected[position] if position < len(expected) else "the end of the list"
        violations.append(
            Violation(
                WAITLIST,
                wanted if position < len(expected) else None,
                club_id,
                f"waitlist of {club_id} differs at position {position + 1}: found {found}, "
                f"expected {wanted} ({len(actual)} listed, {len(expected)} expected)",
            )
        )
    return violations


def _lottery_violations(problem: Problem, result: Result, ranks: dict[str, int]) -> list[Violation]:
    recorded = dict(result.lottery)
    if not recorded and problem.children:
        return [Violation(LOTTERY, None, None, "the result records no lottery ranks")]
    wrong = [child_id for child_id in ranks if recorded.get(child_id) != ranks[child_id]]
    extra = [child_id for child_id in recorded if child_id not in ranks]
    violations = []
    if wrong:
        first = wrong[0]
        violations.append(
            Violation(
                LOTTERY,
                first,
                None,
                f"{len(wrong)} lottery ranks differ from lottery_ranks(ids, seed={problem.seed}); "
                f"first: {first} has {recorded.get(first)}, expected {ranks[first]}",
            )
        )
    if extra:
        violations.append(
            Violation(
                LOTTERY,
                extra[0],
                None,
                f"the lottery names {len(extra)} unknown children, first {extra[0]}",
            )
        )
    return violations


def _stats_violations(
    problem: Problem, result: Result, assignments: dict[str, str | None]
) -> list[Violation]:
    placed = sum(1 for club_id in assignments.values() if club_id is not None)
    unplaced = len(problem.children) - placed
    stats = result.stats
    violations = []
    if stats.placed != placed or stats.unplaced != unplaced:
        violations.append(
            Violation(
                STATS,
                None,
                None,
                f"stats say {stats.placed} placed and {stats.unplaced} unplaced; "
                f"the assignments place {placed} and leave {unplaced} unplaced",
            )
        )
    if stats.bound is not None and stats.bound < placed:
        violations.append(
            Violation(
                STATS,
                None,
                None,
                f"stats give an upper bound of {stats.bound} below the {placed} children placed",
            )
        )
    return violations
