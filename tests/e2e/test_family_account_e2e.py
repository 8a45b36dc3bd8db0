"""A new family in a real browser at 390 px: sign up, confirm the e-mail, enter the household.

The sign-up form is filled with the keyboard alone; every page (error states included) is
checked with axe-core; screenshots are kept in test-artifacts/screenshots/family-account-*.png.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from enrollment.models import Child, Guardian, User

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-family-password-5821"


def overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def check(page, name, assert_no_axe_violations, screenshot):
    assert overflow(page) <= 0, f"{name}: the page scrolls sideways"
    assert_no_axe_violations(page)
    screenshot(page, f"family-account-{name}")


def assert_no_csp_violations(page):
    """Script errors and CSP violations fail the test, with two known exceptions outside this
    area: Chromium asks for /favicon.ico (the shell has none), and once in this flow Chromium
    reports a blocked *empty* inline style (the hash below is that of the empty string) that it
    attributes to htmx; nothing is applied, and it did not reproduce in isolation."""
    empty_style = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    errors = [e for e in page.console_errors
              if not e.startswith("Failed to load resource: the server responded with a status of 404")
              and empty_style not in e]
    assert errors == [], "browser console errors:\n" + "\n".join(errors)


def test_a_new_family_signs_up_confirms_and_enters_its_household(
        page, assert_no_axe_violations, screenshot):
    from tests import builders as b

    b.school(name="泊江第一小学校")
    b.school(name="泊江第二小学校")

    # Sign-up: an error state first, then the form filled with the keyboard alone.
    page.goto("/family/account/signup/")
    check(page, "01-signup", assert_no_axe_violations, screenshot)
    page.get_by_role("button", name="アカウントを作成する").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    check(page, "02-signup-errors", assert_no_axe_violations, screenshot)

    page.goto("/family/account/signup/")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("メールアドレス")).to_be_focused()
    page.keyboard.type("Hanako.Tomae@Example.jp")
    page.keyboard.press("Tab")
    expect(page.locator("#id_password1")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("メールを確認してください")
    check(page, "03-signup-sent", assert_no_axe_violations, screenshot)

    # The link from the mail outbox.
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/family/account/confirm/\S+)", mail.outbox[0].body).group(1)
    page.goto(link)
    check(page, "04-confirm", assert_no_axe_violations, screenshot)
    page.get_by_role("button", name="メールアドレスを確認する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("世帯の情報")
    check(page, "05-household-empty", assert_no_axe_violations, screenshot)

    # Address: a wrong postal code first (announced and linked), then full-width digits.
    page.get_by_role("link", name="住所を入力する").click()
    page.get_by_label("郵便番号").fill("201")
    page.locator("#id_address").fill("泊江市中央1-2-3")
    page.locator("#id_phone").fill("０３－１２３４－５６７８")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#id_postal_code_error")).to_contain_text("7桁")
    check(page, "06-address-error", assert_no_axe_violations, screenshot)
    page.get_by_role("link", name=re.compile("^郵便番号")).click()
    expect(page.get_by_label("郵便番号")).to_be_focused()
    page.get_by_label("郵便番号").fill("２０１０００１")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("〒201-0001 泊江市中央1-2-3")).to_be_visible()

    # Two guardians, added in place with htmx; the reason's fieldset follows the reason.
    add_guardian(page, "花子", "はなこ", "work")
    expect(page.locator("#reason-fields")).to_contain_text("月の日数")
    expect(page.locator("#reason-fields")).not_to_contain_text("出産予定日")
    page.get_by_label("月の日数").fill("２０")
    page.get_by_label("1日の時間").fill("8")
    page.get_by_label("14時から18時までの不在時間").fill("4")
    check(page, "07-guardian-inline", assert_no_axe_violations, screenshot)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#household-people [role=status]")).to_contain_text("泊江 花子さんを追加しました。")

    add_guardian(page, "太一", "ﾀｲﾁ", "illness")
    expect(page.locator("#id_illness_level")).to_be_visible()
    expect(page.locator("#id_days_per_month")).to_have_count(0)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#id_illness_level_error")).to_contain_text("選んだ理由には、この項目が必要です。")
    check(page, "08-guardian-error", assert_no_axe_violations, screenshot)
    page.locator("#id_illness_level").select_option("outpatient_3plus")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#household-people [role=status]")).to_contain_text("泊江 太一さんを追加しました。")

    # Two siblings, one with a rare kanji.
    add_child(page, "𠮷男", "よしお", "2019", "6", "15", "泊江第一小学校")
    add_child(page, "葵", "あおい", "2021", "1", "8", "泊江第一小学校")
    check(page, "09-household-complete", assert_no_axe_violations, screenshot)
    assert_no_csp_violations(page)

    user = User.objects.get(email="hanako.tomae@example.jp")
    household = user.household
    assert [g.given_kana for g in household.guardians.order_by("order")] == ["ハナコ", "タイチ"]
    assert Guardian.objects.get(household=household, order=2).illness_level == "outpatient_3plus"
    assert sorted(c.given_name for c in Child.objects.filter(household=household)) == sorted(["𠮷男", "葵"])


def add_guardian(page, given, given_kana, reason):
    page.get_by_role("link", name=re.compile("保護者を追加")).click()
    form = page.locator(".inline-form")
    expect(form.get_by_role("heading", name="保護者を追加")).to_be_focused()
    form.locator("#id_family_name").fill("泊江")
    form.locator("#id_given_name").fill(given)
    form.get_by_label("セイ（フリガナ）").fill("とまえ")
    form.get_by_label("メイ（フリガナ）").fill(given_kana)
    form.locator("#id_reason").select_option(reason)


def add_child(page, given, given_kana, year, month, day, school):
    page.get_by_role("link", name="子どもを追加").click()
    form = page.locator(".inline-form")
    expect(form.get_by_role("heading", name="子どもを追加")).to_be_focused()
    form.locator("#id_family_name").fill("泊江")
    form.locator("#id_given_name").fill(given)
    form.get_by_label("セイ（フリガナ）").fill("とまえ")
    form.get_by_label("メイ（フリガナ）").fill(given_kana)
    form.locator("#id_birth_date_0").fill(year)
    form.locator("#id_birth_date_1").fill(month)
    form.locator("#id_birth_date_2").fill(day)
    form.get_by_label("小学校").select_option(label=school)
    # The grade of the coming school year is announced as soon as the date is complete.
    expect(form.locator("#grade-note")).to_contain_text("年生")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#household-people [role=status]")).to_contain_text(f"泊江 {given}さんを追加しました。")


def test_the_account_pages_pass_axe_including_their_error_states(
        page, login_as, assert_no_axe_violations, screenshot):
    from tests import builders as b

    household = b.household(guardians=2)
    child = b.child(household)
    user = b.family_user(household, email="alice@example.jp")
    login_as(page, user)

    page.goto("/family/account/")
    check(page, "10-account", assert_no_axe_violations, screenshot)
    page.get_by_role("link", name="もう一人の保護者を招待する").click()
    page.get_by_role("button", name="招待を送る").click()
    expect(page.locator("#id_email_error")).to_be_visible()
    check(page, "11-invite-error", assert_no_axe_violations, screenshot)
    page.get_by_label("メールアドレス").fill("bob@example.jp")
    page.get_by_role("button", name="招待を送る").click()
    expect(page.get_by_text("招待を送りました。")).to_be_visible()

    page.goto(f"/family/household/children/{child.public_id}/")
    expect(page.locator("#grade-note")).to_contain_text("年生")
    check(page, "12-child-edit", assert_no_axe_violations, screenshot)
    page.goto(f"/family/household/children/{child.public_id}/remove/")
    check(page, "13-remove-without-js", assert_no_axe_violations, screenshot)
    page.goto("/family/household/guardians/2/")
    check(page, "14-guardian-edit", assert_no_axe_violations, screenshot)

    token = re.search(r"/family/account/invitation/([^/\s]+)/", mail.outbox[-1].body).group(1)
    page.context.clear_cookies()
    page.goto(f"/family/account/invitation/{token}/")
    page.locator("#id_password1").fill("short")
    page.locator("#id_password2").fill("different")
    page.get_by_role("button", name="ログインを作成する").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    check(page, "15-invitation-error", assert_no_axe_violations, screenshot)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="ログインを作成する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("世帯の情報")
    assert User.objects.get(email="bob@example.jp").household_id == household.pk

    page.context.clear_cookies()
    page.goto("/family/account/confirm/resend/")
    page.get_by_role("button", name="リンクを送信").click()
    check(page, "16-resend-error", assert_no_axe_violations, screenshot)
    page.goto("/family/account/confirm/not-a-token/")
    check(page, "17-confirm-bad-link", assert_no_axe_violations, screenshot)


def test_what_is_typed_while_the_reasons_fields_are_on_their_way_is_kept(page, login_as):
    """Choosing a reason re-renders the fields that follow it. The answer is held back here
    until the person has typed into one of those fields: the swap must keep what she typed and
    leave the cursor where it was (before, the answer silently emptied the field, which failed a
    sign-up test in CI whenever the server answered after Playwright had typed)."""
    from tests import builders as b

    household = b.household(guardians=0)
    login_as(page, b.family_user(household, email="typist@example.jp"))
    page.goto("/family/household/guardians/add/")
    page.locator("#id_reason").select_option("work")
    # Settled: the work answer is in (every reason's fields are shown until then).
    expect(page.locator("#reason-fields")).not_to_contain_text("出産予定日")
    expect(page.locator("#id_days_per_month")).to_be_visible()

    held = []

    def hold_the_reason_fields(route):
        if "_reason_fields" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r"/family/household/guardians/add/$"), hold_the_reason_fields)
    # Parental leave keeps the days and hours and adds the date of return.
    page.locator("#id_reason").select_option("parental_leave")
    wait_for(page, held)
    days = page.locator("#id_days_per_month")
    days.click()
    days.press_sequentially("20")
    held[0].continue_()
    # The answer has been swapped in: the field for the new reason is there.
    expect(page.locator("#id_leave_return_date_0")).to_be_visible()
    expect(page.locator("#id_days_per_month")).to_have_value("20")
    expect(page.locator("#id_days_per_month")).to_be_focused()
    page.keyboard.type("1")
    expect(page.locator("#id_days_per_month")).to_have_value("201")


def test_fields_typed_before_the_page_has_narrowed_them_are_kept(page, login_as):
    """The page first shows every reason's fields and asks, on load, for those of the reason
    chosen (none yet). Here that first answer is held back while the person types the days and
    then chooses the reason: the answer, which no longer has her field, is stale; it is not
    used, and the fields come back for her reason with what she typed (this is the order of
    events that failed the sign-up test in CI)."""
    from tests import builders as b

    household = b.household(guardians=0)
    login_as(page, b.family_user(household, email="early@example.jp"))
    held = []

    def hold_the_first_answer(route):
        if "_reason_fields" in (route.request.post_data or "") and not held:
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r"/family/household/guardians/add/$"), hold_the_first_answer)
    page.goto("/family/household/guardians/add/")
    wait_for(page, held)
    expect(page.locator("#reason-fields")).to_contain_text("出産予定日")
    page.locator("#id_days_per_month").fill("18")
    page.locator("#id_reason").select_option("work")
    held[0].continue_()
    expect(page.locator("#reason-fields")).not_to_contain_text("出産予定日")
    expect(page.locator("#id_days_per_month")).to_have_value("18")
    page.locator("#id_family_name").fill("泊江")
    page.locator("#id_given_name").fill("花子")
    page.locator("#id_family_kana").fill("とまえ")
    page.locator("#id_given_kana").fill("はなこ")
    page.locator("#id_hours_per_day").fill("8")
    page.locator("#id_afternoon_hours").fill("4")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page).to_have_url(re.compile(r"/family/household/$"))
    assert Guardian.objects.get(household=household).days_per_month == 18


def wait_for(page, held):
    for _ in range(100):
        if held:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the page sent no request for the reason's fields")
