"""Staff in Chromium: start a run and watch its progress bar finish, start a second run with more
elastic intake, compare the two child by child, commit one after confirming, download the
statistics workbook and read it back; axe-core finds nothing on any of these pages."""

import io
import threading
import time

import pytest
from django.test import override_settings
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# A real queue instead of the tests' in-process tasks, so the browser sees the run queued and
# running; the test plays the worker (``manage.py db_worker`` in production) from a thread.
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                              "QUEUES": ["default", "allocation", "letters"]}}


@pytest.fixture
def city(transactional_db):
    from tests import builders as b
    from tests.staff_runs.builders import applicants, closed_round, small_club

    fy = b.fiscal_year()
    school = b.school(name="泊江第一小学校")
    clubs = [small_club(school, name="ひまわり学童クラブ"), small_club(school, name="さくら学童クラブ")]
    rnd = closed_round(fy, name="一斉申請（一次）")
    applicants(rnd, clubs, 14, school=school)
    return {"round": rnd, "clubs": clubs}


def work_in_background(run_id, delay=1.5):
    """The worker: picks the run up a moment later, so the page shows it waiting first."""
    def work():
        from django.db import connection

        from enrollment.services.runs import allocation_run_execute

        try:
            time.sleep(delay)
            allocation_run_execute(run_id=run_id)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def start_run(page, rnd, *, ratio=None):
    from enrollment.models import AllocationRun

    page.goto(f"/staff/rounds/{rnd.pk}/runs/")
    page.locator("#id_seed").fill("11")
    if ratio is not None:
        page.locator("details.ratios summary").click()
        code, value = ratio
        page.locator(f"#id_ratio_{code}").fill(value)
    page.locator("form[action$='/runs/'] button[type=submit]").click()
    page.wait_for_url("**/staff/runs/*/")
    run = AllocationRun.objects.order_by("-pk").first()
    assert run.status == AllocationRun.Status.QUEUED
    return run


def test_staff_run_compare_commit_and_download_the_statistics(
        page, city, login_as, screenshot, assert_no_axe_violations, assert_no_console_errors):
    from enrollment.models import AllocationRun, Offer
    from tests import builders as b

    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    rnd, clubs = city["round"], city["clubs"]
    login_as(page, b.staff_user(display_name="児童育成課 担当"))
    with override_settings(TASKS=DATABASE_TASKS):
        page.goto("/staff/rounds/")
        assert_no_axe_violations(page)
        page.get_by_role("link", name="一斉申請（一次）").click()
        # axe must read the page the click leads to, not the one being left.
        page.wait_for_url(f"**/staff/rounds/{rnd.pk}/runs/")
        assert_no_axe_violations(page)
        screenshot(page, "staff-runs-start")

        first = start_run(page, rnd)
        progress = page.locator("#run-progress progress")
        expect(progress).to_be_visible()
        assert_no_axe_violations(page)
        screenshot(page, "staff-run-progress")
        worker = work_in_background(first.pk)
        # htmx polls every second; when the run has finished the page reloads with the results.
        expect(page.locator("dl.figures")).to_be_visible(timeout=60_000)
        worker.join()
        expect(page.locator("#run-progress progress")).to_have_count(0)
        expect(page.locator(".chart[role=img]")).to_be_visible()
        assert_no_axe_violations(page)
        screenshot(page, "staff-run-results")
        page.set_viewport_size({"width": 1280, "height": 900})
        screenshot(page, "staff-run-results-wide")
        page.set_viewport_size({"width": 390, "height": 844})

        second = start_run(page, rnd, ratio=(clubs[0].code, "1.20"))
        worker = work_in_background(second.pk, delay=0.5)
        expect(page.locator("dl.figures")).to_be_visible(timeout=60_000)
        worker.join()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.placed, second.placed) == (10, 11)

    page.goto(f"/staff/rounds/{rnd.pk}/runs/")
    page.locator("#id_a").select_option(str(first.pk))
    page.locator("#id_b").select_option(str(second.pk))
    page.locator("form[action$='/compare/'] button[type=submit]").click()
    page.wait_for_url("**/compare/**")
    figures = page.locator("#results dl.figures dd")
    expect(figures.nth(0)).to_have_text("1")  # one child gains a place
    expect(page.locator("#results table tbody tr")).not_to_have_count(0)
    assert_no_axe_violations(page)
    screenshot(page, "staff-run-compare")

    page.goto(f"/staff/runs/{second.pk}/")
    page.locator(f"a[href$='/staff/runs/{second.pk}/commit/']").click()
    page.wait_for_url(f"**/staff/runs/{second.pk}/commit/")
    assert_no_axe_violations(page)
    page.locator("form button[type=submit]").last.click()  # not confirmed yet: refused on the field
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_axe_violations(page)
    page.locator("#id_confirm").check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**/staff/rounds/{rnd.pk}/runs/")
    assert AllocationRun.objects.get(pk=second.pk).status == AllocationRun.Status.COMMITTED
    assert Offer.objects.count() == 11
    assert_no_axe_violations(page)
    screenshot(page, "staff-runs-committed")

    page.goto(f"/staff/stats/?round={rnd.pk}")
    assert_no_axe_violations(page)
    with page.expect_download() as download:
        page.locator(f"form[action$='/stats/{rnd.pk}/statistics.xlsx'] button[type=submit]").click()
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert "待機児童" in book.sheetnames and "5月1日調査" in book.sheetnames
    waiting = list(book["待機児童"].iter_rows(min_row=2, values_only=True))
    assert sum(row[3] for row in waiting) == 3
    screenshot(page, "staff-stats")

    page.goto(f"/staff/?round={rnd.pk}")
    expect(page.locator("svg.chart[role=img]")).to_have_count(2)
    assert_no_axe_violations(page)
    screenshot(page, "staff-dashboard")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "staff-dashboard-wide")
    assert_no_console_errors(page)
