import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment.letters.wareki import (
    ERAS,
    WarekiError,
    era_year,
    era_year_number,
    fiscal_year,
    fiscal_year_label,
    to_wareki,
    to_wareki_month,
)

D = datetime.date


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (D(2026, 2, 6), "令和8年2月6日"),
        (D(2019, 4, 30), "平成31年4月30日"),
        (D(2019, 5, 1), "令和元年5月1日"),
        (D(2019, 12, 31), "令和元年12月31日"),
        (D(2020, 1, 1), "令和2年1月1日"),
        (D(1989, 1, 7), "昭和64年1月7日"),
        (D(1989, 1, 8), "平成元年1月8日"),
        (D(1990, 1, 1), "平成2年1月1日"),
        (D(1926, 12, 24), "大正15年12月24日"),
        (D(1926, 12, 25), "昭和元年12月25日"),
        (D(1912, 7, 29), "明治45年7月29日"),
        (D(1912, 7, 30), "大正元年7月30日"),
        (D(1873, 1, 1), "明治6年1月1日"),
    ],
)
def test_it_writes_era_dates_exactly_at_the_boundaries(date, expected):
    assert to_wareki(date) == expected


def test_it_writes_full_width_digits_on_request():
    assert to_wareki(D(2026, 2, 6), digits="full") == "令和８年２月６日"
    assert to_wareki(D(2019, 5, 1), digits="full") == "令和元年５月１日"
    assert to_wareki(D(2028, 12, 25), digits="full") == "令和１０年１２月２５日"


def test_it_refuses_unknown_digit_styles():
    with pytest.raises(WarekiError):
        to_wareki(D(2026, 2, 6), digits="kanji")


def test_it_refuses_dates_before_the_gregorian_calendar():
    with pytest.raises(WarekiError):
        to_wareki(D(1872, 12, 31))


def test_it_accepts_datetimes():
    assert to_wareki(datetime.datetime(2019, 5, 1, 0, 0)) == "令和元年5月1日"


def test_it_gives_the_era_year_for_document_numbers():
    assert era_year(D(2026, 2, 6)) == ("令和", 8)
    assert era_year_number(D(2026, 2, 6)) == 8
    assert era_year_number(D(2027, 2, 5)) == 9
    assert era_year_number(D(2019, 4, 30)) == 31
    assert era_year_number(D(2019, 5, 1)) == 1


def test_it_writes_months_for_hold_periods():
    assert to_wareki_month(D(2027, 4, 1)) == "令和9年4月"
    assert to_wareki_month(D(2019, 5, 20)) == "令和元年5月"


@pytest.mark.parametrize(
    ("date", "year"),
    [(D(2027, 3, 31), 2026), (D(2027, 4, 1), 2027), (D(2027, 12, 31), 2027), (D(2028, 1, 1), 2027)],
)
def test_it_counts_fiscal_years_from_april(date, year):
    assert fiscal_year(date) == year


def test_it_labels_fiscal_years_by_the_era_of_1_april():
    assert fiscal_year_label(2027) == "令和9年度"
    assert fiscal_year_label(2020) == "令和2年度"
    assert fiscal_year_label(2019) == "平成31年度"
    assert fiscal_year_label(1989) == "平成元年度"
    assert fiscal_year_label(2027, digits="full") == "令和９年度"


@given(st.dates(min_value=D(1873, 1, 1), max_value=D(2100, 12, 31)))
def test_it_maps_every_date_back_to_its_gregorian_year(date):
    era, year = era_year(date)
    start = next(start for start, name in ERAS if name == era)
    assert start <= date
    first_year = 1868 if era == "明治" else start.year
    assert first_year + year - 1 == date.year
    text = to_wareki(date)
    assert text.startswith(era)
    assert ("元年" in text) == (year == 1)
    assert text.endswith(f"{date.month}月{date.day}日")


@given(st.dates(min_value=D(1873, 1, 2), max_value=D(2100, 12, 31)))
def test_it_changes_era_only_forward_and_restarts_at_gannen(date):
    before = era_year(date - datetime.timedelta(days=1))
    after = era_year(date)
    if before[0] == after[0]:
        assert after[1] in (before[1], before[1] + 1)
    else:
        assert after[1] == 1
