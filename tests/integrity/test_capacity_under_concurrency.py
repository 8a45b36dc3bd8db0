"""Capacity is never exceeded, whatever the interleaving (issue 8), and the test can tell.

200 concurrent clients (threads, each with its own database connection) accept offers, decline
them, give notice of leaving, promote from the waitlist and commit a monthly run against a small
city whose clubs are full. At the end no club holds more children than its intake cap on the
reference day, and nothing failed except the refusals the services are meant to give.

The same storm against a deliberately naive ``waitlist_promote`` (a copy without the row locks)
must over-fill a club: that proves the storm exercises the race it claims to guard against.
Both storms widen the window between counting places and writing with the same short pause.

PostgreSQL only: SQLite serialises every writer, so there is no interleaving to test. The
server allows 100 connections and is shared, so the 200 clients go through a pool of
``DB_SESSIONS`` connections, as gunicorn workers would.
"""

import datetime
import random
import threading
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from enrollment.models import AllocationRun, Application, Club, Enrollment, Offer, Round, WaitlistEntry
from enrollment.services import ServiceError
from enrollment.services import offers as offers_service
from enrollment.services.applications import _require_staff_write, application_mark
from enrollment.services.offers import club_occupancy, enrollment_withdraw, offer_accept, offer_decline
from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start
from tests import builders as b

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 200
DB_SESSIONS = 40
FY = 2027
FIRST_DAY = datetime.date(FY, 4, 1)
LEAVE_DAY = datetime.date(FY, 4, 30)
REFERENCE_DAY = datetime.date(FY, 5, 1)  # promotions and the monthly round count places on this day
TODAY = datetime.date(FY, 1, 20)


@pytest.fixture(autouse=True)
def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises all writers, so nothing interleaves")


# --- the small city ------------------------------------------------------------------------------

def closed_round(fy, **fields):
    now = timezone.now()
    return b.round_(fy, **{"status": Round.Status.CLOSED, "opens_at": now - datetime.timedelta(days=30),
                           "closes_at": now - datetime.timedelta(days=1), **fields})


def applicants(rnd, clubs, school, count, tag):
    apps = []
    for n in range(count):
        child = b.child(b.household(), given_name=f"{tag}{n}", school=school)
        apps.append(b.application(child, rnd=rnd, clubs=random.Random(n).sample(clubs, len(clubs)),
                                  status=Application.Status.ACCEPTED, receipt_number=f"{tag}-{n:04d}"))
    return apps


def run(rnd, staff, *, commit=True):
    started = allocation_run_start(round_=rnd, actor=staff, ties="maximize_placed", seed=3, enqueue=False)
    finished = allocation_run_execute(run_id=started.pk)
    assert finished.status == AllocationRun.Status.FINISHED, finished.error
    return allocation_run_commit(run=finished, actor=staff, today=TODAY) if commit else finished


def small_city():
    """Three full clubs of 5 places, 36 first-round children (15 offered), a monthly round ready
    to commit, 8 children enrolled (who will give notice) and 7 offers still open."""
    fy = b.fiscal_year(FY)
    school = b.school()
    # 8.25 m² / 1.65 = 5 places; intake cap ⌊5 × 1.00⌋ = 5.
    clubs = [b.club(school=school, floor_area_m2=Decimal("8.25"), elastic_ratio=Decimal("1.00"))
             for _ in range(3)]
    staff = b.staff_user()
    first = closed_round(fy)
    applicants(first, clubs, school, 36, "一")
    run(first, staff)
    offered = list(Application.objects.filter(status=Application.Status.OFFERED).order_by("pk"))
    families = {a.pk: b.family_user(a.child.household) for a in offered}
    enrolled = []
    for application in offered[:8]:
        enrolled.append(offer_accept(application=application, actor=families[application.pk], today=TODAY))
    monthly = closed_round(fy, kind=Round.Kind.MONTHLY, name="5月入所", start_month=REFERENCE_DAY,
                           opens_at=first.opens_at + datetime.timedelta(days=60),
                           closes_at=first.opens_at + datetime.timedelta(days=61))
    applicants(monthly, clubs, school, 6, "五")
    monthly_run = run(monthly, staff, commit=False)
    return {"clubs": clubs, "staff": staff, "open": offered[8:], "enrolled": enrolled,
            "families": families, "monthly_run": monthly_run}


# --- the naive implementation the storm must catch ------------------------------------------------

