"""Statistics and planning for staff: the tables of a round and fiscal year, as a page, as one
Excel workbook (one table per sheet) and as CSV files. Exports carry personal data, so each
download is recorded in the audit trail (ids only)."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from enrollment.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, workbook_bytes
from enrollment.forms.staff_runs import ExportForm
from enrollment.models import Round
from enrollment.permissions import staff_required
from enrollment.selectors import statistics as stats
from enrollment.selectors.runs import staff_rounds
from enrollment.services.audit import audit_record

# The exports keep the survey's Japanese grade bands; the page shows them in the reader's language.
PAGE_BANDS = {stats.band_of(1): _("Grades 1–3"), stats.band_of(4): _("Grades 4–6")}

SHEETS = {
    "applications": "申請一覧",
    "results": "利用調整結果",
    "rosters": "在籍名簿",
    "waiting": "待機児童",
    "survey": "5月1日調査",
    "planning": "定員計画",
}


def _rosters_day(round_: Round, form: ExportForm) -> datetime.date:
    if form.is_valid() and form.cleaned_data.get("on"):
        return form.cleaned_data["on"]
    return max(round_.start_month, timezone.localdate()) if round_.status != Round.Status.PLANNED \
        else round_.start_month


def _table(round_: Round, key: str, on: datetime.date):
    builders = {
        "applications": lambda: stats.applications_frame(round_),
        "results": lambda: stats.results_frame(round_),
        "rosters": lambda: stats.rosters_frame(on),
        "waiting": lambda: stats.waiting_frame(round_.fiscal_year),
        "survey": lambda: stats.may_survey_frame(round_.fiscal_year),
        "planning": lambda: stats.planning_frame(round_),
    }
    return builders[key]()


def tables(round_: Round, on: datetime.date) -> dict:
    """Every table of the workbook, keyed as in ``SHEETS``."""
    return {key: _table(round_, key, on) for key in SHEETS}


def _round(request, round_id):
    return get_object_or_404(Round.objects.select_related("fiscal_year"), pk=round_id)


@staff_required
@require_GET
def stats_index(request):
    rounds = list(staff_rounds())
    chosen = None
    if request.GET.get("round", "").isdigit():
        chosen = next((r for r in rounds if r.pk == int(request.GET["round"])), None)
    chosen = chosen or stats.current_round()
    context = {"rounds": rounds, "round": chosen}
    if chosen is not None:
        waiting = stats.waiting_frame(chosen.fiscal_year)
        context.update(
            waiting_rows=[{**row, "学年区分": PAGE_BANDS.get(row["学年区分"], row["学年区分"])}
                          for row in waiting.to_dict("records")],
            waiting_total=int(waiting["待機児童数"].sum()) if len(waiting) else 0,
            planning_rows=stats.planning_frame(chosen).to_dict("records"),
            form=ExportForm(initial={"on": chosen.start_month}),
            # The workbook keeps the city's Japanese sheet names; the links follow the page's language.
            sheets=dict(ExportForm.TABLE_CHOICES))
    return render(request, "staff/stats/index.html", context)


@staff_required
@require_GET
def stats_workbook(request, round_id: int):
    round_ = _round(request, round_id)
    on = _rosters_day(round_, ExportForm(request.GET))
    data = workbook_bytes({SHEETS[key]: frame for key, frame in tables(round_, on).items()})
    audit_record(actor=request.user, action="export.statistics_xlsx", obj=round_, on_commit=False)
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="statistics-{round_.fiscal_year.year}-{round_.pk}.xlsx"'
    return response


@staff_required
@require_GET
def stats_csv(request, round_id: int, table: str):
    if table not in SHEETS:
        raise Http404()
    round_ = _round(request, round_id)
    on = _rosters_day(round_, ExportForm(request.GET))
    frame = _table(round_, table, on)
    audit_record(actor=request.user, action=f"export.{table}_csv", obj=round_, on_commit=False)
    response = HttpResponse(csv_bytes(frame), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{table}-{round_.fiscal_year.year}-{round_.pk}.csv"'
    return response
