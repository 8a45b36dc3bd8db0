"""A run's commit is all or nothing: a failure half-way leaves no offers, no waitlist changes,
no letters and no audit rows; the same commit without the failure writes all of them."""

import pytest

from enrollment.models import (
    AllocationRun,
    Application,
    AuditEvent,
    Letter,
    LetterBatch,
    Offer,
    Round,
    WaitlistEntry,
)
from enrollment.services import runs as runs_service
from tests import builders as b
from tests.integrity.test_capacity_under_concurrency import TODAY, applicants, closed_round

pytestmark = pytest.mark.django_db(transaction=True)


class Injected(Exception):
    pass


def finished_run():
    from decimal import Decimal

    fy = b.fiscal_year(2027)
    school = b.school()
    clubs = [b.club(school=school, floor_area_m2=Decimal("8.25")) for _ in range(2)]
    rnd = closed_round(fy)
    applicants(rnd, clubs, school, 14, "子")
    staff = b.staff_user()
    run = runs_service.allocation_run_start(round_=rnd, actor=staff, ties="maximize_placed", seed=2, enqueue=False)
    run = runs_service.allocation_run_execute(run_id=run.pk)
    assert run.status == AllocationRun.Status.FINISHED
    return run, staff


def snapshot():
    return {
        "offers": Offer.objects.count(),
        "waitlist": list(WaitlistEntry.objects.order_by("pk").values_list("pk", "active")),
        "statuses": list(Application.objects.order_by("pk").values_list("status", flat=True)),
        "letters": Letter.objects.count() + LetterBatch.objects.count(),
        "audit": AuditEvent.objects.count(),
        "round": Round.objects.get().status,
    }


def test_a_failure_after_part_of_the_writes_leaves_nothing_behind(monkeypatch):
    run, staff = finished_run()
    before = snapshot()
    real_mark = runs_service.application_mark
    calls = []

    def fail_on_the_sixth(**kwargs):
        calls.append(kwargs["transition"])
        if len(calls) == 6:  # five offers are already written by now
            raise Injected("power cut")
        return real_mark(**kwargs)

    monkeypatch.setattr(runs_service, "application_mark", fail_on_the_sixth)
    with pytest.raises(Injected):
        runs_service.allocation_run_commit(run=run, actor=staff, today=TODAY)
    assert len(calls) == 6
    assert snapshot() == before
    assert AllocationRun.objects.get(pk=run.pk).status == AllocationRun.Status.FINISHED


def test_the_same_commit_without_the_failure_writes_offers_waitlist_letters_and_audit():
    run, staff = finished_run()
    before = snapshot()
    runs_service.allocation_run_commit(run=run, actor=staff, today=TODAY)
    after = snapshot()
    assert after["offers"] == 10
    assert WaitlistEntry.objects.filter(active=True).count() > 0
    assert after["audit"] > before["audit"]
    assert after["letters"] > 0
    assert after["round"] == Round.Status.COMMITTED


def test_a_failure_in_the_last_write_still_leaves_nothing(monkeypatch):
    run, staff = finished_run()
    before = snapshot()

    def fail_at_the_end(*args, **kwargs):
        raise Injected("disk full")

    # audit_record is the commit's last write before it returns.
    monkeypatch.setattr(runs_service, "audit_record", fail_at_the_end)
    with pytest.raises(Injected):
        runs_service.allocation_run_commit(run=run, actor=staff, today=TODAY)
    assert snapshot() == before
