"""Writes by operators' staff: KoKoA check-in (who is in the building) and roster visits.

KoKoA safety staff are operator users of their committee's ``Operator``; they record, per
session date, that a child is present, absent, or left at a time. Each write checks the user
runs the programme, then that the child is expected that day, then writes and audits (ids only).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.models import Child, Club, KokoaAttendance, KokoaSession, RosterVisit
from enrollment.selectors.rosters import is_session_date, session_children
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services.audit import audit_record

MSG_NOT_YOUR_PROGRAMME = _("This KoKoA programme is not run by your organisation.")
MSG_NOT_YOUR_CLUB = _("This club is not run by your organisation.")
MSG_NOT_A_SESSION_DATE = _("The session does not meet on that date.")
MSG_FUTURE_DATE = _("Attendance cannot be recorded for a future date.")
MSG_NOT_EXPECTED = _("This child is not on the list for this session.")
MSG_BAD_STATUS = _("Choose present, absent or left.")
MSG_LEFT_AT_REQUIRED = _("Enter the time the child left.")
MSG_LEFT_AT_FUTURE = _("The time the child left cannot be later than now.")


def _require_operator_of(actor, session: KokoaSession) -> None:
    if actor is None or not getattr(actor, "is_operator", False) or \
            actor.operator_id != session.programme.operator_id:
        raise PermissionDenied(MSG_NOT_YOUR_PROGRAMME, code="not_your_programme")


def kokoa_attendance_record(*, actor, session: KokoaSession, child: Child, day: datetime.date, status: str,
                            left_at: datetime.time | None = None,
                            now: datetime.datetime | None = None) -> KokoaAttendance:
    """Record ``status`` for ``child`` at ``session`` on ``day``; a second tap replaces the first.

    "Left" without a time means now (the usual case: staff tap as the child walks out); for an
    earlier day the time must be given.
    """
    _require_operator_of(actor, session)
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    if not is_session_date(session, day):
        raise ServiceError(MSG_NOT_A_SESSION_DATE, code="not_a_session_date")
    if day > today:
        raise ServiceError(MSG_FUTURE_DATE, code="future_date")
    if status not in KokoaAttendance.Status.values:
        raise ServiceError(MSG_BAD_STATUS, code="bad_status")
    if child.pk not in {c.child_id for c in session_children(session, day)}:
        raise ServiceError(MSG_NOT_EXPECTED, code="not_expected")
    if status == KokoaAttendance.Status.LEFT:
        if left_at is None:
            if day != today:
                raise ServiceError(MSG_LEFT_AT_REQUIRED, code="left_at_required")
            left_at = now.time().replace(second=0, microsecond=0)
        elif day == today and left_at > now.time():
            raise ServiceError(MSG_LEFT_AT_FUTURE, code="left_at_future")
    else:
        left_at = None
    values = {"status": status, "left_at": left_at, "recorded_by": actor}
    try:
        with transaction.atomic():
            attendance, _created = KokoaAttendance.objects.update_or_create(
                session=session, date=day, child=child, defaults=values)
    except IntegrityError:
        # Two devices tapped the same child at once: the row exists now, so update it.
        with transaction.atomic():
            attendance, _created = KokoaAttendance.objects.update_or_create(
                session=session, date=day, child=child, defaults=values)
    audit_record(actor=actor, action="kokoa.attendance.record", obj=attendance,
                 related={"session": session.pk, "child": child.pk, "date": day.isoformat()})
    return attendance


def roster_visit_record(*, actor, club: Club, at: datetime.datetime | None = None) -> RosterVisit:
    """Remember when ``actor`` last looked at a club's roster: the base of "changed since"."""
    if actor is None or not getattr(actor, "is_operator", False) or actor.operator_id != club.operator_id:
        raise PermissionDenied(MSG_NOT_YOUR_CLUB, code="not_your_club")
    at = at or timezone.now()
    try:
        with transaction.atomic():
            visit, _created = RosterVisit.objects.update_or_create(
                user_id=actor.pk, club_id=club.pk, defaults={"seen_at": at})
    except IntegrityError:
        with transaction.atomic():
            visit, _created = RosterVisit.objects.update_or_create(
                user_id=actor.pk, club_id=club.pk, defaults={"seen_at": at})
    return visit
