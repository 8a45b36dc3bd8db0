"""The application, step by step: children, clubs, KoKoA, documents, confirmation, receipt.

Each step saves the draft (rows with ``status = draft``), so a family can stop and resume on
another device; the steps are addressed by round, and the set of drafts is found again through
``request.user.household``. With htmx, the clubs step saves in place (一時保存 without a reload);
without JavaScript every step is an ordinary form.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from enrollment import rules
from enrollment.forms.application import (
    ApplyStartForm,
    ChoicesForm,
    ConfirmSubmitForm,
    DocumentForm,
    KokoaForm,
    choices_initial,
)
from enrollment.models import Application, Club, Document, Round, SiblingGroup
from enrollment.models.base import Weekday
from enrollment.permissions import family_required
from enrollment.services import ServiceError
from enrollment.services import family_applications as services
from enrollment.services.points import score

STEPS = (
    ("family_apply_start", "Children"),
    ("family_apply_choices", "Clubs"),
    ("family_apply_kokoa", "KoKoA"),
    ("family_apply_documents", "Documents"),
    ("family_apply_confirm", "Check and submit"),
)
DRAFT_SAVED = "_draft"  # the name of the 一時保存 button: save and stay


def _posted(request):
    """The POST data, even when empty (an empty form is still a submitted one)."""
    return request.POST if request.method == "POST" else None


# --- fetch for this user ------------------------------------------------------------------------

def _household(request):
    household = request.user.household
    if household is None:
        raise Http404()
    return household


def _round(round_id) -> Round:
    return get_object_or_404(Round.objects.select_related("fiscal_year"), pk=round_id)


def _set_or_start(request, round_):
    """The drafts of this round; none yet sends the family to the first step."""
    applications = services.application_set(_household(request), round_)
    if not applications:
        messages.info(request, _("Choose the children who apply first."))
        return None
    return applications


def _go(request, url):
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _steps(round_, current):
    labels = {"Children": _("Children"), "Clubs": _("Clubs"), "KoKoA": _("KoKoA"),
              "Documents": _("Documents"), "Check and submit": _("Check and submit")}
    return [{"url": reverse(name, args=[round_.pk]), "label": labels[label], "current": name == current,
             "number": n} for n, (name, label) in enumerate(STEPS, start=1)]


def _next_url(round_, current):
    names = [name for name, _label in STEPS]
    return reverse(names[names.index(current) + 1], args=[round_.pk])


def _saved(request, round_, current):
    """After a valid save: stay (一時保存) or go on to the next step."""
    if DRAFT_SAVED in request.POST:
        messages.success(request, _("Your draft is saved. You can continue later from My page, on any device."))
        return _go(request, reverse(current, args=[round_.pk]))
    return _go(request, _next_url(round_, current))


def _child_label(child, round_) -> str:
    grade = services.child_grade(child, round_)
    return _("%(name)s (grade %(grade)s in the year applied for, %(school)s)") % {
        "name": child.full_name, "grade": grade, "school": child.school.name}


# --- step 1: children ---------------------------------------------------------------------------

@family_required
@require_http_methods(["GET", "POST"])
def apply_start(request, round_id):
    household = _household(request)
    round_ = _round(round_id)
    now = timezone.now()
    applied = dict(Application.objects.filter(child__household=household, round=round_,
                                              status__in=Application.LIVE_STATUSES)
                   .exclude(status__in=services.EDITABLE_STATUSES).values_list("child_id", "public_id"))
    school_age = [c for c in household.children.select_related("school").order_by("birth_date")
                  if 1 <= services.child_grade(c, round_) <= 6]
    children = [c for c in school_age if c.pk not in applied]
    already = [{"child": c, "public_id": applied[c.pk]} for c in school_age if c.pk in applied]
    drafts = services.application_set(household, round_)
    initial = {"children": [str(a.child.public_id) for a in drafts]}
    group = next((a.sibling_group for a in drafts if a.sibling_group_id), None)
    if group is not None:
        initial["sibling_mode"] = group.mode
    form = ApplyStartForm(_posted(request), initial=initial, children=children,
                          labels={c.pk: _child_label(c, round_) for c in children})
    if request.method == "POST" and form.is_valid():
        try:
            services.application_draft_create(actor=request.user, round_=round_, children=form.chosen_children,
                                              sibling_mode=form.cleaned_data.get("sibling_mode", ""), now=now)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            return _saved(request, round_, "family_apply_start")
    return render(request, "family/apply/start.html", {
        "round": round_, "form": form, "children": children, "is_open": round_.is_open_at(now),
        "steps": _steps(round_, "family_apply_start"), "has_household": household.guardians.exists(),
        "already": already,
    })


# --- step 2: clubs ------------------------------------------------------------------------------

def _units(applications):
    """Siblings applying "together" choose one list; everyone else chooses their own."""
    units, together = [], {}
    for application in applications:
        group = application.sibling_group
        if group is not None and group.mode == SiblingGroup.Mode.TOGETHER:
            if group.pk not in together:
                together[group.pk] = {"applications": []}
                units.append(together[group.pk])
            together[group.pk]["applications"].append(application)
        else:
            units.append({"applications": [application]})
    return units


SCOPES = ("all", "district")


def _scope(request, prefix) -> str:
    scope = request.GET.get(f"scope_{prefix}", "all")
    return scope if scope in SCOPES else "all"


def _choice_forms(request, round_, applications):
    """One form per unit. On a GET, ``scope_<prefix>=district`` narrows the list to the child's own
    school district (clubs already chosen stay listed); with htmx the chosen values come along."""
    months = services.start_months(round_)
    units = _units(applications)
    for number, unit in enumerate(units, start=1):
        prefix = f"u{number}"
        children = [a.child for a in unit["applications"]]
        home = children[0].school.district_id
        clubs = services.clubs_for(children, round_)
        initial = choices_initial(unit["applications"][0])
        scope = "all"
        if request.method == "GET":
            initial.update({key[len(prefix) + 1:]: value for key, value in request.GET.items()
                            if key.startswith(f"{prefix}-") and key[len(prefix) + 1:] in initial | {
                                f"choice_{rank}": "" for rank in range(1, 6)}})
            scope = _scope(request, prefix)
            if scope == "district":
                chosen = {value for key, value in initial.items() if key.startswith("choice_")}
                clubs = [c for c in clubs if c.school.district_id == home or str(c.pk) in chosen]
        unit.update(children=children, prefix=prefix, scope=scope, club_count=len(clubs),
                    no_clubs=not clubs)
        unit["form"] = ChoicesForm(_posted(request), prefix=prefix, clubs=clubs, months=months,
                                   home_district=home, initial=initial)
    return units


@family_required
@require_http_methods(["GET", "POST"])
def apply_choices(request, round_id):
    round_ = _round(round_id)
    applications = _set_or_start(request, round_)
    if applications is None:
        return redirect("family_apply_start", round_.pk)
    units = _choice_forms(request, round_, applications)
    problems = []
    if request.method == "POST":
        if all(unit["form"].is_valid() for unit in units):
            try:
                for unit in units:
                    services.choices_set(actor=request.user, applications=unit["applications"],
                                         clubs=unit["form"].chosen_clubs,
                                         requested_start=unit["form"].start_date)
            except ServiceError as error:
                problems.append(error.message)
            else:
                if request.htmx and DRAFT_SAVED in request.POST:
                    units = _choice_forms(request, round_, services.application_set(_household(request), round_))
                    context = {"round": round_, "units": units, "saved_at": timezone.localtime()}
                    return render(request, "family/apply/choices.html#choices", context)
                return _saved(request, round_, "family_apply_choices")
    context = {"round": round_, "units": units, "problems": problems,
               "steps": _steps(round_, "family_apply_choices")}
    part = request.GET.get("part", "")
    if request.htmx and request.method == "GET" and part:
        unit = next((u for u in units if u["prefix"] == part), None)
        if unit is None:
            raise Http404()
        return render(request, "family/apply/choices.html#unit_choices", {"round": round_, "unit": unit})
    if request.htmx:
        return render(request, "family/apply/choices.html#choices", context)
    return render(request, "family/apply/choices.html", context)


# --- step 3: KoKoA ------------------------------------------------------------------------------

def _kokoa_forms(request, round_, applications):
    items = []
    for number, application in enumerate(applications, start=1):
        child = application.child
        programme = services.kokoa_programme_for(child, round_)
        sessions = services.kokoa_sessions_for(child, round_)
        registration = programme.registrations.filter(child=child).first() if programme else None
        initial = {"weekdays": [str(day) for day in application.kokoa_weekdays]}
        if registration is not None:
            initial["sessions"] = [str(pk) for pk in registration.session_requests.values_list("session_id", flat=True)]
        form = KokoaForm(_posted(request), prefix=f"k{number}", sessions=sessions, initial=initial)
        items.append({"application": application, "child": child, "programme": programme, "form": form})
    return items


@family_required
@require_http_methods(["GET", "POST"])
def apply_kokoa(request, round_id):
    round_ = _round(round_id)
    applications = _set_or_start(request, round_)
    if applications is None:
        return redirect("family_apply_start", round_.pk)
    items = _kokoa_forms(request, round_, applications)
    problems = []
    if request.method == "POST" and all(item["form"].is_valid() for item in items):
        try:
            for item in items:
                services.kokoa_request_save(actor=request.user, application=item["application"],
                                            weekdays=item["form"].cleaned_data["weekdays"],
                                            sessions=item["form"].chosen_sessions)
        except ServiceError as error:
            problems.append(error.message)
        else:
            return _saved(request, round_, "family_apply_kokoa")
    return render(request, "family/apply/kokoa.html", {
        "round": round_, "items": items, "problems": problems, "steps": _steps(round_, "family_apply_kokoa")})


# --- step 4: documents --------------------------------------------------------------------------

def _limit_mb() -> str:
    return f"{settings.DOCUMENT_MAX_BYTES / (1024 * 1024):.0f}"


def _documents_context(request, round_, applications, form):
    household = _household(request)
    documents = list(Document.objects.filter(application=applications[0]).select_related("guardian")
                     .order_by("uploaded_at"))
    have = {(d.guardian_id, d.kind) for d in documents}
    needed = [{"guardian": g, "kind": kind, "label": Document.Kind(kind).label, "done": (g.pk, kind) in have}
              for g, kind in services.required_documents(household)]
    return {"round": round_, "form": form, "documents": documents, "needed": needed,
            "applications": applications, "steps": _steps(round_, "family_apply_documents")}


@family_required
@require_http_methods(["GET", "POST"])
def apply_documents(request, round_id):
    round_ = _round(round_id)
    applications = _set_or_start(request, round_)
    if applications is None:
        return redirect("family_apply_start", round_.pk)
    guardians = list(_household(request).guardians.order_by("order"))
    uploading = request.method == "POST" and "upload" in request.POST
    form = DocumentForm(request.POST if uploading else None, request.FILES if uploading else None,
                        guardians=guardians, limit_mb=_limit_mb())
    if request.method == "POST" and not uploading:
        return _saved(request, round_, "family_apply_documents")
    if uploading and form.is_valid():
        try:
            services.document_upload(actor=request.user, applications=applications,
                                     kind=form.cleaned_data["kind"], guardian=form.chosen_guardian,
                                     uploaded=form.cleaned_data["file"])
        except ServiceError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, _("The file is uploaded."))
            return redirect("family_apply_documents", round_.pk)
    status = 400 if uploading else 200
    return render(request, "family/apply/documents.html",
                  _documents_context(request, round_, applications, form), status=status)


@family_required
@require_POST
def document_remove(request, round_id, public_id):
    round_ = _round(round_id)
    document = get_object_or_404(Document.objects.select_related("application"), public_id=public_id,
                                 application__child__household=_household(request), application__round=round_)
    try:
        services.document_remove(actor=request.user, document=document)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The file is removed."))
    return redirect("family_apply_documents", round_.pk)


# --- step 5: confirmation and submission --------------------------------------------------------

def _preview(application, clubs_by_pk):
    """Eligibility and points as they would be scored now, in plain words."""
    try:
        breakdown, problems, _keys, group = score(application)
    except rules.FactsError as error:
        return {"facts_errors": error.messages}
    data = breakdown.as_dict()
    for club in data["clubs"]:
        club["name"] = clubs_by_pk.get(int(club["club_id"]), "")
    return {"breakdown": data, "problems": [p.message for p in problems], "group": group}


def _confirm_context(request, round_, applications, form):
    household = _household(request)
    club_ids = {c.club_id for a in applications for c in a.choices.all()}
    clubs_by_pk = {c.pk: c.name for c in Club.objects.filter(pk__in=club_ids)}
    items = []
    for application in applications:
        item = {"application": application, "child": application.child,
                "grade": services.child_grade(application.child, round_),
                "choices": list(application.choices.select_related("club__school").order_by("rank")),
                "documents": list(application.documents.select_related("guardian")),
                "kokoa_days": [str(Weekday(day).label) for day in application.kokoa_weekdays]}
        item.update(_preview(application, clubs_by_pk))
        items.append(item)
    missing_choices = [item["child"] for item in items if not item["choices"]]
    have = {(d.guardian_id, d.kind) for d in items[0]["documents"]} if items else set()
    missing_documents = [{"guardian": g, "label": Document.Kind(kind).label}
                         for g, kind in services.required_documents(household) if (g.pk, kind) not in have]
    return {"round": round_, "form": form, "items": items, "household": household,
            "guardians": list(household.guardians.order_by("order")),
            "group": next((a.sibling_group for a in applications if a.sibling_group_id), None),
            "missing_choices": missing_choices, "missing_documents": missing_documents,
            "steps": _steps(round_, "family_apply_confirm"), "is_open": round_.is_open_at(timezone.now())}


@family_required
@require_http_methods(["GET", "POST"])
def apply_confirm(request, round_id):
    round_ = _round(round_id)
    household = _household(request)
    form = ConfirmSubmitForm(_posted(request), initial={"submission_key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        try:
            submitted = services.applications_submit(actor=request.user, household=household, round_=round_,
                                                     submission_key=form.cleaned_data["submission_key"])
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            request.session["family_receipt"] = [str(a.public_id) for a in submitted]
            return redirect("family_apply_receipt", round_.pk)
    applications = services.application_set(household, round_)
    if not applications:
        if request.method == "POST":
            return redirect("family_home")
        return redirect("family_apply_start", round_.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "family/apply/confirm.html", _confirm_context(request, round_, applications, form),
                  status=status)


@family_required
def apply_receipt(request, round_id):
    round_ = _round(round_id)
    keys = request.session.get("family_receipt") or []
    applications = list(Application.objects.filter(child__household=_household(request), round=round_,
                                                    public_id__in=keys).select_related("child")
                         .order_by("receipt_number"))
    if not applications:
        return redirect("family_home")
    return render(request, "family/apply/receipt.html", {"round": round_, "applications": applications})
