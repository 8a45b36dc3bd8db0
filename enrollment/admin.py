"""The Django admin: every model, for the system administrator (superusers).

The admin is a maintenance tool, not the staff's working screen. Where the application has a
service that must run for a change to be right (an application's status moves through its state
machine, points are recomputed on adjustment, a rule set is never edited in place, the audit trail
is append-only), the admin shows the field read-only instead of letting it be changed behind the
service's back.
"""

import json

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from enrollment import models as m
from enrollment.rules.grades import fiscal_year_of, school_grade


def pretty_json(value) -> str:
    if value in (None, "", [], {}):
        return "—"
    return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>',
                       json.dumps(value, ensure_ascii=False, indent=2))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only the application writes: visible here, never changed here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------------
# The city's organisation


class RuleSetInline(ReadOnlyInline):
    model = m.RuleSet
    fields = ("version", "note", "created_at", "created_by")
    readonly_fields = fields


@admin.register(m.FiscalYear)
class FiscalYearAdmin(admin.ModelAdmin):
    list_display = ("year", "label", "retention_years", "ruleset_count", "round_count")
    search_fields = ("year",)
    inlines = [RuleSetInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _rulesets=Count("rulesets", distinct=True), _rounds=Count("rounds", distinct=True))

    @admin.display(description=_("fiscal year (和暦)"))
    def label(self, obj):
        return str(obj)

    @admin.display(description=_("rule sets"), ordering="_rulesets")
    def ruleset_count(self, obj):
        return obj._rulesets

    @admin.display(description=_("rounds"), ordering="_rounds")
    def round_count(self, obj):
        return obj._rounds


@admin.register(m.RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "fiscal_year", "version", "note", "created_at", "created_by")
    list_filter = ("fiscal_year",)
    search_fields = ("note",)
    list_select_related = ("fiscal_year", "created_by")
    readonly_fields = ("created_at", "created_by", "rules")

    def get_readonly_fields(self, request, obj=None):
        # A rule set is never edited in place: a change is a new version (models/org.py).
        if obj is not None:
            return ("fiscal_year", "version", "rules", "note", "created_at", "created_by")
        return ("created_at", "created_by")

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ("fiscal_year", "version", "note", "rules", "created_at", "created_by")
        return ("fiscal_year", "version", "data", "note")

    @admin.display(description=_("rules"))
    def rules(self, obj):
        return pretty_json(obj.data)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class SchoolInline(admin.TabularInline):
    model = m.School
    extra = 0
    fields = ("code", "name", "name_kana", "address")
    show_change_link = True


@admin.register(m.SchoolDistrict)
class SchoolDistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "school_names")
    search_fields = ("code", "name")
    inlines = [SchoolInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("schools")

    @admin.display(description=_("schools"))
    def school_names(self, obj):
        return "、".join(s.name for s in obj.schools.all())


@admin.register(m.School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_kana", "district", "postal_code", "address", "club_count")
    list_filter = ("district",)
    search_fields = ("code", "name", "name_kana", "address")
    list_select_related = ("district",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_clubs=Count("clubs"))

    @admin.display(description=_("clubs"), ordering="_clubs")
    def club_count(self, obj):
        return obj._clubs


@admin.register(m.Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "phone", "email", "club_count")
    list_filter = ("kind",)
    search_fields = ("code", "name", "email")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_clubs=Count("clubs"))

    @admin.display(description=_("clubs"), ordering="_clubs")
    def club_count(self, obj):
        return obj._clubs


class ClubGradeLimitInline(admin.TabularInline):
    model = m.ClubGradeLimit
    extra = 0


@admin.register(m.Club)
class ClubAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "school", "operator", "floor_area_m2", "care_units", "capacity",
                    "elastic_ratio", "intake_cap", "support_limit_shown", "grades", "monthly_fee", "is_active")
    list_filter = ("kind", "is_active", "school", "operator")
    search_fields = ("code", "name", "name_kana", "address")
    list_select_related = ("school", "operator")
    autocomplete_fields = ("school", "operator")
    readonly_fields = ("capacity", "intake_cap", "effective_support_limit", "created_at", "updated_at")
    inlines = [ClubGradeLimitInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "name_kana", "kind", "school", "operator", "is_active")}),
        (_("Contact"), {"fields": ("postal_code", "address", "phone")}),
        (_("Capacity"), {"fields": ("floor_area_m2", "care_units", "capacity", "elastic_ratio", "intake_cap",
                                    "support_limit", "effective_support_limit", "grade_min", "grade_max")}),
        (_("Fee"), {"fields": ("monthly_fee",)}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("capacity (定員)"))
    def capacity(self, obj):
        return obj.capacity

    @admin.display(description=_("intake cap"))
    def intake_cap(self, obj):
        return obj.intake_cap

    @admin.display(description=_("limit of children needing support"))
    def effective_support_limit(self, obj):
        return obj.effective_support_limit

    @admin.display(description=_("support limit"))
    def support_limit_shown(self, obj):
        return obj.effective_support_limit

    @admin.display(description=_("grades"))
    def grades(self, obj):
        return f"{obj.grade_min}–{obj.grade_max}"


