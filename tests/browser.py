"""Browser tests (loaded for every test folder as the plugin -p tests.browser): Django's live
server and Debian's Chromium driven by Playwright's sync API.

Fixtures and helpers for every end-to-end test:
  page                      a fresh browser tab at 390x844 (a phone), Japanese, base_url = live server
  login_as(page, user)      signs the tab in as that user (session cookie; the login form itself
                            is covered by test_shell_e2e)
  (the helpers are fixtures: ask for them by name, call them as shown)
  screenshot(page, name)    full-page PNG in test-artifacts/screenshots/<name>.png
  assert_no_axe_violations(page)
                            runs axe-core in the page and fails listing every violation
  assert_no_console_errors(page)
                            fails on browser console errors, which is where CSP violations show

Build rows with tests.builders (every account's password is builders.PASSWORD).
Chromium comes from Debian (`make browser`); Playwright never downloads a browser here.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM
# calls from the test body (builders, assertions on rows) as if they came from async code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}

# Until settings.MIDDLEWARE lists them, the live server gets the shell's middleware so the
# browser runs under the real content security policy. A no-op once settings has them.
SHELL_MIDDLEWARE = [
    "enrollment.middleware.ContentSecurityPolicyMiddleware",
    "enrollment.middleware.IdleSessionTimeoutMiddleware",
]


@pytest.fixture(scope="session")
def live_server(request):
    from django.conf import settings
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    missing = [name for name in SHELL_MIDDLEWARE if name not in settings.MIDDLEWARE]
    # The server thread builds its middleware chain once, at start; the override is needed only
    # until then, so the rest of the test session keeps the project's own settings.
    with override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, *missing]):
        server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run `make browser` "
                    "(apt-get install chromium); Playwright must not download one.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(viewport=PHONE, locale="ja-JP", base_url=live_server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.console_errors = []

    def record(message):
        # A page answered with an error status (a 404 page under test) is logged as a failed
        # load of the document itself; that is the test's subject, not a script error.
        failed_document_load = (message.text.startswith("Failed to load resource")
                                and message.location.get("url") == tab.url)
        if message.type == "error" and not failed_document_load:
            tab.console_errors.append(message.text)

    tab.on("console", record)
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    yield tab
    context.close()


def _login_as(page, user, base_url):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": base_url,
        "httpOnly": True,
        "sameSite": "Lax",
    }])
    return user


def _screenshot(page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _assert_no_axe_violations(page, *, context=None, options=None):
    """Run axe-core (all rules but experimental ones) and fail listing each violation."""
    if not AXE_PATH.exists():
        pytest.fail(f"{AXE_PATH} is missing: run `npm install axe-core@4` (or `make browser`).")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') allows it
        # while it still forbids any inline script of the page itself.
        page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    results = page.evaluate(
        "([context, options]) => axe.run(context || document, options || {})",
        [context, options],
    )
    violations = results["violations"]
    if violations:
        lines = [f"axe-core found {len(violations)} violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} "
                         f"[{violation['helpUrl']}]")
            for node in violation["nodes"]:
                lines.append(f"    target {node['target']}: {node.get('failureSummary', '').strip()}")
        pytest.fail("\n".join(lines), pytrace=False)


def _assert_no_console_errors(page):
    assert page.console_errors == [], "browser console errors:\n" + "\n".join(page.console_errors)


# The helpers are fixtures so tests get them by name, without importing a conftest module.

@pytest.fixture
def login_as(live_server):
    """``login_as(page, user)``: sign the tab in without the form (fast and password-free)."""
    return lambda page, user: _login_as(page, user, live_server.url)


@pytest.fixture
def screenshot():
    """``screenshot(page, name)``: full-page PNG in test-artifacts/screenshots/."""
    return _screenshot


@pytest.fixture
def assert_no_axe_violations():
    """``assert_no_axe_violations(page)``: axe-core in the page, every violation listed on failure."""
    return _assert_no_axe_violations


@pytest.fixture
def assert_no_console_errors():
    """``assert_no_console_errors(page)``: CSP violations and script errors show up here."""
    return _assert_no_console_errors
