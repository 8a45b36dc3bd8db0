"""The sparse model and its two solvers: columns and rows added for one solve, then dropped."""

import pytest

from allocation._backend import INF, OPTIMAL, SparseModel, make_backend


def knapsack() -> SparseModel:
    # max x0 + x1 + x2 with x0 + x1 <= 1, x1 + x2 <= 1 (binary): optimum 2 (x0 and x2).
    m = SparseModel()
    for _ in range(3):
        m.add_col(0, 1, True)
    m.add_row({0: 1.0, 1: 1.0}, -INF, 1)
    m.add_row({1: 1.0, 2: 1.0}, -INF, 1)
    return m


@pytest.mark.parametrize("name", ["highs", "cbc"])
def test_columns_and_rows_added_for_one_solve_are_dropped_again(name):
    backend = make_backend(name, knapsack())
    objective = {0: 1.0, 1: 1.0, 2: 1.0}
    size = backend.size

    # A new binary y with y <= x1 and weight 5: now taking x1 (and y) is best, value 6.
    (y,) = backend.add_cols([0.0], [1.0], [True])
    assert y == 3 and backend.size[0] == 4
    backend.add_rows([[1, y]], [[1.0, -1.0]], [0.0], [INF])
    added = backend.solve({**objective, y: 5.0}, True, None, None)
    assert added.status == OPTIMAL
    assert [round(v) for v in added.values[:4]] == [0, 1, 0, 1]

    backend.truncate(*size)
    assert backend.size == size
    plain = backend.solve(objective, True, None, None)
    assert plain.status == OPTIMAL
    assert len(plain.values) == 3
    assert round(sum(plain.values)) == 2 and round(plain.values[1]) == 0


@pytest.mark.parametrize("name", ["highs", "cbc"])
def test_an_added_integer_column_is_integer(name):
    backend = make_backend(name, knapsack())
    (y,) = backend.add_cols([0.0], [2.5], [True])
    result = backend.solve({y: 1.0}, True, None, None)
    assert result.status == OPTIMAL
    assert result.values[y] == pytest.approx(2.0)


def stale_when_started(backend, always=False):
    """Make HiGHS behave as 1.16 once did: given a start, it reports its optimum but hands
    back the start's values (x0 alone, worth 1, where 2 is optimal)."""
    state = {"started": False, "runs": 0}

    class Stale:
        def __init__(self, real):
            self._real = real

        def __getattr__(self, name):
            return getattr(self._real, name)

        def clearSolver(self):
            state["started"] = False
            state["runs"] += 1
            return self._real.clearSolver()

        def setSolution(self, solution):
            state["started"] = True
            return self._real.setSolution(solution)

        def getSolution(self):
            solution = self._real.getSolution()
            if state["started"] or always:
                solution.col_value = [1.0, 0.0, 0.0]
            return solution

    backend._h = Stale(backend._h)
    return state


def test_an_optimum_reported_but_not_returned_is_solved_again_without_the_start():
    backend = make_backend("highs", knapsack())
    state = stale_when_started(backend)

    result = backend.solve({0: 1.0, 1: 1.0, 2: 1.0}, True, None, [1.0, 0.0, 0.0])

    assert state["runs"] == 2
    assert result.status == OPTIMAL
    assert [round(v) for v in result.values] == [1, 0, 1]


def test_an_optimum_never_returned_is_not_called_proven():
    from allocation._backend import FEASIBLE

    backend = make_backend("highs", knapsack())
    stale_when_started(backend, always=True)

    result = backend.solve({0: 1.0, 1: 1.0, 2: 1.0}, True, None, [1.0, 0.0, 0.0])

    # The values are kept (the engine checks them like any other), the proof is not.
    assert result.status == FEASIBLE
    assert [round(v) for v in result.values] == [1, 0, 0]
    assert result.bound == pytest.approx(2.0)


def test_without_a_start_a_consistent_answer_is_solved_once():
    backend = make_backend("highs", knapsack())
    state = stale_when_started(backend)

    result = backend.solve({0: 1.0, 1: 1.0, 2: 1.0}, True, None, None)

    assert state["runs"] == 1
    assert result.status == OPTIMAL
