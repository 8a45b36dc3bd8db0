"""The validator: a valid result passes; each way of breaking it is caught and named."""

from dataclasses import replace

import pytest

from allocation.model import lottery_ranks
from allocation.validate import (
    CAPACITY,
    DECLARED_ENVY,
    GRADE_LIMIT,
    JUSTIFIED_ENVY,
    LOTTERY,
    MISSING_CHILD,
    STATS,
    SUPPORT_LIMIT,
    TOGETHER,
    UNKNOWN_CHILD,
    UNKNOWN_CLUB,
    UNLISTED_CLUB,
    WAITLIST,
    Violation,
    validate,
)
from allocation_builders import child, club, complete, problem


def kinds(violations):
    return {v.kind for v in violations}


def small_city(ties="lottery_first"):
    return problem(
        [club("A", 2, support_limit=1, bands={"4-6": 1}), club("B", 3), club("C", 1)],
        [
            child("K1", 22, ["A", "B"]),
            child("K2", 20, ["A", "B"], grade=2, support=True),
            child("K3", 25, ["A", "B"], grade=5),
            child("K4", 18, ["A"]),
            child("K5", 19, ["B"], grade=3),
            child("K6", 10, ["A", "B"], grade=2, support=True),
        ],
        ties=ties,
    )


VALID = {"K1": "A", "K2": "A", "K3": "B", "K4": None, "K5": "B", "K6": "B"}


@pytest.mark.parametrize("ties", ["lottery_first", "maximize_placed"])
def test_it_accepts_a_valid_result(ties):
    city = small_city(ties)
    result = complete(city, VALID)

    assert validate(city, result) == []
    assert result.waitlist["A"] == ("K4", "K6", "K3")


def test_it_reports_a_child_missing_from_assignments():
    city = small_city()
    result = complete(city, VALID)
    result = replace(result, assignments={k: v for k, v in VALID.items() if k != "K4"})

    violations = validate(city, result)

    assert violations == [Violation(MISSING_CHILD, "K4", None, "K4 has no entry in assignments")]


def test_it_reports_an_unknown_child():
    city = small_city()
    result = complete(city, VALID)
    result = replace(result, assignments={**VALID, "K99": None})

    assert kinds(validate(city, result)) == {UNKNOWN_CHILD}


def test_it_reports_a_place_at_an_unknown_club():
    city = small_city()
    result = complete(city, {**VALID, "K4": "Z"})

    violations = validate(city, result)

    assert kinds(violations) == {UNKNOWN_CLUB}
    assert violations[0].child == "K4" and violations[0].club == "Z"


def test_it_reports_a_place_at_a_club_the_child_did_not_list():
    city = small_city()
    result = complete(city, {**VALID, "K4": "C"})

    violations = validate(city, result)

    assert kinds(violations) == {UNLISTED_CLUB}
    assert "K4 is assigned to C, which she did not list" in violations[0].message


def test_it_reports_a_club_over_capacity():
    city = problem([club("A", 2)], [child(f"K{i}", 20, ["A"]) for i in range(3)])
    result = complete(city, {"K0": "A", "K1": "A", "K2": "A"})

    violations = validate(city, result)

    assert kinds(violations) == {CAPACITY}
    assert violations[0].message == "A holds 3 children; its capacity is 2"


def test_it_reports_a_club_over_its_support_limit():
    city = problem(
        [club("A", 3, support_limit=1)],
        [child("K1", 20, ["A"], support=True), child("K2", 20, ["A"], support=True)],
    )
    result = complete(city, {"K1": "A", "K2": "A"})

    assert kinds(validate(city, result)) == {SUPPORT_LIMIT}


def test_it_reports_a_club_over_a_grade_band_limit():
    city = problem(
        [club("A", 3, bands={"4-6": 1})],
        [child("K1", 20, ["A"], grade=5), child("K2", 20, ["A"], grade=4), child("K3", 9, ["A"])],
    )
    result = complete(city, {"K1": "A", "K2": "A", "K3": "A"})

    violations = validate(city, result)

    assert kinds(violations) == {GRADE_LIMIT}
    assert "2 children of grades 4-6; its limit for that band is 1" in violations[0].message


def test_it_reports_a_split_together_unit():
    city = problem(
        [club("A", 1), club("B", 1)],
        [
            child("K1", 20, ["A", "B"], unit="H1"),
            child("K2", 18, ["A", "B"], unit="H1"),
        ],
    )
    result = complete(city, {"K1": "A", "K2": "B"})

    violations = validate(city, result)

    assert kinds(violations) == {TOGETHER}
    assert "sibling unit H1 (together) is split: K1: A, K2: B" in violations[0].message


def test_it_accepts_a_prefer_unit_placed_apart():
    city = problem(
        [club("A", 1), club("B", 1)],
        [
            child("K1", 20, ["A", "B"], unit="H1", mode="prefer"),
            child("K2", 18, ["A", "B"], unit="H1", mode="prefer"),
        ],
    )
    assert validate(city, complete(city, {"K1": "A", "K2": "B"})) == []


