"""Deferred acceptance with a single lottery: the engine's baseline and starting point.

Child-proposing deferred acceptance (Gale and Shapley), each club ranking its proposers by
priority and then by the run's single lottery. With side limits a club keeps proposers
greedily in that order, taking each one who fits under capacity and every limit that applies
to her. A "together" unit proposes as one entry and holds no privilege: it is ranked where its
weakest member would be, and is kept only if all its members fit.

With capacity only this is the child-optimal stable matching for the lottery-broken
priorities. With side limits or units its outcome is checked like any other (``_fair``); the
engine never relies on it being fair.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque

from allocation._compiled import Compiled, compile_problem
from allocation._fair import UNPLACED
from allocation.model import Problem


def deferred_acceptance(problem: Problem) -> dict[str, str | None]:
    """Each child's club (or None) under deferred acceptance with the run's lottery."""
    comp = compile_problem(problem)
    assign = da_assign(comp)
    return {
        comp.child_ids[i]: (comp.club_ids[j] if j != UNPLACED else None)
        for i, j in enumerate(assign)
    }


def _entries(comp: Compiled) -> list[list[int]]:
    entries = [[i] for i in range(len(comp.child_ids)) if comp.together_unit[i] < 0]
    entries.extend(list(members) for members in comp.together_units)
    entries.sort(key=lambda members: min(comp.lottery[i] for i in members))
    return entries


def da_assign(comp: Compiled, fixed: dict[int, int] | None = None) -> list[int]:
    """Deferred acceptance on a compiled problem; ``fixed`` children hold their club already."""
    fixed = fixed or {}
    n_clubs = len(comp.club_ids)
    capacity = comp.capacity
    limits = [[limit.limit for limit in club_limits] for club_limits in comp.side_limits]
    simple_club = [not club_limits for club_limits in limits]

    entries = [members for members in _entries(comp) if members[0] not in fixed]
    # seats and side places already taken by fixed children
    base_count = [0] * n_clubs
    base_side = [[0] * len(club_limits) for club_limits in limits]
    for i, j in fixed.items():
        base_count[j] += 1
        for number in comp.limit_sets[i][comp.prefs[i].index(j)]:
            base_side[j][number] += 1

    sizes = [len(members) for members in entries]
    next_position = [0] * len(entries)
    held: list[list[tuple]] = [[] for _ in range(n_clubs)]
    free = deque(range(len(entries)))
    multi = [0] * n_clubs  # held entries that are units
    used_count = list(base_count)  # seats taken, fixed children and held entries
    used_side = [list(counts) for counts in base_side]

    def fits_empty(e: int, position: int, j: int) -> bool:
        if base_count[j] + sizes[e] > capacity[j]:
            return False
        need = comp.limit_need(entries[e], position)
        return all(base_side[j][n] + need[n] <= limits[j][n] for n in range(len(need)))

    while free:
        e = free.popleft()
        members = entries[e]
        prefs = comp.prefs[members[0]]
        while next_position[e] < len(prefs):
            position = next_position[e]
            next_position[e] += 1
            j = prefs[position]
            if fits_empty(e, position, j):
                break
        else:
            continue
        key = max((comp.levels[i][position], comp.lottery[i]) for i in members)
        insort(held[j], (key, e, position))
        club_held = held[j]
        need = comp.limit_need(entries[e], position)
        if used_count[j] + sizes[e] <= capacity[j] and all(
            used_side[j][n] + need[n] <= limits[j][n] for n in range(len(need))
        ):
            # Everything held still fits with her: greedy keeps them all.
            used_count[j] += sizes[e]
            for n in range(len(need)):
                used_side[j][n] += need[n]
            multi[j] += sizes[e] > 1
            continue
        if sizes[e] > 1:
            multi[j] += 1
        elif simple_club[j] and multi[j] == 0:
            # capacity only, single children: the weakest proposer is the one to go
            free.append(club_held.pop()[1])
            continue
        elif multi[j] == 0 and club_held[-1][1] == e:
            # She ranks below everyone held, who all fit together, and she does not fit with
            # them: the greedy pass would keep them all and refuse her alone.
            club_held.pop()
            free.append(e)
            continue
        # Everything held before her fitted together, so the greedy pass keeps all of it: start
        # from the totals without her and without the ones below her, and walk only those.
        start = bisect_left(club_held, (key, e, position))
        kept = club_held[:start]
        count = used_count[j]
        side = list(used_side[j])
        club_limits = limits[j]
        cap = capacity[j]
        for _, h, h_position in club_held[start + 1:]:
            count -= sizes[h]
            if sizes[h] == 1:
                for n in comp.limit_sets[entries[h][0]][h_position]:
                    side[n] -= 1
            else:
                need = comp.limit_need(entries[h], h_position)
                for n in range(len(need)):
                    side[n] -= need[n]
        for entry in club_held[start:]:
            _, h, h_position = entry
            if sizes[h] == 1:
                limit_set = comp.limit_sets[entries[h][0]][h_position]
                fits = count < cap and all(side[n] < club_limits[n] for n in limit_set)
                if fits:
                    kept.append(entry)
                    count += 1
                    for n in limit_set:
                        side[n] += 1
                else:
                    free.append(h)
                continue
            need = comp.limit_need(entries[h], h_position)
            if count + sizes[h] <= cap and all(
                side[n] + need[n] <= club_limits[n] for n in range(len(need))
            ):
                kept.append(entry)
                count += sizes[h]
                for n in range(len(need)):
                    side[n] += need[n]
            else:
                free.append(h)
        held[j] = kept
        multi[j] = sum(1 for entry in kept if sizes[entry[1]] > 1)
        used_count[j] = count
        used_side[j] = side

    assign = [UNPLACED] * len(comp.child_ids)
    for i, j in fixed.items():
        assign[i] = j
    for j in range(n_clubs):
        for _, e, _ in held[j]:
            for i in entries[e]:
                assign[i] = j
    return assign

