"""Allocation runs: start (queued as a background task), execute, compare, commit.

A run is a proposal. Committing one is all or nothing: offers, waitlist positions and outcome
statuses are written in one transaction, and letters are queued only after it commits.
"""

import datetime
import random
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allocation.io import result_to_json, problem_to_json, load_problem, load_result
from allocation.validate import fatal, validate
from enrollment.allocation_bridge import application_pk, build_problem
from enrollment.models import AllocationRun, Application, Club, Offer, Round, WaitlistEntry
from enrollment.services import ServiceError
from enrollment.services.applications import _require_staff_write, application_mark
from enrollment.services.audit import audit_record

MSG_RUN_ACTIVE = _("A run for this round is already in progress. Wait for it to finish.")
MSG_ROUND_STATE = _("Runs can be started only for a round that is closed for applications and not yet decided.")
MSG_NOT_FINISHED = _("Only a finished run can be committed.")
MSG_HAS_VIOLATIONS = _("This run breaks the rules (%(count)s problems found by the validator) and cannot be committed.")
MSG_ALREADY_COMMITTED = _("A run has already been committed for this round.")
MSG_STALE = _("Applications or capacities have changed since this run was made. Start a new run.")
MSG_BAD_RATIO = _("The elastic ratio of %(club)s must be between 1.00 and 1.20.")

RUNNABLE_ROUND_STATUSES = (Round.Status.CLOSED,)


def _check_ratios(elastic_ratios: dict) -> dict:
    from decimal import Decimal, InvalidOperation

    clean = {}
    codes = set(Club.objects.values_list("code", flat=True))
    for code, value in (elastic_ratios or {}).items():
        try:
            ratio = Decimal(str(value))
        except (InvalidOperation, ValueError):
            ratio = None
        if code not in codes or ratio is None or not Decimal("1.00") <= ratio <= Decimal("1.20"):
            raise ServiceError(MSG_BAD_RATIO % {"club": code}, code="bad_ratio")
        clean[code] = str(ratio.quantize(Decimal("0.01")))
    return clean


def allocation_run_start(*, round_: Round, actor, ties: str, seed: int | None = None,
                         elastic_ratios: dict | None = None, note: str = "", enqueue: bool = True) -> AllocationRun:
    """Queue a run. Starting a second one while one is queued or running is refused (the database
    holds that rule, so two clicks at once still start one run)."""
    _require_staff_write(actor)
    if round_.status not in RUNNABLE_ROUND_STATUSES:
        raise ServiceError(MSG_ROUND_STATE, code="round_state")
    ratios = _check_ratios(elastic_ratios or {})
    if ties not in AllocationRun.Ties.values:
        raise ServiceError(_("Unknown tie policy."), code="ties")
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    try:
        with transaction.atomic():
            run = AllocationRun.objects.create(round=round_, ties=ties, seed=seed, elastic_ratios=ratios,
                                               note=note, created_by=actor, progress_message=str(_("Queued")))
            audit_record(actor=actor, action="run.start", obj=run, related={"round": round_.pk})
            if enqueue:
                from enrollment.tasks import execute_run

                transaction.on_commit(lambda: execute_run.enqueue(run.pk))
    except IntegrityError:
        raise ServiceError(MSG_RUN_ACTIVE, code="run_active")
    return run


def _progress(run: AllocationRun, percent: int, message) -> None:
    AllocationRun.objects.filter(pk=run.pk).update(progress=percent, progress_message=str(message))


def allocation_run_execute(*, run_id: int, time_limit: float | None = None) -> AllocationRun:
    """The background task's body: build the problem, solve, validate, store."""
    from django.conf import settings

    from allocation.solver import solve

    # One wall-clock budget (seconds) for the run's solve, and the same for the comparison solve.
    time_limit = time_limit if time_limit is not None else getattr(settings, "ALLOCATION_TIME_LIMIT", 20)

    run = AllocationRun.objects.select_related("round__fiscal_year").get(pk=run_id)
    if run.status != AllocationRun.Status.QUEUED:
        return run
    AllocationRun.objects.filter(pk=run.pk).update(status=AllocationRun.Status.RUNNING, started_at=timezone.now())
    try:
        _progress(run, 5, _("Reading applications"))
        built = build_problem(run.round, ties=run.ties, seed=run.seed, elastic_ratios=run.elastic_ratios)
        _progress(run, 25, _("Solving"))
        started = time.perf_counter()
        result = solve(built.problem, time_limit=time_limit)
        seconds = time.perf_counter() - started
        _progress(run, 85, _("Checking the result"))
        violations = validate(built.problem, result)
        result_json = result_to_json(result, built.problem)
        problem_json = problem_to_json(built.problem)
        problem_json["refused"] = [{"application": r.application_id, "problems": r.problems} for r in built.refused]
        problem_json["referrals"] = {str(k): v for k, v in built.referrals.items()}
        AllocationRun.objects.filter(pk=run.pk).update(
            status=AllocationRun.Status.FINISHED, finished_at=timezone.now(), progress=100,
            progress_message=str(_("Finished")), input_fingerprint=built.fingerprint,
            problem=_jsonable(problem_json), result=_jsonable(result_json),
            placed=result.stats.placed + len(built.referrals), unplaced=result.stats.unplaced,
            proven_optimal=result.stats.proven_optimal, gap=result.stats.gap, solve_seconds=round(seconds, 3),
            violations=[{"kind": v.kind, "child": v.child, "club": v.club, "message": v.message, "fatal": v.fatal}
                        for v in violations])
    except Exception as error:  # the run page must say what happened, never hang at "running"
        AllocationRun.objects.filter(pk=run.pk).update(
            status=AllocationRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}",
            progress_message=str(_("Failed")))
        raise
    # The comparison comes after the run is finished, so staff see the results without waiting
    # for a second solve; the run page says the figure is still being computed until it is stored.
    _store_comparison(run.pk, built.problem, result, time_limit=time_limit)
    _store_capacity_planning(run.pk, built.problem, time_limit=time_limit)
    return AllocationRun.objects.get(pk=run.pk)


