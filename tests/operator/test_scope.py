"""An operator sees only its own clubs and KoKoA programmes: everything else answers 404,
pages, htmx partials, exports and check-in posts alike, tried over the ids of all objects."""

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Club, KokoaAttendance, KokoaProgramme, KokoaSession
from tests import builders as b
from tests.operator import operator_builders as ob

pytestmark = pytest.mark.django_db

CLUB_URLS = ("operator_roster", "operator_roster_xlsx", "operator_roster_pdf")


@pytest.fixture
def city():
    """Three operators with two clubs each, a KoKoA committee per school, a child everywhere."""
    today = timezone.localdate()
    operators = [b.operator() for _ in range(3)]
    for op in operators:
        for _ in range(2):
            club = b.club(operator=op)
            ob.enrolled_child(club, start=today.replace(day=1))
            programme = ob.kokoa_programme(op, school=club.school)
            session = ob.regular_session(programme, today.weekday() % 6)
            ob.special_session(programme, today, capacity=10)
            ob.kokoa_child(programme, weekdays=[session.weekday])
    return operators


def test_it_answers_404_for_every_club_page_export_and_partial_of_another_operator(city, client_for):
    alice = b.operator_user(city[0])
    client = client_for(alice)
    own = set(Club.objects.filter(operator=city[0]).values_list("pk", flat=True))
    all_ids = list(Club.objects.values_list("pk", flat=True)) + [max(own) + 1000]
    assert len(all_ids) == 7
    for club_id in all_ids:
        for name in CLUB_URLS:
            url = reverse(name, args=[club_id])
            expected = 200 if club_id in own else 404
            assert client.get(url).status_code == expected, url
            assert client.get(url, {"month": "2027-04"}).status_code == expected, url
        partial = client.get(reverse("operator_roster", args=[club_id]), headers={"HX-Request": "true"})
        assert partial.status_code == (200 if club_id in own else 404)


def test_it_answers_404_for_every_kokoa_programme_session_and_partial_of_another_operator(city, client_for):
    alice = b.operator_user(city[0])
    client = client_for(alice)
    own_programmes = set(KokoaProgramme.objects.filter(operator=city[0]).values_list("pk", flat=True))
    own_sessions = set(KokoaSession.objects.filter(programme__operator=city[0]).values_list("pk", flat=True))
    for programme_id in list(KokoaProgramme.objects.values_list("pk", flat=True)) + [9999]:
        response = client.get(reverse("operator_kokoa_programme", args=[programme_id]))
        assert response.status_code == (200 if programme_id in own_programmes else 404)
    for session_id in list(KokoaSession.objects.values_list("pk", flat=True)) + [9999]:
        expected = 200 if session_id in own_sessions else 404
        url = reverse("operator_kokoa_session", args=[session_id])
        assert client.get(url).status_code == expected
        assert client.get(url, headers={"HX-Request": "true"}).status_code == expected


def test_it_answers_404_to_a_check_in_at_another_operators_session_and_records_nothing(city, client_for):
    alice = b.operator_user(city[0])
    client = client_for(alice)
    today = timezone.localdate()
    for session in KokoaSession.objects.exclude(programme__operator=city[0]).filter(kind="regular"):
        child = session.programme.registrations.get().child
        for headers in ({}, {"HX-Request": "true"}):
            response = client.post(reverse("operator_kokoa_check_in", args=[session.pk]),
                                   {"date": today.isoformat(), "child": str(child.public_id), "status": "present"},
                                   headers=headers)
            assert response.status_code == 404
    assert not KokoaAttendance.objects.exists()


def test_it_answers_404_to_a_check_in_of_a_child_from_another_programme_at_its_own_session(city, client_for):
    alice = b.operator_user(city[0])
    client = client_for(alice)
    today = timezone.localdate()
    own_session = KokoaSession.objects.filter(programme__operator=city[0], kind="regular").first()
    stranger = KokoaProgramme.objects.exclude(operator=city[0]).first().registrations.get().child
    response = client.post(reverse("operator_kokoa_check_in", args=[own_session.pk]),
                           {"date": today.isoformat(), "child": str(stranger.public_id), "status": "present"})
    assert response.status_code == 404
    assert not KokoaAttendance.objects.exists()


def test_it_shows_only_the_operators_own_clubs_and_programmes_on_its_home_page(city, client_for):
    alice = b.operator_user(city[0])
    content = client_for(alice).get(reverse("operator_home")).content.decode()
    for club in Club.objects.all():
        assert (club.name in content) == (club.operator_id == city[0].pk)
        assert (reverse("operator_roster", args=[club.pk]) in content) == (club.operator_id == city[0].pk)
    for programme in KokoaProgramme.objects.all():
        link = reverse("operator_kokoa_programme", args=[programme.pk])
        assert (link in content) == (programme.operator_id == city[0].pk)


@pytest.mark.parametrize("role", ["family", "staff", "staff_readonly"])
def test_it_answers_404_to_families_and_staff_on_operator_pages(city, client_for, role):
    user = {"family": lambda: b.family_user(), "staff": lambda: b.staff_user(),
            "staff_readonly": lambda: b.staff_user(read_only=True)}[role]()
    client = client_for(user)
    club = Club.objects.filter(operator=city[0]).first()
    session = KokoaSession.objects.filter(programme__operator=city[0]).first()
    urls = [reverse(name, args=[club.pk]) for name in CLUB_URLS]
    urls += [reverse("operator_kokoa_programme", args=[session.programme_id]),
             reverse("operator_kokoa_session", args=[session.pk])]
    for url in urls:
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("operator_kokoa_check_in", args=[session.pk]), {"status": "present"})
    assert response.status_code == 404


def test_it_sends_anonymous_visitors_to_the_staff_login(city, client):
    club = Club.objects.first()
    response = client.get(reverse("operator_roster", args=[club.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff_login"))


def test_it_refuses_a_check_in_by_get(city, client_for):
    alice = b.operator_user(city[0])
    session = KokoaSession.objects.filter(programme__operator=city[0]).first()
    assert client_for(alice).get(reverse("operator_kokoa_check_in", args=[session.pk])).status_code == 405
