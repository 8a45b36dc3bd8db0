"""The facts about a household and a child that the rules read.

Plain frozen dataclasses with no Django in them: the models convert their rows into these, and
every rule function takes them. ``validate_facts`` is the one place that rejects bad data, with
messages naming the field (``guardians[1].hours_per_day: ...``), so no rule ever fails with a
bare ``KeyError`` or ``TypeError`` half-way through a computation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from .ruleset import CARE_LEVELS, DISABILITY_GRADES, ILLNESS_LEVELS

if TYPE_CHECKING:
    from .ruleset import RuleSet

REASONS = (
    "work",
    "job_offer",
    "childbirth",
    "illness",
    "disability",
    "nursing_care",
    "disaster",
    "absent",
    "study",
    "job_seeking",
    "parental_leave",
    "available",  # the guardian can supervise the child after school
)
ABSENCE_KINDS = ("death", "separation", "missing", "detention")

# Reasons scored and checked by days a month and hours a day.
TIMED_REASONS = ("work", "job_offer", "study", "parental_leave")

# Municipal income tax above this is not a real assessment; below it, a missing tax can be
# ranked worst with a finite key (see tiebreak.py).
MAX_INCOME_TAX = 10**12 - 1


@dataclass(frozen=True)
class GuardianFacts:
    reason: str
    days_per_month: int | None = None
    hours_per_day: Decimal | None = None
    # Hours away between the start and end of the afternoon window (14:00-18:00) on those days.
    afternoon_hours: Decimal | None = None
    # Work at home, family-business help or piecework; read for work, job_offer, parental_leave.
    works_at_home: bool = False
    illness_level: str | None = None  # hospitalised | outpatient_3plus | outpatient_1_2 | other
    disability_grade: str | None = None  # 1-2 | 3 | 4
    care_level: str | None = None  # fulltime_severe | moderate | accompany_4days | other
    absence_kind: str | None = None  # death | separation | missing | detention
    expected_birth_date: date | None = None
    job_seeking_since: date | None = None
    leave_return_date: date | None = None  # parental leave: the day work resumes
    posted_away: bool = False  # 単身赴任


@dataclass(frozen=True)
class HouseholdFacts:
    guardians: tuple[GuardianFacts, ...]  # one or two
    single_parent: bool = False
    public_assistance: bool = False
    # A grandparent under 65 who lives with the family and is able to supervise.
    grandparent_at_home: bool = False
    income_tax_previous: int | None = None  # yen, 所得割額 of the previous year's assessment
    income_tax_current: int | None = None  # yen, 所得割額 of the current year's assessment
    arrears_months: int = 0


@dataclass(frozen=True)
class ChildFacts:
    grade: int  # in the fiscal year applied for
    needs_support: bool = False
    waiting_months: int = 0  # months waited in the current fiscal year


@dataclass(frozen=True)
class ClubContext:
    """What is particular to one club the child asks for."""

    club_id: str
    continuing: bool = False  # enrolled at this club now
    sibling: bool = False  # a sibling is enrolled at, or applies jointly to, this club
    out_of_district: bool = False  # the club is outside the child's school district


@dataclass(frozen=True)
class ManualAdjustment:
    points: Decimal
    reason: str


class FactsError(ValueError):
    """The facts cannot be scored; ``messages`` names each offending field."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("invalid facts:\n" + "\n".join(self.messages))


def _is_decimal(value: object) -> bool:
    # Floats are refused on purpose: 0.1 h or 7.5 h must not become binary approximations.
    return isinstance(value, (Decimal, int)) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _has_one_decimal(value: Decimal) -> bool:
    return value.is_finite() and value == value.quantize(Decimal("0.1"))


