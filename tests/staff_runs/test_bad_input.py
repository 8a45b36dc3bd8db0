"""Bad input on the run forms: no 500, nothing half-written, a message on the field at fault."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings, strategies as st

from enrollment.models import AllocationRun
from tests import builders as b
from tests.staff_runs.builders import city

pytestmark = pytest.mark.django_db

@pytest.fixture
def world():
    """One small city for all the examples of a test (hypothesis reuses the fixture)."""
    _fy, rnd, clubs, _apps = city(2)
    return rnd, clubs


junk = st.one_of(st.text(max_size=40), st.integers(min_value=-10**12, max_value=10**12).map(str),
                 st.sampled_from(["1.2", "1.20", "0.99", "1.201", "NaN", "1e3", "\x00", "１．１０", ""]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ties=junk | st.sampled_from(["maximize_placed", "lottery_first"]), seed=junk, note=st.text(max_size=300),
       ratio=junk)
def test_the_start_form_never_fails_on_odd_input(client, world, ties, seed, note, ratio):
    rnd, clubs = world
    client.force_login(b.staff_user())
    before = AllocationRun.objects.count()
    response = client.post(reverse("staff_runs", args=[rnd.pk]),
                           {"ties": ties, "seed": seed, "note": note, f"ratio_{clubs[0].code}": ratio})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert AllocationRun.objects.count() == before
        assert 'class="error-summary"' in response.content.decode() or "notice" in response.content.decode()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=junk, b_=junk, kind=junk, page=junk)
def test_the_compare_page_never_fails_on_odd_input(client, world, a, b_, kind, page):
    rnd, _clubs = world
    client.force_login(b.staff_user(read_only=True))
    response = client.get(reverse("staff_run_compare", args=[rnd.pk]), {"a": a, "b": b_, "kind": kind, "page": page})
    assert response.status_code == 200