def test_it_reports_envy_towards_a_club_with_room():
    city = problem([club("A", 2), club("B", 2)], [child("K1", 20, ["A", "B"])])
    result = complete(city, {"K1": "B"})

    violations = validate(city, result)

    assert kinds(violations) == {JUSTIFIED_ENVY}
    assert (violations[0].child, violations[0].club) == ("K1", "A")
    assert "A has room for K1" in violations[0].message


def test_it_reports_envy_of_an_unplaced_child_towards_a_club_with_room():
    city = problem([club("A", 2)], [child("K1", 20, ["A"])])
    assert kinds(validate(city, complete(city, {"K1": None}))) == {JUSTIFIED_ENVY}


def test_it_reports_envy_towards_a_child_of_lower_priority():
    city = problem(
        [club("A", 1), club("B", 1)],
        [child("K1", 20, ["A", "B"]), child("K2", 18.5, ["A", "B"])],
    )
    result = complete(city, {"K1": "B", "K2": "A"})

    violations = validate(city, result)

    assert kinds(violations) == {JUSTIFIED_ENVY}
    assert (violations[0].child, violations[0].club) == ("K1", "A")
    assert "holds K2 with lower priority (-1, 0, 18.5) than K1's (-1, 0, 20)" in violations[0].message


def test_a_swap_that_would_break_the_support_limit_is_not_envy():
    city = problem(
        [club("A", 2, support_limit=1)],
        [
            child("S1", 25, ["A"], support=True),
            child("L", 10, ["A"]),
            child("S2", 20, ["A"], support=True),
        ],
    )
    assert validate(city, complete(city, {"S1": "A", "L": "A", "S2": None})) == []


def test_a_seat_is_free_only_if_every_limit_has_room():
    city = problem(
        [club("A", 3, bands={"4-6": 1})],
        [child("G5", 20, ["A"], grade=5), child("Y", 20, ["A"]), child("G6", 15, ["A"], grade=6)],
    )
    assert validate(city, complete(city, {"G5": "A", "Y": "A", "G6": None})) == []


def test_a_swap_within_a_full_grade_band_is_envy():
    city = problem(
        [club("A", 2, bands={"4-6": 1})],
        [child("G5", 15, ["A"], grade=5), child("Y", 20, ["A"]), child("G6", 20, ["A"], grade=6)],
    )
    violations = validate(city, complete(city, {"G5": "A", "Y": "A", "G6": None}))

    assert kinds(violations) == {JUSTIFIED_ENVY}
    assert "holds G5" in violations[0].message


def test_an_equal_priority_is_never_envy_under_maximize_placed():
    city = problem([club("A", 1)], [child("K1", 20, ["A"]), child("K2", 20, ["A"])])
    assert validate(city, complete(city, {"K1": None, "K2": "A"})) == []
    assert validate(city, complete(city, {"K1": "A", "K2": None})) == []


def test_under_lottery_first_the_lottery_decides_an_equal_priority():
    city = problem(
        [club("A", 1)], [child("K1", 20, ["A"]), child("K2", 20, ["A"])], ties="lottery_first"
    )
    ranks = lottery_ranks(["K1", "K2"], city.seed)
    winner, loser = sorted(["K1", "K2"], key=ranks.get)

    assert validate(city, complete(city, {winner: "A", loser: None})) == []
    wrong = validate(city, complete(city, {winner: None, loser: "A"}))
    assert kinds(wrong) == {JUSTIFIED_ENVY}
    assert wrong[0].child == winner


def test_group_one_comes_before_group_two_whatever_the_points():
    city = problem(
        [club("A", 1)], [child("Old", 25, ["A"], grade=5), child("Young", 15, ["A"], grade=2)]
    )
    assert kinds(validate(city, complete(city, {"Old": "A", "Young": None}))) == {JUSTIFIED_ENVY}
    assert validate(city, complete(city, {"Old": None, "Young": "A"})) == []


def test_in_district_children_come_before_out_of_district_ones():
    city = problem(
        [club("A", 1)],
        [child("Far", 25, ["A"], out_of_district=["A"]), child("Near", 15, ["A"])],
    )
    assert kinds(validate(city, complete(city, {"Far": "A", "Near": None}))) == {JUSTIFIED_ENVY}
    assert validate(city, complete(city, {"Far": None, "Near": "A"})) == []


def test_club_points_count_only_at_their_club():
    city = problem(
        [club("A", 1), club("B", 1)],
        [
            child("Cont", 19, ["A", "B"], club_points={"A": 1}),
            child("New", 19.5, ["A", "B"]),
        ],
    )
    assert validate(city, complete(city, {"Cont": "A", "New": "B"})) == []
    assert kinds(validate(city, complete(city, {"Cont": "B", "New": "A"}))) == {JUSTIFIED_ENVY}


def test_tiebreak_keys_decide_equal_points_left_to_right():
    city = problem(
        [club("A", 1)],
        [child("K1", 20, ["A"], tiebreak=[5, 0, 21]), child("K2", 20, ["A"], tiebreak=[5, 1, 20])],
    )
    assert validate(city, complete(city, {"K1": None, "K2": "A"})) == []
    assert kinds(validate(city, complete(city, {"K1": "A", "K2": None}))) == {JUSTIFIED_ENVY}


