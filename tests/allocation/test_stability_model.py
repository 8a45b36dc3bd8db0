"""The stability model admits every outcome, with its envious children marked.

Under the exact envy model (every child has an envy column) any outcome that keeps the limits
and the "together" units, encoded with the children who have justified envy in it, must
satisfy every row of the model: a row it breaks would cut off an outcome the rules allow
(the "fewest envious" and later stages could then miss their optimum). This holds the model's
rows, the unit claim rows included, to the plain-Python definition of envy in ``_fair``.
"""

from decimal import Decimal

import pytest

from hypothesis import HealthCheck, given, settings
from test_bound import fair_enough
from test_properties import problems
from test_reduce import assignments

from allocation._compiled import compile_problem
from allocation._fair import envious_children
from allocation._reduce import reduce_outcomes
from allocation._stability import ComponentModel
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


def broken_rows(model: ComponentModel, values: list[float]) -> list[int]:
    m = model.model
    broken = []
    for r, (index, coefs) in enumerate(zip(m.row_index, m.row_value)):
        total = sum(values[c] * v for c, v in zip(index, coefs))
        if total < m.row_lo[r] - 1e-9 or total > m.row_hi[r] + 1e-9:
            broken.append(r)
    return broken


def whole_model(comp, exact_envy=True) -> ComponentModel:
    return ComponentModel(
        comp,
        list(range(len(comp.club_ids))),
        [i for i in range(len(comp.child_ids)) if comp.prefs[i]],
        {},
        with_envy=True,
        exact_envy=exact_envy,
    )


def envious(comp, assign) -> set[int]:
    return set(envious_children(comp, assign))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_children=6, modes=(SiblingMode.TOGETHER,)))
def test_every_outcome_with_its_envious_children_satisfies_every_row(p):
    comp = compile_problem(p)
    model = whole_model(comp)
    for assign in assignments(p, comp):
        outcome = {i: assign[i] for i in model.children}
        values = model.encode(outcome, envious(comp, assign))
        assert values is not None
        assert broken_rows(model, values) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_children=6, modes=(SiblingMode.TOGETHER,)))
def test_under_the_restricted_model_every_fair_enough_outcome_satisfies_every_row(p):
    # The restricted model (large problems) admits exactly the outcomes whose only envy is
    # a unit member's, or a child's towards a unit member ranked below her: each of them,
    # with its envious children marked, must satisfy every row, tight rows included.
    comp = compile_problem(p)
    model = whole_model(comp, exact_envy=False)
    admitted = 0
    for assign in assignments(p, comp):
        if not fair_enough(comp, assign):
            continue
        admitted += 1
        outcome = {i: assign[i] for i in model.children}
        values = model.encode(outcome, envious(comp, assign))
        assert values is not None
        assert broken_rows(model, values) == []
    assert admitted > 0  # leaving every unit out is always fair enough


def model_of_the_rest(comp, reduction, with_envy):
    """The model as the engine builds it after ``reduction``: its fixed children are
    constants and everyone else is covered; (those children, the model)."""
    fixed_at: dict[int, list[int]] = {}
    for i, j in sorted(reduction.fixed.items()):
        fixed_at.setdefault(j, []).append(i)
    rest = [i for i in range(len(comp.child_ids)) if comp.prefs[i] and i not in reduction.fixed]
    model = ComponentModel(
        comp, list(range(len(comp.club_ids))), rest, fixed_at,
        with_envy=with_envy, exact_envy=False, reduction=reduction,
    )
    return rest, model


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_children=6, ties="maximize_placed"))
def test_with_the_reduction_every_fair_enough_outcome_satisfies_every_row_of_the_rest(p):
    # As the engine builds it for large problems: the reduction's fixed children are constants,
    # its closed pairs have no column, and the model covers everyone else. Claim rows then
    # count fixed children and columns; every fair-enough outcome must still be admitted.
    comp = compile_problem(p)
    rest, model = model_of_the_rest(comp, reduce_outcomes(comp), bool(comp.together_units))
    for assign in assignments(p, comp):
        if not fair_enough(comp, assign):
            continue
        outcome = {i: assign[i] for i in rest}
        values = model.encode(outcome, envious(comp, assign))
        assert values is not None
        assert broken_rows(model, values) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_children=6, ties="maximize_placed"))
