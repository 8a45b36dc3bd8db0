"""The documented examples in fixtures/allocation/ and their expected results stay true."""

import json
from pathlib import Path

import pytest

from allocation.bruteforce import solve_exhaustively
from allocation.io import load_problem, load_result
from allocation.validate import DECLARED_ENVY, validate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "allocation"
NAMES = sorted(p.name[: -len(".json")] for p in FIXTURES.glob("*.json") if not p.name.endswith(".result.json"))


def load(name):
    problem = load_problem((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    result = load_result((FIXTURES / f"{name}.result.json").read_text(encoding="utf-8"))
    return problem, result


def test_every_example_has_a_description_and_an_expected_result():
    assert len(NAMES) >= 5
    for name in NAMES:
        assert json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["description"]
        assert (FIXTURES / f"{name}.result.json").exists()


@pytest.mark.parametrize("name", NAMES)
def test_the_expected_result_is_valid(name):
    problem, result = load(name)
    assert [v for v in validate(problem, result) if v.fatal] == []


@pytest.mark.parametrize("name", NAMES)
def test_the_expected_result_is_the_brute_force_answer(name):
    problem, result = load(name)
    reference = solve_exhaustively(problem)
    assert dict(result.assignments) == dict(reference.best)


@pytest.mark.parametrize("name", NAMES)
def test_the_engine_reproduces_the_expected_result(name):
    from allocation.solver import solve

    problem, expected = load(name)
    result = solve(problem)

    assert dict(result.assignments) == dict(expected.assignments)
    assert {k: tuple(v) for k, v in result.waitlist.items()} == dict(expected.waitlist)
    assert dict(result.lottery) == dict(expected.lottery)


def test_maximize_placed_places_more_than_lottery_first_in_the_tie_example():
    _, lottery = load("tie-lottery-first")
    _, most = load("tie-maximize-placed")

    assert (lottery.stats.placed, most.stats.placed) == (1, 2)
    assert lottery.assignments["K0001"] is None and lottery.assignments["K0002"] == "C01"
    assert most.assignments == {"K0001": "C01", "K0002": "C02", "K0003": None}


def test_the_unavoidable_envy_example_declares_exactly_one_child():
    problem, result = load("siblings-unavoidable-envy")

    assert result.stats.extra["envy_children"] == ["K0005"]
    assert {(v.kind, v.child) for v in validate(problem, result)} == {(DECLARED_ENVY, "K0005")}


def test_the_side_limits_example_leaves_a_place_empty():
    problem, result = load("side-limits")

    held = sum(1 for club in result.assignments.values() if club == "C01")
    assert held == 4 < problem.club("C01").capacity
    assert result.assignments["K0002"] is None and result.assignments["K0004"] is None
