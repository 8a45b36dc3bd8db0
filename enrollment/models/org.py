"""The city's organisation for a year: fiscal years and rule sets, schools, operators, clubs."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import Timestamped, choices_check


class FiscalYear(models.Model):
    """年度: 1 April of ``year`` to 31 March of ``year + 1``."""

    year = models.PositiveSmallIntegerField(_("fiscal year"), unique=True,
                                            validators=[MinValueValidator(2000), MaxValueValidator(2200)])
    retention_years = models.PositiveSmallIntegerField(
        _("retention period (years after the fiscal year)"), default=5,
        help_text=_("Records of this year are deleted this many years after it ends."))

    class Meta:
        ordering = ["-year"]
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        constraints = [models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2200),
                                              name="fiscalyear_year_range")]

    def __str__(self):
        from django.utils.translation import get_language, gettext

        from enrollment.letters.wareki import fiscal_year_label

        # Japanese pages and letters name the year by era (令和9年度); English pages by the
        # western year the fiscal year starts in.
        if (get_language() or "ja").startswith("ja"):
            return fiscal_year_label(self.year)
        return gettext("FY %(year)s") % {"year": self.year}

    @property
    def starts_on(self) -> datetime.date:
        return datetime.date(self.year, 4, 1)

    @property
    def ends_on(self) -> datetime.date:
        return datetime.date(self.year + 1, 3, 31)

    def contains(self, day: datetime.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def current_ruleset(self):
        return self.rulesets.order_by("-version").first()


class RuleSet(models.Model):
    """The city's rules for one fiscal year, as data. Never edited in place: a change is a new version."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.CASCADE, related_name="rulesets",
                                    verbose_name=_("fiscal year"))
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("rules"))
    note = models.TextField(_("what changed"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by"))

    class Meta:
        ordering = ["fiscal_year", "-version"]
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "version"], name="ruleset_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="ruleset_version_positive"),
        ]

    def __str__(self):
        return f"{self.fiscal_year} v{self.version}"

    def parsed(self):
        from enrollment.rules.ruleset import parse_ruleset

        return parse_ruleset(self.data)


class SchoolDistrict(models.Model):
    """通学区域."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("school district")
        verbose_name_plural = _("school districts")

    def __str__(self):
        return self.name


class School(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    district = models.ForeignKey(SchoolDistrict, on_delete=models.PROTECT, related_name="schools",
                                 verbose_name=_("school district"))
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self):
        return self.name


class OperatorKind(models.TextChoices):
    CITY = "city", _("City (direct operation)")
    SOCIAL_WELFARE = "social_welfare", _("Social welfare corporation")
    NPO = "npo", _("NPO")
    COMPANY = "company", _("Company")
    KOKOA_COMMITTEE = "kokoa_committee", _("KoKoA committee")


class Operator(models.Model):
    """運営事業者: the organisation running clubs (or a KoKoA committee); its users see only its own."""

    Kind = OperatorKind

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=OperatorKind.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        constraints = [choices_check("kind", OperatorKind.choices, "operator_kind_valid")]

    def __str__(self):
        return self.name


class ClubKind(models.TextChoices):
    PUBLIC_DIRECT = "public_direct", _("Public, run by the city")
    PUBLIC_OUTSOURCED = "public_outsourced", _("Public, run by an operator")
    PRIVATE = "private", _("Private, subsidised")


class Club(Timestamped):
    """学童クラブ. 定員 and the intake cap are derived, never typed in (DOMAIN.md, Capacity)."""

    Kind = ClubKind

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=150)
    name_kana = models.CharField(_("name (kana)"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ClubKind.choices)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="clubs", verbose_name=_("school"))
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="clubs",
                                 verbose_name=_("operator"))
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    floor_area_m2 = models.DecimalField(_("dedicated floor area (m²)"), max_digits=7, decimal_places=2)
    care_units = models.PositiveSmallIntegerField(_("care units"))
    elastic_ratio = models.DecimalField(_("elastic intake ratio"), max_digits=3, decimal_places=2,
                                        default=Decimal("1.10"))
    support_limit = models.PositiveSmallIntegerField(
        _("limit of children needing support"), null=True, blank=True,
        help_text=_("Empty: one per twenty places of the intake cap, as the rule set says."))
    grade_min = models.PositiveSmallIntegerField(_("lowest grade"), default=1)
    grade_max = models.PositiveSmallIntegerField(_("highest grade"), default=6)
    monthly_fee = models.PositiveIntegerField(_("monthly fee (yen)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("club")
        verbose_name_plural = _("clubs")
        constraints = [
            choices_check("kind", ClubKind.choices, "club_kind_valid"),
            models.CheckConstraint(condition=Q(floor_area_m2__gt=0), name="club_floor_area_positive"),
            models.CheckConstraint(condition=Q(care_units__gte=1), name="club_care_units_positive"),
            models.CheckConstraint(condition=Q(elastic_ratio__gte=Decimal("1.00")) & Q(elastic_ratio__lte=Decimal("1.20")),
                                   name="club_elastic_ratio_range"),
            models.CheckConstraint(condition=Q(grade_min__gte=1) & Q(grade_max__lte=6) & Q(grade_min__lte=models.F("grade_max")),
                                   name="club_grade_range_valid"),
        ]

    def __str__(self):
        return self.name

    @property
    def capacity(self) -> int:
        """定員 = min(⌊floor area ÷ 1.65⌋, 40 × care units)."""
        from enrollment.rules.capacity import capacity

        return capacity(Decimal(self.floor_area_m2), self.care_units)

    @property
    def intake_cap(self) -> int:
        from enrollment.rules.capacity import intake_cap

        return intake_cap(self.capacity, Decimal(self.elastic_ratio))

    @property
    def effective_support_limit(self) -> int:
        from enrollment.rules.capacity import default_support_limit

        if self.support_limit is not None:
            return self.support_limit
        return default_support_limit(self.intake_cap)

    def serves_grade(self, grade: int) -> bool:
        return self.grade_min <= grade <= self.grade_max


class ClubGradeLimit(models.Model):
    """At most ``limit`` children of grades ``grade_lo``..``grade_hi`` at one club."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="grade_limits", verbose_name=_("club"))
    grade_lo = models.PositiveSmallIntegerField(_("from grade"))
    grade_hi = models.PositiveSmallIntegerField(_("to grade"))
    limit = models.PositiveSmallIntegerField(_("most children"))

    class Meta:
        ordering = ["club", "grade_lo"]
        verbose_name = _("grade-band limit")
        verbose_name_plural = _("grade-band limits")
        constraints = [
            models.CheckConstraint(condition=Q(grade_lo__gte=1) & Q(grade_hi__lte=6) & Q(grade_lo__lte=models.F("grade_hi")),
                                   name="gradelimit_band_valid"),
            models.UniqueConstraint(fields=["club", "grade_lo", "grade_hi"], name="gradelimit_unique_band"),
        ]

    def __str__(self):
        return f"{self.club} {self.grade_lo}-{self.grade_hi}: {self.limit}"
