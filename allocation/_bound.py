"""An upper bound on the children placed in a component, checked by weak duality.

It bounds every *fair-enough* outcome: one whose only justified envy is what the engine's
envy model allows (with the restricted model, "together" unit members may envy anyone and
other children only a unit member ranked below them; with no units, nobody). Such an
outcome places each child preprocessing fixed at her fixed club (``solver.preprocess``),
each remaining "together" unit whole or not at all, and each remaining entry only at a club
she listed where she fits next to the fixed children and that ``excluded_pairs`` does not
rule out; capacities and side limits hold. So it is a feasible point of the LP "place as
many as possible under exactly those constraints", whose optimum bounds its count. The LP
is a transportation problem with side rows: 0.2 s at 10k children, about 2 s at 100k.

The bound is not taken on the solver's word: with row duals y >= 0 of the LP
``max c.x  s.t.  A x <= b, 0 <= x <= 1``, weak duality gives
``c.x <= b.y + sum_k max(0, (c - A^T y)_k)`` for every feasible x, whatever y >= 0 is.
That sum is recomputed here in numpy from the model's own arrays, so a wrong or inexact
LP answer can only make the bound looser, never invalid.

Measured (docs/performance.md): tighter than the seat count, and as tight as the LP
relaxation of the whole stability model at a hundredth of the cost; fairness, which only
the MIP sees, keeps the rest of the gap open.
"""

from __future__ import annotations

import math

import numpy as np

from allocation._compiled import Compiled


def placement_bound(
    comp: Compiled,
    clubs: list[int],
    children: list[int],
    fixed_at: dict[int, list[int]],
    with_envy: bool,
    exact_envy: bool,
    time_limit: float | None = None,
) -> int | None:
    """Most children of ``children`` that can be placed (see the module docstring), or None
    when HiGHS gives no usable duals in ``time_limit`` seconds. ``with_envy`` and
    ``exact_envy`` say which envy model the component is solved under."""
    cap = comp.capacity
    base_count, base_side = comp.fixed_usage(clubs, fixed_at)
    excluded = set()
    if not (with_envy and exact_envy):
        excluded = excluded_pairs(comp, clubs, children, fixed_at, base_count, base_side)

    # Rows: one per entry with two or more columns (at most one club), one per club
    # (capacity left), one per side limit (places left under it).
    club_row = {}
    side_row = {}
    upper: list[float] = []
    for j in clubs:
        club_row[j] = len(upper)
        upper.append(float(cap[j] - base_count[j]))
        for n, limit in enumerate(comp.side_limits[j]):
            side_row[j, n] = len(upper)
            upper.append(float(limit.limit - base_side[j][n]))

    row_of: list[int] = []
    col_of: list[int] = []
    value_of: list[float] = []
    cost: list[float] = []
    for members in comp.entries(children):
        size = len(members)
        own: list[int] = []
        for position, j in enumerate(comp.prefs[members[0]]):
            if base_count[j] + size > cap[j]:
                continue
            if size == 1 and (members[0], j) in excluded:
                continue
            need = [0] * len(comp.side_limits[j])
            for k in members:
                for n in comp.limit_sets[k][position]:
                    need[n] += 1
            if any(
                base_side[j][n] + need[n] > comp.side_limits[j][n].limit for n in range(len(need))
            ):
                continue
            col = len(cost)
            cost.append(float(size))
            own.append(col)
            row_of.append(club_row[j])
            col_of.append(col)
            value_of.append(float(size))
            for n, count in enumerate(need):
                if count:
                    row_of.append(side_row[j, n])
                    col_of.append(col)
                    value_of.append(float(count))
        if len(own) > 1:
            row = len(upper)
            upper.append(1.0)
            for col in own:
                row_of.append(row)
                col_of.append(col)
                value_of.append(1.0)
    if not cost:
        return 0

    rows = np.asarray(row_of, dtype=np.int64)
    cols = np.asarray(col_of, dtype=np.int64)
    values = np.asarray(value_of, dtype=np.float64)
    c = np.asarray(cost, dtype=np.float64)
    b = np.asarray(upper, dtype=np.float64)
    duals = _lp_duals(rows, cols, values, c, b, time_limit)
    if duals is None:
        return None
    best = None
    # Whatever sign convention the duals come in, any y >= 0 gives a valid bound: try both.
    for y in (np.maximum(duals, 0.0), np.maximum(-duals, 0.0)):
        reduced = c - np.bincount(cols, weights=values * y[rows], minlength=len(c))
        value = float(b @ y) + float(np.maximum(reduced, 0.0).sum())
        if best is None or value < best:
            best = value
    # The sum is exact up to rounding in the last bits; placed counts are integers.
    return math.floor(best + 1e-6)


