"""KoKoA (放課後子ども教室) sessions with a capacity: who gets which requested session.

Rules (DOMAIN.md, "KoKoA"): give as many children as possible at least one session they
asked for; then give as many sessions as possible in total; children waiting for a club
place come first, then the lottery (seeded, so anyone can replay it).

How: "at least one session" is a transversal matroid over the children, so the greedy
algorithm in priority order (waiting children first, then lottery order), with an augmenting
path for each child, covers the most children possible, the most waiting children among them,
and prefers earlier children whenever there is a choice. Extra sessions are then added by
augmenting paths, child by child in the same order, until none is left: a maximum flow in
which nobody loses her session. Pure Python, exact, no solver needed.

Decisions already taken stay: a session's ``capacity`` is the places still free, and a child
who already holds a session of the allocation (``already_served``) counts as served, so the
first step looks for sessions for the others only; she may still get extra sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allocation.model import lottery_ranks


@dataclass(frozen=True)
class Session:
    id: str
    capacity: int  # places still free


@dataclass(frozen=True)
class SessionRequest:
    child: str
    sessions: tuple[str, ...]  # the sessions she asks for
    waiting_for_club: bool = False  # on a 学童 waiting list: KoKoA is her safe place
    already_served: bool = False  # holds a session of this allocation granted earlier (kept)


@dataclass(frozen=True)
class KokoaProblem:
    sessions: tuple[Session, ...]
    requests: tuple[SessionRequest, ...]
    seed: int = 0


@dataclass(frozen=True)
class KokoaResult:
    assignments: dict[str, tuple[str, ...]]  # child -> sessions granted now, in session id order
    children_served: int  # children with at least one session, granted now or already served
    waiting_served: int
    sessions_granted: int
    lottery: dict[str, int] = field(default_factory=dict)


def allocate_sessions(problem: KokoaProblem) -> KokoaResult:
    capacity = {s.id: s.capacity for s in problem.sessions}
    if len(capacity) != len(problem.sessions):
        raise ValueError("two sessions have the same id")
    negative = [s.id for s in problem.sessions if s.capacity < 0]
    if negative:
        raise ValueError(f"session {negative[0]} has a negative capacity")
    requests = {}
    for request in problem.requests:
        if request.child in requests:
            raise ValueError(f"child {request.child} has two requests")
        unknown = [s for s in request.sessions if s not in capacity]
        if unknown:
            raise ValueError(f"child {request.child} asks for unknown session {unknown[0]}")
        requests[request.child] = request
    ranks = lottery_ranks(list(requests), problem.seed)
    order = sorted(requests, key=lambda c: (not requests[c].waiting_for_club, ranks[c]))
    wanted = {c: sorted(set(requests[c].sessions)) for c in order}

    holders: dict[str, set[str]] = {s: set() for s in capacity}
    granted: dict[str, set[str]] = {c: set() for c in order}

    def augment(child: str, seen: set[str]) -> bool:
        """Give ``child`` one more session, moving other children between sessions so that
        nobody ends with fewer sessions than before."""
        for session in wanted[child]:
            if session in granted[child] or session in seen:
                continue
            seen.add(session)
            if len(holders[session]) < capacity[session]:
                _grant(child, session)
                return True
            for other in sorted(holders[session], key=order_index.__getitem__):
                if other == child:
                    continue
                # ``other`` moves to another session of hers, freeing this one for ``child``
                if _move(other, session, seen):
                    _grant(child, session)
                    return True
        return False

    def _move(child: str, leaving: str, seen: set[str]) -> bool:
        for session in wanted[child]:
            if session in granted[child] or session in seen:
                continue
            seen.add(session)
            if len(holders[session]) < capacity[session]:
                _revoke(child, leaving)
                _grant(child, session)
                return True
            for other in sorted(holders[session], key=order_index.__getitem__):
                if other != child and _move(other, session, seen):
                    _revoke(child, leaving)
                    _grant(child, session)
                    return True
        return False

    def _grant(child: str, session: str) -> None:
        granted[child].add(session)
        holders[session].add(child)

    def _revoke(child: str, session: str) -> None:
        granted[child].discard(session)
        holders[session].discard(child)

    order_index = {c: k for k, c in enumerate(order)}
    for child in order:
        if not requests[child].already_served:
            augment(child, set())
    progress = True
    while progress:
        progress = False
        for child in order:
            if not granted[child] and not requests[child].already_served:
                continue  # the matroid step proved no session can be found for her
            while augment(child, set()):
                progress = True

    served = [c for c in order if granted[c] or requests[c].already_served]
    return KokoaResult(
        assignments={c: tuple(sorted(granted[c])) for c in sorted(requests)},
        children_served=len(served),
        waiting_served=sum(1 for c in served if requests[c].waiting_for_club),
        sessions_granted=sum(len(g) for g in granted.values()),
        lottery=dict(ranks),
    )
