"""Japanese era dates (和暦) and fiscal years (年度) for official letters.

Pure functions, no Django. An era starts on the day of the accession, so the
day before belongs to the previous era (2019-04-30 is 平成31年, 2019-05-01 is
令和元年); the first year of an era is written 元年, never 1年.
"""

from __future__ import annotations

import datetime
from typing import Literal

Digits = Literal["half", "full"]

# (first day, name), newest first so the first match wins.
ERAS: tuple[tuple[datetime.date, str], ...] = (
    (datetime.date(2019, 5, 1), "令和"),
    (datetime.date(1989, 1, 8), "平成"),
    (datetime.date(1926, 12, 25), "昭和"),
    (datetime.date(1912, 7, 30), "大正"),
    # 明治 is counted from the Gregorian adoption (明治6年1月1日); earlier
    # dates used the lunisolar calendar and cannot be converted day by day.
    (datetime.date(1873, 1, 1), "明治"),
)

_MEIJI_FIRST_GREGORIAN_YEAR = 6
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class WarekiError(ValueError):
    pass


def era_year(date: datetime.date) -> tuple[str, int]:
    """The era and the year within it, e.g. (令和, 8) for 2026-02-06."""
    if isinstance(date, datetime.datetime):
        date = date.date()
    for start, era in ERAS:
        if date >= start:
            if era == "明治":
                # 明治 began in 1868, before the Gregorian calendar.
                return era, date.year - 1868 + 1
            return era, date.year - start.year + 1
    raise WarekiError(f"{date.isoformat()} is before 明治6年 (1873) and has no Gregorian 和暦")


def era_year_number(date: datetime.date) -> int:
    """The era year alone, as used in document numbers (8 in 「8泊児育第0123号」)."""
    return era_year(date)[1]


def to_full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _number(value: int, digits: Digits) -> str:
    if digits not in ("half", "full"):
        raise WarekiError(f"digits must be 'half' or 'full', not {digits!r}")
    text = str(value)
    return to_full_width(text) if digits == "full" else text


def _year_label(year: int, digits: Digits) -> str:
    return "元" if year == 1 else _number(year, digits)


def to_wareki(date: datetime.date, *, digits: Digits = "half") -> str:
    """令和8年2月6日; 令和元年5月1日; full-width digits on request."""
    era, year = era_year(date)
    return (
        f"{era}{_year_label(year, digits)}年"
        f"{_number(date.month, digits)}月{_number(date.day, digits)}日"
    )


def to_wareki_month(date: datetime.date, *, digits: Digits = "half") -> str:
    """令和9年4月: for start months and hold periods stated by month."""
    era, year = era_year(date)
    return f"{era}{_year_label(year, digits)}年{_number(date.month, digits)}月"


def fiscal_year(date: datetime.date) -> int:
    """The 年度 (April–March) a date falls in, as the Gregorian year it starts in."""
    return date.year if date.month >= 4 else date.year - 1


def fiscal_year_label(year: int, *, digits: Digits = "half") -> str:
    """令和9年度 for fiscal year 2027.

    Named after the era of the year's first day, 1 April: fiscal 2019 is
    平成31年度 (documents written after 1 May 2019 may also call it 令和元年度;
    a city that wants that writes the label in its template instead).
    """
    era, era_y = era_year(datetime.date(year, 4, 1))
    return f"{era}{_year_label(era_y, digits)}年度"


__all__ = [
    "ERAS",
    "WarekiError",
    "era_year",
    "era_year_number",
    "fiscal_year",
    "fiscal_year_label",
    "to_full_width",
    "to_wareki",
    "to_wareki_month",
]
