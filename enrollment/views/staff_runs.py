"""Staff pages for allocation runs: the rounds, a round's runs and the start form, a run's results
with its live progress, comparing two runs child by child, the commit (with a confirmation step),
publishing results, promotions from the waitlist, and the allocation of a KoKoA programme's
capacity-limited sessions.

Read-only staff see every page; each change is a POST that only full staff may make."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment.charts import Bar, bar_chart
from enrollment.forms.staff_runs import (
    KokoaProgrammeAllocateForm,
    PublishForm,
    RunCommitForm,
    RunCompareForm,
    RunStartForm,
)
from enrollment.models import AllocationRun, Club, KokoaProgramme, Round
from enrollment.permissions import ensure_can_change, staff_required
from enrollment.selectors.kokoa import limited_sessions, past_allocations
from enrollment.selectors.runs import (
    attach_applications,
    club_label,
    compare_runs,
    run_summary,
    runs_for_round,
    staff_rounds,
)
from enrollment.services import ServiceError
from enrollment.services.rounds import kokoa_programme_allocate, round_publish, rounds_publish_due, \
    waitlist_promote_all
from enrollment.services.runs import RUNNABLE_ROUND_STATUSES, allocation_run_commit, allocation_run_start

RUNS = "staff/runs/runs.html"
RUN = "staff/runs/run.html"
COMPARE = "staff/runs/compare.html"
COMMIT = "staff/runs/commit.html"
KOKOA = "staff/runs/kokoa.html"
KOKOA_PROGRAMME = "staff/runs/kokoa_programme.html"
PAGE_SIZE = 50
ACTIVE = (AllocationRun.Status.QUEUED, AllocationRun.Status.RUNNING)


def _ruleset_ties(round_: Round) -> str | None:
    ruleset = round_.effective_ruleset()
    if ruleset is None:
        return None
    return ((ruleset.data or {}).get("allocation") or {}).get("ties")


@staff_required
@require_GET
def round_list(request):
    rounds_publish_due()
    return render(request, "staff/runs/rounds.html", {"rounds": staff_rounds()})


@staff_required
@require_http_methods(["GET", "POST"])
def run_list(request, round_id: int):
    round_ = get_object_or_404(Round.objects.select_related("fiscal_year"), pk=round_id)
    clubs = Club.objects.filter(is_active=True).order_by("code")
    form = RunStartForm(request.POST or None, clubs=clubs, ruleset_ties=_ruleset_ties(round_))
    if request.method == "POST":
        ensure_can_change(request.user)
        if form.is_valid():
            try:
                run = allocation_run_start(round_=round_, actor=request.user, ties=form.cleaned_data["ties"],
                                           seed=form.cleaned_data["seed"], elastic_ratios=form.elastic_ratios(),
                                           note=form.cleaned_data["note"])
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                return redirect("staff_run", run_id=run.pk)
    runs = list(runs_for_round(round_))
    return render(request, RUNS, {
        "round": round_, "runs": runs, "form": form, "runnable": round_.status in RUNNABLE_ROUND_STATUSES,
        "active_run": next((r for r in runs if r.status in ACTIVE), None),
        "publish_form": PublishForm(initial={"publish_on": timezone.localdate() + datetime.timedelta(days=7)}),
        "compare_form": RunCompareForm(runs=runs_for_round(round_).exclude(status__in=ACTIVE + (
            AllocationRun.Status.FAILED,))),
    })


def _fill_chart(summary):
    bars = [Bar(t.label, t.placed, t.capacity, f"{t.placed} / {t.capacity}") for t in summary.by_club]
    return bar_chart(bars, title=_("Places filled per club by this run"),
                     description=_("For each club, the children this run places against the places that were "
                                   "free for the round. The same figures are in the table below."))


@staff_required
@require_GET
def run_detail(request, run_id: int):
    run = get_object_or_404(AllocationRun.objects.select_related("round__fiscal_year", "created_by"), pk=run_id)
    if request.htmx and "progress" in request.GET:
        response = render(request, f"{RUN}#progress", {"run": run})
        if run.status not in ACTIVE:
            # The results replace the progress bar: reload the whole page once.
            response["HX-Refresh"] = "true"
        return response
    summary = run_summary(run)
    return render(request, RUN, {
        "run": run, "summary": summary, "round": run.round, "active": run.status in ACTIVE,
        "fill_chart": _fill_chart(summary) if summary.by_club else "",
    })


@staff_required(write=True)
@require_http_methods(["GET", "POST"])
def run_commit(request, run_id: int):
    run = get_object_or_404(AllocationRun.objects.select_related("round__fiscal_year"), pk=run_id)
    form = RunCommitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            allocation_run_commit(run=run, actor=request.user)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The run was committed: offers and waitlist positions are written, "
                                        "and the letters are being prepared."))
            return redirect("staff_runs", round_id=run.round_id)
    return render(request, COMMIT, {"run": run, "round": run.round, "form": form, "summary": run_summary(run)})


@staff_required
@require_GET
def run_compare(request, round_id: int):
    round_ = get_object_or_404(Round.objects.select_related("fiscal_year"), pk=round_id)
    runs = runs_for_round(round_).exclude(status__in=ACTIVE + (AllocationRun.Status.FAILED,))
    form = RunCompareForm(request.GET or None, runs=runs)
    context = {"round": round_, "form": form}
    if form.is_valid():
        comparison = compare_runs(form.cleaned_data["a"], form.cleaned_data["b"])
        changes = comparison.of_kind(form.cleaned_data["kind"] or None)
        changes = [c for c in changes if c.kind != "same"]
        page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
        attach_applications(page.object_list)
        clubs = {c.code: c for c in Club.objects.all()}
        for change in page.object_list:
            change.before_label = club_label(change.before, clubs)
            change.after_label = club_label(change.after, clubs)
        context.update(comparison=comparison, page_obj=page)
    template = f"{COMPARE}#results" if request.htmx and form.is_valid() else COMPARE
    return render(request, template, context)


@staff_required(write=True)
@require_POST
def round_publish_view(request, round_id: int):
    round_ = get_object_or_404(Round, pk=round_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the day the results are published."))
        return redirect("staff_runs", round_id=round_.pk)
    try:
        round_publish(round_=round_, actor=request.user, publish_at=form.publish_at())
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Families will see their results from %(date)s.") % {
            "date": form.cleaned_data["publish_on"].isoformat()})
    return redirect("staff_runs", round_id=round_.pk)


@staff_required(write=True)
@require_POST
def round_promote_view(request, round_id: int):
    round_ = get_object_or_404(Round, pk=round_id)
    today = timezone.localdate()
    offers = waitlist_promote_all(actor=request.user, on=max(today, round_.start_month),
                                  respond_by=today + datetime.timedelta(days=round_.offer_response_days))
    messages.success(request, _("%(count)s children were offered a freed place from the waitlist.") % {
        "count": len(offers)})
    return redirect("staff_runs", round_id=round_.pk)


@staff_required
@require_GET
def kokoa_sessions(request):
    return render(request, KOKOA, {"sessions": limited_sessions()})


@staff_required
@require_http_methods(["GET", "POST"])
def kokoa_programme(request, programme_id: int):
    """A programme's capacity-limited sessions, the form that allocates the chosen ones together,
    and the programme's past allocations."""
    programme = get_object_or_404(KokoaProgramme.objects.select_related("school", "fiscal_year"), pk=programme_id)
    sessions = list(limited_sessions([programme]))
    form = KokoaProgrammeAllocateForm(request.POST or None, sessions=programme.sessions.all(),
                                      initial={"sessions": [s.pk for s in sessions if s.requested]})
    if request.method == "POST":
        ensure_can_change(request.user)
        if form.is_valid():
            try:
                outcome = kokoa_programme_allocate(programme=programme, actor=request.user,
                                                   session_ids=form.cleaned_data["sessions"],
                                                   seed=form.cleaned_data["seed"])
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _(
                    "%(served)s of %(children)s children now have at least one session; %(granted)s places "
                    "granted (lottery seed %(seed)s).") % {
                    "served": outcome.children_served, "children": outcome.children,
                    "granted": outcome.sessions_granted, "seed": outcome.seed})
                return redirect("staff_kokoa_programme", programme_id=programme.pk)
    chosen = {str(pk) for pk in (form["sessions"].value() or [])}
    return render(request, KOKOA_PROGRAMME, {
        "programme": programme, "sessions": sessions, "form": form, "chosen": chosen,
        "undecided": any(s.requested for s in sessions), "allocations": past_allocations(programme),
    })
