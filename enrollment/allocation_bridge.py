"""The one module that turns ORM rows into an allocation ``Problem`` and a ``Result`` back into
what staff see and commit. ``allocation`` itself knows nothing of Django."""

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from allocation.model import Child as AChild
from allocation.model import Club as AClub
from allocation.model import GradeLimit, Policy, Problem, SiblingLink, SiblingMode, Ties
from enrollment import rules
from enrollment.models import Application, Club, Enrollment, Offer, Round
from enrollment.services.points import (
    child_facts,
    club_contexts,
    household_facts,
    manual_adjustments,
    reference_date,
)


def child_key(application: Application) -> str:
    return f"A{application.pk:08d}"


def application_pk(child_key_: str) -> int:
    return int(child_key_[1:])


@dataclass
class Refusal:
    application_id: int
    problems: list[dict]


@dataclass
class BuiltProblem:
    problem: Problem
    refused: list[Refusal] = field(default_factory=list)
    referrals: dict[int, int] = field(default_factory=dict)  # application id -> club id, outside ranking
    fingerprint: str = ""
    club_codes: dict[str, int] = field(default_factory=dict)  # club code -> club pk


def candidate_applications(round_: Round):
    """Who a run of ``round_`` ranks: its accepted applications and, for later rounds, every child
    still waiting from an earlier round of the same fiscal year (re-ranked with current points)."""
    qs = Application.objects.filter(round=round_, status=Application.Status.ACCEPTED)
    if round_.kind != Round.Kind.FIRST:
        qs = Application.objects.filter(
            Q(round=round_, status=Application.Status.ACCEPTED)
            | Q(round__fiscal_year=round_.fiscal_year, round__opens_at__lt=round_.opens_at,
                status=Application.Status.WAITLISTED))
    return (qs.select_related("child__household", "child__school", "round__fiscal_year", "sibling_group")
            .prefetch_related("choices__club__school", "child__household__guardians", "adjustments",
                              "child__enrollments", "child__household__children__enrollments")
            .order_by("pk"))


def occupied(club: Club, on: datetime.date, fiscal_year: int):
    """(places taken, of which needing support, grades of the children) at ``club`` on ``on``."""
    enrolments = list(Enrollment.objects.filter(club=club, start_date__lte=on)
                      .filter(Q(end_date__isnull=True) | Q(end_date__gte=on)).select_related("child"))
    offers = list(Offer.objects.filter(club=club, status__in=[Offer.Status.OPEN, Offer.Status.ACCEPTED])
                  .exclude(application__enrollments__club=club).select_related("application__child"))
    children = [e.child for e in enrolments] + [o.application.child for o in offers]
    return (len(children), sum(1 for c in children if c.needs_support),
            [c.grade_in(fiscal_year) for c in children])


def build_clubs(round_: Round, elastic_ratios: dict[str, str]) -> tuple[list[AClub], dict[str, int]]:
    fy = round_.fiscal_year.year
    clubs, codes = [], {}
    for club in Club.objects.filter(is_active=True).prefetch_related("grade_limits").order_by("code"):
        ratio = Decimal(str(elastic_ratios.get(club.code, club.elastic_ratio)))
        cap = rules.intake_cap(club.capacity, ratio)
        support_limit = club.support_limit if club.support_limit is not None else rules.default_support_limit(cap)
        taken, taken_support, grades = occupied(club, round_.start_month, fy)
        limits = tuple(
            GradeLimit(gl.grade_lo, gl.grade_hi,
                       max(0, gl.limit - sum(1 for g in grades if gl.grade_lo <= g <= gl.grade_hi)))
            for gl in club.grade_limits.all())
        clubs.append(AClub(id=club.code, capacity=max(0, cap - taken),
                           support_limit=max(0, support_limit - taken_support), grade_limits=limits))
        codes[club.code] = club.pk
    return clubs, codes


