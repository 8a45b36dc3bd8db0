"""Synthetic but realistic cities for tests, benchmarks and demos.

``generate_city(children, seed)`` builds a deterministic problem that looks like a first-round
intake in a Tokyo-area city (DOMAIN.md): schools on a grid, each the centre of its district,
clubs of about 40 places near the schools, total capacity about 85 % of demand, one to five
choices biased towards the home district, points drawn from the city's points and adjustment
tables (so ties are frequent), about 5 % of children needing support, about 15 % of children
in sibling units of both modes, grade-band limits at some clubs, out-of-district marks and
club-specific points for continuing children and siblings.

The same arguments always give the same problem: only ``random.Random(seed)`` is used, and it
is consumed in a fixed order.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal

from allocation.model import (
    Child,
    Club,
    GradeLimit,
    Policy,
    Problem,
    SiblingLink,
    SiblingMode,
    Ties,
)

# Grades of applicants: after-school care is mostly asked for in the lower grades.
_GRADE_WEIGHTS = (26, 23, 20, 14, 10, 7)
# DOMAIN.md adjustments for the grade in the year applied for.
_GRADE_POINTS = {1: 3, 2: 2, 3: 1, 4: 0, 5: -1, 6: -2}
# Number of clubs listed, 1..5.
_CHOICE_WEIGHTS = (30, 25, 20, 15, 10)

# One guardian's reason, as (base points, working days per month or 0, weight). The table is
# DOMAIN.md's points table, weighted so full-time work dominates as it does in real intakes.
_REASONS = (
    (20, 20, 36),  # work outside home, >=20 days x >=8 h
    (19, 20, 12),
    (18, 20, 7),
    (17, 20, 4),
    (16, 20, 3),
    (19, 16, 3),  # >=16 days
    (18, 16, 3),
    (17, 16, 2),
    (16, 16, 2),
    (15, 16, 1),
    (16, 12, 2),  # >=12 days
    (15, 12, 1),
    (14, 12, 1),
    (18, 20, 3),  # work at home, minus 2
    (16, 20, 2),
    (19, 20, 1),  # job offer not yet started, minus 1
    (18, 0, 2),  # childbirth
    (20, 0, 1),  # illness, hospitalised
    (16, 0, 1),  # illness, outpatient
    (18, 0, 1),  # own disability grade 3
    (20, 0, 1),  # nursing care, severe
    (16, 0, 1),  # nursing care, accompanying
    (20, 0, 1),  # guardian absent
    (18, 16, 1),  # study or training
    (10, 0, 1),  # job-seeking
)


def generate_city(
    children: int,
    seed: int,
    *,
    ties: str | Ties = Ties.MAXIMIZE_PLACED,
    club_size: int = 40,
    capacity_ratio: float = 0.85,
    support_rate: float = 0.05,
    sibling_rate: float = 0.15,
    together_share: float = 0.5,
    children_per_school: int = 150,
    grade_limit_rate: float = 0.2,
    support_limit_rate: float = 0.9,
    continuing_rate: float = 0.35,
    max_choices: int = 5,
) -> Problem:
    """A deterministic synthetic city of ``children`` applicants.

    ``sibling_rate`` is the share of children who belong to a sibling unit; ``together_share``
    the share of units in "together" mode (the rest "prefer"). ``capacity_ratio`` is total
    capacity over the number of applicants. The lottery seed of the problem is ``seed``.
    """
    if children < 0:
        raise ValueError("children must be non-negative")
    if not 1 <= max_choices <= 5:
        raise ValueError("max_choices must be between 1 and 5")
    rng = random.Random(seed)
    ties = Ties(ties)

    schools = max(1, round(children / children_per_school))
    side = math.ceil(math.sqrt(schools))
    school_at = [
        (s % side + rng.uniform(-0.3, 0.3), s // side + rng.uniform(-0.3, 0.3))
        for s in range(schools)
    ]

    club_count = max(1, round(children * capacity_ratio / club_size))
    club_school = [c % schools for c in range(club_count)]
    rng.shuffle(club_school)
    club_at = [
        (school_at[s][0] + rng.uniform(-0.25, 0.25), school_at[s][1] + rng.uniform(-0.25, 0.25))
        for s in club_school
    ]
    # Some clubs are simply more wanted (newer building, nearer the station).
    appeal = [rng.lognormvariate(0, 0.35) for _ in range(club_count)]
    club_width = len(str(club_count))
    club_ids = [f"C{c + 1:0{club_width}d}" for c in range(club_count)]

    clubs_by_school: list[list[int]] = [[] for _ in range(schools)]
    for club, school in enumerate(club_school):
        clubs_by_school[school].append(club)
    nearby = [_nearby_clubs(s, side, schools, school_at, club_at, clubs_by_school) for s in range(schools)]

    unit_probability = _unit_probability(sibling_rate)
    child_width = len(str(max(children, 1)))
    unit_width = len(str(max(children // 2, 1)))
    built: list[Child] = []
    units = 0
    while len(built) < children:
        size = 1
        if rng.random() < unit_probability:
            size = 2 if rng.random() < 0.8 else 3
        size = min(size, children - len(built))
        school = rng.randrange(schools)
        household = _household(rng)
        preferences = _preferences(rng, nearby[school], appeal, max_choices)
        link = None
        if size > 1:
            units += 1
            mode = SiblingMode.TOGETHER if rng.random() < together_share else SiblingMode.PREFER
            link = SiblingLink(unit=f"H{units:0{unit_width}d}", mode=mode)
        grades = _sibling_grades(rng, size)
        for grade in grades:
            child_preferences = preferences
            if link is not None and link.mode == SiblingMode.PREFER and len(preferences) > 1:
                # "prefer" siblings usually ask for the same clubs, sometimes not all of them.
                if rng.random() < 0.3:
                    child_preferences = preferences[:-1]
            support = rng.random() < support_rate
            club_points: dict[str, Decimal] = {}
            if link is not None:
                # DOMAIN.md: +1 at a club a sibling applies to jointly.
                for club in child_preferences:
                    club_points[club_ids[club]] = Decimal(1)
            elif rng.random() < 0.06:
                # An older sibling already enrolled at one of the listed clubs.
                club_points[club_ids[rng.choice(child_preferences)]] = Decimal(1)
            if grade >= 2 and rng.random() < continuing_rate:
                first = club_ids[child_preferences[0]]
                club_points[first] = club_points.get(first, Decimal(0)) + 1
            points = (
                household["points"]
                + _GRADE_POINTS[grade]
                + (2 if support else 0)
            )
            built.append(
                Child(
                    id=f"K{len(built) + 1:0{child_width}d}",
                    grade=grade,
                    group=1 if grade <= 3 or support else 2,
                    support=support,
                    points=points,
                    preferences=tuple(club_ids[c] for c in child_preferences),
                    club_points=club_points,
                    out_of_district=frozenset(
                        club_ids[c] for c in child_preferences if club_school[c] != school
                    ),
                    # DOMAIN.md tie-break order: lower grade, support, single-parent, more
                    # working days; higher is better. Income tax is left out on purpose so
                    # that ties reach the lottery as often as they do in practice.
                    tiebreak=(
                        Decimal(6 - grade),
                        Decimal(int(support)),
                        Decimal(int(household["single_parent"])),
                        Decimal(household["days"]),
                    ),
                    siblings=link,
                )
            )

    clubs = _clubs(rng, club_ids, children, capacity_ratio, club_size, support_limit_rate, grade_limit_rate)
    return Problem(clubs=clubs, children=tuple(built), policy=Policy(ties=ties), seed=seed)


def _unit_probability(sibling_rate: float) -> float:
    """Chance that a household is a sibling unit, so that ``sibling_rate`` of children are.

    Units have 2 children (80 %) or 3 (20 %), 2.2 on average; solve
    rate = 2.2 q / (1 - q + 2.2 q) for q.
    """
    if sibling_rate <= 0:
        return 0.0
    mean = 2.2
    return sibling_rate / (mean - sibling_rate * (mean - 1))


def _nearby_clubs(school, side, schools, school_at, club_at, clubs_by_school):
    """Clubs within two grid steps of a school, nearest first, with their distances."""
    x, y = school % side, school // side
    candidates = []
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            nx, ny = x + dx, y + dy
            if not (0 <= nx < side and 0 <= ny < side):
                continue
            other = ny * side + nx
            if other >= schools:
                continue
            for club in clubs_by_school[other]:
                distance = math.dist(school_at[school], club_at[club])
                candidates.append((other != school, distance, club))
    candidates.sort()
    return [(out_of_district, distance, club) for out_of_district, distance, club in candidates]


def _preferences(rng, nearby, appeal, max_choices):
    """1-5 distinct clubs, drawn without replacement, home district and near clubs first."""
    wanted = rng.choices(range(1, 6), weights=_CHOICE_WEIGHTS)[0]
    wanted = min(wanted, max_choices, len(nearby))
    pool = [
        (club, appeal[club] * math.exp(-3.0 * distance) * (1.0 if out_of_district else 8.0))
        for out_of_district, distance, club in nearby
    ]
    chosen = []
    for _ in range(wanted):
        total = sum(weight for _, weight in pool)
        pick = rng.random() * total
        for index, (club, weight) in enumerate(pool):
            pick -= weight
            if pick <= 0 or index == len(pool) - 1:
                chosen.append(club)
                del pool[index]
                break
    return chosen


def _household(rng):
    """The household's points: the lower guardian's base plus household adjustments."""
    single_parent = rng.random() < 0.15
    guardians = 1 if single_parent else 2
    draws = [rng.choices(_REASONS, weights=[r[2] for r in _REASONS])[0] for _ in range(guardians)]
    base, days, _ = min(draws, key=lambda reason: reason[0])
    if days:
        days += rng.choices((0, 1, 2), weights=(85, 10, 5))[0]
    points = Decimal(base)
    if single_parent:
        points += 3
    if rng.random() < 0.03:
        points += 3  # public assistance
    if not single_parent and rng.random() < 0.05:
        points -= 2  # a grandparent under 65 at home
    if not single_parent and rng.random() < 0.03:
        points += 1  # a guardian posted away from home
    if rng.random() < 0.05:
        # Waiting time this year: +0.1 a month, at most +0.5 (the only source of tenths).
        points += Decimal(rng.randint(1, 5)) / 10
    return {"points": points, "single_parent": single_parent, "days": days}


def _sibling_grades(rng, size):
    if size == 1:
        return [rng.choices(range(1, 7), weights=_GRADE_WEIGHTS)[0]]
    grades = rng.sample(range(1, 7), size)
    return sorted(grades)


def _clubs(rng, club_ids, children, capacity_ratio, club_size, support_limit_rate, grade_limit_rate):
    """Clubs of about ``club_size`` places whose total is ``capacity_ratio`` of applicants."""
    raw = [club_size * rng.uniform(0.8, 1.2) for _ in club_ids]
    target = round(children * capacity_ratio)
    scale = target / sum(raw) if raw and sum(raw) else 0
    capacities = [int(value * scale) for value in raw]
    # Hand out the rounding remainder one place at a time so the total is exact.
    for index in range(target - sum(capacities)):
        capacities[index % len(capacities)] += 1
    clubs = []
    for club_id, capacity in zip(club_ids, capacities):
        support_limit = None
        if rng.random() < support_limit_rate:
            # DOMAIN.md default: about one child needing support per 20 enrolled.
            support_limit = max(1, capacity // 20)
        grade_limits = ()
        if rng.random() < grade_limit_rate:
            grade_limits = (GradeLimit(4, 6, max(1, capacity // 4)),)
        clubs.append(
            Club(id=club_id, capacity=capacity, support_limit=support_limit, grade_limits=grade_limits)
        )
    return tuple(clubs)
