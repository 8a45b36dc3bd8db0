"""Sign-in throttling: per account, per (account, address), and only huge volume per address."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment import security
from enrollment.models import LoginAttempt
from enrollment.security import login_throttle
from tests import builders
from tests.builders import PASSWORD

CITY_HALL = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


def fail(client, email, *, ip=CITY_HALL, url="login"):
    return client.post(reverse(url), {"username": email, "password": "wrong-password-1"}, REMOTE_ADDR=ip)


def sign_in(client, email, *, ip=CITY_HALL, url="login"):
    return client.post(reverse(url), {"username": email, "password": PASSWORD}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_it_slows_one_account_from_one_address_after_five_failures(client):
    builders.family_user(email="alice@example.jp")
    for _ in range(security.ACCOUNT_ADDRESS_LIMIT):
        assert fail(client, "alice@example.jp").status_code == 200
    response = sign_in(client, "alice@example.jp")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert LoginAttempt.objects.filter(succeeded=True).count() == 0


@pytest.mark.django_db
def test_it_tells_the_wait_in_minutes_in_japanese(client):
    builders.family_user(email="alice@example.jp")
    for _ in range(security.ACCOUNT_ADDRESS_LIMIT):
        fail(client, "alice@example.jp")
    body = sign_in(client, "alice@example.jp").content.decode()
    assert "15分" in body
    assert "お待ち" in body


@pytest.mark.django_db
def test_it_counts_the_address_typed_with_capitals_as_the_same_account(client):
    builders.family_user(email="alice@example.jp")
    for spelling in ["Alice@example.jp", "ALICE@EXAMPLE.JP", " alice@Example.jp", "alice@example.jp",
                     "aLice@example.jp"]:
        fail(client, spelling)
    assert sign_in(client, "alice@example.jp").status_code == 429


@pytest.mark.django_db
def test_it_never_locks_out_colleagues_behind_the_same_city_hall_address(client):
    builders.staff_user(email="bob@city.example.jp")
    builders.staff_user(email="carol@city.example.jp")
    for _ in range(security.ACCOUNT_ADDRESS_LIMIT * 3):
        fail(client, "bob@city.example.jp", url="staff_login")
    response = sign_in(client, "carol@city.example.jp", url="staff_login")
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.django_db
def test_it_lets_the_owner_in_from_another_address_while_one_address_is_slowed(client):
    builders.family_user(email="alice@example.jp")
    for _ in range(security.ACCOUNT_ADDRESS_LIMIT):
        fail(client, "alice@example.jp", ip=ELSEWHERE)
    assert sign_in(client, "alice@example.jp", ip=CITY_HALL).status_code == 302


@pytest.mark.django_db
def test_it_slows_an_account_guessed_at_from_many_addresses():
    for n in range(security.ACCOUNT_LIMIT):
        LoginAttempt.objects.create(username="alice@example.jp", ip_address=f"192.0.2.{n + 1}")
    assert not login_throttle(username="alice@example.jp", ip_address="192.0.2.200").allowed
    assert login_throttle(username="bob@example.jp", ip_address="192.0.2.200").allowed


@pytest.mark.django_db
def test_it_slows_an_address_only_at_very_high_volume():
    LoginAttempt.objects.bulk_create(
        LoginAttempt(username=f"user{n}@example.jp", ip_address=CITY_HALL) for n in range(security.ADDRESS_LIMIT - 1))
    assert login_throttle(username="new@example.jp", ip_address=CITY_HALL).allowed
    LoginAttempt.objects.create(username="last@example.jp", ip_address=CITY_HALL)
    assert not login_throttle(username="new@example.jp", ip_address=CITY_HALL).allowed
    assert login_throttle(username="new@example.jp", ip_address=ELSEWHERE).allowed


@pytest.mark.django_db
def test_it_lets_the_account_try_again_after_the_cool_off():
    for _ in range(security.ACCOUNT_ADDRESS_LIMIT):
        LoginAttempt.objects.create(username="alice@example.jp", ip_address=CITY_HALL)
    now = timezone.now()
    throttle = login_throttle(username="alice@example.jp", ip_address=CITY_HALL, now=now)
    assert 14 * 60 < throttle.wait_seconds <= 15 * 60
    later = now + security.WINDOW + datetime.timedelta(seconds=1)
    assert login_throttle(username="alice@example.jp", ip_address=CITY_HALL, now=later).allowed


@pytest.mark.django_db
def test_it_forgets_failures_before_a_successful_sign_in(client):
    builders.family_user(email="alice@example.jp")
    for _ in range(security.ACCOUNT_ADDRESS_LIMIT - 1):
        fail(client, "alice@example.jp")
    assert sign_in(client, "alice@example.jp").status_code == 302
    client.logout()
    for _ in range(security.ACCOUNT_ADDRESS_LIMIT - 1):
        fail(client, "alice@example.jp")
    assert sign_in(client, "alice@example.jp").status_code == 302


@pytest.mark.django_db
def test_it_does_not_check_the_password_while_throttled(client, monkeypatch):
    builders.family_user(email="alice@example.jp")
    for _ in range(security.ACCOUNT_ADDRESS_LIMIT):
        fail(client, "alice@example.jp")
    calls = []
    import django.contrib.auth.forms as auth_forms

    monkeypatch.setattr(auth_forms, "authenticate", lambda *a, **k: calls.append(1))
    assert fail(client, "alice@example.jp").status_code == 429
    assert calls == []


@pytest.mark.django_db
def test_it_believes_x_forwarded_for_only_behind_a_configured_proxy(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")
    assert security.client_ip(request) == "127.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert security.client_ip(request) == "203.0.113.7"
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert security.client_ip(request) is None
