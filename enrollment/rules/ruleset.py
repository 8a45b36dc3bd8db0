"""A city's admission rules for one fiscal year, as versioned data.

Real cities change their points tables, tie-breaks and ratios every year (DOMAIN.md), so none
of those numbers live in code: a rule set is a JSON document, parsed here into frozen
dataclasses. The format is described key by key in ``docs/rules-format.md``.

Points and ratios are ``Decimal`` throughout. The canonical JSON form writes every decimal as a
string ("20", "0.1", "1.10") so that no reader ever turns them into binary floats;
``parse_ruleset`` also accepts JSON numbers for convenience, and ``ruleset_to_dict`` always
writes the canonical form, so ``ruleset_to_dict(parse_ruleset(d)) == d`` holds for every
canonical ``d`` and ``parse_ruleset(ruleset_to_dict(r)) == r`` for every rule set ``r``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

RULESET_FORMAT = "afterschool-ruleset/1"

ILLNESS_LEVELS = ("hospitalised", "outpatient_3plus", "outpatient_1_2", "other")
DISABILITY_GRADES = ("1-2", "3", "4")
CARE_LEVELS = ("fulltime_severe", "moderate", "accompany_4days", "other")

AGGREGATIONS = ("lowest", "sum")
TIEBREAK_KEYS = (
    "lower_grade",
    "support",
    "single_or_no_parent",
    "more_working_days",
    "lower_income_tax",
)
TIE_POLICIES = ("maximize_placed", "lottery_first")
METHODS = ("single_queue", "per_club")


class RuleSetError(ValueError):
    """A rule set document is not valid; ``messages`` names every offending key."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("invalid rule set:\n" + "\n".join(self.messages))


@dataclass(frozen=True)
class WorkTier:
    """At least ``min_days`` a month and at least ``min_hours`` a day earn ``points``."""

    min_days: int
    min_hours: Decimal
    points: Decimal


@dataclass(frozen=True)
class WorkPoints:
    tiers: tuple[WorkTier, ...]

    def best_tier(self, days: int, hours: Decimal) -> WorkTier | None:
        """The tier worth the most among those the guardian reaches (the first one listed on
        equal points), so the table's order in the document does not matter."""
        best = None
        for tier in self.tiers:
            if days >= tier.min_days and hours >= tier.min_hours:
                if best is None or tier.points > best.points:
                    best = tier
        return best


@dataclass(frozen=True)
class IllnessPoints:
    hospitalised: Decimal
    outpatient_3plus: Decimal
    outpatient_1_2: Decimal
    other: Decimal

    def for_level(self, level: str) -> Decimal:
        return getattr(self, level)


@dataclass(frozen=True)
class DisabilityPoints:
    grade_1_2: Decimal
    grade_3: Decimal
    grade_4: Decimal

    def for_grade(self, grade: str) -> Decimal:
        return {"1-2": self.grade_1_2, "3": self.grade_3, "4": self.grade_4}[grade]


@dataclass(frozen=True)
class CarePoints:
    fulltime_severe: Decimal
    moderate: Decimal
    accompany_4days: Decimal
    other: Decimal

    def for_level(self, level: str) -> Decimal:
        return getattr(self, level)


@dataclass(frozen=True)
class BasePoints:
    work: WorkPoints
    work_at_home_offset: Decimal  # added to the outside-home points (default -2)
    job_offer_offset: Decimal  # added to the points of the job to come (default -1)
    childbirth: Decimal
    childbirth_months_before: int
    childbirth_months_after: int
    illness: IllnessPoints
    disability: DisabilityPoints
    nursing_care: CarePoints
    disaster: Decimal
    absent: Decimal
    study_max: Decimal  # study is scored as work outside home, capped here
    job_seeking: Decimal


@dataclass(frozen=True)
class Adjustments:
    single_parent: Decimal
    public_assistance: Decimal
    support: Decimal
    grade: tuple[tuple[int, Decimal], ...]  # (grade, points), ascending grade
    continuing: Decimal  # 0 switches it off (Tama gives none)
    sibling: Decimal
    grandparent_at_home: Decimal
    posted_away: Decimal
    waiting_per_month: Decimal
    waiting_max: Decimal

    def for_grade(self, grade: int) -> Decimal:
        return dict(self.grade).get(grade, Decimal(0))


