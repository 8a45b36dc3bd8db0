"""Staff pages for processing applications: the list, one application, its documents, the actions
on it, paper applications and imports. Read-only staff see every page; each change is a POST
that only full staff may make."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from enrollment.forms.staff_applications import (
    ApplicationFilterForm,
    DocumentReviewForm,
    ImportConfirmForm,
    ImportUploadForm,
    PaperApplicationForm,
    PointsAdjustForm,
    ReturnForm,
)
from enrollment.imports import ImportRefused, applications_import, preview
from enrollment.models import Application, Document, Letter, Round
from enrollment.permissions import staff_required
from enrollment.selectors.applications import application_list
from enrollment.services import ServiceError
from enrollment.services.applications import allowed_transitions, application_accept, application_return
from enrollment.services.audit import audit_read
from enrollment.services.staff_applications import (
    ADJUSTABLE_STATUSES,
    application_paper_create,
    application_points_adjust,
    application_points_recompute,
    document_review,
)

PAGE_SIZE = 50
STATUS_LABELS = dict(Application.Status.choices)
LIST = "staff/applications/list.html"
DETAIL = "staff/applications/detail.html"


def _application_for_staff(public_id) -> Application:
    # Drafts are the family's until submitted: staff get 404 like anyone else.
    return get_object_or_404(
        Application.objects.exclude(status=Application.Status.DRAFT)
        .select_related("child__household", "child__school", "round__fiscal_year"),
        public_id=public_id)


@staff_required
@require_GET
def application_list_view(request):
    form = ApplicationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = application_list(round_=filters.get("round"), school=filters.get("school"), club=filters.get("club"),
                          status=filters.get("status", ""), flags=filters.get("flags", ()), q=filters.get("q", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page, "count": page.paginator.count}
    template = f"{LIST}#results" if request.htmx and request.htmx.target == "results" else LIST
    return render(request, template, context)


def _detail_context(request, application, **forms):
    child = application.child
    household = child.household
    breakdown = application.points_breakdown or {}
    clubs_by_id = {str(c.club_id): c.club for c in application.choices.select_related("club")}
    club_lines = [{"club": clubs_by_id.get(str(entry.get("club_id"))), **entry} for entry in breakdown.get("clubs", [])]
    return {
        "application": application,
        "child": child,
        "household": household,
        "guardians": household.guardians.order_by("order"),
        "choices": application.choices.select_related("club__school").order_by("rank"),
        "documents": application.documents.order_by("uploaded_at"),
        "events": [(event, STATUS_LABELS.get(event.to_status, event.to_status))
                   for event in application.events.select_related("actor").order_by("at", "pk")],
        "adjustments": application.adjustments.select_related("created_by").order_by("created_at"),
        "letters": Letter.objects.filter(application=application).order_by("-pk"),
        "breakdown": breakdown,
        "club_lines": club_lines,
        "transitions": allowed_transitions(application.status),
        "can_adjust": application.status in ADJUSTABLE_STATUSES,
        "grade": child.grade_in(application.round.fiscal_year.year),
        "return_form": forms.get("return_form") or ReturnForm(),
        "adjust_form": forms.get("adjust_form") or PointsAdjustForm(),
        "review_form": DocumentReviewForm(),
    }


@staff_required
@require_GET
def application_detail(request, public_id):
    application = _application_for_staff(public_id)
    audit_read(actor=request.user, obj=application.child)
    return render(request, DETAIL, _detail_context(request, application))


def _done(request, application, message):
    messages.success(request, message)
    return redirect("staff_application_detail", public_id=application.public_id)


def _refused(request, application, error: ServiceError):
    messages.error(request, str(error.message))
    return redirect("staff_application_detail", public_id=application.public_id)


@staff_required(write=True)
@require_POST
def application_accept_view(request, public_id):
    application = _application_for_staff(public_id)
    try:
        application_accept(application=application, actor=request.user)
    except ServiceError as error:
        return _refused(request, application, error)
    return _done(request, application, _("The application was accepted for screening."))


@staff_required(write=True)
@require_POST
def application_return_view(request, public_id):
    application = _application_for_staff(public_id)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            application_return(application=application, actor=request.user, comment=form.cleaned_data["comment"])
        except ServiceError as error:
            return _refused(request, application, error)
        return _done(request, application, _("The application was returned to the family with your comment."))
    context = _detail_context(request, application, return_form=form)
    return render(request, DETAIL, context, status=400)


@staff_required(write=True)
@require_POST
def application_adjust_view(request, public_id):
    application = _application_for_staff(public_id)
    form = PointsAdjustForm(request.POST)
    if form.is_valid():
        try:
            application_points_adjust(actor=request.user, application=application, **form.cleaned_data)
        except ServiceError as error:
            return _refused(request, application, error)
        return _done(request, application, _("The adjustment was recorded and the points recomputed."))
    return render(request, DETAIL, _detail_context(request, application, adjust_form=form), status=400)


@staff_required(write=True)
@require_POST
def application_recompute_view(request, public_id):
    application = _application_for_staff(public_id)
    try:
        application_points_recompute(actor=request.user, application=application)
    except ServiceError as error:
        return _refused(request, application, error)
    return _done(request, application, _("The points were recomputed from the current facts."))


def _document_for_staff(public_id) -> Document:
    return get_object_or_404(Document.objects.select_related("application").exclude(
        application__status=Application.Status.DRAFT), public_id=public_id)


@staff_required(write=True)
@require_POST
def document_review_view(request, public_id):
    document = _document_for_staff(public_id)
    form = DocumentReviewForm(request.POST)
    if not form.is_valid():
        return _refused(request, document.application, ServiceError(_("Choose how the document was checked.")))
    try:
        document_review(actor=request.user, document=document, review=form.cleaned_data["review"])
    except ServiceError as error:
        return _refused(request, document.application, error)
    return _done(request, document.application, _("The document check was saved."))


@staff_required
@require_GET
@xframe_options_sameorigin
def document_file(request, public_id):
    """The stored file, inline, with its checked content type; only through this view."""
    document = _document_for_staff(public_id)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404()
    audit_read(actor=request.user, obj=document, action="read_document")
    response = FileResponse(handle, content_type=document.content_type, as_attachment=False,
                            filename=document.original_name)
    # The page that frames it is ours; nothing in a document may run or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; frame-ancestors 'self'"
    response["Cache-Control"] = "private, no-store"
    return response


# --- paper applications and imports ----------------------------------------------------------------

PAPER = "staff/applications/paper.html"
IMPORT = "staff/applications/import.html"


def _open_round_or_404(request, value):
    return get_object_or_404(Round.objects.select_related("fiscal_year"), pk=value)


@staff_required(write=True)
def paper_application(request, round_id):
    round_ = _open_round_or_404(request, round_id)
    form = PaperApplicationForm(request.POST or None, round_=round_)
    if request.method == "POST" and form.is_valid():
        try:
            application = application_paper_create(
                actor=request.user, round_=round_, household=form.household, guardians=form.guardians,
                child=form.child, clubs=form.clubs, requested_start=form.requested_start)
        except ServiceError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("The paper application was entered with receipt number %(number)s.")
                             % {"number": application.receipt_number})
            return redirect("staff_application_detail", public_id=application.public_id)
    sections = [
        (_("Household"), [form[n] for n in form.fields if not n.startswith(("g1_", "g2_", "child_", "choice_",
                                                                            "requested_start"))]),
        (_("Guardian 1"), [form[n] for n in form.fields if n.startswith("g1_")]),
        (_("Guardian 2 (leave empty when there is only one)"), [form[n] for n in form.fields if n.startswith("g2_")]),
        (_("Child"), [form[n] for n in form.fields if n.startswith("child_")]),
        (_("Clubs and start"), [form[n] for n in form.fields if n.startswith(("choice_", "requested_start"))]),
    ]
    return render(request, PAPER, {"form": form, "round": round_, "sections": sections},
                  status=400 if form.errors else 200)


def _rounds():
    return Round.objects.exclude(status__in=(Round.Status.COMMITTED, Round.Status.PUBLISHED)).select_related(
        "fiscal_year")


IMPORT_KEEP_SECONDS = 24 * 3600


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _forget_stale_imports() -> None:
    """Files checked but never imported hold personal data: keep them a day at most."""
    cutoff = time.time() - IMPORT_KEEP_SECONDS
    for stale in _import_dir().iterdir():
        if stale.is_file() and stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


@staff_required(write=True)
def import_upload(request):
    """Step 1: upload and check; nothing is imported. The file waits, outside any public path,
    under a random name the session remembers, for step 2."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    report = None
    confirm = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        round_ = form.cleaned_data["round"]
        report = preview(data=data, round_=round_)
        _forget_stale_imports()
        if report.rows and not report.file_error:
            token = secrets.token_hex(16)
            (_import_dir() / token).write_bytes(data)
            request.session["staff_import"] = {"token": token, "round": round_.pk}
            confirm = ImportConfirmForm(initial={"token": token})
    return render(request, IMPORT, {"form": form, "report": report, "confirm": confirm, "rounds": _rounds()},
                  status=400 if form.errors else 200)


