"""Who uses the system and whom it serves: users, households, guardians and children."""

import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import Timestamped, choices_check, public_id_field
from .org import Operator, School


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("role", User.Role.FAMILY)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, role=User.Role.STAFF,
                      staff_level=User.StaffLevel.FULL)
        return self._create(email, password, **fields)


class UserRole(models.TextChoices):
    FAMILY = "family", _("Family")
    STAFF = "staff", _("School-affairs staff")
    OPERATOR = "operator", _("Club operator")


class UserStaffLevel(models.TextChoices):
    FULL = "full", _("Full")
    READ_ONLY = "readonly", _("Read-only")


class User(AbstractBaseUser, PermissionsMixin):
    """One login. Families log in by e-mail; staff and operators too, on their own login page."""

    Role = UserRole

    StaffLevel = UserStaffLevel

    public_id = public_id_field()
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=UserRole.choices, default=Role.FAMILY)
    staff_level = models.CharField(_("staff access"), max_length=10, choices=UserStaffLevel.choices, blank=True)
    operator = models.ForeignKey(Operator, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="users", verbose_name=_("operator"))
    household = models.ForeignKey("Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="users", verbose_name=_("household"))
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            choices_check("role", UserRole.choices, "user_role_valid"),
            models.CheckConstraint(
                condition=(Q(role="staff") & Q(staff_level__in=["full", "readonly"]))
                | (~Q(role="staff") & Q(staff_level="")),
                name="user_staff_level_only_for_staff"),
            models.CheckConstraint(
                condition=(Q(role="operator") & Q(operator__isnull=False))
                | (~Q(role="operator") & Q(operator__isnull=True)),
                name="user_operator_only_for_operators"),
            models.CheckConstraint(condition=Q(role="family") | Q(household__isnull=True),
                                   name="user_household_only_for_families"),
        ]

    def __str__(self):
        return self.display_name or self.email

    @property
    def is_family(self) -> bool:
        return self.role == self.Role.FAMILY

    @property
    def is_city_staff(self) -> bool:
        return self.role == self.Role.STAFF

    @property
    def is_operator(self) -> bool:
        return self.role == self.Role.OPERATOR

    @property
    def can_change(self) -> bool:
        """Staff with full access; read-only staff see everything and change nothing."""
        return self.role == self.Role.STAFF and self.staff_level == self.StaffLevel.FULL