@admin.register(m.ClubGradeLimit)
class ClubGradeLimitAdmin(admin.ModelAdmin):
    list_display = ("club", "grade_lo", "grade_hi", "limit")
    list_filter = ("club",)
    search_fields = ("club__name", "club__code")
    list_select_related = ("club",)
    autocomplete_fields = ("club",)


# ---------------------------------------------------------------------------------------------
# People


class DemoUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = m.User
        fields = ("email",)
        field_classes = {}


class DemoUserChangeForm(UserChangeForm):
    class Meta:
        model = m.User
        fields = "__all__"


@admin.register(m.User)
class UserAdmin(DjangoUserAdmin):
    form = DemoUserChangeForm
    add_form = DemoUserCreationForm
    list_display = ("email", "display_name", "role", "staff_level", "operator", "household", "is_active",
                    "is_staff", "is_superuser", "last_login")
    list_filter = ("role", "staff_level", "is_active", "is_staff", "is_superuser", "operator")
    search_fields = ("email", "display_name")
    ordering = ("email",)
    list_select_related = ("operator",)
    autocomplete_fields = ("operator", "household")
    readonly_fields = ("public_id", "last_login", "date_joined", "email_confirmed_at")
    fieldsets = (
        (None, {"fields": ("email", "password", "display_name", "public_id")}),
        (_("Role"), {"fields": ("role", "staff_level", "operator", "household")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined", "email_confirmed_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2")}),
    )


class GuardianInline(admin.StackedInline):
    model = m.Guardian
    extra = 0
    max_num = 2
    fieldsets = (
        (None, {"fields": (("order", "relationship"), ("family_name", "given_name"), ("family_kana", "given_kana"),
                           "phone", "employer")}),
        (_("Reason"), {"fields": ("reason", "works_at_home", ("days_per_month", "hours_per_day", "afternoon_hours"),
                                  ("illness_level", "disability_grade", "care_level", "absence_kind"),
                                  ("expected_birth_date", "job_seeking_since", "leave_return_date"),
                                  "posted_away")}),
    )


class ChildInline(admin.TabularInline):
    model = m.Child
    extra = 0
    fields = ("family_name", "given_name", "family_kana", "given_kana", "birth_date", "school", "needs_support")
    show_change_link = True


def first_guardian(field: str):
    return Subquery(m.Guardian.objects.filter(household=OuterRef("pk")).order_by("order").values(field)[:1])


@admin.register(m.Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("id", "family_name", "family_kana", "postal_code", "address", "single_parent",
                    "public_assistance", "arrears_months", "child_count", "created_at")
    list_filter = ("single_parent", "public_assistance", "resident_tax_exempt", "grandparent_at_home",
                   "welfare_referral", "arrears_months")
    search_fields = ("guardians__family_name", "guardians__given_name", "guardians__family_kana",
                     "children__given_name", "postal_code", "address", "phone", "=public_id")
    readonly_fields = ("public_id", "created_at", "updated_at")
    inlines = [GuardianInline, ChildInline]
    fieldsets = (
        (None, {"fields": ("public_id", "postal_code", "address", "address_extra", "phone",
                           ("emergency_contact_name", "emergency_contact_phone"))}),
        (_("Situation"), {"fields": ("single_parent", "public_assistance", "resident_tax_exempt",
                                     "grandparent_at_home", "welfare_referral", "arrears_months",
                                     ("income_tax_previous", "income_tax_current"))}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _family=first_guardian("family_name"), _kana=first_guardian("family_kana"),
            _children=Count("children", distinct=True))

    @admin.display(description=_("family name"), ordering="_family")
    def family_name(self, obj):
        return obj._family

    @admin.display(description=_("family name (katakana)"), ordering="_kana")
    def family_kana(self, obj):
        return obj._kana

    @admin.display(description=_("children"), ordering="_children")
    def child_count(self, obj):
        return obj._children


@admin.register(m.Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = ("full_name", "family_kana", "given_kana", "household", "order", "relationship", "reason",
                    "works_at_home", "days_per_month", "hours_per_day", "afternoon_hours")
    list_filter = ("reason", "works_at_home", "posted_away", "relationship")
    search_fields = ("family_name", "given_name", "family_kana", "given_kana", "employer")
    autocomplete_fields = ("household",)
    list_select_related = ("household",)

    @admin.display(description=_("name"), ordering="family_kana")
    def full_name(self, obj):
        return obj.full_name


@admin.register(m.Child)
class ChildAdmin(admin.ModelAdmin):
    list_display = ("full_name", "full_kana", "birth_date", "grade_now", "school", "needs_support", "household")
    list_filter = ("school", "needs_support", "care_notes_shared")
    search_fields = ("family_name", "given_name", "family_kana", "given_kana", "=public_id")
    autocomplete_fields = ("household", "school")
    list_select_related = ("school", "household")
    readonly_fields = ("public_id", "created_at", "updated_at")
    date_hierarchy = "birth_date"

    @admin.display(description=_("name"), ordering="family_kana")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description=_("name (katakana)"))
    def full_kana(self, obj):
        return obj.full_kana

    @admin.display(description=_("grade this fiscal year"))
    def grade_now(self, obj):
        return school_grade(obj.birth_date, fiscal_year_of(timezone.localdate()))


# ---------------------------------------------------------------------------------------------
# Rounds and applications


@admin.register(m.Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("name", "fiscal_year", "kind", "status", "start_month", "opens_at", "closes_at", "publish_at",
                    "application_count")
    list_filter = ("fiscal_year", "kind", "status")
    search_fields = ("name",)
    list_select_related = ("fiscal_year",)
    readonly_fields = ("last_receipt_serial", "created_at", "updated_at")
    autocomplete_fields = ("ruleset",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_applications=Count("applications"))

    @admin.display(description=_("applications"), ordering="_applications")
    def application_count(self, obj):
        return obj._applications


@admin.register(m.SiblingGroup)
class SiblingGroupAdmin(admin.ModelAdmin):
    list_display = ("id", "household", "round", "mode", "size")
    list_filter = ("mode", "round")
    search_fields = ("household__guardians__family_name", "household__guardians__family_kana")
    autocomplete_fields = ("household", "round")
    list_select_related = ("round__fiscal_year",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_size=Count("applications"))

    @admin.display(description=_("children"), ordering="_size")
    def size(self, obj):
        return obj._size


class ApplicationChoiceInline(admin.TabularInline):
    model = m.ApplicationChoice
    extra = 0
    max_num = m.Application.MAX_CHOICES
    autocomplete_fields = ("club",)
    ordering = ("rank",)


class PointsAdjustmentInline(ReadOnlyInline):
    model = m.PointsAdjustment
    fields = ("points", "reason", "created_by", "created_at")
    readonly_fields = fields
    show_change_link = False


class ApplicationEventInline(ReadOnlyInline):
    model = m.ApplicationEvent
    fields = ("at", "from_status", "to_status", "actor", "comment", "visible_to_family")
    readonly_fields = fields
    show_change_link = False


class DocumentInline(ReadOnlyInline):
    model = m.Document
    fields = ("original_name", "kind", "guardian", "content_type", "size", "review", "uploaded_at")
    readonly_fields = fields


@admin.register(m.Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("receipt_number", "child", "child_school", "grade", "round", "status", "points",
                    "first_choice", "continuing_club", "is_paper", "submitted_at")
    list_filter = ("round", "status", "is_paper", "child__school", "child__needs_support",
                   ("sibling_group", admin.EmptyFieldListFilter))
    search_fields = ("receipt_number", "child__family_name", "child__given_name", "child__family_kana",
                     "child__given_kana", "=public_id")
    list_select_related = ("child__school", "round__fiscal_year", "continuing_club")
    autocomplete_fields = ("child", "round", "continuing_club")
    raw_id_fields = ("sibling_group",)
    date_hierarchy = "submitted_at"
    inlines = [ApplicationChoiceInline, PointsAdjustmentInline, DocumentInline, ApplicationEventInline]
    # The status moves only through enrollment.services.applications (one function per transition),
    # and the points are a snapshot that only the points service writes.
    readonly_fields = ("public_id", "receipt_number", "status", "submitted_at", "accepted_at", "points",
                       "breakdown", "problems", "waiting_since", "submission_key", "revision", "created_at",
                       "updated_at")
    fieldsets = (
        (None, {"fields": ("public_id", "receipt_number", "child", "round", "status", "sibling_group",
                           "requested_start", "continuing_club", "kokoa_weekdays", "is_paper")}),
        (_("Dates"), {"fields": ("submitted_at", "accepted_at", "created_at", "updated_at")}),
        (_("Points"), {"fields": ("points", "breakdown", "problems", "waiting_since")}),
        (_("Return"), {"fields": ("return_comment",)}),
        (_("Record"), {"fields": ("submission_key", "revision")}),
    )

    def get_queryset(self, request):
        first = m.ApplicationChoice.objects.filter(application=OuterRef("pk"), rank=1).values("club__name")[:1]
        return super().get_queryset(request).annotate(_first_choice=Subquery(first))

    @admin.display(description=_("school"), ordering="child__school__code")
    def child_school(self, obj):
        return obj.child.school

    @admin.display(description=_("grade"))
    def grade(self, obj):
        return obj.child.grade_in(obj.round.fiscal_year.year)

    @admin.display(description=_("first choice"), ordering="_first_choice")
    def first_choice(self, obj):
        return obj._first_choice or "—"

    @admin.display(description=_("points breakdown"))
    def breakdown(self, obj):
        return pretty_json(obj.points_breakdown)

    @admin.display(description=_("eligibility problems"))
    def problems(self, obj):
        return pretty_json(obj.eligibility_problems)


@admin.register(m.ApplicationChoice)
class ApplicationChoiceAdmin(admin.ModelAdmin):
    list_display = ("application", "rank", "club")
    list_filter = ("rank", "club", "application__round")
    search_fields = ("application__receipt_number", "club__name")
    list_select_related = ("application", "club")
    autocomplete_fields = ("application", "club")


@admin.register(m.PointsAdjustment)
class PointsAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ("application", "points", "reason", "created_by", "created_at")
    search_fields = ("application__receipt_number", "reason")
    list_select_related = ("application", "created_by")


@admin.register(m.ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "application", "from_status", "to_status", "actor", "visible_to_family")
    list_filter = ("to_status", "visible_to_family")
    search_fields = ("application__receipt_number", "comment")
    list_select_related = ("application", "actor")
    date_hierarchy = "at"


@admin.register(m.Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "kind", "application", "guardian", "content_type", "size", "review",
                    "uploaded_at")
    list_filter = ("kind", "review", "content_type")
    search_fields = ("original_name", "application__receipt_number", "sha256")
    list_select_related = ("application", "guardian")
    autocomplete_fields = ("application",)
    raw_id_fields = ("guardian",)
    # The file is never linked from here: documents are served only by views that check permissions.
    exclude = ("file",)
    readonly_fields = ("public_id", "original_name", "content_type", "size", "sha256", "uploaded_at", "uploaded_by")

    def has_add_permission(self, request):
        return False


# ---------------------------------------------------------------------------------------------
# KoKoA


class KokoaSessionInline(admin.TabularInline):
    model = m.KokoaSession
    extra = 0
    fields = ("kind", "title", "weekday", "date", "starts_at", "ends_at", "capacity")


@admin.register(m.KokoaProgramme)
class KokoaProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "fiscal_year", "operator", "place", "registration_count")
    list_filter = ("fiscal_year", "school", "operator")
    search_fields = ("name", "place", "school__name")
    list_select_related = ("school", "fiscal_year", "operator")
    autocomplete_fields = ("school", "operator")
    inlines = [KokoaSessionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_registrations=Count("registrations"))

    @admin.display(description=_("registrations"), ordering="_registrations")
    def registration_count(self, obj):
        return obj._registrations


@admin.register(m.KokoaSession)
class KokoaSessionAdmin(admin.ModelAdmin):
    list_display = ("title", "programme", "kind", "weekday", "date", "starts_at", "ends_at", "capacity",
                    "request_count")
    list_filter = ("kind", "programme", "weekday")
    search_fields = ("title", "programme__name")
    list_select_related = ("programme",)
    autocomplete_fields = ("programme",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_requests=Count("requests"))

    @admin.display(description=_("requests"), ordering="_requests")
    def request_count(self, obj):
        return obj._requests


@admin.register(m.KokoaRegistration)
class KokoaRegistrationAdmin(admin.ModelAdmin):
    list_display = ("child", "programme", "weekdays", "active", "created_at")
    list_filter = ("active", "programme")
    search_fields = ("child__family_name", "child__given_name", "child__family_kana", "child__given_kana")
    list_select_related = ("child", "programme")
    autocomplete_fields = ("child", "programme")
    readonly_fields = ("public_id", "created_at", "updated_at")


@admin.register(m.KokoaSessionRequest)
class KokoaSessionRequestAdmin(admin.ModelAdmin):
    list_display = ("registration", "child", "session", "status")
    list_filter = ("status", "session")
    search_fields = ("registration__child__family_name", "registration__child__family_kana", "session__title")
    list_select_related = ("registration__child", "session")
    autocomplete_fields = ("session",)
    raw_id_fields = ("registration",)

    @admin.display(description=_("child"))
    def child(self, obj):
        return obj.registration.child


@admin.register(m.KokoaAttendance)
class KokoaAttendanceAdmin(admin.ModelAdmin):
    list_display = ("date", "session", "child", "status", "left_at", "recorded_by", "recorded_at")
    list_filter = ("status", "session__programme")
    search_fields = ("child__family_name", "child__family_kana", "session__title")
    list_select_related = ("session", "child", "recorded_by")
    autocomplete_fields = ("session", "child")
    raw_id_fields = ("recorded_by",)
    date_hierarchy = "date"


# ---------------------------------------------------------------------------------------------
# Allocation and its results


@admin.register(m.AllocationRun)
class AllocationRunAdmin(admin.ModelAdmin):
    list_display = ("id", "round", "status", "ties", "seed", "placed", "unplaced", "proven_optimal",
                    "solve_seconds", "created_by", "created_at", "committed_at")
    list_filter = ("status", "ties", "round")
    search_fields = ("note", "=public_id", "=seed")
    list_select_related = ("round__fiscal_year", "created_by")
    # A run is a record of what the optimiser did; its inputs and results must not change afterwards.
    exclude = ("problem", "result", "violations", "elastic_ratios")
    readonly_fields = ("public_id", "round", "status", "ties", "seed", "elastic_ratios_shown", "created_by",
                       "started_at", "finished_at", "progress", "progress_message", "input_fingerprint", "placed",
                       "unplaced", "proven_optimal", "gap", "solve_seconds", "violations_shown", "error",
                       "committed_at", "committed_by", "created_at", "updated_at")

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("elastic intake per club"))
    def elastic_ratios_shown(self, obj):
        return pretty_json(obj.elastic_ratios)

    @admin.display(description=_("validator violations"))
    def violations_shown(self, obj):
        return pretty_json(obj.violations)


@admin.register(m.Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("application", "club", "status", "respond_by", "responded_at", "run", "created_at")
    list_filter = ("status", "club")
    search_fields = ("application__receipt_number", "application__child__family_name",
                     "application__child__family_kana")
    list_select_related = ("application", "club", "run")
    autocomplete_fields = ("application", "club")
    raw_id_fields = ("run",)


@admin.register(m.WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ("club", "position", "application", "active", "run")
    list_filter = ("active", "club")
    search_fields = ("application__receipt_number", "application__child__family_name")
    list_select_related = ("club", "application", "run")
    autocomplete_fields = ("application", "club")
    raw_id_fields = ("run",)


@admin.register(m.Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("child", "club", "start_date", "end_date", "application")
    list_filter = ("club", "end_date")
    search_fields = ("child__family_name", "child__given_name", "child__family_kana", "club__name")
    list_select_related = ("child", "club", "application")
    autocomplete_fields = ("child", "club", "application")
    date_hierarchy = "start_date"


@admin.register(m.Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    list_display = ("enrollment", "leave_date", "submitted_at", "submitted_by")
    search_fields = ("enrollment__child__family_name", "enrollment__child__family_kana", "reason")
    list_select_related = ("enrollment__child", "enrollment__club", "submitted_by")
    raw_id_fields = ("enrollment", "submitted_by")
    readonly_fields = ("public_id", "submitted_at")
    date_hierarchy = "leave_date"


# ---------------------------------------------------------------------------------------------
# Letters


@admin.register(m.LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    list_display = ("fiscal_year", "kind", "version", "created_at", "created_by")
    list_filter = ("fiscal_year", "kind")
    list_select_related = ("fiscal_year", "created_by")
    readonly_fields = ("created_at", "created_by")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(m.DocumentNumberSeries)
class DocumentNumberSeriesAdmin(admin.ModelAdmin):
    list_display = ("fiscal_year", "office_abbreviation", "last_serial")
    list_select_related = ("fiscal_year",)
    # Issued numbers are never reused: the counter only moves forward, through the letters service.
    readonly_fields = ("last_serial",)


@admin.register(m.LetterBatch)
class LetterBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "run", "order", "status", "progress", "total", "created_by", "created_at")
    list_filter = ("status", "order")
    list_select_related = ("run", "created_by")
    exclude = ("file",)


@admin.register(m.Letter)
class LetterAdmin(ReadOnlyAdmin):
    # An issued letter never changes; a reissue is a new version made by the letters service.
    list_display = ("document_number", "kind", "fiscal_year", "household", "application", "version", "status",
                    "issued_at")
    list_filter = ("kind", "status", "fiscal_year")
    search_fields = ("document_number", "application__receipt_number", "=public_id")
    list_select_related = ("fiscal_year", "household", "application")
    exclude = ("file",)


# ---------------------------------------------------------------------------------------------
# Audit


@admin.register(m.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Append-only: the admin may read the trail, never add, change or delete an entry."""

    list_display = ("at", "actor_id", "actor_role", "action", "object_type", "object_id")
    list_filter = ("action", "object_type", "actor_role")
    search_fields = ("=object_id", "=actor_id", "action")
    date_hierarchy = "at"
    readonly_fields = ("at", "actor_id", "actor_role", "action", "object_type", "object_id", "related_shown")
    exclude = ("related",)

    @admin.display(description=_("related ids"))
    def related_shown(self, obj):
        return pretty_json(obj.related)


@admin.register(m.LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "ip_address", "succeeded")
    list_filter = ("succeeded",)
    search_fields = ("username", "=ip_address")
    date_hierarchy = "at"

    def has_delete_permission(self, request, obj=None):
        # Deleting an account's failed attempts is how an administrator lifts its throttle.
        return request.user.is_superuser


@admin.register(m.RosterVisit)
class RosterVisitAdmin(ReadOnlyAdmin):
    list_display = ("user_id", "club_id", "seen_at")
    search_fields = ("=user_id", "=club_id")


@admin.register(m.HouseholdInvitation)
class HouseholdInvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "household", "invited_by", "created_at", "expires_at", "accepted_at")
    list_filter = (("accepted_at", admin.EmptyFieldListFilter),)
    search_fields = ("email", "invited_by__email")
    list_select_related = ("invited_by",)
    # Only the service that sends the e-mail can make an invitation: the token exists nowhere else.
    exclude = ("token_hash",)
    readonly_fields = ("household", "email", "invited_by", "created_at", "expires_at", "accepted_at")

    def has_add_permission(self, request):
        return False