def build_problem(round_: Round, *, ties: str, seed: int, elastic_ratios: dict | None = None) -> BuiltProblem:
    ruleset = round_.effective_ruleset().parsed()
    clubs, codes = build_clubs(round_, elastic_ratios or {})
    built = BuiltProblem(problem=None, club_codes=codes)  # type: ignore[arg-type]
    children, fingerprint_rows = [], []
    ref = round_.start_month
    candidates = list(candidate_applications(round_))
    # A child waiting from an earlier round who also applied in this one is ranked once, on this
    # round's application (her newest choices); two entries could give her two places.
    applied_now = {a.child_id for a in candidates if a.round_id == round_.pk}
    for application in candidates:
        if application.round_id != round_.pk and application.child_id in applied_now:
            continue
        fingerprint_rows.append((application.pk, application.revision, application.status))
        household = household_facts(application.child.household)
        app_ref = reference_date(application) if application.round_id == round_.pk else ref
        try:
            child = child_facts(application, ref)
            contexts = club_contexts(application)
            breakdown = rules.compute_points(ruleset, household, child, reference_date=ref, clubs=contexts,
                                             manual=manual_adjustments(application))
            problems = rules.check_eligibility(ruleset, household, child, reference_date=ref,
                                               start_date=max(application.requested_start, app_ref))
            keys = rules.tiebreak_keys(ruleset, household, child, reference_date=ref)
        except rules.FactsError as error:
            built.refused.append(Refusal(application.pk, [{"code": "facts", "message": m} for m in error.messages]))
            continue
        if problems:
            built.refused.append(Refusal(application.pk, [p.as_dict() for p in problems]))
            continue
        choices = [c for c in application.choices.all() if c.club.is_active and c.club.serves_grade(child.grade)]
        preferences = tuple(c.club.code for c in sorted(choices, key=lambda c: c.rank))
        if application.child.household.welfare_referral and preferences:
            # Referrals from child-welfare agencies are admitted outside the ranking (DOMAIN.md).
            built.referrals[application.pk] = codes[preferences[0]]
            continue
        pk_to_code = {str(pk): code for code, pk in codes.items()}
        club_points = {pk_to_code[cid]: extra for cid, extra in breakdown.club_points().items() if cid in pk_to_code}
        out_of_district = frozenset(pk_to_code[cid] for cid in breakdown.out_of_district() if cid in pk_to_code)
        siblings = None
        if application.sibling_group_id:
            siblings = SiblingLink(unit=f"S{application.sibling_group_id}",
                                   mode=SiblingMode(application.sibling_group.mode))
        children.append(AChild(
            id=child_key(application), grade=child.grade, group=rules.priority_group(ruleset, child),
            support=child.needs_support, points=breakdown.total,
            preferences=preferences,
            club_points={k: v for k, v in club_points.items() if k in preferences},
            out_of_district=frozenset(c for c in out_of_district if c in preferences),
            tiebreak=keys, siblings=siblings))
    children = _consistent_units(children)
    # Referral places come off the capacity before ranking.
    taken = {}
    for club_pk in built.referrals.values():
        taken[club_pk] = taken.get(club_pk, 0) + 1
    clubs = [AClub(id=c.id, capacity=max(0, c.capacity - taken.get(codes[c.id], 0)), support_limit=c.support_limit,
                   grade_limits=c.grade_limits) for c in clubs]
    built.problem = Problem(clubs=tuple(clubs), children=tuple(children), policy=Policy(ties=Ties(ties)), seed=seed)
    fingerprint_rows.append(("clubs", [(c.id, c.capacity, c.support_limit) for c in clubs]))
    built.fingerprint = hashlib.sha256(json.dumps(fingerprint_rows, default=str).encode()).hexdigest()
    return built


def _consistent_units(children: list[AChild]) -> list[AChild]:
    """A "together" unit needs identical preference lists; where eligibility or grade filtering
    left the members with different lists (or a lone member), the unit is kept only over the
    clubs all members can attend, else dissolved, so that input is never rejected at run time."""
    units: dict[str, list[AChild]] = {}
    for child in children:
        if child.siblings is not None:
            units.setdefault(child.siblings.unit, []).append(child)
    replace: dict[str, AChild] = {}
    for unit, members in units.items():
        if len(members) < 2:
            for m in members:
                replace[m.id] = _without_unit(m)
            continue
        if members[0].siblings.mode != SiblingMode.TOGETHER:
            continue
        common = [club for club in members[0].preferences if all(club in m.preferences for m in members)]
        if not common:
            for m in members:
                replace[m.id] = _without_unit(m)
            continue
        for m in members:
            if list(m.preferences) != common:
                replace[m.id] = AChild(**{**m.__dict__, "preferences": tuple(common),
                                          "club_points": {k: v for k, v in m.club_points.items() if k in common},
                                          "out_of_district": frozenset(c for c in m.out_of_district if c in common)})
    return [replace.get(child.id, child) for child in children]


def _without_unit(child: AChild) -> AChild:
    return AChild(**{**child.__dict__, "siblings": None})


def current_fingerprint(round_: Round, run) -> str:
    return build_problem(round_, ties=run.ties, seed=run.seed, elastic_ratios=run.elastic_ratios).fingerprint
