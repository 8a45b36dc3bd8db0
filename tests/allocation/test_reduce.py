"""The reduction: every fact it states holds in every outcome its mode admits (fair-enough,
or fully fair)."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from test_bound import fair_enough
from test_properties import problems

from allocation._compiled import compile_problem
from allocation._fair import UNPLACED, envy_pairs
from allocation._reduce import reduce_outcomes, unit_clubs
from allocation.bruteforce import feasible_outcomes
from allocation_builders import child, club, problem


def assignments(p, comp):
    index = {child_id: i for i, child_id in enumerate(comp.child_ids)}
    club_index = {club_id: j for j, club_id in enumerate(comp.club_ids)}
    for outcome in feasible_outcomes(p):
        assign = [UNPLACED] * len(comp.child_ids)
        for child_id, club_id in outcome.items():
            if club_id is not None:
                assign[index[child_id]] = club_index[club_id]
        yield assign


def skipped_rows(comp, reduction):
    """The (child, club) pairs whose stability rows the model leaves out."""
    applied_by_units = unit_clubs(comp)
    skip = set()
    for i, prefs in enumerate(comp.prefs):
        rows = reduction.row_positions(comp, i)
        for position, j in enumerate(prefs):
            if position not in rows or reduction.rows_hold(i, j, applied_by_units):
                skip.add((i, j))
    return skip


def fully_fair(comp, assign, skip=frozenset()):
    """No justified envy at all (units claiming only as a whole), except of child i towards
    club j for (i, j) in ``skip``."""
    return all(pair in skip for pair in envy_pairs(comp, assign))


def keeps_facts(comp, reduction, assign) -> bool:
    """Whether ``assign`` has every fixed child, no closed pair and every guarantee."""
    return (
        all(assign[i] == j for i, j in reduction.fixed.items())
        and not any(assign[i] == j for i, j in reduction.excluded)
        and not any(
            assign[i] == UNPLACED or comp.prefs[i].index(assign[i]) > position
            for i, position in reduction.guarantee.items()
        )
    )


# Plain reduction: facts of fair-enough outcomes; fair mode: facts of fully fair ones.
MODES = [(False, fair_enough), (True, fully_fair)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_children=6, ties="maximize_placed"))
@pytest.mark.parametrize("fair, admitted", MODES, ids=["fair-enough", "fully-fair"])
def test_every_fact_holds_in_every_outcome_its_mode_admits(fair, admitted, p):
    comp = compile_problem(p)
    reduction = reduce_outcomes(comp, fair=fair)

    for assign in assignments(p, comp):
        if not admitted(comp, assign):
            continue
        for i, j in reduction.fixed.items():
            assert assign[i] == j
        for i, j in reduction.excluded:
            assert assign[i] != j
        for i, position in reduction.guarantee.items():
            assert assign[i] != UNPLACED
            assert comp.prefs[i].index(assign[i]) <= position


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_children=6, ties="maximize_placed"))
@pytest.mark.parametrize("fair, admitted", MODES, ids=["fair-enough", "fully-fair"])
def test_the_rows_the_model_leaves_out_hold_by_themselves(fair, admitted, p):
    # Any outcome that keeps the facts and every row the model keeps has no envy where the
    # model has no row either: leaving those rows out admits no unfair outcome.
    comp = compile_problem(p)
    reduction = reduce_outcomes(comp, fair=fair)
    skip = skipped_rows(comp, reduction)

    for assign in assignments(p, comp):
        if keeps_facts(comp, reduction, assign) and admitted(comp, assign, skip):
            assert admitted(comp, assign)


def test_in_fair_mode_a_unit_sure_of_its_first_choice_is_fixed_there():
    # A has 3 places; the unit (K1, K2) is outranked there by K3 only: at most 3 - 2 rivals
    # rank at or above its weakest member, so in a fully fair outcome it holds A. Outside
    # fair mode unit members are never fixed (they may be left envying anyone).
    p = problem(
        [club("A", 3), club("B", 2)],
        [
            child("K1", 20, ["A", "B"], unit="H1"),
            child("K2", 18, ["A", "B"], unit="H1"),
            child("K3", 25, ["A", "B"]),
            child("K4", 10, ["A", "B"]),
        ],
    )
    comp = compile_problem(p)
    a = comp.club_ids.index("A")
    members = [comp.child_ids.index("K1"), comp.child_ids.index("K2")]

    assert all(reduce_outcomes(comp, fair=True).fixed.get(i) == a for i in members)
    assert not any(i in reduce_outcomes(comp).fixed for i in members)


def test_a_child_is_fixed_at_her_second_choice_when_her_first_is_held_above_her():
    # K1 holds A in every fair outcome; A is then closed to K2, who is sure of B.
    p = problem(
        [club("A", 1), club("B", 1)],
        [child("K1", 20, ["A"]), child("K2", 19, ["A", "B"]), child("K3", 18, ["B"])],
    )
    comp = compile_problem(p)
    a, b = comp.club_ids.index("A"), comp.club_ids.index("B")
    k1, k2, k3 = (comp.child_ids.index(k) for k in ("K1", "K2", "K3"))

    reduction = reduce_outcomes(comp)

    assert reduction.fixed == {k1: a, k2: b}
    assert (k2, a) in reduction.excluded and (k2, a) in reduction.dominated
    # B is then full of a fixed child: closed to K3, who is never placed.
    assert (k3, b) in reduction.excluded
    assert k3 not in reduction.guarantee


def test_unit_members_are_never_fixed_nor_guaranteed():
    p = problem(
        [club("A", 4)],
        [
            child("K1", 20, ["A"], unit="H1"),
            child("K2", 20, ["A"], unit="H1"),
            child("K3", 19, ["A"]),
        ],
    )
    comp = compile_problem(p)
    k3 = comp.child_ids.index("K3")

    reduction = reduce_outcomes(comp)

    assert list(reduction.fixed) == [k3]
    assert list(reduction.guarantee) == [k3]


def test_stopped_by_its_deadline_it_states_only_facts_the_full_pass_states():
    from allocation.generate import generate_city

    comp = compile_problem(generate_city(3000, seed=5))

    full = reduce_outcomes(comp)
    cut = reduce_outcomes(comp, deadline=time.perf_counter())

    assert 0 < len(cut.excluded) < len(full.excluded)
    assert cut.excluded <= full.excluded
    assert cut.dominated <= full.dominated
    assert all(full.fixed[i] == j for i, j in cut.fixed.items())
    assert all(full.guarantee[i] <= g for i, g in cut.guarantee.items())
