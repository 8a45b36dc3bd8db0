"""A whole year, as staff live it: set up, open a round, a few hundred applications arrive, staff
accept and return some, run twice with different settings, compare, commit one, publish; a family
accepts, another withdraws; a monthly round promotes the next child; the statistics match a
count made here from the rows themselves. Runs on SQLite and PostgreSQL (DATABASE_URL)."""

import datetime
import io
import random
from collections import Counter
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import AllocationRun, Application, Enrollment, Offer, Round
from enrollment.selectors import statistics as stats
from enrollment.selectors.runs import compare_runs
from enrollment.services.applications import application_accept, application_return, application_submit
from enrollment.services.offers import enrollment_withdraw, offer_accept
from enrollment.services.rounds import round_publish, rounds_publish_due
from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start
from enrollment.services.setup import round_close, round_open
from tests import builders as b

pytestmark = pytest.mark.django_db
APPLICANTS = 240
DECISION_DAY = datetime.date(2027, 1, 25)


def set_up_the_year():
    fy = b.fiscal_year(2027)
    districts = [b.district(), b.district()]
    schools = [b.school(district=districts[n % 2]) for n in range(3)]
    # Floor areas give 定員 30, 20, 40, 25, 30, 15 (area ÷ 1.65); intake caps ×1.10.
    areas = ["49.50", "33.00", "66.00", "41.25", "49.50", "24.75"]
    clubs = [b.club(school=schools[n % 3], floor_area_m2=Decimal(area)) for n, area in enumerate(areas)]
    now = timezone.now()
    first = b.round_(fy, status=Round.Status.PLANNED, opens_at=now - datetime.timedelta(days=10),
                     closes_at=now + datetime.timedelta(days=10))
    return fy, schools, clubs, first


def applications_arrive(first, schools, clubs, rng):
    apps = []
    for n in range(APPLICANTS):
        household = b.household(guardians=1 if rng.random() < 0.2 else 2, single_parent=rng.random() < 0.2)
        if rng.random() < 0.15:
            household.guardians.filter(order=1).update(days_per_month=rng.choice([12, 16]))
        school = rng.choice(schools)
        birth_year = rng.choice([2020, 2020, 2019, 2019, 2018, 2017, 2016])
        child = b.child(household, school=school, given_name=f"子{n}", birth_date=datetime.date(birth_year, 6, 1),
                        needs_support=rng.random() < 0.04)
        near = [c for c in clubs if c.school == school]
        others = [c for c in clubs if c.school != school]
        choices = near + rng.sample(others, rng.randint(0, 2))
        application = b.application(child, rnd=first, clubs=choices)
        apps.append(application_submit(application=application, actor=b.family_user(household)))
    return apps


