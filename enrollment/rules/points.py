"""Priority points (利用調整指数): the one function that scores a child.

``compute_points`` returns a breakdown a person can read line by line: every guardian's base
points and the row of the table that gave them, the household base, every adjustment, manual
adjustments with their written reasons, the total, and per club the club-specific extras.
Everything is ``Decimal``; nothing here is ever a float.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from .facts import (
    ChildFacts,
    ClubContext,
    FactsError,
    GuardianFacts,
    HouseholdFacts,
    ManualAdjustment,
    validate_facts,
)
from .grades import add_months, month_end, month_start
from .ruleset import RuleSet

ZERO = Decimal(0)
TENTH = Decimal("0.1")


def canonical(points: Decimal) -> Decimal:
    """``points`` written the one way: "21" rather than "21.0", "0.5" rather than "0.50"."""
    if points == points.to_integral_value():
        return points.quantize(Decimal(1))
    return points.quantize(TENTH)


# Labels are English msgids; the Japanese catalogue translates them. Parameters are filled in
# when the label is read, so a stored breakdown can be shown again in another language.
WORK_OUTSIDE = _("Work outside home, %(days)s+ days × %(hours)s+ h")
WORK_AT_HOME = _("Work at home, %(days)s+ days × %(hours)s+ h")
JOB_OFFER_OUTSIDE = _("Job offer not yet started, %(days)s+ days × %(hours)s+ h")
JOB_OFFER_AT_HOME = _("Job offer not yet started, work at home, %(days)s+ days × %(hours)s+ h")
STUDY = _("Study or vocational training, %(days)s+ days × %(hours)s+ h (at most %(max)s)")
LEAVE_RETURNED_OUTSIDE = _(
    "Back from parental leave in %(month)s, work outside home, %(days)s+ days × %(hours)s+ h"
)
LEAVE_RETURNED_AT_HOME = _(
    "Back from parental leave in %(month)s, work at home, %(days)s+ days × %(hours)s+ h"
)
BELOW_LOWEST_TIER = _("Work or study of %(days)s days × %(hours)s h is below the lowest row")
PARENTAL_LEAVE = _("Parental leave until %(month)s")
CHILDBIRTH = _("Childbirth expected in %(month)s (counts %(start)s to %(end)s)")
CHILDBIRTH_OUTSIDE = _("Childbirth expected in %(month)s: outside the period %(start)s to %(end)s")
ILLNESS = {
    "hospitalised": _("Illness: in hospital for a month or more, or bedridden"),
    "outpatient_3plus": _("Illness: outpatient care 3 or more days a week"),
    "outpatient_1_2": _("Illness: outpatient care 1 or 2 days a week"),
    "other": _("Illness: other"),
}
DISABILITY = {
    "1-2": _("Guardian's own disability, grade 1 or 2"),
    "3": _("Guardian's own disability, grade 3"),
    "4": _("Guardian's own disability, grade 4"),
}
NURSING_CARE = {
    "fulltime_severe": _("Nursing care of a relative: full-time, severe"),
    "moderate": _("Nursing care of a relative: moderate"),
    "accompany_4days": _("Nursing care of a relative: accompanying 4 or more days a week"),
    "other": _("Nursing care of a relative: other"),
}
DISASTER = _("Disaster recovery")
ABSENT = {
    "death": _("Guardian absent: death"),
    "separation": _("Guardian absent: separation"),
    "missing": _("Guardian absent: missing"),
    "detention": _("Guardian absent: detention"),
}
JOB_SEEKING = _("Job-seeking since %(since)s (counts until %(until)s)")
JOB_SEEKING_ENDED = _("Job-seeking since %(since)s: the %(months)s-month period ended on %(until)s")
AVAILABLE = _("Can look after the child after school")

SINGLE_PARENT = _("Single-parent household")
PUBLIC_ASSISTANCE = _("Household on public assistance")
SUPPORT = _("Child needing support")
GRADE = _("Grade %(grade)s")
GRANDPARENT = _("Grandparent under 65 at home who can look after the child")
POSTED_AWAY = _("Guardian posted away from home")
WAITING = _("Months waited this year: %(months)s (%(per_month)s a month, at most %(max)s)")
CONTINUING = _("Continuing at this club")
SIBLING = _("Sibling enrolled at, or applying jointly to, this club")

AGGREGATION_LABELS = {
    "lowest": _("Household base: the lowest guardian's points"),
    "sum": _("Household base: the sum of the guardians' points"),
}


def render_text(msgid: Any, params: Mapping[str, str]) -> str:
    return str(msgid) % params if params else str(msgid)


def _json_params(params: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in params.items()}


@dataclass(frozen=True)
class Line:
    """One line of a breakdown: a rule's code, its label and the points it gives."""

    code: str
    msgid: Any  # a lazy translation of an English msgid
    points: Decimal
    params: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", canonical(self.points))

    @property
    def label(self) -> str:
        return render_text(self.msgid, self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "params": dict(self.params),
            "points": str(self.points),
        }


