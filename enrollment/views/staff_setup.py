"""Staff pages for setting up a fiscal year: years and rule sets, schools and operators, clubs,
rounds, KoKoA programmes and sessions. Read-only staff see every page; changes are POSTs that
only full staff may make (``staff_required(write=True)`` or ``ensure_can_change``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from enrollment import rules
from enrollment.forms.staff_setup import (
    ClubForm,
    DistrictForm,
    FiscalYearForm,
    GradeLimitFormSet,
    KokoaProgrammeForm,
    KokoaSessionForm,
    OperatorForm,
    RoundForm,
    RuleSetEditForm,
    SchoolForm,
)
from enrollment.models import (
    Club,
    FiscalYear,
    KokoaProgramme,
    KokoaSession,
    Operator,
    Round,
    School,
    SchoolDistrict,
)
from enrollment.permissions import ensure_can_change, staff_required
from enrollment.services import ServiceError
from enrollment.services import setup as services
from enrollment.services.setup import RuleSetInvalid

FORM = "staff/setup/form.html"

TIEBREAK_LABELS = {
    "lower_grade": gettext_lazy("Lower grade first"),
    "support": gettext_lazy("Child needing support first"),
    "single_or_no_parent": gettext_lazy("Single-parent or no-parent household first"),
    "more_working_days": gettext_lazy("More working days a month first"),
    "lower_income_tax": gettext_lazy("Lower municipal income tax first"),
}
REASON_LEVEL_LABELS = {
    "hospitalised": gettext_lazy("Hospitalised 1 month or more, or bedridden"),
    "outpatient_3plus": gettext_lazy("Outpatient treatment 3 or more days a week"),
    "outpatient_1_2": gettext_lazy("Outpatient treatment 1–2 days a week"),
    "other": gettext_lazy("Other"),
    "1-2": gettext_lazy("Grade 1–2"),
    "3": gettext_lazy("Grade 3"),
    "4": gettext_lazy("Grade 4 (or equivalent)"),
    "fulltime_severe": gettext_lazy("Full-time care, severe"),
    "moderate": gettext_lazy("Moderate"),
    "accompany_4days": gettext_lazy("Accompanying 4 or more days a week"),
}
CHOICE_LABELS = {
    "lowest": gettext_lazy("The lowest guardian's points"),
    "sum": gettext_lazy("The sum of the guardians' points"),
    "single_queue": gettext_lazy("Single queue (一列方式)"),
    "per_club": gettext_lazy("Per club (並列方式, compatibility only)"),
    "maximize_placed": gettext_lazy("Place as many children as possible, then draw lots"),
    "lottery_first": gettext_lazy("Draw lots first"),
}


def ruleset_sections(data: dict) -> list[dict]:
    """The rule set as tables a person reads: (caption, rows of label and value) per part."""
    base, adj = data["base_points"], data["adjustments"]
    elig, tie, alloc = data["eligibility"], data["tiebreak"], data["allocation"]
    level = lambda table: [(REASON_LEVEL_LABELS.get(k, k), v) for k, v in table.items()]  # noqa: E731
    yes_no = lambda value: _("Yes") if value else _("No")  # noqa: E731
    return [
        {"id": "work", "caption": _("Base points for work"), "head": (_("Days a month, at least"),
                                                                      _("Hours a day, at least"), _("Points")),
         "grid": [(t["min_days"], t["min_hours"], t["points"]) for t in base["work"]["tiers"]]},
        {"id": "base", "caption": _("Base points for other reasons"), "rows": [
            (_("Work at home, family business, piecework"), _("work points %(offset)s") % {"offset": base["work_at_home"]["offset"]}),
            (_("Job offer, not yet started"), _("work points %(offset)s") % {"offset": base["job_offer"]["offset"]}),
            (_("Childbirth"), base["childbirth"]["points"]),
            *[(_("Illness: %(level)s") % {"level": label}, v) for label, v in level(base["illness"])],
            *[(_("Own disability: %(level)s") % {"level": label}, v) for label, v in level(base["disability"])],
            *[(_("Nursing care: %(level)s") % {"level": label}, v) for label, v in level(base["nursing_care"])],
            (_("Disaster recovery"), base["disaster"]["points"]),
            (_("Guardian absent"), base["absent"]["points"]),
            (_("Study or training, at most"), base["study"]["max_points"]),
            (_("Job-seeking"), base["job_seeking"]["points"]),
            (_("Household's base points"), CHOICE_LABELS.get(data["household_aggregation"], data["household_aggregation"])),
        ]},
        {"id": "adjustments", "caption": _("Adjustments"), "rows": [
            (_("Single-parent household"), adj["single_parent"]),
            (_("Public assistance"), adj["public_assistance"]),
            (_("Child needing support"), adj["support"]),
            *[(_("Grade %(grade)s") % {"grade": g}, v) for g, v in adj["grade"].items()],
            (_("Continuing at the same club"), adj["continuing"]),
            (_("Sibling at the same club"), adj["sibling"]),
            (_("Grandparent at home able to supervise"), adj["grandparent_at_home"]),
            (_("Guardian posted away from home"), adj["posted_away"]),
            (_("Waiting time, per month"), adj["waiting"]["per_month"]),
            (_("Waiting time, at most"), adj["waiting"]["max"]),
        ]},
        {"id": "eligibility", "caption": _("Eligibility and thresholds"), "rows": [
            (_("Grades"), f"{elig['grades']['min']}–{elig['grades']['max']}"),
            (_("Days a month away, at least"), elig["min_days_per_month"]),
            (_("Hours away in the afternoon window, at least"), elig["min_afternoon_hours"]),
            (_("Afternoon window"), f"{elig['afternoon_window']['start']}–{elig['afternoon_window']['end']}"),
            (_("Job-seeking counts for (months)"), elig["job_seeking"]["months"]),
            (_("Job-seeking accepted up to grade"), elig["job_seeking"]["max_grade"]),
            (_("Fee arrears that block an application (months)"), elig["arrears_block_months"]),
            (_("Priority group 1: up to grade"), elig["priority_group_1"]["max_grade"]),
            (_("Priority group 1: children needing support of any grade"), yes_no(elig["priority_group_1"]["support_any_grade"])),
            (_("Minimum points for approval"), elig["min_points"] if elig["min_points"] is not None else _("None")),
        ]},
        {"id": "tiebreak", "caption": _("Tie-break order (the lottery comes last)"), "ordered": [
            TIEBREAK_LABELS.get(code, code) for code in tie["order"]],
         "rows": [(_("Income tax: the current year's assessment from month"), tie["income_tax_switch_month"])]},
        {"id": "allocation", "caption": _("Allocation"), "rows": [
            (_("Method"), CHOICE_LABELS.get(alloc["method"], alloc["method"])),
            (_("Tie policy"), CHOICE_LABELS.get(alloc["ties"], alloc["ties"])),
            (_("Elastic intake ratio: default"), alloc["elastic_ratio"]["default"]),
            (_("Elastic intake ratio: allowed"), f"{alloc['elastic_ratio']['min']}–{alloc['elastic_ratio']['max']}"),
            (_("About one child needing support per places"), alloc["support_per"]),
            (_("A child may be in a club and in KoKoA"), yes_no(data["kokoa"]["allow_club_and_kokoa"])),
        ]},
    ]


def _apply_validation_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- fiscal years and rule sets -----------------------------------------------------------------

@staff_required
@require_GET
def setup_index(request):
    years = FiscalYear.objects.annotate(n_rounds=Count("rounds", distinct=True)).order_by("-year")
    return render(request, "staff/setup/index.html", {"years": years, "form": FiscalYearForm()})


@staff_required(write=True)
@require_POST
def fiscal_year_create(request):
    form = FiscalYearForm(request.POST)
    if form.is_valid():
        try:
            fy = services.fiscal_year_create(actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error.message))
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, _("Fiscal year %(year)s was created with its rule set.") % {"year": fy.year})
            return redirect("staff_setup_year", year=fy.year)
    years = FiscalYear.objects.annotate(n_rounds=Count("rounds", distinct=True)).order_by("-year")
    return render(request, "staff/setup/index.html", {"years": years, "form": form}, status=400)


def _year(year) -> FiscalYear:
    return get_object_or_404(FiscalYear, year=year)


@staff_required
@require_GET
def year_detail(request, year):
    fy = _year(year)
    return render(request, "staff/setup/year.html", {
        "fy": fy,
        "ruleset": fy.current_ruleset(),
        "rounds": fy.rounds.order_by("opens_at"),
        "programmes": fy.kokoa_programmes.select_related("school").annotate(n_sessions=Count("sessions")),
        "club_count": Club.objects.filter(is_active=True).count(),
    })


@staff_required
@require_GET
def ruleset_detail(request, year):
    fy = _year(year)
    versions = fy.rulesets.select_related("created_by").order_by("-version")
    chosen = versions.first()
    if request.GET.get("version", "").isdigit():
        chosen = get_object_or_404(versions, version=int(request.GET["version"]))
    return render(request, "staff/setup/rules.html", {
        "fy": fy, "ruleset": chosen, "versions": versions,
        "sections": ruleset_sections(chosen.data) if chosen else [],
        "has_previous": FiscalYear.objects.filter(year=fy.year - 1, rulesets__isnull=False).exists(),
    })


@staff_required(write=True)
def ruleset_edit(request, year):
    fy = _year(year)
    current = fy.current_ruleset()
    key_errors = {}
    if request.method == "POST":
        form = RuleSetEditForm(request.POST)
        if form.is_valid():
            try:
                ruleset = services.ruleset_save_version(actor=request.user, fiscal_year=fy,
                                                        data=form.cleaned_data["data"], note=form.cleaned_data["note"])
            except RuleSetInvalid as invalid:
                key_errors = invalid.errors
                form.add_error("data", str(invalid.message))
            else:
                messages.success(request, _("Version %(version)s of the rules was saved.") % {"version": ruleset.version})
                return redirect("staff_setup_rules", year=fy.year)
    else:
        initial = rules.dump_ruleset(current.parsed()) if current else ""
        form = RuleSetEditForm(initial={"data": initial})
    return render(request, "staff/setup/rules_edit.html", {"fy": fy, "form": form, "current": current,
                                                           "key_errors": sorted(key_errors.items())},
                  status=400 if form.errors else 200)


@staff_required(write=True)
@require_POST
def ruleset_copy(request, year):
    fy = _year(year)
    try:
        ruleset = services.ruleset_copy_from_previous(actor=request.user, fiscal_year=fy)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Last year's rules were copied as version %(version)s.") % {"version": ruleset.version})
    return redirect("staff_setup_rules", year=fy.year)


# --- organisation ---------------------------------------------------------------------------------

ORG_KINDS = {
    "district": (SchoolDistrict, DistrictForm, services.district_save, "district", gettext_lazy("school district")),
    "school": (School, SchoolForm, services.school_save, "school", gettext_lazy("school")),
    "operator": (Operator, OperatorForm, services.operator_save, "operator", gettext_lazy("operator")),
}


@staff_required
@require_GET
def organisation(request):
    return render(request, "staff/setup/organisation.html", {
        "districts": SchoolDistrict.objects.annotate(n_schools=Count("schools")),
        "schools": School.objects.select_related("district"),
        "operators": Operator.objects.annotate(n_clubs=Count("clubs")),
    })


@staff_required
def organisation_edit(request, kind, pk=None):
    if kind not in ORG_KINDS:
        raise Http404()
    model, form_class, save, argument, label = ORG_KINDS[kind]
    obj = get_object_or_404(model, pk=pk) if pk is not None else None
    if request.method == "POST":
        ensure_can_change(request.user)
        form = form_class(request.POST, instance=obj)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                save(actor=request.user, fields=fields, **{argument: obj})
            except ValidationError as error:
                _apply_validation_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("staff_setup_organisation")
    else:
        form = form_class(instance=obj)
    title = (_("Edit the %(thing)s") if obj else _("New %(thing)s")) % {"thing": label}
    return render(request, FORM, {"form": form, "title": title, "back_url": "staff_setup_organisation",
                                  "back_label": _("Schools and operators")}, status=400 if form.errors else 200)


# --- clubs ------------------------------------------------------------------------------------------

@staff_required
@require_GET
def club_list(request):
    clubs = Club.objects.select_related("school", "operator").prefetch_related("grade_limits").order_by("code")
    return render(request, "staff/setup/clubs.html", {"clubs": clubs})


def _capacity_preview(data) -> dict:
    """定員 and the intake cap for what is typed so far; each is None while it cannot be computed."""
    preview = {"capacity": None, "intake_cap": None, "support_default": None}
    try:
        preview["capacity"] = rules.capacity(Decimal(str(data.get("floor_area_m2") or "")),
                                             int(data.get("care_units") or ""))
        cap = rules.intake_cap(preview["capacity"], Decimal(str(data.get("elastic_ratio") or "1.10")))
    except (InvalidOperation, ValueError, TypeError, rules.CapacityError):
        return preview
    preview.update(intake_cap=cap, support_default=rules.default_support_limit(cap))
    return preview


@staff_required
def club_edit(request, pk=None):
    club = get_object_or_404(Club, pk=pk) if pk is not None else None
    if request.method == "POST":
        ensure_can_change(request.user)
        form = ClubForm(request.POST, instance=club)
        limits = GradeLimitFormSet(request.POST, prefix="bands")
        if form.is_valid() and limits.is_valid():
            fields = {name: form.cleaned_data[name] for name in ClubForm.Meta.fields}
            bands = [band for band in (f.band() for f in limits.forms) if band]
            try:
                saved = services.club_save(actor=request.user, club=club, fields=fields, grade_limits=bands)
            except ValidationError as error:
                if hasattr(error, "error_dict") and "grade_limits" in error.error_dict:
                    limits._non_form_errors = limits.error_class(error.error_dict.pop("grade_limits"))
                if not hasattr(error, "error_dict") or error.error_dict:
                    _apply_validation_error(form, error)
            else:
                messages.success(request, _("The club %(name)s was saved.") % {"name": saved.name})
                return redirect("staff_setup_clubs")
        preview = _capacity_preview(request.POST)
    else:
        form = ClubForm(instance=club)
        initial = [{"grade_lo": g.grade_lo, "grade_hi": g.grade_hi, "limit": g.limit}
                   for g in club.grade_limits.all()] if club else []
        limits = GradeLimitFormSet(prefix="bands", initial=initial)
        preview = _capacity_preview({"floor_area_m2": club.floor_area_m2, "care_units": club.care_units,
                                     "elastic_ratio": club.elastic_ratio} if club else {})
    failed = form.errors or any(f.errors for f in limits.forms) or limits.non_form_errors()
    return render(request, "staff/setup/club_form.html",
                  {"form": form, "limits": limits, "club": club, "preview": preview},
                  status=400 if failed else 200)


@staff_required
@require_GET
def club_capacity(request):
    """The live 定員 box of the club form (htmx), computed from the values typed so far."""
    return render(request, "staff/setup/club_form.html#capacity", {"preview": _capacity_preview(request.GET)})


# --- rounds -----------------------------------------------------------------------------------------

@staff_required
@require_GET
def round_list(request, year):
    fy = _year(year)
    rounds = fy.rounds.annotate(n_applications=Count("applications", filter=~Q(applications__status="draft")))
    return render(request, "staff/setup/rounds.html", {"fy": fy, "rounds": rounds.order_by("opens_at")})


@staff_required
def round_edit(request, year, pk=None):
    fy = _year(year)
    round_ = get_object_or_404(Round, pk=pk, fiscal_year=fy) if pk is not None else None
    if request.method == "POST":
        ensure_can_change(request.user)
        form = RoundForm(request.POST, instance=round_, fiscal_year=fy)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in RoundForm.Meta.fields}
            fields["fiscal_year"] = fy
            try:
                services.round_save(actor=request.user, round_=round_, fields=fields)
            except ValidationError as error:
                _apply_validation_error(form, error)
            else:
                messages.success(request, _("The round was saved."))
                return redirect("staff_setup_rounds", year=fy.year)
    else:
        form = RoundForm(instance=round_, fiscal_year=fy)
    title = _("Edit the round") if round_ else _("New round")
    return render(request, FORM, {"form": form, "title": title, "fy": fy, "back_url": "staff_setup_rounds",
                                  "back_arg": fy.year, "back_label": _("Rounds")},
                  status=400 if form.errors else 200)


def _round_action(request, year, pk, service, done_message):
    fy = _year(year)
    round_ = get_object_or_404(Round, pk=pk, fiscal_year=fy)
    try:
        service(actor=request.user, round_=round_)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done_message)
    return redirect("staff_setup_rounds", year=fy.year)


@staff_required(write=True)
@require_POST
def round_open(request, year, pk):
    return _round_action(request, year, pk, services.round_open, _("The round is open for applications."))


@staff_required(write=True)
@require_POST
def round_close(request, year, pk):
    return _round_action(request, year, pk, services.round_close, _("The round is closed for applications."))


# --- KoKoA ------------------------------------------------------------------------------------------

@staff_required
@require_GET
def kokoa_list(request, year):
    fy = _year(year)
    programmes = fy.kokoa_programmes.select_related("school", "operator").prefetch_related("sessions")
    return render(request, "staff/setup/kokoa.html", {"fy": fy, "programmes": programmes})


@staff_required
def kokoa_programme_edit(request, year, pk=None):
    fy = _year(year)
    programme = get_object_or_404(KokoaProgramme, pk=pk, fiscal_year=fy) if pk is not None else None
    if request.method == "POST":
        ensure_can_change(request.user)
        form = KokoaProgrammeForm(request.POST, instance=programme, fiscal_year=fy)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in KokoaProgrammeForm.Meta.fields}
            fields["fiscal_year"] = fy
            try:
                services.kokoa_programme_save(actor=request.user, programme=programme, fields=fields)
            except ValidationError as error:
                _apply_validation_error(form, error)
            else:
                messages.success(request, _("The KoKoA programme was saved."))
                return redirect("staff_setup_kokoa", year=fy.year)
    else:
        form = KokoaProgrammeForm(instance=programme, fiscal_year=fy)
    title = _("Edit the KoKoA programme") if programme else _("New KoKoA programme")
    return render(request, FORM, {"form": form, "title": title, "fy": fy, "back_url": "staff_setup_kokoa",
                                  "back_arg": fy.year, "back_label": _("KoKoA")}, status=400 if form.errors else 200)


@staff_required
def kokoa_session_edit(request, year, programme_pk, pk=None):
    fy = _year(year)
    programme = get_object_or_404(KokoaProgramme, pk=programme_pk, fiscal_year=fy)
    session = get_object_or_404(KokoaSession, pk=pk, programme=programme) if pk is not None else None
    if request.method == "POST":
        ensure_can_change(request.user)
        form = KokoaSessionForm(request.POST, instance=session, programme=programme)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in KokoaSessionForm.Meta.fields}
            fields["programme"] = programme
            try:
                services.kokoa_session_save(actor=request.user, session=session, fields=fields)
            except ValidationError as error:
                _apply_validation_error(form, error)
            else:
                messages.success(request, _("The KoKoA session was saved."))
                return redirect("staff_setup_kokoa", year=fy.year)
    else:
        form = KokoaSessionForm(instance=session, programme=programme)
    title = (_("Edit the session of %(programme)s") if session else _("New session of %(programme)s")) % {
        "programme": programme.name}
    return render(request, FORM, {"form": form, "title": title, "fy": fy, "back_url": "staff_setup_kokoa",
                                  "back_arg": fy.year, "back_label": _("KoKoA")}, status=400 if form.errors else 200)
