"""After-school allocation engine: a Problem in, a fair and explained Result out.

Pure Python with PuLP/HiGHS only: no Django, ORM or pandas anywhere in this package.
"""

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
from allocation.solver import solve

__all__ = [
    "Child",
    "Club",
    "GradeLimit",
    "Policy",
    "Problem",
    "Result",
    "SiblingLink",
    "SiblingMode",
    "Stats",
    "Ties",
    "lottery_ranks",
    "solve",
]
