"""``python -m allocation``: exit 0 valid / done, 1 invalid result, 2 unreadable input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from allocation.io import dumps, load_problem, load_result, problem_to_json, result_to_json
from allocation_builders import child, club, complete, problem

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "allocation", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
    )


def city():
    return problem(
        [club("A", 1, support_limit=1), club("B", 2), club("C", 5)],
        [
            child("K1", 21, ["A", "B"], tiebreak=[5, 0]),
            child("K2", 19.5, ["A", "B"], tiebreak=[4, 0]),
            child("K3", 18, ["B"], grade=2, support=True, tiebreak=[4, 1]),
        ],
        ties="lottery_first",
    )


@pytest.fixture
def files(tmp_path):
    instance = tmp_path / "instance.json"
    instance.write_text(dumps(problem_to_json(city())), encoding="utf-8")

    def result(assignments, name="result.json"):
        path = tmp_path / name
        path.write_text(dumps(result_to_json(complete(city(), assignments), city())), encoding="utf-8")
        return path

    return instance, result


def test_check_exits_0_for_a_valid_result(files):
    instance, result = files
    done = run("check", instance, result({"K1": "A", "K2": "B", "K3": "B"}))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid: 3 of 3 children placed" in done.stdout


def test_check_exits_1_and_lists_every_violation(files):
    instance, result = files
    done = run("check", instance, result({"K1": "B", "K2": "A", "K3": "C"}))

    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert "violation [unlisted_club]: K3 is assigned to C, which she did not list" in lines
    assert any(line.startswith("violation [justified_envy]: K1 (outcome B) ") for line in lines)
    assert "violation [justified_envy]: K3 (outcome C) has justified envy towards B: B has room for K3" in lines
    assert lines[-1] == "invalid: 3 violation(s); 3 of 3 placed"


def test_check_exits_2_for_an_unreadable_result(files, tmp_path):
    instance, _ = files
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "afterschool-allocation-result/1", "assignments": ', encoding="utf-8")

    done = run("check", instance, broken)

    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {broken}: malformed JSON at line 1")


def test_check_exits_2_for_a_missing_file(files, tmp_path):
    instance, result = files
    done = run("check", instance, tmp_path / "nowhere.json")

    assert done.returncode == 2
    assert "nowhere.json: cannot read" in done.stderr


BAD_INSTANCES = {
    "malformed JSON": (lambda text: text[:-10], "malformed JSON at line"),
    "unknown club": (
        lambda text: text.replace('"preferences": ["B"]', '"preferences": ["Z"]'),
        'children[2] (id "K3"): preference "Z" is not a known club',
    ),
    "duplicate id": (
        lambda text: text.replace('"id": "K2"', '"id": "K1"'),
        'children[1] (id "K1"): duplicate id, also children[0]',
    ),
    "negative capacity": (
        lambda text: text.replace('"capacity": 2', '"capacity": -2'),
        'clubs[1] (id "B"): "capacity" must be a non-negative integer, got -2',
    ),
    "sibling unit with different preference lists": (
        lambda text: _with_unit(text),
        'children[1] (id "K2"): sibling unit "H1" is "together", so its preference lists must be identical',
    ),
    "missing field": (
        lambda text: text.replace('"grade": 2,', ""),
        'children[2] (id "K3"): missing field "grade"',
    ),
}


def _with_unit(text):
    data = json.loads(text)
    data["children"][1]["preferences"] = ["B", "A"]
    for entry in data["children"][:2]:
        entry["siblings"] = {"unit": "H1", "mode": "together"}
    return json.dumps(data)


@pytest.mark.parametrize("case", sorted(BAD_INSTANCES))
@pytest.mark.parametrize("command", ["check", "solve"])
def test_bad_input_exits_2_with_one_line_naming_the_entry(case, command, files, tmp_path):
    instance, result = files
    mutate, expected = BAD_INSTANCES[case]
    bad = tmp_path / "bad.json"
    bad.write_text(mutate(instance.read_text(encoding="utf-8")), encoding="utf-8")
    args = ["check", bad, result({"K1": "A", "K2": "B", "K3": "B"})] if command == "check" else ["solve", bad]

    done = run(*args)

    assert done.returncode == 2
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_usage_errors_exit_2():
    assert run("solve").returncode == 2
    assert run("generate", "--children", "-3", "--seed", "1").returncode == 2
    assert run("frobnicate").returncode == 2


def test_generate_writes_a_readable_deterministic_city(tmp_path):
    out = tmp_path / "city.json"
    done = run("generate", "--children", "250", "--seed", "9", "--out", out)
    to_stdout = run("generate", "--children", "250", "--seed", "9")

    assert done.returncode == 0 and to_stdout.returncode == 0
    assert out.read_text(encoding="utf-8") == to_stdout.stdout
    assert len(load_problem(to_stdout.stdout).children) == 250


def test_solve_writes_a_result_that_check_accepts(files, tmp_path):
    instance, _ = files
    out = tmp_path / "solved.json"

    solved = run("solve", instance, "--time-limit", "30", "--out", out)
    to_stdout = run("solve", instance)

    assert solved.returncode == 0, solved.stderr
    assert dict(load_result(out.read_text(encoding="utf-8")).assignments) == {
        "K1": "A", "K2": "B", "K3": "B"
    }
    checked = run("check", instance, out)
    assert checked.returncode == 0, checked.stdout
    assert _without_timings(to_stdout.stdout) == _without_timings(out.read_text(encoding="utf-8"))


def test_solve_under_a_short_time_limit_still_gives_a_result_check_accepts(tmp_path):
    instance = tmp_path / "city.json"
    result = tmp_path / "result.json"
    assert run("generate", "--children", "200", "--seed", "12", "--out", instance).returncode == 0

    assert run("solve", instance, "--time-limit", "5", "--out", result).returncode == 0
    checked = run("check", instance, result)

    assert checked.returncode == 0, checked.stdout


def _without_timings(text):
    """The result minus wall-clock figures, which are the only part allowed to differ."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if "seconds" not in k}
        return value

    data = json.loads(text)
    data["stats"] = strip(data["stats"])
    return data


def test_check_accepts_declared_envy_but_says_so():
    fixtures = ROOT / "fixtures" / "allocation"
    done = run(
        "check",
        fixtures / "siblings-unavoidable-envy.json",
        fixtures / "siblings-unavoidable-envy.result.json",
    )

    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].startswith("note [declared_envy]: K0005 (outcome none) has justified envy towards C02")
    assert lines[-1] == (
        "valid: 4 of 5 children placed; 1 children with justified envy declared unavoidable"
    )


def test_solve_exits_1_when_the_engine_returns_an_invalid_result(files, monkeypatch, capsys):
    import allocation.solver
    from allocation.__main__ import main

    instance, _ = files
    # An engine that overfills A: the CLI must not pass that off as a result.
    broken = complete(city(), {"K1": "A", "K2": "A", "K3": "B"})
    monkeypatch.setattr(allocation.solver, "solve", lambda problem, time_limit=None: broken)

    code = main(["solve", str(instance)])

    captured = capsys.readouterr()
    assert code == 1
    assert load_result(captured.out).assignments["K2"] == "A"
    assert "violation [capacity]: A holds 2 children; its capacity is 1" in captured.err
