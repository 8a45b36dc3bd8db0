"""Points for an application: the models turned into the rules' facts, scored by the one points
function (``enrollment.rules.compute_points``), and stored as a snapshot with its breakdown."""

import datetime
from decimal import Decimal

from enrollment import rules
from enrollment.models import Application, Guardian, Household


def _or_none(value):
    return value if value not in ("", None) else None


def guardian_facts(guardian: Guardian) -> rules.GuardianFacts:
    return rules.GuardianFacts(
        reason=guardian.reason,
        days_per_month=guardian.days_per_month,
        hours_per_day=Decimal(guardian.hours_per_day) if guardian.hours_per_day is not None else None,
        afternoon_hours=Decimal(guardian.afternoon_hours) if guardian.afternoon_hours is not None else None,
        works_at_home=guardian.works_at_home,
        illness_level=_or_none(guardian.illness_level),
        disability_grade=_or_none(guardian.disability_grade),
        care_level=_or_none(guardian.care_level),
        absence_kind=_or_none(guardian.absence_kind),
        expected_birth_date=guardian.expected_birth_date,
        job_seeking_since=guardian.job_seeking_since,
        leave_return_date=guardian.leave_return_date,
        posted_away=guardian.posted_away,
    )


def household_facts(household: Household) -> rules.HouseholdFacts:
    return rules.HouseholdFacts(
        # .all() and a sort in Python, so that a prefetched household (an allocation run ranks
        # thousands) costs no query per household.
        guardians=tuple(guardian_facts(g) for g in sorted(household.guardians.all(), key=lambda g: g.order)),
        single_parent=household.single_parent,
        public_assistance=household.public_assistance,
        grandparent_at_home=household.grandparent_at_home,
        income_tax_previous=household.income_tax_previous,
        income_tax_current=household.income_tax_current,
        arrears_months=household.arrears_months,
    )


def waiting_months(application: Application, on: datetime.date) -> int:
    """Whole months waited in the current fiscal year (DOMAIN.md: +0.1 a month, capped)."""
    if application.waiting_since is None:
        return 0
    fiscal_start = datetime.date(on.year if on.month >= 4 else on.year - 1, 4, 1)
    since = max(application.waiting_since, fiscal_start)
    months = (on.year - since.year) * 12 + (on.month - since.month)
    return max(0, months)


def child_facts(application: Application, on: datetime.date) -> rules.ChildFacts:
    child = application.child
    return rules.ChildFacts(
        grade=child.grade_in(application.round.fiscal_year.year),
        needs_support=child.needs_support,
        waiting_months=waiting_months(application, on),
    )


def club_contexts(application: Application) -> list[rules.ClubContext]:
    child = application.child
    round_ = application.round
    # Written over .all() of related sets so that the allocation bridge's prefetches serve them
    # (one query per relation for a whole run instead of several per application).
    choices = sorted(application.choices.all(), key=lambda c: c.rank)
    start = round_.start_month
    enrolled_clubs = {e.club_id for e in child.enrollments.all()
                      if e.start_date < start and (e.end_date is None or e.end_date >= start)}
    if application.continuing_club_id:
        enrolled_clubs.add(application.continuing_club_id)
    sibling_clubs = {e.club_id for sibling in child.household.children.all() if sibling.pk != child.pk
                     for e in sibling.enrollments.all() if e.end_date is None}
    if application.sibling_group_id:
        sibling_clubs |= set(
            Application.objects.filter(sibling_group_id=application.sibling_group_id)
            .exclude(pk=application.pk).values_list("choices__club_id", flat=True))
    district = child.school.district_id
    return [
        rules.ClubContext(
            club_id=str(choice.club_id),
            continuing=choice.club_id in enrolled_clubs,
            sibling=choice.club_id in sibling_clubs,
            out_of_district=choice.club.school.district_id != district,
        )
        for choice in choices
    ]


def manual_adjustments(application: Application) -> list[rules.ManualAdjustment]:
    return [rules.ManualAdjustment(points=Decimal(a.points), reason=a.reason)
            for a in sorted(application.adjustments.all(), key=lambda a: a.created_at)]


def reference_date(application: Application) -> datetime.date:
    """Facts are judged on the first day of the period applied for."""
    return application.round.start_month


def score(application: Application, *, ruleset=None, on: datetime.date | None = None):
    """Points breakdown, eligibility problems and tie-break keys; raises ``rules.FactsError``."""
    ruleset = ruleset or application.round.effective_ruleset().parsed()
    ref = reference_date(application)
    household = household_facts(application.child.household)
    child = child_facts(application, on or ref)
    breakdown = rules.compute_points(ruleset, household, child, reference_date=ref,
                                     clubs=club_contexts(application), manual=manual_adjustments(application))
    problems = rules.check_eligibility(ruleset, household, child, reference_date=ref,
                                       start_date=max(application.requested_start, ref))
    keys = rules.tiebreak_keys(ruleset, household, child, reference_date=ref)
    return breakdown, problems, keys, rules.priority_group(ruleset, child)


def application_points_refresh(*, application: Application, today: datetime.date, save: bool = True) -> Application:
    """Store the points snapshot, its breakdown and any eligibility problems on the application."""
    try:
        breakdown, problems, _keys, _group = score(application, on=today)
    except rules.FactsError as error:
        application.points = None
        application.points_breakdown = {}
        application.eligibility_problems = [{"code": "facts", "message": m} for m in error.messages]
    else:
        application.points = breakdown.total
        application.points_breakdown = breakdown.as_dict()
        application.eligibility_problems = [p.as_dict() for p in problems]
    if save:
        application.save(update_fields=["points", "points_breakdown", "eligibility_problems", "updated_at"])
    return application
