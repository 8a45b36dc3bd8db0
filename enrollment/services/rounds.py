"""After the allocation: publishing a round's results, promotions from the waitlist, and the
allocation of a KoKoA programme's capacity-limited sessions.

Second and monthly rounds need no service of their own: a run of such a round goes through
``runs.allocation_run_start`` like the first, and ``allocation_bridge`` ranks the round's new
applications together with every child still waiting from an earlier round of the year, over the
places left (withdrawals and declined offers free them).
"""

import datetime
import json
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allocation.kokoa import KokoaProblem, SessionRequest, allocate_sessions
from allocation.kokoa import Session as KokoaSessionSlot
from enrollment.models import (
    Application,
    Club,
    KokoaProgramme,
    KokoaSession,
    KokoaSessionRequest,
    Offer,
    Round,
)
from enrollment.services import ServiceError
from enrollment.services.applications import _require_staff_write
from enrollment.services.audit import audit_record
from enrollment.services.offers import waitlist_promote

MSG_NOT_DECIDED = _("Results can be published only for a round whose run has been committed.")
MSG_ALREADY_PUBLISHED = _("The results of this round have already been published.")
MSG_NO_SESSION_CHOSEN = _("Choose at least one session to allocate.")
MSG_UNKNOWN_SESSION = _("Choose only sessions of this KoKoA programme.")
MSG_SESSION_UNLIMITED = _("“%(title)s” has no capacity limit: every registered child may attend, so it is not "
                          "allocated.")
MSG_NO_PENDING = _("No request for the chosen sessions is waiting for a decision.")
KOKOA_ALLOCATE_ACTION = "kokoa.programme_allocate"


@transaction.atomic
def round_publish(*, round_: Round, actor, publish_at: datetime.datetime, now=None) -> Round:
    """Set the moment families see the results. The round counts as published from then on;
    a moment in the past or now publishes at once."""
    _require_staff_write(actor)
    now = now or timezone.now()
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.status == Round.Status.PUBLISHED:
        raise ServiceError(MSG_ALREADY_PUBLISHED, code="published")
    if round_.status != Round.Status.COMMITTED:
        raise ServiceError(MSG_NOT_DECIDED, code="not_decided")
    round_.publish_at = publish_at
    if publish_at <= now:
        round_.status = Round.Status.PUBLISHED
    round_.save(update_fields=["publish_at", "status", "updated_at"])
    audit_record(actor=actor, action="round.publish", obj=round_,
                 related={"publish_at": publish_at.isoformat()})
    return round_


def rounds_publish_due(*, now=None) -> int:
    """Mark committed rounds whose publication moment has come as published (idempotent)."""
    now = now or timezone.now()
    return Round.objects.filter(status=Round.Status.COMMITTED, publish_at__isnull=False,
                                publish_at__lte=now).update(status=Round.Status.PUBLISHED, updated_at=now)


def waitlist_promote_all(*, actor, on: datetime.date, respond_by: datetime.date, clubs=None) -> list[Offer]:
    """繰り上げ for every freed place: each club offers places to its waiting children in
    waitlist order until it is full or nobody waits (``offers.waitlist_promote`` does one)."""
    _require_staff_write(actor)
    offers = []
    for club in clubs if clubs is not None else Club.objects.filter(is_active=True).order_by("code"):
        while True:
            offer = waitlist_promote(club=club, actor=actor, on=on, respond_by=respond_by)
            if offer is None:
                break
            offers.append(offer)
    return offers


@dataclass(frozen=True)
class KokoaSessionOutcome:
    session: KokoaSession
    kept: int  # requests granted before this allocation, which keep their places
    granted: tuple[int, ...]  # request ids granted now
    not_granted: tuple[int, ...]  # request ids not granted now


@dataclass(frozen=True)
class KokoaAllocation:
    seed: int
    children: int  # children with a request waiting for a decision
    children_served: int  # of them, children who hold at least one of the sessions afterwards
    waiting_children: int  # children waiting for a club place among them
    waiting_served: int
    sessions_granted: int  # places granted now
    sessions: tuple[KokoaSessionOutcome, ...]


