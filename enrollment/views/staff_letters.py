"""Staff pages for notification letters: a committed run's mailings with their progress, each
letter as PDF, letters flagged for a check, reissues with a reason, and the wording of each letter
kind per fiscal year (fields, versions, edit, preview on sample data).

Read-only staff see and download everything; issuing, reissuing and saving wording are POSTs for
full staff only. Operators and families get 404 here (families download their own letters on
their own pages)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment.letters import available_fields
from enrollment.models import AllocationRun, Application, FiscalYear, Letter, LetterBatch, LetterKind, LetterTemplate
from enrollment.permissions import ensure_can_change, staff_required
from enrollment.services import ServiceError
from enrollment.services import letters as services
from enrollment.services.audit import audit_read

PAGE_SIZE = 50
INDEX = "staff/letters/index.html"
RUN = "staff/letters/run.html"
DETAIL = "staff/letters/detail.html"
TEMPLATES = "staff/letters/templates.html"
TEMPLATE_EDIT = "staff/letters/template_edit.html"


class ReissueForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for the reissue"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=gettext_lazy("Kept with the new letter, e.g. the address was corrected."))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Write the reason for the reissue."))
        return reason


class BatchForm(forms.Form):
    order = forms.ChoiceField(label=gettext_lazy("Order of the mailing"), choices=LetterBatch.Order.choices)


class TemplateForm(forms.Form):
    data = forms.CharField(label=gettext_lazy("Wording (JSON)"), max_length=100_000,
                           widget=forms.Textarea(attrs={"class": "json-editor", "spellcheck": "false"}),
                           help_text=gettext_lazy("The format is described in docs/letters.md. Fields are written "
                                                  "{name}; nothing is saved while anything is wrong."))

    def clean_data(self):
        text = self.cleaned_data["data"]
        if "\x00" in text:
            raise ValidationError(_("The text contains a NUL character."))
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationError(_("This is not valid JSON: %(message)s (line %(line)s, column %(column)s).")
                                  % {"message": error.msg, "line": error.lineno, "column": error.colno})
        if not isinstance(value, dict):
            raise ValidationError(_("The wording must be one JSON object."))
        return value


def _letter_for_staff(public_id) -> Letter:
    return get_object_or_404(Letter.objects.select_related(
        "application__child__school", "kokoa_registration__child", "household", "template", "run__round",
        "fiscal_year", "supersedes"), public_id=public_id)


def _run_for_staff(public_id) -> AllocationRun:
    return get_object_or_404(AllocationRun.objects.select_related("round__fiscal_year"), public_id=public_id,
                             status=AllocationRun.Status.COMMITTED)


def _year(year: int) -> FiscalYear:
    return get_object_or_404(FiscalYear, year=year)


def _kind(kind: str) -> str:
    if kind not in LetterKind.values:
        raise Http404()
    return kind


def _pdf(field, filename: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404()
    response = FileResponse(handle, content_type="application/pdf", as_attachment=False, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_GET
def letters_index(request):
    runs = (AllocationRun.objects.filter(status=AllocationRun.Status.COMMITTED).select_related("round__fiscal_year")
            .annotate(letter_count=Count("letters", distinct=True),
                      flagged_count=Count("letters", filter=Q(letters__status=Letter.Status.FLAGGED), distinct=True))
            .order_by("-committed_at"))
    flagged = (Letter.objects.filter(status=Letter.Status.FLAGGED)
               .select_related("application__child", "kokoa_registration__child", "run__round").order_by("pk"))
    return render(request, INDEX, {"runs": runs, "flagged": flagged,
                                   "years": FiscalYear.objects.order_by("-year")})


def _run_context(request, run, batch_form=None):
    letters = (Letter.objects.filter(run=run).select_related("application__child", "household")
               .order_by("status", "serial", "pk"))
    status = request.GET.get("status", "")
    if status in Letter.Status.values:
        letters = letters.filter(status=status)
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    batches = LetterBatch.objects.filter(run=run).order_by("-created_at")
    decided_without_letter = (Application.objects.filter(round=run.round, status=Application.Status.DECIDED)
                              .exclude(letters__kind=LetterKind.DECISION).select_related("child").order_by("pk"))
    return {"run": run, "page_obj": page, "batches": batches, "status": status,
            "statuses": Letter.Status.choices,
            "working": any(b.status in (LetterBatch.Status.QUEUED, LetterBatch.Status.RUNNING) for b in batches),
            "batch_form": batch_form or BatchForm(), "decided_without_letter": decided_without_letter}


@staff_required
@require_GET
def run_letters(request, public_id):
    run = _run_for_staff(public_id)
    context = _run_context(request, run)
    if request.htmx and request.htmx.target == "batches":
        return render(request, f"{RUN}#batches", context)
    return render(request, RUN, context)


@staff_required(write=True)
@require_POST
def batch_create(request, public_id):
    run = _run_for_staff(public_id)
    form = BatchForm(request.POST)
    if not form.is_valid():
        return render(request, RUN, _run_context(request, run, form), status=400)
    try:
        services.letter_batch_create(run=run, order=form.cleaned_data["order"], actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The mailing is being prepared. This page shows its progress."))
    return redirect("staff_letter_run", public_id=run.public_id)


@staff_required
@require_GET
def batch_pdf(request, public_id):
    batch = get_object_or_404(LetterBatch, public_id=public_id, status=LetterBatch.Status.DONE)
    if not batch.file:
        raise Http404()
    return _pdf(batch.file, f"mailing-{batch.public_id.hex[:8]}.pdf")


def _detail_context(letter, reissue_form=None):
    versions = []
    cursor = letter
    while cursor.supersedes_id:  # the chain is short: one link per reissue
        cursor = Letter.objects.get(pk=cursor.supersedes_id)
        versions.append(cursor)
    newer = Letter.objects.filter(supersedes=letter).first()
    child = (letter.application.child if letter.application_id else letter.kokoa_registration.child)
    return {"letter": letter, "child": child, "older_versions": versions, "newer": newer,
            "reissue_form": reissue_form or ReissueForm()}


@staff_required
@require_GET
def letter_detail(request, public_id):
    letter = _letter_for_staff(public_id)
    context = _detail_context(letter)
    audit_read(actor=request.user, obj=context["child"])
    return render(request, DETAIL, context)


@staff_required
@require_GET
def letter_pdf(request, public_id):
    letter = _letter_for_staff(public_id)
    if not letter.file:
        raise Http404()
    audit_read(actor=request.user, obj=letter, action="letter.read")
    return _pdf(letter.file, f"{letter.document_number or letter.public_id}.pdf")


@staff_required(write=True)
@require_POST
def letter_reissue(request, public_id):
    letter = _letter_for_staff(public_id)
    form = ReissueForm(request.POST)
    if not form.is_valid():
        return render(request, DETAIL, _detail_context(letter, form), status=400)
    try:
        new = services.letter_reissue(letter=letter, reason=form.cleaned_data["reason"], actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect("staff_letter_detail", public_id=letter.public_id)
    _report_issue(request, new)
    return redirect("staff_letter_detail", public_id=new.public_id)


@staff_required(write=True)
@require_POST
def letter_issue(request, public_id):
    """Issue a flagged letter after staff have checked it (e.g. corrected a name)."""
    letter = _letter_for_staff(public_id)
    try:
        letter = services.letter_issue_single(actor=request.user, letter=letter)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        _report_issue(request, letter)
    return redirect("staff_letter_detail", public_id=letter.public_id)


@staff_required(write=True)
@require_POST
def decision_issue(request, public_id):
    """The 決定通知書 for an application whose offer the family accepted."""
    application = get_object_or_404(Application, public_id=public_id, status=Application.Status.DECIDED)
    try:
        letter = services.letter_issue_single(actor=request.user, kind=LetterKind.DECISION, application=application)
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect("staff_letters")
    _report_issue(request, letter)
    return redirect("staff_letter_detail", public_id=letter.public_id)


def _report_issue(request, letter: Letter) -> None:
    if letter.status == Letter.Status.ISSUED:
        messages.success(request, _("Letter %(number)s was issued.") % {"number": letter.document_number})
    else:
        messages.warning(request, _("The letter was not issued and waits for a check: %(reason)s")
                         % {"reason": letter.flag_reason})


@staff_required
@require_GET
def templates_index(request, year):
    fy = _year(year)
    rows = []
    for kind, label in LetterKind.choices:
        current = LetterTemplate.objects.filter(fiscal_year=fy, kind=kind).order_by("-version").first()
        rows.append({"kind": kind, "label": label, "current": current})
    return render(request, TEMPLATES, {"fy": fy, "rows": rows, "years": FiscalYear.objects.order_by("-year")})


@staff_required
@require_http_methods(["GET", "POST"])
def template_edit(request, year, kind):
    """One kind's wording: the fields it may use, its versions, and the editor (a new version)."""
    fy, kind = _year(year), _kind(kind)
    errors: list[str] = []
    if request.method == "POST":
        ensure_can_change(request.user)
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                row = services.letter_template_save_version(fiscal_year=fy, kind=kind, data=form.cleaned_data["data"],
                                                            actor=request.user)
            except services.LetterTemplateInvalid as invalid:
                errors = invalid.errors
                form.add_error("data", str(invalid.message))
            except ServiceError as error:
                form.add_error("data", str(error.message))
            else:
                messages.success(request, _("Version %(version)s of the wording was saved.") % {"version": row.version})
                return redirect("staff_letter_template_edit", year=fy.year, kind=kind)
        current = LetterTemplate.objects.filter(fiscal_year=fy, kind=kind).order_by("-version").first()
    else:
        current = services.letter_template_current(fiscal_year=fy, kind=kind)
        form = TemplateForm(initial={"data": json.dumps(
            {key: value for key, value in current.data.items() if key not in ("kind", "fiscal_year", "version")},
            ensure_ascii=False, indent=2)})
    return render(request, TEMPLATE_EDIT, {
        "fy": fy, "kind": kind, "kind_label": LetterKind(kind).label, "form": form, "errors": errors,
        "current": current, "fields": available_fields(kind),
        "versions": LetterTemplate.objects.filter(fiscal_year=fy, kind=kind).select_related("created_by")
        .order_by("-version"),
    }, status=400 if form.errors else 200)


@staff_required
@require_GET
def template_preview(request, year, kind):
    fy, kind = _year(year), _kind(kind)
    rows = LetterTemplate.objects.filter(fiscal_year=fy, kind=kind)
    version = request.GET.get("version", "")
    row = rows.filter(version=int(version)).first() if version.isdigit() else rows.order_by("-version").first()
    if row is None:
        raise Http404()
    response = HttpResponse(services.letter_sample_pdf(row), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sample-{kind}-v{row.version}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
