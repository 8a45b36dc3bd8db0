"""Agreement with the ``matching`` library on strict priorities.

Under ``lottery_first`` with capacities only, the engine must return the child-optimal stable
matching, which ``matching`` computes independently: as a hospital-resident game and as a
student-allocation game with one supervisor per club.
"""

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching.games import HospitalResident, StudentAllocation

from allocation.generate import generate_city
from allocation.model import Child, Club, Policy, Problem, Ties, lottery_ranks
from allocation.validate import validate


def club_rankings(problem):
    """Each club's strict order of its applicants: priority, then the run's lottery."""
    ranks = lottery_ranks([c.id for c in problem.children], problem.seed)
    applicants = {club.id: [] for club in problem.clubs}
    for child in problem.children:
        for club_id in child.preferences:
            applicants[club_id].append(child)
    return {
        club_id: [
            c.id
            for c in sorted(
                members, key=lambda c, j=club_id: (*c.priority(j), -ranks[c.id]), reverse=True
            )
        ]
        for club_id, members in applicants.items()
    }


def unpack(matching, problem):
    assignments = {c.id: None for c in problem.children}
    for club, children in matching.items():
        for child in children:
            assignments[child.name] = club.name
    return assignments


def hospital_resident(problem):
    game = HospitalResident.create_from_dictionaries(
        {c.id: list(c.preferences) for c in problem.children},
        club_rankings(problem),
        {club.id: club.capacity for club in problem.clubs},
    )
    return unpack(game.solve(optimal="resident"), problem)


def student_allocation(problem):
    game = StudentAllocation.create_from_dictionaries(
        {c.id: list(c.preferences) for c in problem.children},
        {f"S-{club_id}": ranking for club_id, ranking in club_rankings(problem).items()},
        {club.id: f"S-{club.id}" for club in problem.clubs},
        {club.id: club.capacity for club in problem.clubs},
        {f"S-{club.id}": club.capacity for club in problem.clubs},
    )
    return unpack(game.solve(optimal="student"), problem)


def engine(problem):
    from allocation.solver import solve

    result = solve(problem)
    assert [v for v in validate(problem, result) if v.fatal] == []
    return dict(result.assignments)


@st.composite
def strict_problems(draw):
    clubs = tuple(Club(f"C{j}", draw(st.integers(1, 4))) for j in range(draw(st.integers(1, 4))))
    children = []
    for i in range(draw(st.integers(1, 14))):
        grade = draw(st.integers(1, 6))
        order = draw(st.permutations([c.id for c in clubs]))
        children.append(
            Child(
                id=f"K{i:02d}",
                grade=grade,
                group=1 if grade <= 3 else 2,
                support=False,
                points=draw(st.sampled_from([18, 19, 20])),
                preferences=tuple(order[: draw(st.integers(1, len(order)))]),
            )
        )
    return Problem(clubs, tuple(children), Policy(Ties.LOTTERY_FIRST), draw(st.integers(0, 999)))


@pytest.fixture(autouse=True)
def quiet_matching():
    # matching warns about unranked or unmatched players; those are ordinary here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@settings(max_examples=60, deadline=None)
@given(strict_problems())
def test_lottery_first_matches_hospital_resident_on_random_instances(problem):
    assert engine(problem) == hospital_resident(problem)


@settings(max_examples=30, deadline=None)
@given(strict_problems())
def test_lottery_first_matches_student_allocation_on_random_instances(problem):
    assert engine(problem) == student_allocation(problem)


@pytest.mark.parametrize("seed", [1, 2])
def test_lottery_first_matches_both_on_a_generated_city(seed):
    city = generate_city(
        300, seed=seed, ties="lottery_first", sibling_rate=0, support_limit_rate=0,
        grade_limit_rate=0,
    )
    expected = hospital_resident(city)

    assert student_allocation(city) == expected
    assert engine(city) == expected
