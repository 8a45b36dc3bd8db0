"""Plain-Python checks of an assignment, used on every solution the engine gets back.

A solver's answer is never trusted (DOMAIN.md): before a solution is used, every limit, every
"together" unit and justified envy are recomputed here from the compiled problem alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations_with_replacement

from allocation._compiled import Compiled

UNPLACED = -1


@dataclass
class Load:
    count: int = 0
    side: list[int] = field(default_factory=list)
    # limit set -> worst (highest) level among members of that set
    weakest: dict[tuple[int, ...], int] = field(default_factory=dict)
    members: list[int] = field(default_factory=list)


def club_loads(comp: Compiled, assign: list[int]) -> list[Load]:
    loads = [Load(side=[0] * len(limits)) for limits in comp.side_limits]
    for i, j in enumerate(assign):
        if j != UNPLACED:
            _add(comp, loads[j], i, j)
    return loads


def loads_for(comp: Compiled, placements) -> dict[int, Load]:
    """Loads of the clubs named in ``placements``, an iterable of (child, club)."""
    loads: dict[int, Load] = {}
    for i, j in placements:
        load = loads.get(j)
        if load is None:
            load = loads[j] = Load(side=[0] * len(comp.side_limits[j]))
        _add(comp, load, i, j)
    return loads


def _add(comp: Compiled, load: Load, i: int, j: int) -> None:
    position = comp.prefs[i].index(j)
    load.count += 1
    load.members.append(i)
    members = comp.limit_sets[i][position]
    for number in members:
        load.side[number] += 1
    level = comp.levels[i][position]
    if load.weakest.get(members, -1) < level:
        load.weakest[members] = level


def breaches_in(comp: Compiled, loads: dict[int, Load], outcome: dict[int, int]) -> list[str]:
    """Broken limits and split together units among ``outcome``'s children."""
    breaches = []
    for j, load in loads.items():
        if load.count > comp.capacity[j]:
            breaches.append(f"{comp.club_ids[j]} over capacity")
        for number, limit in enumerate(comp.side_limits[j]):
            if load.side[number] > limit.limit:
                breaches.append(f"{comp.club_ids[j]} over its {limit.kind} limit")
    for i, j in outcome.items():
        if j != UNPLACED and j not in comp.prefs[i]:
            breaches.append(f"{comp.child_ids[i]} placed at unlisted {comp.club_ids[j]}")
        u = comp.together_unit[i]
        if u >= 0 and any(outcome.get(k, j) != j for k in comp.together_units[u]):
            breaches.append(f"together unit of {comp.child_ids[i]} split")
    return breaches


def envious_in(
    comp: Compiled, loads: dict[int, Load], outcome: dict[int, int], within: set[int] | None = None
) -> list[int]:
    """Children of ``outcome`` with justified envy, given the loads of every club they listed
    (or of the clubs ``within``, when given: only envy towards those is looked for)."""
    envious = []
    claims: dict[tuple[int, int], bool] = {}
    for i, outcome_club in outcome.items():
        prefs = comp.prefs[i]
        stop = len(prefs) if outcome_club == UNPLACED else prefs.index(outcome_club)
        for position in range(stop):
            j = prefs[position]
            if within is not None and j not in within:
                continue
            load = loads.get(j)
            if load is None:
                load = Load(side=[0] * len(comp.side_limits[j]))
            if _claims(comp, load, i, position, claims):
                envious.append(i)
                break
    return sorted(envious)


def _claims(comp: Compiled, load: Load, i: int, position: int, claims: dict) -> bool:
    """Whether child i has justified envy towards her ``position``-th club, of ``load``."""
    j = comp.prefs[i][position]
    u = comp.together_unit[i]
    if u >= 0 and len(comp.together_units[u]) > 1:
        key = (u, j)
        if key not in claims:
            claims[key] = unit_claim(comp, load, j, comp.together_units[u], position)
        return claims[key]
    limit_set = comp.limit_sets[i][position]
    return has_room(comp, load, j, limit_set) or (
        weaker_replaceable(comp, load, j, limit_set, comp.levels[i][position]) is not None
    )


