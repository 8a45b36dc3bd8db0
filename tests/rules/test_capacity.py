"""Capacity, intake cap and support limit, in exact arithmetic."""

from decimal import Decimal as D

import pytest

from enrollment.rules import CapacityError, capacity, default_support_limit, intake_cap


@pytest.mark.parametrize(
    "area, units, expected",
    [
        ("66.0", 1, 40),  # exactly 40
        ("65.9", 1, 39),
        ("66.0", 2, 40),
        ("1.65", 1, 1),
        ("1.64", 1, 0),
        ("200", 1, 40),  # the care unit limits
        ("200", 2, 80),
        ("200", 4, 121),  # the floor area limits: 200 / 1.65 = 121.2
        ("0", 1, 0),
        ("100", 0, 0),
        ("132.00000000000000000000000001", 2, 80),  # exact however many digits
    ],
)
def test_capacity_is_the_smaller_of_floor_area_and_care_units(area, units, expected):
    assert capacity(D(area), units) == expected


def test_capacity_accepts_whole_square_metres():
    assert capacity(66, 1) == 40


@pytest.mark.parametrize(
    "area, units", [(66.0, 1), (D("-1"), 1), (D("66"), -1), (D("66"), 1.0), (D("NaN"), 1)]
)
def test_capacity_refuses_floats_and_negative_values(area, units):
    with pytest.raises(CapacityError):
        capacity(area, units)


@pytest.mark.parametrize(
    "cap, ratio, expected",
    [
        (40, "1.10", 44),
        (39, "1.10", 42),
        (40, "1.00", 40),
        (40, "1.20", 48),
        (35, "1.15", 40),
        (100, "1.15", 115),  # in floats 100 * 1.15 is 114.99999999999999: one place lost
    ],
)
def test_intake_cap_rounds_capacity_times_ratio_down(cap, ratio, expected):
    assert intake_cap(cap, D(ratio)) == expected


@pytest.mark.parametrize("ratio", ["0.99", "1.21"])
def test_intake_cap_refuses_a_ratio_outside_the_bounds(ratio):
    with pytest.raises(CapacityError, match="outside the allowed 1.00 to 1.20"):
        intake_cap(40, D(ratio))


def test_intake_cap_takes_the_rule_sets_bounds():
    assert intake_cap(40, D("1.25"), bounds=(D("1.00"), D("1.30"))) == 50


def test_intake_cap_refuses_a_float_ratio():
    with pytest.raises(CapacityError, match="not float"):
        intake_cap(40, 1.1)


@pytest.mark.parametrize(
    "cap, per, expected",
    [(44, 20, 2), (40, 20, 2), (60, 20, 3), (39, 20, 1), (10, 20, 1), (0, 20, 0), (60, 30, 2)],
)
def test_the_default_support_limit_is_one_per_twenty_and_at_least_one(cap, per, expected):
    assert default_support_limit(cap, per) == expected


def test_the_support_limit_refuses_a_zero_ratio():
    with pytest.raises(CapacityError):
        default_support_limit(40, 0)


def test_worked_example_6_of_the_rules_format():
    places = capacity(D("70.0"), 2)
    cap = intake_cap(places, D("1.10"))
    assert (places, cap, default_support_limit(cap)) == (42, 46, 2)