@dataclass(frozen=True)
class Eligibility:
    min_grade: int
    max_grade: int
    min_days_per_month: int
    min_afternoon_hours: Decimal
    afternoon_start: time
    afternoon_end: time
    job_seeking_months: int
    job_seeking_max_grade: int
    arrears_block_months: int
    group_1_max_grade: int
    group_1_support_any_grade: bool
    min_points: Decimal | None  # optional minimum for approval (Arakawa uses 17)

    @property
    def afternoon_window_hours(self) -> Decimal:
        minutes = (self.afternoon_end.hour * 60 + self.afternoon_end.minute) - (
            self.afternoon_start.hour * 60 + self.afternoon_start.minute
        )
        return Decimal(minutes) / Decimal(60)


@dataclass(frozen=True)
class TieBreak:
    order: tuple[str, ...]  # named keys; the lottery is always last and implicit
    income_tax_switch_month: int  # from this month on, the current year's assessment is used


@dataclass(frozen=True)
class ElasticRatio:
    default: Decimal
    min: Decimal
    max: Decimal

    @property
    def bounds(self) -> tuple[Decimal, Decimal]:
        return (self.min, self.max)


@dataclass(frozen=True)
class Allocation:
    method: str  # "single_queue" | "per_club"
    ties: str  # "maximize_placed" | "lottery_first"
    elastic_ratio: ElasticRatio
    support_per: int  # about one child needing support per this many places


@dataclass(frozen=True)
class RuleSet:
    city: str
    fiscal_year: int
    version: int
    base_points: BasePoints
    household_aggregation: str  # "lowest" | "sum"
    adjustments: Adjustments
    eligibility: Eligibility
    tiebreak: TieBreak
    allocation: Allocation
    allow_club_and_kokoa: bool


# ---------------------------------------------------------------------------------------------
# Parsing


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()

