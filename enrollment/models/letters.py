"""Letters: wording templates per fiscal year, document numbers, issued letters and batches."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import choices_check, public_id_field
from .applications import Application
from .kokoa import KokoaRegistration
from .org import FiscalYear
from .people import Household
from .placement import AllocationRun


class LetterKind(models.TextChoices):
    OFFER = "offer", _("Offer of a place (入所承諾通知書)")
    DECISION = "decision", _("Decision (入所決定通知書)")
    WAITLIST = "waitlist", _("Waitlisted (入所保留通知書)")
    REFUSAL = "refusal", _("Not approved (入所不承認通知書)")
    KOKOA = "kokoa", _("KoKoA registration (登録確認書)")


class LetterTemplate(models.Model):
    """The wording of one letter kind for one fiscal year. A change is a new version."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.CASCADE, related_name="letter_templates",
                                    verbose_name=_("fiscal year"))
    kind = models.CharField(_("letter"), max_length=10, choices=LetterKind.choices)
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("wording"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        ordering = ["fiscal_year", "kind", "-version"]
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            choices_check("kind", LetterKind.choices, "lettertemplate_kind_valid"),
            models.UniqueConstraint(fields=["fiscal_year", "kind", "version"], name="lettertemplate_unique_version"),
        ]


class DocumentNumberSeries(models.Model):
    """文書番号: one sequential series per fiscal year, e.g. 「8泊児育第0123号」."""

    fiscal_year = models.OneToOneField(FiscalYear, on_delete=models.CASCADE, related_name="document_series",
                                       verbose_name=_("fiscal year"))
    office_abbreviation = models.CharField(_("office abbreviation"), max_length=20, default="泊児育")
    last_serial = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("document number series")
        verbose_name_plural = _("document number series")


class LetterBatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class LetterBatchOrder(models.TextChoices):
    POSTAL_CODE = "postal_code", _("Postal code")
    SCHOOL_CLUB = "school_club", _("School and club")


class LetterBatch(models.Model):
    """A mailing: every letter of a committed run, in one PDF in the order staff chose."""

    Status = LetterBatchStatus

    Order = LetterBatchOrder

    public_id = public_id_field()
    run = models.ForeignKey(AllocationRun, null=True, blank=True, on_delete=models.PROTECT,
                            related_name="letter_batches", verbose_name=_("run"))
    order = models.CharField(_("order"), max_length=12, choices=LetterBatchOrder.choices, default=Order.POSTAL_CODE)
    status = models.CharField(_("status"), max_length=10, choices=LetterBatchStatus.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    total = models.PositiveIntegerField(_("letters"), default=0)
    file = models.FileField(_("mailing PDF"), upload_to="letters/batches/", blank=True, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("letter batch")
        verbose_name_plural = _("letter batches")
        constraints = [choices_check("status", LetterBatchStatus.choices, "letterbatch_status_valid")]


class LetterStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    ISSUED = "issued", _("Issued")
    FLAGGED = "flagged", _("Needs a check before issue")


class Letter(models.Model):
    """An issued letter. Never changes once issued; a reissue is a new version with a reason."""

    Status = LetterStatus

    public_id = public_id_field()
    kind = models.CharField(_("letter"), max_length=10, choices=LetterKind.choices)
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="letters",
                                    verbose_name=_("fiscal year"))
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="letters",
                                  verbose_name=_("household"))
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="letters", verbose_name=_("application"))
    kokoa_registration = models.ForeignKey(KokoaRegistration, null=True, blank=True, on_delete=models.CASCADE,
                                           related_name="letters", verbose_name=_("KoKoA registration"))
    run = models.ForeignKey(AllocationRun, null=True, blank=True, on_delete=models.PROTECT, related_name="letters",
                            verbose_name=_("run"))
    batch = models.ForeignKey(LetterBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="letters",
                              verbose_name=_("batch"))
    template = models.ForeignKey(LetterTemplate, null=True, on_delete=models.PROTECT, related_name="letters",
                                 verbose_name=_("template"))
    serial = models.PositiveIntegerField(_("serial"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=40, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by", verbose_name=_("reissue of"))
    reissue_reason = models.TextField(_("reason for reissue"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=LetterStatus.choices, default=Status.QUEUED)
    flag_reason = models.TextField(_("why it needs a check"), blank=True)
    file = models.FileField(_("PDF"), upload_to="letters/issued/", blank=True, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["fiscal_year", "serial"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [
            choices_check("kind", LetterKind.choices, "letter_kind_valid"),
            choices_check("status", LetterStatus.choices, "letter_status_valid"),
            models.UniqueConstraint(fields=["fiscal_year", "serial"], name="letter_unique_serial"),
            models.CheckConstraint(condition=Q(application__isnull=False) | Q(kokoa_registration__isnull=False),
                                   name="letter_has_subject"),
            models.CheckConstraint(condition=Q(supersedes__isnull=True) | ~Q(reissue_reason=""),
                                   name="letter_reissue_has_reason"),
        ]

    def __str__(self):
        return self.document_number or str(self.public_id)[:8]
