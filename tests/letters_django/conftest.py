"""The browser harness of tests/e2e/, for the letters pages' end-to-end test."""

from tests.e2e.conftest import (  # noqa: F401 - fixtures are found by name
    assert_no_axe_violations,
    browser,
    live_server,
    login_as,
    page,
    screenshot,
)