_POINTS_RE = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9])?$")
_HOURS_RE = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$")
_RATIO_RE = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$")
_TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def _decimal_text(value: Any) -> str | None:
    """The text of a JSON decimal as the author wrote it, or None when it is not one.

    Floats are accepted only because ``json.loads`` produces them for unquoted numbers;
    ``repr`` gives back the shortest text that reads as the same float, i.e. what was written.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return None


class _Parser:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path or 'document'}: {message}")

    def obj(self, value: Any, path: str, keys: tuple[str, ...]) -> dict[str, Any]:
        """The object's values by key; missing keys map to ``_MISSING`` and are reported once."""
        if value is _MISSING:
            return {key: _MISSING for key in keys}
        if not isinstance(value, dict):
            self.error(path, "must be an object")
            return {key: _MISSING for key in keys}
        for key in value:
            if key not in keys:
                self.error(_join(path, key), "unknown key")
        result = {}
        for key in keys:
            if key in value:
                result[key] = value[key]
            else:
                self.error(_join(path, key), "missing")
                result[key] = _MISSING
        return result

    def _pattern_decimal(self, value: Any, path: str, pattern: re.Pattern, message: str):
        if value is _MISSING:
            return None
        text = _decimal_text(value)
        if text is None or not pattern.match(text):
            self.error(path, message)
            return None
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            self.error(path, message)
            return None

    def points(self, value: Any, path: str, *, minimum: Decimal | None = None) -> Decimal | None:
        result = self._pattern_decimal(
            value, path, _POINTS_RE, "must be a number with at most one decimal"
        )
        if result is not None and minimum is not None and result < minimum:
            self.error(path, f"must be at least {minimum}")
            return None
        return result

    def optional_points(self, value: Any, path: str) -> Decimal | None:
        if value is None:
            return None
        return self.points(value, path)

    def hours(self, value: Any, path: str, *, maximum: Decimal) -> Decimal | None:
        result = self._pattern_decimal(
            value, path, _HOURS_RE, "must be a number of hours with at most two decimals"
        )
        if result is not None and result > maximum:
            self.error(path, f"must be at most {maximum}")
            return None
        return result

    def ratio(self, value: Any, path: str) -> Decimal | None:
        return self._pattern_decimal(
            value, path, _RATIO_RE, 'must be a ratio such as "1.10" (at most two decimals)'
        )

    def integer(self, value: Any, path: str, *, lo: int | None = None, hi: int | None = None):
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, "must be a whole number")
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            if hi is None:
                self.error(path, f"must be at least {lo}")
            elif lo is None:
                self.error(path, f"must be at most {hi}")
            else:
                self.error(path, f"must be between {lo} and {hi}")
            return None
        return value

    def boolean(self, value: Any, path: str) -> bool | None:
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.error(path, "must be true or false")
            return None
        return value

    def text(self, value: Any, path: str) -> str | None:
        if value is _MISSING:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(path, "must be a non-empty string")
            return None
        return value

    def choice(self, value: Any, path: str, options: tuple[str, ...]) -> str | None:
        if value is _MISSING:
            return None
        if value not in options:
            self.error(path, "must be one of " + ", ".join(f'"{o}"' for o in options))
            return None
        return value

    def clock(self, value: Any, path: str) -> time | None:
        if value is _MISSING:
            return None
        match = _TIME_RE.match(value) if isinstance(value, str) else None
        if not match:
            self.error(path, 'must be a time of day such as "14:00"')
            return None
        return time(int(match.group(1)), int(match.group(2)))

    def items(self, value: Any, path: str) -> list[Any]:
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.error(path, "must be a list")
            return []
        return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_ruleset(data: Any) -> RuleSet:
    """Parse a JSON-able rule set document; raise ``RuleSetError`` listing every problem."""
    p = _Parser()
    top = p.obj(
        data,
        "",
        (
            "format",
            "city",
            "fiscal_year",
            "version",
            "base_points",
            "household_aggregation",
            "adjustments",
            "eligibility",
            "tiebreak",
            "allocation",
            "kokoa",
        ),
    )
    if top["format"] is not _MISSING and top["format"] != RULESET_FORMAT:
        p.error("format", f'must be "{RULESET_FORMAT}"')
    ruleset = RuleSet(
        city=p.text(top["city"], "city"),
        fiscal_year=p.integer(top["fiscal_year"], "fiscal_year", lo=2000, hi=2200),
        version=p.integer(top["version"], "version", lo=1),
        base_points=_parse_base_points(p, top["base_points"], "base_points"),
        household_aggregation=p.choice(
            top["household_aggregation"], "household_aggregation", AGGREGATIONS
        ),
        adjustments=_parse_adjustments(p, top["adjustments"], "adjustments"),
        eligibility=_parse_eligibility(p, top["eligibility"], "eligibility"),
        tiebreak=_parse_tiebreak(p, top["tiebreak"], "tiebreak"),
        allocation=_parse_allocation(p, top["allocation"], "allocation"),
        allow_club_and_kokoa=p.boolean(
            p.obj(top["kokoa"], "kokoa", ("allow_club_and_kokoa",))["allow_club_and_kokoa"],
            "kokoa.allow_club_and_kokoa",
        ),
    )
    if p.errors:
        raise RuleSetError(p.errors)
    return ruleset


