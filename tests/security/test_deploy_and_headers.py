"""The production setup: `check --deploy` clean, the CSP and security headers on every page,
and the 30-minute idle timeout for staff and operators."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from enrollment.middleware import IDLE_TIMEOUT_SECONDS, LAST_ACTIVITY_KEY
from tests import builders
from tests.security_helpers import verified_login

ROOT = Path(__file__).resolve().parents[2]

# The environment docs/deployment.md prescribes for production.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "HTTPS": "1",
    "ALLOWED_HOSTS": "gakudo.city.tomae.example.jp",
    "CSRF_TRUSTED_ORIGINS": "https://gakudo.city.tomae.example.jp",
    "SECURE_HSTS_PRELOAD": "1",
}


def test_it_passes_check_deploy_with_the_production_environment(tmp_path):
    env = {key: value for key, value in os.environ.items()
           # Test-harness variables (Playwright's harness sets DJANGO_ALLOW_ASYNC_UNSAFE) are not
           # part of a production environment.
           if key not in {"TESTING", "REQUIRE_2FA", "TASKS_IMMEDIATE", "DJANGO_SETTINGS_MODULE",
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(PRODUCTION_ENV, SECRET_KEY=secrets.token_urlsafe(64),
               DATABASE_URL=f"sqlite:///{tmp_path / 'check.sqlite3'}")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "TESTING"}}
    env.update(PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'check.sqlite3'}")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_keeps_two_factor_on_in_production_and_off_in_the_demo(tmp_path):
    code = "from django.conf import settings; print(settings.REQUIRE_2FA)"
    base = {key: value for key, value in os.environ.items() if key not in {"REQUIRE_2FA", "TESTING"}}
    base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    production = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                                env={**base, **PRODUCTION_ENV, "SECRET_KEY": "x" * 60},
                                capture_output=True, text=True, timeout=120)
    demo = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                          env={**base, "DEBUG": "1"}, capture_output=True, text=True, timeout=120)
    # The shell may print other lines first (e.g. its automatic imports); the answer is last.
    assert production.stdout.strip().splitlines()[-1] == "True", production.stderr
    assert demo.stdout.strip().splitlines()[-1] == "False", demo.stderr


def _csp_directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "login", "staff_login", "password_reset"])
def test_it_sends_a_csp_allowing_only_our_own_scripts_and_styles(client, url_name):
    response = client.get(reverse(url_name))
    directives = _csp_directives(response["Content-Security-Policy"])
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_it_sends_the_csp_on_signed_in_pages_and_errors_too(client):
    client.force_login(builders.family_user(email="alice@example.jp"))
    for path in ["/family/", "/no-such-page/"]:
        response = client.get(path)
        assert "script-src 'self'" in response["Content-Security-Policy"], path


@pytest.mark.django_db
def test_it_serves_no_inline_script_or_style_on_public_pages(client):
    for url_name in ["home", "login", "staff_login"]:
        body = client.get(reverse(url_name)).content.decode()
        assert "<script>" not in body and " style=" not in body and " onclick=" not in body, url_name


@pytest.mark.django_db
@pytest.mark.parametrize("make_user, home", [
    (lambda: builders.staff_user(email="bob@city.example.jp"), "staff_dashboard"),
    (lambda: builders.operator_user(email="charlie@club.example.jp"), "operator_home"),
])
def test_it_signs_staff_and_operators_out_after_30_idle_minutes(client, settings, make_user, home):
    settings.REQUIRE_2FA = True
    verified_login(client, make_user())
    assert client.get(reverse(home)).status_code == 200
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - IDLE_TIMEOUT_SECONDS - 5
    session.save()
    response = client.get(reverse(home))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff_login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_keeps_staff_signed_in_while_active(client):
    client.force_login(builders.staff_user(email="bob@city.example.jp"))
    client.get(reverse("staff_dashboard"))
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - IDLE_TIMEOUT_SECONDS + 60
    session.save()
    assert client.get(reverse("staff_dashboard")).status_code == 200


@pytest.mark.django_db
def test_it_keeps_families_signed_in_past_30_minutes(client):
    client.force_login(builders.family_user(email="alice@example.jp"))
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - IDLE_TIMEOUT_SECONDS * 4
    session.save()
    assert client.get(reverse("family_home")).status_code == 200


def test_it_keeps_password_reset_links_valid_for_hours_not_days(settings):
    assert 60 * 60 <= settings.PASSWORD_RESET_TIMEOUT <= 24 * 60 * 60


def test_it_enforces_a_password_policy():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["short1", "password123", "1234567890123"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("correct-horse-battery-9")
