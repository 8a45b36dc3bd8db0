"""Notification letters (通知書) from the database: wording versions, document numbers, issuing.

``enrollment.letters`` renders; this module decides what a letter says (from the ORM), numbers it,
stores it and records it. An issued letter never changes: its PDF file and SHA-256 stay as they
were; a correction is a reissue, a new ``Letter`` row with a reason that supersedes the old one.

Document numbers are a per-fiscal-year series (``DocumentNumberSeries``) advanced under a row
lock, so two workers issuing at once never share or skip a number. A letter that no font can draw
(``missing_glyphs``) or that cannot be laid out is FLAGGED for staff instead of issued.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import tempfile
from dataclasses import replace
from decimal import Decimal
from typing import Iterable

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from enrollment import letters as rendering
from enrollment.letters import (
    Addressee,
    ChildInfo,
    ClubInfo,
    KokoaInfo,
    LetterContent,
    LetterLayout,
    LetterRenderError,
    Sender,
    TemplateError,
    check_template,
    era_year_number,
    letter_missing_glyphs,
    load_default_templates,
    render_letter,
    render_mailing,
    to_wareki,
)
from enrollment.models import (
    AllocationRun,
    Application,
    DocumentNumberSeries,
    Enrollment,
    FiscalYear,
    KokoaRegistration,
    KokoaSessionRequest,
    Letter,
    LetterBatch,
    LetterKind,
    LetterTemplate,
    Offer,
    WaitlistEntry,
)
from enrollment.services import ServiceError
from enrollment.services.applications import _require_staff_write
from enrollment.services.audit import audit_record

log = logging.getLogger(__name__)

MSG_TEMPLATE_INVALID = _("The wording has errors and was not saved.")
MSG_TEMPLATE_CONFLICT = _("Someone saved a new version at the same moment. Reload the page and try again.")
MSG_TEMPLATE_FORMAT = _("The wording is not in the letter template format: %(error)s")
MSG_RUN_NOT_COMMITTED = _("Letters can be issued only for a committed run.")
MSG_REASON_REQUIRED = _("Write the reason for the reissue.")
MSG_ALREADY_REISSUED = _("This letter has already been reissued; reissue the newest version.")
MSG_NOT_ISSUED = _("Only an issued letter can be reissued.")
MSG_NOT_FLAGGED = _("This letter is not waiting for a check.")
MSG_NO_SUBJECT = _("A letter needs an application or a KoKoA registration.")
MSG_KIND_MISMATCH = _("This letter cannot be written for this application now.")
MSG_FLAGGED = _("The letter could not be issued and waits for a check: %(reason)s")

# Which letter an application's status calls for after a committed run.
KIND_FOR_STATUS = {
    Application.Status.OFFERED: LetterKind.OFFER,
    Application.Status.WAITLISTED: LetterKind.WAITLIST,
    Application.Status.REFUSED: LetterKind.REFUSAL,
    Application.Status.DECIDED: LetterKind.DECISION,
}

# The sender printed on every letter. An installation overrides it with a LETTER_SENDER dict in
# its settings (keys as in enrollment.letters.Sender); these defaults are 泊江市's.
DEFAULT_SENDER = {
    "title": "泊江市長",
    "name": "泊江 一郎",
    "office": "子ども家庭部 児童青少年課 放課後対策係",
    "office_address": "〒201-8585 泊江市和泉本町一丁目1番5号 泊江市役所2階",
    "phone": "03-3430-1111（内線2345）",
    "email": "houkago@city.tomarie.example.jp",
    "office_hours": "平日 午前8時30分～午後5時",
}

# 育成料の減免 (DOMAIN.md, Letters). The rule set format has no place for fees yet, so the
# reductions are this table: the first that applies wins; (household flag, share paid, label).
FEE_REDUCTIONS: tuple[tuple[str, Decimal, str], ...] = (
    ("public_assistance", Decimal("0"), "生活保護世帯減免（全額免除）"),
    ("resident_tax_exempt", Decimal("0"), "住民税非課税世帯減免（全額免除）"),
    ("single_parent", Decimal("0.5"), "ひとり親世帯減免（半額）"),
)

# Plain-words reasons for a hold, one per reason code of the allocation's explanation
# (allocation/explain.py). They fill the {reason} field; the letter's sentences stay in the
# template. {club}, {cutoff}, {yours}, {limit} and {band} are filled in.
HOLD_REASONS = {
    "full": "{club}は、利用調整指数{cutoff}点以上の児童で定員に達しました（お子さんの指数は{yours}点です）。",
    "full_group": "{club}は、1～3年生と配慮を要する児童で定員に達しました（4～6年生は、その後に残った枠で調整します）。",
    "full_district": "{club}は、通学区域内の児童で定員に達しました（通学区域外からの申込みは、区域内の児童の後に調整します）。",
    "full_tiebreak": "{club}は、お子さんと同じ指数（{yours}点）の児童の間で、同点の場合の優先順位（学年など）により定員に達しました。",
    "full_no_places": "{club}には、入所できる空きがありませんでした。",
    "tie": "{club}は、最後に入所が決まった児童とお子さんが同じ指数（{yours}点）・同じ優先順位で並び、抽選により入所できませんでした。",
    "support_full": "{club}は、配慮を要する児童の受入枠（{limit}人）がすでに埋まっています。",
    "grade_band_full": "{club}は、{band}年生の受入枠（{limit}人）がすでに埋まっています。",
    "sibling_unit": "きょうだいそろっての入所を希望されたため、{club}にきょうだいそろって入所することができませんでした。",
    "unit_holds_place": "{club}では、お子さんより優先順位の低い児童が、きょうだいそろっての入所の希望により入所しています（きょうだいの希望と優先順位の両方を満たす割り当てがなく、その影響を受ける児童が最も少なくなる結果を選びました）。",
    "unit_unavoidable": "{club}には、きょうだいそろって入所できる枠がありましたが、きょうだいの希望と優先順位の両方を満たす割り当てがなく、その影響を受ける児童が最も少なくなる結果を選んだため、入所となりませんでした。",
    "unavoidable": "{club}には、お子さんが入所できる枠がありましたが、きょうだいそろっての入所の希望と優先順位の両方を満たす割り当てがなく、その影響を受ける児童が最も少なくなる結果を選んだため、入所となりませんでした。",
    "none": "希望されたクラブに空きがありませんでした。",
}

WEEKDAY_NAMES = "月火水木金土日"
PROGRESS_STEPS = 50  # progress is written about this many times per batch, not per letter


# --- wording templates --------------------------------------------------------------------------


class LetterTemplateInvalid(ServiceError):
    """A staff edit that ``check_template`` refuses; ``errors`` lists every problem precisely."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__(MSG_TEMPLATE_INVALID, code="template_invalid")