@transaction.atomic
def kokoa_programme_allocate(*, programme: KokoaProgramme, actor, session_ids, seed: int | None = None
                             ) -> KokoaAllocation:
    """Allocate the undecided requests for the chosen capacity-limited sessions of one KoKoA
    programme together, with ``allocation.kokoa.allocate_sessions``: as many children as possible
    get at least one session they asked for, then as many sessions as possible are granted;
    children waiting for a club place come first, then the lottery from ``seed``.

    Requests granted earlier keep their places: they take places from the capacity, and their
    child counts as already served. The sessions are locked first, so two allocations of the same
    sessions run one after the other and the second sees the first's grants. The audit record
    holds the problem (free places, each child's requested sessions, waiting and served marks)
    and the outcome, ids only, so anyone can replay the draw."""
    _require_staff_write(actor)
    chosen = sorted({int(pk) for pk in session_ids})
    if not chosen:
        raise ServiceError(MSG_NO_SESSION_CHOSEN, code="no_session")
    sessions = list(KokoaSession.objects.select_for_update().filter(programme=programme, pk__in=chosen)
                    .order_by("pk"))
    if len(sessions) != len(chosen):
        raise ServiceError(MSG_UNKNOWN_SESSION, code="unknown_session")
    unlimited = [s for s in sessions if s.capacity is None]
    if unlimited:
        raise ServiceError(MSG_SESSION_UNLIMITED % {"title": unlimited[0].title}, code="no_capacity")
    requests = list(KokoaSessionRequest.objects.filter(session__in=sessions).exclude(
        status=KokoaSessionRequest.Status.NOT_GRANTED).select_related("registration").order_by("pk"))
    pending = [r for r in requests if r.status == KokoaSessionRequest.Status.REQUESTED]
    if not pending:
        raise ServiceError(MSG_NO_PENDING, code="no_pending")
    kept = {s.pk: 0 for s in sessions}
    served_before = set()
    for r in requests:
        if r.status == KokoaSessionRequest.Status.GRANTED:
            kept[r.session_id] += 1
            served_before.add(r.registration.child_id)
    asked: dict[int, list[int]] = {}
    request_of: dict[tuple[int, int], int] = {}
    for r in pending:
        asked.setdefault(r.registration.child_id, []).append(r.session_id)
        request_of[r.registration.child_id, r.session_id] = r.pk
    waiting = set(Application.objects.filter(
        round__fiscal_year_id=programme.fiscal_year_id, status=Application.Status.WAITLISTED,
        child_id__in=list(asked)).values_list("child_id", flat=True))
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    problem = KokoaProblem(
        sessions=tuple(KokoaSessionSlot(str(s.pk), max(0, s.capacity - kept[s.pk])) for s in sessions),
        requests=tuple(SessionRequest(str(child), tuple(str(pk) for pk in sorted(asked[child])),
                                      waiting_for_club=child in waiting, already_served=child in served_before)
                       for child in sorted(asked)),
        seed=seed)
    result = allocate_sessions(problem)
    granted = sorted(request_of[int(child), int(session)]
                     for child, granted_sessions in result.assignments.items() for session in granted_sessions)
    not_granted = sorted(set(request_of.values()) - set(granted))
    KokoaSessionRequest.objects.filter(pk__in=granted).update(status=KokoaSessionRequest.Status.GRANTED)
    KokoaSessionRequest.objects.filter(pk__in=not_granted).update(status=KokoaSessionRequest.Status.NOT_GRANTED)
    granted_set = set(granted)
    outcomes = tuple(KokoaSessionOutcome(
        session=s, kept=kept[s.pk],
        granted=tuple(r.pk for r in pending if r.session_id == s.pk and r.pk in granted_set),
        not_granted=tuple(r.pk for r in pending if r.session_id == s.pk and r.pk not in granted_set),
    ) for s in sessions)
    allocation = KokoaAllocation(
        seed=seed, children=len(asked), children_served=result.children_served,
        waiting_children=len(waiting), waiting_served=result.waiting_served,
        sessions_granted=result.sessions_granted, sessions=outcomes)
    audit_record(actor=actor, action=KOKOA_ALLOCATE_ACTION, obj=programme, related={
        "seed": seed,
        "problem": json.dumps(_problem_record(problem), sort_keys=True),
        "outcome": json.dumps(_outcome_record(allocation), sort_keys=True),
    })
    return allocation


def _problem_record(problem: KokoaProblem) -> dict:
    """The allocator's input as JSON: enough to rebuild ``KokoaProblem`` and replay the draw."""
    return {
        "seed": problem.seed,
        "sessions": {s.id: s.capacity for s in problem.sessions},
        "children": {r.child: {"sessions": list(r.sessions), "waiting_for_club": r.waiting_for_club,
                               "already_served": r.already_served} for r in problem.requests},
    }


def _outcome_record(allocation: KokoaAllocation) -> dict:
    return {
        "children": allocation.children, "children_served": allocation.children_served,
        "waiting_children": allocation.waiting_children, "waiting_served": allocation.waiting_served,
        "sessions_granted": allocation.sessions_granted,
        "sessions": {str(o.session.pk): {"kept": o.kept, "granted": list(o.granted), "not_granted": list(o.not_granted)}
                     for o in allocation.sessions},
    }
