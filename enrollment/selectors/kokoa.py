"""Reads behind the KoKoA allocation pages: a programme's capacity-limited sessions with their
request counts, and its past allocations as the audit trail recorded them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db.models import Count, Q

from enrollment.models import AuditEvent, KokoaProgramme, KokoaSession, KokoaSessionRequest
from enrollment.services.rounds import KOKOA_ALLOCATE_ACTION

Status = KokoaSessionRequest.Status


def limited_sessions(programmes=None):
    """Capacity-limited sessions with their requests counted per status."""
    sessions = KokoaSession.objects.filter(capacity__isnull=False)
    if programmes is not None:
        sessions = sessions.filter(programme__in=programmes)
    return (sessions.select_related("programme__school", "programme__fiscal_year")
            .annotate(requested=Count("requests", filter=Q(requests__status=Status.REQUESTED)),
                      granted=Count("requests", filter=Q(requests__status=Status.GRANTED)),
                      not_granted=Count("requests", filter=Q(requests__status=Status.NOT_GRANTED)))
            .order_by("programme__fiscal_year__year", "programme__school__code", "date", "weekday", "pk"))


@dataclass(frozen=True)
class SessionLine:
    session_id: int
    session: KokoaSession | None  # None once the session has been deleted
    kept: int
    granted: int
    not_granted: int


@dataclass(frozen=True)
class PastAllocation:
    at: object
    seed: str
    children: int
    children_served: int
    waiting_children: int
    waiting_served: int
    sessions_granted: int
    lines: tuple[SessionLine, ...]


def past_allocations(programme: KokoaProgramme, *, limit: int = 10) -> list[PastAllocation]:
    """The programme's latest allocations, newest first, from their audit records."""
    events = (AuditEvent.objects.filter(action=KOKOA_ALLOCATE_ACTION, object_type="kokoaprogramme",
                                        object_id=str(programme.pk)).order_by("-at", "-pk")[:limit])
    sessions = {s.pk: s for s in programme.sessions.all()}
    found = []
    for event in events:
        outcome = json.loads(event.related["outcome"])
        lines = tuple(SessionLine(int(pk), sessions.get(int(pk)), line["kept"], len(line["granted"]),
                                  len(line["not_granted"]))
                      for pk, line in sorted(outcome["sessions"].items(), key=lambda item: int(item[0])))
        found.append(PastAllocation(
            at=event.at, seed=event.related["seed"], children=outcome["children"],
            children_served=outcome["children_served"], waiting_children=outcome["waiting_children"],
            waiting_served=outcome["waiting_served"], sessions_granted=outcome["sessions_granted"], lines=lines))
    return found
