"""A family's own writes on its applications: drafts, choices, siblings, KoKoA, documents, submission.

Every function checks that the actor is the family of the household concerned, then the state
(the round is open, the application is still a draft or returned for correction), then writes,
then audits. Status changes go through ``enrollment.services.applications`` (the state machine).

An *application set* is what a family fills in together: its draft and returned applications of
one round. Siblings applying as "the same club or none" share one ranked list of clubs.
"""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from enrollment.mail import send_after_commit
from enrollment.models import (
    Application,
    ApplicationChoice,
    Child,
    Club,
    Document,
    Guardian,
    KokoaProgramme,
    KokoaRegistration,
    KokoaSession,
    KokoaSessionRequest,
    Round,
    SiblingGroup,
)
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services.applications import MSG_ROUND_CLOSED, application_submit
from enrollment.services.audit import audit_record
from enrollment.uploads import UploadRefused, check_upload

S = Application.Status
EDITABLE_STATUSES = (S.DRAFT, S.RETURNED)

MSG_NOT_YOURS = _("This does not belong to your household.")
MSG_NO_CHILDREN = _("Choose at least one child.")
MSG_GRADE = _("%(name)s is not in grades 1 to 6 in the school year applied for.")
MSG_ALREADY_APPLIED = _("%(name)s already has an application in this round.")
MSG_NOT_EDITABLE = _("This application has been submitted and can no longer be changed here.")
MSG_TOO_MANY = _("Choose at most five clubs.")
MSG_DUPLICATE_CLUB = _("Each club can be chosen only once.")
MSG_CLUB_GRADE = _("%(club)s does not take children in grade %(grade)s.")
MSG_START_DATE = _("The start date must be the first day of a month from %(first)s to %(last)s.")
MSG_SIBLING_MODE = _("Choose whether the children must go to the same club.")
MSG_TOGETHER_SAME = _("Children applying for “the same club or none” must list the same clubs in the "
                      "same order.")
MSG_NOTHING_TO_SUBMIT = _("There is no application to submit.")
MSG_KOKOA_SESSION = _("This KoKoA session cannot be requested.")
MSG_KOKOA_WEEKDAY = _("Choose weekdays from Monday to Friday.")
MSG_NOT_ENROLLED_CHILD = _("This application has no place to leave.")
MSG_NO_MONTHLY_ROUND = _("No monthly round is open for applications now.")

# The document each reason needs (DOMAIN.md: 就労証明書, medical certificates, disability cards…).
REASON_DOCUMENTS: dict[str, str] = {
    Guardian.Reason.WORK: Document.Kind.EMPLOYMENT,
    Guardian.Reason.JOB_OFFER: Document.Kind.EMPLOYMENT,
    Guardian.Reason.PARENTAL_LEAVE: Document.Kind.EMPLOYMENT,
    Guardian.Reason.CHILDBIRTH: Document.Kind.CHILDBIRTH,
    Guardian.Reason.ILLNESS: Document.Kind.MEDICAL,
    Guardian.Reason.DISABILITY: Document.Kind.DISABILITY,
    Guardian.Reason.NURSING_CARE: Document.Kind.CARE,
    Guardian.Reason.STUDY: Document.Kind.STUDY,
    Guardian.Reason.JOB_SEEKING: Document.Kind.JOB_SEEKING,
    Guardian.Reason.DISASTER: Document.Kind.OTHER,
    Guardian.Reason.ABSENT: Document.Kind.OTHER,
}


# --- reads used by the views and the services ---------------------------------------------------

def application_set(household, round_: Round) -> list[Application]:
    """The household's applications of ``round_`` the family can still edit, eldest child last."""
    return list(Application.objects.filter(child__household=household, round=round_, status__in=EDITABLE_STATUSES)
                .select_related("child__school__district", "round__fiscal_year", "sibling_group")
                .prefetch_related("choices__club__school__district")
                .order_by("-child__birth_date", "pk"))


def child_grade(child: Child, round_: Round) -> int:
    return child.grade_in(round_.fiscal_year.year)