def letter_templates_install_defaults(*, fiscal_year: FiscalYear, actor=None) -> list[LetterTemplate]:
    """Version 1 of each kind's wording for ``fiscal_year`` from the shipped defaults, for the kinds
    that have none yet. Idempotent; ``actor`` None is the system (a run's letters, the sample)."""
    if actor is not None:
        _require_staff_write(actor)
    created = []
    for kind, template in load_default_templates().items():
        if LetterTemplate.objects.filter(fiscal_year=fiscal_year, kind=kind.value).exists():
            continue
        data = replace(template, fiscal_year=fiscal_year.year, version=1).to_dict()
        try:
            with transaction.atomic():
                row = LetterTemplate.objects.create(fiscal_year=fiscal_year, kind=kind.value, version=1,
                                                    data=data, created_by=actor)
        except IntegrityError:  # installed by a concurrent caller
            continue
        created.append(row)
        audit_record(actor=actor, action="letter_template.install", obj=row)
    return created


def letter_template_current(*, fiscal_year: FiscalYear, kind: str) -> LetterTemplate:
    """The newest version of a kind's wording, installing the defaults on first use."""
    row = LetterTemplate.objects.filter(fiscal_year=fiscal_year, kind=kind).order_by("-version").first()
    if row is None:
        letter_templates_install_defaults(fiscal_year=fiscal_year)
        row = LetterTemplate.objects.filter(fiscal_year=fiscal_year, kind=kind).order_by("-version").first()
    return row


def template_from_row(row: LetterTemplate) -> rendering.LetterTemplate:
    return rendering.LetterTemplate.from_dict({**row.data, "kind": row.kind, "fiscal_year": row.fiscal_year.year,
                                               "version": row.version})


def parse_template_data(data, *, kind: str, fiscal_year: int) -> rendering.LetterTemplate:
    """Staff's JSON as a template, or ``LetterTemplateInvalid`` saying what is wrong with its shape."""
    if not isinstance(data, dict):
        raise LetterTemplateInvalid([str(MSG_TEMPLATE_FORMAT % {"error": "{…}"})])
    try:
        template = rendering.LetterTemplate.from_dict({**data, "kind": kind, "fiscal_year": fiscal_year})
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise LetterTemplateInvalid([str(MSG_TEMPLATE_FORMAT % {"error": error})])
    errors = check_template(template)
    if errors:
        raise LetterTemplateInvalid(errors)
    return template


def letter_template_save_version(*, fiscal_year: FiscalYear, kind: str, data: dict, actor) -> LetterTemplate:
    """Staff's edit of a kind's wording, saved as a new version. A bad edit is refused with
    ``check_template``'s messages and never reaches a letter; earlier versions stay as they were
    (each issued letter records the version it used)."""
    _require_staff_write(actor)
    if kind not in LetterKind.values:
        raise ServiceError(MSG_TEMPLATE_FORMAT % {"error": kind}, code="kind")
    latest = LetterTemplate.objects.filter(fiscal_year=fiscal_year, kind=kind).order_by("-version").first()
    version = (latest.version + 1) if latest else 1
    template = parse_template_data(data, kind=kind, fiscal_year=fiscal_year.year)
    try:
        with transaction.atomic():
            row = LetterTemplate.objects.create(
                fiscal_year=fiscal_year, kind=kind, version=version,
                data=replace(template, version=version).to_dict(), created_by=actor)
    except IntegrityError:
        raise ServiceError(MSG_TEMPLATE_CONFLICT, code="conflict")
    audit_record(actor=actor, action="letter_template.save", obj=row, related={"version": version})
    return row