def test_in_fair_mode_every_fully_fair_outcome_satisfies_every_row_of_the_rest(p):
    # Once a fully fair start is found, the engine reduces with the facts of fully fair
    # outcomes and builds the model without envy columns: it must admit every one of them.
    comp = compile_problem(p)
    rest, model = model_of_the_rest(comp, reduce_outcomes(comp, fair=True), False)
    assert model.env == {}
    for assign in assignments(p, comp):
        if envious(comp, assign):
            continue
        values = model.encode({i: assign[i] for i in rest}, set())
        assert values is not None
        assert broken_rows(model, values) == []


def _unit_child(child_id, points, unit=False, grade=1, preferences=("C",)):
    return Child(
        id=child_id, grade=grade, group=1, support=False, points=Decimal(points),
        preferences=preferences, club_points={}, out_of_district=frozenset(), tiebreak=(),
        siblings=SiblingLink("H1", SiblingMode.TOGETHER) if unit else None,
    )


def _unit_and_two(capacity: int, weaker_member: int) -> Problem:
    """Club C of ``capacity`` places, wanted only by the unit (A 20 points, B
    ``weaker_member``), S (15) and T (12)."""
    return Problem(
        (Club("C", capacity),),
        (_unit_child("A", 20, True), _unit_child("B", weaker_member, True),
         _unit_child("S", 15), _unit_child("T", 12)),
        Policy(Ties.MAXIMIZE_PLACED),
        1,
    )


def _claim_rows(model, comp, unit_member: str, club: str) -> list[int]:
    a, c = comp.child_ids.index(unit_member), comp.club_ids.index(club)
    claim = {model.env[a]: 1.0, model.x[model.entry_of[a], c]: 1.0}
    return [
        r for r, (index, coefs) in enumerate(zip(model.model.row_index, model.model.row_value))
        if dict(zip(index, coefs)) == claim and model.model.row_lo[r] == 1
    ]


def test_a_unit_sure_of_a_claim_is_envious_wherever_it_ends_below():
    # C has 3 places. The unit (A 20 points, B 16) wants only C; S (15) and T (12) too. No
    # child outside the unit ranks at or above B, its weakest member, so wherever the unit
    # ends below C it fits there (S or T making way): one row, env_unit + x[unit, C] >= 1.
    p = _unit_and_two(capacity=3, weaker_member=16)
    comp = compile_problem(p)
    model = whole_model(comp)
    assert len(_claim_rows(model, comp, "A", "C")) == 1
    assert model.env[comp.child_ids.index("A")] == model.env[comp.child_ids.index("B")]

    from allocation.solver import solve

    result = solve(p)
    assert result.assignments == {"A": "C", "B": "C", "S": "C", "T": None}
    assert result.stats.extra["envy_children"] == []


def test_a_unit_whose_weakest_member_is_outranked_has_no_claim_row():
    # C has 2 places; S (15) and T (12) outrank B (10): the unit (A 20, B 10) never fits
    # without displacing a child ranked above B, so it has no claim and no such row.
    p = _unit_and_two(capacity=2, weaker_member=10)
    comp = compile_problem(p)
    assert _claim_rows(whole_model(comp), comp, "A", "C") == []

    from allocation.solver import solve

    result = solve(p)
    assert result.assignments == {"A": None, "B": None, "S": "C", "T": "C"}
    assert result.stats.extra["envy_children"] == []
    assert result.stats.proven_optimal


