"""Passwords are stored with Argon2id at OWASP's minimum; PBKDF2 hashes of older accounts still
verify and are upgraded at the next sign-in. (Tests otherwise hash with MD5 for speed, so these
tests switch the production hashers on explicitly.)"""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from enrollment.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-27"


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = django_settings.PRODUCTION_PASSWORD_HASHERS


def test_it_hashes_new_passwords_with_argon2id_at_owasps_parameters(production_hashers):
    encoded = make_password(PASSWORD)
    algorithm, variant, version, params, _salt, _hash = encoded.split("$")
    assert (algorithm, variant, version) == ("argon2", "argon2id", "v=19")
    assert params == "m=19456,t=2,p=1"


def test_it_signs_in_an_account_hashed_with_pbkdf2_and_upgrades_its_hash(client, production_hashers):
    user = User.objects.create(email="older@example.jp", role=User.Role.FAMILY,
                               password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    user.email_confirmed_at = user.date_joined
    user.save()
    response = client.post(reverse("login"), {"username": "older@example.jp", "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "x")
