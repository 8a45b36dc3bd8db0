"""The JSON problem and result formats: strict reading, exact numbers, stable writing."""

import copy
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.generate import generate_city
from allocation.io import (
    InputError,
    dumps,
    load_problem,
    load_result,
    problem_to_json,
    result_to_json,
)
from allocation.model import (
    Child,
    GradeLimit,
    Result,
    SiblingLink,
    SiblingMode,
    Stats,
    Ties,
)


def instance():
    return {
        "format": "afterschool-allocation/1",
        "seed": 20270206,
        "policy": {"ties": "maximize_placed"},
        "clubs": [
            {"id": "C01", "capacity": 44, "support_limit": 2, "grade_limits": {"4-6": 10}},
            {"id": "C02", "capacity": 40},
            {"id": "C03", "capacity": 38, "support_limit": None},
        ],
        "children": [
            {
                "id": "K0001", "grade": 1, "group": 1, "support": False, "points": 21.0,
                "club_points": {"C01": 1.0}, "out_of_district": ["C03"],
                "tiebreak": [5, 0, 1, 20], "preferences": ["C01", "C03"],
                "siblings": {"unit": "H0007", "mode": "together"},
            },
            {
                "id": "K0002", "grade": 4, "group": 2, "support": False, "points": 19.5,
                "tiebreak": [2, 0, 0, 21], "preferences": ["C01", "C03"],
                "siblings": {"unit": "H0007", "mode": "together"},
            },
            {
                "id": "K0003", "grade": 2, "group": 1, "support": True, "points": 18,
                "tiebreak": [4, 1, 0, 20], "preferences": ["C02"],
            },
        ],
    }


def load(data):
    return load_problem(json.dumps(data))


def error_for(mutate):
    data = instance()
    mutate(data)
    with pytest.raises(InputError) as caught:
        load(data)
    return caught.value.message


def test_it_reads_the_issue_example_exactly():
    problem = load(instance())

    first = problem.children[0]
    assert first == Child(
        id="K0001", grade=1, group=1, support=False, points=Decimal("21.0"),
        preferences=("C01", "C03"), club_points={"C01": Decimal("1.0")},
        out_of_district=frozenset({"C03"}), tiebreak=tuple(Decimal(v) for v in (5, 0, 1, 20)),
        siblings=SiblingLink("H0007", SiblingMode.TOGETHER),
    )
    assert problem.club("C01").grade_limits == (GradeLimit(4, 6, 10),)
    assert problem.club("C01").support_limit == 2
    assert problem.club("C03").support_limit is None
    assert problem.policy.ties == Ties.MAXIMIZE_PLACED
    assert problem.seed == 20270206


def test_it_keeps_points_exact_as_decimals():
    data = instance()
    data_text = json.dumps(data).replace('"points": 19.5', '"points": 19.3')
    problem = load_problem(data_text)

    assert problem.children[1].points == Decimal("19.3")
    assert isinstance(problem.children[1].points, Decimal)
    assert problem.children[1].priority("C01")[2] == Decimal("19.3")


def test_it_defaults_the_policy_to_maximize_placed_and_optional_fields_to_empty():
    data = instance()
    del data["policy"]
    del data["children"][2]["tiebreak"]
    for child in data["children"]:
        child.pop("tiebreak", None)
    problem = load(data)

    assert problem.policy.ties == Ties.MAXIMIZE_PLACED
    assert problem.children[2].club_points == {}
    assert problem.children[2].out_of_district == frozenset()
    assert problem.children[2].siblings is None


