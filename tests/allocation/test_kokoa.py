"""KoKoA sessions: most children served, then most sessions; waiting children first."""

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
