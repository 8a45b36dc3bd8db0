"""文書番号: one gap-free series per fiscal year, even when workers issue at the same moment."""

import datetime
import threading

import pytest
from django.db import connection

from enrollment.models import DocumentNumberSeries
from enrollment.services.letters import document_number_next, document_numbers_reserve
from tests import builders as b

pytestmark = pytest.mark.django_db


def test_it_numbers_letters_sequentially_within_a_fiscal_year():
    fy = b.fiscal_year(2027)
    day = datetime.date(2027, 2, 5)
    numbers = [document_number_next(fiscal_year=fy, issue_date=day) for _ in range(3)]
    assert numbers == [(1, "9泊児育第0001号"), (2, "9泊児育第0002号"), (3, "9泊児育第0003号")]


def test_it_keeps_a_separate_series_for_each_fiscal_year():
    fy27, fy28 = b.fiscal_year(2027), b.fiscal_year(2028)
    document_numbers_reserve(fiscal_year=fy27, issue_date=datetime.date(2027, 2, 5), count=5)
    assert document_number_next(fiscal_year=fy28, issue_date=datetime.date(2028, 2, 4)) == (1, "10泊児育第0001号")
    assert document_number_next(fiscal_year=fy27, issue_date=datetime.date(2027, 2, 5))[0] == 6


def test_it_writes_the_era_year_of_the_issue_date_and_the_office_of_the_series():
    fy = b.fiscal_year(2019)
    DocumentNumberSeries.objects.create(fiscal_year=fy, office_abbreviation="泊子育", last_serial=122)
    # 2019-04-30 is still 平成31年; the first year of 令和 begins the next day.
    assert document_number_next(fiscal_year=fy, issue_date=datetime.date(2019, 4, 30)) == (123, "31泊子育第0123号")
    assert document_number_next(fiscal_year=fy, issue_date=datetime.date(2019, 5, 1)) == (124, "1泊子育第0124号")


def test_it_reserves_consecutive_blocks():
    fy = b.fiscal_year(2027)
    day = datetime.date(2027, 2, 5)
    first = document_numbers_reserve(fiscal_year=fy, issue_date=day, count=3)
    second = document_numbers_reserve(fiscal_year=fy, issue_date=day, count=2)
    assert [serial for serial, _ in first + second] == [1, 2, 3, 4, 5]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_never_gives_one_number_twice_when_workers_issue_at_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    fy = b.fiscal_year(2027)
    day = datetime.date(2027, 2, 5)
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            for _ in range(25):
                results.append(document_number_next(fiscal_year=fy, issue_date=day)[0])
        except BaseException as error:  # surfaced below, with the thread's traceback lost otherwise
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == list(range(1, 201))
    assert DocumentNumberSeries.objects.get(fiscal_year=fy).last_serial == 200