def test_it_ignores_unknown_keys():
    data = instance()
    data["city"] = "泊江市"
    data["clubs"][0]["name"] = "第一学童クラブ"
    data["children"][0]["note"] = {"anything": [1, 2]}
    assert load(data) == load(instance())


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(format="afterschool-allocation/2"), 'format: expected "afterschool-allocation/1"'),
        (lambda d: d.pop("format"), 'problem: missing field "format"'),
        (lambda d: d.pop("seed"), 'problem: missing field "seed"'),
        (lambda d: d.update(seed=True), '"seed" must be an integer, got true'),
        (lambda d: d.update(seed="1"), '"seed" must be an integer, got the string "1"'),
        (lambda d: d.pop("clubs"), 'problem: missing field "clubs"'),
        (lambda d: d.update(children={}), '"children" must be a list, got an object'),
        (lambda d: d["policy"].update(ties="random"), 'policy: "ties" must be one of'),
        (lambda d: d.update(policy=[]), "policy: expected an object, got a list"),
        (lambda d: d["clubs"][1].pop("capacity"), 'clubs[1] (id "C02"): missing field "capacity"'),
        (lambda d: d["clubs"][1].update(capacity=-1), 'clubs[1] (id "C02"): "capacity" must be a non-negative integer, got -1'),
        (lambda d: d["clubs"][1].update(capacity=40.5), 'clubs[1] (id "C02"): "capacity" must be a non-negative integer, got 40.5'),
        (lambda d: d["clubs"][1].update(capacity=True), 'clubs[1] (id "C02"): "capacity" must be a non-negative integer, got true'),
        (lambda d: d["clubs"][1].update(id="C01"), 'clubs[1] (id "C01"): duplicate id, also clubs[0]'),
        (lambda d: d["clubs"][1].update(id=7), 'clubs[1]: "id" must be a non-empty string, got 7'),
        (lambda d: d["clubs"][0].update(support_limit=-2), 'clubs[0] (id "C01"): "support_limit" must be a non-negative integer, got -2'),
        (lambda d: d["clubs"][0].update(grade_limits={"4-7": 3}), 'clubs[0] (id "C01"): grade band "4-7" must be "lo-hi" with 1 <= lo <= hi <= 6'),
        (lambda d: d["clubs"][0].update(grade_limits={"5-4": 3}), 'grade band "5-4" must be "lo-hi"'),
        (lambda d: d["clubs"][0].update(grade_limits={"0-3": 3}), 'grade band "0-3" must be "lo-hi"'),
        (lambda d: d["clubs"][0].update(grade_limits={"high": 3}), 'grade band "high" must be "lo-hi"'),
        (lambda d: d["clubs"][0].update(grade_limits={"4-6": -1}), 'grade band "4-6" must be a non-negative integer, got -1'),
        (lambda d: d["children"][2].pop("grade"), 'children[2] (id "K0003"): missing field "grade"'),
        (lambda d: d["children"][2].pop("preferences"), 'children[2] (id "K0003"): missing field "preferences"'),
        (lambda d: d["children"][2].pop("points"), 'children[2] (id "K0003"): missing field "points"'),
        (lambda d: d["children"][2].update(grade=7), 'children[2] (id "K0003"): "grade" must be an integer from 1 to 6, got 7'),
        (lambda d: d["children"][2].update(grade=0), '"grade" must be an integer from 1 to 6, got 0'),
        (lambda d: d["children"][2].update(grade=True), '"grade" must be an integer from 1 to 6, got true'),
        (lambda d: d["children"][2].update(group=3), 'children[2] (id "K0003"): "group" must be 1 or 2, got 3'),
        (lambda d: d["children"][2].update(group=False), '"group" must be 1 or 2, got false'),
        (lambda d: d["children"][2].update(support=1), '"support" must be true or false, got 1'),
        (lambda d: d["children"][2].update(points="18"), '"points" must be a number with at most one decimal place, got the string "18"'),
        (lambda d: d["children"][2].update(points=True), '"points" must be a number with at most one decimal place, got true'),
        (lambda d: d["children"][2].update(points=18.25), '"points" must be a number with at most one decimal place, got 18.25'),
        (lambda d: d["children"][0]["club_points"].update(C01=0.05), 'club_points["C01"] must be a number with at most one decimal place, got 0.05'),
        (lambda d: d["children"][0]["club_points"].update(C99=1), 'children[0] (id "K0001"): club_points names "C99", which is not a known club'),
        (lambda d: d["children"][0].update(out_of_district=["C99"]), 'children[0] (id "K0001"): out_of_district names "C99", which is not a known club'),
        (lambda d: d["children"][2].update(preferences=["C99"]), 'children[2] (id "K0003"): preference "C99" is not a known club'),
        (lambda d: d["children"][2].update(preferences=["C02", "C02"]), 'children[2] (id "K0003"): preference "C02" is listed twice'),
        (lambda d: d["children"][2].update(preferences="C02"), '"preferences" must be a list, got the string "C02"'),
        (lambda d: d["children"][2].update(preferences=[2]), "preferences[0] must be a club id, got 2"),
        (lambda d: d["children"][2].update(id="K0001"), 'children[2] (id "K0001"): duplicate id, also children[0]'),
        (lambda d: d["children"][2].update(tiebreak=[4, 1, 0]), 'children[2] (id "K0003"): tiebreak has 3 keys, but children[0] (id "K0001") has 4'),
        (lambda d: d["children"][2].update(tiebreak=[4, 1, 0, "x"]), "tiebreak[3] must be a number"),
        (lambda d: d["children"][2].update(tiebreak=[4, True, 0, 1]), "tiebreak[1] must be a number, got true"),
        (lambda d: d["children"][1]["siblings"].update(mode="prefer"), 'children[1] (id "K0002"): sibling unit "H0007" mixes modes'),
        (lambda d: d["children"][1]["siblings"].update(mode="near"), 'siblings: "mode" must be "together" or "prefer"'),
        (lambda d: d["children"][1]["siblings"].pop("unit"), 'children[1] (id "K0002"): siblings: missing field "unit"'),
        (lambda d: d["children"][1].update(preferences=["C03", "C01"]), 'children[1] (id "K0002"): sibling unit "H0007" is "together", so its preference lists must be identical'),
        (lambda d: d["children"].append("K0004"), "children[3]: expected an object, got the string"),
    ],
)
def test_it_rejects_bad_input_naming_the_entry(mutate, expected):
    assert expected in error_for(mutate)


