"""The application state machine: one function per transition (eVaka's ApplicationStateService).

    draft ─► submitted ─► accepted ─► offered ─► decided
                │  ▲         │   │       │
                ▼  │         │   ▼       ▼
              returned       │ waitlisted ─► offered     declined
                             ▼
                           refused
    withdrawn: from any live status before a decision.

Every transition checks the actor's permission, then the current status, then writes and
records the event for the family and an audit entry (ids only).
"""

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.models import Application, ApplicationEvent, Round
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services.audit import audit_record

S = Application.Status

# The whole machine in one table: the statuses each transition may start from.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": ((S.DRAFT, S.RETURNED), S.SUBMITTED),
    "accept": ((S.SUBMITTED,), S.ACCEPTED),
    "return": ((S.SUBMITTED, S.ACCEPTED), S.RETURNED),
    "offer": ((S.ACCEPTED, S.WAITLISTED), S.OFFERED),
    "waitlist": ((S.ACCEPTED,), S.WAITLISTED),
    "refuse": ((S.ACCEPTED,), S.REFUSED),
    "decide": ((S.OFFERED,), S.DECIDED),
    "decline": ((S.OFFERED,), S.DECLINED),
    "withdraw": ((S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.RETURNED, S.OFFERED, S.WAITLISTED), S.WITHDRAWN),
}

MSG_WRONG_STATUS = _("This application is “%(status)s”, so it cannot be %(action)s now.")
MSG_NOT_YOURS = _("This application does not belong to your household.")
MSG_READ_ONLY = _("Your account can view applications but not change them.")
MSG_ROUND_CLOSED = _("Applications for this round are not being accepted now.")
MSG_NO_CHOICES = _("Choose at least one club.")
MSG_COMMENT_REQUIRED = _("Write a comment that tells the family what to correct.")
MSG_DUPLICATE = _("This child already has an application in this round.")

ACTION_LABELS = {
    "submit": _("submitted"),
    "accept": _("accepted"),
    "return": _("returned"),
    "offer": _("offered a place"),
    "waitlist": _("waitlisted"),
    "refuse": _("refused"),
    "decide": _("decided"),
    "decline": _("declined"),
    "withdraw": _("withdrawn"),
}


def allowed_transitions(status: str) -> list[str]:
    return [name for name, (sources, _target) in TRANSITIONS.items() if status in sources]


def _verify_status(application: Application, transition: str) -> str:
    sources, target = TRANSITIONS[transition]
    if application.status not in sources:
        raise ServiceError(
            MSG_WRONG_STATUS % {"status": application.get_status_display(), "action": ACTION_LABELS[transition]},
            code="wrong_status",
        )
    return target


def _require_family_of(actor, application: Application) -> None:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(MSG_NOT_YOURS, code="not_yours")
    if actor.is_family and actor.household_id == application.child.household_id:
        return
    if actor.is_city_staff:
        _require_staff_write(actor)
        return
    raise PermissionDenied(MSG_NOT_YOURS, code="not_yours")


