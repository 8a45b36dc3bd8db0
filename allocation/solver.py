"""The allocation engine: fair, most children placed, lottery order, explained.

Pipeline (docs/allocation-engine.md tells the whole story):

1. compile the problem to integer arrays (``_compiled``) and run deferred acceptance with the
   single lottery (``da``): the baseline, the first incumbent and the fallback;
2. reduce (``_reduce``): what every fair-enough outcome has in common: children fixed at a
   club, clubs closed to a child, children sure of a club or a better one;
3. split the rest into independent components (clubs linked by what is left of children's
   choices);
4. per component, solve the compact stability model in stages: fewest children with justified
   envy (only where "together" units can make envy unavoidable), most children placed
   (``maximize_placed``), most "prefer" units together, then lottery order exactly, in batches
   of children whose objective weights are exact integers;
5. check every solution in plain Python before using it; keep the last checked one otherwise.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from dataclasses import dataclass, field

from allocation._backend import FEASIBLE, INF, INFEASIBLE, OPTIMAL, make_backend
from allocation._compiled import Compiled, compile_problem
from allocation._fair import UNPLACED, breaches_in, envious_in, loads_for
from allocation._bound import placement_bound
from allocation._reduce import Reduction, reduce_outcomes, unit_clubs
from allocation._stability import ComponentModel, OutOfTime
from allocation.da import da_assign
from allocation.explain import explain_all, waitlists
from allocation.model import Problem, Result, Stats, Ties

log = logging.getLogger(__name__)

# At most this many lottery-order solves per run: a count, not a clock, so that the result
# never depends on the machine's speed. Children beyond it keep the best outcome found so far
# and the run reports the lottery order as not proven.
LEX_SOLVE_BUDGET = 3000
# Batch weights stay below this, so every objective value is an exact integer in a double and
# far inside HiGHS's tolerances.
LEX_WEIGHT_LIMIT = 10**6
# Lottery order by "probes": one MIP finds the earliest child who can still do better and
# the best club she can then have (see ``probe`` in ``solve_component``); she and everyone
# before her are settled at once. Off, batches of a few children are solved in turn (the
# same outcome; kept for the tests that compare the two).
LEX_PROBE = True
# The "lottery tail": a term below 0.5 in total added to the integer objectives of the
# most-placed, "prefer" and probe solves, worth each child's rank score times
# exp(-position / (TAIL_DECAY * children)) in lottery order. HiGHS stops at an absolute gap
# of 0.5, so the integer part is still proven exactly (the tail cannot make up a unit), while
# among equal optima the solution it returns leans towards the lottery optimum: fewer probes
# (10k without "together" units, seeds 1-5: 0-2 first improvers instead of 8-11; every stage
# proven in 2.4-3.9 s with a 5 s budget, was 5.8-10.3 s with 60 s).
TAIL_DECAY = 0.1
TAIL_TOTAL = 0.4
# "Most placed" and "most prefer units together" are one solve (weights placed * W +
# together, W = prefer units + 1) when W times the component's children stays below this:
# objective values stay exact integers far inside HiGHS's tolerances.
FOLD_WEIGHT_LIMIT = 10**7
# Problems with "together" units up to this many children get the exact fewest-envy model
# (a big-M envy column on every child). Larger ones get the restricted model, in which a child
# outside a unit may only be left envying a unit member ranked below her: the exact model did
# not finish at 1,000 children in a minute, the restricted one does. A size, not a clock, so
# results stay reproducible; stats report which one ran.
EXACT_ENVY_LIMIT = 100
# A component's model is built only when at least this much time per child is left: enough
# to build it and give HiGHS a chance at its first stage. Measured on a quiet machine:
# building and handing it over 0.13-0.19 ms per child (2k-11k children), a first stage
# 0.5-0.85 ms per child (2k-5k). Lower, large models were built only for HiGHS to spend
# the rest without finishing a root (100k: 21k children, 20 s for a 14.6 s limit); at 1 ms
# the 10k city without "together" units missed its model when compiling ran slow.
MODEL_SECONDS_PER_CHILD = 0.0008
# Explanations and waitlists come after the last stage and cannot be skipped, so time for them
# is held back from the stages: this much per child, or this many times what compiling took
# (compiling walks the same data; measured ratio 1.5-2.6 from 1.5k to 100k children), whichever
# is more. The second tracks how loaded the machine is right now. Explanations measured
# 0.01-0.03 ms per child (10k: 0.1 s; 100k: 2.7 s), so the floor is 0.04 ms; at 0.1 ms the
# 10k city held back 1 s of its 5 and its last lottery probe did not fit.
EXPLAIN_SECONDS_PER_CHILD = 0.00004
EXPLAIN_PER_COMPILE = 3.0
# HiGHS overshoots its own time limit by up to ~2 s on a loaded machine (measured on the demo
# city), more on larger models (50k city, a 25k-child component: 4.2 s for a 3.1 s limit);
# each call is asked to stop this much earlier than the time it was given, plus this much
# per child of its component (1 s at 25k children, 0.11 s at 2.8k).
SOLVER_MARGIN = 0.05
SOLVER_MARGIN_PER_CHILD = 0.00004
# On components of more than LARGE_COMPONENT_CHILDREN children, HiGHS is also asked to stop
# this share of its time earlier: a lottery probe on the 50k city's 13,727-child component
# ran 1.0-3.3 s past limits of 29-34 s on a slow day (the margin above was 0.55 s), and the
# city took 61.7 s of its 60.
SOLVER_MARGIN_SHARE = 0.1
LARGE_COMPONENT_CHILDREN = 5000
# Passes of ``repair_envy`` looking for a fully fair start: one left a single envious child
# on the 50k city (a child ranked above one who took a place after she had looked), the
# second none.
FAIR_START_PASSES = 3
# A stage of a large component (over START_MIN_CHILDREN) left with less than this is skipped:
# HiGHS spends about half a second in presolve there before it first looks at its clock
# (0.56 s for a 0.09 s limit at 10k). Small components' models solve in milliseconds.
MIN_STAGE_SECONDS = 0.25
# Under a time limit each component gets the remaining time in proportion to its children,
# but never less than this share of it: a component of 19 children beside one of 13,727 was
# given 0.05 s, less than HiGHS's margin, and left unproven (50k city). Components run
# smallest first (``components``), so a small one hands back what it does not use.
MIN_COMPONENT_SHARE = 0.01
# ... and never less than this many seconds (when that much is left): at 5 s, 1 % of what was
# left was 35 ms for a 10-child component of the 10k city (seed 2), less than HiGHS's margin,
# so its lottery probe never ran and the whole city was reported unproven. Such components
# solve in milliseconds and hand the rest back.
MIN_COMPONENT_SECONDS = 0.25
# Under a time limit, components of more children than this start HiGHS from the checked
# incumbent: on the demo city (896 children in one component) the later stages found no
# solution at all in 18 s without one. Without a limit, or on small components, no start is
# given (slower with one, see _backend), so the brute-force comparisons never meet it.
START_MIN_CHILDREN = 200


@dataclass
class _ComponentOutcome:
    outcome: dict[int, int]
    envious: list[int]
    bound: int
    proven: bool
    lex_proven: bool
    solves: int = 0


@dataclass
class _Pass:
    assign: list[int]
    envious: list[int]
    bound: int
    proven: bool
    lex_proven: bool
    preprocessed: int
    reduced: bool
    components: int
    largest_component: int
    mip_components: int
    solves: int
    timings: dict[str, float] = field(default_factory=dict)
    fair: bool = False  # the facts and models were those of fully fair outcomes


def solve(problem: Problem, *, time_limit: float | None = None, solver: str = "highs") -> Result:
    """Allocate places under ``problem.policy``; see the module docstring for the stages."""
    started = time.perf_counter()
    deadline = started + time_limit if time_limit is not None else None
    comp = compile_problem(problem)
    compiled_at = time.perf_counter()
    # The stages end early enough for explanations to fit in the budget too.
    stages_deadline = None
    if deadline is not None:
        stages_deadline = deadline - max(
            EXPLAIN_SECONDS_PER_CHILD * len(comp.child_ids),
            EXPLAIN_PER_COMPILE * (compiled_at - started),
        )

    da = da_assign(comp)
    all_children = {i: j for i, j in enumerate(da)}
    da_loads = loads_for(comp, ((i, j) for i, j in all_children.items() if j != UNPLACED))
    da_envious = envious_in(comp, da_loads, all_children)
    da_placed = sum(1 for j in da if j != UNPLACED)
    da_at = time.perf_counter()

    engine = _Engine(comp, solver, stages_deadline, da, da_envious)
    engine.da_seconds = da_at - compiled_at
    run = engine.run(use_reduction=True)
    if engine.exact_envy and run.envious and run.reduced and not engine.out_of_time():
        # The reduction is exact for the restricted envy model only: in the exact one a
        # fixed child may be the one best left envying. Small problems, so ask again in full.
        run = engine.run(use_reduction=False)

    assign = run.assign
    assignments = {
        comp.child_ids[i]: (comp.club_ids[j] if j != UNPLACED else None)
        for i, j in enumerate(assign)
    }
    placed = sum(1 for j in assign if j != UNPLACED)
    bound = max(run.bound, placed)
    gap = 0.0 if bound == placed else (bound - placed) / bound
    lottery = {comp.child_ids[i]: rank for i, rank in enumerate(comp.lottery)}
    explain_started = time.perf_counter()
    waitlist = waitlists(comp, assign)
    explanations = explain_all(comp, assign, waitlist, set(run.envious))
    finished = time.perf_counter()

    timings = {
        "compile": round(compiled_at - started, 4),
        "deferred_acceptance": round(da_at - compiled_at, 4),
        **{k: round(v, 4) for k, v in run.timings.items()},
        "explain": round(finished - explain_started, 4),
    }
    extra = {
        "deferred_acceptance_placed": da_placed,
        "deferred_acceptance_envy": len(da_envious),
        "preprocessed": run.preprocessed,
        "components": run.components,
        "largest_component": run.largest_component,
        "mip_components": run.mip_components,
        "solver_calls": run.solves,
        "lottery_order_proven": run.lex_proven,
        # "fully fair": a fully fair start was found, so every stage kept to fully fair
        # outcomes (no envy columns, the stronger reduction).
        "envy_model": (
            "fully fair" if run.fair else "restricted" if engine.restricted_envy else "exact"
        ),
        "envy_count": len(run.envious),
        "envy_children": [comp.child_ids[i] for i in run.envious],
        "stage_seconds": timings,
        "solver": solver,
    }
    stats = Stats(
        placed=placed,
        unplaced=len(assign) - placed,
        proven_optimal=run.proven and bound == placed,
        gap=gap,
        bound=bound,
        seconds=round(finished - started, 4),
        extra=extra,
    )
    return Result(
        assignments=assignments,
        waitlist={comp.club_ids[j]: tuple(comp.child_ids[i] for i in w) for j, w in waitlist.items()},
        explanations=explanations,
        stats=stats,
        lottery=lottery,
    )


def repair_envy(
    comp: Compiled,
    assign: list[int],
    frozen: set[int],
    deadline: float | None = None,
    units_yield: bool = False,
) -> list[int]:
    """``assign`` with justified envy settled by moving children, as far as it goes.

    A child outside ``frozen`` and any "together" unit takes the best club she listed where
    she has a claim: room under every limit of hers, or a movable child ranked below her whose
    place she can take within those limits (the weakest such child leaves). A "together" unit
    takes the best club where, after the weakest single children ranked below all its members
    leave, all its members fit. With ``units_yield`` (looking for a fully fair outcome) a
    unit member counts as a child who can leave too, and then her whole unit leaves. Every
    move keeps every limit, so the outcome is valid whenever it stops (a move cap,
    ``deadline``); whoever leaves a club, or could use the place just freed, is looked at
    again. It need not end envy-free: the engine checks it like any other
    start and uses it only if it is better.
    """
    frozen = set(frozen)
    in_unit = [comp.together_unit[i] >= 0 for i in range(len(assign))]
    n_clubs = len(comp.club_ids)
    assign = list(assign)
    count = [0] * n_clubs
    side = [[0] * len(limits) for limits in comp.side_limits]
    limits = [[limit.limit for limit in club_limits] for club_limits in comp.side_limits]
    held: list[set[int]] = [set() for _ in range(n_clubs)]

    def put(k: int, j: int, step: int) -> None:
        count[j] += step
        if step > 0:
            held[j].add(k)
        else:
            held[j].discard(k)
        for n in comp.limit_sets[k][comp.prefs[k].index(j)]:
            side[j][n] += step

    for i, j in enumerate(assign):
        if j != UNPLACED:
            put(i, j, 1)

    def claim(i: int, position: int) -> tuple[bool, int | None]:
        j = comp.prefs[i][position]
        own = comp.limit_sets[i][position]
        if count[j] < comp.capacity[j] and all(side[j][n] < limits[j][n] for n in own):
            return True, None
        level = comp.levels[i][position]
        weakest = None
        for k in held[j]:
            if k in frozen or (in_unit[k] and not units_yield):
                continue
            pk = comp.prefs[k].index(j)
            if comp.levels[k][pk] <= level:
                continue
            theirs = comp.limit_sets[k][pk]
            if all(side[j][n] < limits[j][n] for n in own if n not in theirs):
                key = (comp.levels[k][pk], comp.lottery[k], k)
                if weakest is None or key > weakest:
                    weakest = key
        return weakest is not None, (weakest[2] if weakest is not None else None)

    def claim_unit(members: list[int], position: int) -> tuple[bool, list[int]]:
        j = comp.prefs[members[0]][position]
        need = comp.limit_need(members, position)
        level = max(comp.levels[m][position] for m in members)
        excess_count = count[j] + len(members) - comp.capacity[j]
        excess = [side[j][n] + need[n] - limits[j][n] for n in range(len(need))]
        leaving: list[int] = []
        if excess_count > 0 or any(e > 0 for e in excess):
            below = []
            for k in held[j]:
                if k in frozen or (in_unit[k] and not units_yield) or k in members:
                    continue
                pk = comp.prefs[k].index(j)
                if comp.levels[k][pk] > level:
                    below.append((comp.levels[k][pk], comp.lottery[k], k, comp.limit_sets[k][pk]))
            for _, _, k, theirs in sorted(below, reverse=True):
                if excess_count <= 0 and all(e <= 0 for e in excess):
                    break
                if excess_count > 0 or any(excess[n] > 0 for n in theirs):
                    leaving.append(k)
                    excess_count -= 1
                    for n in theirs:
                        excess[n] -= 1
            if excess_count > 0 or any(e > 0 for e in excess):
                return False, []
        return True, leaving

    def leave(k: int, j: int) -> None:
        """Child k leaves club j: with her whole unit, if she is in one."""
        for m in comp.together_units[comp.together_unit[k]] if in_unit[k] else [k]:
            if assign[m] == j:
                put(m, j, -1)
                assign[m] = UNPLACED
        requeue(k)

    def requeue(k: int) -> None:
        token = k if not in_unit[k] else -1 - comp.together_unit[k]
        if k not in frozen and token not in queued:
            queue.append(token)
            queued.add(token)

    tokens = [i for i in range(len(assign)) if i not in frozen and not in_unit[i]]
    tokens += [
        -1 - u for u, members in enumerate(comp.together_units) if not frozen.intersection(members)
    ]

    def first_lottery(token: int) -> int:
        if token >= 0:
            return comp.lottery[token]
        return min(comp.lottery[m] for m in comp.together_units[-1 - token])

    queue = deque(sorted(tokens, key=lambda t: (first_lottery(t), t)))
    queued = set(queue)
    moves = 0
    # Units and side limits can make moves cycle: a cap, so that it always ends.
    while queue and moves < 10 * len(assign):
        if deadline is not None and moves % 64 == 0 and time.perf_counter() >= deadline:
            break
        i = queue.popleft()
        queued.discard(i)
        if i < 0:
            members = comp.together_units[-1 - i]
            prefs = comp.prefs[members[0]]
            current = assign[members[0]]
            stop = len(prefs) if current == UNPLACED else prefs.index(current)
            for position in range(stop):
                ok, leaving_all = claim_unit(members, position)
                if not ok:
                    continue
                moves += 1
                j = prefs[position]
                for k in leaving_all:
                    if assign[k] == j:
                        leave(k, j)
                if current != UNPLACED:
                    for m in members:
                        put(m, current, -1)
                        assign[m] = UNPLACED
                    for k, _ in comp.applicants[current]:
                        requeue(k)
                for m in members:
                    put(m, j, 1)
                    assign[m] = j
                break
            continue
        prefs = comp.prefs[i]
        stop = len(prefs) if assign[i] == UNPLACED else prefs.index(assign[i])
        for position in range(stop):
            ok, leaving = claim(i, position)
            if not ok:
                continue
            moves += 1
            if leaving is not None:
                leave(leaving, prefs[position])
            if assign[i] != UNPLACED:
                vacated = assign[i]
                put(i, vacated, -1)
                for k, _ in comp.applicants[vacated]:
                    requeue(k)
            put(i, prefs[position], 1)
            assign[i] = prefs[position]
            break
    return assign


def components(
    comp: Compiled, children: list[int], reduction: Reduction
) -> list[tuple[list[int], list[int]]]:
    """(clubs, children) of each independent part, smallest first (then by best lottery
    rank): clubs are linked by the clubs each child's columns and rows refer to
    (``Reduction.linked_clubs``). A child linked to no club is left out: she is never placed
    and never envious.

    Smallest first because under a time limit parts are solved one by one and the last one
    takes whatever is left: small parts are proven in milliseconds, and a large part's
    lottery stage, which takes all the time it is given, can no longer leave them none (the
    50k city: parts of 9, 19 and 25 children after one of 13,727 found no time left, and
    their bound made a gap of 0.044 % where every child placed was proven)."""
    parent = list(range(len(comp.club_ids)))
    applied_by_units = unit_clubs(comp)
    linked = {i: reduction.linked_clubs(comp, i, applied_by_units) for i in children}
    children = [i for i in children if linked[i]]

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i in children:
        clubs = linked[i]
        for j in clubs[1:]:
            a, b = find(clubs[0]), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, tuple[set[int], list[int]]] = {}
    for i in children:
        root = find(linked[i][0])
        clubs, members = groups.setdefault(root, (set(), []))
        clubs.update(linked[i])
        members.append(i)
    parts = [(sorted(clubs), sorted(members)) for clubs, members in groups.values()]
    parts.sort(key=lambda part: (len(part[1]), min(comp.lottery[i] for i in part[1])))
    return parts


class _Engine:
    def __init__(self, comp: Compiled, solver: str, deadline, da: list[int], da_envious) -> None:
        self.comp = comp
        self.solver = solver
        self.deadline = deadline
        self.da = da
        self.da_envious = da_envious
        self.maximize = comp.problem.policy.ties == Ties.MAXIMIZE_PLACED
        self.lex_budget = LEX_SOLVE_BUDGET
        self.da_seconds = 0.0
        self.bound_seconds = 0.0  # spent on placement bounds in the current pass
        self.reduction = Reduction()  # the current pass's facts
        # Decided by size before anything is solved, so the same input always gets the same
        # model: exact for problems up to EXACT_ENVY_LIMIT children, restricted above.
        self.exact_envy = len(comp.child_ids) <= EXACT_ENVY_LIMIT
        self.restricted_envy = bool(comp.together_units) and not self.exact_envy

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.perf_counter())

    def fair_start(self) -> list[int] | None:
        """A fully fair outcome, if a quick one is found: deferred acceptance around the units'
        own deferred-acceptance places, as it is or with its envy repaired
        (``repair_envy``); checked over the whole problem."""
        comp = self.comp
        if self.remaining() is not None and self.remaining() < 4 * self.da_seconds:
            return None
        held = {}
        for members in comp.together_units:
            if self.da[members[0]] != UNPLACED:
                held.update({i: self.da[i] for i in members})
        candidate = da_assign(comp, held)
        for attempt in range(FAIR_START_PASSES + 1):
            outcome = dict(enumerate(candidate))
            loads = loads_for(comp, ((i, j) for i, j in outcome.items() if j != UNPLACED))
            if not breaches_in(comp, loads, outcome) and not envious_in(comp, loads, outcome):
                return candidate
            if attempt == FAIR_START_PASSES or self.out_of_time():
                return None
            repaired = repair_envy(comp, candidate, set(), self.deadline, units_yield=True)
            if repaired == candidate:
                return None
            candidate = repaired
        return None

    def run(self, use_reduction: bool) -> _Pass:
        comp = self.comp
        self.bound_seconds = 0.0
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        fair_start = self.fair_start() if use_reduction and self.restricted_envy else None
        t_fair = time.perf_counter()
        timings["fair_start"] = t_fair - t0
        # With a fully fair outcome at hand the fewest envious children is 0, and every
        # stage after it keeps to fully fair outcomes: their facts are stronger (unit
        # members are judged like anyone else), and so is the model (no envy columns).
        self.reduction = reduction = (
            reduce_outcomes(comp, self.deadline, fair=fair_start is not None)
            if use_reduction
            else Reduction()
        )
        fixed = dict(reduction.fixed)
        t1 = time.perf_counter()
        timings["preprocess"] = t1 - t_fair
        start = list(self.da)
        alternatives = [start]
        remaining = self.remaining()
        if fair_start is not None:
            # Fully fair, so it holds every fact of fully fair outcomes (the fixed children
            # are where it has them).
            start = fair_start
            alternatives = [start]
        elif remaining is not None and remaining < 2 * self.da_seconds:
            # No stage could run after a second deferred acceptance around the fixed children
            # (a model costs far more than that): the first, checked per component, is the
            # answer, and only children it already places where the reduction fixed them stay
            # fixed (the others join their components; the reduction's facts stay true).
            fixed = {i: j for i, j in fixed.items() if self.da[i] == j}
        elif self.restricted_envy:
            # The restricted envy model accepts only envy that involves a unit; deferred
            # acceptance can leave other envy behind when a unit moves on. Keep its unit
            # placements and let everyone else propose again around them: a start the model
            # accepts, with no more envious children than that.
            held = dict(fixed)
            for members in comp.together_units:
                if self.da[members[0]] != UNPLACED:
                    held.update({i: self.da[i] for i in members})
            start = da_assign(comp, held)
            alternatives = [start, list(self.da)]
        elif any(self.da[i] != j for i, j in fixed.items()):
            start = da_assign(comp, fixed)
            alternatives = [start, list(self.da)]
        if (
            fair_start is None
            and self.da_envious
            and not self.exact_envy
            and not self.out_of_time()
        ):
            # One more start: the envy that ordinary children can settle among themselves,
            # settled (units and fixed children stay put). At 10k: 219 envious instead of 269.
            repaired = repair_envy(comp, start, set(fixed), self.deadline)
            if repaired != start:
                alternatives.append(repaired)
        rest = [i for i in range(len(comp.child_ids)) if i not in fixed and comp.prefs[i]]
        parts = components(comp, rest, reduction)
        fixed_at: dict[int, list[int]] = {}
        for i, j in sorted(fixed.items()):
            fixed_at.setdefault(j, []).append(i)
        t2 = time.perf_counter()
        timings["components"] = t2 - t1

        assign = [UNPLACED] * len(comp.child_ids)
        for i, j in fixed.items():
            assign[i] = j
        envious: list[int] = []
        bound = len(fixed)
        proven = True
        lex_proven = True
        solves = 0
        mip_components = 0
        waiting = sum(len(children) for _, children in parts)
        for clubs, children in parts:
            # Under a time limit each component gets time in proportion to its size.
            result = self.solve_component(
                clubs, children, fixed_at, alternatives, len(children) / max(1, waiting)
            )
            waiting -= len(children)
            for i, j in result.outcome.items():
                assign[i] = j
            envious.extend(result.envious)
            bound += result.bound
            proven = proven and result.proven
            lex_proven = lex_proven and result.lex_proven
            solves += result.solves
            mip_components += result.solves > 0
        timings["components_solve"] = time.perf_counter() - t2
        timings["placement_bound"] = self.bound_seconds
        # Components look for envy only towards their own clubs; the reduction says there is
        # none towards the others in a fair-enough outcome, but a start need not be one.
        # Count it over the whole outcome: only what is found here is declared.
        loads = loads_for(comp, ((i, j) for i, j in enumerate(assign) if j != UNPLACED))
        found = envious_in(comp, loads, dict(enumerate(assign)))
        if len(found) != len(envious):
            proven = False
        return _Pass(
            assign=assign,
            envious=found,
            bound=bound,
            proven=proven,
            lex_proven=lex_proven,
            preprocessed=len(fixed),
            reduced=bool(reduction.excluded or reduction.guarantee),
            fair=reduction.fair,
            components=len(parts),
            largest_component=max((len(c) for _, c in parts), default=0),
            mip_components=mip_components,
            solves=solves,
            timings=timings,
        )

    # One component --------------------------------------------------------------------

    def check(self, outcome: dict[int, int], clubs: list[int], fixed_at) -> tuple[bool, list[int]]:
        comp = self.comp
        placements = [(i, j) for i, j in outcome.items() if j != UNPLACED]
        placements += [(i, j) for j in clubs for i in fixed_at.get(j, ())]
        loads = loads_for(comp, placements)
        if breaches_in(comp, loads, outcome):
            return False, []
        return True, envious_in(comp, loads, outcome, set(clubs))

    def placement_bound(self, clubs, children, fixed_at, deadline) -> int:
        """``_bound.placement_bound`` for a component whose "most placed" stage is unproven
        (its number of children when the clock has run out or HiGHS gives no duals)."""
        comp = self.comp
        fallback = len(children)
        if deadline is not None and time.perf_counter() >= deadline:
            return fallback
        began = time.perf_counter()
        limit = None if deadline is None else deadline - time.perf_counter()
        bound = placement_bound(comp, clubs, children, fixed_at, self.reduction, limit)
        self.bound_seconds += time.perf_counter() - began
        return fallback if bound is None else bound

    def solve_component(
        self, clubs, children, fixed_at, starts, share: float = 1.0
    ) -> _ComponentOutcome:
        comp = self.comp
        remaining = self.remaining()
        component_deadline = None
        if remaining is not None:
            component_deadline = time.perf_counter() + max(
                remaining * max(share, MIN_COMPONENT_SHARE), min(remaining, MIN_COMPONENT_SECONDS)
            )
        # The first incumbent: the checked start with the fewest envious children among those
        # placing at least as many as deferred acceptance (guarantee 6), then the most placed.
        da_placed = sum(1 for i in children if self.da[i] != UNPLACED)
        checked = []
        for start in starts:
            candidate = {i: start[i] for i in children}
            ok, candidate_envious = self.check(candidate, clubs, fixed_at)
            if ok:
                checked.append((candidate, candidate_envious))
        has_units = any(comp.together_unit[i] >= 0 for i in children)
        incumbent, envious = {i: UNPLACED for i in children}, []
        if checked:
            incumbent, envious = first_incumbent(
                checked, da_placed, has_units and not self.reduction.fair
            )
        else:  # deferred acceptance always respects limits; be safe
            _, envious = self.check(incumbent, clubs, fixed_at)
        side_limits = any(comp.side_limits[j] for j in clubs)
        placed = _placed(incumbent)
        seats = sum(comp.capacity[j] - len(fixed_at.get(j, ())) for j in clubs)
        trivial_bound = min(len(children), seats)

        if not envious and not self.maximize and not has_units and not side_limits:
            # Capacity only and strict priorities: deferred acceptance is the child-optimal
            # stable matching, which is exactly the lottery-order optimum.
            return _ComponentOutcome(incumbent, [], placed, True, True)
        no_prefer = not any(
            any(i in incumbent for i in members) for members in comp.prefer_units
        )
        if not envious and no_prefer and all(incumbent[i] == comp.prefs[i][0] for i in children):
            return _ComponentOutcome(incumbent, [], placed, True, True)

        warm = component_deadline is not None and len(children) > START_MIN_CHILDREN
        # Under a budget, a large component's placement bound is taken first: it costs about
        # 1 % of the stages' time (0.05 s at 10k, about a second at 100k); taken after an
        # unproven "most placed" stage it found the clock run out when HiGHS had overshot its
        # limit (50k: the bound fell back to the seat count, gap 4.6 % not 2.4 %), and taken
        # after a model that could not be finished in time, likewise.
        early_bound = None
        if warm and self.maximize:
            early_bound = self.placement_bound(clubs, children, fixed_at, component_deadline)

        def without_model() -> _ComponentOutcome:
            bound = early_bound
            if bound is None:
                bound = self.placement_bound(clubs, children, fixed_at, component_deadline)
            return _ComponentOutcome(
                incumbent, envious, max(placed, min(trivial_bound, bound)), False, False
            )

        if (
            component_deadline is not None
            and component_deadline - time.perf_counter() < MODEL_SECONDS_PER_CHILD * len(children)
        ):
            # Not even the model could be built in the time left: keep the checked start.
            return without_model()

        try:
            model = ComponentModel(
                comp, clubs, children, fixed_at, with_envy=has_units and not self.reduction.fair,
                exact_envy=self.exact_envy,
                deadline=component_deadline, reduction=self.reduction,
            )
            if component_deadline is not None and time.perf_counter() >= component_deadline:
                raise OutOfTime
            backend = make_backend(self.solver, model.model)
        except OutOfTime:
            return without_model()
        solves = 0
        proven = True

        def attempt(objective, maximize, share=1.0, expected=None):
            nonlocal solves
            limit = None
            if component_deadline is not None:
                limit = stage_limit(
                    (component_deadline - time.perf_counter()) * share,
                    len(children),
                    MIN_STAGE_SECONDS if warm else 0.01,
                    expected,
                )
                if limit is None:
                    return None, None
            solves += 1
            values = None
            if self.solver != "highs" or warm:
                values = model.encode(incumbent, set(envious))
                if values is not None:
                    # Columns a probe added (see ``probe``) are all 0 at the incumbent.
                    values += [0.0] * (backend.size[0] - len(values))
            began = time.perf_counter()
            result = backend.solve(objective, maximize, limit, values)
            log.debug(
                "component of %d children: %s after %.3f s (limit %s), dual bound %s",
                len(children), result.status, time.perf_counter() - began, limit, result.bound,
            )
            if result.status not in (OPTIMAL, FEASIBLE):
                return None, result
            candidate = model.decode(result.values)
            good, candidate_envious = self.check(candidate, clubs, fixed_at)
            if not good:
                return None, result
            return (candidate, candidate_envious), result

        # Stage 1: fewest children with justified envy (only "together" units make it > 0).
        # A fully fair outcome, when one exists, settles the question with the easy model
        # (envy columns fixed at 0); the weak big-M envy model is solved only when none does.
        envy_weights = model.envy_objective()
        envy_cols = sorted(envy_weights)
        zeros = [0.0] * len(envy_cols)
        envy_cap = len(envious)
        if envy_cols:
            backend.set_bounds(envy_cols, zeros, zeros)
        if has_units and envious:
            found, result = attempt(
                model.placed_objective() if self.maximize else {}, True, 0.3
            )
            if found is not None and not found[1]:
                incumbent, envious = found
            elif result is not None and (result.status == INFEASIBLE or found is not None):
                # No fair outcome, or the model's fair one is not (a unit's claim under a
                # side limit the unit rows leave out; ``_stability._unit_row``): minimise.
                if found is not None and len(found[1]) < len(envious):
                    incumbent, envious = found
                backend.set_bounds(envy_cols, zeros, [1.0] * len(envy_cols))
                found, result = attempt(envy_weights, False, 0.4)
                if found is not None and len(found[1]) <= len(envious):
                    incumbent, envious = found
                # Every outcome's envious children satisfy the model, so its dual bound is a
                # lower bound: proven when the checked count reaches it.
                lower = None if result is None else _lower_bound(result, envy_weights)
                if lower is None or len(envious) > lower:
                    proven = False
            else:
                proven = False
                backend.set_bounds(envy_cols, zeros, [1.0] * len(envy_cols))
            envy_cap = len(envious)
        if envy_cap:
            backend.add_rows(
                [envy_cols], [[envy_weights[c] for c in envy_cols]], [-INF], [envy_cap]
            )

        _log_stage("envy", envious, incumbent, solves)
        # Stage 2: most children placed; with "prefer" units, most of them together next in
        # the same solve when exact integer weights stay small (placed * W + together, W
        # above any together count): one solve instead of two (10k without "together" units:
        # 1.4 s instead of 1.9 + 1.4 s).
        bound = trivial_bound
        order = sorted(children, key=lambda i: comp.lottery[i])
        tail = _lottery_tail(model, order)
        weight = len(model.prefer_here) + 1
        folded = bool(model.together_cols) and weight * len(children) <= FOLD_WEIGHT_LIMIT
        together_settled = False
        if self.maximize:
            placed = _placed(incumbent)
            # With every seat (or child) already placed there is nothing to prove here, and
            # "prefer" gets its own stage (demo city: the folded solve spent 9.9 s unproven).
            folded = folded and placed < trivial_bound
            if placed < trivial_bound:
                objective = model.placed_objective()
                if folded:
                    objective = {c: weight * v for c, v in objective.items()}
                    objective.update(model.together_objective())
                # Folded, this solve is stage 3's too: it gets that stage's time as well. A
                # large component gets all of it: its later stages cannot finish where this
                # one could not (the 100k city on a slow day: this stage stopped at 23.6 s,
                # before the end of HiGHS's presolve, with 18 s left for lottery probes that
                # never finish at 28k children); a stage that finishes hands the rest on.
                stage_share = 0.85 if folded else 0.7
                if len(children) > LARGE_COMPONENT_CHILDREN:
                    stage_share = 1.0
                found, result = attempt(_with_tail(objective, tail), True, stage_share)
                accepted = (
                    found is not None
                    and len(found[1]) <= envy_cap
                    and _placed(found[0]) >= placed
                    and (
                        _placed(found[0]) > placed
                        or _together(model, found[0]) >= _together(model, incumbent)
                    )
                )
                if accepted:
                    incumbent, envious = found
                placed = _placed(incumbent)
                # Optimal for the model but refused by the check (more envy than the model
                # sees), the count is not proven.
                if result is not None and result.status == OPTIMAL and accepted:
                    bound = placed
                    together_settled = folded and accepted
                else:
                    proven = False
                    if result is not None and result.bound is not None:
                        # Folded: placed * W <= placed * W + together <= the dual bound.
                        scale = weight if folded else 1
                        bound = min(bound, math.floor(result.bound / scale + 1e-6))
                    if early_bound is None:
                        early_bound = self.placement_bound(
                            clubs, children, fixed_at, component_deadline
                        )
                    bound = min(bound, early_bound)
            else:
                bound = placed
        placed = 0
        if self.maximize or not envious:
            # Never fewer than the start (deferred acceptance when it is fair) from here on.
            placed = _placed(incumbent)
            cols = sorted(model.placed_terms)
            backend.add_rows([cols], [[model.placed_terms[c] for c in cols]], [placed], [INF])

        _log_stage("placed", envious, incumbent, solves)
        # Stage 3: most "prefer" units together.
        if model.together_cols and together_settled:
            together = _together(model, incumbent)
            cols = model.together_cols
            backend.add_rows([cols], [[1.0] * len(cols)], [together], [INF])
        elif model.together_cols:
            together = _together(model, incumbent)
            found, result = attempt(_with_tail(model.together_objective(), tail), True, 0.5)
            accepted = (
                found is not None
                and len(found[1]) <= envy_cap
                and _placed(found[0]) >= placed
                and _together(model, found[0]) >= together
            )
            if accepted:
                incumbent, envious = found
            if result is None or result.status != OPTIMAL or not accepted:
                proven = False
            together = _together(model, incumbent)
            cols = model.together_cols
            backend.add_rows([cols], [[1.0] * len(cols)], [together], [INF])
        else:
            together = 0

        _log_stage("together", envious, incumbent, solves)
        # Stage 4: lottery order, exactly, batch by batch.
        lex_proven = True
        settled: set[int] = set()
        # The last probe's run time and how many entries it had unsettled: the next one, with
        # fewer, is expected to take at most as long in proportion (``stage_limit``).
        probe_cost: tuple[float, int] | None = None

        def settle(e: int, j: int) -> None:
            settled.add(e)
            members = model.entries[e]
            cols, lo, hi = [], [], []
            for club in comp.prefs[members[0]]:
                col = model.x.get((e, club))
                if col is not None:
                    cols.append(col)
                    lo.append(1.0 if club == j else 0.0)
                    hi.append(1.0 if club == j else 0.0)
            backend.set_bounds(cols, lo, hi)

        def settle_through(start: int, stop: int) -> None:
            """Settle every entry of ``order[start:stop]`` at its incumbent club."""
            for p in range(start, stop):
                k = order[p]
                if model.entry_of[k] not in settled:
                    settle(model.entry_of[k], incumbent[k])

        def keeps_stages(found: tuple) -> bool:
            """``found`` keeps what the earlier stages and the settled children hold."""
            outcome, found_envious = found
            return (
                len(found_envious) <= envy_cap
                and _placed(outcome) >= placed
                and _together(model, outcome) >= together
                and all(outcome[k] == incumbent[k] for k in children if model.entry_of[k] in settled)
            )

        def probe(start: int) -> tuple[str, int | None, tuple | None]:
            """One MIP for the earliest child, from ``order[start]`` on, who can do better
            while everyone before her keeps her club (and settled children theirs).

            Per unsettled entry s in lottery order (a unit at its first member): ``d_s``
            = "s is the first to do better than the incumbent", ``D_s`` = the sum of d after
            s. Rows: s keeps her club when ``D_s`` > 0 (``x[s, club] >= D_s``, or ``sum x[s]
            <= 1 - D_s`` when she is unplaced); s does better when ``d_s`` > 0 (``sum of x at
            clubs she prefers >= d_s``). With x integer at most one d is positive (the one
            after would need the one before to keep her club and do better at once), so d
            needs no integrality. ``g_s`` (at most her move up her list, and at most
            ``reach_s * d_s``) counts the first improver's move. Maximising
            ``sum (n - s) * step * d_s + sum g_s`` (``step`` above any g) finds the earliest
            first improver and the best club she can have while those before her keep theirs:
            her club in the lottery optimum. The incumbent (every d = 0) is a feasible start.
            Returns ("none", None, None) when no one can do better (all of them keep their
            clubs in the lottery optimum), ("first", position, found) with a checked,
            lottery-better outcome whose first improver has her lottery-optimal club, or
            ("unknown", None, found-or-None) when the solve stopped unproven."""
            nonlocal probe_cost
            sequence = []
            seen: set[int] = set()
            for p in range(start, len(order)):
                e = model.entry_of[order[p]]
                if e in settled or e in seen:
                    continue
                seen.add(e)
                if incumbent[order[p]] != UNPLACED and (e, incumbent[order[p]]) not in model.x:
                    return "unknown", None, None
                sequence.append((p, e, order[p]))
            size = backend.size
            n = len(sequence)
            d_cols = backend.add_cols([0.0] * n, [1.0] * n, [False] * n)
            after = backend.add_cols([0.0] * n, [1.0] * n, [False] * n)
            # g_s: how many places up her list s moves, counted only for the first improver.
            reach = [
                len(comp.prefs[i]) if incumbent[i] == UNPLACED else comp.prefs[i].index(incumbent[i])
                for _, _, i in sequence
            ]
            gain_cols = backend.add_cols([0.0] * n, [float(r) for r in reach], [False] * n)
            step = float(max(reach, default=0) + 1)
            rows, coefs, lows, highs = [], [], [], []
            objective = {}
            for s, (p, e, i) in enumerate(sequence):
                club = incumbent[i]
                if s + 1 < n:
                    # D_s = d_{s+1} + D_{s+1}.
                    rows.append([after[s], d_cols[s + 1], after[s + 1]])
                    coefs.append([1.0, -1.0, -1.0])
                    lows.append(0.0)
                    highs.append(0.0)
                else:
                    backend.set_bounds([after[s]], [0.0], [0.0])
                if club != UNPLACED:
                    rows.append([model.x[e, club], after[s]])
                    coefs.append([1.0, -1.0])
                    lows.append(0.0)
                    highs.append(INF)
                    better = comp.prefs[i][: comp.prefs[i].index(club)]
                else:
                    own = [model.x[e, j] for j in comp.prefs[i] if (e, j) in model.x]
                    rows.append(own + [after[s]])
                    coefs.append([1.0] * len(own) + [1.0])
                    lows.append(-INF)
                    highs.append(1.0)
                    better = comp.prefs[i]
                better_cols = [model.x[e, j] for j in better if (e, j) in model.x]
                if better_cols:
                    rows.append(better_cols + [d_cols[s]])
                    coefs.append([1.0] * len(better_cols) + [-1.0])
                    lows.append(0.0)
                    highs.append(INF)
                    objective[d_cols[s]] = float(n - s) * step
                    # g_s <= her move up the list, and g_s <= reach * d_s.
                    gains = [
                        (model.x[e, j], float(reach[s] - position))
                        for position, j in enumerate(better)
                        if (e, j) in model.x
                    ]
                    rows.append([gain_cols[s]] + [c for c, _ in gains])
                    coefs.append([1.0] + [-g for _, g in gains])
                    lows.append(-INF)
                    highs.append(0.0)
                    rows.append([gain_cols[s], d_cols[s]])
                    coefs.append([1.0, -float(reach[s])])
                    lows.append(-INF)
                    highs.append(0.0)
                    objective[gain_cols[s]] = 1.0
                else:
                    backend.set_bounds([d_cols[s], gain_cols[s]], [0.0, 0.0], [0.0, 0.0])
            backend.add_rows(rows, coefs, lows, highs)
            self.lex_budget -= 1
            try:
                # The tail of the children after ``start`` steers the answer towards their
                # lottery optimum too (TAIL_DECAY); the integer part stays exact.
                tail = _lottery_tail(model, [i for _, _, i in sequence])
                expected = None
                if probe_cost is not None:
                    expected = probe_cost[0] * n / max(1, probe_cost[1])
                began = time.perf_counter()
                found, result = attempt(_with_tail(objective, tail), True, expected=expected)
                if result is not None:
                    probe_cost = (time.perf_counter() - began, n)
            finally:
                backend.truncate(*size)
            if found is None or not keeps_stages(found):
                return "unknown", None, None
            first = None
            for p, e, i in sequence:
                if found[0][i] != incumbent[i]:
                    first = (p, i)
                    break
            better_found = first is not None and _lex_value(
                model, [first[1]], found[0]
            ) > _lex_value(model, [first[1]], incumbent)
            value = sum(w * result.values[c] for c, w in objective.items())
            if result.status == OPTIMAL and value < 0.5:
                return "none", None, None
            if not better_found:
                return "unknown", None, None
            if result.status == OPTIMAL:
                log.debug("probe from %d: first improver at %d of %d", start, first[0], len(order))
                return "first", first[0], found
            return "unknown", None, found

        index = 0
        while index < len(order):
            i = order[index]
            e = model.entry_of[i]
            if e in settled:
                index += 1
                continue
            if not _can_improve(model, i, incumbent[i]):
                settle(e, incumbent[i])
                index += 1
                continue
            if self.lex_budget <= 0 or (
                component_deadline is not None and time.perf_counter() >= component_deadline
            ):
                lex_proven = False
                break
            if LEX_PROBE:
                verdict, first, found = probe(index)
                if verdict == "unknown":
                    lex_proven = False
                    if found is not None:
                        # Lottery-better (the first child who differs does better), checked.
                        incumbent, envious = found
                    break
                # Everyone before the first improver (or everyone, if none) keeps her club;
                # the first improver has hers in the found outcome.
                if verdict == "none":
                    settle_through(index, len(order))
                    break
                incumbent, envious = found
                settle_through(index, first + 1)
                index = first + 1
                continue
            batch, product = [], 1
            for k in order[index:]:
                ek = model.entry_of[k]
                if ek in settled or any(model.entry_of[b] == ek for b in batch):
                    continue
                options = len(comp.prefs[k]) + 1
                if batch and product * options > LEX_WEIGHT_LIMIT:
                    break
                batch.append(k)
                product *= options
            weight = product
            objective: dict[int, float] = {}
            for k in batch:
                weight //= len(comp.prefs[k]) + 1
                for col, score in model.score_terms(k).items():
                    objective[col] = objective.get(col, 0.0) + weight * score
            self.lex_budget -= 1
            before = _lex_value(model, batch, incumbent)
            found, result = attempt(objective, True)
            usable = found is not None and keeps_stages(found)
            accepted = (
                usable
                and result.status == OPTIMAL
                and _lex_value(model, batch, found[0]) >= before
            )
            if not accepted:
                lex_proven = False
                if usable and _lex_value(model, batch, found[0]) > before:
                    # Out of time with a better, unproven answer: earlier children in lottery
                    # order do better and settled ones are unchanged, so it is better in
                    # lottery order as a whole; keep it.
                    incumbent, envious = found
                break
            incumbent, envious = found
            for k in batch:
                settle(model.entry_of[k], incumbent[k])
        _log_stage("lottery order", envious, incumbent, solves)
        proven = proven and lex_proven
        if not self.maximize:
            # The rules fix the outcome under lottery_first; "most placed" is not a stage.
            bound = _placed(incumbent)
        return _ComponentOutcome(incumbent, envious, bound, proven, lex_proven, solves)


def stage_limit(
    time_left: float, children: int, floor: float, expected: float | None = None
) -> float | None:
    """HiGHS's time limit for a stage of a component of ``children`` children that has
    ``time_left`` seconds (its share of the component's time), or None when the stage is not
    worth starting.

    HiGHS is asked to stop SOLVER_MARGIN plus SOLVER_MARGIN_PER_CHILD per child earlier (and,
    on large components, SOLVER_MARGIN_SHARE of the rest), since it overshoots its limit. A
    stage left less than ``floor`` is skipped: HiGHS's presolve does not look at the clock,
    and at 10k children it took 0.56 s for a 0.09 s limit. The exception is a later lottery
    probe whose run time is ``expected`` (estimated from the probe before it, which had more
    children unsettled): when twice that fits in ``time_left`` it runs with that limit. On the
    10k city (seed 3) a last probe that needed 0.05 s was skipped that way with 0.9 s of the
    5 s still unused, and the city was reported unproven."""
    limit = time_left - SOLVER_MARGIN - SOLVER_MARGIN_PER_CHILD * children
    if children > LARGE_COMPONENT_CHILDREN:
        limit *= 1 - SOLVER_MARGIN_SHARE
    if limit >= floor:
        return limit
    if expected is not None and 2 * expected <= time_left:
        return max(limit, 2 * expected)
    return None


def first_incumbent(
    checked: list[tuple[dict[int, int], list[int]]], da_placed: int, has_units: bool
) -> tuple[dict[int, int], list[int]]:
    """The start a component's stages begin from, among checked (outcome, envious) pairs.

    With "together" units (whose envy is declared and allowed): the fewest envious among the
    starts placing at least as many children as deferred acceptance (guarantee 6), then the
    most placed. Without them every justified envy is a broken rule, so a fair start comes
    first, even one placing fewer than deferred acceptance, whose greedy handling of side
    limits can leave envy (100k city without units: 45 envious; the repaired start was fair
    with one child fewer, and no model fits in the time).
    """
    if not has_units and any(not envious for _, envious in checked):
        checked = [c for c in checked if not c[1]]
    keep = [c for c in checked if _placed(c[0]) >= da_placed] or checked
    return min(keep, key=lambda c: (len(c[1]), -_placed(c[0])))


def _log_stage(stage: str, envious: list[int], incumbent: dict[int, int], solves: int) -> None:
    log.debug(
        "after stage %s: %d envious, %d placed, %d solves",
        stage, len(envious), _placed(incumbent), solves,
    )


def _lower_bound(result, weights: dict[int, float]) -> int | None:
    """The least whole value a minimisation's optimum can have: from its dual bound, or from
    its solution's value when it is optimal and reports no bound."""
    if result.bound is not None:
        return math.ceil(result.bound - 1e-6)
    if result.status == OPTIMAL and result.values is not None:
        return round(sum(w * result.values[c] for c, w in weights.items()))
    return None


def _placed(outcome: dict[int, int]) -> int:
    return sum(1 for j in outcome.values() if j != UNPLACED)


def _together(model: ComponentModel, outcome: dict[int, int]) -> int:
    kept = 0
    for free, pinned in model.prefer_here:
        clubs = {outcome[i] for i in free}
        if pinned is not None:
            clubs.add(pinned)
        kept += len(clubs) == 1 and UNPLACED not in clubs
    return kept


def _can_improve(model: ComponentModel, i: int, current: int) -> bool:
    prefs = model.comp.prefs[i]
    stop = len(prefs) if current == UNPLACED else prefs.index(current)
    e = model.entry_of[i]
    return any((e, prefs[p]) in model.x for p in range(stop))


def _lex_value(model: ComponentModel, batch: list[int], outcome: dict[int, int]) -> tuple:
    prefs = model.comp.prefs
    return tuple(
        0 if outcome[k] == UNPLACED else len(prefs[k]) - prefs[k].index(outcome[k]) for k in batch
    )


def _lottery_tail(model: ComponentModel, children: list[int]) -> dict[int, float]:
    """Rank scores of ``children`` (in lottery order) weighted by exp(-position / (TAIL_DECAY
    * len)), scaled to at most TAIL_TOTAL in total: see TAIL_DECAY."""
    tail: dict[int, float] = {}
    total = 0.0
    scale = TAIL_DECAY * max(1, len(children))
    for position, i in enumerate(children):
        weight = math.exp(-position / scale)
        for col, score in model.score_terms(i).items():
            tail[col] = tail.get(col, 0.0) + weight * score
        total += weight * len(model.comp.prefs[i])
    if total > 0:
        for col in tail:
            tail[col] *= TAIL_TOTAL / total
    return tail


def _with_tail(objective: dict[int, float], tail: dict[int, float]) -> dict[int, float]:
    merged = dict(objective)
    for col, value in tail.items():
        merged[col] = merged.get(col, 0.0) + value
    return merged

