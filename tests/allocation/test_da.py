"""Deferred acceptance with one lottery: the baseline every result must match or beat."""

from allocation.da import deferred_acceptance
from allocation.model import lottery_ranks
from allocation_builders import child, club, problem


def test_it_is_the_child_optimal_stable_matching_with_capacities_only():
    # Classic example: proposals cascade; K3 ends at her first choice after K1 moves on.
    p = problem(
        [club("A", 1), club("B", 1), club("C", 1)],
        [
            child("K1", 21, ["A", "B"]),
            child("K2", 22, ["A", "C"]),
            child("K3", 20, ["B", "A"]),
        ],
        ties="lottery_first",
    )

    # A takes K2 (22); K1 moves to B and outranks K3 there; K3 falls back to A but A holds
    # K2, who outranks her: she stays out.
    assert deferred_acceptance(p) == {"K1": "B", "K2": "A", "K3": None}


def test_it_breaks_ties_with_the_single_lottery():
    p = problem([club("A", 1)], [child("K1", 20, ["A"]), child("K2", 20, ["A"])])
    ranks = lottery_ranks(["K1", "K2"], p.seed)
    winner = min(ranks, key=ranks.get)

    assert deferred_acceptance(p)[winner] == "A"


def test_a_club_keeps_proposers_greedily_under_its_side_limits():
    p = problem(
        [club("A", 2, support_limit=1), club("B", 1)],
        [
            child("K1", 25, ["A"], support=True),
            child("K2", 24, ["A", "B"], support=True),
            child("K3", 10, ["A"]),
        ],
    )

    assert deferred_acceptance(p) == {"K1": "A", "K2": "B", "K3": "A"}


def test_a_together_unit_is_kept_only_whole_and_ranked_as_its_weakest_member():
    p = problem(
        [club("A", 2)],
        [
            child("K1", 25, ["A"], unit="H1"),
            child("K2", 15, ["A"], unit="H1"),
            child("K3", 20, ["A"]),
        ],
    )

    # The unit ranks at 15 (its weakest member): K3 is kept first, then the unit no longer fits.
    assert deferred_acceptance(p) == {"K1": None, "K2": None, "K3": "A"}


def test_nobody_is_placed_at_a_club_without_capacity():
    p = problem([club("A", 0)], [child("K1", 20, ["A"])])

    assert deferred_acceptance(p) == {"K1": None}
