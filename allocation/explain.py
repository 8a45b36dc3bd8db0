"""Waitlists and the explanation every family and staff member reads.

Reasons are derived from the final outcome alone, with the same definitions the validator
uses, so an explanation can never disagree with the result it explains. For each club a child
preferred to her outcome, exactly one of:

- ``full``: the club is full of children whose priority there is higher than hers
  (``cutoff`` is the lowest priority admitted, ``yours`` her own);
- ``tie``: the club is full and its last admitted children have exactly her priority; the
  choice among equals was made by the policy (most children placed, then the lottery);
- ``support_full`` / ``grade_band_full``: a side limit that applies to her is full, so neither
  an empty seat nor the place of a lower-ranked child could be given to her;
- ``sibling_unit``: she alone could have had a place there, but her "together" unit could
  not be placed there as a whole (so she has no claim on it);
- ``unit_unavoidable``: her "together" unit could have been placed there as a whole, but no
  outcome honours every unit and every priority, and the engine reports this envy as
  unavoidable (fewest children in this situation);
- ``unit_holds_place``: a lower-ranked member of a "together" unit holds a place she could
  take; the engine reports this envy as unavoidable;
- ``unavoidable``: she could have had a place there (room, or a lower-ranked child outside
  units), reported as unavoidable: only on small problems, where the exact envy model may
  leave any child envious if that makes the fewest envious children.
"""

from __future__ import annotations

from decimal import Decimal

from allocation._compiled import Compiled
from allocation._fair import (
    UNPLACED,
    Load,
    club_loads,
    has_room,
    unit_claim,
    weaker_replaceable,
)
from allocation.model import Ties


def waitlists(comp: Compiled, assign: list[int]) -> dict[int, list[int]]:
    """Per club, children not placed there who prefer it to their outcome: best first."""
    waiting: dict[int, list[tuple]] = {j: [] for j in range(len(comp.club_ids))}
    for i, outcome in enumerate(assign):
        prefs = comp.prefs[i]
        stop = len(prefs) if outcome == UNPLACED else prefs.index(outcome)
        for position in range(stop):
            j = prefs[position]
            waiting[j].append((comp.levels[i][position], comp.lottery[i], i))
    return {j: [i for _, _, i in sorted(entries)] for j, entries in waiting.items()}


def priority_tuple(comp: Compiled, i: int, j: int) -> list:
    """The child's priority at club j as published: lottery appended under lottery_first."""
    return list(comp.priorities[i][comp.prefs[i].index(j)])


def explain_all(
    comp: Compiled, assign: list[int], waitlist: dict[int, list[int]], envious: set[int]
) -> dict[str, dict]:
    loads = club_loads(comp, assign)
    positions = {
        (i, j): position + 1 for j, members in waitlist.items() for position, i in enumerate(members)
    }
    weakest_member = _weakest_members(comp, loads)
    explanations = {}
    for i, outcome in enumerate(assign):
        prefs = comp.prefs[i]
        stop = len(prefs) if outcome == UNPLACED else prefs.index(outcome)
        refused = []
        for position in range(stop):
            j = prefs[position]
            refused.append(
                _why_not(comp, loads[j], i, j, position, weakest_member[j], i in envious)
            )
        explanation = {
            "child": comp.child_ids[i],
            "outcome": comp.club_ids[outcome] if outcome != UNPLACED else None,
            "lottery": comp.lottery[i],
            "priority": {comp.club_ids[j]: priority_tuple(comp, i, j) for j in prefs},
            "refused": refused,
            "waitlist": {
                comp.club_ids[prefs[p]]: positions[i, prefs[p]] for p in range(stop)
            },
            "text_ja": _summary_ja(comp, i, outcome, stop),
        }
        if i in envious:
            explanation["unavoidable_envy"] = True
        explanations[comp.child_ids[i]] = explanation
    return explanations


def _weakest_members(comp: Compiled, loads: list[Load]) -> list[int | None]:
    weakest = []
    for j, load in enumerate(loads):
        best = None
        for k in load.members:
            key = (comp.level(k, j), comp.lottery[k])
            if best is None or key > best[0]:
                best = (key, k)
        weakest.append(best[1] if best else None)
    return weakest


