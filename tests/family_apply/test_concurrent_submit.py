"""Two submits of the same confirmation form at the same moment (a double click on a slow line)."""

import threading
import uuid

import pytest
from django.db import connection

from enrollment.models import Application, ApplicationEvent
from enrollment.services import family_applications as services

from .builders import family


# The in-memory SQLite of the test run locks whole tables without waiting; this race is about
# PostgreSQL's row locks, where production runs.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_with_one_key_submit_once_and_both_succeed():
    f = family()
    drafts = services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger, f.elder],
                                               sibling_mode="together")
    services.choices_set(actor=f.user, applications=drafts, clubs=f.clubs[:2], requested_start=f.round.start_month)
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            results.append(sorted(a.pk for a in services.applications_submit(
                actor=f.user, household=f.household, round_=f.round, submission_key=key)))
        except Exception as error:  # noqa: BLE001 - the test reports any failure of either request
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results[0] == results[1] == sorted(a.pk for a in drafts)
    assert set(Application.objects.values_list("status", flat=True)) == {"submitted"}
    assert ApplicationEvent.objects.filter(to_status="submitted").count() == 2