def clubs_for(children, round_: Round):
    """Active clubs serving every child's grade: those of the (first) child's own district first."""
    grades = [child_grade(child, round_) for child in children]
    clubs = Club.objects.filter(is_active=True, grade_min__lte=min(grades), grade_max__gte=max(grades))
    district_id = children[0].school.district_id if children else None
    return sorted(clubs.select_related("school__district"),
                  key=lambda club: (club.school.district_id != district_id, club.code))


def start_months(round_: Round) -> list[datetime.date]:
    """First days of the months a child may start: the round's month to the end of its fiscal year."""
    months, day = [], round_.start_month.replace(day=1)
    end = round_.fiscal_year.ends_on
    while day <= end:
        months.append(day)
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return months


def required_documents(household) -> list[tuple[Guardian, str]]:
    """(guardian, document kind) for each guardian whose situation needs a document."""
    return [(guardian, REASON_DOCUMENTS[guardian.reason])
            for guardian in household.guardians.order_by("order") if guardian.reason in REASON_DOCUMENTS]


def kokoa_programme_for(child: Child, round_: Round) -> KokoaProgramme | None:
    return KokoaProgramme.objects.filter(school=child.school, fiscal_year=round_.fiscal_year).first()


# --- checks -------------------------------------------------------------------------------------

def _require_family(actor, household) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_family \
            or household is None or actor.household_id != household.pk:
        raise PermissionDenied(MSG_NOT_YOURS, code="not_yours")


def _require_open(round_: Round, now) -> None:
    if not round_.is_open_at(now):
        raise ServiceError(MSG_ROUND_CLOSED, code="round_closed")


def _require_editable(application: Application) -> None:
    if application.status not in EDITABLE_STATUSES:
        raise ServiceError(MSG_NOT_EDITABLE, code="not_editable")


def _lock_set(actor, applications) -> list[Application]:
    if not applications:
        raise ServiceError(MSG_NOTHING_TO_SUBMIT, code="empty")
    locked = list(Application.objects.select_for_update(of=("self",)).select_related("child", "round__fiscal_year")
                  .filter(pk__in=[a.pk for a in applications]).order_by("-child__birth_date", "pk"))
    for application in locked:
        _require_family(actor, application.child.household)
        _require_editable(application)
    if len({a.round_id for a in locked}) != 1:
        raise ServiceError(MSG_NOT_YOURS, code="mixed_rounds")
    return locked


# --- drafts -------------------------------------------------------------------------------------

@transaction.atomic
def application_draft_create(*, actor, round_: Round, children, sibling_mode: str = "",
                             now: datetime.datetime | None = None) -> list[Application]:
    """Start (or continue) the household's applications of ``round_`` for ``children``.

    Drafts of children no longer chosen are deleted: nothing was submitted for them."""
    now = now or timezone.now()
    household = actor.household if actor is not None and getattr(actor, "is_family", False) else None
    _require_family(actor, household)
    _require_open(round_, now)
    children = list(children)
    if not children:
        raise ServiceError(MSG_NO_CHILDREN, code="no_children")
    for child in children:
        if child.household_id != household.pk:
            raise PermissionDenied(MSG_NOT_YOURS, code="not_yours")
        if not 1 <= child_grade(child, round_) <= 6:
            raise ServiceError(MSG_GRADE % {"name": child.full_name}, code="grade")
    live = {a.child_id: a for a in Application.objects.select_for_update(of=("self",)).filter(
        child__household=household, round=round_, status__in=Application.LIVE_STATUSES)}
    chosen_ids = {child.pk for child in children}
    for child_id, application in list(live.items()):
        if child_id not in chosen_ids and application.status == S.DRAFT:
            application.delete()
            del live[child_id]
    result = []
    for child in children:
        application = live.get(child.pk)
        if application is None:
            application = Application.objects.create(child=child, round=round_, requested_start=round_.start_month)
            audit_record(actor=actor, action="application.draft_create", obj=application,
                         related={"child": child.pk, "round": round_.pk})
        elif application.status not in EDITABLE_STATUSES:
            raise ServiceError(MSG_ALREADY_APPLIED % {"name": child.full_name}, code="already_applied")
        result.append(application)
    sibling_group_set(actor=actor, applications=result, mode=sibling_mode)
    return result