@dataclass(frozen=True)
class GuardianPoints:
    number: int  # 1-based, as on the application form
    reason: str
    rule: Line

    @property
    def points(self) -> Decimal:
        return self.rule.points

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "reason": self.reason, **self.rule.as_dict()}


@dataclass(frozen=True)
class ClubPoints:
    club_id: str
    lines: tuple[Line, ...]
    total: Decimal  # the child's total at this club
    out_of_district: bool  # ranked after in-district applicants at this club

    @property
    def extra(self) -> Decimal:
        return canonical(sum((line.points for line in self.lines), ZERO))

    def as_dict(self) -> dict[str, Any]:
        return {
            "club_id": self.club_id,
            "lines": [line.as_dict() for line in self.lines],
            "extra": str(self.extra),
            "total": str(self.total),
            "out_of_district": self.out_of_district,
        }


@dataclass(frozen=True)
class PointsBreakdown:
    guardians: tuple[GuardianPoints, ...]
    aggregation: str  # "lowest" | "sum"
    base: Decimal
    adjustments: tuple[Line, ...]
    manual: tuple[ManualAdjustment, ...]
    total: Decimal  # before club-specific extras
    clubs: tuple[ClubPoints, ...]

    def club(self, club_id: str) -> ClubPoints:
        for club in self.clubs:
            if club.club_id == club_id:
                return club
        raise KeyError(club_id)

    def total_at(self, club_id: str) -> Decimal:
        """The total at ``club_id``; a club with no context gets no extras."""
        for club in self.clubs:
            if club.club_id == club_id:
                return club.total
        return self.total

    def club_points(self) -> dict[str, Decimal]:
        """Club-specific extras, the shape of ``allocation.model.Child.club_points``."""
        return {club.club_id: club.extra for club in self.clubs if club.extra}

    def out_of_district(self) -> frozenset[str]:
        """Clubs outside the child's district, the shape of ``Child.out_of_district``."""
        return frozenset(club.club_id for club in self.clubs if club.out_of_district)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: decimals as strings, labels in the active language, plus the codes and
        parameters that let a stored breakdown be labelled again later."""
        return {
            "guardians": [g.as_dict() for g in self.guardians],
            "aggregation": self.aggregation,
            "aggregation_label": str(AGGREGATION_LABELS[self.aggregation]),
            "base": str(self.base),
            "adjustments": [line.as_dict() for line in self.adjustments],
            "manual": [
                {"points": str(canonical(m.points)), "reason": m.reason} for m in self.manual
            ],
            "total": str(self.total),
            "clubs": [club.as_dict() for club in self.clubs],
        }


# ---------------------------------------------------------------------------------------------
# Periods that depend on a date


def childbirth_period(ruleset: RuleSet, expected_birth_date: date) -> tuple[date, date]:
    """First and last day the childbirth reason counts: the expected month ± the rule's months."""
    b = ruleset.base_points
    start = month_start(add_months(expected_birth_date, -b.childbirth_months_before))
    end = month_end(add_months(expected_birth_date, b.childbirth_months_after))
    return start, end


