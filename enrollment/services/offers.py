"""Offers, their answers, enrolments, withdrawals from a club and promotion from the waitlist.

Capacity is never exceeded whatever the interleaving: every write that can add a child to a club
first locks the club's row (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers), then
counts, then writes, inside one transaction.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.models import Application, Club, Enrollment, Offer, WaitlistEntry, Withdrawal
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services.applications import _require_family_of, _require_staff_write, application_mark
from enrollment.services.audit import audit_record

MSG_OFFER_CLOSED = _("This offer can no longer be answered.")
MSG_OFFER_EXPIRED = _("The deadline to answer this offer has passed.")
MSG_CLUB_FULL = _("The club has no free place.")
MSG_LEAVE_DATE = _("The last day must be on or after the start date and not in the past.")
MSG_NOT_ENROLLED = _("The child is not enrolled at a club.")


def club_occupancy(club: Club, *, on: datetime.date) -> int:
    """Places taken at ``club`` on a day: enrolments active then, plus offers still open or accepted
    that have no enrolment yet (an accepted offer holds its place until the start date)."""
    enrolled = Enrollment.objects.filter(club=club, start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)).count()
    pending = Offer.objects.filter(club=club, status__in=[Offer.Status.OPEN, Offer.Status.ACCEPTED]).exclude(
        application__enrollments__club=club).count()
    return enrolled + pending


def lock_club(club: Club) -> Club:
    return Club.objects.select_for_update().get(pk=club.pk)


def cancel_open_offers(*, application: Application) -> int:
    return Offer.objects.filter(application=application, status=Offer.Status.OPEN).update(
        status=Offer.Status.CANCELLED, responded_at=timezone.now())


def _open_offer(application: Application) -> Offer:
    offer = Offer.objects.select_for_update().filter(application=application, status=Offer.Status.OPEN).first()
    if offer is None:
        raise ServiceError(MSG_OFFER_CLOSED, code="offer_closed")
    return offer


@transaction.atomic
def offer_accept(*, application: Application, actor, today: datetime.date | None = None) -> Enrollment:
    """The family takes up the offered place: the application is decided and the child enrolled."""
    today = today or timezone.localdate()
    application = Application.objects.select_for_update(of=("self",)).select_related("child").get(pk=application.pk)
    _require_family_of(actor, application)
    offer = _open_offer(application)
    if offer.respond_by < today:
        raise ServiceError(MSG_OFFER_EXPIRED, code="offer_expired")
    lock_club(offer.club)  # the offer already holds its place; the lock orders us behind other writers
    offer.status = Offer.Status.ACCEPTED
    offer.responded_at = timezone.now()
    offer.save(update_fields=["status", "responded_at", "updated_at"])
    application_mark(application=application, transition="decide", actor=actor)
    enrollment = Enrollment.objects.create(child=application.child, club=offer.club, application=application,
                                           start_date=max(application.requested_start, application.round.start_month))
    audit_record(actor=actor, action="offer.accept", obj=offer, related={"application": application.pk})
    return enrollment


@transaction.atomic
def offer_decline(*, application: Application, actor) -> Application:
    application = Application.objects.select_for_update(of=("self",)).select_related("child").get(pk=application.pk)
    _require_family_of(actor, application)
    offer = _open_offer(application)
    offer.status = Offer.Status.DECLINED
    offer.responded_at = timezone.now()
    offer.save(update_fields=["status", "responded_at", "updated_at"])
    audit_record(actor=actor, action="offer.decline", obj=offer, related={"application": application.pk})
    return application_mark(application=application, transition="decline", actor=actor)


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, actor, leave_date: datetime.date, reason: str = "",
                        today: datetime.date | None = None) -> Withdrawal:
    """退所届: the place is freed after ``leave_date`` and goes to the next waiting child."""
    today = today or timezone.localdate()
    enrollment = Enrollment.objects.select_for_update(of=("self",)).select_related("child").get(pk=enrollment.pk)
    if actor.is_family:
        if actor.household_id != enrollment.child.household_id:
            raise PermissionDenied(_("This child does not belong to your household."), code="not_yours")
    else:
        _require_staff_write(actor)
    if leave_date < enrollment.start_date or leave_date < today - datetime.timedelta(days=1):
        raise ServiceError(MSG_LEAVE_DATE, code="leave_date")
    if enrollment.end_date is not None and enrollment.end_date <= leave_date:
        raise ServiceError(MSG_NOT_ENROLLED, code="not_enrolled")
    enrollment.end_date = leave_date
    enrollment.save(update_fields=["end_date", "updated_at"])
    withdrawal = Withdrawal.objects.create(enrollment=enrollment, leave_date=leave_date, reason=reason,
                                           submitted_by=actor)
    audit_record(actor=actor, action="enrollment.withdraw", obj=enrollment, related={"withdrawal": withdrawal.pk})
    return withdrawal


@transaction.atomic
def waitlist_promote(*, club: Club, actor, on: datetime.date, respond_by: datetime.date) -> Offer | None:
    """繰り上げ: offer a freed place at ``club`` to the first active waiting application there.

    Returns None when the club has no free place or nobody waits."""
    _require_staff_write(actor)
    club = lock_club(club)
    if club_occupancy(club, on=on) >= club.intake_cap:
        return None
    application, entry = None, None
    # Lock the application before its waitlist entries, as every other writer does: locking the
    # entry joined to its application (FOR UPDATE over both) let two promoters of different
    # clubs each hold one and wait for the other (deadlock found by tests/integrity).
    for candidate in (WaitlistEntry.objects
                      .filter(club=club, active=True, application__status=Application.Status.WAITLISTED)
                      .order_by("run__created_at", "position")):
        # Only this row, unordered: .first() would order by the model's ordering, join the round
        # and fiscal year, and lock them too, which a run's commit locks first (a deadlock).
        application = (Application.objects.select_for_update(of=("self",))
                       .filter(pk=candidate.application_id, status=Application.Status.WAITLISTED)
                       .order_by("pk").first())
        if application is not None and WaitlistEntry.objects.filter(pk=candidate.pk, active=True).exists():
            entry = candidate
            break
    if entry is None:
        return None
    offer = Offer.objects.create(application=application, club=club, run=entry.run, respond_by=respond_by)
    application_mark(application=application, transition="offer", actor=actor,
                     comment=str(_("A place became free at %(club)s.") % {"club": club.name}))
    WaitlistEntry.objects.filter(application=application).update(active=False)
    audit_record(actor=actor, action="waitlist.promote", obj=offer, related={"application": application.pk,
                                                                             "club": club.pk})
    return offer