def unit_claim(comp: Compiled, load: Load, j: int, members: list[int], position: int) -> bool:
    """Whether a "together" unit (its members, who list j at ``position``) has justified
    envy towards j: all its members fit there within every limit after at most one child per
    member leaves, each ranked strictly below every member (validate.unit_claim words it
    for people). Leaving children are counted per limit set: any choice of the same number
    from the same sets frees the same places."""
    weakest = max(comp.levels[m][position] for m in members)
    below: dict[tuple[int, ...], int] = defaultdict(int)
    for k in load.members:
        pk = comp.prefs[k].index(j)
        if comp.levels[k][pk] > weakest and k not in members:
            below[comp.limit_sets[k][pk]] += 1
    leaving = min(len(members), sum(below.values()))
    if load.count - leaving + len(members) > comp.capacity[j]:
        return False
    limits = comp.side_limits[j]
    need = comp.limit_need(members, position)
    for chosen in combinations_with_replacement(sorted(below), leaving):
        if any(chosen.count(key) > count for key, count in below.items()):
            continue
        freed = [0] * len(limits)
        for limit_set in chosen:
            for n in limit_set:
                freed[n] += 1
        if all(load.side[n] - freed[n] + need[n] <= limits[n].limit for n in range(len(limits))):
            return True
    return False


def limit_breaches(comp: Compiled, assign: list[int]) -> list[str]:
    """Every broken hard rule (listed club, capacity, side limit, together unit)."""
    breaches = []
    for i, j in enumerate(assign):
        if j != UNPLACED and j not in comp.prefs[i]:
            breaches.append(f"{comp.child_ids[i]} placed at unlisted {comp.club_ids[j]}")
    if breaches:
        return breaches
    loads = club_loads(comp, assign)
    for j, load in enumerate(loads):
        if load.count > comp.capacity[j]:
            breaches.append(f"{comp.club_ids[j]} over capacity")
        for number, limit in enumerate(comp.side_limits[j]):
            if load.side[number] > limit.limit:
                breaches.append(f"{comp.club_ids[j]} over its {limit.kind} limit")
    for members in comp.together_units:
        if len({assign[i] for i in members}) > 1:
            breaches.append(f"together unit of {comp.child_ids[members[0]]} split")
    return breaches


def has_room(comp: Compiled, load: Load, j: int, limit_set: tuple[int, ...]) -> bool:
    if load.count >= comp.capacity[j]:
        return False
    limits = comp.side_limits[j]
    return all(load.side[n] < limits[n].limit for n in limit_set)


def weaker_replaceable(
    comp: Compiled, load: Load, j: int, limit_set: tuple[int, ...], level: int
) -> tuple[int, ...] | None:
    """A limit set of a member with strictly lower priority whom the child could replace."""
    limits = comp.side_limits[j]
    for members, weakest in sorted(load.weakest.items()):
        if weakest <= level:
            continue
        if all(load.side[n] < limits[n].limit for n in limit_set if n not in members):
            return members
    return None


def envy_pairs(comp: Compiled, assign: list[int], loads: list[Load] | None = None):
    """Every (child, club) with justified envy, in child order."""
    if loads is None:
        loads = club_loads(comp, assign)
    pairs = []
    claims: dict[tuple[int, int], bool] = {}
    for i, outcome in enumerate(assign):
        prefs = comp.prefs[i]
        stop = len(prefs) if outcome == UNPLACED else prefs.index(outcome)
        for position in range(stop):
            if _claims(comp, loads[prefs[position]], i, position, claims):
                pairs.append((i, prefs[position]))
    return pairs


def envious_children(comp: Compiled, assign: list[int]) -> list[int]:
    return sorted({i for i, _ in envy_pairs(comp, assign)})