def _why_not(comp, load, i, j, position, weakest, envious) -> dict:
    club = comp.club_ids[j]
    yours = priority_tuple(comp, i, j)
    level = comp.levels[i][position]
    limit_set = comp.limit_sets[i][position]
    entry: dict = {"club": club, "yours": yours}
    unit = comp.together_unit[i] >= 0
    alone = has_room(comp, load, j, limit_set) or (
        weaker_replaceable(comp, load, j, limit_set, level) is not None
    )
    members = comp.together_units[comp.together_unit[i]] if unit else [i]
    if envious and unit and unit_claim(comp, load, j, members, position):
        entry["reason"] = "unit_unavoidable"
        entry["text_ja"] = (
            f"{club}には、きょうだいそろって入所できる枠がありましたが、きょうだいの希望と"
            f"優先順位の両方を満たす結果がなく、その影響を受ける児童が最も少なくなる結果を"
            f"選んだため、入所となりませんでした。"
        )
        return entry
    if envious and not unit and alone:
        if _unit_member_replaceable(comp, load, j, limit_set, level):
            entry["reason"] = "unit_holds_place"
            entry["text_ja"] = (
                f"{club}では、あなたより優先順位の低い児童が、きょうだいそろっての入所"
                f"（同一クラブまたは入所なし）の希望により入所しています。きょうだいの希望と"
                f"優先順位の両方を満たす結果がなく、その影響を受ける児童が最も少なくなる結果を"
                f"選んだためです。"
            )
        else:
            entry["reason"] = "unavoidable"
            entry["text_ja"] = (
                f"{club}には、あなたが入所できる枠がありましたが、きょうだいそろっての入所"
                f"（同一クラブまたは入所なし）の希望と優先順位の両方を満たす結果がなく、"
                f"その影響を受ける児童が最も少なくなる結果を選んだため、入所となりませんでした。"
            )
        return entry
    if unit and alone:
        entry["reason"] = "sibling_unit"
        entry["text_ja"] = (
            f"きょうだいが同じクラブに入所するか、全員が入所しないかの希望のため、"
            f"{club}にきょうだいそろって入所することができませんでした。"
        )
        return entry
    full_limits = [
        n for n in limit_set if load.side[n] >= comp.side_limits[j][n].limit
    ]
    if load.count >= comp.capacity[j] and weakest is not None:
        cutoff = priority_tuple(comp, weakest, j)
        entry["cutoff"] = cutoff
        if comp.level(weakest, j) < level:
            entry["reason"] = "full"
            entry["text_ja"] = (
                f"{club}は、優先順位 {_text(cutoff)} 以上の児童で定員"
                f"（{comp.capacity[j]}人）に達しました。あなたの優先順位は {_text(yours)} です。"
            )
            return entry
        if comp.level(weakest, j) == level:
            entry["reason"] = "tie"
            if comp.problem.policy.ties == Ties.MAXIMIZE_PLACED:
                how = "入所できる児童の数が最も多くなるように選び、その中では抽選の順で決めました。"
            else:
                how = "抽選の順で決めました。"
            entry["text_ja"] = (
                f"{club}は定員（{comp.capacity[j]}人）に達し、最後に入所が決まった児童と"
                f"あなたの優先順位 {_text(yours)} は同じでした。同じ順位の児童の間では、{how}"
            )
            return entry
    # Full for her through a side limit: a lower-ranked child may hold a place she cannot take.
    for n in full_limits or limit_set:
        limit = comp.side_limits[j][n]
        if limit.kind == "support":
            entry["reason"] = "support_full"
            entry["limit"] = limit.limit
            entry["text_ja"] = (
                f"{club}は、配慮を要する児童の受入枠（{limit.limit}人）がすでに埋まっています。"
            )
        else:
            entry["reason"] = "grade_band_full"
            entry["band"] = limit.band
            entry["limit"] = limit.limit
            entry["text_ja"] = (
                f"{club}は、{limit.band}年生の受入枠（{limit.limit}人）がすでに埋まっています。"
            )
        return entry
    entry["reason"] = "full"
    entry["text_ja"] = f"{club}は定員（{comp.capacity[j]}人）に達しました。"
    return entry


def _unit_member_replaceable(comp, load, j, limit_set, level) -> bool:
    """Whether club j holds a "together" unit member ranked below the child (of ``level``)
    whose place she could take within her limits."""
    limits = comp.side_limits[j]
    for k in load.members:
        if comp.together_unit[k] < 0:
            continue
        pk = comp.prefs[k].index(j)
        if comp.levels[k][pk] <= level:
            continue
        theirs = comp.limit_sets[k][pk]
        if all(load.side[n] < limits[n].limit for n in limit_set if n not in theirs):
            return True
    return False


def _summary_ja(comp: Compiled, i: int, outcome: int, stop: int) -> str:
    if outcome == UNPLACED:
        if not comp.prefs[i]:
            return "希望するクラブがありませんでした。"
        return "希望したどのクラブにも入所できず、保留（待機）となりました。"
    if stop == 0:
        return f"第1希望の{comp.club_ids[outcome]}に入所が決まりました。"
    return f"第{stop + 1}希望の{comp.club_ids[outcome]}に入所が決まりました。"


def _text(values: list) -> str:
    parts = []
    for value in values:
        if isinstance(value, Decimal):
            value = value.normalize()
            parts.append(format(value, "f") if value != value.to_integral_value() else str(int(value)))
        else:
            parts.append(str(value))
    return "(" + ", ".join(parts) + ")"
