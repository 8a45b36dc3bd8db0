"""What a club operator may read: rosters of its own clubs and the KoKoA programmes it runs.

Everything an operator's page or export shows passes through the row types below, which hold
only what DOMAIN.md (Privacy) lets an operator see: names, readings, grades, schools, dates,
contacts and the care notes the family agreed to share. Points, income, welfare status and
documents are never loaded into them, so no template or export can leak them by mistake.

Scope: every lookup by id goes through the operator (``club_for_operator`` and friends), so an
id of another operator's club, programme or session answers 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from enrollment.models import (
    Application,
    Club,
    Enrollment,
    Guardian,
    KokoaAttendance,
    KokoaProgramme,
    KokoaRegistration,
    KokoaSession,
    KokoaSessionRequest,
    Operator,
    RosterVisit,
    WaitlistEntry,
    Withdrawal,
)
from enrollment.models.base import Weekday
from enrollment.rules.grades import fiscal_year_of, month_end, month_start, school_grade
from enrollment.services.offers import club_occupancy

# --- scope -------------------------------------------------------------------------------------


def operator_clubs(operator: Operator):
    return Club.objects.filter(operator=operator).select_related("school").order_by("code")


def operator_programmes(operator: Operator):
    return (KokoaProgramme.objects.filter(operator=operator).select_related("school", "fiscal_year")
            .order_by("-fiscal_year__year", "school__code"))


def club_for_operator(operator: Operator, club_id: int) -> Club:
    """The club if ``operator`` runs it; 404 otherwise, the same answer as for no club at all."""
    return get_object_or_404(Club.objects.select_related("school", "operator"), pk=club_id, operator=operator)


def programme_for_operator(operator: Operator, programme_id: int) -> KokoaProgramme:
    return get_object_or_404(KokoaProgramme.objects.select_related("school", "fiscal_year", "operator"),
                             pk=programme_id, operator=operator)


def session_for_operator(operator: Operator, session_id: int) -> KokoaSession:
    return get_object_or_404(
        KokoaSession.objects.select_related("programme", "programme__school", "programme__fiscal_year"),
        pk=session_id, programme__operator=operator)


# --- club rosters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardianContact:
    name: str
    relationship: str
    phone: str


@dataclass(frozen=True)
class RosterRow:
    """One enrolment at the club in the month, as an operator may see it."""

    enrollment_id: int
    child_id: int
    name: str
    reading: str
    grade: int
    school: str
    start_date: datetime.date
    end_date: datetime.date | None
    guardians: tuple[GuardianContact, ...]
    household_phone: str
    emergency_name: str
    emergency_phone: str
    needs_support: bool
    notes_shared: bool
    # Empty unless the family agreed to share them with the club (Child.care_notes_shared).
    care_notes: str
    support_notes: str
    is_new: bool
    is_leaving: bool


@dataclass(frozen=True)
class ClubRoster:
    club: Club
    month: datetime.date  # the first day of the month
    rows: tuple[RosterRow, ...]
    capacity: int
    intake_cap: int
    places_taken: int
    places_taken_on: datetime.date
    waiting: int

    @property
    def month_end(self) -> datetime.date:
        return month_end(self.month)

    @property
    def enrolled(self) -> int:
        return len(self.rows)

    @property
    def new_count(self) -> int:
        return sum(row.is_new for row in self.rows)

    @property
    def leaving_count(self) -> int:
        return sum(row.is_leaving for row in self.rows)

    @property
    def child_ids(self) -> list[int]:
        return [row.child_id for row in self.rows]


def parse_month(value: str | None) -> datetime.date | None:
    """``"2027-04"`` to 1 April 2027; None for anything else (the caller picks the default)."""
    if not value or len(value) != 7 or value[4] != "-":
        return None
    year, month = value[:4], value[5:]
    if not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()):
        return None
    year_number, month_number = int(year), int(month)
    if not (2000 <= year_number <= 2200 and 1 <= month_number <= 12):
        return None
    return datetime.date(year_number, month_number, 1)


def _contacts(guardians) -> tuple[GuardianContact, ...]:
    return tuple(GuardianContact(name=g.full_name, relationship=g.relationship, phone=g.phone)
                 for g in sorted(guardians, key=lambda g: g.order))


def _roster_row(enrollment: Enrollment, fiscal_year: int, first: datetime.date, last: datetime.date) -> RosterRow:
    child = enrollment.child
    household = child.household
    shared = child.care_notes_shared
    return RosterRow(
        enrollment_id=enrollment.pk,
        child_id=child.pk,
        name=child.full_name,
        reading=child.full_kana,
        grade=school_grade(child.birth_date, fiscal_year),
        school=child.school.name,
        start_date=enrollment.start_date,
        end_date=enrollment.end_date,
        guardians=_contacts(household.guardians.all()),
        household_phone=household.phone,
        emergency_name=household.emergency_contact_name,
        emergency_phone=household.emergency_contact_phone,
        needs_support=child.needs_support,
        notes_shared=shared,
        care_notes=child.care_notes if shared else "",
        support_notes=child.support_notes if shared else "",
        is_new=first <= enrollment.start_date <= last,
        is_leaving=enrollment.end_date is not None and first <= enrollment.end_date <= last,
    )


def waiting_count(club: Club) -> int:
    """How many applications wait for this club: a number, never who."""
    return (WaitlistEntry.objects.filter(club=club, active=True, application__status=Application.Status.WAITLISTED)
            .values("application_id").distinct().count())


def club_roster(club: Club, *, month: datetime.date, today: datetime.date) -> ClubRoster:
    """Children enrolled at ``club`` at any time in ``month`` (start on or before its last day,
    end, if any, on or after its first day)."""
    first, last = month_start(month), month_end(month)
    fiscal_year = fiscal_year_of(first)
    enrollments = (
        Enrollment.objects.filter(club=club, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .select_related("child", "child__school", "child__household")
        .prefetch_related(Prefetch("child__household__guardians", queryset=Guardian.objects.order_by("order")))
    )
    rows = sorted((_roster_row(e, fiscal_year, first, last) for e in enrollments),
                  key=lambda row: (row.grade, row.reading, row.name, row.enrollment_id))
    # "Current fill" is today's when the month is the current one, else the month's first day.
    fill_day = today if first <= today <= last else first
    return ClubRoster(club=club, month=first, rows=tuple(rows), capacity=club.capacity,
                      intake_cap=club.intake_cap, places_taken=club_occupancy(club, on=fill_day),
                      places_taken_on=fill_day, waiting=waiting_count(club))


# --- changes since the last visit --------------------------------------------------------------


@dataclass(frozen=True)
class RosterChange:
    child_id: int
    name: str
    reading: str
    day: datetime.date | None  # start date, last day, or None for a contact change


@dataclass(frozen=True)
class RosterChanges:
    since: datetime.datetime | None  # None: the user's first look at this roster
    new_placements: tuple[RosterChange, ...] = ()
    withdrawals: tuple[RosterChange, ...] = ()
    contact_changes: tuple[RosterChange, ...] = ()

    @property
    def is_first_visit(self) -> bool:
        return self.since is None

    @property
    def any(self) -> bool:
        return bool(self.new_placements or self.withdrawals or self.contact_changes)

    @property
    def child_ids(self) -> list[int]:
        return [c.child_id for c in (*self.new_placements, *self.withdrawals, *self.contact_changes)]


def last_roster_visit(*, user, club: Club) -> datetime.datetime | None:
    visit = RosterVisit.objects.filter(user_id=user.pk, club_id=club.pk).first()
    return visit.seen_at if visit else None


def _change(child, day) -> RosterChange:
    return RosterChange(child_id=child.pk, name=child.full_name, reading=child.full_kana, day=day)


def roster_changes(club: Club, *, since: datetime.datetime | None, today: datetime.date) -> RosterChanges:
    """New placements, withdrawals (退所届) and contact changes at ``club`` after ``since``."""
    if since is None:
        return RosterChanges(since=None)
    new = list(Enrollment.objects.filter(club=club, created_at__gt=since).select_related("child")
               .order_by("start_date", "pk"))
    withdrawals = list(Withdrawal.objects.filter(enrollment__club=club, submitted_at__gt=since)
                       .select_related("enrollment__child").order_by("leave_date", "pk"))
    already_listed = {e.child_id for e in new}
    # Contact changes matter for children still in care (or about to be): household and guardian
    # rows carry the phones and the emergency contact; the child's row carries the care notes.
    current = (Enrollment.objects.filter(club=club).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
               .filter(Q(child__household__updated_at__gt=since)
                       | Q(child__household__guardians__updated_at__gt=since)
                       | Q(child__updated_at__gt=since))
               .exclude(child_id__in=already_listed)
               .select_related("child").order_by("child__family_kana", "child__given_kana", "pk"))
    contact, seen = [], set()
    for enrollment in current:
        if enrollment.child_id not in seen:
            seen.add(enrollment.child_id)
            contact.append(_change(enrollment.child, None))
    return RosterChanges(
        since=since,
        new_placements=tuple(_change(e.child, e.start_date) for e in new),
        withdrawals=tuple(_change(w.enrollment.child, w.leave_date) for w in withdrawals),
        contact_changes=tuple(contact),
    )


# --- KoKoA -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KokoaChild:
    child_id: int
    public_id: str
    name: str
    reading: str
    grade: int


def _kokoa_child(child, fiscal_year: int) -> KokoaChild:
    return KokoaChild(child_id=child.pk, public_id=str(child.public_id), name=child.full_name,
                      reading=child.full_kana, grade=school_grade(child.birth_date, fiscal_year))


def _sorted(children: list[KokoaChild]) -> list[KokoaChild]:
    return sorted(children, key=lambda c: (c.grade, c.reading, c.name, c.child_id))


@dataclass(frozen=True)
class WeekdayGroup:
    weekday: int
    label: str
    children: tuple[KokoaChild, ...]


def registrations_by_weekday(programme: KokoaProgramme) -> list[WeekdayGroup]:
    """Registered children of the programme's school on each weekday (Monday to Saturday)."""
    registrations = (KokoaRegistration.objects.filter(programme=programme, active=True)
                     .select_related("child"))
    by_day: dict[int, list[KokoaChild]] = {day: [] for day in Weekday.values}
    for registration in registrations:
        child = _kokoa_child(registration.child, programme.fiscal_year.year)
        for day in set(registration.weekdays or []):
            if day in by_day:
                by_day[day].append(child)
    return [WeekdayGroup(weekday=day, label=str(Weekday(day).label), children=tuple(_sorted(by_day[day])))
            for day in Weekday.values]