def _parse_base_points(p: _Parser, value: Any, path: str) -> BasePoints:
    d = p.obj(
        value,
        path,
        (
            "work",
            "work_at_home",
            "job_offer",
            "childbirth",
            "illness",
            "disability",
            "nursing_care",
            "disaster",
            "absent",
            "study",
            "job_seeking",
        ),
    )
    work_path = _join(path, "work")
    work = p.obj(d["work"], work_path, ("tiers",))
    tiers = []
    seen: set[tuple[int, Decimal]] = set()
    tier_list = p.items(work["tiers"], _join(work_path, "tiers"))
    if work["tiers"] is not _MISSING and isinstance(work["tiers"], list) and not tier_list:
        p.error(_join(work_path, "tiers"), "must list at least one tier")
    for i, raw in enumerate(tier_list):
        tier_path = f"{work_path}.tiers[{i}]"
        t = p.obj(raw, tier_path, ("min_days", "min_hours", "points"))
        tier = WorkTier(
            min_days=p.integer(t["min_days"], _join(tier_path, "min_days"), lo=1, hi=31),
            min_hours=p.hours(t["min_hours"], _join(tier_path, "min_hours"), maximum=Decimal(24)),
            points=p.points(t["points"], _join(tier_path, "points")),
        )
        key = (tier.min_days, tier.min_hours)
        if None not in key:
            if key in seen:
                p.error(tier_path, "repeats the days and hours of an earlier tier")
            seen.add(key)
        tiers.append(tier)

    def single(key: str, field: str = "points") -> dict[str, Any]:
        return p.obj(d[key], _join(path, key), (field,))

    def levels(key: str, names: tuple[str, ...]) -> dict[str, Decimal | None]:
        sub = p.obj(d[key], _join(path, key), names)
        return {name: p.points(sub[name], f"{path}.{key}.{name}") for name in names}

    at_home = single("work_at_home", "offset")
    job_offer = single("job_offer", "offset")
    birth = p.obj(
        d["childbirth"], _join(path, "childbirth"), ("points", "months_before", "months_after")
    )
    illness = levels("illness", ILLNESS_LEVELS)
    disability = levels("disability", DISABILITY_GRADES)
    care = levels("nursing_care", CARE_LEVELS)
    study = single("study", "max_points")
    return BasePoints(
        work=WorkPoints(tuple(tiers)),
        work_at_home_offset=p.points(at_home["offset"], f"{path}.work_at_home.offset"),
        job_offer_offset=p.points(job_offer["offset"], f"{path}.job_offer.offset"),
        childbirth=p.points(birth["points"], f"{path}.childbirth.points"),
        childbirth_months_before=p.integer(
            birth["months_before"], f"{path}.childbirth.months_before", lo=0, hi=12
        ),
        childbirth_months_after=p.integer(
            birth["months_after"], f"{path}.childbirth.months_after", lo=0, hi=12
        ),
        illness=IllnessPoints(**illness),
        disability=DisabilityPoints(
            grade_1_2=disability["1-2"], grade_3=disability["3"], grade_4=disability["4"]
        ),
        nursing_care=CarePoints(**care),
        disaster=p.points(single("disaster")["points"], f"{path}.disaster.points"),
        absent=p.points(single("absent")["points"], f"{path}.absent.points"),
        study_max=p.points(study["max_points"], f"{path}.study.max_points"),
        job_seeking=p.points(single("job_seeking")["points"], f"{path}.job_seeking.points"),
    )


def _parse_adjustments(p: _Parser, value: Any, path: str) -> Adjustments:
    keys = (
        "single_parent",
        "public_assistance",
        "support",
        "grade",
        "continuing",
        "sibling",
        "grandparent_at_home",
        "posted_away",
        "waiting",
    )
    d = p.obj(value, path, keys)
    grades: list[tuple[int, Decimal]] = []
    grade_path = _join(path, "grade")
    raw_grades = d["grade"]
    if raw_grades is not _MISSING:
        if not isinstance(raw_grades, dict):
            p.error(grade_path, "must be an object from grade to points")
        else:
            for key, raw in raw_grades.items():
                key_path = f"{grade_path}.{key}"
                if not (isinstance(key, str) and re.fullmatch(r"[1-9]", key)):
                    p.error(key_path, 'grade keys must be "1" to "9"')
                    continue
                points = p.points(raw, key_path)
                grades.append((int(key), points))
    grades.sort(key=lambda pair: pair[0])
    waiting = p.obj(d["waiting"], _join(path, "waiting"), ("per_month", "max"))
    return Adjustments(
        single_parent=p.points(d["single_parent"], _join(path, "single_parent")),
        public_assistance=p.points(d["public_assistance"], _join(path, "public_assistance")),
        support=p.points(d["support"], _join(path, "support")),
        grade=tuple(grades),
        continuing=p.points(d["continuing"], _join(path, "continuing")),
        sibling=p.points(d["sibling"], _join(path, "sibling")),
        grandparent_at_home=p.points(d["grandparent_at_home"], _join(path, "grandparent_at_home")),
        posted_away=p.points(d["posted_away"], _join(path, "posted_away")),
        waiting_per_month=p.points(
            waiting["per_month"], f"{path}.waiting.per_month", minimum=Decimal(0)
        ),
        waiting_max=p.points(waiting["max"], f"{path}.waiting.max", minimum=Decimal(0)),
    )


