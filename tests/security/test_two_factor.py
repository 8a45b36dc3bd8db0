"""Two-factor sign-in (TOTP) for staff and operators; families are never asked."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from enrollment.models import AuditEvent
from tests import builders
from tests.builders import PASSWORD
from tests.security_helpers import current_code, totp_device, verified_login


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.REQUIRE_2FA = True


def staff_sign_in(client, email="bob@city.example.jp"):
    return client.post(reverse("staff_login"), {"username": email, "password": PASSWORD})


@pytest.mark.django_db
def test_it_sends_staff_without_a_device_from_the_password_to_the_setup_page(client):
    builders.staff_user(email="bob@city.example.jp")
    staff_sign_in(client)
    response = client.get(reverse("staff_dashboard"))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("security_2fa_setup")
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == ["/staff/"]


@pytest.mark.django_db
def test_it_enrols_a_device_with_a_qr_code_and_then_opens_staff_pages(client):
    user = builders.staff_user(email="bob@city.example.jp")
    staff_sign_in(client)
    page = client.get(reverse("security_2fa_setup") + "?next=/staff/")
    body = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("security_2fa_setup"), {"token": current_code(device), "next": "/staff/"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("staff_dashboard")).status_code == 200
    assert AuditEvent.objects.filter(action="two_factor_enrolled", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_it_refuses_a_wrong_code_at_setup_and_keeps_the_device_unconfirmed(client):
    user = builders.staff_user(email="bob@city.example.jp")
    staff_sign_in(client)
    client.get(reverse("security_2fa_setup"))
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("security_2fa_setup"), {"token": wrong})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("staff_dashboard")).status_code == 302


@pytest.mark.django_db
def test_it_asks_staff_with_a_device_for_the_code_after_the_password(client):
    user = builders.staff_user(email="bob@city.example.jp")
    device = totp_device(user)
    staff_sign_in(client)
    response = client.get(reverse("staff_dashboard"))
    assert urlsplit(response["Location"]).path == reverse("security_2fa_verify")
    response = client.post(reverse("security_2fa_verify"), {"token": current_code(device), "next": "/staff/"})
    assert response["Location"] == "/staff/"
    assert client.get(reverse("staff_dashboard")).status_code == 200


@pytest.mark.django_db
def test_it_never_lets_someone_with_only_the_password_register_another_device(client):
    user = builders.staff_user(email="bob@city.example.jp")
    totp_device(user)
    staff_sign_in(client)
    response = client.get(reverse("security_2fa_setup"))
    assert urlsplit(response["Location"]).path == reverse("security_2fa_verify")
    assert TOTPDevice.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_it_refuses_a_wrong_code_and_throttles_repeated_guesses(client):
    user = builders.staff_user(email="bob@city.example.jp")
    device = totp_device(user)
    staff_sign_in(client)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    assert client.post(reverse("security_2fa_verify"), {"token": wrong}).status_code == 400
    response = client.post(reverse("security_2fa_verify"), {"token": current_code(device)})
    # django-otp's cool-off after a failure: even the right code waits.
    assert response.status_code == 400
    assert re.search(r"\d+", response.content.decode())
    assert client.get(reverse("staff_dashboard")).status_code == 302


@pytest.mark.django_db
def test_it_requires_the_second_factor_of_operators_too(client):
    op_user = builders.operator_user(email="charlie@club.example.jp")
    client.force_login(op_user)
    assert client.get(reverse("operator_home")).status_code == 302
    verified_login(client, op_user)
    assert client.get(reverse("operator_home")).status_code == 200


@pytest.mark.django_db
def test_it_asks_htmx_requests_to_navigate_to_the_code_page(client):
    client.force_login(builders.staff_user(email="bob@city.example.jp"))
    response = client.get(reverse("staff_dashboard"), headers={"HX-Request": "true",
                                                              "HX-Current-URL": "http://testserver/staff/"})
    assert response["HX-Redirect"].startswith(reverse("security_2fa_setup"))


@pytest.mark.django_db
def test_it_never_asks_families_for_a_code(client):
    client.force_login(builders.family_user(email="alice@example.jp"))
    assert client.get(reverse("family_home")).status_code == 200
    assert client.get(reverse("security_2fa_verify")).status_code == 404


@pytest.mark.django_db
def test_it_ignores_an_external_next_after_the_code(client):
    user = builders.staff_user(email="bob@city.example.jp")
    device = totp_device(user)
    staff_sign_in(client)
    response = client.post(reverse("security_2fa_verify"),
                           {"token": current_code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/staff/"


@pytest.mark.django_db
def test_it_lets_the_demo_switch_two_factor_off(client, settings):
    settings.REQUIRE_2FA = False
    client.force_login(builders.staff_user(email="bob@city.example.jp"))
    assert client.get(reverse("staff_dashboard")).status_code == 200
