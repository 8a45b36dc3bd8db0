"""Capacity planning: where one more place (or five) would place the most children.

For each club the engine re-solves with its capacity raised. Only the part of the city the
club belongs to is re-solved: clubs linked by children's preferences form components, and
raising one club's capacity changes nothing outside its own (a child is placed only at a club
she listed). The answer is ranked: the biggest gain for +1 first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from allocation.model import Problem, Ties
from allocation.solver import solve


@dataclass(frozen=True)
class ClubGain:
    club: str
    capacity: int
    placed_now: int  # children placed in the club's component today
    gains: dict[int, int]  # extra places -> extra children placed in the component
    proven: bool  # every re-solve was proven optimal


def city_components(problem: Problem) -> list[tuple[list[str], list[str]]]:
    """(club ids, child ids) of each part of the city linked by children's preferences."""
    parent = {club.id: club.id for club in problem.clubs}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for child in problem.children:
        for club_id in child.preferences[1:]:
            a, b = find(child.preferences[0]), find(club_id)
            if a != b:
                parent[max(a, b)] = min(a, b)
    clubs: dict[str, list[str]] = {}
    for club in problem.clubs:
        clubs.setdefault(find(club.id), []).append(club.id)
    children: dict[str, list[str]] = {root: [] for root in clubs}
    for child in problem.children:
        if child.preferences:
            children[find(child.preferences[0])].append(child.id)
    return [(sorted(clubs[root]), sorted(children[root])) for root in sorted(clubs)]


def capacity_gains(
    problem: Problem,
    *,
    extra: tuple[int, ...] = (1, 5),
    time_limit: float | None = None,
    solver: str = "highs",
) -> list[ClubGain]:
    """Per club, how many more children would be placed with ``extra`` more places.

    ``time_limit`` applies to each re-solve. Ranked by the gain for the first entry of
    ``extra``, then the later ones, then club id.
    """
    gains = []
    if problem.policy.ties == Ties.LOTTERY_FIRST:
        # The lottery is drawn over all children, and under lottery_first it can change how
        # many are placed: re-solve the whole city so that every draw stays the real one.
        parts = [([c.id for c in problem.clubs], [c.id for c in problem.children])]
    else:
        # Fewest envy and most placed do not depend on the lottery: a part can stand alone.
        parts = city_components(problem)
    for club_ids, child_ids in parts:
        part = _subproblem(problem, club_ids, child_ids)
        base = solve(part, time_limit=time_limit, solver=solver)
        for club_id in club_ids:
            club = part.club(club_id)
            found: dict[int, int] = {}
            proven = base.stats.proven_optimal
            for more in extra:
                bigger = replace(club, capacity=club.capacity + more)
                clubs = tuple(bigger if c.id == club_id else c for c in part.clubs)
                result = solve(replace(part, clubs=clubs), time_limit=time_limit, solver=solver)
                found[more] = result.stats.placed - base.stats.placed
                proven = proven and result.stats.proven_optimal
            gains.append(ClubGain(club_id, club.capacity, base.stats.placed, found, proven))
    gains.sort(key=lambda g: (*(-g.gains[more] for more in extra), g.club))
    return gains


def _subproblem(problem: Problem, club_ids: list[str], child_ids: list[str]) -> Problem:
    clubs = set(club_ids)
    children = set(child_ids)
    return replace(
        problem,
        clubs=tuple(c for c in problem.clubs if c.id in clubs),
        children=tuple(c for c in problem.children if c.id in children),
    )