def test_a_whole_year(client):
    rng = random.Random(2027)
    staff = b.staff_user()
    fy, schools, clubs, first = set_up_the_year()
    round_open(actor=staff, round_=first)
    apps = applications_arrive(first, schools, clubs, rng)
    assert len({a.receipt_number for a in apps}) == APPLICANTS

    returned = apps[:8]
    for application in returned:
        application_return(application=application, actor=staff, comment="就労証明書の日付を確認してください。")
    for application in apps[8:]:
        application_accept(application=application, actor=staff)
    round_close(actor=staff, round_=Round.objects.get(pk=first.pk))
    first.refresh_from_db()

    # Two runs with different settings, then the comparison child by child.
    plain = allocation_run_execute(run_id=allocation_run_start(
        round_=first, actor=staff, ties="lottery_first", seed=17, enqueue=False).pk)
    elastic = allocation_run_execute(run_id=allocation_run_start(
        round_=first, actor=staff, ties="maximize_placed", seed=17, enqueue=False,
        elastic_ratios={c.code: "1.20" for c in clubs}).pk)
    assert plain.status == elastic.status == AllocationRun.Status.FINISHED
    assert not [v for v in elastic.violations if v["fatal"]]
    comparison = compare_runs(plain, elastic)
    assert comparison.counts["gains"] - comparison.counts["loses"] == elastic.placed - plain.placed > 0
    ranked = len(elastic.problem["children"]) + len(elastic.problem["referrals"])
    assert sum(comparison.counts.values()) == ranked
    assert ranked + len(elastic.problem["refused"]) == APPLICANTS - len(returned)

    allocation_run_commit(run=elastic, actor=staff, today=DECISION_DAY)
    with pytest.raises(Exception):
        allocation_run_commit(run=plain, actor=staff, today=DECISION_DAY)
    assert AllocationRun.objects.get(pk=plain.pk).status == AllocationRun.Status.SUPERSEDED
    offered = Application.objects.filter(round=first, status=Application.Status.OFFERED).select_related("child")
    waiting = Application.objects.filter(round=first, status=Application.Status.WAITLISTED)
    assert offered.count() == elastic.placed and waiting.count() == elastic.unplaced > 0
    for club in clubs:
        assert Offer.objects.filter(club=club).count() <= int(club.capacity * Decimal("1.20"))

    publish_at = timezone.now() + datetime.timedelta(days=1)
    round_publish(round_=first, actor=staff, publish_at=publish_at)
    assert rounds_publish_due(now=publish_at) == 1

    # A family accepts; another family, having accepted, leaves the club at the end of April.
    accepting, leaving = list(offered[:2])
    offer_accept(application=accepting, actor=b.family_user(accepting.child.household), today=DECISION_DAY)
    enrolment = offer_accept(application=leaving, actor=b.family_user(leaving.child.household), today=DECISION_DAY)
    enrollment_withdraw(enrollment=enrolment, actor=b.family_user(leaving.child.household),
                        leave_date=datetime.date(2027, 4, 30), today=DECISION_DAY)
    freed_club = enrolment.club

    # The May round: its run ranks the children still waiting over the places left.
    monthly = b.round_(fy, kind=Round.Kind.MONTHLY, name="5月入所", start_month=datetime.date(2027, 5, 1),
                       status=Round.Status.CLOSED, opens_at=first.opens_at + datetime.timedelta(days=1),
                       closes_at=first.opens_at + datetime.timedelta(days=2))
    next_child = (Application.objects.filter(round=first, status=Application.Status.WAITLISTED,
                                             waitlist_entries__club=freed_club, waitlist_entries__active=True)
                  .order_by("waitlist_entries__position").first())
    may = allocation_run_execute(run_id=allocation_run_start(
        round_=monthly, actor=staff, ties="maximize_placed", seed=5, enqueue=False).pk)
    assert may.status == AllocationRun.Status.FINISHED
    allocation_run_commit(run=may, actor=staff, today=DECISION_DAY)
    promoted = Application.objects.filter(round=first, status=Application.Status.OFFERED,
                                          offers__run=may)
    assert promoted.count() >= 1
    assert next_child is not None and promoted.filter(offers__club=freed_club).exists()

    # Statistics against a count made from the rows.
    still_waiting = Application.objects.filter(round__fiscal_year=fy, status=Application.Status.WAITLISTED)
    expected = Counter()
    for application in still_waiting:
        first_club = application.choices.get(rank=1).club
        band = "1〜3年" if application.child.grade_in(2027) <= 3 else "4〜6年"
        expected[(first_club.name, band)] += 1
    waiting_table = stats.waiting_frame(fy).to_dict("records")
    assert {(r["クラブ"], r["学年区分"]): r["待機児童数"] for r in waiting_table} == dict(expected)
    survey = stats.may_survey_frame(fy)
    registered_on_may_1 = Enrollment.objects.filter(start_date__lte=datetime.date(2027, 5, 1)).exclude(
        end_date__lt=datetime.date(2027, 5, 1)).count()
    assert survey["登録児童 計"].sum() == registered_on_may_1 == 1
    assert survey["待機児童 計"].sum() == still_waiting.count()
    in_play = {"submitted", "returned", "accepted", "offered", "waitlisted", "decided"}
    first_choices = Counter(a.choices.get(rank=1).club.code for a in Application.objects.filter(round=first)
                            if a.status in in_play)
    assert {d.key: d.first_choice for d in stats.demand_by_club(first)} == {
        c.code: first_choices[c.code] for c in clubs}

    # The workbook staff download says the same.
    client.force_login(staff)
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("staff_stats_xlsx", args=[first.pk])).content))
    rows = list(book["待機児童"].iter_rows(min_row=2, values_only=True))
    assert sum(r[3] for r in rows) == still_waiting.count()
    statuses = Counter(r[1] for r in book["申請一覧"].iter_rows(min_row=2, values_only=True))
    assert sum(statuses.values()) == APPLICANTS