@transaction.atomic
def sibling_group_set(*, actor, applications, mode: str) -> SiblingGroup | None:
    """Two or more children: "together" (the same club or none) or "prefer"; one child: no group."""
    applications = list(applications)
    if not applications:
        return None
    household = applications[0].child.household
    _require_family(actor, household)
    for application in applications:
        _require_editable(application)
    round_ = applications[0].round
    old_groups = {a.sibling_group_id for a in applications if a.sibling_group_id}
    group = None
    if len(applications) >= 2:
        if mode not in SiblingGroup.Mode.values:
            raise ServiceError(MSG_SIBLING_MODE, code="sibling_mode")
        group = SiblingGroup.objects.filter(pk__in=old_groups).first() if old_groups else None
        if group is None:
            group = SiblingGroup.objects.create(household=household, round=round_, mode=mode)
        elif group.mode != mode:
            group.mode = mode
            group.save(update_fields=["mode"])
    for application in applications:
        if application.sibling_group_id != (group.pk if group else None):
            application.sibling_group = group
            application.revision += 1
            application.save(update_fields=["sibling_group", "revision", "updated_at"])
    SiblingGroup.objects.filter(pk__in=old_groups - ({group.pk} if group else set()),
                                applications__isnull=True).delete()
    return group


@transaction.atomic
def choices_set(*, actor, applications, clubs, requested_start: datetime.date,
                now: datetime.datetime | None = None) -> list[Application]:
    """The ranked clubs (at most five, no repeats, each serving the child's grade) and the start
    month, saved as a draft. Siblings applying "together" get the same list in one call."""
    now = now or timezone.now()
    locked = _lock_set(actor, applications)
    round_ = locked[0].round
    _require_open(round_, now)
    clubs = list(clubs)
    if not clubs:
        raise ServiceError(_("Choose at least one club."), code="no_choices")
    if len(clubs) > Application.MAX_CHOICES:
        raise ServiceError(MSG_TOO_MANY, code="too_many")
    if len({club.pk for club in clubs}) != len(clubs):
        raise ServiceError(MSG_DUPLICATE_CLUB, code="duplicate_club")
    months = start_months(round_)
    if requested_start not in months:
        raise ServiceError(MSG_START_DATE % {"first": months[0].isoformat(), "last": months[-1].isoformat()},
                           code="start_date")
    for application in locked:
        grade = child_grade(application.child, round_)
        for club in clubs:
            if not club.is_active or not club.serves_grade(grade):
                raise ServiceError(MSG_CLUB_GRADE % {"club": club.name, "grade": grade}, code="club_grade")
    for application in locked:
        application.choices.all().delete()
        ApplicationChoice.objects.bulk_create(
            [ApplicationChoice(application=application, rank=rank, club=club) for rank, club in enumerate(clubs, 1)])
        application.requested_start = requested_start
        application.revision += 1
        application.save(update_fields=["requested_start", "revision", "updated_at"])
        audit_record(actor=actor, action="application.choices_set", obj=application,
                     related={"clubs": ",".join(str(c.pk) for c in clubs)})
    return locked


