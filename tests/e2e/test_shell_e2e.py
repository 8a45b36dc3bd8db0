"""The shell in a real browser: phone layout, keyboard, language, sign-in, accessibility."""

import re

import pytest
from playwright.sync_api import expect

from tests import builders
from tests.builders import PASSWORD

pytestmark = pytest.mark.e2e


def horizontal_overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_it_fits_a_360_px_phone_without_horizontal_scrolling(page, login_as, screenshot):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    assert horizontal_overflow(page) <= 0
    page.goto("/login/")
    # The empty form is posted (novalidate) and comes back with its errors: measure that
    # page, not the one being left (measuring mid-navigation found no document).
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()
    assert horizontal_overflow(page) <= 0
    operator = builders.operator(name="特定非営利活動法人 とまえ放課後こどもの居場所づくりネットワーク")
    builders.club(operator=operator, name="泊江市立泊江第一小学校区第二学童クラブ分室（仮設）")
    login_as(page, builders.operator_user(operator, display_name="非常に長い名前の運営事業者担当者さん"))
    page.goto("/operator/")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "shell-operator-home-360")


def test_it_lets_keyboard_users_skip_to_the_main_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="本文へ移動")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab continues from the main content, not from the header.
    page.keyboard.press("Tab")
    focused_in_main = page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert focused_in_main


def test_it_switches_to_english_and_back(page, assert_no_console_errors):
    page.goto("/login/")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_role("button", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")
    assert_no_console_errors(page)


def test_it_signs_a_family_in_and_lands_on_the_family_home(page, screenshot):
    user = builders.family_user(email="hanako@example.jp")
    page.goto("/login/")
    page.get_by_label("メールアドレス").fill("Hanako@Example.jp")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/family/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("マイページ")
    expect(page.locator(".account__role")).to_have_text("家庭")
    screenshot(page, "shell-family-home-390")

    page.get_by_role("button", name="ログアウト").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status")).to_contain_text("ログアウトしました")
    assert user.email == "hanako@example.jp"


def test_it_announces_and_links_a_login_error(page):
    builders.staff_user(email="staff@city.example.jp")
    page.goto("/login/")
    page.get_by_label("メールアドレス").fill("staff@city.example.jp")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("職員用ログインページ")
    expect(summary).to_be_focused()
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_it_sends_a_family_to_404_on_the_staff_dashboard(page, login_as):
    login_as(page, builders.family_user())
    response = page.goto("/staff/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("ページが見つかりません")


USER_BUILDERS = {
    "family": builders.family_user,
    "staff": builders.staff_user,
    "staff-readonly": lambda: builders.staff_user(read_only=True),
    "operator": lambda: operator_with_clubs(),
}


def operator_with_clubs():
    operator = builders.operator(name="社会福祉法人 こもれび会")
    builders.club(operator=operator, name="泊江第一小学童クラブ")
    builders.club(operator=operator, name="泊江第一小第二学童クラブ")
    return builders.operator_user(operator, display_name="運営 一郎")


@pytest.mark.parametrize("path, role, name", [
    ("/", None, "home"),
    ("/login/", None, "login"),
    ("/staff/login/", None, "staff-login"),
    ("/password-reset/", None, "password-reset"),
    ("/family/", "family", "family-home"),
    ("/staff/", "staff", "staff-dashboard"),
    ("/staff/", "staff-readonly", "staff-dashboard-readonly"),
    ("/operator/", "operator", "operator-home"),
    ("/account/password/", "staff", "password-change"),
    ("/no-such-page/", None, "not-found"),
])
def test_it_has_no_axe_violations(page, login_as, screenshot, assert_no_axe_violations,
                                  assert_no_console_errors, path, role, name):
    if role:
        login_as(page, USER_BUILDERS[role]())
    page.goto(path)
    assert_no_axe_violations(page)
    assert_no_console_errors(page)
    screenshot(page, f"shell-{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_no_axe_violations(page)
    screenshot(page, f"shell-{name}-1280")


def test_it_has_no_axe_violations_with_a_login_error_shown(page, assert_no_axe_violations, screenshot):
    page.goto("/login/")
    page.get_by_label("メールアドレス").fill("nobody@example.jp")
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_axe_violations(page)
    screenshot(page, "shell-login-error-390")


def test_it_has_no_axe_violations_in_english(page, live_server, login_as,
                                            assert_no_axe_violations):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    login_as(page, builders.operator_user(builders.operator(name="社会福祉法人 こもれび会")))
    page.goto("/operator/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".account__role")).to_have_text("Club operator: 社会福祉法人 こもれび会")
    assert_no_axe_violations(page)


def test_the_axe_helper_fails_listing_rule_and_target(page, assert_no_axe_violations):
    page.goto("/")
    page.evaluate("""() => {
        const img = document.createElement('img');
        img.src = '/static/does-not-matter.png';
        img.id = 'unlabelled';
        document.querySelector('main').appendChild(img);
    }""")
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_no_axe_violations(page)
    assert "image-alt" in str(failure.value)
    assert "#unlabelled" in str(failure.value)


def test_it_runs_under_a_policy_that_blocks_injected_inline_scripts(page):
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.appendChild(script);
    }""")
    assert page.evaluate("() => window.injected === undefined")
    # Our own htmx still loads from our static files.
    assert page.evaluate("() => typeof window.htmx === 'object' && htmx.version.startsWith('2.')")
    # Configured from the <meta> so htmx never injects the inline <style> the policy would refuse.
    assert page.evaluate("() => htmx.config.includeIndicatorStyles === false && htmx.config.allowEval === false")
