"""What every *fair-enough* outcome has in common, found before any model is built.

Fair enough: no justified envy except what the restricted envy model allows ("together"
unit members may envy anyone, a child outside units only a unit member ranked below her;
with no units, nobody may envy anyone). Every outcome the engine may return from a model is
one, so facts true of all of them can shrink the model without changing any stage's answer.

Two rules, applied to a fixed point (each rests only on facts found before it, so stopping
early leaves fewer facts, all still true):

* **Guarantee** (child side). Take a child i outside units, a club j still open to her, and
  suppose no side limit of hers at j could fill up even if every applicant it covers came. If
  i ends below j, j has no room for her (so it is full) and holds no child outside units
  ranked below her (she would envy that child, which is not allowed): its ``cap_j`` places
  all go to children outside units ranked at or above her, or to unit members. If fewer than
  ``cap_j`` such children (other than her) can still be at j, that is impossible: she holds j
  or a club she prefers, in every fair-enough outcome. Clubs she ranks below j are closed to
  her, and she is placed.
* **Exclusion** (club side; Delorme et al.'s dominance, iterated). Call child k an *anchor*
  at j when she is outside units, j is the best club still open to her, and either no side
  limit applies to her at j or she is fixed there. An anchor not at j is below j, so j has
  no room for her and holds no child outside units ranked below her. Now let i, outside
  units, be ranked below ``cap_j`` anchors. If i held a place at j, every one of those
  anchors would be at j too (else j would hold i, below that anchor), which is ``cap_j + 1``
  children. So j is closed to i. Also: a club whose places (or a side limit's places) are
  all taken by fixed children is closed to everyone else (covered by that limit).

A child with one club open and a guarantee is *fixed* there. Unit members are never fixed
or guaranteed (they may be left envying anyone), only shut out of clubs they cannot fit.

**Fully fair mode** (``fair=True``, used once the engine holds a fully fair outcome, so that
the fewest envious children is 0 and every later stage keeps to fully fair outcomes): the
facts hold in every *fully fair* outcome, and unit members are judged like anyone else.
A child's guarantee counts only children ranked at or above her (a unit member ranked below
her would be envied); a "together" unit is guaranteed a club j when at most ``cap_j - s``
of its rivals can be at j ranked at or above its weakest member and every side limit there
has room for its members whoever comes (it would have a claim wherever it ended below j);
and a unit is shut out of a club where a member ranks below ``cap_j`` anchors.

Under the exact envy model (small problems with units) these facts hold only for fully fair
outcomes; ``solver.solve`` then drops them when envy proves unavoidable.
"""

from __future__ import annotations

import heapq
import time
from bisect import bisect_right
from dataclasses import dataclass, field

from allocation._compiled import Compiled


@dataclass
class Reduction:
    fixed: dict[int, int] = field(default_factory=dict)  # child -> club
    guarantee: dict[int, int] = field(default_factory=dict)  # child -> position in her list
    excluded: set[tuple[int, int]] = field(default_factory=set)  # (child, club)
    # Excluded because the club is full of children ranked at least as high as she is or of
    # unit members (anchors, or fixed children filling it), so where no unit member applied
    # there her stability rows hold by themselves.
    dominated: set[tuple[int, int]] = field(default_factory=set)
    # True when the facts are those of fully fair outcomes (``reduce_outcomes(fair=True)``).
    fair: bool = False

    def row_positions(self, comp: Compiled, i: int) -> range:
        """Positions of child i's list where her stability rows can bind: none past her
        guarantee (she holds that club or a better one, given her placement row)."""
        g = self.guarantee.get(i)
        return range(len(comp.prefs[i]) if g is None else g)

    def rows_hold(self, i: int, j: int, unit_clubs: set[int]) -> bool:
        """True when child i's rows at club j hold by themselves (so j need not be in her
        component): j is dominated for her and no unit member applied there."""
        return (i, j) in self.dominated and (self.fair or j not in unit_clubs)

    def linked_clubs(self, comp: Compiled, i: int, unit_clubs: set[int]) -> list[int]:
        """Clubs that child i's columns or rows refer to."""
        rows = self.row_positions(comp, i)
        return [
            j
            for position, j in enumerate(comp.prefs[i])
            if (i, j) not in self.excluded
            or (position in rows and not self.rows_hold(i, j, unit_clubs))
        ]


def unit_clubs(comp: Compiled) -> set[int]:
    """Clubs that members of "together" units applied to."""
    return {j for members in comp.together_units for j in comp.prefs[members[0]]}


