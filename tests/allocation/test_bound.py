"""The placement bound: never below what the engine may place, whatever the LP says."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from test_properties import problems

from allocation._bound import placement_bound
from allocation._compiled import compile_problem
from allocation._fair import UNPLACED, club_loads, has_room
from allocation.bruteforce import feasible_outcomes, solve_exhaustively
from allocation._reduce import Reduction, reduce_outcomes
from allocation.solver import solve
from allocation.validate import validate
from allocation_builders import child, club, problem


def whole_problem_bound(comp, reduction=None):
    reduction = reduction or Reduction()
    fixed = reduction.fixed
    clubs = list(range(len(comp.club_ids)))
    children = [i for i in range(len(comp.child_ids)) if i not in fixed and comp.prefs[i]]
    fixed_at = {}
    for i, j in sorted(fixed.items()):
        fixed_at.setdefault(j, []).append(i)
    return len(fixed) + placement_bound(comp, clubs, children, fixed_at, reduction)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(ties="maximize_placed"))
def test_the_bound_is_never_below_the_brute_force_optimum(p):
    reference = solve_exhaustively(p)
    comp = compile_problem(p)

    assert whole_problem_bound(comp) >= reference.max_placed
    if reference.min_envy == 0:
        # The reduction's facts hold in every fair outcome.
        assert whole_problem_bound(comp, reduce_outcomes(comp)) >= reference.max_placed


def fair_enough(comp, assign, skip=frozenset()):
    """No justified envy except what the restricted envy model allows: unit members may
    envy anyone, a child outside units only a unit member ranked below her. Envy of child i
    towards club j is not looked for when (i, j) is in ``skip``."""
    loads = club_loads(comp, assign)
    for i, outcome in enumerate(assign):
        if comp.together_unit[i] >= 0:
            continue
        prefs = comp.prefs[i]
        for position in range(len(prefs) if outcome == UNPLACED else prefs.index(outcome)):
            j = prefs[position]
            if (i, j) in skip:
                continue
            own = comp.limit_sets[i][position]
            if has_room(comp, loads[j], j, own):
                return False
            for k in loads[j].members:
                pk = comp.prefs[k].index(j)
                if comp.together_unit[k] >= 0 or comp.levels[k][pk] <= comp.levels[i][position]:
                    continue
                theirs = comp.limit_sets[k][pk]
                limits = comp.side_limits[j]
                if all(loads[j].side[n] < limits[n].limit for n in own if n not in theirs):
                    return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(ties="maximize_placed"))
def test_under_the_restricted_model_it_bounds_every_fair_enough_outcome(p):
    comp = compile_problem(p)
    index = {child_id: i for i, child_id in enumerate(comp.child_ids)}
    club_index = {club_id: j for j, club_id in enumerate(comp.club_ids)}
    best = 0
    for outcome in feasible_outcomes(p):
        assign = [UNPLACED] * len(comp.child_ids)
        for child_id, club_id in outcome.items():
            if club_id is not None:
                assign[index[child_id]] = club_index[club_id]
        if fair_enough(comp, assign):
            best = max(best, sum(j != UNPLACED for j in assign))

    assert whole_problem_bound(comp, reduce_outcomes(comp)) >= best


def test_it_is_the_most_children_placeable_when_the_lp_is_right():
    # Two seats, three children: at most two placed; K3's only club is taken by K1 or K2.
    p = problem(
        [club("A", 1), club("B", 1)],
        [child("K1", 20, ["A", "B"]), child("K2", 20, ["A"]), child("K3", 20, ["A"])],
    )

    assert whole_problem_bound(compile_problem(p)) == 2


def test_wrong_duals_from_the_solver_only_make_it_looser(monkeypatch):
    p = problem(
        [club("A", 1), club("B", 2, support_limit=1)],
        [
            child("K1", 20, ["A", "B"]),
            child("K2", 20, ["B", "A"], support=True),
            child("K3", 19, ["B"], support=True),
            child("K4", 18, ["A", "B"]),
        ],
    )
    comp = compile_problem(p)
    truth = whole_problem_bound(comp)
    # With the reduction's facts the LP has rows with a lower side (guaranteed children).
    reduction = reduce_outcomes(comp)
    assert reduction.guarantee
    with_facts = whole_problem_bound(comp, reduction)
    rng = np.random.default_rng(7)

    for _ in range(50):
        garbage = rng.normal(0.0, 3.0, size=64)
        monkeypatch.setattr(
            "allocation._bound._lp_duals",
            lambda rows, cols, values, c, lo, b, limit: garbage[: len(b)],
        )
        assert whole_problem_bound(comp) >= truth
        assert whole_problem_bound(comp, reduction) >= with_facts


def test_an_unproven_large_component_reports_the_placement_bound_not_the_seats(monkeypatch):
    from allocation.generate import generate_city

    # No model is built at all (as at 100k children under a minute), so the bound can only
    # come from the placement LP.
    monkeypatch.setattr("allocation.solver.MODEL_SECONDS_PER_CHILD", 1e6)
    p = generate_city(1000, seed=2)
    seats = sum(c.capacity for c in p.clubs)

    result = solve(p, time_limit=60)

    assert [v for v in validate(p, result) if v.fatal] == []
    assert result.stats.placed <= result.stats.bound < min(seats, len(p.children))
    assert not result.stats.proven_optimal
    assert result.stats.gap == (result.stats.bound - result.stats.placed) / result.stats.bound
