"""Staff letter pages in a real browser at 390 px and 1280 px: no sideways scroll, no axe
violations, the mailing's progress updates by itself, the wording editor shows every error.
Screenshots in test-artifacts/screenshots/staff-letters-*.png."""

import json

import pytest
from playwright.sync_api import expect

from enrollment.models import Letter, LetterBatch
from tests import builders as b
from tests.letters_django import builders as lb

pytestmark = pytest.mark.e2e


def overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def check(page, name, assert_no_axe_violations, screenshot):
    assert overflow(page) <= 0, f"{name}: the page scrolls sideways"
    assert_no_axe_violations(page)
    screenshot(page, f"staff-letters-{name}")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, f"staff-letters-{name}-wide")
    page.set_viewport_size({"width": 390, "height": 844})


def test_staff_follow_a_mailing_open_a_letter_and_fix_the_wording(page, login_as, assert_no_axe_violations,
                                                                  screenshot):
    fy = b.fiscal_year(2027)
    club = b.club(name="泊江第一学童クラブ", floor_area_m2=3)
    rnd = lb.closed_round(fy)
    staff = b.staff_user()
    lb.accepted(rnd, [club], household=b.household(postal_code="201-0001"))
    lb.accepted(rnd, [club], household=b.household(postal_code="201-0002", guardians=1, arrears_months=4))
    lb.accepted(rnd, [club], given_name="\U000f0001")  # flagged: no font has it
    run = lb.commit(rnd, staff)
    login_as(page, staff)

    page.goto("/staff/letters/")
    expect(page.get_by_role("heading", name="発行前に確認が必要な通知書")).to_be_visible()
    check(page, "index", assert_no_axe_violations, screenshot)

    batch = LetterBatch.objects.get(run=run)
    LetterBatch.objects.filter(pk=batch.pk).update(status=LetterBatch.Status.RUNNING, progress=30)
    page.get_by_role("link", name=str(rnd)).click()
    expect(page.locator("progress")).to_have_attribute("value", "30")
    check(page, "run-running", assert_no_axe_violations, screenshot)
    LetterBatch.objects.filter(pk=batch.pk).update(status=LetterBatch.Status.DONE, progress=100)
    expect(page.get_by_role("link", name="郵送用PDFをダウンロード")).to_be_visible(timeout=6000)  # polled by htmx

    letter = Letter.objects.filter(run=run, status=Letter.Status.ISSUED).order_by("serial").first()
    page.get_by_role("link", name=letter.document_number).click()
    expect(page.get_by_role("heading", name=f"通知書 {letter.document_number}")).to_be_visible()
    check(page, "detail", assert_no_axe_violations, screenshot)

    page.goto("/staff/letters/templates/2027/waitlist/")
    editor = page.get_by_label("文面（JSON）")
    data = json.loads(editor.input_value())
    data["title"] = "{nickname}の通知"
    editor.fill(json.dumps(data, ensure_ascii=False, indent=2))
    page.get_by_role("button", name="新しい版として保存").click()
    expect(page.get_by_text("不明な差し込み項目 {nickname}（表題）")).to_be_visible()
    check(page, "template-errors", assert_no_axe_violations, screenshot)
