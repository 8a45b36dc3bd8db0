"""Bad input on every form: no 500, nothing half-saved, a Japanese message on the field at fault.

Hypothesis throws odd text at each field: NUL bytes, control characters, overlong strings,
full-width digits, combining marks, emoji and rare kanji. Lone surrogates cannot travel in a
UTF-8 request, so they are tried on the forms directly.
"""

import datetime
import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings, strategies as st

from enrollment.forms.account import (
    AccountSettingsForm,
    InvitationAcceptForm,
    InvitationForm,
    ResendConfirmationForm,
    SignupForm,
)
from enrollment.forms.household import ChildForm, GuardianForm, HouseholdForm
from enrollment.models import Child, Guardian, Household, User
from tests import builders as b

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
FIELD_ERROR = re.compile(r'<div class="field-error" id="id_(\w+?)_error">(.*?)</div>', re.S)

odd_text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.sampled_from("0123456789０１２３４５６７８９-ー－ 　"), max_size=15),
    st.text(alphabet=st.sampled_from("あいうｱｲｳアイウ゛゜ﾞﾟーっャ𠮷葛\U000E0100\x00\x1b"), max_size=20),
    st.sampled_from(["", " ", "\x00", "a" * 5000, "２０１０００１", "0312345678", "7.5", "-1", "1e9", "NaN",
                     "2020", "13", "31", "2.55"]),
)
surrogate_text = st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)


def request_text():
    return odd_text.filter(lambda text: not any(0xD800 <= ord(c) <= 0xDFFF for c in text))


def fields_of(*names):
    return st.fixed_dictionaries({name: request_text() for name in names})


def assert_errors_are_japanese(html: str):
    errors = FIELD_ERROR.findall(html)
    assert errors, "an answered form without a field error"
    for name, text in errors:
        assert JAPANESE.search(text), f"{name}: {text!r} is not in Japanese"


def assert_answered(response, saved: bool):
    assert response.status_code in (200, 302)
    if not saved:
        assert response.status_code == 200
        assert_errors_are_japanese(response.content.decode())


@pytest.fixture
def family(client):
    user = b.family_user(b.household(guardians=1))
    client.force_login(user)
    return user


HOUSEHOLD_FIELDS = list(HouseholdForm.base_fields)
GUARDIAN_FIELDS = ["family_name", "given_name", "family_kana", "given_kana", "relationship", "phone", "employer",
                   "reason", "days_per_month", "hours_per_day", "afternoon_hours", "illness_level",
                   "expected_birth_date_0", "expected_birth_date_1", "expected_birth_date_2"]
CHILD_FIELDS = ["family_name", "given_name", "family_kana", "given_kana", "birth_date_0", "birth_date_1",
                "birth_date_2", "school", "support_notes", "care_notes"]


@FUZZ
@given(data=fields_of(*HOUSEHOLD_FIELDS))
def test_household_form_never_fails_and_never_half_saves(client, family, data):
    before = Household.objects.get(pk=family.household_id)
    response = client.post(reverse("family_household_edit"), data)
    after = Household.objects.get(pk=family.household_id)
    assert_answered(response, saved=response.status_code == 302)
    if response.status_code == 200:
        assert after.updated_at == before.updated_at


@FUZZ
@given(data=fields_of(*GUARDIAN_FIELDS), reason=st.sampled_from(["work", "illness", "childbirth", "x", ""]))
def test_guardian_form_never_fails_and_never_half_saves(client, family, data, reason):
    data["reason"] = reason
    response = client.post(reverse("family_guardian_add"), data)
    assert_answered(response, saved=response.status_code == 302)
    if response.status_code == 302:
        Guardian.objects.filter(household=family.household, order=2).delete()
    assert family.household.guardians.count() == 1


@FUZZ
@given(data=fields_of(*CHILD_FIELDS), real_school=st.booleans())
def test_child_form_never_fails_and_never_half_saves(client, family, data, real_school):
    if real_school:
        data["school"] = b.school().code
    response = client.post(reverse("family_child_add"), data)
    assert_answered(response, saved=response.status_code == 302)
    if response.status_code == 200:
        assert not Child.objects.exists()
    Child.objects.all().delete()


@FUZZ
@given(data=fields_of("email", "password1", "password2"))
def test_signup_form_never_fails(client, data):
    users = User.objects.count()
    response = client.post(reverse("family_signup"), data)
    assert_answered(response, saved=response.status_code == 302)
    if response.status_code == 200:
        assert User.objects.count() == users


@FUZZ
@given(data=fields_of("email"))
def test_invitation_and_resend_forms_never_fail(client, family, data):
    response = client.post(reverse("family_invite"), data)
    assert_answered(response, saved=response.status_code == 302)
    client.logout()
    response = client.post(reverse("family_confirm_resend"), data)
    assert_answered(response, saved=response.status_code == 302)
    client.force_login(family)


@FUZZ
@given(data=fields_of("display_name"))
def test_account_settings_form_never_fails(client, family, data):
    response = client.post(reverse("family_account"), data)
    assert_answered(response, saved=response.status_code == 302)


@FUZZ
@given(text=surrogate_text, position=st.integers(min_value=0, max_value=3))
def test_every_form_refuses_lone_surrogates_on_the_field_at_fault(text, position):
    today = datetime.date(2026, 11, 25)
    cases = [
        (HouseholdForm, {}, "address"),
        (GuardianForm, {}, "family_name"),
        (GuardianForm, {}, "family_kana"),
        (ChildForm, {"today": today}, "given_name"),
        (ChildForm, {"today": today}, "birth_date_0"),
        (SignupForm, {}, "email"),
        (InvitationForm, {}, "email"),
        (ResendConfirmationForm, {}, "email"),
        (AccountSettingsForm, {}, "display_name"),
        (InvitationAcceptForm, {"email": "a@example.jp"}, "password1"),
    ]
    for form_class, kwargs, name in cases:
        value = "ト" * position + text
        form = form_class({name: value}, **kwargs)
        assert not form.is_valid()
        field = name[:-2] if name.endswith("_0") else name
        assert form.errors.get(field), (form_class.__name__, name, form.errors)
