"""Builders for the letters tests: a round with a committed run, KoKoA registrations."""

from __future__ import annotations

import datetime

from django.db import transaction

from enrollment.models import Application, KokoaProgramme, KokoaRegistration, KokoaSession, KokoaSessionRequest, Round
from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start
from tests import builders as b

COMMIT_DAY = datetime.date(2027, 2, 5)


def closed_round(fy=None) -> Round:
    return b.round_(fy or b.fiscal_year(2027), status=Round.Status.CLOSED)


def accepted(rnd: Round, clubs, *, household=None, **child_fields) -> Application:
    h = household or b.household()
    child = b.child(h, **child_fields)
    return b.application(child, rnd=rnd, clubs=clubs, status=Application.Status.ACCEPTED)


def commit(rnd: Round, staff, *, queue_letters: bool = True):
    """Run the allocation and commit it, as staff do; letters are queued after the commit."""
    run = allocation_run_start(round_=rnd, actor=staff, ties="lottery_first", seed=7, enqueue=False)
    allocation_run_execute(run_id=run.pk, time_limit=30)
    run.refresh_from_db()
    with transaction.atomic():
        allocation_run_commit(run=run, actor=staff, today=COMMIT_DAY)
    run.refresh_from_db()
    return run


def kokoa_registration(child, fy, *, weekdays=(0, 2, 4), granted=(), not_granted=()) -> KokoaRegistration:
    programme, _ = KokoaProgramme.objects.get_or_create(
        school=child.school, fiscal_year=fy, defaults={"operator": b.operator(), "name": f"{child.school.name} KoKoA"})
    registration = KokoaRegistration.objects.create(programme=programme, child=child, weekdays=list(weekdays))
    for title, status in [(t, KokoaSessionRequest.Status.GRANTED) for t in granted] + \
                         [(t, KokoaSessionRequest.Status.NOT_GRANTED) for t in not_granted]:
        session = KokoaSession.objects.create(programme=programme, kind=KokoaSession.Kind.SPECIAL, title=title,
                                              date=datetime.date(fy.year, 7, 24), starts_at=datetime.time(9),
                                              ends_at=datetime.time(12), capacity=10)
        KokoaSessionRequest.objects.create(registration=registration, session=session, status=status)
    return registration