def test_it_accepts_prefer_units_with_different_lists():
    data = instance()
    for child in data["children"][:2]:
        child["siblings"]["mode"] = "prefer"
    data["children"][1]["preferences"] = ["C01"]
    problem = load(data)
    assert problem.children[1].siblings.mode == SiblingMode.PREFER


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"format": ', "malformed JSON at line 1 column 12"),
        ('{"format": "afterschool-allocation/1", "seed": NaN}', "NaN is not a number"),
        ('{"format": "a", "format": "b"}', 'key "format" appears twice'),
        ("[1, 2]", "problem: expected an object, got a list"),
    ],
)
def test_it_rejects_malformed_json(text, expected):
    with pytest.raises(InputError) as caught:
        load_problem(text)
    assert expected in caught.value.message


def test_it_round_trips_a_problem_byte_for_byte():
    problem = generate_city(400, seed=11)
    text = dumps(problem_to_json(problem))

    again = load_problem(text)

    assert again == problem
    assert dumps(problem_to_json(again)) == text


def test_it_round_trips_the_issue_example():
    problem = load(instance())
    assert load_problem(dumps(problem_to_json(problem))) == problem


def test_it_writes_decimals_as_plain_json_numbers():
    problem = load_problem(json.dumps(instance()).replace("19.5", "19.3"))
    text = dumps(problem_to_json(problem))

    assert '"points": 21,' in text
    assert '"points": 19.3,' in text
    assert '"C01": 1' in text
    assert "19.300000" not in text and "Decimal" not in text
    assert json.loads(text)["children"][1]["points"] == 19.3


def test_it_writes_out_of_district_in_club_order():
    data = instance()
    data["children"][0]["out_of_district"] = ["C03", "C02", "C01"]
    data["children"][0]["preferences"] = ["C01", "C03"]
    data["children"][1]["preferences"] = ["C01", "C03"]
    written = problem_to_json(load(data))
    assert written["children"][0]["out_of_district"] == ["C01", "C02", "C03"]


def result():
    return Result(
        assignments={"K0002": "C01", "K0001": "C01", "K0003": None},
        waitlist={"C02": ("K0003",), "C01": ()},
        explanations={"K0003": {"priority": {"C02": (-1, 0, Decimal("20.5"), Decimal(4))}}},
        stats=Stats(placed=2, unplaced=1, proven_optimal=True, gap=0.0, bound=2, seconds=0.25,
                    extra={"envy_children": []}),
        lottery={"K0001": 2, "K0002": 0, "K0003": 1},
    )


def test_it_round_trips_a_result():
    written = result_to_json(result())
    again = load_result(dumps(written))

    assert dict(again.assignments) == dict(result().assignments)
    assert dict(again.waitlist) == dict(result().waitlist)
    assert again.stats == result().stats
    assert dict(again.lottery) == dict(result().lottery)
    assert again.explanations["K0003"]["priority"]["C02"] == [-1, 0, Decimal("20.5"), 4]


def test_it_orders_result_keys_by_the_problem_or_else_by_id():
    problem = load(instance())

    by_problem = result_to_json(result(), problem)
    by_id = result_to_json(result())

    assert list(by_problem["assignments"]) == ["K0001", "K0002", "K0003"]
    assert list(by_problem["waitlist"]) == ["C01", "C02"]
    assert list(by_id["assignments"]) == ["K0001", "K0002", "K0003"]
    assert list(by_id["waitlist"]) == ["C01", "C02"]
    assert by_problem["format"] == "afterschool-allocation-result/1"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(format="afterschool-allocation/1"), 'format: expected "afterschool-allocation-result/1"'),
        (lambda d: d.pop("assignments"), 'result: missing field "assignments"'),
        (lambda d: d["assignments"].update(K0001=3), 'assignments["K0001"] must be a club id or null, got 3'),
        (lambda d: d["waitlist"].update(C01="K0003"), 'waitlist["C01"] must be a list of child ids'),
        (lambda d: d["stats"].pop("placed"), 'stats: missing field "placed"'),
        (lambda d: d["stats"].update(proven_optimal="yes"), 'stats: "proven_optimal" must be true or false'),
        (lambda d: d["lottery"].update(K0001=-1), 'lottery: "K0001" must be a non-negative integer, got -1'),
    ],
)
def test_it_rejects_bad_results_naming_the_entry(mutate, expected):
    data = json.loads(dumps(result_to_json(result())))
    mutate(data)
    with pytest.raises(InputError) as caught:
        load_result(json.dumps(data))
    assert expected in caught.value.message


def test_loading_a_python_dict_reads_floats_by_their_shortest_form():
    data = copy.deepcopy(instance())
    data["children"][1]["points"] = 19.3
    assert load_problem(data).children[1].points == Decimal("19.3")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 120), st.integers(0, 10_000), st.sampled_from(["lottery_first", "maximize_placed"]))
def test_any_generated_city_round_trips(children, seed, ties):
    problem = generate_city(children, seed=seed, ties=ties)
    text = dumps(problem_to_json(problem))

    assert load_problem(text) == problem
    assert load_problem(json.loads(text)) == problem
