"""The household page, its guardians and its children, for the signed-in family only.

Every object is fetched through ``request.user.household`` (404 for anyone else's). Pages work
without JavaScript; with htmx, fields are checked as they are left (``_validate``), the reason's
fieldset follows the chosen reason (``_reason_fields``), and guardians and children are added and
removed in place on the overview (``inline``), which re-renders its ``people`` partial.
"""

from django.contrib import messages
from django.http import Http404
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from enrollment.forms.household import (
    ChildForm,
    GuardianForm,
    HouseholdForm,
    child_initial,
    forms_ruleset,
    guardian_initial,
    household_initial,
    upcoming_fiscal_year,
)
from enrollment.models import Round
from enrollment.permissions import family_required
from enrollment.rules.grades import school_grade
from enrollment.services import ServiceError
from enrollment.services import households as services

OVERVIEW = "family/household/overview.html"


def _today():
    return timezone.localdate()


# --- fetch for this user ------------------------------------------------------------------------

def _guardian_for_user(request, order: int):
    household = request.user.household
    if household is None:
        raise Http404()
    guardian = household.guardians.filter(order=order).first()
    if guardian is None:
        raise Http404()
    return guardian


def _child_for_user(request, public_id):
    household = request.user.household
    if household is None:
        raise Http404()
    child = household.children.select_related("school").filter(public_id=public_id).first()
    if child is None:
        raise Http404()
    return child


def _inline(request) -> bool:
    return bool(request.htmx) and (request.GET.get("inline") == "1" or request.POST.get("inline") == "1")


def _validate_field(request, form, template):
    """htmx: the one field just left, re-rendered with its errors (nothing is saved)."""
    name = request.POST.get("_validate", "")
    if name not in form.fields:
        raise Http404()
    form.is_valid()
    return render(request, f"{template}#field_inner", {"form": form, "field": form[name]})


# --- overview -----------------------------------------------------------------------------------

def _people_context(request, **extra) -> dict:
    household = request.user.household
    fiscal_year = upcoming_fiscal_year(_today())
    guardians = list(household.guardians.order_by("order")) if household else []
    children = list(household.children.select_related("school").order_by("birth_date")) if household else []
    for child in children:
        child.upcoming_grade = child.grade_in(fiscal_year)
    return {
        "household": household,
        "guardians": guardians,
        "children": children,
        "fiscal_year": fiscal_year,
        "can_add_guardian": household is not None and len(guardians) < services.MAX_GUARDIANS
        and not (household.single_parent and guardians),
        **extra,
    }


def _people_response(request, status_message: str = "", **extra):
    return render(request, f"{OVERVIEW}#people",
                  _people_context(request, status_message=status_message, **extra))


@family_required
def household(request):
    now = timezone.now()
    # The next step, applying, is offered for the rounds open right now.
    open_rounds = list(Round.objects.filter(status=Round.Status.OPEN, opens_at__lte=now, closes_at__gt=now)
                       .select_related("fiscal_year").order_by("closes_at"))
    context = _people_context(request, open_rounds=open_rounds)
    if request.htmx and request.GET.get("part") == "people":
        return render(request, f"{OVERVIEW}#people", context)
    return render(request, OVERVIEW, context)


