"""Capacity (定員), intake cap (受入上限) and the default support limit.

All arithmetic is on ``Decimal`` and integers, so the floors are exact: in binary floats
100 × 1.15 is 114.99999999999999, and rounding it down would lose a place.
"""

from __future__ import annotations

from decimal import Decimal

# National standard (放課後児童健全育成事業の設備及び運営に関する基準): at least 1.65 m² of
# dedicated floor area per child, and one care unit (支援の単位) for about 40 children.
AREA_PER_CHILD_M2 = Decimal("1.65")
CHILDREN_PER_UNIT = 40
DEFAULT_RATIO_BOUNDS = (Decimal("1.00"), Decimal("1.20"))


class CapacityError(ValueError):
    pass


def _exact(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise CapacityError(f"{name}: must be a Decimal or an int, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise CapacityError(f"{name}: must be finite")
    return value


def capacity(floor_area_m2: Decimal, care_units: int) -> int:
    """定員 = min(⌊dedicated floor area ÷ 1.65⌋, 40 × care units)."""
    area = _exact(floor_area_m2, "floor_area_m2")
    if area < 0:
        raise CapacityError("floor_area_m2: must not be negative")
    if isinstance(care_units, bool) or not isinstance(care_units, int) or care_units < 0:
        raise CapacityError("care_units: must be a whole number, 0 or more")
    # Decimal integer division is exact however many digits the area has.
    by_area = int(area // AREA_PER_CHILD_M2)
    return min(by_area, CHILDREN_PER_UNIT * care_units)


def intake_cap(
    capacity: int,
    ratio: Decimal,
    *,
    bounds: tuple[Decimal, Decimal] = DEFAULT_RATIO_BOUNDS,
) -> int:
    """受入上限 = ⌊定員 × elastic ratio⌋; pass ``ruleset.allocation.elastic_ratio.bounds``."""
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
        raise CapacityError("capacity: must be a whole number, 0 or more")
    ratio = _exact(ratio, "ratio")
    lo, hi = bounds
    if not lo <= ratio <= hi:
        raise CapacityError(f"ratio: {ratio} is outside the allowed {lo} to {hi}")
    return int((capacity * ratio) // 1)


def default_support_limit(intake_cap: int, ratio_per: int = 20) -> int:
    """About one child needing support per ``ratio_per`` places [Musashino].

    Rounded down, but never below one at a club that takes children at all: a small club must
    not shut out children needing support because of rounding (基本目標1·4); staff can set a
    different limit on the club.
    """
    if isinstance(intake_cap, bool) or not isinstance(intake_cap, int) or intake_cap < 0:
        raise CapacityError("intake_cap: must be a whole number, 0 or more")
    if isinstance(ratio_per, bool) or not isinstance(ratio_per, int) or ratio_per < 1:
        raise CapacityError("ratio_per: must be a whole number, 1 or more")
    if intake_cap == 0:
        return 0
    return max(1, intake_cap // ratio_per)
