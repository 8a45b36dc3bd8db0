"""A sparse MILP and the two solvers that can run it: HiGHS (highspy, default) and CBC (PuLP).

The model is kept as plain arrays so that stages can change the objective, add a row or fix
columns without rebuilding it. Statuses are compared by name, never by number, and every
answer is handed back as values only: the caller checks them in plain Python before use.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

# Objectives are integers, plus at most a lottery tail below 0.5 (solver.TAIL_DECAY): a gap
# of 0.5 proves the integer part exactly.
MIP_ABS_GAP = 0.5
log = logging.getLogger(__name__)
INF = math.inf

OPTIMAL = "optimal"
FEASIBLE = "feasible"  # a solution, not proven optimal (time limit)
INFEASIBLE = "infeasible"
NO_SOLUTION = "no_solution"  # stopped or failed without a usable solution


@dataclass
class Outcome:
    status: str
    values: list[float] | None
    bound: float | None  # dual bound in the objective's own sense


class SparseModel:
    def __init__(self) -> None:
        self.col_lo: list[float] = []
        self.col_hi: list[float] = []
        self.col_int: list[bool] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []
        self.row_index: list[list[int]] = []
        self.row_value: list[list[float]] = []

    @property
    def n_cols(self) -> int:
        return len(self.col_lo)

    def add_col(self, lo: float, hi: float, integer: bool) -> int:
        self.col_lo.append(lo)
        self.col_hi.append(hi)
        self.col_int.append(integer)
        return len(self.col_lo) - 1

    def add_row(self, terms: dict[int, float], lo: float, hi: float) -> None:
        items = sorted(terms.items())
        self.row_index.append([c for c, _ in items])
        self.row_value.append([v for _, v in items])
        self.row_lo.append(lo)
        self.row_hi.append(hi)


class HighsBackend:
    """HiGHS through highspy's core class (the wrapper class prints a banner on stdout)."""

    def __init__(self, model: SparseModel) -> None:
        from highspy import _core

        self._core = _core
        h = _core._Highs()
        h.setOptionValue("output_flag", False)
        # HiGHS issue #3216: in 1.16 one presolve rule (bit 16, "enumeration") returned wrong
        # answers on some small models. The pinned 1.10.0 (pyproject.toml; docs/performance.md:
        # its presolve takes about half the time on our models) predates that rule, and its log
        # lists no rule switched off by this; it is kept for the day the pin moves.
        h.setOptionValue("presolve_rule_off", 65536)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", MIP_ABS_GAP)
        n = model.n_cols
        h.addCols(
            n,
            np.zeros(n),
            np.array(model.col_lo, dtype=np.float64),
            np.array(model.col_hi, dtype=np.float64),
            0,
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([], dtype=np.float64),
        )
        integer = [c for c in range(n) if model.col_int[c]]
        if integer:
            h.changeColsIntegrality(
                len(integer),
                np.array(integer, dtype=np.int32),
                np.ones(len(integer), dtype=np.uint8),
            )
        self._h = h
        self._n = n
        self.add_rows(model.row_index, model.row_value, model.row_lo, model.row_hi)

    def add_rows(self, indices, values, lo, hi) -> None:
        if not indices:
            return
        starts = np.zeros(len(indices), dtype=np.int32)
        total = 0
        for r, idx in enumerate(indices):
            starts[r] = total
            total += len(idx)
        flat_index = np.fromiter((c for idx in indices for c in idx), dtype=np.int32, count=total)
        flat_value = np.fromiter((v for vals in values for v in vals), dtype=np.float64, count=total)
        self._h.addRows(
            len(indices),
            np.array(lo, dtype=np.float64),
            np.array(hi, dtype=np.float64),
            total,
            starts,
            flat_index,
            flat_value,
        )

    @property
    def size(self) -> tuple[int, int]:
        """Columns and rows, for ``truncate``."""
        return self._n, self._h.getNumRow()

    def add_cols(self, lo: list[float], hi: list[float], integer: list[bool]) -> list[int]:
        """New columns (cost 0) after the existing ones; their indices."""
        count = len(lo)
        self._h.addCols(
            count,
            np.zeros(count),
            np.array(lo, dtype=np.float64),
            np.array(hi, dtype=np.float64),
            0,
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([], dtype=np.float64),
        )
        cols = list(range(self._n, self._n + count))
        self._n += count
        chosen = [c for c, flag in zip(cols, integer) if flag]
        if chosen:
            self._h.changeColsIntegrality(
                len(chosen), np.array(chosen, dtype=np.int32), np.ones(len(chosen), dtype=np.uint8)
            )
        return cols

    def truncate(self, n_cols: int, n_rows: int) -> None:
        """Drop the columns and rows added after ``size`` was (n_cols, n_rows)."""
        rows = self._h.getNumRow()
        if rows > n_rows:
            self._h.deleteRows(rows - n_rows, np.arange(n_rows, rows, dtype=np.int32))
        if self._n > n_cols:
            self._h.deleteCols(self._n - n_cols, np.arange(n_cols, self._n, dtype=np.int32))
            self._n = n_cols

    def set_bounds(self, cols: list[int], lo: list[float], hi: list[float]) -> None:
        if cols:
            self._h.changeColsBounds(
                len(cols),
                np.array(cols, dtype=np.int32),
                np.array(lo, dtype=np.float64),
                np.array(hi, dtype=np.float64),
            )

    def solve(
        self, objective: dict[int, float], maximize: bool, time_limit: float | None, start
    ) -> Outcome:
        h = self._h
        costs = np.zeros(self._n)
        for c, v in objective.items():
            costs[c] = v
        h.changeColsCost(self._n, np.arange(self._n, dtype=np.int32), costs)
        sense = self._core.ObjSense.kMaximize if maximize else self._core.ObjSense.kMinimize
        h.changeObjectiveSense(sense)
        began = time.perf_counter()
        outcome, mismatch = self._run(costs, maximize, time_limit, start)
        if mismatch:
            log.debug(
                "HiGHS reported %s (dual bound %s) for a solution it did not return",
                outcome.status, outcome.bound,
            )
        if mismatch and start is not None:
            # HiGHS 1.16, given a starting solution, sometimes reports an optimum it does not
            # return (10k city without "together" units, seed 5: objective 371,498 reported,
            # the returned solution worth 370,738, the start). Solved again without the start
            # in the time left, it returns what it reports.
            left = None if time_limit is None else time_limit - (time.perf_counter() - began)
            if left is None or left > 0:
                outcome, mismatch = self._run(costs, maximize, left, None)
        if mismatch and outcome.status == OPTIMAL:
            # Never trust a solver's word (DOMAIN.md): the solution is kept, the proof is not.
            return Outcome(FEASIBLE, outcome.values, outcome.bound)
        return outcome

    def _run(self, costs, maximize: bool, time_limit: float | None, start) -> tuple[Outcome, bool]:
        """One HiGHS run; also says whether the returned solution is not worth what HiGHS
        reports for it, or (called optimal) lies further from the dual bound than the gap."""
        h = self._h
        h.setOptionValue("time_limit", float(time_limit) if time_limit is not None else INF)
        h.clearSolver()
        # The engine passes a start only for large components under a budget: on small ones
        # 1.16 was up to three times slower with one and once called a worse solution optimal
        # (tests/allocation fuzzing). Either way the engine keeps its own checked incumbent
        # and takes the better of both.
        if start is not None:
            solution = self._core.HighsSolution()
            solution.col_value = list(start)
            solution.value_valid = True
            h.setSolution(solution)
        h.run()
        status = h.getModelStatus()
        name = status.name
        info = h.getInfo()
        has_solution = info.primal_solution_status == self._core.SolutionStatus.kSolutionStatusFeasible
        values = list(h.getSolution().col_value) if has_solution else None
        bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
        mismatch = False
        if values is not None:
            reported = info.objective_function_value
            worth = float(np.dot(costs, values))
            tolerance = 1e-6 * max(1.0, abs(reported))
            mismatch = abs(reported - worth) > tolerance
            if name == "kOptimal" and bound is not None:
                distance = bound - worth if maximize else worth - bound
                mismatch = mismatch or distance > MIP_ABS_GAP + tolerance
        if name == "kOptimal" and values is not None:
            return Outcome(OPTIMAL, values, bound), mismatch
        if name == "kInfeasible":
            return Outcome(INFEASIBLE, None, None), False
        if values is not None:
            return Outcome(FEASIBLE, values, bound), mismatch
        return Outcome(NO_SOLUTION, None, bound), False


