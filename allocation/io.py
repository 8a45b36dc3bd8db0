"""The JSON forms of a problem and a result (docs/allocation-format.md).

Reading is strict, because a silently misread application decides a child's place: every
error names the offending entry, e.g.
``children[12] (id "K0013"): preference "C99" is not a known club``. Unknown keys are welcome
and ignored, so that callers may carry their own annotations.

Numbers are parsed as ``Decimal`` and written back as JSON numbers (21, 21.5), never through a
binary float.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Iterator, Mapping

from allocation.model import (
    PROBLEM_FORMAT,
    RESULT_FORMAT,
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
)

_BAND = re.compile(r"([1-6])-([1-6])")
_TENTH = Decimal("0.1")


class InputError(ValueError):
    """Input that cannot be read; the message names the offending entry."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- writing -----------------------------------------------------------------------------


def decimal_text(value: Decimal) -> str:
    """A Decimal as a JSON number: 21, 21.5, -2 (no exponent, no trailing zeros)."""
    if not value.is_finite():
        raise ValueError(f"{value} cannot be written as a JSON number")
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


class DecimalJSONEncoder(json.JSONEncoder):
    """``json.dumps(obj, cls=DecimalJSONEncoder)`` writes Decimal as a number, exactly.

    The standard encoder can only emit numbers for int and float, so this encoder writes the
    whole document itself. It also writes tuples as arrays and enums by their value; lists of
    scalars (preferences, tie-break keys, waitlists) stay on one line.
    """

    def iterencode(self, o: Any, _one_shot: bool = False) -> Iterator[str]:
        yield self.encode(o)

    def encode(self, o: Any) -> str:
        chunks: list[str] = []
        _Writer(self.indent, self.ensure_ascii, self.sort_keys, chunks).write(o, 0)
        return "".join(chunks)


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    """The project's JSON text: UTF-8 friendly, Decimal exact, a final newline added."""
    return json.dumps(obj, cls=DecimalJSONEncoder, indent=indent, ensure_ascii=False) + "\n"


_CONTAINERS = (Mapping, list, tuple, set, frozenset)


class _Writer:
    def __init__(self, indent, ensure_ascii, sort_keys, chunks: list[str]) -> None:
        if isinstance(indent, int):
            indent = " " * indent
        self.indent = indent
        self.string = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
        self.sort_keys = sort_keys
        self.out = chunks.append

    def scalar(self, o) -> str:
        if isinstance(o, Enum):
            o = o.value
        if o is None:
            return "null"
        if o is True:
            return "true"
        if o is False:
            return "false"
        if isinstance(o, str):
            return self.string(o)
        if isinstance(o, int):
            return int.__repr__(o)
        if isinstance(o, Decimal):
            return decimal_text(o)
        if isinstance(o, float):
            if not math.isfinite(o):
                raise ValueError(f"{o} cannot be written as a JSON number")
            return float.__repr__(o)
        raise TypeError(f"{type(o).__name__} is not JSON serialisable")

    def write(self, o, level: int) -> None:
        out = self.out
        if isinstance(o, Mapping):
            items = list(o.items())
            if self.sort_keys:
                items.sort(key=lambda item: str(item[0]))
            if not items:
                out("{}")
                return
            inner, outer = self._breaks(level)
            out("{")
            for index, (key, value) in enumerate(items):
                if isinstance(key, Enum):
                    key = key.value
                if not isinstance(key, str):
                    raise TypeError(f"keys must be strings, not {type(key).__name__}")
                out(("," if index else "") + inner if self.indent is not None else (", " if index else ""))
                out(self.string(key))
                out(": ")
                if isinstance(value, _CONTAINERS):
                    self.write(value, level + 1)
                else:
                    out(self.scalar(value))
            out(outer + "}")
        elif isinstance(o, (list, tuple, set, frozenset)):
            values = list(o) if isinstance(o, (list, tuple)) else sorted(o)
            if not any(isinstance(v, _CONTAINERS) for v in values):
                out("[" + ", ".join(self.scalar(v) for v in values) + "]")
                return
            inner, outer = self._breaks(level)
            out("[")
            for index, value in enumerate(values):
                out(("," if index else "") + inner if self.indent is not None else (", " if index else ""))
                if isinstance(value, _CONTAINERS):
                    self.write(value, level + 1)
                else:
                    out(self.scalar(value))
            out(outer + "]")
        else:
            out(self.scalar(o))

    def _breaks(self, level: int) -> tuple[str, str]:
        if self.indent is None:
            return "", ""
        return "\n" + self.indent * (level + 1), "\n" + self.indent * level


