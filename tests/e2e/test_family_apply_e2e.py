"""A family applies in a real browser on a phone: two siblings "same club or none", a draft resumed
on another device, submission and receipt numbers, a returned application corrected, an offer
accepted, a notice of leaving and a withdrawal. axe-core on every page, error states included; the
application itself is completed with the keyboard alone."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enrollment.models import Application, Enrollment, Offer, Round
from enrollment.services.applications import application_accept, application_mark, application_return
from tests import builders as b
from tests.family_apply.builders import HTML, PDF, family

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def tab_to(page, locator, limit=120):
    """Press Tab until ``locator`` has the focus: how a keyboard user gets there."""
    handle = locator.element_handle()
    for _ in range(limit):
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} never got the keyboard focus")


def no_horizontal_scroll(page):
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def check_page(page, name, screenshot, assert_no_axe_violations):
    no_horizontal_scroll(page)
    assert_no_axe_violations(page)
    screenshot(page, f"family-apply-{name}")


def test_a_family_applies_resumes_submits_corrects_accepts_and_withdraws(
        page, browser, live_server, login_as, screenshot, assert_no_axe_violations, assert_no_console_errors):
    f = family()
    check = lambda name: check_page(page, name, screenshot, assert_no_axe_violations)  # noqa: E731
    login_as(page, f.user)
    page.goto("/family/")
    check("01-home")

    # Keyboard only: children, the sibling wish, then 一時保存.
    tab_to(page, page.get_by_role("link", name=re.compile("申請する・続きを入力する")))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("申請")
    tab_to(page, page.get_by_role("button", name="保存して次へ"))
    page.keyboard.press("Enter")  # nothing chosen: the error summary must say so
    expect(page.locator(".error-summary")).to_contain_text("児童を1人以上選んでください")
    check("02-children-error")
    for child in (f.younger, f.elder):
        tab_to(page, page.get_by_label(re.compile(child.given_name)))
        page.keyboard.press("Space")
    tab_to(page, page.get_by_label("同じクラブでなければ利用しない"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="一時保存"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("一時保存しました")
    assert Application.objects.filter(status="draft").count() == 2

    # Resume on another device: a new browser context, signed in afresh.
    other = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP", base_url=live_server.url)
    page = other.new_page()
    page.console_errors = []

    def record(message, tab=page):
        # A form answered 400 with its errors is logged as a failed load of the document itself.
        if message.type == "error" and not (message.text.startswith("Failed to load resource")
                                            and message.location.get("url") == tab.url):
            tab.console_errors.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    login_as(page, f.user)
    page.goto("/family/")
    tab_to(page, page.get_by_role("link", name=re.compile("申請する・続きを入力する")))
    page.keyboard.press("Enter")
    expect(page.get_by_label(re.compile(f.younger.given_name))).to_be_checked()
    tab_to(page, page.get_by_role("button", name="保存して次へ"))
    page.keyboard.press("Enter")

    # Clubs: one shared list for "together"; a repeated club first, to see the error state.
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#choices-u1")).to_contain_text("4件")
    tab_to(page, page.get_by_label("表示するクラブ"))
    page.keyboard.press("ArrowDown")  # only the child's district: updated in place by htmx
    expect(page.locator("#choices-u1")).to_contain_text("3件")
    assert page.url.endswith("/clubs/")
    first, second = page.get_by_label("第1希望"), page.get_by_label("第2希望")
    tab_to(page, first)
    page.keyboard.press("ArrowDown")
    tab_to(page, second)
    page.keyboard.press("ArrowDown")
    assert first.input_value() == second.input_value() != ""
    tab_to(page, page.get_by_role("button", name="保存して次へ"))
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_contain_text("すでに選ばれています")
    check_page(page, "03-clubs-error", screenshot, assert_no_axe_violations)
    second = page.get_by_label("第2希望")
    tab_to(page, second)
    page.keyboard.press("ArrowDown")
    assert second.input_value() != page.get_by_label("第1希望").input_value()
    tab_to(page, page.get_by_role("button", name="保存して次へ"))
    page.keyboard.press("Enter")

    # KoKoA (no programme at this school yet), then documents.
    expect(page).to_have_url(re.compile(r"/kokoa/$"))
    check_page(page, "04-kokoa", screenshot, assert_no_axe_violations)
    tab_to(page, page.get_by_role("button", name="保存して次へ"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/documents/$"))
    page.get_by_label("書類の種類").select_option("employment")
    page.get_by_label("ファイル").set_input_files(files=[{"name": "shuro.pdf", "mimeType": "application/pdf",
                                                       "buffer": HTML}])
    page.get_by_role("button", name="アップロード", exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text("PDF、JPEG、PNGのいずれでもありません")
    check_page(page, "05-documents-error", screenshot, assert_no_axe_violations)
    page.get_by_label("書類の種類").select_option("employment")
    page.get_by_label("どの保護者の書類ですか").select_option("1")
    page.get_by_label("ファイル").set_input_files(files=[{"name": "就労証明書.pdf", "mimeType": "application/pdf",
                                                       "buffer": PDF}])
    page.get_by_role("button", name="アップロード", exact=True).click()
    expect(page.locator(".doc-list")).to_contain_text("就労証明書.pdf")
    check_page(page, "06-documents", screenshot, assert_no_axe_violations)
    tab_to(page, page.get_by_role("button", name="保存して次へ"))
    page.keyboard.press("Enter")

    # The confirmation screen, then submission by keyboard.
    expect(page).to_have_url(re.compile(r"/confirm/$"))
    expect(page.locator(".points-table").first).to_be_visible()
    check_page(page, "07-confirm", screenshot, assert_no_axe_violations)
    page.set_viewport_size({"width": 360, "height": 740})  # the narrowest phone the issue names
    no_horizontal_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})
    tab_to(page, page.get_by_role("button", name="申請を提出する"))
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_contain_text("チェックを入れてください")
    check_page(page, "08-confirm-error", screenshot, assert_no_axe_violations)
    tab_to(page, page.get_by_label("入力した内容が事実であり"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="申請を提出する"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("申請を提出しました")
    numbers = sorted(Application.objects.values_list("receipt_number", flat=True))
    assert len(numbers) == 2 and all(numbers)
    for number in numbers:
        expect(page.locator(".receipt-list")).to_contain_text(number)
    check_page(page, "09-receipt", screenshot, assert_no_axe_violations)
    assert Application.objects.count() == 2

    # Returned for correction, corrected and resubmitted.
    staff = b.staff_user()
    younger_app = Application.objects.get(child=f.younger)
    application_return(application=younger_app, actor=staff, comment="就労証明書の発行日が古いため、再提出してください。")
    page.goto(f"/family/applications/{younger_app.public_id}/")
    expect(page.locator("main")).to_contain_text("就労証明書の発行日が古いため")
    check_page(page, "10-returned", screenshot, assert_no_axe_violations)
    page.get_by_role("link", name="修正して再提出する").click()
    for next_step in ("kokoa", "documents", "confirm"):
        page.get_by_role("button", name="保存して次へ").click()
        expect(page).to_have_url(re.compile(rf"/{next_step}/$"))
    page.get_by_label("入力した内容が事実であり").check()
    page.get_by_role("button", name="申請を提出する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請を提出しました")
    younger_app.refresh_from_db()
    assert younger_app.status == "submitted"

    # An offer, accepted after its confirmation step.
    younger_app = application_accept(application=younger_app, actor=staff)
    application_mark(application=younger_app, transition="offer", actor=staff)
    Offer.objects.create(application=younger_app, club=f.clubs[0],
                         respond_by=datetime.date.today() + datetime.timedelta(days=10))
    # Families see an offer only once staff have published the round's results.
    Round.objects.filter(pk=f.round.pk).update(publish_at=timezone.now())
    page.goto(f"/family/applications/{younger_app.public_id}/")
    expect(page.locator(".result-panel")).to_contain_text(f.clubs[0].name)
    check_page(page, "11-offer", screenshot, assert_no_axe_violations)
    page.get_by_role("link", name="入所を承諾する").click()
    page.get_by_role("button", name="入所を承諾する").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check_page(page, "12-accept-error", screenshot, assert_no_axe_violations)
    page.get_by_label(re.compile("入所を承諾します")).check()
    page.get_by_role("button", name="入所を承諾する").click()
    expect(page.get_by_role("status").first).to_contain_text("入所を承諾しました")
    younger_app.refresh_from_db()
    assert younger_app.status == "decided"

    # Notice of leaving the club (退所届), with a date.
    enrollment = Enrollment.objects.get(application=younger_app)
    leave = enrollment.start_date + datetime.timedelta(days=90)
    page.get_by_role("link", name="退所届を出す").click()
    page.wait_for_url(re.compile(r"/leave/$"))
    check_page(page, "13-leave", screenshot, assert_no_axe_violations)
    page.get_by_label("年", exact=True).fill(str(leave.year))
    page.get_by_label("月", exact=True).fill(str(leave.month))
    page.get_by_label("日", exact=True).fill(str(leave.day))
    page.get_by_label(re.compile("退所することを届け出ます")).check()
    page.get_by_role("button", name="退所を届け出る").click()
    expect(page.get_by_role("status").first).to_contain_text("退所届を受け付けました")
    enrollment.refresh_from_db()
    assert enrollment.end_date == leave

    # The sibling's application is withdrawn.
    elder_app = Application.objects.get(child=f.elder)
    page.goto(f"/family/applications/{elder_app.public_id}/")
    page.get_by_role("link", name="申請を取り下げる").click()
    page.wait_for_url(re.compile(r"/withdraw/$"))
    check_page(page, "14-withdraw", screenshot, assert_no_axe_violations)
    page.get_by_label(re.compile("この申請を取り下げます")).check()
    page.get_by_role("button", name="申請を取り下げる").click()
    elder_app.refresh_from_db()
    assert elder_app.status == "withdrawn"
    page.goto("/family/")
    check_page(page, "15-home-after", screenshot, assert_no_axe_violations)
    assert_no_console_errors(page)
    other.close()


def _save(page):
    page.locator("main").get_by_role("button", name="保存", exact=True).first.click()


def test_a_new_family_signs_up_enters_two_guardians_and_two_siblings_and_applies(
        page, screenshot, assert_no_axe_violations):
    from django.core import mail

    from enrollment.models import User

    fy = b.fiscal_year(2027)
    school = b.school(name="泊江第一小学校")
    clubs = [b.club(school=school, name=f"第一小学童クラブ{n}") for n in (1, 2)]
    rnd = b.round_(fy)

    page.goto("/family/account/signup/")
    page.locator("#id_email").fill("new.family@example.jp")
    page.locator("#id_password1").fill(b.PASSWORD)
    page.locator("#id_password2").fill(b.PASSWORD)
    page.locator("main form button[type=submit]").click()
    # The sign-up page has a heading too: wait for the page that says the mail was sent.
    expect(page.get_by_role("heading", level=1)).to_have_text("メールを確認してください")
    link = re.search(r"https?://\S+/family/account/confirm/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/family/household/"))

    page.goto("/family/household/edit/")
    page.locator("#id_postal_code").fill("2010001")
    page.locator("#id_address").fill("泊江市中央1-2-3")
    page.locator("#id_phone").fill("0312345678")
    _save(page)
    expect(page).to_have_url(re.compile(r"/family/household/$"))
    for given, kana in (("花子", "はなこ"), ("太郎", "たろう")):
        page.goto("/family/household/guardians/add/")
        page.locator("#id_family_name").fill("泊江")
        page.locator("#id_given_name").fill(given)
        page.locator("#id_family_kana").fill("とまえ")
        page.locator("#id_given_kana").fill(kana)
        page.locator("#id_reason").select_option("work")
        page.locator("#id_days_per_month").fill("20")
        page.locator("#id_hours_per_day").fill("8")
        page.locator("#id_afternoon_hours").fill("4")
        _save(page)
        expect(page).to_have_url(re.compile(r"/family/household/$"))
    for given, kana, born in (("一郎", "いちろう", (2020, 5, 1)), ("花", "はな", (2018, 6, 1))):
        page.goto("/family/household/children/add/")
        page.locator("#id_family_name").fill("泊江")
        page.locator("#id_given_name").fill(given)
        page.locator("#id_family_kana").fill("とまえ")
        page.locator("#id_given_kana").fill(kana)
        for part, value in zip(range(3), born):
            page.locator(f"#id_birth_date_{part}").fill(str(value))
        page.locator("#id_school").select_option(school.code)
        _save(page)
        expect(page).to_have_url(re.compile(r"/family/household/$"))
    user = User.objects.get(email="new.family@example.jp")
    assert user.household.guardians.count() == 2 and user.household.children.count() == 2

    page.goto(f"/family/apply/{rnd.pk}/")
    for child in user.household.children.all():
        page.get_by_label(re.compile(child.given_name)).check()
    page.get_by_label("同じクラブでなければ利用しない").check()
    page.get_by_role("button", name="保存して次へ").click()
    page.get_by_label("第1希望").select_option(str(clubs[0].pk))
    page.get_by_label("第2希望").select_option(str(clubs[1].pk))
    for next_step in ("kokoa", "documents", "confirm"):
        page.get_by_role("button", name="保存して次へ").click()
        expect(page).to_have_url(re.compile(rf"/{next_step}/$"))
    page.get_by_label("入力した内容が事実であり").check()
    page.get_by_role("button", name="申請を提出する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請を提出しました")
    numbers = list(Application.objects.filter(child__household=user.household).values_list("receipt_number",
                                                                                            flat=True))
    assert len(numbers) == 2 and all(numbers)
    assert any(all(n in message.body for n in numbers) for message in mail.outbox)
    assert_no_axe_violations(page)
    screenshot(page, "family-apply-signup-receipt")