@dataclass(frozen=True)
class SessionSummary:
    session: KokoaSession
    granted: int | None  # for capacity-limited sessions


def programme_sessions(programme: KokoaProgramme) -> list[SessionSummary]:
    sessions = list(programme.sessions.order_by("kind", "weekday", "date", "starts_at", "pk"))
    granted = {}
    limited = [s.pk for s in sessions if s.capacity is not None]
    if limited:
        for row in (KokoaSessionRequest.objects.filter(session_id__in=limited,
                                                       status=KokoaSessionRequest.Status.GRANTED,
                                                       registration__active=True)
                    .values_list("session_id", flat=True)):
            granted[row] = granted.get(row, 0) + 1
    return [SessionSummary(session=s, granted=granted.get(s.pk, 0) if s.capacity is not None else None)
            for s in sessions]


def is_session_date(session: KokoaSession, day: datetime.date) -> bool:
    """A regular session meets on its weekday within the programme's fiscal year; a special one
    on its date."""
    if session.kind == KokoaSession.Kind.SPECIAL:
        return day == session.date
    fiscal_year = session.programme.fiscal_year
    return fiscal_year.contains(day) and day.weekday() == session.weekday


def session_dates(session: KokoaSession) -> list[datetime.date]:
    if session.kind == KokoaSession.Kind.SPECIAL:
        return [session.date]
    fiscal_year = session.programme.fiscal_year
    day = fiscal_year.starts_on
    day += datetime.timedelta(days=(session.weekday - day.weekday()) % 7)
    dates = []
    while day <= fiscal_year.ends_on:
        dates.append(day)
        day += datetime.timedelta(days=7)
    return dates