def problem_to_json(problem: Problem) -> dict:
    """The JSON form of a problem; ``load_problem(problem_to_json(p)) == p``."""
    order = {club.id: index for index, club in enumerate(problem.clubs)}
    clubs = []
    for club in problem.clubs:
        entry: dict[str, Any] = {"id": club.id, "capacity": club.capacity}
        if club.support_limit is not None:
            entry["support_limit"] = club.support_limit
        if club.grade_limits:
            entry["grade_limits"] = {limit.band: limit.limit for limit in club.grade_limits}
        clubs.append(entry)
    children = []
    for child in problem.children:
        entry = {
            "id": child.id,
            "grade": child.grade,
            "group": child.group,
            "support": child.support,
            "points": child.points,
        }
        if child.club_points:
            entry["club_points"] = dict(child.club_points)
        if child.out_of_district:
            entry["out_of_district"] = sorted(child.out_of_district, key=order.__getitem__)
        if child.tiebreak:
            entry["tiebreak"] = list(child.tiebreak)
        entry["preferences"] = list(child.preferences)
        if child.siblings is not None:
            entry["siblings"] = {"unit": child.siblings.unit, "mode": child.siblings.mode.value}
        children.append(entry)
    return {
        "format": PROBLEM_FORMAT,
        "seed": problem.seed,
        "policy": {"ties": problem.policy.ties.value},
        "clubs": clubs,
        "children": children,
    }


def result_to_json(result: Result, problem: Problem | None = None) -> dict:
    """The JSON form of a result.

    With ``problem``, children and clubs come in the problem's order; without it, sorted by id.
    Either way the same result always gives the same text.
    """
    if problem is not None:
        child_order = [c.id for c in problem.children]
        child_order += sorted(set(result.assignments) - set(child_order))
        club_order = [c.id for c in problem.clubs]
        club_order += sorted(set(result.waitlist) - set(club_order))
    else:
        child_order = sorted(result.assignments)
        club_order = sorted(result.waitlist)
    stats = result.stats
    return {
        "format": RESULT_FORMAT,
        "assignments": {cid: result.assignments[cid] for cid in child_order if cid in result.assignments},
        "waitlist": {
            club_id: list(result.waitlist[club_id]) for club_id in club_order if club_id in result.waitlist
        },
        "explanations": {
            cid: result.explanations[cid] for cid in child_order if cid in result.explanations
        }
        | {cid: result.explanations[cid] for cid in sorted(set(result.explanations) - set(child_order))},
        "stats": {
            "placed": stats.placed,
            "unplaced": stats.unplaced,
            "proven_optimal": stats.proven_optimal,
            "gap": stats.gap,
            "bound": stats.bound,
            "seconds": stats.seconds,
            "extra": dict(stats.extra),
        },
        "lottery": {cid: result.lottery[cid] for cid in child_order if cid in result.lottery},
    }


# --- reading -----------------------------------------------------------------------------


