"""python manage.py seed_demo: the city, the population, the demo accounts and their logins."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.urls import reverse

from enrollment import demo
from enrollment.models import Application, Club, Household, User

pytestmark = pytest.mark.django_db


def seed(*args, **options):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in apps.get_app_config("enrollment").get_models()}


def test_it_loads_the_city_the_population_and_the_accounts_and_prints_the_logins():
    output = seed("--households", "40", "--seed", "3")
    assert Club.objects.count() == 17
    assert Household.objects.count() == 41  # and the demo family
    for email in (demo.FAMILY_EMAIL, demo.STAFF_EMAIL, demo.READONLY_EMAIL, demo.OPERATOR_EMAIL, demo.ADMIN_EMAIL):
        assert email in output
        assert User.objects.filter(email=email).exists()
    assert demo.DEMO_PASSWORD in output


def test_running_it_twice_with_if_empty_creates_nothing_the_second_time_but_prints_the_logins_again():
    seed("--households", "40", "--seed", "3", "--if-empty")
    before = counts()
    output = seed("--households", "40", "--seed", "3", "--if-empty")
    assert counts() == before
    assert "nothing loaded" in output
    assert demo.FAMILY_EMAIL in output and demo.DEMO_PASSWORD in output


def test_it_refuses_to_add_a_second_population_to_a_round_that_has_one():
    seed("--households", "10", "--seed", "3")
    with pytest.raises(CommandError, match="--reset"):
        seed("--households", "10", "--seed", "3")
    assert Household.objects.count() == 11


def test_reset_starts_again_from_scratch_with_the_same_result_for_the_same_seed():
    seed("--households", "30", "--seed", "5")
    names = sorted(Application.objects.exclude(status="draft").values_list("child__given_name", "receipt_number"))
    before = counts()
    seed("--households", "30", "--seed", "5", "--reset")
    assert counts() == before
    assert sorted(Application.objects.exclude(status="draft").values_list("child__given_name", "receipt_number")) == names


def test_every_demo_account_logs_in_with_the_demo_password_in_its_role():
    seed("--households", "5", "--seed", "1")
    users = {email: authenticate(email=email, password=demo.DEMO_PASSWORD)
             for email in (demo.FAMILY_EMAIL, demo.STAFF_EMAIL, demo.READONLY_EMAIL, demo.OPERATOR_EMAIL,
                           demo.ADMIN_EMAIL)}
    assert all(users.values())
    assert all(user.email_confirmed_at for user in users.values())
    assert users[demo.FAMILY_EMAIL].is_family and not users[demo.FAMILY_EMAIL].is_staff
    assert users[demo.STAFF_EMAIL].can_change
    assert users[demo.READONLY_EMAIL].is_city_staff and not users[demo.READONLY_EMAIL].can_change
    assert users[demo.OPERATOR_EMAIL].operator.code == demo.DEMO_OPERATOR_CODE
    assert users[demo.ADMIN_EMAIL].is_superuser
    assert authenticate(email=demo.STAFF_EMAIL, password="wrong-password") is None


def test_the_demo_family_has_two_guardians_two_children_and_a_draft_application():
    seed("--households", "5", "--seed", "1")
    household = User.objects.get(email=demo.FAMILY_EMAIL).household
    assert household.guardians.count() == 2
    assert household.children.count() == 2
    drafts = Application.objects.filter(child__household=household)
    assert [a.status for a in drafts] == ["draft"]
    assert drafts[0].receipt_number is None
    assert drafts[0].choices.count() >= 1
    # 髙 is the rare form of 高: the family every demonstration starts from tests exact names.
    assert {p.family_name for p in [*household.guardians.all(), *household.children.all()]} == {"髙橋"}
    for row in [household, *household.guardians.all(), *household.children.all(), drafts[0]]:
        row.full_clean()


def test_it_rejects_contradictory_options():
    with pytest.raises(CommandError):
        seed("--if-empty", "--reset")


def test_each_demo_login_signs_in_on_the_page_the_command_prints_for_it(client):
    seed("--households", "5", "--seed", "1")
    for login in demo.demo_logins():
        client.logout()
        page = reverse("admin:login") if login.email == demo.ADMIN_EMAIL else login.url
        response = client.post(page, {"username": login.email, "password": login.password})
        assert response.status_code == 302, login.email
        assert client.session.get("_auth_user_id"), login.email
