"""Pages for club operators, scoped to the operator's own clubs and KoKoA programmes.

Every object is fetched through ``request.user.operator`` (enrollment.selectors.rosters), so an
id of anything the operator does not run answers 404, pages, partials and exports alike. Every
read of children's records is audited by child id only.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from enrollment import exports_roster
from enrollment.models import Child, KokoaAttendance
from enrollment.permissions import operator_required
from enrollment.rules.grades import add_months, month_start
from enrollment.selectors.rosters import (
    check_in_counts,
    check_in_rows,
    club_for_operator,
    club_roster,
    default_session_date,
    is_session_date,
    last_roster_visit,
    operator_clubs,
    operator_programmes,
    parse_month,
    programme_for_operator,
    programme_sessions,
    registrations_by_weekday,
    roster_changes,
    session_children,
    session_dates,
    session_for_operator,
)
from enrollment.services import ServiceError
from enrollment.services.audit import audit_read
from enrollment.services.kokoa_attendance import kokoa_attendance_record, roster_visit_record

MSG_BAD_MONTH = gettext_lazy("Enter a month like 2027-04. This month is shown instead.")
MSG_BAD_DATE = gettext_lazy("The session does not meet on that date. The next session date is shown instead.")


def _audit_child_reads(user, child_ids, action: str) -> None:
    # One transaction for the batch: a roster reads dozens of records at once.
    with transaction.atomic():
        for child_id in dict.fromkeys(child_ids):
            audit_read(actor=user, obj=Child(pk=child_id), action=action)


@operator_required
@require_GET
def operator_home(request):
    operator = request.user.operator
    return render(request, "operator/home.html", {
        "operator": operator,
        "clubs": operator_clubs(operator),
        "programmes": operator_programmes(operator),
    })


# --- club rosters ------------------------------------------------------------------------------


def _requested_month(request, today: datetime.date) -> tuple[datetime.date, bool]:
    """The month asked for (``?month=2027-04``), this month by default; the flag says the value
    given could not be read."""
    value = request.GET.get("month")
    if not value:
        return month_start(today), False
    month = parse_month(value)
    if month is None:
        return month_start(today), True
    return month, False


@operator_required
@require_GET
def operator_roster(request, club_id: int):
    club = club_for_operator(request.user.operator, club_id)
    today = timezone.localdate()
    month, bad_month = _requested_month(request, today)
    roster = club_roster(club, month=month, today=today)
    _audit_child_reads(request.user, roster.child_ids, "operator.roster.read")
    context = {
        "club": club,
        "roster": roster,
        "bad_month": bad_month,
        "month_value": f"{roster.month:%Y-%m}",
        "previous_month": f"{add_months(roster.month, -1):%Y-%m}",
        "next_month": f"{add_months(roster.month, 1):%Y-%m}",
        "is_current_month": roster.month == month_start(today),
    }
    if request.htmx:
        roster_visit_record(actor=request.user, club=club)
        return render(request, "operator/roster.html#roster", context)
    changes = roster_changes(club, since=last_roster_visit(user=request.user, club=club), today=today)
    _audit_child_reads(request.user, changes.child_ids, "operator.roster.changes")
    roster_visit_record(actor=request.user, club=club)
    return render(request, "operator/roster.html", {**context, "changes": changes})


def _export_roster(request, club_id: int):
    club = club_for_operator(request.user.operator, club_id)
    today = timezone.localdate()
    month, bad_month = _requested_month(request, today)
    if bad_month:
        raise Http404()
    return club_roster(club, month=month, today=today)


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@operator_required
@require_GET
def operator_roster_xlsx(request, club_id: int):
    roster = _export_roster(request, club_id)
    _audit_child_reads(request.user, roster.child_ids, "operator.roster.export_xlsx")
    return _attachment(exports_roster.roster_xlsx(roster), exports_roster.XLSX_CONTENT_TYPE,
                       exports_roster.export_filename(roster, "xlsx"))


@operator_required
@require_GET
def operator_roster_pdf(request, club_id: int):
    roster = _export_roster(request, club_id)
    _audit_child_reads(request.user, roster.child_ids, "operator.roster.export_pdf")
    return _attachment(exports_roster.roster_pdf(roster), "application/pdf",
                       exports_roster.export_filename(roster, "pdf"))


# --- KoKoA -------------------------------------------------------------------------------------


@operator_required
@require_GET
def operator_kokoa_programme(request, programme_id: int):
    programme = programme_for_operator(request.user.operator, programme_id)
    groups = registrations_by_weekday(programme)
    _audit_child_reads(request.user, [c.child_id for g in groups for c in g.children], "operator.kokoa.read")
    return render(request, "operator/kokoa_programme.html", {
        "programme": programme,
        "weekday_groups": groups,
        "sessions": programme_sessions(programme),
        "registered": len({c.child_id for g in groups for c in g.children}),
    })


def _requested_date(request, session, today: datetime.date) -> tuple[datetime.date, bool]:
    value = request.GET.get("date", "")
    if not value:
        return default_session_date(session, today=today), False
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or len(value) != 10 or not is_session_date(session, day):
        return default_session_date(session, today=today), True
    return day, False


def _session_context(session, day: datetime.date, today: datetime.date) -> dict:
    rows = check_in_rows(session, day)
    return {
        "session": session,
        "programme": session.programme,
        "day": day,
        "day_value": day.isoformat(),
        "rows": rows,
        "counts": check_in_counts(rows),
        "dates": session_dates(session),
        "can_record": day <= today,
        "is_today": day == today,
        "statuses": KokoaAttendance.Status,
    }


@operator_required
@require_GET
def operator_kokoa_session(request, session_id: int):
    session = session_for_operator(request.user.operator, session_id)
    today = timezone.localdate()
    day, bad_date = _requested_date(request, session, today)
    context = _session_context(session, day, today)
    _audit_child_reads(request.user, [row.child.child_id for row in context["rows"]], "operator.kokoa.session.read")
    if bad_date:
        messages.warning(request, MSG_BAD_DATE)
    template = "operator/kokoa_session.html#check_in" if request.htmx else "operator/kokoa_session.html"
    return render(request, template, context)


class CheckInForm(forms.Form):
    date = forms.DateField(input_formats=["%Y-%m-%d"])
    child = forms.UUIDField()
    status = forms.ChoiceField(choices=KokoaAttendance.Status.choices)
    left_at = forms.TimeField(required=False, input_formats=["%H:%M", "%H:%M:%S"])


@operator_required
@require_POST
def operator_kokoa_check_in(request, session_id: int):
    session = session_for_operator(request.user.operator, session_id)
    form = CheckInForm(request.POST)
    if not form.is_valid() or not is_session_date(session, form.cleaned_data["date"]):
        raise Http404()
    day = form.cleaned_data["date"]
    child = get_object_or_404(Child, public_id=form.cleaned_data["child"])
    if child.pk not in {c.child_id for c in session_children(session, day)}:
        raise Http404()
    error = None
    try:
        kokoa_attendance_record(actor=request.user, session=session, child=child, day=day,
                                status=form.cleaned_data["status"], left_at=form.cleaned_data["left_at"])
    except ServiceError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Recorded for %(name)s.") % {"name": child.full_name})
        url = reverse("operator_kokoa_session", args=[session.pk])
        return redirect(f"{url}?{urlencode({'date': day.isoformat()})}#child-{child.public_id}")
    today = timezone.localdate()
    context = _session_context(session, day, today)
    row = next(r for r in context["rows"] if r.child.child_id == child.pk)
    return render(request, "operator/kokoa_session.html#check_in_response",
                  {**context, "row": row, "row_error": error, "announce": not error})
