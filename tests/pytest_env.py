"""Loaded as a pytest plugin (-p tests.pytest_env) before pytest-django reads the settings:
the test environment is production-like (DEBUG off) but served over plain HTTP on loopback."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("TESTING", "1")
os.environ.setdefault("TASKS_IMMEDIATE", "1")
# Tests of other areas sign staff in with force_login; tests/security turns two-factor back on
# with the settings fixture (and tests/security_helpers.verified_login passes it anyway).
os.environ.setdefault("REQUIRE_2FA", "0")
os.environ.setdefault("MEDIA_ROOT", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "var", "test-media"))
