"""The second guardian's own sign-in: invited by e-mail, the token kept only as a hash."""

import datetime
import hashlib
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from enrollment.models import HouseholdInvitation, User
from tests import builders as b

pytestmark = pytest.mark.django_db
PASSWORD = "second-guardian-pass-77"


@pytest.fixture
def alice(client):
    user = b.family_user(email="alice@example.jp")
    client.force_login(user)
    return user


def invite(client, on_commit, email="bob@example.jp"):
    with on_commit():
        return client.post(reverse("family_invite"), {"email": email})


def token_in(message) -> str:
    return re.search(r"/family/account/invitation/([^/\s]+)/", message.body).group(1)


def test_it_mails_an_invitation_and_stores_only_a_hash_of_the_token(client, alice, on_commit):
    response = invite(client, on_commit)
    assert response.status_code == 302
    invitation = HouseholdInvitation.objects.get()
    token = token_in(mail.outbox[0])
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert invitation.household == alice.household
    assert invitation.expires_at - timezone.now() > datetime.timedelta(days=6, hours=23)


def test_it_creates_the_invited_guardians_own_login_in_the_same_household(client, alice, on_commit):
    invite(client, on_commit)
    token = token_in(mail.outbox[0])
    client.logout()
    url = reverse("family_invitation_accept", args=[token])
    assert "bob@example.jp" in client.get(url).content.decode()
    response = client.post(url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    bob = User.objects.get(email="bob@example.jp")
    assert bob.household == alice.household and bob.is_active and bob.email_confirmed_at
    assert client.session["_auth_user_id"] == str(bob.pk)
    # The link works once.
    client.logout()
    assert client.post(url, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 400
    assert User.objects.filter(email="bob@example.jp").count() == 1


def test_it_refuses_an_invitation_older_than_seven_days(client, alice, on_commit):
    invite(client, on_commit)
    HouseholdInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client.logout()
    response = client.post(reverse("family_invitation_accept", args=[token_in(mail.outbox[0])]),
                           {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 400
    assert not User.objects.filter(email="bob@example.jp").exists()


def test_it_refuses_an_unknown_token(client):
    assert client.get(reverse("family_invitation_accept", args=["not-a-token"])).status_code == 400


def test_it_refuses_an_address_that_already_has_an_account(client, alice, on_commit):
    b.family_user(email="carol@example.jp")
    response = invite(client, on_commit, email="carol@example.jp")
    assert response.status_code == 200
    assert 'id="id_email_error"' in response.content.decode()
    assert not HouseholdInvitation.objects.exists()


def test_it_refuses_a_third_account_for_a_household(client, alice, on_commit):
    b.family_user(alice.household, email="second@example.jp")
    response = invite(client, on_commit)
    assert response.status_code == 200
    assert not HouseholdInvitation.objects.exists()


def test_it_asks_for_the_household_before_inviting(client):
    user = User.objects.create_user("new@example.jp", PASSWORD, role=User.Role.FAMILY)
    client.force_login(user)
    assert client.post(reverse("family_invite"), {"email": "bob@example.jp"}).url == reverse("family_household_edit")
