"""The generated population: deterministic, realistic, valid, and scored by the rules."""

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, F

from enrollment.demo import generate_population, load_demo_city, reset_demo
from enrollment.models import (
    Application,
    ApplicationChoice,
    Child,
    Enrollment,
    Guardian,
    Household,
    KokoaRegistration,
    KokoaSessionRequest,
    SiblingGroup,
)
from enrollment.services.points import application_points_refresh

pytestmark = pytest.mark.django_db


def _signature():
    """Everything a person would see of the population, without database ids."""
    households = []
    for h in Household.objects.prefetch_related("guardians", "children__school", "children__applications__choices__club").order_by("pk"):
        households.append((
            h.postal_code, h.address, h.address_extra, h.phone, h.single_parent, h.income_tax_previous,
            tuple((g.family_name, g.given_name, g.given_kana, g.reason, g.days_per_month, g.hours_per_day)
                  for g in h.guardians.all()),
            tuple((c.given_name, c.given_kana, c.birth_date, c.school.code, c.needs_support,
                   tuple((a.receipt_number, a.status, a.points,
                          tuple(ch.club.code for ch in sorted(a.choices.all(), key=lambda ch: ch.rank)))
                         for a in c.applications.all()))
                  for c in h.children.all()),
        ))
    return households


def test_the_same_seed_gives_the_same_city_and_another_seed_a_different_one():
    city = load_demo_city()
    generate_population(households=120, seed=11, round=city.first_round)
    first = _signature()

    reset_demo()
    city = load_demo_city()
    generate_population(households=120, seed=11, round=city.first_round)
    assert _signature() == first

    reset_demo()
    city = load_demo_city()
    generate_population(households=120, seed=12, round=city.first_round)
    other = _signature()
    assert len(other) == len(first)
    assert other != first
    assert [h[6][0][:2] for h in other] != [h[6][0][:2] for h in first]  # different names


def test_it_creates_the_number_of_households_asked_for(demo_population):
    _city, population = demo_population
    assert population.households == 1500 == Household.objects.count()
    assert population.applications == Application.objects.count()
    assert 1500 < population.applications < 1800


def test_about_one_household_in_eight_is_single_parent(demo_population):
    single = Household.objects.filter(single_parent=True)
    assert 0.09 <= single.count() / 1500 <= 0.15
    assert all(n == 1 for n in single.annotate(n=Count("guardians")).values_list("n", flat=True))
    two = Household.objects.filter(single_parent=False).annotate(n=Count("guardians")).values_list("n", flat=True)
    assert set(two) == {2}


def test_guardian_situations_come_in_realistic_proportions(demo_population):
    guardians = Guardian.objects.all()
    total = guardians.count()
    reasons = Counter(guardians.values_list("reason", flat=True))
    full_time = guardians.filter(reason="work", works_at_home=False, days_per_month__gte=20,
                                 hours_per_day__gte=7).count()
    part_time = guardians.filter(reason="work", works_at_home=False, hours_per_day__lt=7).count()
    at_home = guardians.filter(reason="work", works_at_home=True).count()
    assert 0.60 <= full_time / total <= 0.80
    assert 0.08 <= part_time / total <= 0.20
    assert 0.02 <= at_home / total <= 0.08
    for rare in ("illness", "nursing_care", "childbirth", "study", "job_seeking", "job_offer"):
        assert 0 < reasons[rare] / total <= 0.03, rare
    # Parents back from leave for their child's first school year are a common case.
    assert 0.01 <= reasons["parental_leave"] / total <= 0.05


def test_a_few_applications_are_not_eligible_and_say_why(demo_population):
    applications = list(Application.objects.all())
    refused = [a for a in applications if a.eligibility_problems]
    assert 0.02 <= len(refused) / len(applications) <= 0.08
    codes = Counter(p["code"] for a in refused for p in a.eligibility_problems)
    assert len(codes) >= 4
    assert all(p["message"] for a in refused for p in a.eligibility_problems)


def test_every_application_is_submitted_with_a_unique_receipt_number_in_submission_order(demo_population):
    city, population = demo_population
    applications = list(Application.objects.order_by("receipt_number"))
    assert {a.status for a in applications} <= {"submitted", "accepted", "returned"}
    assert all(re.fullmatch(r"27A-\d{5}", a.receipt_number) for a in applications)
    assert [a.submitted_at for a in applications] == sorted(a.submitted_at for a in applications)
    city.first_round.refresh_from_db()
    assert city.first_round.last_receipt_serial == population.applications
    assert all(city.first_round.is_open_at(a.submitted_at) for a in applications)
    assert all(a.return_comment for a in applications if a.status == "returned")
    statuses = Counter(a.status for a in applications)
    # Half already accepted, so staff can run an allocation in the demo straight away.
    assert 0.45 <= statuses["accepted"] / len(applications) <= 0.55
    assert all(a.accepted_at and a.accepted_at > a.submitted_at for a in applications if a.status == "accepted")


def test_children_are_in_grades_1_to_6_at_their_districts_school_and_mostly_in_the_lower_grades(demo_population):
    grades = Counter(a.child.grade_in(2027) for a in Application.objects.select_related("child"))
    assert set(grades) == {1, 2, 3, 4, 5, 6}
    assert grades[1] == max(grades.values())
    assert 0.70 <= (grades[1] + grades[2] + grades[3]) / sum(grades.values()) <= 0.85
    for household in Household.objects.prefetch_related("children")[:300]:
        assert len({c.school_id for c in household.children.all()}) == 1