class Household(Timestamped):
    """世帯. One account per household; a second guardian can be invited to it."""

    public_id = public_id_field()
    postal_code = models.CharField(_("postal code"), max_length=8)
    address = models.CharField(_("address"), max_length=200)
    address_extra = models.CharField(_("building, room"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=100, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=20, blank=True)
    single_parent = models.BooleanField(_("single-parent household"), default=False)
    public_assistance = models.BooleanField(_("receives public assistance"), default=False)
    resident_tax_exempt = models.BooleanField(_("exempt from resident tax"), default=False)
    grandparent_at_home = models.BooleanField(
        _("a grandparent under 65 lives with the family and can supervise"), default=False)
    income_tax_previous = models.PositiveIntegerField(
        _("municipal income tax, previous year's assessment (yen)"), null=True, blank=True)
    income_tax_current = models.PositiveIntegerField(
        _("municipal income tax, current year's assessment (yen)"), null=True, blank=True)
    arrears_months = models.PositiveSmallIntegerField(_("months of fee arrears"), default=0)
    welfare_referral = models.BooleanField(
        _("referred by a child-welfare agency"), default=False,
        help_text=_("Admitted outside the ranking (abuse, domestic violence)."))

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        first = self.guardians.order_by("order").first()
        return f"{first.family_name} {_('household')}" if first else str(self.public_id)[:8]


class GuardianReason(models.TextChoices):
    WORK = "work", _("Work")
    JOB_OFFER = "job_offer", _("Job offer, not yet started")
    CHILDBIRTH = "childbirth", _("Childbirth")
    ILLNESS = "illness", _("Illness or injury")
    DISABILITY = "disability", _("Own disability")
    NURSING_CARE = "nursing_care", _("Nursing care of a relative")
    DISASTER = "disaster", _("Disaster recovery")
    ABSENT = "absent", _("Guardian absent")
    STUDY = "study", _("Study or vocational training")
    JOB_SEEKING = "job_seeking", _("Job-seeking")
    PARENTAL_LEAVE = "parental_leave", _("Parental leave")
    AVAILABLE = "available", _("At home and able to supervise")


class GuardianIllnessLevel(models.TextChoices):
    HOSPITALISED = "hospitalised", _("Hospitalised 1 month or more, or bedridden")
    OUTPATIENT_3PLUS = "outpatient_3plus", _("Outpatient treatment 3 or more days a week")
    OUTPATIENT_1_2 = "outpatient_1_2", _("Outpatient treatment 1–2 days a week")
    OTHER = "other", _("Other")


class GuardianDisabilityGrade(models.TextChoices):
    GRADE_1_2 = "1-2", _("Grade 1–2")
    GRADE_3 = "3", _("Grade 3")
    GRADE_4 = "4", _("Grade 4 (or equivalent)")


class GuardianCareLevel(models.TextChoices):
    FULLTIME_SEVERE = "fulltime_severe", _("Full-time care, severe")
    MODERATE = "moderate", _("Moderate")
    ACCOMPANY_4DAYS = "accompany_4days", _("Accompanying 4 or more days a week")
    OTHER = "other", _("Other")


class GuardianAbsenceKind(models.TextChoices):
    DEATH = "death", _("Death")
    SEPARATION = "separation", _("Separation or divorce")
    MISSING = "missing", _("Missing")
    DETENTION = "detention", _("Detention")


class Guardian(Timestamped):
    """保護者 and the reason they cannot supervise the child after school."""

    Reason = GuardianReason

    IllnessLevel = GuardianIllnessLevel

    DisabilityGrade = GuardianDisabilityGrade

    CareLevel = GuardianCareLevel

    AbsenceKind = GuardianAbsenceKind

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="guardians",
                                  verbose_name=_("household"))
    order = models.PositiveSmallIntegerField(_("guardian number"), default=1)
    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50)
    family_kana = models.CharField(_("family name (katakana)"), max_length=50)
    given_kana = models.CharField(_("given name (katakana)"), max_length=50)
    relationship = models.CharField(_("relationship to the child"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    employer = models.CharField(_("employer or school"), max_length=150, blank=True)
    reason = models.CharField(_("reason the guardian cannot supervise"), max_length=20, choices=GuardianReason.choices)
    works_at_home = models.BooleanField(_("works at home, in the family business, or piecework"), default=False)
    days_per_month = models.PositiveSmallIntegerField(
        _("days a month"), null=True, blank=True, validators=[MaxValueValidator(31)])
    hours_per_day = models.DecimalField(_("hours a day"), max_digits=3, decimal_places=1, null=True, blank=True,
                                        validators=[MinValueValidator(0), MaxValueValidator(24)])
    afternoon_hours = models.DecimalField(
        _("hours away between 14:00 and 18:00"), max_digits=2, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(4)])
    illness_level = models.CharField(_("illness"), max_length=20, choices=GuardianIllnessLevel.choices, blank=True)
    disability_grade = models.CharField(_("disability grade"), max_length=5, choices=GuardianDisabilityGrade.choices,
                                        blank=True)
    care_level = models.CharField(_("care needed"), max_length=20, choices=GuardianCareLevel.choices, blank=True)
    absence_kind = models.CharField(_("kind of absence"), max_length=20, choices=GuardianAbsenceKind.choices, blank=True)
    expected_birth_date = models.DateField(_("expected date of birth"), null=True, blank=True)
    job_seeking_since = models.DateField(_("job-seeking since"), null=True, blank=True)
    leave_return_date = models.DateField(_("return from parental leave"), null=True, blank=True)
    posted_away = models.BooleanField(_("posted away from home (単身赴任)"), default=False)

    class Meta:
        ordering = ["household", "order"]
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        constraints = [
            models.UniqueConstraint(fields=["household", "order"], name="guardian_unique_order"),
            models.CheckConstraint(condition=Q(order__in=[1, 2]), name="guardian_order_one_or_two"),
            choices_check("reason", GuardianReason.choices, "guardian_reason_valid"),
            choices_check("illness_level", GuardianIllnessLevel.choices, "guardian_illness_valid", allow_blank=True),
            choices_check("disability_grade", GuardianDisabilityGrade.choices, "guardian_disability_valid", allow_blank=True),
            choices_check("care_level", GuardianCareLevel.choices, "guardian_care_valid", allow_blank=True),
            choices_check("absence_kind", GuardianAbsenceKind.choices, "guardian_absence_valid", allow_blank=True),
            models.CheckConstraint(condition=Q(days_per_month__isnull=True) | Q(days_per_month__lte=31),
                                   name="guardian_days_range"),
            models.CheckConstraint(
                condition=Q(hours_per_day__isnull=True) | (Q(hours_per_day__gte=0) & Q(hours_per_day__lte=24)),
                name="guardian_hours_range"),
            models.CheckConstraint(
                condition=Q(afternoon_hours__isnull=True) | (Q(afternoon_hours__gte=0) & Q(afternoon_hours__lte=4)),
                name="guardian_afternoon_hours_range"),
        ]

    def __str__(self):
        return f"{self.family_name} {self.given_name}"

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"


class Child(Timestamped):
    """児童. Names are kept exactly as typed, rare kanji and variation selectors included."""

    public_id = public_id_field()
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="children",
                                  verbose_name=_("household"))
    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50)
    family_kana = models.CharField(_("family name (katakana)"), max_length=50)
    given_kana = models.CharField(_("given name (katakana)"), max_length=50)
    birth_date = models.DateField(_("date of birth"))
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="children", verbose_name=_("school"))
    needs_support = models.BooleanField(_("needs support (disability or special care)"), default=False)
    support_notes = models.TextField(_("support needs"), blank=True, max_length=2000)
    care_notes = models.TextField(_("allergies and medical care"), blank=True, max_length=2000)
    care_notes_shared = models.BooleanField(_("agree to share care notes with the club"), default=False)

    class Meta:
        ordering = ["household", "birth_date"]
        verbose_name = _("child")
        verbose_name_plural = _("children")
        constraints = [
            models.CheckConstraint(condition=Q(birth_date__gte=datetime.date(2000, 1, 1)),
                                   name="child_birth_date_plausible"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def full_kana(self) -> str:
        return f"{self.family_kana} {self.given_kana}"

    def grade_in(self, fiscal_year: int) -> int:
        from enrollment.rules.grades import school_grade

        return school_grade(self.birth_date, fiscal_year)


class HouseholdInvitation(models.Model):
    """A second guardian invited to join the household's account. Only a hash of the token is kept."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="invitations",
                                  verbose_name=_("household"))
    email = models.EmailField(_("e-mail address"))
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("household invitation")
        verbose_name_plural = _("household invitations")
