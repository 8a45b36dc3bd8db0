"""Builders for operator tests: a club with enrolled children whose households carry
distinctive sensitive values (points 23.7, income tax 123456) that must never reach an operator."""

import datetime
from decimal import Decimal

from django.utils import timezone

from enrollment.models import (
    Application,
    Enrollment,
    KokoaProgramme,
    KokoaRegistration,
    KokoaSession,
    KokoaSessionRequest,
    WaitlistEntry,
    AllocationRun,
)
from tests import builders as b

SECRET_POINTS = Decimal("23.7")
SECRET_INCOME = 123456
SECRET_INCOME_CURRENT = 654321


def current_fiscal_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def birth_date_for_grade(grade: int) -> datetime.date:
    """A birth date putting the child in ``grade`` in the current fiscal year."""
    return datetime.date(current_fiscal_year() - 6 - grade, 5, 1)


def sensitive_household(**fields):
    defaults = {"income_tax_previous": SECRET_INCOME, "income_tax_current": SECRET_INCOME_CURRENT,
                "public_assistance": True, "resident_tax_exempt": True, "single_parent": True,
                "emergency_contact_name": "泊江 祖母", "emergency_contact_phone": "090-1111-2222"}
    return b.household(**{**defaults, **fields})


def shared_round():
    """One first round for the test: applications of many children can share it."""
    from enrollment.models import Round

    return Round.objects.filter(kind=Round.Kind.FIRST).first() or b.round_()


def enrolled_child(club, *, start, end=None, household=None, rnd=None, **child_fields):
    """A child enrolled at ``club`` from ``start``, whose application carries points 23.7."""
    h = household or sensitive_household()
    child_fields.setdefault("birth_date", birth_date_for_grade(2))
    c = b.child(h, school=club.school, **child_fields)
    app = b.application(c, rnd=rnd or shared_round(), clubs=[club], status=Application.Status.DECIDED, points=SECRET_POINTS,
                        points_breakdown={"total": str(SECRET_POINTS), "items": [["単身赴任", "1"]]})
    enrollment = Enrollment.objects.create(child=c, club=club, application=app, start_date=start, end_date=end)
    return enrollment


def waiting_application(club, *, rnd=None, run=None, position=1):
    rnd = rnd or shared_round()
    app = b.application(rnd=rnd, clubs=[club], status=Application.Status.WAITLISTED, points=SECRET_POINTS)
    run = run or AllocationRun.objects.create(round=rnd, status=AllocationRun.Status.COMMITTED,
                                              ties=AllocationRun.Ties.MAXIMIZE_PLACED, seed=7)
    WaitlistEntry.objects.create(application=app, club=club, run=run, position=position)
    return app, run


def kokoa_programme(op, *, school=None, fy=None, **fields):
    fy = fy or b.fiscal_year(current_fiscal_year())
    return KokoaProgramme.objects.create(school=school or b.school(), fiscal_year=fy, operator=op,
                                         **{"name": "KoKoA ひまわり", "place": "体育館", **fields})


def regular_session(programme, weekday, **fields):
    return KokoaSession.objects.create(programme=programme, kind=KokoaSession.Kind.REGULAR, weekday=weekday,
                                       title=fields.pop("title", "通常の日"),
                                       starts_at=datetime.time(14, 0), ends_at=datetime.time(17, 0), **fields)


def special_session(programme, day, *, capacity=None, **fields):
    return KokoaSession.objects.create(programme=programme, kind=KokoaSession.Kind.SPECIAL, date=day,
                                       title=fields.pop("title", "夏休み工作教室"), capacity=capacity,
                                       starts_at=datetime.time(9, 0), ends_at=datetime.time(12, 0), **fields)


def kokoa_child(programme, *, weekdays=(0, 2), household=None, **child_fields):
    h = household or sensitive_household()
    child_fields.setdefault("birth_date", birth_date_for_grade(3))
    c = b.child(h, school=programme.school, **child_fields)
    registration = KokoaRegistration.objects.create(programme=programme, child=c, weekdays=list(weekdays))
    return c, registration


def request_session(registration, session, status=KokoaSessionRequest.Status.GRANTED):
    return KokoaSessionRequest.objects.create(registration=registration, session=session, status=status)
