"""An operator on a phone: this month's roster with a new joiner, both exports read back, and
children checked in at a KoKoA session; axe-core finds nothing on any operator page."""

import datetime
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = pytest.mark.e2e


@pytest.fixture
def city(transactional_db):
    from django.utils import timezone

    from tests import builders as b
    from tests.operator import operator_builders as ob

    today = timezone.localdate()
    operator = b.operator(name="社会福祉法人 こもれび会")
    club = b.club(operator=operator, name="こもれび学童クラブ")
    ob.enrolled_child(club, start=today.replace(day=1), family_name="新井", given_name="はるか",
                      family_kana="アライ", given_kana="ハルカ", care_notes="卵アレルギー", care_notes_shared=True)
    ob.enrolled_child(club, start=datetime.date(today.year - 1, 4, 1), family_name="古川", given_name="𠮷太",
                      family_kana="フルカワ", given_kana="キチタ")
    ob.waiting_application(club)
    committee = b.operator(kind="kokoa_committee", name="泊江第一小KoKoA運営委員会")
    programme = ob.kokoa_programme(committee, school=club.school, name="KoKoA だいいち")
    session = ob.special_session(programme, today, title="けん玉教室")
    regular = ob.regular_session(programme, 2, title="水曜日")
    first, _r1 = ob.kokoa_child(programme, weekdays=[2], family_name="森", given_name="一花",
                                family_kana="モリ", given_kana="イチカ")
    second, _r2 = ob.kokoa_child(programme, weekdays=[2], family_name="林", given_name="二郎",
                                 family_kana="ハヤシ", given_kana="ジロウ")
    return {"operator": operator, "club": club, "committee": committee, "programme": programme,
            "session": session, "regular": regular, "children": (first, second), "today": today}


def test_an_operator_opens_the_roster_exports_it_and_checks_children_in(
        page, city, login_as, screenshot, assert_no_axe_violations, assert_no_console_errors):
    from enrollment.models import KokoaAttendance
    from tests import builders as b

    # The shell has no favicon yet; Chromium's request for one is not what this test is about.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    login_as(page, b.operator_user(city["operator"], display_name="こもれび 担当"))
    page.goto("/operator/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="こもれび学童クラブ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("在籍児童名簿：こもれび学童クラブ")
    expect(page.get_by_role("heading", level=2, name=re.compile("の在籍児童"))).to_contain_text("今月")

    new_card = page.locator(".roster-card", has_text="新井 はるか")
    expect(new_card).to_have_class(re.compile("roster-card--new"))
    expect(new_card.locator(".tag--new")).to_contain_text("今月から入所")
    expect(new_card).to_contain_text("卵アレルギー")
    steady_card = page.locator(".roster-card", has_text="古川 𠮷太")
    expect(steady_card.locator(".tag--new")).to_have_count(0)
    expect(page.locator(".figures")).to_contain_text("入所待ち")
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert_no_axe_violations(page)
    screenshot(page, "operator-roster-390")

    with page.expect_download() as excel:
        page.get_by_role("link", name="Excelでダウンロード").click()
    assert excel.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(excel.value.path()).read_bytes()))
    rows = list(workbook["名簿"].iter_rows(values_only=True))
    names = {row[1]: row[0] for row in rows[1:]}
    assert names == {"新井 はるか": "今月入所", "古川 𠮷太": None}

    with page.expect_download() as pdf:
        page.get_by_role("link", name="印刷用PDFでダウンロード").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(pdf.value.path()).read_bytes())).pages)
    assert "こもれび学童クラブ" in text and "新井 はるか" in text and "古川 𠮷太" in text

    # Another month through the picker: htmx swaps only the roster.
    page.get_by_label("月", exact=True).fill("2020-04")
    page.get_by_role("button", name="表示").click()
    expect(page.locator("#roster")).to_contain_text("この月に在籍している児童はいません。")
    expect(page).to_have_url(re.compile(r"month=2020-04"))
    # htmx keeps no copy of the children's data in the browser's storage for the back button.
    assert "新井" not in page.evaluate(
        "() => JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])")
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/operator/clubs/{city['club'].pk}/roster/")
    assert_no_axe_violations(page)
    screenshot(page, "operator-roster-1280")
    assert_no_console_errors(page)

    # KoKoA safety staff: the committee's own account.
    page.set_viewport_size({"width": 390, "height": 844})
    login_as(page, b.operator_user(city["committee"]))
    page.goto("/operator/")
    page.get_by_role("link", name="KoKoA だいいち").click()
    expect(page.get_by_role("heading", level=3, name=re.compile("水曜日"))).to_contain_text("2人")
    assert_no_axe_violations(page)
    screenshot(page, "operator-kokoa-programme-390")
    page.get_by_role("link", name="けん玉教室").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("出欠確認"))).to_be_visible()
    assert_no_axe_violations(page)

    first, second = city["children"]
    first_row = page.locator(f"#child-{first.public_id}")
    first_row.get_by_role("button", name=re.compile("^出席")).click()
    expect(first_row.locator(".tag--present")).to_have_text("出席")
    expect(first_row.get_by_role("button", name=re.compile("^出席"))).to_have_attribute("aria-pressed", "true")
    expect(first_row.get_by_role("button", name=re.compile("^出席"))).to_be_focused()
    second_row = page.locator(f"#child-{second.public_id}")
    second_row.get_by_role("button", name=re.compile("^出席")).click()
    expect(second_row.locator(".tag--present")).to_be_visible()
    second_row.get_by_role("button", name=re.compile("^いま帰宅")).click()
    expect(second_row.locator(".tag--left")).to_have_text(re.compile(r"^\d\d:\d\dに帰宅$"))
    expect(page.locator("#check-in-counts")).to_contain_text("帰宅1")
    expect(page.locator("#check-in-announcer")).to_have_text("林 二郎さんの出欠を記録しました。")
    assert_no_axe_violations(page)
    screenshot(page, "operator-kokoa-check-in-390")
    assert_no_console_errors(page)

    statuses = dict(KokoaAttendance.objects.filter(session=city["session"], date=city["today"])
                    .values_list("child_id", "status"))
    assert statuses == {first.pk: "present", second.pk: "left"}


def test_check_in_works_without_javascript(browser, live_server, city, login_as):
    from enrollment.models import KokoaAttendance
    from tests import builders as b

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP",
                                  base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        login_as(page, b.operator_user(city["committee"]))
        page.goto(f"/operator/kokoa/sessions/{city['session'].pk}/")
        first, _second = city["children"]
        row = page.locator(f"#child-{first.public_id}")
        row.get_by_role("button", name=re.compile("^欠席")).click()
        expect(page.get_by_role("status").first).to_contain_text("森 一花さんの出欠を記録しました。")
        expect(page.locator(f"#child-{first.public_id} .tag--absent")).to_have_text("欠席")
        assert KokoaAttendance.objects.get(child=first).status == "absent"
    finally:
        context.close()