def excluded_pairs(comp, clubs, children, fixed_at, base_count, base_side) -> set:
    """(child, club) pairs of children outside "together" units that no fair-enough outcome
    contains: Delorme et al.'s dominance, iterated.

    Fair enough: no justified envy except what the restricted envy model allows (a child
    outside any unit may only be left envying a unit member ranked below her; with no units,
    none at all). Call child k an *anchor* at club j when she is outside any unit, no side
    limit applies to her at j, and every club she ranks above j is closed to her (excluded
    already, or filled by fixed children). An anchor not placed at j is at a worse club or
    none, so j has no room for her and holds no child outside units ranked below her: it is
    full of children ranked at least as high as she is or of unit members ranked below her.
    Now let child i outside units be ranked below cap_j anchors (or children fixed at j). If
    i held a place at j, each of those anchors would be at j (else j would be full of
    children counted above, and i, below that anchor and outside units, is not one of them),
    and with i that makes cap_j + 1 children at j. So i is never at j. Each exclusion can
    close an anchor's better clubs and make new anchors, so it runs until nothing changes.
    Not used under the exact envy model (any child may be left envying there).
    """
    cap = comp.capacity
    in_component = set(children)
    ordinary = [k for k in children if comp.together_unit[k] < 0]
    excluded: set[tuple[int, int]] = set()

    def closed(k: int, position: int) -> bool:
        j = comp.prefs[k][position]
        if (k, j) in excluded or base_count[j] + 1 > cap[j]:
            return True
        limits = comp.side_limits[j]
        return any(base_side[j][n] + 1 > limits[n].limit for n in comp.limit_sets[k][position])

    def first_open(k: int) -> int:
        position = 0
        while position < len(comp.prefs[k]) and closed(k, position):
            position += 1
        return position

    anchor_at = {k: first_open(k) for k in ordinary}
    fixed_levels = {
        j: [comp.levels[i][comp.prefs[i].index(j)] for i in fixed_at.get(j, ())] for j in clubs
    }
    pending = set(clubs)
    while pending:
        touched: set[int] = set()
        for j in sorted(pending):
            if cap[j] == 0:
                continue
            anchors = list(fixed_levels[j])
            for k, position in comp.applicants[j]:
                if (
                    anchor_at.get(k) == position
                    and k in in_component
                    and not comp.limit_sets[k][position]
                ):
                    anchors.append(comp.levels[k][position])
            if len(anchors) < cap[j]:
                continue
            anchors.sort()
            threshold = anchors[cap[j] - 1]
            for k, position in comp.applicants[j]:
                if (
                    k in anchor_at
                    and comp.levels[k][position] > threshold
                    and (k, j) not in excluded
                ):
                    excluded.add((k, j))
                    if anchor_at[k] == position:
                        anchor_at[k] = first_open(k)
                        if anchor_at[k] < len(comp.prefs[k]):
                            touched.add(comp.prefs[k][anchor_at[k]])
        pending = touched
    return excluded


def _lp_duals(rows, cols, values, c, b, time_limit) -> np.ndarray | None:
    from highspy import _core

    order = np.lexsort((rows, cols))
    n_cols = len(c)
    starts = np.searchsorted(cols[order], np.arange(n_cols + 1)).astype(np.int32)
    lp = _core.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = len(b)
    lp.col_cost_ = c
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.ones(n_cols)
    lp.row_lower_ = np.full(len(b), -math.inf)
    lp.row_upper_ = b
    lp.sense_ = _core.ObjSense.kMaximize
    lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = len(b)
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = rows[order].astype(np.int32)
    lp.a_matrix_.value_ = values[order]
    h = _core._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    h.passModel(lp)
    h.run()
    solution = h.getSolution()
    if not solution.dual_valid:
        return None
    duals = np.asarray(solution.row_dual, dtype=np.float64)
    if duals.shape != b.shape or not np.all(np.isfinite(duals)):
        return None
    return duals