# --- document numbers ---------------------------------------------------------------------------


def _ensure_series(fiscal_year: FiscalYear) -> None:
    if DocumentNumberSeries.objects.filter(fiscal_year=fiscal_year).exists():
        return
    try:
        with transaction.atomic():
            DocumentNumberSeries.objects.create(fiscal_year=fiscal_year)
    except IntegrityError:  # created by a concurrent issuer: use theirs
        pass


def format_document_number(*, serial: int, issue_date: datetime.date, office_abbreviation: str) -> str:
    """「9泊児育第0123号」: the era year of the issue date, the office, the serial."""
    return f"{era_year_number(issue_date)}{office_abbreviation}第{serial:04d}号"


def document_numbers_reserve(*, fiscal_year: FiscalYear, issue_date: datetime.date,
                             count: int = 1) -> list[tuple[int, str]]:
    """The next ``count`` numbers of the year's series, as (serial, document number), consecutive.

    The series row is locked (SELECT … FOR UPDATE) for the increment only, so concurrent issuers
    queue on it briefly and each number goes to exactly one caller. Call it inside the
    transaction that stores the letters when a failure must give the numbers back.
    """
    _ensure_series(fiscal_year)
    with transaction.atomic():
        series = DocumentNumberSeries.objects.select_for_update().get(fiscal_year=fiscal_year)
        first = series.last_serial + 1
        series.last_serial += count
        series.save(update_fields=["last_serial"])
    return [(serial, format_document_number(serial=serial, issue_date=issue_date,
                                            office_abbreviation=series.office_abbreviation))
            for serial in range(first, first + count)]


def document_number_next(*, fiscal_year: FiscalYear, issue_date: datetime.date) -> tuple[int, str]:
    return document_numbers_reserve(fiscal_year=fiscal_year, issue_date=issue_date, count=1)[0]


# --- what a letter says -------------------------------------------------------------------------


def letter_sender() -> Sender:
    return Sender(**{**DEFAULT_SENDER, **getattr(settings, "LETTER_SENDER", {})})


def monthly_fee_after_reduction(fee: int, household) -> tuple[int, str]:
    """The club's monthly fee after the first reduction in ``FEE_REDUCTIONS`` that applies."""
    for flag, share, label in FEE_REDUCTIONS:
        if getattr(household, flag):
            return int((Decimal(fee) * share).to_integral_value()), label
    return fee, ""


def _addressee(household) -> Addressee:
    guardian = household.guardians.order_by("order").first()
    lines = tuple(line for line in (household.address, household.address_extra) if line)
    return Addressee(postal_code=household.postal_code, address_lines=lines,
                     name=guardian.full_name if guardian else "")


def _child_info(child, fiscal_year: int) -> ChildInfo:
    return ChildInfo(family_name=child.family_name, given_name=child.given_name, family_kana=child.family_kana,
                     given_kana=child.given_kana, birth_date=child.birth_date, school=child.school.name,
                     grade=child.grade_in(fiscal_year))


def _club_info(club) -> ClubInfo:
    return ClubInfo(name=club.name, address=club.address, phone=club.phone)


def _points_text(value) -> str:
    number = Decimal(str(value)).normalize()
    return format(number, "f") if number != number.to_integral_value() else str(int(number))


def _reason_line(entry: dict, clubs_by_code: dict) -> str:
    club = clubs_by_code.get(entry.get("club"), entry.get("club", ""))
    code = entry.get("reason", "full")
    yours, cutoff = entry.get("yours") or [], entry.get("cutoff") or []
    values = {"club": club, "limit": entry.get("limit", ""), "band": entry.get("band", ""),
              "yours": _points_text(yours[2]) if len(yours) > 2 else "",
              "cutoff": _points_text(cutoff[2]) if len(cutoff) > 2 else ""}
    if code == "full" and len(cutoff) > 2 and len(yours) > 2:
        # The priority tuple is (-group, -out of district, points, tie-breaks…): say which part decided.
        if Decimal(str(cutoff[0])) > Decimal(str(yours[0])):
            code = "full_group"
        elif Decimal(str(cutoff[1])) > Decimal(str(yours[1])):
            code = "full_district"
        elif Decimal(str(cutoff[2])) == Decimal(str(yours[2])):
            code = "full_tiebreak"
    elif code == "full":
        code = "full_no_places"  # no child was admitted there at all: the club had no free place
    if code not in HOLD_REASONS:
        # A reason this table does not know yet: the engine's own sentence, with the club's name.
        text = entry.get("text_ja", "")
        return text.replace(entry.get("club", ""), club) if text and entry.get("club") else HOLD_REASONS["none"]
    return HOLD_REASONS[code].format(**values)