@transaction.atomic
def kokoa_request_save(*, actor, application: Application, weekdays, sessions,
                       now: datetime.datetime | None = None) -> KokoaRegistration | None:
    """KoKoA at the child's school: the weekdays the child will come, and requests for sessions
    with a capacity. No weekday and no session means no registration."""
    now = now or timezone.now()
    (application,) = _lock_set(actor, [application])
    _require_open(application.round, now)
    weekdays = sorted({int(day) for day in weekdays})
    if any(day not in range(5) for day in weekdays):
        raise ServiceError(MSG_KOKOA_WEEKDAY, code="weekday")
    programme = kokoa_programme_for(application.child, application.round)
    sessions = list(sessions)
    for session in sessions:
        if programme is None or session.programme_id != programme.pk or session.capacity is None:
            raise ServiceError(MSG_KOKOA_SESSION, code="session")
    application.kokoa_weekdays = weekdays
    application.save(update_fields=["kokoa_weekdays", "updated_at"])
    if programme is None:
        return None
    registration = KokoaRegistration.objects.filter(programme=programme, child=application.child).first()
    if registration is None and not weekdays and not sessions:
        return None
    if registration is None:
        registration = KokoaRegistration.objects.create(programme=programme, child=application.child,
                                                        weekdays=weekdays, active=True)
    else:
        registration.weekdays = weekdays
        registration.active = bool(weekdays or sessions)
        registration.save(update_fields=["weekdays", "active", "updated_at"])
    wanted = {session.pk for session in sessions}
    registration.session_requests.filter(status=KokoaSessionRequest.Status.REQUESTED).exclude(
        session_id__in=wanted).delete()
    have = set(registration.session_requests.values_list("session_id", flat=True))
    KokoaSessionRequest.objects.bulk_create(
        [KokoaSessionRequest(registration=registration, session_id=pk) for pk in sorted(wanted - have)])
    audit_record(actor=actor, action="kokoa.registration_save", obj=registration,
                 related={"application": application.pk})
    return registration


def kokoa_sessions_for(child: Child, round_: Round) -> list[KokoaSession]:
    programme = kokoa_programme_for(child, round_)
    if programme is None:
        return []
    return list(programme.sessions.filter(capacity__isnull=False).filter(
        Q(date__isnull=True) | Q(date__gte=round_.start_month)).order_by("date", "starts_at"))


# --- documents ----------------------------------------------------------------------------------

@transaction.atomic
def document_upload(*, actor, applications, kind: str, guardian: Guardian | None, uploaded) -> list[Document]:
    """One file for the whole application set: checked by content, stored once, attached to each
    application so staff see it on every child's application."""
    locked = _lock_set(actor, applications)
    household = locked[0].child.household
    if kind not in Document.Kind.values:
        raise ServiceError(_("Choose what kind of document this is."), code="kind")
    if guardian is not None and guardian.household_id != household.pk:
        raise PermissionDenied(MSG_NOT_YOURS, code="not_yours")
    try:
        checked = check_upload(uploaded)
    except UploadRefused as refusal:
        raise ServiceError(refusal.message, code=refusal.code) from None
    documents = []
    stored = None
    try:
        for application in locked:
            document = Document(application=application, guardian=guardian, kind=kind,
                                original_name=checked.display_name, content_type=checked.content_type,
                                size=checked.size, sha256=checked.sha256, uploaded_by=actor)
            if stored is None:
                document.file.save("upload", uploaded, save=False)
                stored = (document.file.storage, document.file.name)
            else:
                document.file.name = stored[1]
            document.save()
            documents.append(document)
            audit_record(actor=actor, action="document.upload", obj=document,
                         related={"application": application.pk})
    except Exception:
        # No half-saved record: a file whose rows could not be written is not kept either.
        if stored is not None:
            stored[0].delete(stored[1])
        raise
    return documents


@transaction.atomic
def document_remove(*, actor, document: Document) -> int:
    """Remove a document (and its copies on the sibling applications) while they can be edited."""
    document = Document.objects.select_related("application__child__household").get(pk=document.pk)
    _require_family(actor, document.application.child.household)
    _require_editable(document.application)
    copies = list(Document.objects.filter(file=document.file.name,
                                          application__child__household=document.application.child.household,
                                          application__status__in=EDITABLE_STATUSES))
    storage, name = document.file.storage, document.file.name
    for copy in copies:
        audit_record(actor=actor, action="document.remove", obj=copy, related={"application": copy.application_id})
        copy.delete()
    if not Document.objects.filter(file=name).exists():
        transaction.on_commit(lambda: storage.delete(name))
    return len(copies)


# --- submission ---------------------------------------------------------------------------------

def submission_key_for(form_key: uuid.UUID, application: Application) -> uuid.UUID:
    """One key per application, derived from the confirmation form's key: a repeated POST of the
    same form finds the applications it already submitted."""
    return uuid.uuid5(form_key, str(application.public_id))


