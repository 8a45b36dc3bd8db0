"""Sign-up, e-mail confirmation and a new link: the account works only after confirming."""

import datetime
import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from enrollment.models import AuditEvent, User
from enrollment.services import households as services
from tests import builders as b

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-family-password-42"


def sign_up(client, on_commit, email="Hanako@Example.jp", password=PASSWORD, confirm=None):
    with on_commit():
        return client.post(reverse("family_signup"), {"email": email, "password1": password,
                                                      "password2": confirm or password})


def link_in(message) -> str:
    return re.search(r"http://testserver(\S+)", message.body).group(1)


def test_it_creates_an_inactive_account_and_mails_a_confirmation_link(client, on_commit):
    response = sign_up(client, on_commit)
    assert response.status_code == 302 and response.url == reverse("family_signup_done")
    user = User.objects.get(email="hanako@example.jp")
    assert user.is_family and not user.is_active and user.email_confirmed_at is None
    assert user.household is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hanako@example.jp"]
    assert "/family/account/confirm/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="account.signup", object_id=str(user.pk)).exists()


def test_it_refuses_sign_in_before_the_address_is_confirmed(client, on_commit):
    sign_up(client, on_commit)
    response = client.post(reverse("login"), {"username": "hanako@example.jp", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_confirms_the_address_signs_in_and_sends_the_family_to_the_household(client, on_commit):
    sign_up(client, on_commit)
    link = link_in(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200 and "hanako@example.jp" in page.content.decode()
    # Opening the link (a mail scanner does) changes nothing; the button does.
    assert not User.objects.get(email="hanako@example.jp").is_active
    response = client.post(link)
    assert response.status_code == 302 and response.url == reverse("family_household")
    user = User.objects.get(email="hanako@example.jp")
    assert user.is_active and user.email_confirmed_at is not None
    assert client.session["_auth_user_id"] == str(user.pk)


def test_it_says_an_address_is_already_confirmed_when_the_link_is_used_again(client, on_commit):
    sign_up(client, on_commit)
    link = link_in(mail.outbox[0])
    client.post(link)
    client.logout()
    response = client.post(link)
    assert "既に確認済み" in response.content.decode()


def test_it_refuses_a_tampered_link(client, on_commit):
    sign_up(client, on_commit)
    link = link_in(mail.outbox[0])
    response = client.post(link[:-3] + "xyz/")
    assert response.status_code == 400
    assert not User.objects.get(email="hanako@example.jp").is_active


def test_it_refuses_an_expired_link(client, on_commit, monkeypatch):
    sign_up(client, on_commit)
    link = link_in(mail.outbox[0])
    later = datetime.datetime.now().timestamp() + services.CONFIRM_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.post(link)
    assert response.status_code == 400
    assert "有効期限" in response.content.decode()
    assert not User.objects.get(email="hanako@example.jp").is_active


def test_it_does_not_reveal_that_an_address_is_registered(client, on_commit):
    b.family_user(email="taken@example.jp")
    response = sign_up(client, on_commit, email="taken@example.jp")
    assert response.status_code == 302 and response.url == reverse("family_signup_done")
    assert User.objects.filter(email="taken@example.jp").count() == 1
    assert "/family/account/confirm/" not in mail.outbox[0].body
    assert "/password-reset/" in mail.outbox[0].body


def test_it_applies_the_password_validators(client, on_commit):
    response = sign_up(client, on_commit, password="12345678")
    assert response.status_code == 200
    assert not User.objects.filter(email="hanako@example.jp").exists()
    assert 'id="id_password1_error"' in response.content.decode()


def test_it_refuses_two_different_passwords_on_the_second_field(client, on_commit):
    response = sign_up(client, on_commit, confirm="another-long-password-1")
    assert 'id="id_password2_error"' in response.content.decode()
    assert not User.objects.exists()


def test_it_sends_a_new_link_to_an_unconfirmed_account_only(client, on_commit):
    sign_up(client, on_commit)
    b.family_user(email="confirmed@example.jp")
    mail.outbox.clear()
    with on_commit():
        client.post(reverse("family_confirm_resend"), {"email": "HANAKO@example.jp"})
        client.post(reverse("family_confirm_resend"), {"email": "confirmed@example.jp"})
        response = client.post(reverse("family_confirm_resend"), {"email": "nobody@example.jp"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]
    client.post(link_in(mail.outbox[0]))
    assert User.objects.get(email="hanako@example.jp").is_active


def test_it_never_reactivates_an_account_the_city_deactivated(client, on_commit):
    sign_up(client, on_commit)
    link = link_in(mail.outbox[0])
    client.post(link)
    User.objects.filter(email="hanako@example.jp").update(is_active=False)
    client.logout()
    client.post(link)
    assert not User.objects.get(email="hanako@example.jp").is_active


def test_it_sends_signed_in_users_home_from_the_sign_up_page(client):
    client.force_login(b.family_user())
    assert client.get(reverse("family_signup")).url == reverse("family_home")
