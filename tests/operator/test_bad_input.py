"""Whatever arrives in the query string or a check-in post, the answer is a page or a 404,
never a server error, and nothing half-written."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings, strategies as st

from enrollment.models import KokoaAttendance
from tests import builders as b
from tests.operator import operator_builders as ob

pytestmark = pytest.mark.django_db

odd_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)


@pytest.fixture
def setup():
    op = b.operator()
    club = b.club(operator=op)
    programme = ob.kokoa_programme(op, school=club.school)
    session = ob.special_session(programme, timezone.localdate())
    child, _registration = ob.kokoa_child(programme)
    client = Client()
    client.force_login(b.operator_user(op))
    return client, club, session, child


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month=odd_text)
def test_it_answers_any_month_parameter_without_a_server_error(setup, month):
    client, club, _session, _child = setup
    assert client.get(reverse("operator_roster", args=[club.pk]), {"month": month}).status_code == 200
    assert client.get(reverse("operator_roster_xlsx", args=[club.pk]), {"month": month}).status_code in (200, 404)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=odd_text, status=st.one_of(st.sampled_from(["present", "absent", "left"]), odd_text),
       left_at=odd_text, use_real_child=st.booleans())
def test_it_answers_any_check_in_post_without_a_server_error(setup, day, status, left_at, use_real_child):
    client, _club, session, child = setup
    before = KokoaAttendance.objects.count()
    data = {"date": day, "child": str(child.public_id) if use_real_child else day, "status": status,
            "left_at": left_at}
    response = client.post(reverse("operator_kokoa_check_in", args=[session.pk]), data,
                           headers={"HX-Request": "true"})
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        assert KokoaAttendance.objects.count() == before


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=odd_text)
def test_it_answers_any_session_date_without_a_server_error(setup, day):
    client, _club, session, _child = setup
    assert client.get(reverse("operator_kokoa_session", args=[session.pk]), {"date": day}).status_code == 200
