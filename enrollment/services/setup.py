"""Setting up a fiscal year: years, rule sets (versioned data), schools, operators, clubs, rounds,
KoKoA programmes and sessions.

Every function checks that the actor is staff with full access, then the state, then writes and
audits (ids only). Field validation is the models' own ``full_clean``: a ``ValidationError`` from
here carries per-field messages the forms show next to their fields.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from enrollment import rules
from enrollment.models import (
    Club,
    ClubGradeLimit,
    FiscalYear,
    KokoaProgramme,
    KokoaSession,
    Operator,
    Round,
    RuleSet,
    School,
    SchoolDistrict,
)
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services.audit import audit_record

MSG_NOT_STAFF = _("Only school-affairs staff can change the set-up of a year.")
MSG_READ_ONLY = _("Your account can view the set-up but not change it.")
MSG_YEAR_EXISTS = _("Fiscal year %(year)s already exists.")
MSG_NO_PREVIOUS_RULES = _("There is no rule set of fiscal year %(year)s to copy.")
MSG_RULESET_INVALID = _("The rule set was not saved: correct the keys listed.")
MSG_ROUND_STATUS = _("This round is “%(status)s”, so it cannot be %(action)s now.")
MSG_GRADE_BAND_OUTSIDE = _("The band %(lo)s–%(hi)s is outside the club's grades %(min)s–%(max)s.")
MSG_GRADE_BAND_ORDER = _("The first grade of a band must not be above its last grade.")
MSG_GRADE_BAND_TWICE = _("The band %(lo)s–%(hi)s is given twice.")
MSG_CONFLICT = _("This could not be saved because it clashes with an existing record: %(detail)s")


def require_staff_write(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_city_staff:
        raise PermissionDenied(MSG_NOT_STAFF, code="not_staff")
    if not actor.can_change:
        raise PermissionDenied(MSG_READ_ONLY, code="read_only")


def _save(obj, *, exclude: Iterable[str] = ()) -> None:
    """Validate with the model's own rules, then save; a unique clash found only by the database
    (two people saving at once) becomes the same kind of error as one found by ``full_clean``."""
    obj.full_clean(exclude=list(exclude))
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise ValidationError(MSG_CONFLICT % {"detail": type(obj)._meta.verbose_name}) from error


def _assign(obj, fields: dict[str, Any]):
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


# --- fiscal years and rule sets -----------------------------------------------------------------

def _default_ruleset_data(year: int) -> dict:
    data = rules.ruleset_to_dict(rules.load_default_ruleset())
    data["fiscal_year"] = year
    return data


@transaction.atomic
def fiscal_year_create(*, actor, year: int, retention_years: int = 5) -> FiscalYear:
    """A new 年度 with version 1 of its rule set: last year's rules when there are any (cities
    change a few numbers a year, not the whole table), else the shipped defaults."""
    require_staff_write(actor)
    if FiscalYear.objects.filter(year=year).exists():
        raise ServiceError(MSG_YEAR_EXISTS % {"year": year}, code="exists")
    fy = FiscalYear(year=year, retention_years=retention_years)
    _save(fy)
    previous = FiscalYear.objects.filter(year=year - 1).first()
    source = previous.current_ruleset() if previous else None
    data = copy.deepcopy(source.data) if source else _default_ruleset_data(year)
    note = (_("Copied from fiscal year %(year)s version %(version)s.") % {"year": previous.year, "version": source.version}
            if source else _("The default rules shipped with the system."))
    _new_version(fy, data=data, note=str(note), actor=actor)
    audit_record(actor=actor, action="fiscal_year.create", obj=fy)
    return fy


def _new_version(fy: FiscalYear, *, data: dict, note: str, actor) -> RuleSet:
    # Versions are numbered per year; the year's row is locked so two saves cannot take one number.
    FiscalYear.objects.select_for_update().get(pk=fy.pk)
    version = (fy.rulesets.aggregate(v=Max("version"))["v"] or 0) + 1
    data = dict(data, fiscal_year=fy.year, version=version)
    try:
        parsed = rules.parse_ruleset(data)
    except rules.RuleSetError as error:
        raise RuleSetInvalid(error.messages) from error
    ruleset = RuleSet.objects.create(fiscal_year=fy, version=version, data=rules.ruleset_to_dict(parsed),
                                     note=note, created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit_record(actor=actor, action="ruleset.save_version", obj=ruleset, related={"fiscal_year": fy.pk})
    return ruleset


# The rule-set parser is pure and speaks English; staff read its complaints in their language.
PARSER_MESSAGES = [
    (re.compile(r"^missing$"), _("This key is missing.")),
    (re.compile(r"^unknown key$"), _("Unknown key: remove it or correct its spelling.")),
    (re.compile(r"^must be an object$"), _("Must be an object ({…}).")),
    (re.compile(r"^must be an object from grade to points$"), _("Must be an object from grade to points.")),
    (re.compile(r"^must be a list$"), _("Must be a list ([…]).")),
    (re.compile(r"^must list at least one tier$"), _("Must list at least one tier.")),
    (re.compile(r"^must be a whole number$"), _("Must be a whole number.")),
    (re.compile(r"^must be true or false$"), _("Must be true or false.")),
    (re.compile(r"^must be a non-empty string$"), _("Must be a text that is not empty.")),
    (re.compile(r"^must be a number with at most one decimal$"), _("Must be a number with at most one decimal place.")),
    (re.compile(r"^must be a number of hours with at most two decimals$"),
     _("Must be a number of hours with at most two decimal places.")),
    (re.compile(r"^must be between (?P<lo>\S+) and (?P<hi>\S+)$"), _("Must be between %(lo)s and %(hi)s.")),
    (re.compile(r"^must be at least (?P<lo>\S+)$"), _("Must be at least %(lo)s.")),
    (re.compile(r"^must be at most (?P<hi>\S+)$"), _("Must be at most %(hi)s.")),
    (re.compile(r"^must be one of (?P<options>.+)$"), _("Must be one of %(options)s.")),
]


def translate_parser_message(text: str) -> str:
    for pattern, message in PARSER_MESSAGES:
        match = pattern.match(text)
        if match:
            return str(message) % match.groupdict() if match.groupdict() else str(message)
    return text


class RuleSetInvalid(ServiceError):
    """The rule set did not parse; ``errors`` maps each offending key (dotted path) to its messages."""

    def __init__(self, messages: list[str]):
        super().__init__(MSG_RULESET_INVALID, code="invalid")
        self.errors: dict[str, list[str]] = {}
        for message in messages:
            key, _sep, text = message.partition(": ")
            self.errors.setdefault(key, []).append(translate_parser_message(text or message))


@transaction.atomic
def ruleset_save_version(*, actor, fiscal_year: FiscalYear, data: Any, note: str = "") -> RuleSet:
    """Save ``data`` as the year's next version. Nothing is saved when any key is invalid."""
    require_staff_write(actor)
    if not isinstance(data, dict):
        raise RuleSetInvalid(["document: must be an object"])
    return _new_version(fiscal_year, data=data, note=(note or "").strip(), actor=actor)


