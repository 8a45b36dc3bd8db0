"""Staff work on applications beyond the state machine: manual points adjustments, recomputing
points, reviewing documents, and entering a paper application on a family's behalf.

Accepting and returning are transitions of ``enrollment.services.applications``; call those.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.models import (
    Application,
    ApplicationChoice,
    Child,
    Club,
    Document,
    Guardian,
    Household,
    PointsAdjustment,
    Round,
    SiblingGroup,
)
from enrollment.services import ServiceError
from enrollment.services.applications import application_submit
from enrollment.services.audit import audit_record
from enrollment.services.points import application_points_refresh
from enrollment.services.setup import require_staff_write

S = Application.Status

# Points matter until the allocation has decided; after that an adjustment would change nothing.
ADJUSTABLE_STATUSES = (S.SUBMITTED, S.ACCEPTED, S.RETURNED, S.WAITLISTED)

MSG_NOT_ADJUSTABLE = _("The points of an application that is “%(status)s” can no longer be changed.")
MSG_REASON_REQUIRED = _("Write the reason for the adjustment.")
MSG_ZERO = _("An adjustment of zero points changes nothing.")
MSG_ONE_DECIMAL = _("Points have at most one decimal place.")
MSG_SIBLING_MODE = _("Siblings apply together only when two or more children of one household apply.")
MSG_ROUND_DECIDED = _("This round's results are decided: enter the application in a later round.")


@transaction.atomic
def application_points_adjust(*, actor, application: Application, points: Decimal, reason: str,
                              today: datetime.date | None = None) -> PointsAdjustment:
    """A manual adjustment with a written reason; the snapshot and its breakdown are recomputed."""
    require_staff_write(actor)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status not in ADJUSTABLE_STATUSES:
        raise ServiceError(MSG_NOT_ADJUSTABLE % {"status": application.get_status_display()}, code="wrong_status")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(MSG_REASON_REQUIRED, code="reason_required")
    points = Decimal(points)
    if points == 0:
        raise ServiceError(MSG_ZERO, code="zero")
    if points != points.quantize(Decimal("0.1")):
        raise ServiceError(MSG_ONE_DECIMAL, code="decimals")
    adjustment = PointsAdjustment.objects.create(application=application, points=points, reason=reason,
                                                 created_by=actor)
    application_points_refresh(application=application, today=today or timezone.localdate(), save=False)
    # A run that saw the old points must not be committed as if nothing changed.
    application.revision += 1
    application.save(update_fields=["points", "points_breakdown", "eligibility_problems", "revision", "updated_at"])
    audit_record(actor=actor, action="application.points_adjust", obj=application,
                 related={"adjustment": adjustment.pk, "child": application.child_id})
    return adjustment


@transaction.atomic
def application_points_recompute(*, actor, application: Application, today: datetime.date | None = None) -> Application:
    """Recompute the snapshot from the household's current facts (after a correction on paper)."""
    require_staff_write(actor)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status not in ADJUSTABLE_STATUSES:
        raise ServiceError(MSG_NOT_ADJUSTABLE % {"status": application.get_status_display()}, code="wrong_status")
    before = (application.points, application.points_breakdown, application.eligibility_problems)
    application_points_refresh(application=application, today=today or timezone.localdate(), save=False)
    if (application.points, application.points_breakdown, application.eligibility_problems) != before:
        application.revision += 1
    application.save(update_fields=["points", "points_breakdown", "eligibility_problems", "revision", "updated_at"])
    audit_record(actor=actor, action="application.points_recompute", obj=application,
                 related={"child": application.child_id})
    return application


@transaction.atomic
def document_review(*, actor, document: Document, review: str) -> Document:
    require_staff_write(actor)
    if review not in Document.Review.values:
        raise ServiceError(_("Choose how the document was checked."), code="invalid")
    document = Document.objects.select_for_update().get(pk=document.pk)
    document.review = review
    document.save(update_fields=["review"])
    audit_record(actor=actor, action="document.review", obj=document,
                 related={"application": document.application_id, "review": review})
    return document


@transaction.atomic
def application_paper_create(*, actor, round_: Round, household: Household, guardians: list[Guardian],
                             child: Child, clubs: list[Club], requested_start: datetime.date,
                             now: datetime.datetime | None = None) -> Application:
    """Enter a paper application: a new household with its guardians and child, the application
    (``is_paper``) with its ranked clubs, submitted at once so it gets its receipt number.

    The objects come unsaved and already validated (``PaperApplicationForm``); all or nothing.
    """
    return applications_paper_create_household(
        actor=actor, round_=round_, household=household, guardians=guardians,
        children=[(child, clubs, requested_start)], now=now)[0]


@transaction.atomic
def applications_paper_create_household(*, actor, round_: Round, household: Household, guardians: list[Guardian],
                                        children: list[tuple[Child, list[Club], datetime.date]],
                                        sibling_mode: str = "",
                                        now: datetime.datetime | None = None) -> list[Application]:
    """One household's paper applications: siblings on one form share the household, and with
    ``sibling_mode`` (together or prefer) apply as a sibling group. Every application is created
    with its choices before any is submitted, so each sibling's points see the others' clubs."""
    require_staff_write(actor)
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.status in (Round.Status.COMMITTED, Round.Status.PUBLISHED):
        raise ServiceError(MSG_ROUND_DECIDED, code="round_decided")
    if sibling_mode and (sibling_mode not in SiblingGroup.Mode.values or len(children) < 2):
        raise ServiceError(MSG_SIBLING_MODE, code="sibling_mode")
    household.save()
    for guardian in guardians:
        guardian.household = household
        guardian.save()
    group = SiblingGroup.objects.create(household=household, round=round_, mode=sibling_mode) if sibling_mode else None
    applications = []
    for child, clubs, requested_start in children:
        child.household = household
        child.save()
        application = Application.objects.create(child=child, round=round_, requested_start=requested_start,
                                                 is_paper=True, sibling_group=group)
        ApplicationChoice.objects.bulk_create(
            ApplicationChoice(application=application, rank=rank, club=club)
            for rank, club in enumerate(clubs, start=1))
        audit_record(actor=actor, action="application.paper_create", obj=application,
                     related={"household": household.pk, "child": child.pk, "round": round_.pk})
        applications.append(application)
    return [application_submit(application=a, actor=actor, now=now) for a in applications]
