"""A problem turned into integer arrays that the engine's algorithms share.

Children and clubs are sorted by id so that nothing depends on the order of the input.
Priorities become *levels* per club: 0 is the best priority tuple present at that club, equal
tuples share a level. Under ``lottery_first`` the lottery is appended first, so levels are strict.

Side limits (support limit, grade bands) are numbered per club; a child's *limit set* at a club
is the tuple of side-limit numbers that apply to her there. Capacity applies to everyone and is
not part of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from allocation.model import Problem, SiblingMode, Ties, lottery_ranks


@dataclass
class SideLimit:
    kind: str  # "support" or "grade"
    limit: int
    band: str | None = None


@dataclass
class Compiled:
    problem: Problem
    child_ids: list[str]
    club_ids: list[str]
    lottery: list[int]  # per child: 0 wins every tie
    prefs: list[list[int]]  # per child: club indices, most wanted first
    levels: list[list[int]]  # per child, per preference position: level at that club
    capacity: list[int]
    side_limits: list[list[SideLimit]]  # per club
    limit_sets: list[list[tuple[int, ...]]]  # per child, per preference position
    support: list[bool]
    together_unit: list[int]  # per child: index into together_units, or -1
    together_units: list[list[int]]  # member child indices, sorted
    prefer_units: list[list[int]]
    applicants: list[list[tuple[int, int]]]  # per club: (child, preference position)
    # per child, per preference position: the priority tuple there as published (the lottery
    # appended, negated, under lottery_first); kept for the explanations
    priorities: list[list[tuple]]

    def rank_of(self, child: int, club: int) -> int:
        return self.prefs[child].index(club)

    def level(self, child: int, club: int) -> int:
        return self.levels[child][self.prefs[child].index(club)]

    def entries(self, children) -> list[list[int]]:
        """The entries among ``children``: a "together" unit's members as one entry (once, at its
        first member met), every other child on her own; in the order of ``children``."""
        seen_units: set[int] = set()
        entries = []
        for i in children:
            u = self.together_unit[i]
            if u >= 0:
                if u in seen_units:
                    continue
                seen_units.add(u)
                entries.append(self.together_units[u])
            else:
                entries.append([i])
        return entries

    def limit_need(self, members: list[int], position: int) -> list[int]:
        """Per side limit of the club at ``position`` of the members' (shared) list, how many
        of them it counts."""
        j = self.prefs[members[0]][position]
        need = [0] * len(self.side_limits[j])
        for k in members:
            for n in self.limit_sets[k][position]:
                need[n] += 1
        return need

    def entry_need(
        self, members: list[int], position: int, base_count: dict, base_side: dict, excluded
    ) -> list[int] | None:
        """Places an entry takes under each side limit of the club at ``position`` of its
        list, or None when that club is closed to it (``excluded``) or it does not fit next to
        the fixed children's usage (``fixed_usage``)."""
        j = self.prefs[members[0]][position]
        if (members[0], j) in excluded or base_count[j] + len(members) > self.capacity[j]:
            return None
        limits = self.side_limits[j]
        need = self.limit_need(members, position)
        if any(base_side[j][n] + need[n] > limits[n].limit for n in range(len(need))):
            return None
        return need

    def fixed_usage(self, clubs, fixed_at) -> tuple[dict[int, int], dict[int, list[int]]]:
        """Places the fixed children (``fixed_at``: club -> children) take at each of ``clubs``:
        in all, and under each of the club's side limits."""
        base_count = {j: 0 for j in clubs}
        base_side = {j: [0] * len(self.side_limits[j]) for j in clubs}
        for j in clubs:
            for i in fixed_at.get(j, ()):
                base_count[j] += 1
                for n in self.limit_sets[i][self.prefs[i].index(j)]:
                    base_side[j][n] += 1
        return base_count, base_side


def compile_problem(problem: Problem) -> Compiled:
    children = sorted(problem.children, key=lambda c: c.id)
    clubs = sorted(problem.clubs, key=lambda c: c.id)
    child_ids = [c.id for c in children]
    club_ids = [c.id for c in clubs]
    club_index = {club_id: j for j, club_id in enumerate(club_ids)}
    ranks = lottery_ranks(child_ids, problem.seed)
    lottery = [ranks[child_id] for child_id in child_ids]
    strict = problem.policy.ties == Ties.LOTTERY_FIRST

    side_limits: list[list[SideLimit]] = []
    for club in clubs:
        limits = []
        if club.support_limit is not None:
            limits.append(SideLimit("support", club.support_limit))
        for grade_limit in sorted(club.grade_limits, key=lambda g: (g.lo, g.hi, g.limit)):
            limits.append(SideLimit("grade", grade_limit.limit, grade_limit.band))
        side_limits.append(limits)
    bands = [
        [None] + sorted(club.grade_limits, key=lambda g: (g.lo, g.hi, g.limit))
        if club.support_limit is not None
        else sorted(club.grade_limits, key=lambda g: (g.lo, g.hi, g.limit))
        for club in clubs
    ]

    prefs: list[list[int]] = []
    limit_sets: list[list[tuple[int, ...]]] = []
    applicants: list[list[tuple[int, int]]] = [[] for _ in clubs]
    keys_at: list[dict[tuple, int]] = [{} for _ in clubs]
    raw_keys: list[list[tuple]] = []
    for i, child in enumerate(children):
        own = [club_index[club_id] for club_id in child.preferences]
        prefs.append(own)
        sets = []
        keys = []
        for position, j in enumerate(own):
            applicants[j].append((i, position))
            key = child.priority(club_ids[j])
            if strict:
                key = (*key, -lottery[i])
            keys.append(key)
            keys_at[j].setdefault(key, 0)
            members = []
            for number, grade_limit in enumerate(bands[j]):
                if grade_limit is None:
                    if child.support:
                        members.append(number)
                elif grade_limit.applies_to(child.grade):
                    members.append(number)
            sets.append(tuple(members))
        raw_keys.append(keys)
        limit_sets.append(sets)

    level_of: list[dict[tuple, int]] = []
    for j in range(len(clubs)):
        ordered = sorted(keys_at[j], reverse=True)
        level_of.append({key: level for level, key in enumerate(ordered)})
    levels = [
        [level_of[j][key] for j, key in zip(prefs[i], raw_keys[i])] for i in range(len(children))
    ]
    for j in range(len(clubs)):
        applicants[j].sort(key=lambda a: (levels[a[0]][a[1]], lottery[a[0]]))

    together: dict[str, list[int]] = {}
    prefer: dict[str, list[int]] = {}
    for i, child in enumerate(children):
        if child.siblings is None:
            continue
        target = together if child.siblings.mode == SiblingMode.TOGETHER else prefer
        target.setdefault(child.siblings.unit, []).append(i)
    together_units = [together[u] for u in sorted(together) if len(together[u]) > 1]
    prefer_units = [prefer[u] for u in sorted(prefer) if len(prefer[u]) > 1]
    together_unit = [-1] * len(children)
    for u, members in enumerate(together_units):
        for i in members:
            together_unit[i] = u

    return Compiled(
        problem=problem,
        child_ids=child_ids,
        club_ids=club_ids,
        lottery=lottery,
        prefs=prefs,
        levels=levels,
        capacity=[club.capacity for club in clubs],
        side_limits=side_limits,
        limit_sets=limit_sets,
        support=[child.support for child in children],
        together_unit=together_unit,
        together_units=together_units,
        prefer_units=prefer_units,
        applicants=applicants,
        priorities=raw_keys,
    )
