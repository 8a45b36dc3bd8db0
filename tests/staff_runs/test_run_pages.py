"""The allocation-run pages: start, progress, results, commit, compare, publish."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from enrollment.models import AllocationRun, Application, AuditEvent, Offer, Round, WaitlistEntry
from enrollment.services.runs import MSG_STALE, allocation_run_execute, allocation_run_start
from tests import builders as b
from tests.staff_runs.builders import city

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = b.staff_user()
    client.force_login(user)
    return user


def start(client, rnd, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("staff_runs", args=[rnd.pk]), {"ties": "maximize_placed", "seed": "11", **data})


def test_it_starts_a_run_that_finishes_and_shows_its_results(client, staff, django_capture_on_commit_callbacks):
    _fy, rnd, clubs, _apps = city(14)
    response = start(client, rnd, django_capture_on_commit_callbacks, note="first try")
    run = AllocationRun.objects.get(round=rnd)
    assert response.status_code == 302 and response["Location"] == reverse("staff_run", args=[run.pk])
    assert run.status == AllocationRun.Status.FINISHED
    assert (run.placed, run.unplaced) == (10, 4)
    page = client.get(reverse("staff_run", args=[run.pk])).content.decode()
    assert '<p class="ok">' in page and "notice--error" not in page
    assert 'role="img"' in page and "<title" in page and "<desc" in page
    assert clubs[0].name in page
    assert "lottery-first" in page or "抽選優先" in page
    assert run.result["stats"]["extra"]["lottery_first"]["placed"] == 10


def test_it_stores_the_elastic_ratios_staff_changed(client, staff, django_capture_on_commit_callbacks):
    _fy, rnd, clubs, _apps = city(14)
    start(client, rnd, django_capture_on_commit_callbacks, **{f"ratio_{clubs[0].code}": "1.20"})
    run = AllocationRun.objects.get(round=rnd)
    assert run.elastic_ratios == {clubs[0].code: "1.20"}
    assert run.placed == 11  # ⌊5 × 1.20⌋ = 6 places at the first club


def test_it_refuses_an_elastic_ratio_out_of_range_on_the_field(client, staff, django_capture_on_commit_callbacks):
    _fy, rnd, clubs, _apps = city(3)
    response = start(client, rnd, django_capture_on_commit_callbacks, **{f"ratio_{clubs[0].code}": "1.5"})
    assert response.status_code == 200
    assert not AllocationRun.objects.exists()
    assert f'id="id_ratio_{clubs[0].code}_error"' in response.content.decode()


def test_read_only_staff_see_the_runs_but_cannot_start_one(client, django_capture_on_commit_callbacks):
    _fy, rnd, _clubs, _apps = city(3)
    client.force_login(b.staff_user(read_only=True))
    assert client.get(reverse("staff_runs", args=[rnd.pk])).status_code == 200
    response = start(client, rnd, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert not AllocationRun.objects.exists()


def test_the_progress_partial_polls_while_the_run_works_and_stops_when_it_has_finished(client, staff):
    _fy, rnd, _clubs, _apps = city(4)
    run = allocation_run_start(round_=rnd, actor=staff, ties="maximize_placed", seed=3, enqueue=False)
    url = reverse("staff_run", args=[run.pk]) + "?progress=1"
    polling = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in polling.content.decode()
    assert "<progress" in polling.content.decode()
    assert "HX-Refresh" not in polling
    allocation_run_execute(run_id=run.pk)
    done = client.get(url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.content.decode()
    assert done["HX-Refresh"] == "true"


def test_it_commits_after_confirmation_and_only_once(client, staff, django_capture_on_commit_callbacks):
    _fy, rnd, _clubs, apps = city(14)
    start(client, rnd, django_capture_on_commit_callbacks)
    run = AllocationRun.objects.get(round=rnd)
    commit_url = reverse("staff_run_commit", args=[run.pk])
    unconfirmed = client.post(commit_url, {})
    assert unconfirmed.status_code == 200 and not Offer.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(commit_url, {"confirm": "on"})
    assert response.status_code == 302
    assert Offer.objects.count() == 10
    assert Application.objects.filter(status=Application.Status.WAITLISTED).count() == 4
    assert WaitlistEntry.objects.filter(active=True).exists()
    assert AuditEvent.objects.filter(action="run.commit", object_id=str(run.pk)).exists()
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.COMMITTED
    again = client.post(commit_url, {"confirm": "on"})
    assert again.status_code == 200
    assert Offer.objects.count() == 10


def test_it_refuses_to_commit_a_stale_run_with_a_message(client, staff, django_capture_on_commit_callbacks):
    _fy, rnd, _clubs, apps = city(6)
    start(client, rnd, django_capture_on_commit_callbacks)
    run = AllocationRun.objects.get(round=rnd)
    Application.objects.filter(pk=apps[0].pk).update(revision=apps[0].revision + 1)
    response = client.post(reverse("staff_run_commit", args=[run.pk]), {"confirm": "on"})
    assert response.status_code == 200
    with translation.override("ja"):
        assert str(MSG_STALE) in response.content.decode()
    assert not Offer.objects.exists()


def test_it_compares_two_runs_child_by_child(client, staff, django_capture_on_commit_callbacks):
    _fy, rnd, clubs, _apps = city(14)
    start(client, rnd, django_capture_on_commit_callbacks)
    start(client, rnd, django_capture_on_commit_callbacks, **{f"ratio_{clubs[0].code}": "1.20"})
    first, second = AllocationRun.objects.order_by("pk")
    response = client.get(reverse("staff_run_compare", args=[rnd.pk]), {"a": first.pk, "b": second.pk})
    comparison = response.context["comparison"]
    assert comparison.counts["gains"] - comparison.counts["loses"] == second.placed - first.placed == 1
    assert len(response.context["page_obj"].object_list) == sum(
        comparison.counts[k] for k in ("gains", "loses", "moves"))
    htmx = client.get(reverse("staff_run_compare", args=[rnd.pk]), {"a": first.pk, "b": second.pk, "kind": "gains"},
                      headers={"HX-Request": "true"})
    assert htmx.content.decode().lstrip().startswith('<div id="results">')


def test_it_refuses_to_compare_a_run_with_itself(client, staff, django_capture_on_commit_callbacks):
    _fy, rnd, _clubs, _apps = city(3)
    start(client, rnd, django_capture_on_commit_callbacks)
    run = AllocationRun.objects.get()
    response = client.get(reverse("staff_run_compare", args=[rnd.pk]), {"a": run.pk, "b": run.pk})
    assert "comparison" not in response.context
    assert response.context["form"].errors["b"]


def test_it_publishes_results_on_the_chosen_day(client, staff, django_capture_on_commit_callbacks):
    _fy, rnd, _clubs, _apps = city(3)
    start(client, rnd, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff_run_commit", args=[AllocationRun.objects.get().pk]), {"confirm": "on"})
    later = timezone.localdate() + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff_round_publish", args=[rnd.pk]), {"publish_on": later.isoformat()})
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.COMMITTED
    assert timezone.localtime(rnd.publish_at).date() == later
    assert AuditEvent.objects.filter(action="round.publish").exists()


def test_other_roles_get_404_on_run_pages(client):
    _fy, rnd, _clubs, _apps = city(2)
    client.force_login(b.family_user())
    for name, args in [("staff_runs", [rnd.pk]), ("staff_run_compare", [rnd.pk]), ("staff_stats", [])]:
        assert client.get(reverse(name, args=args)).status_code == 404
