"""Small builders for allocation tests: problems by hand, results completed honestly."""

from decimal import Decimal

from allocation.model import (
    Child,
    Club,
    GradeLimit,
    Policy,
    Problem,
    Result,
    SiblingLink,
    SiblingMode,
    Stats,
    Ties,
    lottery_ranks,
)
from allocation.validate import expected_waitlists


def club(club_id, capacity, *, support_limit=None, bands=None):
    limits = tuple(
        GradeLimit(int(band[0]), int(band[2]), limit) for band, limit in (bands or {}).items()
    )
    return Club(club_id, capacity, support_limit, limits)


def child(child_id, points, preferences, *, grade=1, support=False, group=None,
          club_points=None, out_of_district=(), tiebreak=(), unit=None, mode="together"):
    return Child(
        id=child_id,
        grade=grade,
        group=group if group is not None else (1 if grade <= 3 or support else 2),
        support=support,
        points=Decimal(str(points)),
        preferences=tuple(preferences),
        club_points={k: Decimal(str(v)) for k, v in (club_points or {}).items()},
        out_of_district=frozenset(out_of_district),
        tiebreak=tuple(Decimal(str(v)) for v in tiebreak),
        siblings=SiblingLink(unit, SiblingMode(mode)) if unit else None,
    )


def problem(clubs, children, *, ties="maximize_placed", seed=7):
    return Problem(clubs=tuple(clubs), children=tuple(children), policy=Policy(Ties(ties)), seed=seed)


def complete(problem, assignments, *, extra=None):
    """A result for ``assignments`` whose waitlists, lottery and counts are all correct."""
    known = {c.id for c in problem.clubs}
    ranks = lottery_ranks([c.id for c in problem.children], problem.seed)
    full = {c.id: assignments.get(c.id) for c in problem.children}
    usable = {cid: (club_id if club_id in known else None) for cid, club_id in full.items()}
    placed = sum(1 for cid in full if usable[cid] is not None)
    return Result(
        assignments=dict(assignments),
        waitlist={k: tuple(v) for k, v in expected_waitlists(problem, usable, ranks).items()},
        explanations={},
        stats=Stats(
            placed=placed,
            unplaced=len(problem.children) - placed,
            proven_optimal=True,
            gap=0.0,
            bound=None,
            seconds=0.0,
            extra=extra or {},
        ),
        lottery=ranks,
    )