def _parse_eligibility(p: _Parser, value: Any, path: str) -> Eligibility:
    d = p.obj(
        value,
        path,
        (
            "grades",
            "min_days_per_month",
            "min_afternoon_hours",
            "afternoon_window",
            "job_seeking",
            "arrears_block_months",
            "priority_group_1",
            "min_points",
        ),
    )
    grades = p.obj(d["grades"], _join(path, "grades"), ("min", "max"))
    window = p.obj(d["afternoon_window"], _join(path, "afternoon_window"), ("start", "end"))
    seeking = p.obj(d["job_seeking"], _join(path, "job_seeking"), ("months", "max_grade"))
    group = p.obj(
        d["priority_group_1"], _join(path, "priority_group_1"), ("max_grade", "support_any_grade")
    )
    min_grade = p.integer(grades["min"], f"{path}.grades.min", lo=1, hi=9)
    max_grade = p.integer(grades["max"], f"{path}.grades.max", lo=1, hi=9)
    if min_grade is not None and max_grade is not None and min_grade > max_grade:
        p.error(f"{path}.grades", "min must not be above max")
    start = p.clock(window["start"], f"{path}.afternoon_window.start")
    end = p.clock(window["end"], f"{path}.afternoon_window.end")
    if start is not None and end is not None and start >= end:
        p.error(f"{path}.afternoon_window", "start must be before end")
    eligibility = Eligibility(
        min_grade=min_grade,
        max_grade=max_grade,
        min_days_per_month=p.integer(
            d["min_days_per_month"], _join(path, "min_days_per_month"), lo=1, hi=31
        ),
        min_afternoon_hours=p.hours(
            d["min_afternoon_hours"], _join(path, "min_afternoon_hours"), maximum=Decimal(24)
        ),
        afternoon_start=start,
        afternoon_end=end,
        job_seeking_months=p.integer(seeking["months"], f"{path}.job_seeking.months", lo=0, hi=12),
        job_seeking_max_grade=p.integer(
            seeking["max_grade"], f"{path}.job_seeking.max_grade", lo=0, hi=9
        ),
        arrears_block_months=p.integer(
            d["arrears_block_months"], _join(path, "arrears_block_months"), lo=1
        ),
        group_1_max_grade=p.integer(
            group["max_grade"], f"{path}.priority_group_1.max_grade", lo=0, hi=9
        ),
        group_1_support_any_grade=p.boolean(
            group["support_any_grade"], f"{path}.priority_group_1.support_any_grade"
        ),
        min_points=(
            None
            if d["min_points"] is _MISSING
            else p.optional_points(d["min_points"], _join(path, "min_points"))
        ),
    )
    if (
        start is not None
        and end is not None
        and start < end
        and eligibility.min_afternoon_hours is not None
        and eligibility.min_afternoon_hours > eligibility.afternoon_window_hours
    ):
        p.error(_join(path, "min_afternoon_hours"), "must fit inside the afternoon window")
    return eligibility


def _parse_tiebreak(p: _Parser, value: Any, path: str) -> TieBreak:
    d = p.obj(value, path, ("order", "income_tax_switch_month"))
    order = []
    for i, key in enumerate(p.items(d["order"], _join(path, "order"))):
        key_path = f"{path}.order[{i}]"
        if key == "lottery":
            p.error(key_path, "the lottery is always last and implicit; do not list it")
        elif key not in TIEBREAK_KEYS:
            p.error(key_path, "must be one of " + ", ".join(f'"{k}"' for k in TIEBREAK_KEYS))
        elif key in order:
            p.error(key_path, f'"{key}" is listed twice')
        else:
            order.append(key)
    return TieBreak(
        order=tuple(order),
        income_tax_switch_month=p.integer(
            d["income_tax_switch_month"], _join(path, "income_tax_switch_month"), lo=1, hi=12
        ),
    )