def hold_reason(application: Application, run: AllocationRun | None) -> str:
    """Why the child waits, in plain words, from the committed run's explanation."""
    from enrollment.allocation_bridge import child_key
    from enrollment.models import Club

    explanation = ((run.result or {}).get("explanations") or {}).get(child_key(application)) if run else None
    refused = (explanation or {}).get("refused") or []
    if not refused:
        return HOLD_REASONS["none"]
    codes = {entry.get("club") for entry in refused}
    clubs_by_code = dict(Club.objects.filter(code__in=codes).values_list("code", "name"))
    return "\n".join(_reason_line(entry, clubs_by_code) for entry in refused)


def refusal_reason(application: Application) -> str:
    """The rules not met, in plain Japanese, whatever language the committing staff member used."""
    from enrollment.rules import eligibility as rules

    by_code = {
        "grade_out_of_range": rules.GRADE_OUT_OF_RANGE, "arrears": rules.ARREARS,
        "too_few_afternoon_hours": rules.TOO_FEW_AFTERNOON_HOURS, "can_supervise": rules.CAN_SUPERVISE,
        "parental_leave": rules.PARENTAL_LEAVE, "childbirth_period": rules.CHILDBIRTH_PERIOD,
        "job_seeking_ended": rules.JOB_SEEKING_ENDED, "job_seeking_grade": rules.JOB_SEEKING_GRADE,
        "below_min_points": rules.BELOW_MIN_POINTS,
    }
    guardians = {g.order: g for g in application.child.household.guardians.all()}
    lines = []
    with translation.override("ja"):
        for problem in application.eligibility_problems or []:
            code, params = problem.get("code", ""), problem.get("params") or {}
            msgid = by_code.get(code)
            if code == "too_few_days":
                guardian = guardians.get(problem.get("guardian") or 1)
                msgid = rules.TOO_FEW_DAYS.get(guardian.reason if guardian else "work", rules.TOO_FEW_DAYS["work"])
            try:
                lines.append(str(msgid) % params if msgid is not None and params else
                             str(msgid) if msgid is not None else problem.get("message", ""))
            except (KeyError, TypeError, ValueError):
                lines.append(problem.get("message", ""))
    return "\n".join(line for line in lines if line)


def _first_choice_club(application: Application):
    choice = application.choices.select_related("club").order_by("rank").first()
    return choice.club if choice else None


def _committed_run(application: Application, run: AllocationRun | None = None) -> AllocationRun | None:
    if run is not None and run.round_id == application.round_id:
        return run
    return AllocationRun.objects.filter(round=application.round_id, status=AllocationRun.Status.COMMITTED).first()


def letter_content_for(subject: Application | KokoaRegistration, kind: str, issue_date: datetime.date,
                       *, document_number: str = "", run: AllocationRun | None = None) -> LetterContent:
    """Everything one letter says, from the database (the wording comes from the template)."""
    if isinstance(subject, KokoaRegistration):
        return _kokoa_content(subject, issue_date, document_number)
    application = subject
    child = application.child
    household = child.household
    fy = application.round.fiscal_year
    common = dict(kind=kind, document_number=document_number, issue_date=issue_date,
                  addressee=_addressee(household), sender=letter_sender(),
                  child=_child_info(child, fy.year), fiscal_year=fy.year)
    if kind in (LetterKind.OFFER, LetterKind.DECISION):
        offer = (Offer.objects.filter(application=application, status__in=[Offer.Status.OPEN, Offer.Status.ACCEPTED])
                 .select_related("club").order_by("-created_at").first()
                 or Offer.objects.filter(application=application).select_related("club").order_by("-created_at").first())
        if offer is None:
            raise ServiceError(MSG_KIND_MISMATCH, code="no_offer")
        fee, label = monthly_fee_after_reduction(offer.club.monthly_fee, household)
        start = application.requested_start
        if kind == LetterKind.DECISION:
            enrollment = Enrollment.objects.filter(application=application, club=offer.club).order_by("-start_date").first()
            start = enrollment.start_date if enrollment else start
        return LetterContent(**common, club=_club_info(offer.club), start_date=start, monthly_fee=fee,
                             fee_reduction_label=label,
                             acceptance_deadline=offer.respond_by if kind == LetterKind.OFFER else None)
    first = _first_choice_club(application)
    if kind == LetterKind.WAITLIST:
        run = _committed_run(application, run)
        entry = (WaitlistEntry.objects.filter(application=application, active=True, club=first)
                 .order_by("-run__created_at").first()) if first else None
        return LetterContent(**common, club=_club_info(first) if first else None,
                             reason=hold_reason(application, run), hold_period_end=fy.ends_on,
                             waitlist_position=entry.position if entry and application.round.publishes_waitlist_position
                             else None)
    if kind == LetterKind.REFUSAL:
        return LetterContent(**common, club=_club_info(first) if first else None, reason=refusal_reason(application))
    raise ServiceError(MSG_KIND_MISMATCH, code="kind")


def _session_line(session) -> str:
    return f"{to_wareki(session.date)}　{session.title}" if session.date else session.title


