"""Builders for the run tests: a small city whose clubs are too small for everyone."""

import datetime
from decimal import Decimal

from django.utils import timezone

from enrollment.models import Application, Round
from tests import builders as b


def small_club(school, **fields):
    # 8.25 m² / 1.65 = 5 places; the intake cap is ⌊5 × 1.10⌋ = 5.
    return b.club(school=school, **{"floor_area_m2": Decimal("8.25"), **fields})


def closed_round(fy=None, **fields):
    now = timezone.now()
    return b.round_(fy, **{"status": Round.Status.CLOSED, "opens_at": now - datetime.timedelta(days=30),
                           "closes_at": now - datetime.timedelta(days=1), **fields})


def applicants(rnd, clubs, count, *, school=None, start=0, grade_birth=datetime.date(2020, 5, 1)):
    """``count`` accepted applications, each asking for ``clubs`` in order."""
    apps = []
    for n in range(start, start + count):
        h = b.household()
        c = b.child(h, given_name=f"子{n}", school=school or clubs[0].school, birth_date=grade_birth)
        apps.append(b.application(c, rnd=rnd, clubs=clubs, status=Application.Status.ACCEPTED,
                                  receipt_number=f"R{rnd.pk}-{n:05d}"))
    return apps


def city(n_children=14):
    """Two small clubs (5 places each) and ``n_children`` accepted applications asking for both."""
    fy = b.fiscal_year()
    school = b.school()
    clubs = [small_club(school), small_club(school)]
    rnd = closed_round(fy)
    apps = applicants(rnd, clubs, n_children, school=school)
    return fy, rnd, clubs, apps