def _store_extra(run_id: int, key: str, value) -> None:
    """Add a figure computed after the run finished to its stored statistics."""
    with transaction.atomic():
        run = AllocationRun.objects.select_for_update().get(pk=run_id)
        stored = dict(run.result or {})
        stats = dict(stored.get("stats") or {})
        stats["extra"] = {**(stats.get("extra") or {}), key: _jsonable(value)}
        stored["stats"] = stats
        run.result = stored
        run.save(update_fields=["result"])


def _store_comparison(run_id: int, problem, result, *, time_limit: float | None) -> None:
    try:
        comparison = _lottery_first_comparison(problem, result, time_limit=time_limit)
    except Exception as error:  # a failed comparison must not fail a valid run
        comparison = {"error": f"{type(error).__name__}: {error}"}
    _store_extra(run_id, COMPARISON_KEY, comparison)


def _store_capacity_planning(run_id: int, problem, *, time_limit: float | None) -> None:
    """Where one (or five) more places would place the most children, re-solved by the engine
    club by club over the part of the city each club belongs to (``allocation.planning``)."""
    from allocation.planning import capacity_gains

    budget = time_limit if time_limit is not None else getattr(settings, "ALLOCATION_TIME_LIMIT", 20)
    # Each re-solve gets a tenth of the run's budget: the table is a guide, computed in the
    # background after the run, and must not keep the worker for long.
    try:
        gains = [{"club": g.club, "capacity": g.capacity, "placed_now": g.placed_now,
                  "plus_1": g.gains[1], "plus_5": g.gains[5], "proven": g.proven}
                 for g in capacity_gains(problem, extra=(1, 5), time_limit=max(1.0, float(budget) / 10))]
        planning = {"gains": gains}
    except Exception as error:  # a failed planning table must not fail a valid run
        planning = {"error": f"{type(error).__name__}: {error}"}
    _store_extra(run_id, PLANNING_KEY, planning)


COMPARISON_KEY = "lottery_first"
PLANNING_KEY = "capacity_planning"


def _lottery_first_comparison(problem, result, *, time_limit: float | None) -> dict:
    """How many children the same problem places when ties are broken by lottery first.

    Staff weigh the tie policy by this figure ("this policy places 37 more children"), so it is
    computed from the very problem the run solved, never from a separate run."""
    import dataclasses

    from allocation.model import Policy, Ties
    from allocation.solver import solve

    if problem.policy.ties == Ties.LOTTERY_FIRST:
        return {"placed": result.stats.placed, "seconds": 0.0, "same_policy": True}
    started = time.perf_counter()
    other = solve(dataclasses.replace(problem, policy=Policy(ties=Ties.LOTTERY_FIRST)), time_limit=time_limit)
    return {"placed": other.stats.placed, "seconds": round(time.perf_counter() - started, 3), "same_policy": False,
            "assignments": {cid: club for cid, club in other.assignments.items() if club is not None}}


def _jsonable(data):
    """The result JSON as stored: Decimals become numbers through the allocation format's encoder."""
    import json

    from allocation.io import dumps

    return json.loads(dumps(data, indent=None))


def run_problem_and_result(run: AllocationRun):
    problem = load_problem(run.problem)
    return problem, load_result(run.result)


