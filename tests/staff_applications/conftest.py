# The browser harness lives in tests/e2e/conftest.py; the G1 browser test uses the same fixtures.
from tests.e2e.conftest import (  # noqa: F401
    assert_no_axe_violations,
    assert_no_console_errors,
    browser,
    live_server,
    login_as,
    page,
    screenshot,
)