def _parse_allocation(p: _Parser, value: Any, path: str) -> Allocation:
    d = p.obj(value, path, ("method", "ties", "elastic_ratio", "support_per"))
    r_path = _join(path, "elastic_ratio")
    r = p.obj(d["elastic_ratio"], r_path, ("default", "min", "max"))
    ratio = ElasticRatio(
        default=p.ratio(r["default"], _join(r_path, "default")),
        min=p.ratio(r["min"], _join(r_path, "min")),
        max=p.ratio(r["max"], _join(r_path, "max")),
    )
    if None not in (ratio.default, ratio.min, ratio.max):
        # Below 1.00 is not elastic intake but a smaller capacity, which staff set on the club.
        if ratio.min < 1:
            p.error(_join(r_path, "min"), "must be at least 1.00")
        if ratio.max > 2:
            p.error(_join(r_path, "max"), "must be at most 2.00")
        if not ratio.min <= ratio.default <= ratio.max:
            p.error(_join(r_path, "default"), "must lie between min and max")
    return Allocation(
        method=p.choice(d["method"], _join(path, "method"), METHODS),
        ties=p.choice(d["ties"], _join(path, "ties"), TIE_POLICIES),
        elastic_ratio=ratio,
        support_per=p.integer(d["support_per"], _join(path, "support_per"), lo=1),
    )


# ---------------------------------------------------------------------------------------------
# Writing


def _s(value: Decimal) -> str:
    return str(value)


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def ruleset_to_dict(ruleset: RuleSet) -> dict[str, Any]:
    """The canonical JSON-able document of ``ruleset`` (decimals as strings, fixed key order)."""
    b = ruleset.base_points
    a = ruleset.adjustments
    e = ruleset.eligibility
    al = ruleset.allocation
    return {
        "format": RULESET_FORMAT,
        "city": ruleset.city,
        "fiscal_year": ruleset.fiscal_year,
        "version": ruleset.version,
        "base_points": {
            "work": {
                "tiers": [
                    {"min_days": t.min_days, "min_hours": _s(t.min_hours), "points": _s(t.points)}
                    for t in b.work.tiers
                ]
            },
            "work_at_home": {"offset": _s(b.work_at_home_offset)},
            "job_offer": {"offset": _s(b.job_offer_offset)},
            "childbirth": {
                "points": _s(b.childbirth),
                "months_before": b.childbirth_months_before,
                "months_after": b.childbirth_months_after,
            },
            "illness": {level: _s(b.illness.for_level(level)) for level in ILLNESS_LEVELS},
            "disability": {grade: _s(b.disability.for_grade(grade)) for grade in DISABILITY_GRADES},
            "nursing_care": {level: _s(b.nursing_care.for_level(level)) for level in CARE_LEVELS},
            "disaster": {"points": _s(b.disaster)},
            "absent": {"points": _s(b.absent)},
            "study": {"max_points": _s(b.study_max)},
            "job_seeking": {"points": _s(b.job_seeking)},
        },
        "household_aggregation": ruleset.household_aggregation,
        "adjustments": {
            "single_parent": _s(a.single_parent),
            "public_assistance": _s(a.public_assistance),
            "support": _s(a.support),
            "grade": {str(grade): _s(points) for grade, points in a.grade},
            "continuing": _s(a.continuing),
            "sibling": _s(a.sibling),
            "grandparent_at_home": _s(a.grandparent_at_home),
            "posted_away": _s(a.posted_away),
            "waiting": {"per_month": _s(a.waiting_per_month), "max": _s(a.waiting_max)},
        },
        "eligibility": {
            "grades": {"min": e.min_grade, "max": e.max_grade},
            "min_days_per_month": e.min_days_per_month,
            "min_afternoon_hours": _s(e.min_afternoon_hours),
            "afternoon_window": {
                "start": _clock(e.afternoon_start),
                "end": _clock(e.afternoon_end),
            },
            "job_seeking": {"months": e.job_seeking_months, "max_grade": e.job_seeking_max_grade},
            "arrears_block_months": e.arrears_block_months,
            "priority_group_1": {
                "max_grade": e.group_1_max_grade,
                "support_any_grade": e.group_1_support_any_grade,
            },
            "min_points": None if e.min_points is None else _s(e.min_points),
        },
        "tiebreak": {
            "order": list(ruleset.tiebreak.order),
            "income_tax_switch_month": ruleset.tiebreak.income_tax_switch_month,
        },
        "allocation": {
            "method": al.method,
            "ties": al.ties,
            "elastic_ratio": {
                "default": _s(al.elastic_ratio.default),
                "min": _s(al.elastic_ratio.min),
                "max": _s(al.elastic_ratio.max),
            },
            "support_per": al.support_per,
        },
        "kokoa": {"allow_club_and_kokoa": ruleset.allow_club_and_kokoa},
    }
