"""Who may have a club place at all (DOMAIN.md, "Eligibility").

``check_eligibility`` returns every reason a child is not eligible, each with a code and a
message in plain words, because a refusal (不承認) must always say why; an empty list means
eligible. Ranking among eligible children is points' business, not this module's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from .facts import ChildFacts, FactsError, GuardianFacts, HouseholdFacts, validate_facts
from .points import (
    childbirth_period,
    compute_points,
    job_seeking_until,
    leave_has_ended,
    month_text,
    render_text,
)
from .ruleset import RuleSet

GRADE_OUT_OF_RANGE = _("Grade %(grade)s is outside the grades served (%(min)s to %(max)s).")
ARREARS = _(
    "Months of fees in arrears: %(months)s; arrears of %(limit)s months or more block a new "
    "application."
)
TOO_FEW_DAYS = {
    "work": _("Guardian %(n)s works %(days)s days a month; at least %(min)s are required."),
    "job_offer": _(
        "Guardian %(n)s will work %(days)s days a month; at least %(min)s are required."
    ),
    "study": _("Guardian %(n)s studies %(days)s days a month; at least %(min)s are required."),
    "parental_leave": _(
        "Guardian %(n)s will work %(days)s days a month after parental leave; at least %(min)s "
        "are required."
    ),
}
TOO_FEW_AFTERNOON_HOURS = _(
    "Guardian %(n)s is away %(hours)s hours between %(start)s and %(end)s; at least %(min)s are "
    "required."
)
CAN_SUPERVISE = _("Guardian %(n)s can look after the child after school.")
PARENTAL_LEAVE = _(
    "Guardian %(n)s is on parental leave until %(month)s; a place can start from the month of "
    "return."
)
CHILDBIRTH_PERIOD = _(
    "Guardian %(n)s's childbirth reason counts from %(from)s to %(to)s; the place would start "
    "on %(start)s."
)
JOB_SEEKING_ENDED = _(
    "Guardian %(n)s has been seeking work since %(since)s; job-seeking counts for %(months)s "
    "months only, until %(until)s."
)
JOB_SEEKING_GRADE = _(
    "Guardian %(n)s is seeking work; job-seeking qualifies only up to grade %(max)s, and the "
    "child is in grade %(grade)s."
)
BELOW_MIN_POINTS = _(
    "The child's priority points are %(points)s; at least %(min)s are required for a place."
)


@dataclass(frozen=True)
class Ineligibility:
    code: str
    msgid: Any  # a lazy translation of an English msgid
    params: Mapping[str, str] = field(default_factory=dict)
    guardian: int | None = None  # 1-based, when the reason is about one guardian

    @property
    def message(self) -> str:
        return render_text(self.msgid, self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "guardian": self.guardian,
            "message": self.message,
            "params": dict(self.params),
        }


def priority_group(ruleset: RuleSet, child: ChildFacts) -> int:
    """1 for the lower grades and children needing support, 2 for the rest, who are placed
    only into places left after group 1 [Meguro]."""
    e = ruleset.eligibility
    if child.grade <= e.group_1_max_grade:
        return 1
    if child.needs_support and e.group_1_support_any_grade:
        return 1
    return 2


def check_eligibility(
    ruleset: RuleSet,
    household: HouseholdFacts,
    child: ChildFacts,
    *,
    reference_date: date,
    start_date: date,
) -> list[Ineligibility]:
    """Every reason the child may not have a place; empty when she is eligible.

    Periods (childbirth, job-seeking, parental leave) are judged on ``start_date``, the day the
    place would start: a family must qualify when the child starts. ``reference_date`` is the
    day points are judged on, used for the optional minimum points for approval. Raises
    ``FactsError`` for facts the rules cannot read.
    """
    for name, value in (("reference_date", reference_date), ("start_date", start_date)):
        if not isinstance(value, date):
            raise FactsError([f"{name}: must be a date"])
    validate_facts(ruleset, household, child)
    e = ruleset.eligibility
    problems: list[Ineligibility] = []

    if not e.min_grade <= child.grade <= e.max_grade:
        problems.append(
            Ineligibility(
                "grade_out_of_range",
                GRADE_OUT_OF_RANGE,
                {"grade": str(child.grade), "min": str(e.min_grade), "max": str(e.max_grade)},
            )
        )
    if household.arrears_months >= e.arrears_block_months:
        problems.append(
            Ineligibility(
                "arrears",
                ARREARS,
                {"months": str(household.arrears_months), "limit": str(e.arrears_block_months)},
            )
        )
    for number, guardian in enumerate(household.guardians, start=1):
        problems.extend(_guardian_problems(ruleset, guardian, number, child, start_date))

    if e.min_points is not None:
        total = compute_points(ruleset, household, child, reference_date=reference_date).total
        if total < e.min_points:
            problems.append(
                Ineligibility(
                    "below_min_points",
                    BELOW_MIN_POINTS,
                    {"points": str(total), "min": str(e.min_points)},
                )
            )
    return problems


def _guardian_problems(
    ruleset: RuleSet, g: GuardianFacts, n: int, child: ChildFacts, start_date: date
) -> list[Ineligibility]:
    e = ruleset.eligibility
    who = {"n": str(n)}
    reason = g.reason

    if reason == "available":
        return [Ineligibility("can_supervise", CAN_SUPERVISE, who, n)]
    if reason == "parental_leave" and not leave_has_ended(g.leave_return_date, start_date):
        params = {**who, "month": month_text(g.leave_return_date)}
        return [Ineligibility("parental_leave", PARENTAL_LEAVE, params, n)]
    if reason in TOO_FEW_DAYS:
        problems = []
        if g.days_per_month < e.min_days_per_month:
            problems.append(
                Ineligibility(
                    "too_few_days",
                    TOO_FEW_DAYS[reason],
                    {**who, "days": str(g.days_per_month), "min": str(e.min_days_per_month)},
                    n,
                )
            )
        if g.afternoon_hours < e.min_afternoon_hours:
            problems.append(
                Ineligibility(
                    "too_few_afternoon_hours",
                    TOO_FEW_AFTERNOON_HOURS,
                    {
                        **who,
                        "hours": str(g.afternoon_hours),
                        "min": str(e.min_afternoon_hours),
                        "start": e.afternoon_start.strftime("%H:%M"),
                        "end": e.afternoon_end.strftime("%H:%M"),
                    },
                    n,
                )
            )
        return problems
    if reason == "childbirth":
        first, last = childbirth_period(ruleset, g.expected_birth_date)
        if not first <= start_date <= last:
            return [
                Ineligibility(
                    "childbirth_period",
                    CHILDBIRTH_PERIOD,
                    {
                        **who,
                        "from": first.isoformat(),
                        "to": last.isoformat(),
                        "start": start_date.isoformat(),
                    },
                    n,
                )
            ]
        return []
    if reason == "job_seeking":
        problems = []
        until = job_seeking_until(ruleset, g.job_seeking_since)
        if start_date > until:
            problems.append(
                Ineligibility(
                    "job_seeking_ended",
                    JOB_SEEKING_ENDED,
                    {
                        **who,
                        "since": g.job_seeking_since.isoformat(),
                        "until": until.isoformat(),
                        "months": str(e.job_seeking_months),
                    },
                    n,
                )
            )
        if child.grade > e.job_seeking_max_grade:
            problems.append(
                Ineligibility(
                    "job_seeking_grade",
                    JOB_SEEKING_GRADE,
                    {**who, "max": str(e.job_seeking_max_grade), "grade": str(child.grade)},
                    n,
                )
            )
        return problems
    # Illness, disability, nursing care, disaster and absence qualify by themselves.
    return []
