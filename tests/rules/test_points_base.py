"""Base points (基準指数), one test per row of DOMAIN.md's table."""

from datetime import date

import pytest

from enrollment.rules import compute_points, load_default_ruleset

from .builders import APRIL_1, D, child, default_document, guardian, household, ruleset_with, worker

RULES = load_default_ruleset()


def base_of(g, *, reference_date=APRIL_1):
    """The points and rule of guardian ``g``, next to a guardian who scores the maximum (20),
    so that the household's lowest is ``g``'s."""
    breakdown = compute_points(
        RULES, household(g, worker(20, "8")), child(), reference_date=reference_date
    )
    line = breakdown.guardians[0].rule
    assert breakdown.base == min(line.points, D(20))
    return line


@pytest.mark.parametrize(
    "days, hours, points, label",
    [
        # row "work outside home, >=20 days x >=8/7/6/5/4 h = 20/19/18/17/16"
        (20, "8", 20, "Work outside home, 20+ days × 8+ h"),
        (20, "7", 19, "Work outside home, 20+ days × 7+ h"),
        (20, "6", 18, "Work outside home, 20+ days × 6+ h"),
        (20, "5", 17, "Work outside home, 20+ days × 5+ h"),
        (20, "4", 16, "Work outside home, 20+ days × 4+ h"),
        # row "work outside home, >=16 days x 8/7/6/5/4 h = 19/18/17/16/15"
        (16, "8", 19, "Work outside home, 16+ days × 8+ h"),
        (16, "7", 18, "Work outside home, 16+ days × 7+ h"),
        (16, "6", 17, "Work outside home, 16+ days × 6+ h"),
        (16, "5", 16, "Work outside home, 16+ days × 5+ h"),
        (16, "4", 15, "Work outside home, 16+ days × 4+ h"),
        # row "work outside home, >=12 days x >=8/>=6/>=4 h = 16/15/14"
        (12, "8", 16, "Work outside home, 12+ days × 8+ h"),
        (12, "6", 15, "Work outside home, 12+ days × 6+ h"),
        (12, "4", 14, "Work outside home, 12+ days × 4+ h"),
    ],
)
def test_it_scores_every_row_of_the_work_outside_home_table(days, hours, points, label):
    line = base_of(worker(days, hours))
    assert line.points == points
    assert line.code == "work"
    assert line.label == label


@pytest.mark.parametrize(
    "days, hours, points",
    [
        (31, "12", 20),  # more than the top row still earns the top row
        (20, "7.5", 19),  # between rows: the lower hours row
        (19, "8", 19),  # 19 days fall to the 16-day rows
        (15, "8", 16),  # 15 days fall to the 12-day rows
        (12, "7", 15),  # the 12-day rows skip 7 h and 5 h
        (12, "5", 14),
    ],
)
def test_it_takes_the_best_row_the_guardian_reaches(days, hours, points):
    assert base_of(worker(days, hours)).points == points


@pytest.mark.parametrize("days, hours", [(11, "8"), (20, "3.5")])
def test_it_gives_no_points_below_the_lowest_work_row(days, hours):
    line = base_of(worker(days, hours))
    assert line.points == 0
    assert line.code == "below_lowest_tier"


def test_it_gives_work_at_home_the_outside_points_minus_2():
    # row "work at home, family business helper, piecework: as above, minus 2"
    assert base_of(worker(20, "8", works_at_home=True)).points == 18
    line = base_of(worker(12, "4", works_at_home=True))
    assert line.points == 12
    assert line.code == "work_at_home"
    assert line.label == "Work at home, 12+ days × 4+ h"


def test_it_gives_a_job_offer_not_yet_started_the_work_points_minus_1():
    # row "job offer, not yet started: as above, minus 1"
    line = base_of(guardian("job_offer", days_per_month=16, hours_per_day=D(8)))
    assert line.points == 18
    assert line.label == "Job offer not yet started, 16+ days × 8+ h"


def test_it_takes_both_deductions_for_a_job_offer_at_home():
    line = base_of(guardian("job_offer", works_at_home=True))
    assert line.points == 20 - 2 - 1
    assert line.code == "job_offer_at_home"


def test_it_gives_childbirth_18_within_two_months_of_the_expected_month():
    # row "childbirth: the expected month +- 2 months = 18"
    line = base_of(guardian("childbirth", expected_birth_date=date(2026, 6, 15)))
    assert line.points == 18
    assert line.params == {"month": "2026-06", "start": "2026-04-01", "end": "2026-08-31"}