class CbcBackend:
    """CBC through PuLP, rebuilt for every stage; expressions come from (variable, coefficient) lists."""

    def __init__(self, model: SparseModel) -> None:
        self._model = model
        self._extra: list[tuple[list[int], list[float], float, float]] = []
        self._lo = list(model.col_lo)
        self._hi = list(model.col_hi)
        self._int = list(model.col_int)

    @property
    def size(self) -> tuple[int, int]:
        return len(self._lo), len(self._extra)

    def add_cols(self, lo, hi, integer) -> list[int]:
        start = len(self._lo)
        self._lo.extend(lo)
        self._hi.extend(hi)
        self._int.extend(integer)
        return list(range(start, len(self._lo)))

    def truncate(self, n_cols: int, n_rows: int) -> None:
        del self._lo[n_cols:], self._hi[n_cols:], self._int[n_cols:]
        del self._extra[n_rows:]

    def add_rows(self, indices, values, lo, hi) -> None:
        for idx, vals, l, u in zip(indices, values, lo, hi):
            self._extra.append((list(idx), list(vals), l, u))

    def set_bounds(self, cols, lo, hi) -> None:
        for c, l, u in zip(cols, lo, hi):
            self._lo[c] = l
            self._hi[c] = u

    def solve(self, objective, maximize, time_limit, start) -> Outcome:
        import pulp

        m = self._model
        prob = pulp.LpProblem("allocation", pulp.LpMaximize if maximize else pulp.LpMinimize)
        xs = [
            pulp.LpVariable(
                f"c{c}",
                lowBound=None if self._lo[c] == -INF else self._lo[c],
                upBound=None if self._hi[c] == INF else self._hi[c],
                cat=pulp.LpInteger if self._int[c] else pulp.LpContinuous,
            )
            for c in range(len(self._lo))
        ]
        prob.setObjective(pulp.LpAffineExpression([(xs[c], v) for c, v in objective.items()]))
        rows = list(zip(m.row_index, m.row_value, m.row_lo, m.row_hi)) + self._extra
        for r, (idx, vals, lo, hi) in enumerate(rows):
            expr = pulp.LpAffineExpression([(xs[c], v) for c, v in zip(idx, vals)])
            if lo == hi:
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"r{r}", lo))
                continue
            if lo != -INF:
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintGE, f"r{r}l", lo))
            if hi != INF:
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, f"r{r}u", hi))
        if start is not None:
            for c, v in enumerate(start):
                xs[c].setInitialValue(round(v) if self._int[c] else v)
        solver = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=time_limit,
            warmStart=start is not None,
            gapRel=0,
            gapAbs=MIP_ABS_GAP,
            threads=1,
        )
        prob.solve(solver)
        # PuLP calls a CBC run stopped by its time limit "Optimal"; sol_status tells the truth.
        solution = pulp.LpSolution.get(prob.sol_status, "")
        values = [x.value() if x.value() is not None else 0.0 for x in xs]
        if solution == "Optimal Solution Found":
            return Outcome(OPTIMAL, values, None)
        if solution == "Solution Found":
            return Outcome(FEASIBLE, values, None)
        if solution == "No Solution Exists" or pulp.LpStatus[prob.status] == "Infeasible":
            return Outcome(INFEASIBLE, None, None)
        return Outcome(NO_SOLUTION, None, None)


def make_backend(name: str, model: SparseModel):
    if name == "highs":
        return HighsBackend(model)
    if name == "cbc":
        return CbcBackend(model)
    raise ValueError(f"unknown solver {name!r}; use 'highs' or 'cbc'")
