"""Capacity planning: where one more place would place one more child."""

from allocation.planning import capacity_gains, city_components
from allocation_builders import child, club, problem


def city():
    # A is wanted by three children who have nowhere else to go; B by one, with room.
    # C and D form a separate part of the city.
    return problem(
        [club("A", 1), club("B", 2), club("C", 1), club("D", 1)],
        [
            child("K1", 20, ["A"]),
            child("K2", 19, ["A"]),
            child("K3", 18, ["A"]),
            child("K4", 18, ["B"]),
            child("K5", 18, ["C", "D"]),
            child("K6", 17, ["C"]),
        ],
    )


def test_it_splits_the_city_into_parts_linked_by_preferences():
    parts = city_components(city())

    assert [clubs for clubs, _ in parts] == [["A"], ["B"], ["C", "D"]]


def test_it_ranks_clubs_by_the_children_one_more_place_would_place():
    gains = capacity_gains(city())

    assert [g.club for g in gains] == ["A", "C", "B", "D"]
    assert gains[0].gains == {1: 1, 5: 2}
    by_club = {g.club: g.gains for g in gains}
    assert by_club["B"] == {1: 0, 5: 0}
    # K5 outranks K6 at C, so fairness keeps K5 there and D stays empty: a place at C
    # places K6, a place at D places nobody.
    assert by_club["C"] == {1: 1, 5: 1}
    assert by_club["D"] == {1: 0, 5: 0}
    assert all(g.proven for g in gains)