def _kokoa_content(registration: KokoaRegistration, issue_date: datetime.date, document_number: str) -> LetterContent:
    programme = registration.programme
    fy = programme.fiscal_year
    child = registration.child
    requests = (KokoaSessionRequest.objects.filter(registration=registration).select_related("session")
                .order_by("session__date", "session__pk"))
    granted = tuple(_session_line(r.session) for r in requests if r.status == KokoaSessionRequest.Status.GRANTED)
    refused = tuple(_session_line(r.session) for r in requests if r.status == KokoaSessionRequest.Status.NOT_GRANTED)
    weekdays = tuple(WEEKDAY_NAMES[day] for day in sorted(int(d) for d in registration.weekdays or [])
                     if 0 <= day < len(WEEKDAY_NAMES))
    return LetterContent(
        kind=LetterKind.KOKOA, document_number=document_number, issue_date=issue_date,
        addressee=_addressee(child.household), sender=letter_sender(), child=_child_info(child, fy.year),
        fiscal_year=fy.year, start_date=fy.starts_on if issue_date < fy.starts_on else None,
        kokoa=KokoaInfo(school=programme.school.name, registered_weekdays=weekdays,
                        granted_sessions=granted, not_granted_sessions=refused))


def _subject(letter: Letter):
    return letter.application if letter.application_id else letter.kokoa_registration


