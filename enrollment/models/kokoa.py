"""KoKoA (放課後子ども教室): a free open programme at every school; some sessions have a capacity."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import Timestamped, Weekday, choices_check, public_id_field
from .org import FiscalYear, Operator, School
from .people import Child


class KokoaProgramme(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="kokoa_programmes",
                               verbose_name=_("school"))
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="kokoa_programmes",
                                    verbose_name=_("fiscal year"))
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="kokoa_programmes",
                                 verbose_name=_("run by"))
    name = models.CharField(_("name"), max_length=100)
    place = models.CharField(_("place"), max_length=100, blank=True)

    class Meta:
        ordering = ["fiscal_year", "school"]
        verbose_name = _("KoKoA programme")
        verbose_name_plural = _("KoKoA programmes")
        constraints = [models.UniqueConstraint(fields=["school", "fiscal_year"], name="kokoa_one_per_school_year")]

    def __str__(self):
        return self.name


class KokoaSessionKind(models.TextChoices):
    REGULAR = "regular", _("Regular weekday")
    SPECIAL = "special", _("Special or vacation day")


class KokoaSession(models.Model):
    """A regular weekday session (weekday set, no date) or a dated special session."""

    Kind = KokoaSessionKind

    programme = models.ForeignKey(KokoaProgramme, on_delete=models.CASCADE, related_name="sessions",
                                  verbose_name=_("programme"))
    kind = models.CharField(_("kind"), max_length=10, choices=KokoaSessionKind.choices)
    title = models.CharField(_("title"), max_length=100)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices, null=True, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), null=True, blank=True,
                                                help_text=_("Empty: open to every registered child."))

    class Meta:
        ordering = ["programme", "kind", "weekday", "date"]
        verbose_name = _("KoKoA session")
        verbose_name_plural = _("KoKoA sessions")
        constraints = [
            choices_check("kind", KokoaSessionKind.choices, "kokoasession_kind_valid"),
            models.CheckConstraint(
                condition=(Q(kind="regular") & Q(weekday__isnull=False) & Q(date__isnull=True))
                | (Q(kind="special") & Q(date__isnull=False)),
                name="kokoasession_regular_or_dated"),
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="kokoasession_times_ordered"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                                   name="kokoasession_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.programme} {self.title}"


class KokoaRegistration(Timestamped):
    public_id = public_id_field()
    programme = models.ForeignKey(KokoaProgramme, on_delete=models.PROTECT, related_name="registrations",
                                  verbose_name=_("programme"))
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="kokoa_registrations",
                              verbose_name=_("child"))
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)
    active = models.BooleanField(_("registered"), default=True)

    class Meta:
        verbose_name = _("KoKoA registration")
        verbose_name_plural = _("KoKoA registrations")
        constraints = [models.UniqueConstraint(fields=["programme", "child"], name="kokoa_registration_unique")]


class KokoaSessionRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Granted")
    NOT_GRANTED = "not_granted", _("Not granted")


class KokoaSessionRequest(models.Model):
    Status = KokoaSessionRequestStatus

    registration = models.ForeignKey(KokoaRegistration, on_delete=models.CASCADE, related_name="session_requests",
                                     verbose_name=_("registration"))
    session = models.ForeignKey(KokoaSession, on_delete=models.CASCADE, related_name="requests",
                                verbose_name=_("session"))
    status = models.CharField(_("status"), max_length=12, choices=KokoaSessionRequestStatus.choices, default=Status.REQUESTED)

    class Meta:
        verbose_name = _("KoKoA session request")
        verbose_name_plural = _("KoKoA session requests")
        constraints = [
            choices_check("status", KokoaSessionRequestStatus.choices, "kokoarequest_status_valid"),
            models.UniqueConstraint(fields=["registration", "session"], name="kokoarequest_unique"),
        ]


class KokoaAttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    LEFT = "left", _("Left")


class KokoaAttendance(models.Model):
    """Who is in the building: checked in on a phone or tablet by safety staff."""

    Status = KokoaAttendanceStatus

    session = models.ForeignKey(KokoaSession, on_delete=models.CASCADE, related_name="attendance",
                                verbose_name=_("session"))
    date = models.DateField(_("date"))
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="kokoa_attendance",
                              verbose_name=_("child"))
    status = models.CharField(_("status"), max_length=10, choices=KokoaAttendanceStatus.choices)
    left_at = models.TimeField(_("left at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("KoKoA attendance")
        verbose_name_plural = _("KoKoA attendance")
        constraints = [
            choices_check("status", KokoaAttendanceStatus.choices, "kokoaattendance_status_valid"),
            models.UniqueConstraint(fields=["session", "date", "child"], name="kokoaattendance_unique"),
        ]