@transaction.atomic
def ruleset_copy_from_previous(*, actor, fiscal_year: FiscalYear) -> RuleSet:
    """One action: last year's current rules become this year's next version."""
    require_staff_write(actor)
    previous = FiscalYear.objects.filter(year=fiscal_year.year - 1).first()
    source = previous.current_ruleset() if previous else None
    if source is None:
        raise ServiceError(MSG_NO_PREVIOUS_RULES % {"year": fiscal_year.year - 1}, code="no_previous")
    note = _("Copied from fiscal year %(year)s version %(version)s.") % {"year": previous.year,
                                                                       "version": source.version}
    return _new_version(fiscal_year, data=copy.deepcopy(source.data), note=str(note), actor=actor)


# --- organisation: districts, schools, operators ------------------------------------------------

def _save_and_audit(*, actor, obj, fields: dict, action: str):
    """Districts, schools and operators are saved alike: check, assign, validate, save, audit."""
    require_staff_write(actor)
    obj = _assign(obj, fields)
    _save(obj)
    audit_record(actor=actor, action=action, obj=obj)
    return obj


@transaction.atomic
def district_save(*, actor, district: SchoolDistrict | None = None, fields: dict) -> SchoolDistrict:
    return _save_and_audit(actor=actor, obj=district or SchoolDistrict(), fields=fields, action="district.save")


@transaction.atomic
def school_save(*, actor, school: School | None = None, fields: dict) -> School:
    return _save_and_audit(actor=actor, obj=school or School(), fields=fields, action="school.save")