def _parse(text_or_dict: str | bytes | Mapping) -> Any:
    if isinstance(text_or_dict, Mapping):
        return _from_python(text_or_dict)
    if isinstance(text_or_dict, bytes):
        try:
            text_or_dict = text_or_dict.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(f"input is not UTF-8: {error}") from None
    try:
        return json.loads(
            text_or_dict,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as error:
        raise InputError(
            f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None


def _reject_constant(name: str):
    raise InputError(f"malformed JSON: {name} is not a number")


def _unique_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise InputError(f'malformed JSON: key "{key}" appears twice in one object')
        result[key] = value
    return result


def _from_python(value):
    """A dict built in Python: floats pass through their shortest repr, as if read as text."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{value} is not a number")
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {key: _from_python(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_from_python(item) for item in value]
    return value


def _describe(kind: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"{kind}, got {'true' if value else 'false'}"
    if value is None:
        return f"{kind}, got null"
    if isinstance(value, str):
        return f"{kind}, got the string {json.dumps(value, ensure_ascii=False)}"
    if isinstance(value, (int, Decimal)):
        return f"{kind}, got {value}"
    return f"{kind}, got {'an object' if isinstance(value, dict) else 'a list'}"


class _Entry:
    """Field access for one JSON object, with errors that name where it sits."""

    def __init__(self, where: str, data: Any) -> None:
        self.where = where
        if not isinstance(data, dict):
            raise InputError(f"{where}: {_describe('expected an object', data)}")
        self.data = data

    def error(self, message: str) -> InputError:
        return InputError(f"{self.where}: {message}")

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def raw(self, key: str) -> Any:
        if key not in self.data:
            raise self.error(f'missing field "{key}"')
        return self.data[key]

    def string(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or not value:
            raise self.error(f'"{key}" {_describe("must be a non-empty string", value)}')
        return value

    def integer(self, key: str, *, low: int | None = None, high: int | None = None, what: str = "") -> int:
        value = self.raw(key)
        kind = what or "must be an integer"
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self.error(f'"{key}" {_describe(kind, value)}')
        if isinstance(value, Decimal):
            if value != value.to_integral_value():
                raise self.error(f'"{key}" {_describe(kind, value)}')
            value = int(value)
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.error(f'"{key}" {_describe(kind, value)}')
        return value

    def boolean(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            raise self.error(f'"{key}" {_describe("must be true or false", value)}')
        return value

    def points(self, key: str, value: Any = None, label: str | None = None) -> Decimal:
        if value is None:
            value = self.raw(key)
        label = label or f'"{key}"'
        return _points(value, lambda message: self.error(f"{label} {message}"))

    def array(self, key: str) -> list:
        value = self.raw(key)
        if not isinstance(value, list):
            raise self.error(f'"{key}" {_describe("must be a list", value)}')
        return value

    def mapping(self, key: str) -> dict:
        value = self.raw(key)
        if not isinstance(value, dict):
            raise self.error(f'"{key}" {_describe("must be an object", value)}')
        return value


def _points(value: Any, error) -> Decimal:
    kind = "must be a number with at most one decimal place"
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise error(_describe(kind, value))
    number = Decimal(value)
    try:
        exact = number == number.quantize(_TENTH)
    except InvalidOperation:
        exact = False
    if not exact:
        raise error(_describe(kind, value))
    return number


def _number(value: Any, error) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise error(_describe("must be a number", value))
    return Decimal(value)


def _child_where(index: int, data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return f'children[{index}] (id "{data["id"]}")'
    return f"children[{index}]"


def _club_where(index: int, data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return f'clubs[{index}] (id "{data["id"]}")'
    return f"clubs[{index}]"


def load_problem(text_or_dict: str | bytes | Mapping) -> Problem:
    """Read and check a problem; raise ``InputError`` naming the first bad entry."""
    top = _Entry("problem", _parse(text_or_dict))
    if top.raw("format") != PROBLEM_FORMAT:
        raise InputError(
            f'format: expected "{PROBLEM_FORMAT}", '
            f"got {json.dumps(top.raw('format'), ensure_ascii=False, default=str)}"
        )
    seed = top.integer("seed")
    ties = Ties.MAXIMIZE_PLACED
    if "policy" in top.data:
        policy = _Entry("policy", top.raw("policy"))
        if "ties" in policy.data:
            name = policy.raw("ties")
            try:
                ties = Ties(name)
            except ValueError:
                choices = ", ".join(f'"{t.value}"' for t in Ties)
                raise policy.error(
                    f'"ties" must be one of {choices}, got {json.dumps(name, default=str)}'
                ) from None

    clubs = [_load_club(index, data) for index, data in enumerate(top.array("clubs"))]
    seen: dict[str, int] = {}
    for index, club in enumerate(clubs):
        if club.id in seen:
            raise InputError(
                f'clubs[{index}] (id "{club.id}"): duplicate id, also clubs[{seen[club.id]}]'
            )
        seen[club.id] = index
    club_ids = set(seen)

    children = [
        _load_child(index, data, club_ids) for index, data in enumerate(top.array("children"))
    ]
    seen = {}
    for index, child in enumerate(children):
        if child.id in seen:
            raise InputError(
                f'children[{index}] (id "{child.id}"): duplicate id, also children[{seen[child.id]}]'
            )
        seen[child.id] = index
    _check_tiebreak_lengths(children)
    _check_units(children)
    return Problem(clubs=tuple(clubs), children=tuple(children), policy=Policy(ties=ties), seed=seed)


def _load_club(index: int, data: Any) -> Club:
    entry = _Entry(_club_where(index, data), data)
    club_id = entry.string("id")
    capacity = entry.integer("capacity", low=0, what="must be a non-negative integer")
    support_limit = None
    if entry.has("support_limit"):
        support_limit = entry.integer("support_limit", low=0, what="must be a non-negative integer")
    limits = []
    if entry.has("grade_limits"):
        for band, limit in entry.mapping("grade_limits").items():
            match = _BAND.fullmatch(band)
            if not match or int(match.group(1)) > int(match.group(2)):
                raise entry.error(
                    f'grade band "{band}" must be "lo-hi" with 1 <= lo <= hi <= 6'
                )
            if isinstance(limit, bool) or not isinstance(limit, (int, Decimal)) or limit < 0 or (
                isinstance(limit, Decimal) and limit != limit.to_integral_value()
            ):
                raise entry.error(
                    f'grade band "{band}" {_describe("must be a non-negative integer", limit)}'
                )
            limits.append(GradeLimit(int(match.group(1)), int(match.group(2)), int(limit)))
    return Club(id=club_id, capacity=capacity, support_limit=support_limit, grade_limits=tuple(limits))


def _load_child(index: int, data: Any, club_ids: set[str]) -> Child:
    entry = _Entry(_child_where(index, data), data)
    child_id = entry.string("id")
    grade = entry.integer("grade", low=1, high=6, what="must be an integer from 1 to 6")
    group = entry.integer("group", low=1, high=2, what="must be 1 or 2")
    support = entry.boolean("support")
    points = entry.points("points")

    preferences = entry.array("preferences")
    for position, club_id in enumerate(preferences):
        if not isinstance(club_id, str):
            raise entry.error(f"preferences[{position}] {_describe('must be a club id', club_id)}")
        if club_id not in club_ids:
            raise entry.error(f'preference "{club_id}" is not a known club')
        if club_id in preferences[:position]:
            raise entry.error(f'preference "{club_id}" is listed twice')

    club_points: dict[str, Decimal] = {}
    if entry.has("club_points"):
        for club_id, value in entry.mapping("club_points").items():
            if club_id not in club_ids:
                raise entry.error(f'club_points names "{club_id}", which is not a known club')
            club_points[club_id] = entry.points(
                "club_points", value, label=f'club_points["{club_id}"]'
            )

    out_of_district: list[str] = []
    if entry.has("out_of_district"):
        for position, club_id in enumerate(entry.array("out_of_district")):
            if not isinstance(club_id, str):
                raise entry.error(
                    f"out_of_district[{position}] {_describe('must be a club id', club_id)}"
                )
            if club_id not in club_ids:
                raise entry.error(f'out_of_district names "{club_id}", which is not a known club')
            out_of_district.append(club_id)

    tiebreak: list[Decimal] = []
    if entry.has("tiebreak"):
        for position, value in enumerate(entry.array("tiebreak")):
            tiebreak.append(
                _number(value, lambda message, p=position: entry.error(f"tiebreak[{p}] {message}"))
            )

    siblings = None
    if entry.has("siblings"):
        link = _Entry(f"{entry.where}: siblings", entry.raw("siblings"))
        unit = link.string("unit")
        mode_name = link.raw("mode")
        try:
            mode = SiblingMode(mode_name)
        except ValueError:
            raise link.error(
                f'"mode" must be "together" or "prefer", got {json.dumps(mode_name, default=str)}'
            ) from None
        siblings = SiblingLink(unit=unit, mode=mode)

    return Child(
        id=child_id,
        grade=grade,
        group=group,
        support=support,
        points=points,
        preferences=tuple(preferences),
        club_points=club_points,
        out_of_district=frozenset(out_of_district),
        tiebreak=tuple(tiebreak),
        siblings=siblings,
    )


def _check_tiebreak_lengths(children: list[Child]) -> None:
    if not children:
        return
    expected = len(children[0].tiebreak)
    for index, child in enumerate(children):
        if len(child.tiebreak) != expected:
            raise InputError(
                f'children[{index}] (id "{child.id}"): tiebreak has {len(child.tiebreak)} '
                f'keys, but children[0] (id "{children[0].id}") has {expected}; '
                "every child needs the same number"
            )


def _check_units(children: list[Child]) -> None:
    first: dict[str, int] = {}
    for index, child in enumerate(children):
        if child.siblings is None:
            continue
        unit = child.siblings.unit
        if unit not in first:
            first[unit] = index
            continue
        other = children[first[unit]]
        where = f'children[{index}] (id "{child.id}")'
        other_where = f'children[{first[unit]}] (id "{other.id}")'
        if child.siblings.mode != other.siblings.mode:
            raise InputError(
                f'{where}: sibling unit "{unit}" mixes modes: "{child.siblings.mode.value}" here, '
                f'"{other.siblings.mode.value}" at {other_where}'
            )
        if child.siblings.mode == SiblingMode.TOGETHER and child.preferences != other.preferences:
            raise InputError(
                f'{where}: sibling unit "{unit}" is "together", so its preference lists must be '
                f"identical: {list(child.preferences)} here, {list(other.preferences)} at "
                f"{other_where}"
            )


def load_result(text_or_dict: str | bytes | Mapping) -> Result:
    """Read a result's JSON form; its consistency with a problem is ``validate``'s job."""
    top = _Entry("result", _parse(text_or_dict))
    if top.raw("format") != RESULT_FORMAT:
        raise InputError(
            f'format: expected "{RESULT_FORMAT}", '
            f"got {json.dumps(top.raw('format'), ensure_ascii=False, default=str)}"
        )
    assignments: dict[str, str | None] = {}
    for child_id, club_id in top.mapping("assignments").items():
        if club_id is not None and not isinstance(club_id, str):
            raise InputError(
                f'assignments["{child_id}"] {_describe("must be a club id or null", club_id)}'
            )
        assignments[child_id] = club_id

    waitlist: dict[str, tuple[str, ...]] = {}
    if top.has("waitlist"):
        for club_id, queue in top.mapping("waitlist").items():
            if not isinstance(queue, list) or not all(isinstance(c, str) for c in queue):
                raise InputError(f'waitlist["{club_id}"] must be a list of child ids')
            waitlist[club_id] = tuple(queue)

    explanations = top.mapping("explanations") if top.has("explanations") else {}

    stats_entry = _Entry("stats", top.raw("stats"))
    placed = stats_entry.integer("placed", low=0, what="must be a non-negative integer")
    unplaced = stats_entry.integer("unplaced", low=0, what="must be a non-negative integer")
    proven = stats_entry.boolean("proven_optimal")
    gap = None
    if stats_entry.has("gap"):
        gap = float(_number(stats_entry.raw("gap"), lambda m: stats_entry.error(f'"gap" {m}')))
    bound = None
    if stats_entry.has("bound"):
        bound = stats_entry.integer("bound", low=0, what="must be a non-negative integer")
    seconds = 0.0
    if stats_entry.has("seconds"):
        seconds = float(
            _number(stats_entry.raw("seconds"), lambda m: stats_entry.error(f'"seconds" {m}'))
        )
    extra = stats_entry.mapping("extra") if stats_entry.has("extra") else {}
    stats = Stats(
        placed=placed, unplaced=unplaced, proven_optimal=proven, gap=gap, bound=bound,
        seconds=seconds, extra=extra,
    )

    lottery: dict[str, int] = {}
    if top.has("lottery"):
        lottery_entry = _Entry("lottery", top.raw("lottery"))
        for child_id in lottery_entry.data:
            lottery[child_id] = lottery_entry.integer(
                child_id, low=0, what="must be a non-negative integer"
            )
    return Result(
        assignments=assignments,
        waitlist=waitlist,
        explanations=explanations,
        stats=stats,
        lottery=lottery,
    )