@pytest.mark.parametrize(
    "expected, reference",
    [
        (date(2026, 6, 15), date(2026, 3, 31)),  # the day before the period starts
        (date(2026, 6, 15), date(2026, 9, 1)),  # the day after it ends
    ],
)
def test_it_gives_childbirth_nothing_outside_the_period(expected, reference):
    line = base_of(guardian("childbirth", expected_birth_date=expected), reference_date=reference)
    assert line.points == 0
    assert line.code == "childbirth_outside_period"


def test_it_counts_the_childbirth_period_across_the_year_end():
    line = base_of(
        guardian("childbirth", expected_birth_date=date(2026, 2, 10)),
        reference_date=date(2025, 12, 1),
    )
    assert line.points == 18


@pytest.mark.parametrize(
    "level, points",
    [("hospitalised", 20), ("outpatient_3plus", 18), ("outpatient_1_2", 16), ("other", 12)],
)
def test_it_scores_every_illness_level(level, points):
    # row "illness: hospitalised or bedridden / outpatient >=3 days / 1-2 days / other"
    line = base_of(guardian("illness", illness_level=level))
    assert line.points == points
    assert line.code == f"illness_{level}"


@pytest.mark.parametrize("grade, points", [("1-2", 20), ("3", 18), ("4", 16)])
def test_it_scores_every_disability_grade(grade, points):
    # row "guardian's own disability: grade 1-2 / 3 / 4 = 20 / 18 / 16"
    assert base_of(guardian("disability", disability_grade=grade)).points == points


@pytest.mark.parametrize(
    "level, points",
    [("fulltime_severe", 20), ("moderate", 18), ("accompany_4days", 16), ("other", 12)],
)
def test_it_scores_every_nursing_care_level(level, points):
    # row "nursing care of a relative: full-time severe / moderate / accompanying / other"
    assert base_of(guardian("nursing_care", care_level=level)).points == points


def test_it_gives_disaster_recovery_20():
    # row "disaster recovery = 20"
    line = base_of(guardian("disaster"))
    assert (line.points, line.label) == (20, "Disaster recovery")


@pytest.mark.parametrize("kind", ["death", "separation", "missing", "detention"])
def test_it_gives_an_absent_guardian_20(kind):
    # row "guardian absent: death, separation, missing, detention = 20"
    line = base_of(guardian("absent", absence_kind=kind))
    assert line.points == 20
    assert line.code == f"absent_{kind}"


def test_it_scores_study_as_work_capped_at_18():
    # row "study or vocational training: by hours, as work, at most 18"
    assert base_of(guardian("study", days_per_month=20, hours_per_day=D(8))).points == 18
    assert base_of(guardian("study", days_per_month=16, hours_per_day=D(5))).points == 16
    line = base_of(guardian("study", days_per_month=12, hours_per_day=D(4)))
    assert line.points == 14
    assert line.label == "Study or vocational training, 12+ days × 4+ h (at most 18)"


def test_it_gives_job_seeking_10_for_three_months():
    # row "job-seeking: approval lasts 3 months = 10"
    line = base_of(guardian("job_seeking", job_seeking_since=date(2026, 1, 2)))
    assert line.points == 10
    assert line.params["until"] == "2026-04-01"


def test_it_gives_job_seeking_nothing_once_the_three_months_are_over():
    line = base_of(guardian("job_seeking", job_seeking_since=date(2026, 1, 1)))
    assert line.points == 0
    assert line.code == "job_seeking_ended"
    assert line.label == ("Job-seeking since 2026-01-01: the 3-month period ended on 2026-03-31")


def test_it_gives_parental_leave_nothing_before_the_month_of_return():
    line = base_of(guardian("parental_leave", leave_return_date=date(2026, 5, 20)))
    assert line.points == 0
    assert line.label == "Parental leave until 2026-05"


def test_it_scores_parental_leave_as_the_job_from_the_month_of_return():
    line = base_of(
        guardian("parental_leave", leave_return_date=date(2026, 5, 20), hours_per_day=D(7)),
        reference_date=date(2026, 5, 1),
    )
    assert line.points == 19
    assert line.code == "parental_leave_returned"


def test_it_gives_a_guardian_who_can_supervise_nothing():
    line = base_of(guardian("available"))
    assert line.points == 0
    assert line.label == "Can look after the child after school"


def test_the_order_of_the_work_rows_in_the_document_does_not_matter():
    reversed_tiers = list(reversed(default_document()["base_points"]["work"]["tiers"]))
    rules = ruleset_with(base_points__work={"tiers": reversed_tiers})
    for days, hours, expected in [(20, "8", 20), (16, "5", 16), (12, "7", 15), (25, "4", 16)]:
        h = household(worker(days, hours), worker())
        assert compute_points(rules, h, child(), reference_date=APRIL_1).base == expected