def units_city():
    return problem(
        [club("A", 2)],
        [
            child("U1", 15, ["A"], unit="H1"),
            child("U2", 15, ["A"], unit="H1"),
            child("Top", 20, ["A"]),
        ],
    )


def test_a_together_unit_holds_no_privilege():
    city = units_city()
    violations = validate(city, complete(city, {"U1": "A", "U2": "A", "Top": None}))

    assert kinds(violations) == {JUSTIFIED_ENVY}
    assert all(v.fatal for v in violations)


def test_envy_the_result_declares_unavoidable_is_reported_but_not_fatal():
    city = units_city()
    result = complete(city, {"U1": "A", "U2": "A", "Top": None}, extra={"envy_children": ["Top"]})

    violations = validate(city, result)

    assert kinds(violations) == {DECLARED_ENVY}
    assert not any(v.fatal for v in violations)


def test_declared_envy_without_together_units_is_still_a_violation():
    city = problem([club("A", 1)], [child("K1", 20, ["A"]), child("K2", 15, ["A"])])
    result = complete(city, {"K1": None, "K2": "A"}, extra={"envy_children": ["K1"]})

    violations = validate(city, result)

    assert kinds(violations) == {JUSTIFIED_ENVY}
    assert "no together unit" in violations[0].message


def test_it_reports_a_waitlist_in_the_wrong_order():
    city = small_city()
    result = complete(city, VALID)
    result = replace(result, waitlist={**result.waitlist, "A": ("K6", "K4", "K3")})

    violations = validate(city, result)

    assert kinds(violations) == {WAITLIST}
    assert "waitlist of A differs at position 1: found K6, expected K4" in violations[0].message


def test_it_reports_a_waitlist_missing_a_child():
    city = small_city()
    result = complete(city, VALID)
    result = replace(result, waitlist={**result.waitlist, "A": ("K4", "K6")})

    assert kinds(validate(city, result)) == {WAITLIST}


def test_it_reports_a_waitlist_holding_a_child_placed_higher():
    city = small_city()
    result = complete(city, VALID)
    result = replace(result, waitlist={**result.waitlist, "B": ("K1",)})

    assert kinds(validate(city, result)) == {WAITLIST}


def test_it_reports_a_waitlist_for_an_unknown_club():
    city = small_city()
    result = complete(city, VALID)
    result = replace(result, waitlist={**result.waitlist, "Z": ()})

    assert kinds(validate(city, result)) == {UNKNOWN_CLUB}


def test_waitlist_ties_are_ordered_by_lottery_rank():
    city = problem(
        [club("A", 1), club("B", 5)],
        [child(f"K{i}", 20, ["A", "B"]) for i in range(5)],
    )
    ranks = lottery_ranks([f"K{i}" for i in range(5)], city.seed)
    assignments = {f"K{i}": "B" for i in range(5)}
    assignments[min(ranks, key=ranks.get)] = "A"
    result = complete(city, assignments)

    assert validate(city, result) == []
    assert list(result.waitlist["A"]) == sorted(
        [c for c, club_id in assignments.items() if club_id == "B"], key=ranks.get
    )


def test_it_reports_wrong_lottery_ranks():
    city = small_city()
    result = complete(city, VALID)
    swapped = dict(result.lottery)
    swapped["K1"], swapped["K2"] = swapped["K2"], swapped["K1"]

    violations = validate(city, replace(result, lottery=swapped))

    assert kinds(violations) == {LOTTERY}
    assert violations[0].message.startswith("2 lottery ranks differ")


def test_it_reports_a_result_without_lottery_ranks():
    city = small_city()
    result = replace(complete(city, VALID), lottery={})

    assert kinds(validate(city, result)) == {LOTTERY}


def test_it_reports_stats_that_disagree_with_the_assignments():
    city = small_city()
    result = complete(city, VALID)

    miscounted = replace(result, stats=replace(result.stats, placed=6, unplaced=0))
    low_bound = replace(result, stats=replace(result.stats, bound=3))

    assert kinds(validate(city, miscounted)) == {STATS}
    assert kinds(validate(city, low_bound)) == {STATS}


def test_it_lists_every_violation_not_just_the_first():
    city = small_city()
    result = complete(city, {**VALID, "K4": "A", "K6": "A"})
    result = replace(result, assignments={k: v for k, v in result.assignments.items() if k != "K5"})

    assert kinds(validate(city, result)) == {
        CAPACITY, SUPPORT_LIMIT, MISSING_CHILD, JUSTIFIED_ENVY, WAITLIST, STATS
    }


def test_a_one_child_together_unit_cannot_excuse_envy():
    city = problem([club("A", 1)], [child("K1", 20, ["A"], unit="H1"), child("K2", 15, ["A"])])
    result = complete(city, {"K1": None, "K2": "A"}, extra={"envy_children": ["K1"]})

    assert kinds(validate(city, result)) == {JUSTIFIED_ENVY}