def _together_problems(applications) -> bool:
    groups: dict[int, set] = {}
    for application in applications:
        group = application.sibling_group
        if group is not None and group.mode == SiblingGroup.Mode.TOGETHER:
            ranked = tuple(application.choices.order_by("rank").values_list("club_id", flat=True))
            groups.setdefault(group.pk, set()).add(ranked)
    return any(len(lists) > 1 for lists in groups.values())


@transaction.atomic
def applications_submit(*, actor, household, round_: Round, submission_key: uuid.UUID,
                        now: datetime.datetime | None = None) -> list[Application]:
    """Submit the household's application set of ``round_`` through the state machine; a repeated
    submit with the same key returns the applications already submitted, and sends no second mail."""
    now = now or timezone.now()
    _require_family(actor, household)
    drafts = application_set(household, round_)
    previous = list(Application.objects.filter(child__household=household, round=round_)
                    .exclude(status__in=EDITABLE_STATUSES).select_related("child"))
    already = [a for a in previous if a.submission_key == submission_key_for(submission_key, a)]
    if not drafts:
        if already:
            return already
        raise ServiceError(MSG_NOTHING_TO_SUBMIT, code="empty")
    locked = list(Application.objects.select_for_update(of=("self",)).filter(pk__in=[a.pk for a in drafts]))
    # A concurrent request with the same key may have submitted them while we waited for the lock.
    done_meanwhile = [a for a in locked if a.status not in EDITABLE_STATUSES
                      and a.submission_key == submission_key_for(submission_key, a)]
    if done_meanwhile and len(done_meanwhile) == len(locked):
        return already + done_meanwhile
    _lock_set(actor, drafts)
    if _together_problems(drafts):
        raise ServiceError(MSG_TOGETHER_SAME, code="together")
    submitted = [application_submit(application=application, actor=actor, now=now,
                                    submission_key=submission_key_for(submission_key, application))
                 for application in drafts]
    language = translation.get_language()
    transaction.on_commit(lambda: _send_receipt(actor, submitted, language))
    return already + submitted


def _send_receipt(actor, applications, language) -> None:
    with translation.override(language):
        context = {"user": actor, "applications": applications, "round": applications[0].round}
        subject = render_to_string("emails/application_receipt_subject.txt", context).strip()
        body = render_to_string("emails/application_receipt.txt", context)
    send_after_commit(subject=subject, body=body, to=[actor.email])


# --- after the results --------------------------------------------------------------------------

@transaction.atomic
def application_change_choices(*, actor, application: Application,
                               now: datetime.datetime | None = None) -> Application:
    """Change clubs for a monthly round: a new draft in the open monthly round with the same
    choices to edit; the old application stays until the new one is submitted or withdrawn."""
    now = now or timezone.now()
    _require_family(actor, application.child.household)
    round_ = (Round.objects.filter(fiscal_year=application.round.fiscal_year, kind=Round.Kind.MONTHLY,
                                   status=Round.Status.OPEN, opens_at__lte=now, closes_at__gt=now)
              .exclude(pk=application.round_id).order_by("start_month").first())
    if round_ is None:
        raise ServiceError(MSG_NO_MONTHLY_ROUND, code="no_monthly_round")
    existing = Application.objects.filter(child=application.child, round=round_,
                                          status__in=Application.LIVE_STATUSES).first()
    if existing is not None:
        if existing.status not in EDITABLE_STATUSES:
            raise ServiceError(MSG_ALREADY_APPLIED % {"name": application.child.full_name}, code="already_applied")
        return existing
    draft = Application.objects.create(child=application.child, round=round_,
                                       requested_start=max(round_.start_month, application.requested_start),
                                       continuing_club=application.continuing_club,
                                       kokoa_weekdays=application.kokoa_weekdays)
    grade = child_grade(application.child, round_)
    rank = 0
    for choice in application.choices.select_related("club").order_by("rank"):
        if choice.club.is_active and choice.club.serves_grade(grade):
            rank += 1
            ApplicationChoice.objects.create(application=draft, rank=rank, club=choice.club)
    audit_record(actor=actor, action="application.change_choices", obj=draft,
                 related={"from": application.pk, "round": round_.pk})
    return draft