def validate_facts(
    ruleset: RuleSet,
    household: HouseholdFacts,
    child: ChildFacts,
    *,
    clubs: Iterable[ClubContext] = (),
    manual: Iterable[ManualAdjustment] = (),
) -> None:
    """Raise ``FactsError`` listing every field the rules cannot work with.

    Fields that do not belong to a guardian's reason (an illness level on a working guardian)
    are ignored rather than refused: forms keep stale values when a reason changes.
    """
    errors: list[str] = []
    guardians = household.guardians
    if not isinstance(guardians, (tuple, list)):
        errors.append("guardians: must be a tuple of GuardianFacts")
        guardians = ()
    elif not 1 <= len(guardians) <= 2:
        errors.append("guardians: a household has one or two guardians")
    if household.single_parent and len(guardians) > 1:
        errors.append("guardians: a single-parent household has exactly one guardian")
    window = ruleset.eligibility.afternoon_window_hours
    for i, guardian in enumerate(guardians):
        if not isinstance(guardian, GuardianFacts):
            errors.append(f"guardians[{i}]: must be a GuardianFacts")
            continue
        errors.extend(_guardian_errors(guardian, f"guardians[{i}]", window))

    for name in ("income_tax_previous", "income_tax_current"):
        value = getattr(household, name)
        if value is not None and (not _is_int(value) or not 0 <= value <= MAX_INCOME_TAX):
            errors.append(f"{name}: must be a whole number of yen, 0 or more, or None")
    if not _is_int(household.arrears_months) or household.arrears_months < 0:
        errors.append("arrears_months: must be a whole number, 0 or more")
    for name in ("single_parent", "public_assistance", "grandparent_at_home"):
        if not isinstance(getattr(household, name), bool):
            errors.append(f"{name}: must be True or False")

    if not _is_int(child.grade):
        errors.append("child.grade: must be a whole number")
    if not isinstance(child.needs_support, bool):
        errors.append("child.needs_support: must be True or False")
    if not _is_int(child.waiting_months) or child.waiting_months < 0:
        errors.append("child.waiting_months: must be a whole number, 0 or more")

    seen: set[str] = set()
    for i, club in enumerate(clubs):
        if not isinstance(club, ClubContext):
            errors.append(f"clubs[{i}]: must be a ClubContext")
            continue
        if club.club_id in seen:
            errors.append(f"clubs[{i}].club_id: {club.club_id!r} is listed twice")
        seen.add(club.club_id)

    for i, adjustment in enumerate(manual):
        if not isinstance(adjustment, ManualAdjustment):
            errors.append(f"manual[{i}]: must be a ManualAdjustment")
            continue
        if not isinstance(adjustment.points, Decimal) or not _has_one_decimal(adjustment.points):
            errors.append(f"manual[{i}].points: must be a Decimal with at most one decimal")
        if not isinstance(adjustment.reason, str) or not adjustment.reason.strip():
            errors.append(f"manual[{i}].reason: a manual adjustment needs a written reason")

    if errors:
        raise FactsError(errors)


def _guardian_errors(g: GuardianFacts, path: str, window_hours: Decimal) -> list[str]:
    errors: list[str] = []
    if g.reason not in REASONS:
        return [f"{path}.reason: {g.reason!r} is not one of {', '.join(REASONS)}"]

    if g.reason in TIMED_REASONS:
        if g.days_per_month is None:
            errors.append(f"{path}.days_per_month: required for reason {g.reason!r}")
        elif not _is_int(g.days_per_month) or not 0 <= g.days_per_month <= 31:
            errors.append(f"{path}.days_per_month: must be a whole number from 0 to 31")
        if g.hours_per_day is None:
            errors.append(f"{path}.hours_per_day: required for reason {g.reason!r}")
        elif not _is_decimal(g.hours_per_day) or not 0 <= g.hours_per_day <= 24:
            errors.append(f"{path}.hours_per_day: must be a Decimal from 0 to 24")
        if g.afternoon_hours is None:
            errors.append(f"{path}.afternoon_hours: required for reason {g.reason!r}")
        elif not _is_decimal(g.afternoon_hours) or not 0 <= g.afternoon_hours <= window_hours:
            errors.append(
                f"{path}.afternoon_hours: must be a Decimal from 0 to {window_hours} "
                "(the length of the afternoon window)"
            )
    required = {
        "illness": ("illness_level", ILLNESS_LEVELS),
        "disability": ("disability_grade", DISABILITY_GRADES),
        "nursing_care": ("care_level", CARE_LEVELS),
        "absent": ("absence_kind", ABSENCE_KINDS),
    }.get(g.reason)
    if required:
        name, options = required
        value = getattr(g, name)
        if value is None:
            errors.append(f"{path}.{name}: required for reason {g.reason!r}")
        elif value not in options:
            errors.append(f"{path}.{name}: {value!r} is not one of {', '.join(options)}")
    dated = {
        "childbirth": "expected_birth_date",
        "job_seeking": "job_seeking_since",
        "parental_leave": "leave_return_date",
    }.get(g.reason)
    if dated:
        value = getattr(g, dated)
        if value is None:
            errors.append(f"{path}.{dated}: required for reason {g.reason!r}")
        elif not isinstance(value, date):
            errors.append(f"{path}.{dated}: must be a date")
    for name in ("works_at_home", "posted_away"):
        if not isinstance(getattr(g, name), bool):
            errors.append(f"{path}.{name}: must be True or False")
    return errors