def _issue_date(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


# --- storing ------------------------------------------------------------------------------------


def _store_pdf(letter: Letter, data: bytes) -> None:
    letter.file.save(f"{letter.public_id.hex}.pdf", ContentFile(data), save=False)
    letter.sha256 = hashlib.sha256(data).hexdigest()


def _flag(letter: Letter, reason: str) -> None:
    letter.status = Letter.Status.FLAGGED
    letter.flag_reason = reason
    letter.save(update_fields=["status", "flag_reason"])


def _render_one(letter: Letter, issue_date: datetime.date) -> bytes:
    """Number, render and store one letter inside the caller's transaction: a failure rolls the
    number back with it. Raises ``LetterRenderError`` or ``TemplateError``."""
    template = template_from_row(letter.template)
    content = letter_content_for(_subject(letter), letter.kind, issue_date)
    missing = letter_missing_glyphs(content, template)
    if missing:
        raise rendering.MissingGlyphsError(missing)
    if letter.serial is None:
        letter.serial, letter.document_number = document_number_next(fiscal_year=letter.fiscal_year,
                                                                     issue_date=issue_date)
    data = render_letter(replace(content, document_number=letter.document_number), template)
    _store_pdf(letter, data)
    letter.status = Letter.Status.ISSUED
    letter.issued_at = timezone.now()
    letter.flag_reason = ""
    letter.save()
    return data


def _new_letter(*, kind: str, subject, fiscal_year: FiscalYear, run=None, batch=None, **extra) -> Letter:
    application = subject if isinstance(subject, Application) else None
    registration = subject if isinstance(subject, KokoaRegistration) else None
    household = (application.child.household_id if application else registration.child.household_id)
    return Letter(kind=kind, fiscal_year=fiscal_year, household_id=household, application=application,
                  kokoa_registration=registration, run=run, batch=batch,
                  template=letter_template_current(fiscal_year=fiscal_year, kind=kind), **extra)


def _issue_or_flag(letter: Letter, issue_date: datetime.date) -> Letter:
    is_new = letter.pk is None
    serial, number = letter.serial, letter.document_number
    try:
        with transaction.atomic():
            _render_one(letter, issue_date)
    except (LetterRenderError, TemplateError) as error:
        # The savepoint gave the number back; the letter waits for staff without one.
        letter.serial, letter.document_number = serial, number
        letter.status, letter.flag_reason = Letter.Status.FLAGGED, str(error)
        if is_new:
            letter.pk = None
            letter.file, letter.sha256 = "", ""
            letter.save()
        else:
            _flag(letter, str(error))
    return letter


def letter_issue_single(*, actor, kind: str | None = None, application: Application | None = None,
                        kokoa_registration: KokoaRegistration | None = None, letter: Letter | None = None,
                        today: datetime.date | None = None) -> Letter:
    """Issue one letter now: a KoKoA 登録確認書, a 決定通知書 after an accepted offer, or a flagged
    letter staff have checked (it keeps any number it was given). Returns the letter, ISSUED or
    FLAGGED with the reason; numbers are only used by letters that are issued."""
    _require_staff_write(actor)
    issue_date = _issue_date(today)
    if letter is not None:
        if letter.status != Letter.Status.FLAGGED:
            raise ServiceError(MSG_NOT_FLAGGED, code="not_flagged")
        letter.template = letter_template_current(fiscal_year=letter.fiscal_year, kind=letter.kind)
    else:
        subject = application or kokoa_registration
        if subject is None:
            raise ServiceError(MSG_NO_SUBJECT, code="no_subject")
        if kokoa_registration is not None:
            kind = LetterKind.KOKOA
            fy = kokoa_registration.programme.fiscal_year
        else:
            fy = application.round.fiscal_year
            kind = kind or KIND_FOR_STATUS.get(application.status)
            if kind is None or KIND_FOR_STATUS.get(application.status) != kind:
                raise ServiceError(MSG_KIND_MISMATCH, code="kind")
        letter = _new_letter(kind=kind, subject=subject, fiscal_year=fy)
    _issue_or_flag(letter, issue_date)
    audit_record(actor=actor, action="letter.issue" if letter.status == Letter.Status.ISSUED else "letter.flag",
                 obj=letter)
    return letter


def letter_reissue(*, letter: Letter, reason: str, actor, today: datetime.date | None = None) -> Letter:
    """A corrected letter as a new version with a new number and the reason; the issued one stays
    exactly as it was (file and SHA-256), marked as superseded through the new one."""
    _require_staff_write(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(MSG_REASON_REQUIRED, code="reason")
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if letter.status != Letter.Status.ISSUED:
            raise ServiceError(MSG_NOT_ISSUED, code="not_issued")
        if Letter.objects.filter(supersedes=letter).exists():
            raise ServiceError(MSG_ALREADY_REISSUED, code="already_reissued")
        new = _new_letter(kind=letter.kind, subject=_subject(letter), fiscal_year=letter.fiscal_year, run=letter.run,
                          supersedes=letter, reissue_reason=reason, version=letter.version + 1)
        _issue_or_flag(new, _issue_date(today))
    audit_record(actor=actor, action="letter.reissue", obj=new, related={"supersedes": letter.pk})
    return new


# --- a committed run's letters ------------------------------------------------------------------


def _run_applications(run: AllocationRun) -> list[Application]:
    from enrollment.allocation_bridge import application_pk

    ids = {application_pk(key) for key in ((run.result or {}).get("assignments") or {})}
    ids |= {r["application"] for r in (run.problem or {}).get("refused", [])}
    ids |= {int(k) for k in (run.problem or {}).get("referrals", {})}
    return list(Application.objects.filter(pk__in=ids).select_related("child").order_by("pk"))


def queue_run_letters(*, run_id: int, order: str = LetterBatch.Order.POSTAL_CODE, actor=None,
                      enqueue: bool = True) -> LetterBatch | None:
    """After a run's commit (never inside it): a letter for every outcome of the run, queued, and a
    batch that the background job issues. Calling it again for the same run queues nothing new."""
    run = AllocationRun.objects.select_related("round__fiscal_year").get(pk=run_id)
    if run.status != AllocationRun.Status.COMMITTED:
        raise ServiceError(MSG_RUN_NOT_COMMITTED, code="not_committed")
    if Letter.objects.filter(run=run, supersedes__isnull=True).exists():
        return None
    fy = run.round.fiscal_year
    letter_templates_install_defaults(fiscal_year=fy)
    templates = {row.kind: row for row in (letter_template_current(fiscal_year=fy, kind=k) for k in LetterKind.values)}
    with transaction.atomic():
        batch = LetterBatch.objects.create(run=run, order=order, created_by=actor)
        letters = []
        for application in _run_applications(run):
            kind = KIND_FOR_STATUS.get(application.status)
            if kind is None or kind == LetterKind.DECISION:
                continue
            letters.append(Letter(kind=kind, fiscal_year=fy, household_id=application.child.household_id,
                                  application=application, run=run, batch=batch, template=templates[kind]))
        Letter.objects.bulk_create(letters)
        batch.total = len(letters)
        batch.save(update_fields=["total"])
        audit_record(actor=actor, action="letter_batch.queue", obj=batch, related={"run": run.pk})
        if enqueue:
            from enrollment.tasks import issue_letter_batch

            transaction.on_commit(lambda: issue_letter_batch.enqueue(batch.pk))
    return batch


def letter_batch_create(*, run: AllocationRun, order: str, actor) -> LetterBatch:
    """Another mailing of a run's letters in another order (the letters themselves are not issued
    again: the mailing is put together from their stored PDFs)."""
    _require_staff_write(actor)
    if run.status != AllocationRun.Status.COMMITTED:
        raise ServiceError(MSG_RUN_NOT_COMMITTED, code="not_committed")
    if order not in LetterBatch.Order.values:
        raise ServiceError(MSG_TEMPLATE_FORMAT % {"error": order}, code="order")
    if not Letter.objects.filter(run=run).exists():
        batch = queue_run_letters(run_id=run.pk, order=order, actor=actor)
        if batch is not None:
            return batch
    with transaction.atomic():
        batch = LetterBatch.objects.create(run=run, order=order, created_by=actor,
                                           total=_batch_letters(run, order).count())
        audit_record(actor=actor, action="letter_batch.create", obj=batch, related={"run": run.pk})
        from enrollment.tasks import issue_letter_batch

        transaction.on_commit(lambda: issue_letter_batch.enqueue(batch.pk))
    return batch


def _batch_letters(run: AllocationRun, order: str):
    """The newest version of every letter of the run, in the mailing's order."""
    letters = (Letter.objects.filter(run=run, superseded_by__isnull=True)
               .select_related("application__child__school", "application__child__household",
                               "application__round__fiscal_year", "household", "template", "fiscal_year"))
    return letters.order_by("household__postal_code", "household__address", "pk")


def _ordered(letters: Iterable[Letter], order: str) -> list[Letter]:
    """The mailing's order: by postal code (then address), or by school and the letter's club."""
    letters = list(letters)
    if order != LetterBatch.Order.SCHOOL_CLUB:
        # "201-0013" and "2010013" are the same code: compare the digits only.
        return sorted(letters, key=lambda l: ("".join(ch for ch in l.household.postal_code if ch.isdigit()),
                                              l.household.address, l.pk))
    club_of = {}
    apps = [letter.application_id for letter in letters if letter.application_id]
    for application_id, code in Offer.objects.filter(application_id__in=apps).order_by("created_at") \
            .values_list("application_id", "club__code"):
        club_of[application_id] = code
    for application_id, code in Application.objects.filter(pk__in=apps, choices__rank=1) \
            .values_list("pk", "choices__club__code"):
        club_of.setdefault(application_id, code)
    return sorted(letters, key=lambda l: (l.application.child.school.code if l.application_id else "",
                                          club_of.get(l.application_id, ""), l.household.postal_code, l.pk))


class _Progress:
    def __init__(self, batch: LetterBatch, total: int):
        self.batch, self.total, self.last = batch, max(total, 1), -1

    def __call__(self, done: int) -> None:
        percent = min(99, done * 100 // self.total)
        if percent != self.last and (percent - self.last >= 100 // PROGRESS_STEPS or done == self.total):
            self.last = percent
            LetterBatch.objects.filter(pk=self.batch.pk).update(progress=percent)


def letter_batch_issue(*, batch: LetterBatch, today: datetime.date | None = None,
                       layout: LetterLayout | None = None) -> LetterBatch:
    """The background job: issue every queued letter of the batch's run, in the batch's order,
    each stored as its own PDF with its SHA-256 and number, plus one mailing PDF of the run's
    letters. Letters with characters no font has, or that cannot be laid out, are FLAGGED for
    staff and left out; numbers go only to letters that are printed."""
    batch = LetterBatch.objects.select_related("run__round__fiscal_year").get(pk=batch.pk)
    if batch.status not in (LetterBatch.Status.QUEUED, LetterBatch.Status.FAILED):
        return batch
    LetterBatch.objects.filter(pk=batch.pk).update(status=LetterBatch.Status.RUNNING, progress=0, error="")
    issue_date = _issue_date(today)
    try:
        letters = _ordered(_batch_letters(batch.run, batch.order), batch.order)
        previously_issued = any(letter.status == Letter.Status.ISSUED for letter in letters)
        to_issue = [letter for letter in letters if letter.status == Letter.Status.QUEUED]
        progress = _Progress(batch, len(to_issue))
        with tempfile.TemporaryFile() as mailing:
            _issue_letters(to_issue, issue_date, mailing, progress, layout, run=batch.run)
            if previously_issued:
                mailing.seek(0)
                mailing.truncate()
                _merge_stored([letter for letter in letters if letter.status == Letter.Status.ISSUED], mailing)
            mailing.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: mailing.read(1 << 20), b""):
                digest.update(chunk)
            mailing.seek(0)
            batch.file.save(f"{batch.public_id.hex}.pdf", File(mailing, name="mailing.pdf"), save=False)
        issued = Letter.objects.filter(pk__in=[letter.pk for letter in letters], status=Letter.Status.ISSUED).count()
        LetterBatch.objects.filter(pk=batch.pk).update(status=LetterBatch.Status.DONE, progress=100, total=issued,
                                                       file=batch.file.name, sha256=digest.hexdigest())
    except Exception as error:  # the batch page must say what happened, never hang at "running"
        log.exception("letter batch %s failed", batch.pk)
        LetterBatch.objects.filter(pk=batch.pk).update(status=LetterBatch.Status.FAILED,
                                                       error=f"{type(error).__name__}: {error}")
        raise
    audit_record(actor=None, action="letter_batch.issue", obj=batch, related={"run": batch.run_id}, on_commit=False)
    return LetterBatch.objects.get(pk=batch.pk)


def _issue_letters(letters: list[Letter], issue_date: datetime.date, out, progress, layout,
                   run: AllocationRun | None = None) -> None:
    """Render the queued letters into ``out`` with render_mailing, each also stored on its own.

    First every letter is written from the database and checked for glyphs no font has (those
    are flagged); then the printable ones get consecutive numbers in mailing order, in one
    transaction; then they are drawn. Row updates are written in chunks, not per letter: on
    SQLite every commit is a disk sync. A letter that fails in layout (an address too long for
    the window) aborts render_mailing; it is flagged, keeps its number for when staff issue it,
    and the mailing starts again without it (letters already stored are not stored twice, and
    the same content gives the same bytes)."""
    templates: dict[int, rendering.LetterTemplate] = {}
    contents: dict[int, LetterContent] = {}
    printable: list[Letter] = []
    flagged: list[Letter] = []
    for letter in letters:
        if letter.template_id not in templates:
            templates[letter.template_id] = template_from_row(letter.template)
        try:
            content = letter_content_for(_subject(letter), letter.kind, issue_date, run=run)
        except ServiceError as error:  # e.g. the offer was cancelled before the job ran
            letter.status, letter.flag_reason = Letter.Status.FLAGGED, str(error.message)
            flagged.append(letter)
            continue
        missing = letter_missing_glyphs(content, templates[letter.template_id])
        if missing:
            letter.status, letter.flag_reason = Letter.Status.FLAGGED, str(rendering.MissingGlyphsError(missing))
            flagged.append(letter)
            continue
        contents[letter.pk] = content
        printable.append(letter)
    unnumbered = [letter for letter in printable if letter.serial is None]
    with transaction.atomic():
        Letter.objects.bulk_update(flagged, ["status", "flag_reason"], batch_size=500)
        if unnumbered:
            numbers = document_numbers_reserve(fiscal_year=unnumbered[0].fiscal_year, issue_date=issue_date,
                                               count=len(unnumbered))
            for letter, (serial, number) in zip(unnumbered, numbers):
                letter.serial, letter.document_number = serial, number
            Letter.objects.bulk_update(unnumbered, ["serial", "document_number"], batch_size=500)

    pending = printable
    while True:
        current: list[Letter] = []
        stored: list[Letter] = []

        def flush() -> None:
            if stored:
                with transaction.atomic():
                    Letter.objects.bulk_update(stored, ["file", "sha256", "status", "issued_at"], batch_size=500)
                stored.clear()

        def items():
            for letter in pending:
                current.append(letter)
                yield replace(contents[letter.pk], document_number=letter.document_number), templates[letter.template_id]

        def on_letter(info, data: bytes) -> None:
            letter = current[info.index]
            if letter.status == Letter.Status.ISSUED:
                return
            _store_pdf(letter, data)
            letter.status = Letter.Status.ISSUED
            letter.issued_at = timezone.now()
            stored.append(letter)
            if len(stored) >= 200:
                flush()

        out.seek(0)
        out.truncate()
        try:
            render_mailing(items(), layout, out=out, progress=progress, on_letter=on_letter, title="通知書")
        except (LetterRenderError, TemplateError) as error:
            flush()
            failed = current[-1]
            _flag(failed, str(error))
            pending = [letter for letter in pending if letter.pk != failed.pk]
            continue
        flush()
        return


def _merge_stored(letters: list[Letter], out) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for letter in letters:
        with letter.file.open("rb") as handle:
            writer.append(io.BytesIO(handle.read()))
    writer.write(out)


# --- sample letters (template preview, ``manage.py letters_sample``) -----------------------------


def letter_sample_content(kind: str, *, fiscal_year: int, issue_date: datetime.date | None = None) -> LetterContent:
    """Unsaved demo content for one kind: what a template preview and the sample command print."""
    issue_date = issue_date or datetime.date(fiscal_year, 2, 5)
    fy_start, fy_end = datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year + 1, 3, 31)
    common = dict(
        kind=kind, document_number=format_document_number(serial=123, issue_date=issue_date,
                                                          office_abbreviation="泊児育"),
        issue_date=issue_date,
        addressee=Addressee(postal_code="2010013", address_lines=("泊江市元和泉二丁目35番地1", "泊江ハイツ203号室"),
                            name="髙橋 美咲"),
        sender=letter_sender(),
        child=ChildInfo(family_name="髙橋", given_name="湊", family_kana="タカハシ", given_kana="ミナト",
                        birth_date=datetime.date(fiscal_year - 7, 6, 15), school="泊江市立泊江第一小学校", grade=1),
        fiscal_year=fiscal_year)
    club = ClubInfo(name="泊江第一学童クラブ", address="泊江市和泉本町三丁目2番1号 泊江第一小学校内",
                    phone="03-3480-0001")
    if kind in (LetterKind.OFFER, LetterKind.DECISION):
        return LetterContent(**common, club=club, start_date=fy_start, monthly_fee=2250,
                             fee_reduction_label=FEE_REDUCTIONS[2][2],
                             acceptance_deadline=issue_date + datetime.timedelta(days=14)
                             if kind == LetterKind.OFFER else None)
    if kind == LetterKind.WAITLIST:
        return LetterContent(**common, club=club, hold_period_end=fy_end, waitlist_position=3,
                             reason=HOLD_REASONS["full"].format(club=club.name, cutoff="21", yours="19"))
    if kind == LetterKind.REFUSAL:
        return LetterContent(**common, club=club, reason="保護者2の就労日数は月8日です。月12日以上が必要です。")
    return LetterContent(**common, start_date=fy_start,
                         kokoa=KokoaInfo(school="泊江市立泊江第一小学校", registered_weekdays=("月", "水", "金"),
                                         granted_sessions=(f"{to_wareki(datetime.date(fiscal_year, 7, 24))}　夏休み工作教室",),
                                         not_granted_sessions=(f"{to_wareki(datetime.date(fiscal_year, 8, 5))}　科学実験教室",)))


def letter_sample_pdf(template_row: LetterTemplate) -> bytes:
    """A template version printed on the sample content, for staff to look at before using it."""
    template = template_from_row(template_row)
    content = letter_sample_content(template_row.kind, fiscal_year=template_row.fiscal_year.year)
    return render_letter(content, template, allow_missing=True)