@staff_required(write=True)
@require_POST
def import_confirm(request):
    form = ImportConfirmForm(request.POST)
    pending = request.session.get("staff_import") or {}
    if not form.is_valid() or form.cleaned_data["token"] != pending.get("token"):
        messages.error(request, _("This import has expired. Upload the file again."))
        return redirect("staff_import")
    round_ = get_object_or_404(Round, pk=pending["round"])
    path = _import_dir() / pending["token"]
    if not path.exists():
        messages.error(request, _("This import has expired. Upload the file again."))
        return redirect("staff_import")
    try:
        created, report = applications_import(actor=request.user, round_=round_, data=path.read_bytes(),
                                              only_valid=form.cleaned_data["only_valid"])
    except ImportRefused as refused:
        messages.error(request, str(refused.message))
        return render(request, IMPORT, {"form": ImportUploadForm(initial={"round": round_}), "report": refused.report,
                                        "confirm": ImportConfirmForm(initial={"token": pending["token"]}),
                                        "rounds": _rounds()},
                      status=400)
    path.unlink(missing_ok=True)
    del request.session["staff_import"]
    messages.success(request, _("%(count)s applications were imported as paper applications.")
                     % {"count": len(created)})
    url = f"{redirect('staff_application_list').url}?round={round_.pk}&flags=paper"
    return redirect(url)
