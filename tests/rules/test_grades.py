"""School grade by the Japanese school-year rule (2 April to 1 April cohorts)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment.rules import fiscal_year_of, school_grade
from enrollment.rules.grades import add_months


@pytest.mark.parametrize(
    "birth, grade",
    [
        (date(2019, 4, 2), 1),  # first day of the 2026 grade-1 cohort
        (date(2020, 4, 1), 1),  # last day of it: turns six on 31 March
        (date(2019, 4, 1), 2),  # one day older: the cohort before
        (date(2020, 4, 2), 0),  # one day younger: not at school yet
        (date(2020, 2, 29), 1),  # leap day, in the same cohort
        (date(2016, 2, 29), 5),
        (date(2014, 4, 2), 6),
        (date(2014, 4, 1), 7),  # returned as is; the caller decides
    ],
)
def test_it_gives_the_grade_in_fiscal_year_2026(birth, grade):
    assert school_grade(birth, 2026) == grade


def test_it_moves_a_child_up_one_grade_each_fiscal_year():
    birth = date(2019, 11, 3)
    assert [school_grade(birth, year) for year in (2025, 2026, 2031, 2032)] == [0, 1, 6, 7]


@pytest.mark.parametrize(
    "day, year",
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2026, 12, 31), 2026),
        (date(2027, 1, 1), 2026),
    ],
)
def test_the_fiscal_year_starts_on_1_april(day, year):
    assert fiscal_year_of(day) == year


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
def test_children_born_a_day_apart_share_a_grade_except_across_1_april(birth):
    older, younger = birth, birth + timedelta(days=1)
    boundary = (younger.month, younger.day) == (4, 2)
    difference = school_grade(older, 2030) - school_grade(younger, 2030)
    assert difference == (1 if boundary else 0)


def test_adding_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 2, 10), -2) == date(2025, 12, 10)