def test_a_unit_claims_a_club_whose_full_grade_band_lower_children_would_leave():
    # C: 4 places, grades 4-6 at most 2. X and Y (grade 5, ranked below both members) hold
    # the band; the unit (A, B, grade 4) fits only if both leave. The unit rows must see the
    # claim (a relaxation by "band full" would miss it), so the unit gets C.
    p = Problem(
        (Club("C", 4, grade_limits=(GradeLimit(4, 6, 2),)), Club("D", 2)),
        (
            _unit_child("A", 20, True, grade=4, preferences=("C", "D")),
            _unit_child("B", 18, True, grade=4, preferences=("C", "D")),
            _unit_child("X", 10, grade=5),
            _unit_child("Y", 9, grade=5),
            _unit_child("Z", 30),
        ),
        Policy(Ties.MAXIMIZE_PLACED),
        1,
    )
    comp = compile_problem(p)
    c = comp.club_ids.index("C")
    d = comp.club_ids.index("D")
    by_id = {comp.child_ids[i]: i for i in range(len(comp.child_ids))}
    kept_out = [-1] * len(comp.child_ids)
    for name, club in (("A", d), ("B", d), ("X", c), ("Y", c), ("Z", c)):
        kept_out[by_id[name]] = club
    assert envious(comp, kept_out) == {by_id["A"], by_id["B"]}

    from allocation.solver import solve

    result = solve(p)
    assert result.assignments == {"A": "C", "B": "C", "X": None, "Y": None, "Z": "C"}
    assert result.stats.extra["envy_children"] == []
    assert result.stats.proven_optimal


@pytest.mark.parametrize("exact_envy_limit", [100, 0])
def test_a_unit_under_two_limits_claims_a_club_where_one_child_frees_both(exact_envy_limit):
    # C: 4 places, 1 for support, grades 4-6 at most 2. A (grade 4, support) is under both
    # limits, both full because of X (grade 5, support), who ranks below both members. X
    # leaving frees a place, a support place and a band place: the unit fits, so it must
    # get C (a row relaxed by "support full" would miss this). Both the small-problem path
    # and the large-problem one (restricted, then fully fair) are checked.
    from unittest import mock

    from allocation.solver import solve

    def kid(child_id, points, grade=1, support=False, unit=False):
        return Child(
            id=child_id, grade=grade, group=1, support=support, points=Decimal(points),
            preferences=("C", "D") if unit else ("C",), club_points={},
            out_of_district=frozenset(), tiebreak=(),
            siblings=SiblingLink("H1", SiblingMode.TOGETHER) if unit else None,
        )

    p = Problem(
        (Club("C", 4, support_limit=1, grade_limits=(GradeLimit(4, 6, 2),)), Club("D", 2)),
        (kid("A", 20, grade=4, support=True, unit=True), kid("B", 18, unit=True),
         kid("X", 10, grade=5, support=True), kid("Y", 9, grade=5), kid("Z", 30)),
        Policy(Ties.MAXIMIZE_PLACED),
        1,
    )
    with mock.patch("allocation.solver.EXACT_ENVY_LIMIT", exact_envy_limit):
        result = solve(p)

    assert result.assignments == {"A": "C", "B": "C", "X": None, "Y": "C", "Z": "C"}
    assert result.stats.extra["envy_children"] == []
    assert result.stats.proven_optimal


def test_the_restricted_model_admits_a_unit_kept_where_a_full_support_limit_blocks_the_swap():
    # C: 3 places, 1 for a child needing support. T (support, 25) holds that place, the unit
    # (A, B, 10 points each) the other two. S (support, 20) ranks above A and B but could
    # only take a place of theirs through the support limit, which is full: no envy, and the
    # model must admit the outcome (her tight rows need "support full" to let her be).
    def child(child_id, points, support=False, unit=False):
        return Child(
            id=child_id, grade=1, group=1, support=support, points=Decimal(points),
            preferences=("C",), club_points={}, out_of_district=frozenset(), tiebreak=(),
            siblings=SiblingLink("H1", SiblingMode.TOGETHER) if unit else None,
        )

    p = Problem(
        (Club("C", 3, support_limit=1),),
        (child("A", 10, unit=True), child("B", 10, unit=True), child("S", 20, support=True),
         child("T", 25, support=True)),
        Policy(Ties.MAXIMIZE_PLACED),
        1,
    )
    comp = compile_problem(p)
    c = comp.club_ids.index("C")
    assign = [c if comp.child_ids[i] != "S" else -1 for i in range(len(comp.child_ids))]
    assert fair_enough(comp, assign) and envious(comp, assign) == set()
    for exact in (True, False):
        model = whole_model(comp, exact_envy=exact)
        values = model.encode({i: assign[i] for i in model.children}, set())
        assert broken_rows(model, values) == []
