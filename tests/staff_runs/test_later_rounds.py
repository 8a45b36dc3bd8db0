"""After the first round: a later round ranks the children still waiting over the places left and
promotes them (waitlisted → offered); promotions one by one; publication; two clicks on "start"
start one run. KoKoA allocations: test_kokoa_programme.py."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from enrollment.models import (
    AllocationRun,
    Application,
    Enrollment,
    Offer,
    Round,
)
from enrollment.services import ServiceError
from enrollment.services.offers import offer_accept, offer_decline
from enrollment.services.rounds import (
    round_publish,
    rounds_publish_due,
    waitlist_promote_all,
)
from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start
from tests import builders as b
from tests.staff_runs.builders import applicants, city, closed_round

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2027, 1, 20)


def run_and_commit(rnd, staff, **options):
    run = allocation_run_start(round_=rnd, actor=staff, ties=options.pop("ties", "maximize_placed"),
                               seed=options.pop("seed", 5), enqueue=False, **options)
    run = allocation_run_execute(run_id=run.pk)
    assert run.status == AllocationRun.Status.FINISHED, run.error
    return allocation_run_commit(run=run, actor=staff, today=TODAY)


def family_of(application):
    return b.family_user(application.child.household)


def monthly_round(fy, first):
    return closed_round(fy, kind=Round.Kind.MONTHLY, name="5月入所", start_month=datetime.date(fy.year, 5, 1),
                        opens_at=first.opens_at + datetime.timedelta(days=60),
                        closes_at=first.opens_at + datetime.timedelta(days=61))


def test_a_monthly_run_promotes_a_waiting_child_into_a_place_freed_by_a_declined_offer():
    fy, rnd, clubs, apps = city(12)
    staff = b.staff_user()
    run_and_commit(rnd, staff)
    offered = [a for a in apps if Application.objects.get(pk=a.pk).status == Application.Status.OFFERED]
    waiting = Application.objects.filter(round=rnd, status=Application.Status.WAITLISTED)
    assert len(offered) == 10 and waiting.count() == 2
    offer_decline(application=offered[0], actor=family_of(offered[0]))
    offer_accept(application=offered[1], actor=family_of(offered[1]), today=TODAY)

    later = monthly_round(fy, rnd)
    newcomer = applicants(later, clubs, 1, school=clubs[0].school, start=100,
                          grade_birth=datetime.date(2016, 5, 1))[0]  # grade 5: group 2, ranked after
    run_and_commit(later, staff)

    promoted = Application.objects.filter(round=rnd, status=Application.Status.OFFERED).exclude(
        pk__in=[a.pk for a in offered])
    assert promoted.count() == 1
    assert Offer.objects.get(application=promoted.get(), status=Offer.Status.OPEN).club_id == \
        Offer.objects.get(application=offered[0]).club_id
    assert Application.objects.get(pk=newcomer.pk).status == Application.Status.WAITLISTED
    assert Application.objects.filter(round=rnd, status=Application.Status.WAITLISTED).count() == 1


def test_a_child_waiting_from_an_earlier_round_who_applies_again_is_ranked_once():
    from enrollment.allocation_bridge import build_problem

    fy, rnd, clubs, apps = city(11)
    staff = b.staff_user()
    run_and_commit(rnd, staff)
    waiting = Application.objects.get(round=rnd, status=Application.Status.WAITLISTED)
    later = monthly_round(fy, rnd)
    again = b.application(waiting.child, rnd=later, clubs=clubs[::-1], status=Application.Status.ACCEPTED)
    ids = [c.id for c in build_problem(later, ties="maximize_placed", seed=1).problem.children]
    assert len(ids) == 1 and ids[0].endswith(str(again.pk))


def test_promotion_offers_freed_places_in_waitlist_order_and_never_beyond_the_intake_cap():
    fy, rnd, clubs, apps = city(12)
    staff = b.staff_user()
    run_and_commit(rnd, staff)
    offered = Application.objects.filter(round=rnd, status=Application.Status.OFFERED).select_related("child")
    first = offered.filter(offers__club=clubs[0]).first()
    enrolment = offer_accept(application=first, actor=family_of(first), today=TODAY)
    Enrollment.objects.filter(pk=enrolment.pk).update(end_date=datetime.date(2027, 4, 30))
    assert waitlist_promote_all(actor=staff, on=datetime.date(2027, 4, 1), respond_by=TODAY) == []
    offers = waitlist_promote_all(actor=staff, on=datetime.date(2027, 5, 1), respond_by=TODAY)
    assert len(offers) == 1 and offers[0].club == clubs[0]
    assert offers[0].application.status == Application.Status.OFFERED


def test_results_are_published_on_the_chosen_moment():
    _fy, rnd, _clubs, _apps = city(2)
    staff = b.staff_user()
    with pytest.raises(ServiceError):
        round_publish(round_=rnd, actor=staff, publish_at=timezone.now())
    run_and_commit(rnd, staff)
    moment = timezone.now() + datetime.timedelta(days=2)
    round_publish(round_=rnd, actor=staff, publish_at=moment)
    assert rounds_publish_due(now=moment - datetime.timedelta(seconds=1)) == 0
    assert Round.objects.get(pk=rnd.pk).status == Round.Status.COMMITTED
    assert rounds_publish_due(now=moment) == 1
    assert Round.objects.get(pk=rnd.pk).status == Round.Status.PUBLISHED
    with pytest.raises(ServiceError):
        round_publish(round_=rnd, actor=staff, publish_at=moment)


def test_read_only_staff_cannot_publish_or_promote():
    _fy, rnd, _clubs, _apps = city(2)
    reader = b.staff_user(read_only=True)
    with pytest.raises(ServiceError):
        round_publish(round_=rnd, actor=reader, publish_at=timezone.now())
    with pytest.raises(ServiceError):
        waitlist_promote_all(actor=reader, on=TODAY, respond_by=TODAY)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_started_twice_at_once_runs_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers with partial unique indexes")
    _fy, rnd, _clubs, _apps = city(3)
    staff = b.staff_user()
    barrier = threading.Barrier(2)
    started, refused, errors = [], [], []

    def click():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            started.append(allocation_run_start(round_=rnd, actor=staff, ties="maximize_placed", seed=1,
                                                enqueue=False))
        except ServiceError as error:
            refused.append(error.code)
        except BaseException as error:
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(started) == 1 and refused == ["run_active"]
    assert AllocationRun.objects.filter(round=rnd).count() == 1
