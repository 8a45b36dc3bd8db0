"""Rounds, applications and everything attached to one application."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from .base import Timestamped, choices_check, public_id_field
from .org import Club, FiscalYear, RuleSet
from .people import Child, Guardian, Household


class RoundKind(models.TextChoices):
    FIRST = "first", _("First round")
    SECOND = "second", _("Second round")
    MONTHLY = "monthly", _("Monthly round")


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", pgettext_lazy("round", "Open for applications")
    CLOSED = "closed", pgettext_lazy("round", "Closed, screening")
    COMMITTED = "committed", _("Results decided")
    PUBLISHED = "published", _("Results published")


class Round(Timestamped):
    """一斉申請 (first), 二次 (second) or 月途中 (monthly) round of one fiscal year."""

    Kind = RoundKind

    Status = RoundStatus

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="rounds",
                                    verbose_name=_("fiscal year"))
    kind = models.CharField(_("kind"), max_length=10, choices=RoundKind.choices)
    name = models.CharField(_("name"), max_length=100)
    start_month = models.DateField(_("placements start"), help_text=_("First day of the month places begin."))
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(_("applications close"))
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=Status.PLANNED)
    ruleset = models.ForeignKey(RuleSet, on_delete=models.PROTECT, null=True, blank=True, related_name="rounds",
                                verbose_name=_("rule set"),
                                help_text=_("Empty: the fiscal year's newest rule set."))
    publish_at = models.DateTimeField(_("results published to families"), null=True, blank=True)
    offer_response_days = models.PositiveSmallIntegerField(_("days to accept an offer"), default=14)
    publishes_waitlist_position = models.BooleanField(_("show waitlist positions to families"), default=True)
    last_receipt_serial = models.PositiveIntegerField(_("last receipt number issued"), default=0, editable=False)

    class Meta:
        ordering = ["fiscal_year", "opens_at"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        constraints = [
            choices_check("kind", RoundKind.choices, "round_kind_valid"),
            choices_check("status", RoundStatus.choices, "round_status_valid"),
            models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")), name="round_window_ordered"),
            models.UniqueConstraint(fields=["fiscal_year", "kind", "start_month"], name="round_unique_kind_month"),
        ]

    def __str__(self):
        return f"{self.fiscal_year} {self.name}"

    def effective_ruleset(self) -> RuleSet | None:
        return self.ruleset or self.fiscal_year.current_ruleset()

    def is_open_at(self, moment) -> bool:
        return self.status == self.Status.OPEN and self.opens_at <= moment < self.closes_at


LIVE_APPLICATION_STATUSES = ("draft", "submitted", "accepted", "returned", "offered", "waitlisted", "decided")


class SiblingGroupMode(models.TextChoices):
    TOGETHER = "together", _("The same club or none")
    PREFER = "prefer", _("The same club preferred")


class SiblingGroup(models.Model):
    """Siblings applying together in one round: the same club or none, or the same club preferred."""

    Mode = SiblingGroupMode

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="sibling_groups",
                                  verbose_name=_("household"))
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sibling_groups",
                              verbose_name=_("round"))
    mode = models.CharField(_("sibling wish"), max_length=10, choices=SiblingGroupMode.choices)

    class Meta:
        verbose_name = _("sibling group")
        verbose_name_plural = _("sibling groups")
        constraints = [choices_check("mode", SiblingGroupMode.choices, "siblinggroup_mode_valid")]


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", pgettext_lazy("application", "Accepted for screening")
    RETURNED = "returned", _("Returned for correction")
    OFFERED = "offered", _("Offered a place")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REFUSED = "refused", _("Not approved")
    DECIDED = "decided", _("Place decided")
    DECLINED = "declined", _("Offer declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(Timestamped):
    """申請: one child, one round, up to five ranked clubs. Its status moves only through
    ``enrollment.services.applications`` (one function per transition)."""

    Status = ApplicationStatus

    LIVE_STATUSES = LIVE_APPLICATION_STATUSES
    MAX_CHOICES = 5

    public_id = public_id_field()
    receipt_number = models.CharField(_("receipt number"), max_length=20, unique=True, null=True, blank=True)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="applications", verbose_name=_("child"))
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications", verbose_name=_("round"))
    status = models.CharField(_("status"), max_length=12, choices=ApplicationStatus.choices, default=Status.DRAFT)
    sibling_group = models.ForeignKey(SiblingGroup, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="applications", verbose_name=_("sibling group"))
    requested_start = models.DateField(_("requested start date"))
    continuing_club = models.ForeignKey(Club, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                        verbose_name=_("club the child attends now"))
    kokoa_weekdays = models.JSONField(_("KoKoA weekdays"), default=list, blank=True)
    is_paper = models.BooleanField(_("entered from a paper application"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    return_comment = models.TextField(_("comment to the family"), blank=True)
    # Snapshot of the points when last computed (on submission, acceptance, adjustment).
    points = models.DecimalField(_("priority points"), max_digits=5, decimal_places=1, null=True, blank=True)
    points_breakdown = models.JSONField(_("points breakdown"), default=dict, blank=True)
    eligibility_problems = models.JSONField(_("eligibility problems"), default=list, blank=True)
    waiting_since = models.DateField(_("waiting since"), null=True, blank=True)
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, unique=True,
                                      help_text=_("Makes a repeated submit harmless."))
    # Bumped on every change that matters to an allocation; a run remembers what it saw.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["round", "receipt_number", "pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            choices_check("status", ApplicationStatus.choices, "application_status_valid"),
            models.UniqueConstraint(fields=["child", "round"], condition=Q(status__in=LIVE_APPLICATION_STATUSES),
                                    name="application_one_live_per_child_round"),
        ]
        indexes = [models.Index(fields=["round", "status"])]

    def __str__(self):
        return self.receipt_number or str(self.public_id)[:8]


class ApplicationChoice(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="choices",
                                    verbose_name=_("application"))
    rank = models.PositiveSmallIntegerField(_("choice"))
    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="choices", verbose_name=_("club"))

    class Meta:
        ordering = ["application", "rank"]
        verbose_name = _("club choice")
        verbose_name_plural = _("club choices")
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="choice_unique_rank"),
            models.UniqueConstraint(fields=["application", "club"], name="choice_unique_club"),
            models.CheckConstraint(condition=Q(rank__gte=1) & Q(rank__lte=5), name="choice_rank_range"),
        ]


class PointsAdjustment(models.Model):
    """A staff member's manual adjustment, always with a written reason."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="adjustments",
                                    verbose_name=_("application"))
    points = models.DecimalField(_("points"), max_digits=4, decimal_places=1)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["application", "created_at"]
        verbose_name = _("points adjustment")
        verbose_name_plural = _("points adjustments")
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="adjustment_nonzero"),
            models.CheckConstraint(condition=~Q(reason=""), name="adjustment_reason_required"),
        ]