def _require_staff_write(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_city_staff:
        raise PermissionDenied(MSG_NOT_YOURS, code="not_staff")
    if not actor.can_change:
        raise PermissionDenied(MSG_READ_ONLY, code="read_only")


def _lock(application: Application) -> Application:
    """Re-read the row under a lock so two concurrent transitions cannot both pass the check.

    Only the application's row (``of=("self",)``): PostgreSQL would otherwise also lock the joined
    round, which a run's commit locks first, and the two would deadlock."""
    return Application.objects.select_for_update(of=("self",)).select_related("child", "round").get(pk=application.pk)


def _move(application: Application, transition: str, *, actor, comment: str = "",
          visible_to_family: bool = True, **fields) -> Application:
    target = _verify_status(application, transition)
    previous = application.status
    application.status = target
    for name, value in fields.items():
        setattr(application, name, value)
    application.revision += 1
    application.save()
    ApplicationEvent.objects.create(application=application, from_status=previous, to_status=target,
                                    actor=actor if getattr(actor, "is_authenticated", False) else None,
                                    comment=comment, visible_to_family=visible_to_family)
    audit_record(actor=actor, action=f"application.{transition}", obj=application,
                 related={"child": application.child_id, "round": application.round_id})
    return application


def _next_receipt_number(round_: Round) -> str:
    locked = Round.objects.select_for_update().get(pk=round_.pk)
    locked.last_receipt_serial += 1
    locked.save(update_fields=["last_receipt_serial"])
    kind_letter = {"first": "A", "second": "B", "monthly": "M"}[locked.kind]
    month = f"{locked.start_month:%m}" if locked.kind == "monthly" else ""
    return f"{locked.fiscal_year.year % 100:02d}{kind_letter}{month}-{locked.last_receipt_serial:05d}"


def _may_submit_now(application: Application, actor, now) -> bool:
    """New applications only in the window; a correction asked for by staff may come back while
    screening goes on after the window has closed, but not once results are decided."""
    if application.round.is_open_at(now):
        return True
    if application.status == S.RETURNED and application.round.status in (Round.Status.OPEN, Round.Status.CLOSED):
        return True
    return actor.is_city_staff and application.is_paper


@transaction.atomic
def application_submit(*, application: Application, actor, now: datetime.datetime | None = None,
                       submission_key: uuid.UUID | None = None) -> Application:
    """Submit a draft (or resubmit a returned application). Submitting twice with the same
    ``submission_key`` returns the first result instead of failing or duplicating."""
    now = now or timezone.now()
    if submission_key is not None:
        existing = Application.objects.filter(submission_key=submission_key).first()
        if existing is not None and existing.status != S.DRAFT and existing.status != S.RETURNED:
            return existing
    application = _lock(application)
    _require_family_of(actor, application)
    if application.status in (S.SUBMITTED,) and submission_key is not None and application.submission_key == submission_key:
        return application
    if not _may_submit_now(application, actor, now):
        raise ServiceError(MSG_ROUND_CLOSED, code="round_closed")
    if not application.choices.exists():
        raise ServiceError(MSG_NO_CHOICES, code="no_choices")
    from enrollment.services.points import application_points_refresh

    application_points_refresh(application=application, today=timezone.localdate(now), save=False)
    fields = {"submitted_at": now, "return_comment": ""}
    if not application.receipt_number:
        fields["receipt_number"] = _next_receipt_number(application.round)
    if submission_key is not None:
        fields["submission_key"] = submission_key
    try:
        with transaction.atomic():
            return _move(application, "submit", actor=actor, **fields)
    except IntegrityError:
        raise ServiceError(MSG_DUPLICATE, code="duplicate")


@transaction.atomic
def application_accept(*, application: Application, actor, now=None) -> Application:
    """受理: documents checked, the application enters screening."""
    _require_staff_write(actor)
    application = _lock(application)
    return _move(application, "accept", actor=actor, accepted_at=now or timezone.now())


@transaction.atomic
def application_return(*, application: Application, actor, comment: str) -> Application:
    """差し戻し: back to the family with a comment saying what to correct."""
    _require_staff_write(actor)
    comment = (comment or "").strip()
    if not comment:
        raise ServiceError(MSG_COMMENT_REQUIRED, code="comment_required")
    application = _lock(application)
    return _move(application, "return", actor=actor, comment=comment, return_comment=comment)


@transaction.atomic
def application_withdraw(*, application: Application, actor, reason: str = "") -> Application:
    application = _lock(application)
    _require_family_of(actor, application)
    from enrollment.services.offers import cancel_open_offers

    moved = _move(application, "withdraw", actor=actor, comment=reason)
    cancel_open_offers(application=moved)
    moved.waitlist_entries.update(active=False)
    return moved


def application_mark(*, application: Application, transition: str, actor, comment: str = "") -> Application:
    """The outcome transitions (offer, waitlist, refuse, decide, decline) are driven by a run's
    commit and by offer answers; callers hold the transaction and the permission checks."""
    if transition not in ("offer", "waitlist", "refuse", "decide", "decline"):
        raise ValueError(transition)
    return _move(application, transition, actor=actor, comment=comment)