def default_session_date(session: KokoaSession, *, today: datetime.date) -> datetime.date:
    """Today when the session meets today, else the next date it meets, else its last date."""
    dates = session_dates(session)
    upcoming = [day for day in dates if day >= today]
    return upcoming[0] if upcoming else dates[-1]


def session_children(session: KokoaSession, day: datetime.date) -> list[KokoaChild]:
    """Who is expected on ``day``: for a capacity-limited session the granted requests; for a
    regular session the children registered for its weekday; otherwise every registered child."""
    programme = session.programme
    registrations = KokoaRegistration.objects.filter(programme=programme, active=True).select_related("child")
    if session.capacity is not None:
        registrations = registrations.filter(session_requests__session=session,
                                             session_requests__status=KokoaSessionRequest.Status.GRANTED)
        children = [r.child for r in registrations]
    elif session.kind == KokoaSession.Kind.REGULAR:
        # JSON containment is not portable across SQLite and PostgreSQL; the lists are short.
        children = [r.child for r in registrations if session.weekday in (r.weekdays or [])]
    else:
        children = [r.child for r in registrations]
    return _sorted([_kokoa_child(c, programme.fiscal_year.year) for c in children])


def session_attendance(session: KokoaSession, day: datetime.date) -> dict[int, KokoaAttendance]:
    return {a.child_id: a for a in KokoaAttendance.objects.filter(session=session, date=day)}


@dataclass(frozen=True)
class CheckInRow:
    child: KokoaChild
    attendance: KokoaAttendance | None

    @property
    def status(self) -> str:
        return self.attendance.status if self.attendance else ""


def check_in_rows(session: KokoaSession, day: datetime.date) -> list[CheckInRow]:
    attendance = session_attendance(session, day)
    return [CheckInRow(child=c, attendance=attendance.get(c.child_id)) for c in session_children(session, day)]


def check_in_counts(rows: list[CheckInRow]) -> dict[str, int]:
    counts = {"expected": len(rows), "present": 0, "absent": 0, "left": 0, "unrecorded": 0}
    for row in rows:
        counts[row.status or "unrecorded"] += 1
    return counts
