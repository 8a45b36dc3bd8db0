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
