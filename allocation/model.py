"""Plain data types of an allocation problem and its result.

Nothing here imports Django, an ORM or pandas: the package is usable with PuLP alone.
Points and tie-break keys are ``Decimal`` so that comparisons are exact (DOMAIN.md,
"Allocation semantics, precisely"); never convert them to binary floats.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Mapping

PROBLEM_FORMAT = "afterschool-allocation/1"
RESULT_FORMAT = "afterschool-allocation-result/1"


class Ties(str, Enum):
    """How children with equal priority tuples are separated."""

    LOTTERY_FIRST = "lottery_first"
    MAXIMIZE_PLACED = "maximize_placed"


class SiblingMode(str, Enum):
    TOGETHER = "together"  # the same club for every member, or none for any
    PREFER = "prefer"  # the same club when that costs no one a place


@dataclass(frozen=True)
class GradeLimit:
    """At most ``limit`` children of grades ``lo``..``hi`` (inclusive) at one club."""

    lo: int
    hi: int
    limit: int

    def applies_to(self, grade: int) -> bool:
        return self.lo <= grade <= self.hi

    @property
    def band(self) -> str:
        return f"{self.lo}-{self.hi}"


@dataclass(frozen=True)
class Club:
    id: str
    capacity: int
    support_limit: int | None = None
    grade_limits: tuple[GradeLimit, ...] = ()


@dataclass(frozen=True)
class SiblingLink:
    unit: str
    mode: SiblingMode


@dataclass(frozen=True)
class Child:
    id: str
    grade: int
    group: int  # 1 = grades 1-3 and children needing support; 2 = the rest
    support: bool
    points: Decimal
    preferences: tuple[str, ...]  # club ids, most wanted first
    club_points: Mapping[str, Decimal] = field(default_factory=dict)
    out_of_district: frozenset[str] = frozenset()
    tiebreak: tuple[Decimal, ...] = ()  # higher is better, compared left to right
    siblings: SiblingLink | None = None

    def priority(self, club_id: str) -> tuple:
        """The child's priority at ``club_id``; higher tuples come first, equal tuples tie."""
        return (
            -self.group,
            -int(club_id in self.out_of_district),
            self.points + self.club_points.get(club_id, Decimal(0)),
            *self.tiebreak,
        )


@dataclass(frozen=True)
class Policy:
    ties: Ties = Ties.MAXIMIZE_PLACED


@dataclass(frozen=True)
class Problem:
    clubs: tuple[Club, ...]
    children: tuple[Child, ...]
    policy: Policy = Policy()
    seed: int = 0

    def club(self, club_id: str) -> Club:
        return self._clubs_by_id()[club_id]

    def child(self, child_id: str) -> Child:
        return self._children_by_id()[child_id]

    def _clubs_by_id(self) -> dict[str, Club]:
        cache = self.__dict__.get("_club_index")
        if cache is None:
            cache = {c.id: c for c in self.clubs}
            object.__setattr__(self, "_club_index", cache)
        return cache

    def _children_by_id(self) -> dict[str, Child]:
        cache = self.__dict__.get("_child_index")
        if cache is None:
            cache = {c.id: c for c in self.children}
            object.__setattr__(self, "_child_index", cache)
        return cache


def lottery_ranks(child_ids, seed: int) -> dict[str, int]:
    """The run's single lottery, shared by all clubs.

    Procedure (re-runnable by anyone from the stored input): sort the child ids as strings,
    shuffle that list with Python's ``random.Random(seed).shuffle`` (Mersenne Twister), and give
    each child her 0-based position. Position 0 wins every tie it takes part in.
    """
    order = sorted(child_ids)
    random.Random(seed).shuffle(order)
    return {child_id: position for position, child_id in enumerate(order)}


@dataclass(frozen=True)
class Stats:
    placed: int
    unplaced: int
    proven_optimal: bool
    gap: float | None  # relative gap of the "most placed" stage, 0.0 when proven
    bound: int | None  # upper bound on children placed under the rules
    seconds: float
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    assignments: Mapping[str, str | None]  # child id -> club id or None
    waitlist: Mapping[str, tuple[str, ...]]  # club id -> child ids, best first
    explanations: Mapping[str, Mapping[str, object]]  # child id -> explanation (JSON-ready)
    stats: Stats
    lottery: Mapping[str, int] = field(default_factory=dict)  # child id -> lottery rank