@transaction.atomic
def operator_save(*, actor, operator: Operator | None = None, fields: dict) -> Operator:
    return _save_and_audit(actor=actor, obj=operator or Operator(), fields=fields, action="operator.save")


# --- clubs ---------------------------------------------------------------------------------------

def _check_grade_limits(club: Club, limits: list[tuple[int, int, int]]) -> None:
    errors = []
    seen = set()
    for lo, hi, _limit in limits:
        if lo > hi:
            errors.append(ValidationError(MSG_GRADE_BAND_ORDER))
        elif lo < club.grade_min or hi > club.grade_max:
            errors.append(ValidationError(MSG_GRADE_BAND_OUTSIDE % {"lo": lo, "hi": hi, "min": club.grade_min,
                                                                    "max": club.grade_max}))
        if (lo, hi) in seen:
            errors.append(ValidationError(MSG_GRADE_BAND_TWICE % {"lo": lo, "hi": hi}))
        seen.add((lo, hi))
    if errors:
        raise ValidationError({"grade_limits": errors})


@transaction.atomic
def club_save(*, actor, club: Club | None = None, fields: dict,
              grade_limits: list[tuple[int, int, int]] | None = None) -> Club:
    """Create or update a club. 定員 and the intake cap follow from floor area, care units and the
    elastic ratio; ``grade_limits`` (lo, hi, most children), when given, replace the club's bands."""
    require_staff_write(actor)
    club = _assign(club or Club(), fields)
    club.full_clean()
    if grade_limits is not None:
        _check_grade_limits(club, grade_limits)
    _save(club)
    if grade_limits is not None:
        club.grade_limits.all().delete()
        ClubGradeLimit.objects.bulk_create(
            ClubGradeLimit(club=club, grade_lo=lo, grade_hi=hi, limit=limit) for lo, hi, limit in grade_limits)
    audit_record(actor=actor, action="club.save", obj=club)
    return club


# --- rounds --------------------------------------------------------------------------------------

ROUND_ACTIONS = {"open": _("opened"), "close": _("closed")}


@transaction.atomic
def round_save(*, actor, round_: Round | None = None, fields: dict) -> Round:
    """Create or edit a round's dates and settings; the status changes only by open and close."""
    require_staff_write(actor)
    fields = {k: v for k, v in fields.items() if k not in ("status", "last_receipt_serial")}
    round_ = _assign(round_ or Round(), fields)
    _save(round_)
    audit_record(actor=actor, action="round.save", obj=round_, related={"fiscal_year": round_.fiscal_year_id})
    return round_


def _round_move(actor, round_: Round, action: str, sources: tuple[str, ...], target: str) -> Round:
    require_staff_write(actor)
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.status not in sources:
        raise ServiceError(MSG_ROUND_STATUS % {"status": round_.get_status_display(),
                                               "action": ROUND_ACTIONS[action]}, code="wrong_status")
    round_.status = target
    round_.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=f"round.{action}", obj=round_)
    return round_


@transaction.atomic
def round_open(*, actor, round_: Round) -> Round:
    """Open for applications; a closed round may be reopened until its results are decided."""
    return _round_move(actor, round_, "open", (Round.Status.PLANNED, Round.Status.CLOSED), Round.Status.OPEN)


@transaction.atomic
def round_close(*, actor, round_: Round) -> Round:
    return _round_move(actor, round_, "close", (Round.Status.OPEN,), Round.Status.CLOSED)


# --- KoKoA ---------------------------------------------------------------------------------------

@transaction.atomic
def kokoa_programme_save(*, actor, programme: KokoaProgramme | None = None, fields: dict) -> KokoaProgramme:
    require_staff_write(actor)
    programme = _assign(programme or KokoaProgramme(), fields)
    _save(programme)
    audit_record(actor=actor, action="kokoa_programme.save", obj=programme)
    return programme


@transaction.atomic
def kokoa_session_save(*, actor, session: KokoaSession | None = None, fields: dict) -> KokoaSession:
    require_staff_write(actor)
    session = _assign(session or KokoaSession(), fields)
    # A regular session repeats on a weekday, a special one happens on a date: drop the other.
    if session.kind == KokoaSession.Kind.REGULAR:
        session.date = None
    _save(session)
    audit_record(actor=actor, action="kokoa_session.save", obj=session,
                 related={"programme": session.programme_id})
    return session