def reduce_outcomes(comp: Compiled, deadline: float | None = None, fair: bool = False) -> Reduction:
    """The facts above, for the whole problem (see the module docstring); with ``fair``,
    the facts of fully fair outcomes, where unit members are judged like anyone else."""
    n_clubs = len(comp.club_ids)
    cap = comp.capacity
    unit = comp.together_unit
    prefs = comp.prefs
    open_ = [[True] * len(p) for p in prefs]
    n_open = [len(p) for p in prefs]  # open places per child, kept with ``open_``
    first_open = [0] * len(prefs)
    guarantee: dict[int, int] = {}
    excluded: set[tuple[int, int]] = set()
    dominated: set[tuple[int, int]] = set()
    heap = list(range(n_clubs))
    queued = [True] * n_clubs

    def touch(j: int) -> None:
        if not queued[j]:
            queued[j] = True
            heapq.heappush(heap, j)

    def is_fixed(k: int) -> bool:
        return n_open[k] == 1 and k in guarantee

    def close(k: int, position: int) -> bool:
        """Close position ``position`` of child k (all members of her unit); False when that
        contradicts her guarantee (no fair-enough outcome exists)."""
        members = comp.together_units[unit[k]] if unit[k] >= 0 else [k]
        for m in members:
            if not open_[m][position]:
                continue
            open_[m][position] = False
            n_open[m] -= 1
            excluded.add((m, prefs[m][position]))
            touch(prefs[m][position])
            if position == first_open[m]:
                while first_open[m] < len(prefs[m]) and not open_[m][first_open[m]]:
                    first_open[m] += 1
                if first_open[m] < len(prefs[m]):
                    touch(prefs[m][first_open[m]])
                elif m in guarantee:
                    return False
            if is_fixed(m):
                touch(prefs[m][first_open[m]])
        return True

    steps = 0
    while heap:
        j = heapq.heappop(heap)
        queued[j] = False
        steps += 1
        if deadline is not None and steps % 64 == 0 and time.perf_counter() >= deadline:
            break
        limits = comp.side_limits[j]
        apps = [(k, p) for k, p in comp.applicants[j] if open_[k][p]]
        if fair:
            # Nobody may be envied: only children ranked at or above her can fill j.
            ordinary_levels = sorted(comp.levels[k][p] for k, p in apps)
            unit_members = 0
        else:
            ordinary_levels = sorted(comp.levels[k][p] for k, p in apps if unit[k] < 0)
            unit_members = sum(1 for k, _ in apps if unit[k] >= 0)
        side = [0] * len(limits)
        for k, p in apps:
            for n in comp.limit_sets[k][p]:
                side[n] += 1

        # Guarantees.
        for k, p in apps:
            if guarantee.get(k, len(prefs[k])) <= p:
                continue
            if unit[k] >= 0:
                members = comp.together_units[unit[k]]
                if not fair or k != members[0]:
                    continue
                # A unit (fully fair outcomes only) at most ``cap_j - s`` of whose rivals
                # can be at j ranked at or above its weakest member, with room under every
                # limit for its members whoever comes, fits at j wherever it ends below:
                # it holds j or a club it prefers.
                level = max(comp.levels[m][p] for m in members)
                if bisect_right(ordinary_levels, level) - len(members) > cap[j] - len(members):
                    continue
                if any(
                    side[n] > limits[n].limit for m in members for n in comp.limit_sets[m][p]
                ):
                    continue
            else:
                members = [k]
                if any(side[n] > limits[n].limit for n in comp.limit_sets[k][p]):
                    continue
                level = comp.levels[k][p]
                if bisect_right(ordinary_levels, level) - 1 + unit_members >= cap[j]:
                    continue
            for m in members:
                guarantee[m] = p
            for q in range(p + 1, len(prefs[k])):
                if open_[k][q] and not close(k, q):
                    return Reduction(fair=fair)
            if is_fixed(k):
                touch(j)

        # Exclusions: clubs full of fixed children, then anchors.
        fixed_here = [(k, p) for k, p in apps if is_fixed(k)]
        fixed_side = [0] * len(limits)
        for k, p in fixed_here:
            for n in comp.limit_sets[k][p]:
                fixed_side[n] += 1
        fixed_set = {k for k, _ in fixed_here}
        worst_fixed = max((comp.levels[k][p] for k, p in fixed_here), default=-1)
        for k, p in apps:
            if k in fixed_set or not open_[k][p]:
                continue
            size = len(comp.together_units[unit[k]]) if unit[k] >= 0 else 1
            seats_gone = len(fixed_here) + size > cap[j]
            if not seats_gone and not any(
                fixed_side[n] >= limits[n].limit for n in comp.limit_sets[k][p]
            ):
                continue
            if seats_gone and size == 1 and unit[k] < 0 and worst_fixed <= comp.levels[k][p]:
                # Full for good of children ranked at least as high as she is.
                dominated.add((k, j))
            if not close(k, p):
                return Reduction(fair=fair)
        anchors = sorted(
            comp.levels[k][p]
            for k, p in apps
            if open_[k][p]
            and unit[k] < 0
            and first_open[k] == p
            and (k in fixed_set or not comp.limit_sets[k][p])
        )
        if cap[j] == 0 or len(anchors) < cap[j]:
            continue
        threshold = anchors[cap[j] - 1]
        for k, p in apps:
            if (
                (fair or unit[k] < 0)
                and open_[k][p]
                and comp.levels[k][p] > threshold
                and k not in fixed_set
            ):
                if unit[k] < 0:
                    dominated.add((k, j))
                if not close(k, p):
                    return Reduction(fair=fair)

    fixed = {
        k: prefs[k][first_open[k]] for k in sorted(guarantee) if is_fixed(k)
    }
    return Reduction(
        fixed=fixed, guarantee=guarantee, excluded=excluded, dominated=dominated, fair=fair
    )