def job_seeking_until(ruleset: RuleSet, since: date) -> date:
    """The last day job-seeking counts: the approval lasts the rule's months from ``since``."""
    return add_months(since, ruleset.eligibility.job_seeking_months) - timedelta(days=1)


def leave_has_ended(leave_return_date: date, on: date) -> bool:
    """Parental leave stops blocking from the month of return, not the day (DOMAIN.md)."""
    return (on.year, on.month) >= (leave_return_date.year, leave_return_date.month)


def month_text(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


# ---------------------------------------------------------------------------------------------
# Base points


def _timed_line(
    ruleset: RuleSet, g: GuardianFacts, code: str, msgid: Any, offset: Decimal, extra=None
) -> Line:
    tier = ruleset.base_points.work.best_tier(g.days_per_month, g.hours_per_day)
    if tier is None:
        return Line(
            "below_lowest_tier",
            BELOW_LOWEST_TIER,
            ZERO,
            _json_params({"days": g.days_per_month, "hours": g.hours_per_day}),
        )
    params = {"days": tier.min_days, "hours": tier.min_hours, **(extra or {})}
    return Line(code, msgid, tier.points + offset, _json_params(params))


def guardian_base(ruleset: RuleSet, g: GuardianFacts, *, reference_date: date) -> Line:
    """The base points of one guardian and the rule that gave them, judged on
    ``reference_date`` for the reasons that last a limited time."""
    b = ruleset.base_points
    at_home = g.works_at_home
    reason = g.reason
    if reason == "work":
        if at_home:
            return _timed_line(ruleset, g, "work_at_home", WORK_AT_HOME, b.work_at_home_offset)
        return _timed_line(ruleset, g, "work", WORK_OUTSIDE, ZERO)
    if reason == "job_offer":
        # The offer is scored as the job to come, then lowered; a job at home loses both.
        if at_home:
            offset = b.job_offer_offset + b.work_at_home_offset
            return _timed_line(ruleset, g, "job_offer_at_home", JOB_OFFER_AT_HOME, offset)
        return _timed_line(ruleset, g, "job_offer", JOB_OFFER_OUTSIDE, b.job_offer_offset)
    if reason == "study":
        line = _timed_line(ruleset, g, "study", STUDY, ZERO, {"max": b.study_max})
        if line.points > b.study_max:
            line = Line(line.code, line.msgid, b.study_max, line.params)
        return line
    if reason == "parental_leave":
        returned = g.leave_return_date
        if not leave_has_ended(returned, reference_date):
            return Line("parental_leave", PARENTAL_LEAVE, ZERO, {"month": month_text(returned)})
        extra = {"month": month_text(returned)}
        if at_home:
            return _timed_line(
                ruleset,
                g,
                "parental_leave_returned_at_home",
                LEAVE_RETURNED_AT_HOME,
                b.work_at_home_offset,
                extra,
            )
        return _timed_line(
            ruleset, g, "parental_leave_returned", LEAVE_RETURNED_OUTSIDE, ZERO, extra
        )
    if reason == "childbirth":
        start, end = childbirth_period(ruleset, g.expected_birth_date)
        params = {
            "month": month_text(g.expected_birth_date),
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        if start <= reference_date <= end:
            return Line("childbirth", CHILDBIRTH, b.childbirth, params)
        return Line("childbirth_outside_period", CHILDBIRTH_OUTSIDE, ZERO, params)
    if reason == "illness":
        level = g.illness_level
        return Line(f"illness_{level}", ILLNESS[level], b.illness.for_level(level))
    if reason == "disability":
        grade = g.disability_grade
        return Line(f"disability_{grade}", DISABILITY[grade], b.disability.for_grade(grade))
    if reason == "nursing_care":
        level = g.care_level
        return Line(f"nursing_care_{level}", NURSING_CARE[level], b.nursing_care.for_level(level))
    if reason == "disaster":
        return Line("disaster", DISASTER, b.disaster)
    if reason == "absent":
        return Line(f"absent_{g.absence_kind}", ABSENT[g.absence_kind], b.absent)
    if reason == "job_seeking":
        until = job_seeking_until(ruleset, g.job_seeking_since)
        params = {
            "since": g.job_seeking_since.isoformat(),
            "until": until.isoformat(),
            "months": str(ruleset.eligibility.job_seeking_months),
        }
        if reference_date <= until:
            return Line("job_seeking", JOB_SEEKING, b.job_seeking, params)
        return Line("job_seeking_ended", JOB_SEEKING_ENDED, ZERO, params)
    if reason == "available":
        return Line("available", AVAILABLE, ZERO)
    raise FactsError([f"reason: {reason!r} has no rule"])  # pragma: no cover - validated


# ---------------------------------------------------------------------------------------------
# The whole score


def compute_points(
    ruleset: RuleSet,
    household: HouseholdFacts,
    child: ChildFacts,
    *,
    reference_date: date,
    clubs: Iterable[ClubContext] = (),
    manual: Iterable[ManualAdjustment] = (),
) -> PointsBreakdown:
    """The child's priority points with their breakdown.

    ``reference_date`` is the day the facts are judged on: pass the first day of the period
    applied for (1 April for the first round, the 1st of the month for a monthly round). It
    decides whether a childbirth period, a job-seeking approval or a parental leave counts.
    Raises ``FactsError`` for facts the rules cannot score.
    """
    clubs = tuple(clubs)
    manual = tuple(manual)
    if not isinstance(reference_date, date):
        raise FactsError(["reference_date: must be a date"])
    validate_facts(ruleset, household, child, clubs=clubs, manual=manual)

    guardians = tuple(
        GuardianPoints(i + 1, g.reason, guardian_base(ruleset, g, reference_date=reference_date))
        for i, g in enumerate(household.guardians)
    )
    if ruleset.household_aggregation == "sum":
        base = sum((g.points for g in guardians), ZERO)
    else:
        base = min(g.points for g in guardians)

    a = ruleset.adjustments
    candidates = [
        (household.single_parent, Line("single_parent", SINGLE_PARENT, a.single_parent)),
        (
            household.public_assistance,
            Line("public_assistance", PUBLIC_ASSISTANCE, a.public_assistance),
        ),
        (child.needs_support, Line("support", SUPPORT, a.support)),
        (True, Line("grade", GRADE, a.for_grade(child.grade), {"grade": str(child.grade)})),
        (
            household.grandparent_at_home,
            Line("grandparent_at_home", GRANDPARENT, a.grandparent_at_home),
        ),
        # One line however many guardians are posted away: the rule is about the household.
        (
            any(g.posted_away for g in household.guardians),
            Line("posted_away", POSTED_AWAY, a.posted_away),
        ),
        (
            child.waiting_months > 0,
            Line(
                "waiting",
                WAITING,
                min(a.waiting_per_month * child.waiting_months, a.waiting_max),
                {
                    "months": str(child.waiting_months),
                    "per_month": str(a.waiting_per_month),
                    "max": str(a.waiting_max),
                },
            ),
        ),
    ]
    # Lines worth nothing are left out: grade 4's 0 or a switched-off rule says nothing.
    adjustments = tuple(line for applies, line in candidates if applies and line.points)

    total = base + sum((line.points for line in adjustments), ZERO)
    total += sum((m.points for m in manual), ZERO)

    club_points = []
    for club in clubs:
        lines = tuple(
            line
            for applies, line in (
                (club.continuing, Line("continuing", CONTINUING, a.continuing)),
                (club.sibling, Line("sibling", SIBLING, a.sibling)),
            )
            if applies and line.points
        )
        extra = sum((line.points for line in lines), ZERO)
        club_points.append(
            ClubPoints(club.club_id, lines, canonical(total + extra), club.out_of_district)
        )

    return PointsBreakdown(
        guardians=guardians,
        aggregation=ruleset.household_aggregation,
        base=canonical(base),
        adjustments=adjustments,
        manual=manual,
        total=canonical(total),
        clubs=tuple(club_points),
    )