class ApplicationEvent(models.Model):
    """The history a family and staff see: each transition, with who did it and any comment."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events",
                                    verbose_name=_("application"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("by"))
    comment = models.TextField(_("comment"), blank=True)
    visible_to_family = models.BooleanField(_("shown to the family"), default=True)

    class Meta:
        ordering = ["application", "at", "pk"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")


def document_upload_path(instance, filename):
    # The stored name never comes from the user: no traversal, no collisions, nothing to guess.
    return f"documents/{instance.public_id.hex[:2]}/{instance.public_id.hex}"


class DocumentKind(models.TextChoices):
    EMPLOYMENT = "employment", _("Certificate of employment (就労証明書)")
    MEDICAL = "medical", _("Medical certificate")
    DISABILITY = "disability", _("Disability certificate")
    CARE = "care", _("Proof of nursing care")
    STUDY = "study", _("Proof of enrolment in study")
    CHILDBIRTH = "childbirth", _("Maternity record")
    JOB_SEEKING = "job_seeking", _("Job-seeking declaration")
    OTHER = "other", _("Other")


class DocumentReview(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    OK = "ok", _("Checked")
    REJECTED = "rejected", _("Needs correction")


class Document(models.Model):
    """An uploaded supporting document, kept outside every public path."""

    Kind = DocumentKind

    Review = DocumentReview

    public_id = public_id_field()
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents",
                                    verbose_name=_("application"))
    guardian = models.ForeignKey(Guardian, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents",
                                 verbose_name=_("guardian"))
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    review = models.CharField(_("check"), max_length=10, choices=DocumentReview.choices, default=Review.PENDING)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("uploaded by"))

    class Meta:
        ordering = ["application", "uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            choices_check("kind", DocumentKind.choices, "document_kind_valid"),
            choices_check("review", DocumentReview.choices, "document_review_valid"),
            models.CheckConstraint(condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                                   name="document_content_type_allowed"),
        ]

    def __str__(self):
        return self.original_name
