"""School grades, fiscal years and month arithmetic.

The Japanese fiscal and school year (年度) runs from 1 April to 31 March.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def fiscal_year_of(day: date) -> int:
    """The fiscal year (年度) containing ``day``: April 2026 to March 2027 is 2026."""
    return day.year if day.month >= 4 else day.year - 1


def school_grade(birth_date: date, fiscal_year: int) -> int:
    """The elementary-school grade of a child born on ``birth_date`` during ``fiscal_year``.

    Children born 2 April of year Y to 1 April of Y+1 share a grade and enter grade 1 in the
    April after they turn six: born 2 April 2019 to 1 April 2020 means grade 1 in 2026.
    Values below 1 (not yet at school) or above 6 (junior high) are returned as they are; the
    caller decides what they mean.
    """
    # A child born on 1 April legally turns six on 31 March (年齢計算ニ関スル法律: age grows at
    # the end of the day before the birthday), so she belongs to the cohort of the previous
    # fiscal year; shifting the birth date back one day puts every child in her cohort.
    cohort = fiscal_year_of(birth_date - timedelta(days=1))
    return fiscal_year - cohort - 6


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the end of shorter months."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
