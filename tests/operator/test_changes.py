"""What changed since the operator's user last looked at a club's roster."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Child, Enrollment, Guardian, Household, RosterVisit
from enrollment.selectors.rosters import roster_changes
from enrollment.services.offers import enrollment_withdraw
from tests import builders as b
from tests.operator import operator_builders as ob

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def club():
    return b.club(operator=b.operator())


def open_roster(client, club):
    return client.get(reverse("operator_roster", args=[club.pk]))


def test_it_says_so_on_the_first_visit_and_remembers_the_visit(club, today, client_for):
    ob.enrolled_child(club, start=today.replace(day=1))
    user = b.operator_user(club.operator)
    response = open_roster(client_for(user), club)
    assert response.context["changes"].is_first_visit
    assert "この名簿を見るのは初めてです" in response.content.decode()
    visit = RosterVisit.objects.get(user_id=user.pk, club_id=club.pk)
    assert timezone.now() - visit.seen_at < datetime.timedelta(minutes=1)


def test_it_lists_new_placements_withdrawals_and_contact_changes_since_the_last_visit(club, today, client_for):
    first = today.replace(day=1)
    leaver = ob.enrolled_child(club, start=first - datetime.timedelta(days=60), given_name="退所予定")
    moved = ob.enrolled_child(club, start=first - datetime.timedelta(days=60), given_name="転居")
    ob.enrolled_child(club, start=first - datetime.timedelta(days=60), given_name="変化なし")
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    for model in (Enrollment, Household, Guardian, Child):
        model.objects.update(created_at=an_hour_ago, updated_at=an_hour_ago)
    user = b.operator_user(club.operator)
    client = client_for(user)
    open_roster(client, club)

    ob.enrolled_child(club, start=today + datetime.timedelta(days=3), given_name="新規")
    enrollment_withdraw(enrollment=leaver, actor=b.staff_user(), leave_date=today + datetime.timedelta(days=10),
                        today=today)
    guardian = Guardian.objects.filter(household=moved.child.household).first()
    guardian.phone = "070-9999-0000"
    guardian.save()

    changes = open_roster(client, club).context["changes"]
    assert [c.name for c in changes.new_placements] == ["泊江 新規"]
    assert changes.new_placements[0].day == today + datetime.timedelta(days=3)
    assert [(c.name, c.day) for c in changes.withdrawals] == [("泊江 退所予定", today + datetime.timedelta(days=10))]
    # The withdrawal touched only the enrolment; the moved family's guardian changed.
    assert [c.name for c in changes.contact_changes] == ["泊江 転居"]

    content = open_roster(client_for(user), club).content.decode()
    assert "変更はありません" in content  # the previous look was just now


def test_it_reports_household_phone_and_emergency_contact_changes(club, today):
    enrollment = ob.enrolled_child(club, start=today.replace(day=1), given_name="緊急")
    since = timezone.now()
    household = Household.objects.get(pk=enrollment.child.household_id)
    household.emergency_contact_phone = "080-0000-1111"
    household.save()
    changes = roster_changes(club, since=since, today=today)
    assert [c.name for c in changes.contact_changes] == ["泊江 緊急"]


def test_it_ignores_changes_of_children_who_left_and_of_other_clubs(club, today):
    gone = ob.enrolled_child(club, start=datetime.date(2025, 4, 1), end=today - datetime.timedelta(days=40))
    elsewhere = ob.enrolled_child(b.club(operator=club.operator), start=today.replace(day=1))
    since = timezone.now()
    for enrollment in (gone, elsewhere):
        household = enrollment.child.household
        household.phone = "03-1234-5678"
        household.save()
    assert not roster_changes(club, since=since, today=today).any


def test_it_keeps_each_users_last_visit_apart(club, today, client_for):
    ob.enrolled_child(club, start=today.replace(day=1))
    alice, bob = b.operator_user(club.operator), b.operator_user(club.operator)
    open_roster(client_for(alice), club)
    Enrollment.objects.update(created_at=timezone.now())
    response = open_roster(client_for(bob), club)
    assert response.context["changes"].is_first_visit
    assert RosterVisit.objects.filter(club_id=club.pk).count() == 2