def test_about_one_child_in_twenty_needs_support(demo_population):
    applying = Child.objects.filter(applications__isnull=False)
    share = applying.filter(needs_support=True).count() / applying.count()
    assert 0.03 <= share <= 0.07
    assert not applying.filter(needs_support=True, support_notes="").exists()


def test_about_fifteen_percent_of_the_children_apply_with_a_sibling_in_both_modes(demo_population):
    share = Application.objects.filter(sibling_group__isnull=False).count() / Application.objects.count()
    assert 0.10 <= share <= 0.20
    groups = SiblingGroup.objects.annotate(n=Count("applications"))
    assert set(groups.values_list("n", flat=True)) == {2}
    assert set(groups.values_list("mode", flat=True)) == {"together", "prefer"}
    for group in groups.filter(mode="together").prefetch_related("applications__choices"):
        lists = [tuple(c.club_id for c in a.choices.all()) for a in group.applications.all()]
        assert lists[0] == lists[1]


def test_every_application_ranks_one_to_five_clubs_mostly_in_its_own_district(demo_population):
    counts = Counter(Application.objects.annotate(n=Count("choices")).values_list("n", flat=True))
    assert set(counts) == {1, 2, 3, 4, 5}
    for application in Application.objects.prefetch_related("choices")[:500]:
        assert sorted(c.rank for c in application.choices.all()) == list(range(1, application.choices.count() + 1))
    first = ApplicationChoice.objects.filter(rank=1)
    in_district = first.filter(club__school__district=F("application__child__school__district")).count()
    assert 0.80 <= in_district / first.count() <= 0.98
    for choice in ApplicationChoice.objects.select_related("club", "application__child")[:2000]:
        assert choice.club.serves_grade(choice.application.child.grade_in(2027))


def test_continuing_children_hold_this_years_place_at_a_club_within_its_intake_cap(demo_population):
    continuing = Application.objects.filter(continuing_club__isnull=False)
    assert 0.30 <= continuing.count() / Application.objects.count() <= 0.60
    assert not continuing.filter(child__birth_date__gt="2020-04-01").exists()  # no first-graders
    for club_id, n in Counter(continuing.values_list("continuing_club", flat=True)).items():
        enrolments = Enrollment.objects.filter(club_id=club_id)
        assert enrolments.count() == n
        assert n <= enrolments.first().club.intake_cap
    assert set(Enrollment.objects.values_list("end_date", flat=True)) == {
        Enrollment.objects.first().start_date.replace(year=2027, month=3, day=31)}
    most = continuing.filter(choices__rank=1, choices__club=F("continuing_club")).count()
    assert most / continuing.count() >= 0.8


def test_stored_points_are_what_the_points_service_computes(demo_population):
    city, _population = demo_population
    sample = Application.objects.order_by("pk")[::25]
    for application in sample:
        stored = (application.points, application.points_breakdown, application.eligibility_problems)
        application_points_refresh(application=application, today=city.first_round.start_month, save=False)
        assert (application.points, application.points_breakdown, application.eligibility_problems) == stored
    assert Application.objects.filter(points__isnull=True).count() == 0
    assert Application.objects.filter(points__gte=Decimal("20")).count() > Application.objects.count() / 2


def test_many_children_register_for_kokoa_and_some_ask_for_the_special_sessions(demo_population):
    registrations = KokoaRegistration.objects.select_related("child", "programme")
    assert 0.30 <= registrations.count() / Child.objects.count() <= 0.60
    assert all(r.programme.school_id == r.child.school_id for r in registrations)
    assert all(r.weekdays and set(r.weekdays) <= {0, 1, 2, 3, 4} for r in registrations)
    # Some children who do not apply for a club come to KoKoA too.
    assert registrations.filter(child__applications__isnull=True).exists()
    requested = Counter(KokoaSessionRequest.objects.values_list("session__title", "session__capacity"))
    assert sum(requested.values()) > 100
    assert any(n > capacity for (_title, capacity), n in requested.items())  # something to allocate


def test_names_are_japanese_with_katakana_readings_and_include_rare_kanji(demo_population):
    katakana = re.compile(r"^[\u30A0-\u30FF]+$")
    families = set()
    for person in list(Guardian.objects.all()) + list(Child.objects.all()):
        assert katakana.match(person.family_kana) and katakana.match(person.given_kana), person
        families.add(person.family_name)
    rare = {"𠮷田", "髙橋", "山﨑", "宮﨑", "濵田", "齋藤", "渡邊", "葛\U000E0100西"}
    assert len(families & rare) >= 4
    assert len(families) > 60


def test_every_generated_row_passes_model_validation(demo_population):
    # Field validation (validators, choices, lengths, blanks) for every row. The constraints
    # were already enforced by the database on insert; checking them row by row costs a query
    # each, so a sample gets the complete full_clean.
    for model in (Household, Guardian, Child, Application):
        rows = list(model.objects.all())
        for row in rows:
            row.full_clean(validate_unique=False, validate_constraints=False)
        for row in rows[::50]:
            row.full_clean()


def test_addresses_are_in_the_city_with_its_postal_codes(demo_population):
    for household in Household.objects.all():
        assert re.fullmatch(r"201-00(0[1-9]|1[0-2])", household.postal_code)
        assert household.address.startswith("東京都泊江市")


@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5, 6])
def test_a_cohorts_birth_dates_give_exactly_that_grade(grade):
    from enrollment.demo import cohort_birth_range
    from enrollment.rules import school_grade

    first, last = cohort_birth_range(grade, 2027)
    assert school_grade(first, 2027) == grade
    assert school_grade(last, 2027) == grade
    assert school_grade(first - timedelta(days=1), 2027) == grade + 1
    assert school_grade(last + timedelta(days=1), 2027) == grade - 1
