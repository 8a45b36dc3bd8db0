"""Allocation runs (proposals), and what a committed run turns into: offers, waitlists, enrolments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from .base import Timestamped, choices_check, public_id_field
from .applications import Application, Round
from .org import Club
from .people import Child


class AllocationRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", pgettext_lazy("run", "Finished")
    FAILED = "failed", _("Failed")
    COMMITTED = "committed", _("Committed")
    SUPERSEDED = "superseded", _("Not chosen")


class AllocationRunTies(models.TextChoices):
    MAXIMIZE_PLACED = "maximize_placed", _("Place as many children as possible, then lottery")
    LOTTERY_FIRST = "lottery_first", _("Lottery first")


class AllocationRun(Timestamped):
    """One run of the optimiser over a round: a proposal until staff commit it (eVaka's PlacementPlan)."""

    Status = AllocationRunStatus

    Ties = AllocationRunTies

    public_id = public_id_field()
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="runs", verbose_name=_("round"))
    status = models.CharField(_("status"), max_length=12, choices=AllocationRunStatus.choices, default=Status.QUEUED)
    ties = models.CharField(_("tie policy"), max_length=20, choices=AllocationRunTies.choices)
    seed = models.BigIntegerField(_("lottery seed"))
    elastic_ratios = models.JSONField(_("elastic intake per club"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("started by"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_message = models.CharField(_("progress"), max_length=200, blank=True)
    input_fingerprint = models.CharField(_("input fingerprint"), max_length=64, blank=True)
    problem = models.JSONField(_("problem"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    placed = models.PositiveIntegerField(_("placed"), null=True, blank=True)
    unplaced = models.PositiveIntegerField(_("not placed"), null=True, blank=True)
    proven_optimal = models.BooleanField(_("proven optimal"), null=True, blank=True)
    gap = models.FloatField(_("gap"), null=True, blank=True)
    solve_seconds = models.FloatField(_("solve time (s)"), null=True, blank=True)
    violations = models.JSONField(_("validator violations"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("committed by"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        constraints = [
            choices_check("status", AllocationRunStatus.choices, "run_status_valid"),
            choices_check("ties", AllocationRunTies.choices, "run_ties_valid"),
            models.UniqueConstraint(fields=["round"], condition=Q(status="committed"),
                                    name="run_one_committed_per_round"),
            models.UniqueConstraint(fields=["round"], condition=Q(status__in=["queued", "running"]),
                                    name="run_one_active_per_round"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="run_progress_range"),
        ]

    def __str__(self):
        return f"{self.round} #{self.pk}"


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Awaiting answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Offer(Timestamped):
    """内定: a place offered to an application by a committed run (or a promotion from the waitlist)."""

    Status = OfferStatus

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offers",
                                    verbose_name=_("application"))
    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="offers", verbose_name=_("club"))
    run = models.ForeignKey(AllocationRun, null=True, blank=True, on_delete=models.PROTECT, related_name="offers",
                            verbose_name=_("run"))
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus.choices, default=Status.OPEN)
    respond_by = models.DateField(_("answer by"))
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            choices_check("status", OfferStatus.choices, "offer_status_valid"),
            models.UniqueConstraint(fields=["application"], condition=Q(status__in=["open", "accepted"]),
                                    name="offer_one_live_per_application"),
        ]


class WaitlistEntry(models.Model):
    """保留: a waiting application's position at one club it asked for."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="waitlist_entries",
                                    verbose_name=_("application"))
    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="waitlist_entries", verbose_name=_("club"))
    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="waitlist_entries",
                            verbose_name=_("run"))
    position = models.PositiveIntegerField(_("position"))
    active = models.BooleanField(_("waiting"), default=True)

    class Meta:
        ordering = ["club", "position"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        constraints = [
            models.UniqueConstraint(fields=["run", "club", "position"], name="waitlist_unique_position"),
            models.UniqueConstraint(fields=["run", "club", "application"], name="waitlist_unique_application"),
            models.CheckConstraint(condition=Q(position__gte=1), name="waitlist_position_positive"),
        ]


class Enrollment(Timestamped):
    """在籍: a child holding a place at a club from ``start_date`` (to ``end_date`` when leaving)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("child"))
    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("club"))
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="enrollments", verbose_name=_("application"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["club", "start_date"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="enrollment_dates_ordered"),
        ]

    def is_active_on(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class Withdrawal(models.Model):
    """退所届: notice of leaving a club on a date."""

    public_id = public_id_field()
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="withdrawals",
                                   verbose_name=_("enrolment"))
    leave_date = models.DateField(_("last day at the club"))
    reason = models.TextField(_("reason"), blank=True, max_length=1000)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("submitted by"))

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("withdrawal notice")
        verbose_name_plural = _("withdrawal notices")
