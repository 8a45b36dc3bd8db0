"""KoKoA sessions: most children served, then most sessions; waiting children first."""

import itertools
import random

import pytest

from allocation.kokoa import KokoaProblem, Session, SessionRequest, allocate_sessions
from allocation.model import lottery_ranks


def test_it_serves_as_many_children_as_possible_before_giving_anyone_a_second_session():
    p = KokoaProblem(
        sessions=(Session("S1", 1), Session("S2", 1)),
        requests=(
            SessionRequest("K1", ("S1", "S2")),
            SessionRequest("K2", ("S1",)),
        ),
    )

    result = allocate_sessions(p)

    assert result.assignments == {"K1": ("S2",), "K2": ("S1",)}
    assert result.children_served == 2


def test_it_then_gives_as_many_sessions_as_possible():
    p = KokoaProblem(
        sessions=(Session("S1", 2), Session("S2", 1), Session("S3", 1)),
        requests=(
            SessionRequest("K1", ("S1", "S2", "S3")),
            SessionRequest("K2", ("S1", "S2")),
        ),
    )

    result = allocate_sessions(p)

    assert result.sessions_granted == 4
    assert result.children_served == 2


def test_children_waiting_for_a_club_come_first():
    p = KokoaProblem(
        sessions=(Session("S1", 1),),
        requests=tuple(SessionRequest(f"K{n}", ("S1",), waiting_for_club=n == 7) for n in range(10)),
        seed=1,
    )

    result = allocate_sessions(p)

    assert result.assignments["K7"] == ("S1",)
    assert result.waiting_served == 1


def test_the_lottery_decides_among_equals_and_is_reproducible():
    requests = tuple(SessionRequest(f"K{n}", ("S1",)) for n in range(10))
    p = KokoaProblem(sessions=(Session("S1", 3),), requests=requests, seed=42)
    ranks = lottery_ranks([r.child for r in requests], 42)

    one, two = allocate_sessions(p), allocate_sessions(p)

    winners = {c for c, s in one.assignments.items() if s}
    assert winners == set(sorted(ranks, key=ranks.get)[:3])
    assert one == two


def test_a_longer_chain_of_moves_is_found():
    # K3 can only be served if K2 moves from S2 to S3 and K1 from S1 to S2.
    p = KokoaProblem(
        sessions=(Session("S1", 1), Session("S2", 1), Session("S3", 1)),
        requests=(
            SessionRequest("K1", ("S1", "S2")),
            SessionRequest("K2", ("S2", "S3")),
            SessionRequest("K3", ("S1",)),
        ),
        seed=5,
    )

    result = allocate_sessions(p)

    assert result.children_served == 3
    assert result.assignments["K3"] == ("S1",)


def test_unknown_sessions_and_duplicate_children_are_refused():
    with pytest.raises(ValueError, match="unknown session"):
        allocate_sessions(KokoaProblem((Session("S1", 1),), (SessionRequest("K1", ("S9",)),)))
    with pytest.raises(ValueError, match="two requests"):
        allocate_sessions(
            KokoaProblem(
                (Session("S1", 1),),
                (SessionRequest("K1", ("S1",)), SessionRequest("K1", ("S1",))),
            )
        )


def test_a_child_who_already_holds_a_session_does_not_take_one_from_a_child_without():
    # K1 comes first (waiting for a club) but already holds a session granted earlier: the last
    # free place goes to K2, who has none.
    p = KokoaProblem(
        sessions=(Session("S1", 1),),
        requests=(
            SessionRequest("K1", ("S1",), waiting_for_club=True, already_served=True),
            SessionRequest("K2", ("S1",)),
        ),
    )

    result = allocate_sessions(p)

    assert result.assignments == {"K1": (), "K2": ("S1",)}
    assert result.children_served == 2
    assert result.waiting_served == 1
    assert result.sessions_granted == 1


def test_a_child_already_served_still_gets_the_places_nobody_else_needs():
    p = KokoaProblem(
        sessions=(Session("S1", 2), Session("S2", 0)),
        requests=(
            SessionRequest("K1", ("S1", "S2"), already_served=True),
            SessionRequest("K2", ("S1", "S2")),
        ),
    )

    result = allocate_sessions(p)

    assert result.assignments == {"K1": ("S1",), "K2": ("S1",)}
    assert result.sessions_granted == 2


def test_negative_capacities_and_repeated_sessions_are_refused():
    with pytest.raises(ValueError, match="negative capacity"):
        allocate_sessions(KokoaProblem((Session("S1", -1),), (SessionRequest("K1", ("S1",)),)))
    with pytest.raises(ValueError, match="same id"):
        allocate_sessions(KokoaProblem((Session("S1", 1), Session("S1", 2)), ()))


def _best_by_brute_force(problem):
    """(children served, waiting children served, sessions granted) of the best assignment,
    found by trying every assignment: the most children, then the most waiting children among
    them, then the most sessions."""
    capacity = {s.id: s.capacity for s in problem.sessions}
    options = []
    for request in problem.requests:
        wanted = sorted(set(request.sessions))
        options.append([tuple(s for k, s in enumerate(wanted) if mask >> k & 1) for mask in range(2 ** len(wanted))])
    best = None
    for choice in itertools.product(*options):
        used = {}
        for sessions in choice:
            for s in sessions:
                used[s] = used.get(s, 0) + 1
        if any(used[s] > capacity[s] for s in used):
            continue
        served = [r for r, sessions in zip(problem.requests, choice) if sessions or r.already_served]
        score = (len(served), sum(r.waiting_for_club for r in served), sum(len(c) for c in choice))
        best = score if best is None else max(best, score)
    return best


def test_it_is_exact_on_many_small_random_problems():
    draw = random.Random(2026)
    for case in range(300):
        sessions = tuple(Session(f"S{k}", draw.randint(0, 2)) for k in range(draw.randint(1, 4)))
        requests = tuple(
            SessionRequest(f"K{n}", tuple(s.id for s in sessions if draw.random() < 0.6) or (sessions[0].id,),
                           waiting_for_club=draw.random() < 0.3, already_served=draw.random() < 0.2)
            for n in range(draw.randint(1, 5)))
        problem = KokoaProblem(sessions, requests, seed=case)

        result = allocate_sessions(problem)

        granted = [s for sessions in result.assignments.values() for s in sessions]
        assert all(granted.count(s.id) <= s.capacity for s in sessions), case
        assert all(set(result.assignments[r.child]) <= set(r.sessions) for r in requests), case
        assert (result.children_served, result.waiting_served, result.sessions_granted) == \
            _best_by_brute_force(problem), case