@transaction.atomic
def naive_waitlist_promote(*, club, actor, on, respond_by):
    """``waitlist_promote`` as it would be without row locks: count, then write, unguarded.

    Like many a hand-rolled version it steps over a child someone else is promoting at the same
    moment (the database refuses a second open offer for one application) and offers the place
    to the next in line, so the duplicate-offer constraint cannot rescue it.
    """
    _require_staff_write(actor)
    club = Club.objects.get(pk=club.pk)
    if offers_service.club_occupancy(club, on=on) >= club.intake_cap:
        return None
    for entry in (WaitlistEntry.objects
                  .filter(club=club, active=True, application__status=Application.Status.WAITLISTED)
                  .order_by("run__created_at", "position").select_related("application")):
        try:
            with transaction.atomic():
                offer = Offer.objects.create(application=entry.application, club=club, run=entry.run,
                                             respond_by=respond_by)
                application_mark(application=entry.application, transition="offer", actor=actor)
                WaitlistEntry.objects.filter(application=entry.application).update(active=False)
                return offer
        except (IntegrityError, ServiceError):
            continue
    return None


# --- the storm -----------------------------------------------------------------------------------

def storm(city, promote):
    """Run CLIENTS concurrent clients; return (handled refusals, unhandled errors)."""
    staff, clubs = city["staff"], city["clubs"]
    respond_by = TODAY + datetime.timedelta(days=14)
    actions = []
    for application in city["open"]:
        family = city["families"][application.pk]
        actions.append(lambda a=application, f=family: offer_accept(application=a, actor=f, today=TODAY))
        actions.append(lambda a=application, f=family: offer_decline(application=a, actor=f))
    for enrollment in city["enrolled"]:
        family = city["families"][enrollment.application_id]
        for _ in range(2):  # a double-clicked notice
            actions.append(lambda e=enrollment, f=family: enrollment_withdraw(
                enrollment=e, actor=f, leave_date=LEAVE_DAY, today=TODAY))
    for _ in range(10):
        actions.append(lambda: allocation_run_commit(run=city["monthly_run"], actor=staff, today=TODAY))
    while len(actions) < CLIENTS:
        club = clubs[len(actions) % len(clubs)]
        actions.append(lambda c=club: promote(club=c, actor=staff, on=REFERENCE_DAY, respond_by=respond_by))
    random.Random(8).shuffle(actions)

    pool = threading.BoundedSemaphore(DB_SESSIONS)
    barrier = threading.Barrier(CLIENTS)
    refused, errors = [], []
    lock = threading.Lock()

    def client(action):
        from django.db import connection as thread_connection

        barrier.wait()
        with pool:
            try:
                action()
            except ServiceError as refusal:
                with lock:
                    refused.append(refusal.code)
            except BaseException as error:  # noqa: BLE001 - every other failure is the finding
                with lock:
                    errors.append(repr(error))
            finally:
                thread_connection.close()

    threads = [threading.Thread(target=client, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    return refused, errors


@pytest.fixture
def slow_count(monkeypatch):
    """Both storms get the same pause between counting places and writing."""
    real = offers_service.club_occupancy

    def counted_then_paused(club, *, on):
        taken = real(club, on=on)
        time.sleep(random.uniform(0.002, 0.02))
        return taken

    monkeypatch.setattr(offers_service, "club_occupancy", counted_then_paused)


def over_capacity(clubs):
    return {club.code: (club_occupancy(club, on=REFERENCE_DAY), club.intake_cap)
            for club in Club.objects.filter(pk__in=[c.pk for c in clubs])
            if club_occupancy(club, on=REFERENCE_DAY) > club.intake_cap}


def test_two_hundred_concurrent_clients_never_overfill_a_club(slow_count):
    city = small_city()
    refused, errors = storm(city, offers_service.waitlist_promote)
    assert errors == [], "\n".join(errors)
    assert over_capacity(city["clubs"]) == {}
    # The storm did real work: notices were given and freed places were filled again.
    assert Enrollment.objects.filter(end_date=LEAVE_DAY).count() == len(city["enrolled"])
    # Every first-round offer was answered, so an open offer now is a place given again.
    assert Offer.objects.filter(status=Offer.Status.OPEN).exists()
    assert "offer_closed" in refused


def test_the_storm_catches_a_promotion_without_locks(slow_count):
    city = small_city()
    storm(city, naive_waitlist_promote)
    assert over_capacity(city["clubs"]) != {}
