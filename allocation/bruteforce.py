"""Exhaustive reference answers for tiny problems (about 7 children and 3 clubs at most).

Every outcome is enumerated: each child gets one club she listed or none, "together" units
move as one, and every limit holds. Justified envy is checked literally from its definition
(add the child, or swap her for each lower-priority member, and re-check every limit; for a
"together" unit, add the whole unit after every subset of at most its size of the children
ranked below all its members leaves), with
no code shared with ``validate``, so the two can check each other.

For tests only, but importable: the solver's answers on tiny problems must match these.
"prefer" units are not modelled here: they only choose among outcomes that are equal by the
rules these answers cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Iterator, Mapping

from allocation.model import Child, Club, Problem, SiblingMode, Ties, lottery_ranks

MAX_OUTCOMES = 2_000_000


@dataclass(frozen=True)
class Exhaustive:
    feasible: int  # outcomes that respect every limit and every "together" unit
    min_envy: int  # fewest children with justified envy (0 when a fair outcome exists)
    max_placed: int  # most children placed among the outcomes with ``min_envy``
    best: Mapping[str, str | None]  # the outcome the policy picks (see ``solve_exhaustively``)
    child_optimal: Mapping[str, str | None] | None  # see ``solve_exhaustively``
    fair_outcomes: tuple[Mapping[str, str | None], ...]  # every outcome with ``min_envy``


def _within_limits(club: Club, members: list[Child]) -> bool:
    if len(members) > club.capacity:
        return False
    if club.support_limit is not None and sum(m.support for m in members) > club.support_limit:
        return False
    for limit in club.grade_limits:
        if sum(1 for m in members if limit.applies_to(m.grade)) > limit.limit:
            return False
    return True


def envious_children(problem: Problem, outcome: Mapping[str, str | None]) -> set[str]:
    """Children with justified envy in ``outcome``, straight from the definition."""
    ranks = lottery_ranks([c.id for c in problem.children], problem.seed)
    strict = problem.policy.ties == Ties.LOTTERY_FIRST

    def priority(child: Child, club_id: str) -> tuple:
        base = child.priority(club_id)
        return (*base, -ranks[child.id]) if strict else base

    members: dict[str, list[Child]] = {club.id: [] for club in problem.clubs}
    for child in problem.children:
        if outcome[child.id] is not None:
            members[outcome[child.id]].append(child)

    units: dict[str, list[Child]] = {}
    for child in problem.children:
        if child.siblings is not None and child.siblings.mode == SiblingMode.TOGETHER:
            units.setdefault(child.siblings.unit, []).append(child)

    envious = set()
    for child in problem.children:
        current = outcome[child.id]
        better = child.preferences if current is None else child.preferences[: child.preferences.index(current)]
        unit = units.get(child.siblings.unit, []) if child.siblings is not None else []
        if len(unit) > 1:
            # A "together" unit's member claims a club only with her whole unit: it fits
            # after children ranked strictly below every member leave (at most one each).
            for club_id in better:
                club = problem.club(club_id)
                weakest = min(priority(m, club_id) for m in unit)
                held = [m for m in members[club_id] if m not in unit]
                below = [k for k in held if priority(k, club_id) < weakest]
                if any(
                    _within_limits(club, [k for k in held if k not in leaving] + unit)
                    for size in range(min(len(unit), len(below)) + 1)
                    for leaving in combinations(below, size)
                ):
                    envious.add(child.id)
                    break
            continue
        for club_id in better:
            club = problem.club(club_id)
            held = members[club_id]
            if _within_limits(club, held + [child]):
                envious.add(child.id)
                break
            own = priority(child, club_id)
            if any(
                priority(other, club_id) < own
                and _within_limits(club, [m for m in held if m is not other] + [child])
                for other in held
            ):
                envious.add(child.id)
                break
    return envious


def feasible_outcomes(problem: Problem) -> Iterator[dict[str, str | None]]:
    """Every outcome that respects all limits and keeps "together" units whole."""
    blocks: list[list[Child]] = []
    units: dict[str, list[Child]] = {}
    for child in problem.children:
        if child.siblings is not None and child.siblings.mode == SiblingMode.TOGETHER:
            if child.siblings.unit not in units:
                units[child.siblings.unit] = []
                blocks.append(units[child.siblings.unit])
            units[child.siblings.unit].append(child)
        else:
            blocks.append([child])

    count = 1
    for block in blocks:
        count *= len(block[0].preferences) + 1
    if count > MAX_OUTCOMES:
        raise ValueError(f"{count} outcomes is too many to enumerate; use a smaller problem")

    members: dict[str, list[Child]] = {club.id: [] for club in problem.clubs}
    outcome: dict[str, str | None] = {}

    def place(index: int) -> Iterator[dict[str, str | None]]:
        if index == len(blocks):
            yield dict(outcome)
            return
        block = blocks[index]
        for club_id in (*block[0].preferences, None):
            if club_id is not None:
                trial = members[club_id] + block
                if not _within_limits(problem.club(club_id), trial):
                    continue
                members[club_id] = trial
            for child in block:
                outcome[child.id] = club_id
            yield from place(index + 1)
            if club_id is not None:
                members[club_id] = members[club_id][: -len(block)]

    yield from place(0)


def solve_exhaustively(problem: Problem) -> Exhaustive:
    """The reference answer.

    Among feasible outcomes, keep those with the fewest envious children (none whenever a
    fair outcome exists), then the ones placing the most children. ``best`` is the one the
    lottery order prefers: the first child in lottery order gets the best club she can have
    among them, then the second, and so on (DOMAIN.md, ``maximize_placed``).
    ``child_optimal`` is, among the fair outcomes of every size, the one every child likes
    at least as well as any other, when such an outcome exists: under ``lottery_first``
    (strict priorities) without side limits or units it always does, and it is what deferred
    acceptance finds.
    """
    ranks = lottery_ranks([c.id for c in problem.children], problem.seed)
    fewest: int | None = None
    kept: list[dict[str, str | None]] = []
    feasible = 0
    for outcome in feasible_outcomes(problem):
        feasible += 1
        envy = len(envious_children(problem, outcome))
        if fewest is None or envy < fewest:
            fewest, kept = envy, [outcome]
        elif envy == fewest:
            kept.append(outcome)

    def placed(outcome) -> int:
        return sum(1 for club in outcome.values() if club is not None)

    def choice_rank(child: Child, club_id: str | None) -> int:
        return len(child.preferences) if club_id is None else child.preferences.index(club_id)

    most = max(placed(o) for o in kept)
    in_lottery_order = sorted(problem.children, key=lambda c: ranks[c.id])
    best = min(
        (o for o in kept if placed(o) == most),
        key=lambda o: tuple(choice_rank(c, o[c.id]) for c in in_lottery_order),
    )

    child_optimal = None
    if fewest == 0:
        ideal = {
            c.id: min((o[c.id] for o in kept), key=lambda club, c=c: choice_rank(c, club))
            for c in problem.children
        }
        if ideal in kept:
            child_optimal = ideal

    return Exhaustive(
        feasible=feasible,
        min_envy=fewest,
        max_placed=most,
        best=best,
        child_optimal=child_optimal,
        fair_outcomes=tuple(kept),
    )
