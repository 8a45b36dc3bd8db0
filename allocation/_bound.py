"""An upper bound on the children placed in a component, checked by weak duality.

It bounds every *fair-enough* outcome: one whose only justified envy is what the engine's
envy model allows (with the restricted model, "together" unit members may envy anyone and
other children only a unit member ranked below them; with no units, nobody). Such an
outcome agrees with every fact of ``_reduce``: each fixed child at her club, no child at a
club closed to her, each guaranteed child placed; each "together" unit is whole or not
placed, and capacities and side limits hold. So it is a feasible point of the LP "place as
many as possible under exactly those constraints", whose optimum bounds its count. The LP
is a transportation problem with side rows: 0.1 s at 10k children, about 2 s at 100k.

The bound is not taken on the solver's word: with row duals y of the LP
``max c.x  s.t.  l <= A x <= u, 0 <= x <= 1``, split as y = y_up - y_low with y_up,
y_low >= 0 (y_low = 0 on rows without a lower side), weak duality gives
``c.x <= u.y_up - l.y_low + sum_k max(0, (c - A^T y)_k)`` for every feasible x. That sum
is recomputed here in numpy from the model's own arrays, so a wrong or inexact LP answer
can only make the bound looser, never invalid.

Measured (docs/performance.md): tighter than the seat count, and as tight as the LP
relaxation of the whole stability model at a hundredth of the cost; fairness, which only
the MIP sees, keeps the rest of the gap open.
"""

from __future__ import annotations

import math

import numpy as np

from allocation._compiled import Compiled
from allocation._reduce import Reduction


def placement_bound(
    comp: Compiled,
    clubs: list[int],
    children: list[int],
    fixed_at: dict[int, list[int]],
    reduction: Reduction | None = None,
    time_limit: float | None = None,
) -> int | None:
    """Most children of ``children`` that can be placed (see the module docstring), or None
    when HiGHS gives no usable duals in ``time_limit`` seconds. ``reduction`` holds the facts
    of the envy model the component is solved under (empty under the exact one)."""
    reduction = reduction or Reduction()
    cap = comp.capacity
    base_count, base_side = comp.fixed_usage(clubs, fixed_at)

    # Rows: one per entry with two or more columns or a guarantee (at most one club; at
    # least one when guaranteed), one per club (capacity left), one per side limit.
    club_row = {}
    side_row = {}
    upper: list[float] = []
    lower: list[float] = []
    for j in clubs:
        club_row[j] = len(upper)
        upper.append(float(cap[j] - base_count[j]))
        lower.append(-math.inf)
        for n, limit in enumerate(comp.side_limits[j]):
            side_row[j, n] = len(upper)
            upper.append(float(limit.limit - base_side[j][n]))
            lower.append(-math.inf)

    row_of: list[int] = []
    col_of: list[int] = []
    value_of: list[float] = []
    cost: list[float] = []
    for members in comp.entries(children):
        size = len(members)
        own: list[int] = []
        for position, j in enumerate(comp.prefs[members[0]]):
            need = comp.entry_need(members, position, base_count, base_side, reduction.excluded)
            if need is None:
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
        guaranteed = all(k in reduction.guarantee for k in members)
        if own and (len(own) > 1 or guaranteed):
            row = len(upper)
            upper.append(1.0)
            lower.append(1.0 if guaranteed else -math.inf)
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
    lo = np.asarray(lower, dtype=np.float64)
    duals = _lp_duals(rows, cols, values, c, lo, b, time_limit)
    if duals is None:
        return None
    has_lower = np.isfinite(lo)
    low = np.where(has_lower, lo, 0.0)
    best = None
    # Whatever sign convention the duals come in, any y = y_up - y_low with y_up, y_low >= 0
    # (y_low = 0 where a row has no lower side) gives a valid bound: try both signs.
    for signed in (duals, -duals):
        y_up = np.maximum(signed, 0.0)
        y_low = np.where(has_lower, np.maximum(-signed, 0.0), 0.0)
        y = y_up - y_low
        reduced = c - np.bincount(cols, weights=values * y[rows], minlength=len(c))
        value = float(b @ y_up) - float(low @ y_low) + float(np.maximum(reduced, 0.0).sum())
        if best is None or value < best:
            best = value
    # The sum is exact up to rounding in the last bits; placed counts are integers.
    return math.floor(best + 1e-6)


def _lp_duals(rows, cols, values, c, lo, b, time_limit) -> np.ndarray | None:
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
    lp.row_lower_ = lo
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
