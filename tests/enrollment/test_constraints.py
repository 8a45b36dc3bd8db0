"""The invariants the database itself holds, whatever code writes to it (run on PostgreSQL in CI)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from enrollment.models import (
    AllocationRun,
    Application,
    ApplicationChoice,
    Club,
    ClubGradeLimit,
    Enrollment,
    Guardian,
    KokoaProgramme,
    KokoaSession,
    Offer,
    User,
    WaitlistEntry,
)
from tests import builders

pytestmark = pytest.mark.django_db


def refused(write):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            write()


def test_choice_ranks_are_unique_per_application():
    club_a, club_b = builders.club(), builders.club()
    app = builders.application(clubs=[club_a])
    refused(lambda: ApplicationChoice.objects.create(application=app, rank=1, club=club_b))


def test_a_club_is_chosen_once_per_application():
    club = builders.club()
    app = builders.application(clubs=[club])
    refused(lambda: ApplicationChoice.objects.create(application=app, rank=2, club=club))


def test_choice_rank_is_between_one_and_five():
    app = builders.application()
    refused(lambda: ApplicationChoice.objects.create(application=app, rank=6, club=builders.club()))
    refused(lambda: ApplicationChoice.objects.create(application=app, rank=0, club=builders.club()))


def test_one_live_application_per_child_and_round():
    app = builders.application()
    refused(lambda: builders.application(app.child, rnd=app.round))


def test_a_withdrawn_application_does_not_block_a_new_one():
    app = builders.application(status=Application.Status.WITHDRAWN)
    again = builders.application(app.child, rnd=app.round)
    assert again.pk != app.pk


def test_status_values_are_checked():
    app = builders.application()
    refused(lambda: Application.objects.filter(pk=app.pk).update(status="approved"))


def test_club_capacity_inputs_are_positive():
    refused(lambda: builders.club(floor_area_m2=Decimal("0")))
    refused(lambda: builders.club(care_units=0))


def test_elastic_ratio_stays_within_bounds():
    refused(lambda: builders.club(elastic_ratio=Decimal("1.25")))
    refused(lambda: builders.club(elastic_ratio=Decimal("0.95")))
    assert builders.club(elastic_ratio=Decimal("1.20")).intake_cap == 48


def test_club_grade_range_is_ordered():
    refused(lambda: builders.club(grade_min=4, grade_max=3))
    refused(lambda: builders.club(grade_max=7))


def test_grade_band_limits_are_valid_and_unique():
    club = builders.club()
    refused(lambda: ClubGradeLimit.objects.create(club=club, grade_lo=5, grade_hi=4, limit=3))
    ClubGradeLimit.objects.create(club=club, grade_lo=4, grade_hi=6, limit=10)
    refused(lambda: ClubGradeLimit.objects.create(club=club, grade_lo=4, grade_hi=6, limit=5))


def test_a_household_has_at_most_guardians_one_and_two():
    household = builders.household(guardians=2)
    refused(lambda: builders.guardian(household, order=2))
    refused(lambda: builders.guardian(household, order=3))


def test_guardian_hours_and_days_are_in_range():
    household = builders.household(guardians=0)
    refused(lambda: builders.guardian(household, hours_per_day=Decimal("25")))
    refused(lambda: builders.guardian(household, hours_per_day=Decimal("-1")))
    refused(lambda: builders.guardian(household, days_per_month=32))
    refused(lambda: builders.guardian(household, reason="holiday"))


def test_roles_carry_their_scope():
    refused(lambda: User.objects.create(email="op@example.jp", role=User.Role.OPERATOR))
    refused(lambda: User.objects.create(email="st@example.jp", role=User.Role.STAFF))
    refused(lambda: User.objects.create(email="fam@example.jp", role=User.Role.FAMILY,
                                        staff_level=User.StaffLevel.FULL))


def test_one_committed_run_per_round():
    rnd = builders.round_()
    AllocationRun.objects.create(round=rnd, ties="maximize_placed", seed=1, status="committed")
    refused(lambda: AllocationRun.objects.create(round=rnd, ties="maximize_placed", seed=2, status="committed"))


def test_one_queued_or_running_run_per_round():
    rnd = builders.round_()
    AllocationRun.objects.create(round=rnd, ties="maximize_placed", seed=1)
    refused(lambda: AllocationRun.objects.create(round=rnd, ties="lottery_first", seed=2, status="running"))


def test_one_live_offer_per_application():
    club = builders.club()
    app = builders.application(clubs=[club], status=Application.Status.OFFERED)
    Offer.objects.create(application=app, club=club, respond_by=datetime.date(2027, 2, 20))
    refused(lambda: Offer.objects.create(application=app, club=club, respond_by=datetime.date(2027, 2, 20)))


def test_waitlist_positions_are_unique_per_club_and_run():
    club = builders.club()
    rnd = builders.round_()
    run = AllocationRun.objects.create(round=rnd, ties="maximize_placed", seed=1)
    a, b = builders.application(rnd=rnd), builders.application(rnd=rnd)
    WaitlistEntry.objects.create(application=a, club=club, run=run, position=1)
    refused(lambda: WaitlistEntry.objects.create(application=b, club=club, run=run, position=1))
    refused(lambda: WaitlistEntry.objects.create(application=b, club=club, run=run, position=0))


def test_enrollment_ends_after_it_starts():
    club = builders.club()
    child = builders.child()
    refused(lambda: Enrollment.objects.create(child=child, club=club, start_date=datetime.date(2027, 4, 1),
                                              end_date=datetime.date(2027, 3, 31)))


def test_kokoa_sessions_are_weekly_or_dated():
    import datetime as dt

    school = builders.school()
    programme = KokoaProgramme.objects.create(school=school, fiscal_year=builders.fiscal_year(),
                                              operator=builders.operator(), name="KoKoA")
    times = {"starts_at": dt.time(14), "ends_at": dt.time(17)}
    refused(lambda: KokoaSession.objects.create(programme=programme, kind="regular", title="x", **times))
    refused(lambda: KokoaSession.objects.create(programme=programme, kind="special", title="x", **times))
    refused(lambda: KokoaSession.objects.create(programme=programme, kind="special", title="x",
                                                date=dt.date(2027, 8, 1), capacity=0, **times))
    refused(lambda: KokoaSession.objects.create(programme=programme, kind="regular", title="x", weekday=0,
                                                starts_at=dt.time(17), ends_at=dt.time(14)))


def test_capacity_is_derived_from_area_and_units():
    assert builders.club(floor_area_m2=Decimal("66.00"), care_units=1).capacity == 40
    assert builders.club(floor_area_m2=Decimal("65.99"), care_units=1).capacity == 39
    assert builders.club(floor_area_m2=Decimal("140.00"), care_units=2).capacity == 80
    club = builders.club(floor_area_m2=Decimal("100"), care_units=2, elastic_ratio=Decimal("1.10"))
    assert (club.capacity, club.intake_cap) == (60, 66)