@family_required
@require_http_methods(["GET", "POST"])
def household_edit(request):
    household = request.user.household
    guardian_count = household.guardians.count() if household else 0
    initial = household_initial(household) if household else {}
    form = HouseholdForm(request.POST or None, initial=initial, guardian_count=guardian_count)
    form.action_url = reverse("family_household_edit")
    template = "family/household/household_form.html"
    if request.method == "POST" and request.htmx and "_validate" in request.POST:
        return _validate_field(request, form, template)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_save(actor=request.user, data=form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your household is saved."))
            return redirect("family_household")
    return render(request, template, {"form": form, "household": household})


# --- guardians ----------------------------------------------------------------------------------

def _guardian_page(request, form, *, guardian=None, status=200):
    template = "family/household/guardian_form.html"
    if _inline(request):
        return render(request, f"{OVERVIEW}#people",
                      _people_context(request, guardian_form=form), status=status)
    return render(request, template, {"form": form, "guardian": guardian}, status=status)


def _guardian_htmx_parts(request, form):
    template = "family/household/guardian_form.html"
    if "_validate" in request.POST:
        return _validate_field(request, form, template)
    if "_reason_fields" in request.POST:
        # The fieldsets of the reason just chosen, with what was typed; nothing is checked yet,
        # so no error appears on fields the family has not reached.
        form._errors = ErrorDict()
        form.filter_reasons = True
        return render(request, f"{template}#reason_fields", {"form": form})
    return None


@family_required
@require_http_methods(["GET", "POST"])
def guardian_add(request):
    if request.user.household_id is None:
        messages.error(request, _("Enter your household's address first."))
        return redirect("family_household_edit")
    form = GuardianForm(request.POST or None, ruleset=forms_ruleset())
    form.action_url = reverse("family_guardian_add")
    if request.method == "POST" and request.htmx:
        part = _guardian_htmx_parts(request, form)
        if part is not None:
            return part
    if request.method == "POST" and form.is_valid():
        try:
            guardian = services.guardian_add(actor=request.user, data=form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            text = _("%(name)s is added.") % {"name": guardian.full_name}
            if _inline(request):
                return _people_response(request, text)
            messages.success(request, text)
            return redirect("family_household")
    return _guardian_page(request, form)


@family_required
@require_http_methods(["GET", "POST"])
def guardian_edit(request, order: int):
    guardian = _guardian_for_user(request, order)
    form = GuardianForm(request.POST or None, initial=guardian_initial(guardian), ruleset=forms_ruleset())
    form.action_url = reverse("family_guardian_edit", args=[guardian.order])
    if request.method == "POST" and request.htmx:
        part = _guardian_htmx_parts(request, form)
        if part is not None:
            return part
    if request.method == "POST" and form.is_valid():
        try:
            guardian = services.guardian_update(actor=request.user, guardian=guardian, data=form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": guardian.full_name})
            return redirect("family_household")
    return render(request, "family/household/guardian_form.html", {"form": form, "guardian": guardian})


@family_required
@require_http_methods(["GET", "POST"])
def guardian_remove(request, order: int):
    guardian = _guardian_for_user(request, order)
    return _remove(request, guardian, name=guardian.full_name, kind="guardian",
                   remove=lambda: services.guardian_remove(actor=request.user, guardian=guardian))


# --- children -----------------------------------------------------------------------------------

@family_required
@require_http_methods(["GET", "POST"])
def child_add(request):
    if request.user.household_id is None:
        messages.error(request, _("Enter your household's address first."))
        return redirect("family_household_edit")
    form = ChildForm(request.POST or None, today=_today())
    form.action_url = reverse("family_child_add")
    template = "family/household/child_form.html"
    if request.method == "POST" and request.htmx:
        part = _child_htmx_parts(request, form)
        if part is not None:
            return part
    if request.method == "POST" and form.is_valid():
        try:
            child = services.child_add(actor=request.user, data=form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            text = _("%(name)s is added.") % {"name": child.full_name}
            if _inline(request):
                return _people_response(request, text)
            messages.success(request, text)
            return redirect("family_household")
    if _inline(request):
        return render(request, f"{OVERVIEW}#people", _people_context(request, child_form=form))
    return render(request, template, _grade_context(form))


def _grade_context(form) -> dict:
    """The grade the birth date gives in the coming school year, when the date is complete."""
    fiscal_year = upcoming_fiscal_year(_today())
    if form.is_bound:
        try:
            birth = form.fields["birth_date"].clean(form["birth_date"].value())
        except ValidationError:
            birth = None
    else:
        birth = form.initial.get("birth_date")
    return {"form": form, "fiscal_year": fiscal_year, "grade": school_grade(birth, fiscal_year) if birth else None}


def _child_htmx_parts(request, form):
    template = "family/household/child_form.html"
    if "_validate" in request.POST:
        return _validate_field(request, form, template)
    if "_grade" in request.POST:
        return render(request, f"{template}#grade_note", _grade_context(form))
    return None


@family_required
@require_http_methods(["GET", "POST"])
def child_edit(request, public_id):
    child = _child_for_user(request, public_id)
    form = ChildForm(request.POST or None, initial=child_initial(child), today=_today())
    form.action_url = reverse("family_child_edit", args=[child.public_id])
    template = "family/household/child_form.html"
    if request.method == "POST" and request.htmx:
        part = _child_htmx_parts(request, form)
        if part is not None:
            return part
    if request.method == "POST" and form.is_valid():
        try:
            child = services.child_update(actor=request.user, child=child, data=form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": child.full_name})
            return redirect("family_household")
    return render(request, template, {"child": child, **_grade_context(form)})


@family_required
@require_http_methods(["GET", "POST"])
def child_remove(request, public_id):
    child = _child_for_user(request, public_id)
    return _remove(request, child, name=child.full_name, kind="child",
                   remove=lambda: services.child_remove(actor=request.user, child=child))


def _remove(request, obj, *, name: str, kind: str, remove):
    """GET asks (a page, or in place with htmx); POST removes and answers the same two ways."""
    template = "family/household/remove.html"
    context = {"obj": obj, "name": name, "kind": kind}
    if request.method == "GET":
        if request.htmx:
            return render(request, f"{template}#confirm", context)
        return render(request, template, context)
    try:
        remove()
    except ServiceError as error:
        if request.htmx:
            return _people_response(request, str(error.message), status_is_error=True)
        messages.error(request, error.message)
        return redirect("family_household")
    text = _("%(name)s is removed.") % {"name": name}
    if request.htmx:
        return _people_response(request, text)
    messages.success(request, text)
    return redirect("family_household")