@transaction.atomic
def allocation_run_commit(*, run: AllocationRun, actor, today: datetime.date | None = None) -> AllocationRun:
    """Turn a finished, valid, current run into offers, waitlist positions and refusals."""
    _require_staff_write(actor)
    today = today or timezone.localdate()
    round_ = Round.objects.select_for_update().get(pk=run.round_id)
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    # Every club, in one order, before reading places left: a promotion from the waitlist
    # committing between that read and our offers would over-fill a club, and offers written
    # while a promoter holds its club and wants one of our applications would deadlock
    # (tests/integrity). Same order as waitlist_promote: club, then application.
    list(Club.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    if AllocationRun.objects.filter(round=round_, status=AllocationRun.Status.COMMITTED).exists():
        raise ServiceError(MSG_ALREADY_COMMITTED, code="already_committed")
    if run.status != AllocationRun.Status.FINISHED:
        raise ServiceError(MSG_NOT_FINISHED, code="not_finished")
    fatal_count = sum(1 for v in run.violations or [] if v.get("fatal", True))
    if fatal_count:
        raise ServiceError(MSG_HAS_VIOLATIONS % {"count": fatal_count}, code="violations")
    current = build_problem(round_, ties=run.ties, seed=run.seed, elastic_ratios=run.elastic_ratios)
    if current.fingerprint != run.input_fingerprint:
        raise ServiceError(MSG_STALE, code="stale")
    # Re-check the stored result against the stored problem: never trust what was saved either.
    problem, result = run_problem_and_result(run)
    if fatal(validate(problem, result)):
        raise ServiceError(MSG_HAS_VIOLATIONS % {"count": len(fatal(validate(problem, result)))}, code="violations")

    respond_by = today + datetime.timedelta(days=round_.offer_response_days)
    clubs = {club.code: club for club in Club.objects.all()}
    applications = Application.objects.in_bulk(
        [application_pk(cid) for cid in result.assignments]
        + [r["application"] for r in run.problem.get("refused", [])]
        + [int(k) for k in run.problem.get("referrals", {})])
    for child_id, club_code in sorted(result.assignments.items()):
        application = applications[application_pk(child_id)]
        if club_code is not None:
            Offer.objects.create(application=application, club=clubs[club_code], run=run, respond_by=respond_by)
            application_mark(application=application, transition="offer", actor=actor)
        elif application.status != Application.Status.WAITLISTED:
            application_mark(application=application, transition="waitlist", actor=actor)
        if application.waiting_since is None and club_code is None:
            application.waiting_since = round_.start_month
            application.save(update_fields=["waiting_since"])
    WaitlistEntry.objects.filter(application__in=[applications[application_pk(c)] for c in result.assignments]) \
        .update(active=False)
    entries = []
    for club_code, waiting in result.waitlist.items():
        for position, child_id in enumerate(waiting, start=1):
            entries.append(WaitlistEntry(application=applications[application_pk(child_id)], club=clubs[club_code],
                                         run=run, position=position))
    WaitlistEntry.objects.bulk_create(entries)
    for app_id, club_pk in run.problem.get("referrals", {}).items():
        application = applications[int(app_id)]
        Offer.objects.create(application=application, club_id=club_pk, run=run, respond_by=respond_by)
        application_mark(application=application, transition="offer", actor=actor,
                         comment=str(_("Admitted on a child-welfare referral.")))
    for refusal in run.problem.get("refused", []):
        application = applications[refusal["application"]]
        application.eligibility_problems = refusal["problems"]
        application.save(update_fields=["eligibility_problems"])
        if application.status == Application.Status.ACCEPTED:
            application_mark(application=application, transition="refuse", actor=actor)
    # The elastic intake a committed run used becomes the clubs' setting: later rounds and
    # promotions from the waitlist must count places against the same intake cap.
    for code, ratio in (run.elastic_ratios or {}).items():
        Club.objects.filter(code=code).update(elastic_ratio=ratio, updated_at=timezone.now())
    run.status = AllocationRun.Status.COMMITTED
    run.committed_at = timezone.now()
    run.committed_by = actor
    run.save(update_fields=["status", "committed_at", "committed_by", "updated_at"])
    AllocationRun.objects.filter(round=round_, status=AllocationRun.Status.FINISHED).exclude(pk=run.pk) \
        .update(status=AllocationRun.Status.SUPERSEDED)
    round_.status = Round.Status.COMMITTED
    round_.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="run.commit", obj=run,
                 related={"round": round_.pk, "elastic_ratios": ",".join(f"{k}={v}" for k, v in sorted(
                     (run.elastic_ratios or {}).items()))})
    # robust: the commit is durable by then; a failure to queue letters is logged, and staff can
    # still make the mailing from the run's letter page.
    transaction.on_commit(lambda: _queue_letters(run.pk), robust=True)
    return run


def _queue_letters(run_id: int) -> None:
    """Letters go out only after the commit is durable."""
    from enrollment.services.letters import queue_run_letters

    queue_run_letters(run_id=run_id)
