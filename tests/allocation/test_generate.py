"""Synthetic cities: deterministic, well-formed and shaped like a real first-round intake."""

from collections import Counter
from decimal import Decimal

import pytest

from allocation.generate import generate_city
from allocation.io import dumps, load_problem, problem_to_json
from allocation.model import SiblingMode, Ties


@pytest.fixture(scope="module")
def city():
    return generate_city(4000, seed=5)


def test_it_is_deterministic():
    first = dumps(problem_to_json(generate_city(800, seed=3)))
    assert dumps(problem_to_json(generate_city(800, seed=3))) == first
    assert dumps(problem_to_json(generate_city(800, seed=4))) != first


def test_it_has_the_requested_number_of_children_with_unique_ids(city):
    assert len(city.children) == 4000
    assert len({c.id for c in city.children}) == 4000
    assert len({c.id for c in city.clubs}) == len(city.clubs)


def test_it_passes_the_strict_reader(city):
    assert load_problem(dumps(problem_to_json(city))) == city


def test_capacity_is_about_85_percent_of_demand_in_clubs_of_about_40(city):
    total = sum(club.capacity for club in city.clubs)
    assert total == round(0.85 * 4000)
    sizes = [club.capacity for club in city.clubs]
    assert 35 <= sum(sizes) / len(sizes) <= 45
    assert min(sizes) >= 25 and max(sizes) <= 60


def test_children_list_one_to_five_distinct_clubs_mostly_near_home(city):
    lengths = Counter(len(c.preferences) for c in city.children)
    assert set(lengths) == {1, 2, 3, 4, 5}
    assert all(len(set(c.preferences)) == len(c.preferences) for c in city.children)
    first_choice_in_district = sum(c.preferences[0] not in c.out_of_district for c in city.children)
    assert first_choice_in_district / len(city.children) > 0.8
    assert any(c.out_of_district for c in city.children)


def test_about_five_percent_need_support_and_are_in_group_one(city):
    support = [c for c in city.children if c.support]
    assert 0.035 <= len(support) / len(city.children) <= 0.065
    assert all(c.group == 1 for c in support)
    assert all(c.group == (1 if c.grade <= 3 or c.support else 2) for c in city.children)


def test_about_fifteen_percent_are_in_sibling_units_of_both_modes(city):
    linked = [c for c in city.children if c.siblings is not None]
    assert 0.11 <= len(linked) / len(city.children) <= 0.19
    modes = Counter(c.siblings.mode for c in linked)
    assert modes[SiblingMode.TOGETHER] > 0 and modes[SiblingMode.PREFER] > 0
    units: dict[str, list] = {}
    for c in linked:
        units.setdefault(c.siblings.unit, []).append(c)
    assert all(2 <= len(members) <= 3 for members in units.values())
    for members in units.values():
        if members[0].siblings.mode == SiblingMode.TOGETHER:
            assert len({m.preferences for m in members}) == 1


def test_points_come_from_the_tables_so_ties_are_frequent(city):
    assert all(c.points == c.points.quantize(Decimal("0.1")) for c in city.children)
    assert all(Decimal(5) <= c.points <= Decimal(35) for c in city.children)
    at_first_choice = Counter((c.preferences[0], c.priority(c.preferences[0])) for c in city.children)
    tied = sum(count for count in at_first_choice.values() if count > 1)
    assert tied / len(city.children) > 0.15
    assert any(c.points != c.points.to_integral_value() for c in city.children)


def test_tiebreak_keys_follow_the_rule_order_and_have_one_length(city):
    assert {len(c.tiebreak) for c in city.children} == {4}
    for c in city.children[:200]:
        assert c.tiebreak[0] == 6 - c.grade
        assert c.tiebreak[1] == int(c.support)


def test_some_clubs_have_grade_bands_and_most_a_support_limit(city):
    with_bands = [club for club in city.clubs if club.grade_limits]
    with_support = [club for club in city.clubs if club.support_limit is not None]
    assert 0 < len(with_bands) < len(city.clubs)
    assert len(with_support) > len(city.clubs) / 2
    assert all(club.support_limit <= max(1, club.capacity // 20) for club in with_support)


def test_club_points_reward_continuing_children_and_siblings(city):
    rewarded = [c for c in city.children if c.club_points]
    assert rewarded
    assert all(set(c.club_points) <= set(c.preferences) for c in rewarded)
    assert all(value in (Decimal(1), Decimal(2)) for c in rewarded for value in c.club_points.values())


def test_options_change_the_city():
    plain = generate_city(500, seed=1, sibling_rate=0, support_rate=0, grade_limit_rate=0,
                          ties="lottery_first")
    assert plain.policy.ties == Ties.LOTTERY_FIRST
    assert not any(c.siblings or c.support for c in plain.children)
    assert not any(club.grade_limits for club in plain.clubs)
    with pytest.raises(TypeError):
        generate_city(10, seed=1, no_such_option=True)


@pytest.mark.parametrize("children", [0, 1, 7, 39])
def test_tiny_cities_are_well_formed(children):
    city = generate_city(children, seed=2)
    assert len(city.children) == children
    assert len(city.clubs) >= 1
    assert load_problem(dumps(problem_to_json(city))) == city
