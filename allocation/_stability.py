"""The compact stability model of one component (Delorme et al. 2019, generalised).

Columns ``x[e, j]``: entry e (a child, or a whole "together" unit) holds a place at club j.
For child i at her listed club j, ``w = 1 - sum of x[e, j']`` over the clubs j' she ranks at
or above j: w = 1 means she is worse off than j. No justified envy (DOMAIN.md) then reads:

* row A: ``cap_j * (w - sum_{l in S} f[l, j] - env_i) <= #(children at j with priority >= hers)``,
  i.e. when none of her side limits is marked full, j is full of children ranked at least as
  high as she is;
* rows B, only when side limits apply to her (S non-empty): for each limit set T of the
  children at j, ``#(T-children at j ranked below her) <= cap_j * (1 - w + env_i +
  sum_{l in S minus T} f[l, j])``: she could replace a lower-ranked child only through a limit
  that is full;
* claim rows, only with "together" units: ``env_a + x[unit, j or better] >= 1`` for a unit
  member a sure of a claim on j (``_unit_claim_rows``), implied by her rows once x is
  integer, and what makes her envy cost something in the LP relaxation.

``f[l, j] = 1`` promises that side limit l at club j is full (``limit * f <= count``). The
counts "at or above her priority" are prefix sums over the club's priority levels (one chain
of continuous variables per club, so every row has a handful of terms), and "below her" are
suffix sums per limit set. ``env_i`` exists only in components with "together" units, where a
fully fair outcome can fail to exist.

Children fixed by ``_reduce`` are constants here. Its other facts shrink the model without
changing any optimum, since they hold in every outcome the model admits: no column where a
club is closed to a child; a guaranteed child is placed, and has no rows from her guarantee
down; no rows where a club is dominated for her and no unit member applied (they hold by
themselves).
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import defaultdict
from itertools import combinations_with_replacement

from allocation._backend import INF, SparseModel
from allocation._compiled import Compiled
from allocation._fair import UNPLACED
from allocation._reduce import Reduction, unit_clubs


class OutOfTime(Exception):
    """The model's deadline passed while it was being built; the caller keeps its incumbent."""


class ComponentModel:
    def __init__(
        self,
        comp: Compiled,
        clubs: list[int],
        children: list[int],
        fixed_at: dict[int, list[int]],
        with_envy: bool,
        exact_envy: bool = True,
        deadline: float | None = None,
        reduction: Reduction | None = None,
    ) -> None:
        def on_time(step: int) -> None:
            # Building rows for ~1k children takes about a second under load: check that often.
            if deadline is not None and step % 256 == 0 and time.perf_counter() >= deadline:
                raise OutOfTime

        self.comp = comp
        self.clubs = clubs
        self.children = children
        self.model = m = SparseModel()
        cap = comp.capacity

        # Entries: a together unit is one entry with one column per club.
        self.entries: list[list[int]] = comp.entries(children)
        self.entry_of: dict[int, int] = {k: e for e, members in enumerate(self.entries) for k in members}

        # What fixed children already take at each club.
        self.base_count, self.base_side = comp.fixed_usage(clubs, fixed_at)
        fixed_levels = {j: [] for j in clubs}
        fixed_type_levels: dict[int, dict[tuple, list[int]]] = {j: defaultdict(list) for j in clubs}
        for j in clubs:
            for i in fixed_at.get(j, ()):
                position = comp.prefs[i].index(j)
                members = comp.limit_sets[i][position]
                fixed_levels[j].append(comp.levels[i][position])
                fixed_type_levels[j][members].append(comp.levels[i][position])
            fixed_levels[j].sort()
            for levels in fixed_type_levels[j].values():
                levels.sort()

        # What every fair-enough outcome has in common (``_reduce``): clubs closed to a
        # child, clubs she holds or betters, and where her rows hold by themselves.
        self.reduction = reduction = reduction or Reduction()
        self.excluded = reduction.excluded
        applied_by_units = unit_clubs(comp)

        # Columns x.
        self.x: dict[tuple[int, int], int] = {}
        self.placed_terms: dict[int, float] = {}
        contributions = {j: [] for j in clubs}  # (col, level, limit set)
        for e, members in enumerate(self.entries):
            on_time(e)
            prefs = comp.prefs[members[0]]
            for position, j in enumerate(prefs):
                need = comp.entry_need(
                    members, position, self.base_count, self.base_side, self.excluded
                )
                if need is None:
                    continue
                col = m.add_col(0, 1, True)
                self.x[e, j] = col
                self.placed_terms[col] = float(len(members))
                for i in members:
                    contributions[j].append(
                        (
                            col,
                            comp.levels[i][position],
                            comp.limit_sets[i][position],
                            len(members) > 1,
                        )
                    )
            terms = {self.x[e, j]: 1.0 for j in prefs if (e, j) in self.x}
            # A guaranteed child is placed (her rows past her guarantee rest on it).
            placed_lower = 1 if all(k in reduction.guarantee for k in members) else -INF
            if terms and (len(terms) > 1 or placed_lower > 0):
                m.add_row(terms, placed_lower, 1)

        self._contributions = contributions
        self._fixed_type_levels = fixed_type_levels
        self._limit_prefix: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
        # (column, count columns, threshold, at least): 1 where the counted children number
        # at least (or, with False, fewer than) the threshold.
        self._indicators: list[tuple[int, list[int], float, bool]] = []

        # Limits: capacity and side limits.
        for j in clubs:
            terms: dict[int, float] = defaultdict(float)
            for col, _, _, _ in contributions[j]:
                terms[col] += 1
            if terms and sum(terms.values()) > cap[j] - self.base_count[j]:
                m.add_row(terms, -INF, cap[j] - self.base_count[j])
            for n, limit in enumerate(comp.side_limits[j]):
                side_terms: dict[int, float] = defaultdict(float)
                for col, _, members, _ in contributions[j]:
                    if n in members:
                        side_terms[col] += 1
                if side_terms and sum(side_terms.values()) > limit.limit - self.base_side[j][n]:
                    m.add_row(side_terms, -INF, limit.limit - self.base_side[j][n])

        # Prefix chains over levels: z[j][k] = children at j of level <= levels[j][k].
        self.prefix: dict[int, tuple[list[int], list[int]]] = {}
        self.chain_terms: list[tuple[list[int], list[tuple[int, int]], bool]] = []
        for j in clubs:
            self.prefix[j] = self._chain([(col, level) for col, level, _, _ in contributions[j]], True)

        # Suffix chains ("ranked below her"): per limit set at clubs with side limits, over
        # children outside "together" units when units are present; and, with units, one
        # chain per club over all unit members.
        self.unit_mode = with_envy
        self.suffix: dict[tuple, tuple[list[int], list[int]]] = {}
        for j in clubs:
            groups: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
            for col, level, members, is_unit in contributions[j]:
                if comp.side_limits[j] and not (is_unit and with_envy):
                    groups[members, False].append((col, level))
                if with_envy and is_unit:
                    groups[None, True].append((col, level))
            for (members, is_unit), items in sorted(groups.items(), key=lambda g: repr(g[0])):
                self.suffix[j, members, is_unit] = self._chain(items, False)
        self.units_at: dict[int, list[tuple[int, int, tuple]]] = defaultdict(list)
        if with_envy:
            for j in clubs:
                seen = set()
                for col, level, members, is_unit in contributions[j]:
                    if is_unit and (col, level, members) not in seen:
                        seen.add((col, level, members))
                        self.units_at[j].append((col, level, members))

        self.f: dict[tuple[int, int, int], int] = {}
        self._side_terms_cache: dict[tuple[int, int], dict[int, float]] = {}
        for j in clubs:
            for n in range(len(comp.side_limits[j])):
                terms: dict[int, float] = defaultdict(float)
                for col, _, members, _ in contributions[j]:
                    if n in members:
                        terms[col] += 1
                self._side_terms_cache[j, n] = terms

        # Envy. Exact: a big-M envy column per child. Restricted (large components only): big-M
        # for unit members; everyone else may envy only a unit member ranked below her,
        # through tight rows, so her other rows stay those of the plain stability model.
        self.env: dict[int, int] = {}
        self.exact_envy = exact_envy
        if with_envy:
            for i in children:
                unit_member = comp.together_unit[i] >= 0
                first = self.entries[self.entry_of[i]][0]
                if unit_member and first != i:
                    # A unit's members have justified envy together or not at all.
                    self.env[i] = self.env[first]
                else:
                    self.env[i] = m.add_col(0, 1, unit_member or exact_envy)
            self._unit_claim_rows(contributions, fixed_levels)

        type_sets: dict[int, set[tuple]] = {j: set(fixed_type_levels[j]) for j in clubs}
        for key in self.suffix:
            if key[1] is not None:
                type_sets[key[0]].add(key[1])
        club_types = {j: sorted(types) for j, types in type_sets.items()}

        # Stability rows.
        for step, i in enumerate(children):
            on_time(step + 1)
            e = self.entry_of[i]
            prefs = comp.prefs[i]
            unit_member = comp.together_unit[i] >= 0
            envy_col = self.env.get(i)
            big_m_envy = envy_col is not None and (unit_member or exact_envy)
            at_or_above: dict[int, float] = {}
            members = self.entries[e]
            for position in reduction.row_positions(comp, i):
                j = prefs[position]
                col = self.x.get((e, j))
                if col is not None:
                    at_or_above[col] = 1.0
                if reduction.rows_hold(i, j, applied_by_units):
                    continue
                level = comp.levels[i][position]
                limit_set = comp.limit_sets[i][position]
                big = float(cap[j])
                if unit_member:
                    # A unit claims j as a whole (DOMAIN.md; docs/allocation-engine.md, "Unit
                    # rows"): one row, at its weakest member.
                    if i == max(members, key=lambda k: (comp.levels[k][position], k)):
                        self._unit_row(e, members, position, j, level, at_or_above, fixed_levels)
                    continue
                rhs = big - bisect_right(fixed_levels[j], level)
                if rhs > 0:
                    terms: dict[int, float] = {c: big for c in at_or_above}
                    _add_term(terms, _at_or_above(self.prefix[j], level), 1.0)
                    if with_envy:
                        _add_term(terms, _below(self.suffix.get((j, None, True)), level), 1.0)
                    for n in limit_set:
                        _add_term(terms, self._f_col(j, n), big)
                    if big_m_envy:
                        _add_term(terms, envy_col, big)
                    m.add_row(terms, rhs, INF)
                if with_envy:
                    # One row per unit column and set of limits her swap would need (members
                    # of one unit ranked below her with the same limits give the same row).
                    seen_rows: set[tuple[int, tuple[int, ...]]] = set()
                    for unit_col, unit_level, unit_set in self.units_at[j]:
                        if unit_level <= level or unit_col in at_or_above:
                            continue
                        needed = tuple(n for n in limit_set if n not in unit_set)
                        if (unit_col, needed) in seen_rows:
                            continue
                        seen_rows.add((unit_col, needed))
                        terms = {envy_col: 1.0, unit_col: -1.0}
                        for c in at_or_above:
                            _add_term(terms, c, 1.0)
                        for n in needed:
                            _add_term(terms, self._f_col(j, n), 1.0)
                        m.add_row(terms, 0, INF)
                if not limit_set:
                    continue
                for t in club_types[j]:
                    levels_t = fixed_type_levels[j].get(t, ())
                    fixed_lower = len(levels_t) - bisect_right(levels_t, level)
                    terms = {}
                    _add_term(terms, _below(self.suffix.get((j, t, False)), level), 1.0)
                    if not terms and fixed_lower == 0:
                        continue
                    for c in at_or_above:
                        _add_term(terms, c, -big)
                    if big_m_envy:
                        _add_term(terms, envy_col, -big)
                    for n in limit_set:
                        if n not in t:
                            _add_term(terms, self._f_col(j, n), -big)
                    m.add_row(terms, -INF, -fixed_lower)

        # Prefer units: t[u, j] <= x of every member at j.
        self.together_cols: list[int] = []
        self.together_info: list[tuple[int, list[int]]] = []
        in_component = set(children)
        fixed_club = {i: j for j, members in fixed_at.items() for i in members}
        self.prefer_here: list[tuple[list[int], int | None]] = []
        for members in comp.prefer_units:
            free = [i for i in members if i in in_component]
            pinned = {fixed_club[i] for i in members if i in fixed_club}
            if not free or len(free) + len([i for i in members if i in fixed_club]) < len(members):
                continue
            if len(pinned) > 1:
                continue
            pinned_club = next(iter(pinned)) if pinned else None
            self.prefer_here.append((free, pinned_club))
            shared = set(comp.prefs[free[0]])
            for i in free[1:]:
                shared &= set(comp.prefs[i])
            if pinned_club is not None:
                shared &= {pinned_club}
            for j in sorted(shared):
                cols = [self.x.get((self.entry_of[i], j)) for i in free]
                if any(c is None for c in cols):
                    continue
                t = m.add_col(0, 1, False)
                for c in sorted(set(cols)):
                    m.add_row({t: 1.0, c: -1.0}, -INF, 0)
                self.together_cols.append(t)
                self.together_info.append((t, cols))

    def _unit_claim_rows(self, contributions, fixed_levels) -> None:
        """``env_U + sum of x[U, j'] over clubs j' at or above j >= 1`` for a "together" unit
        U sure of a claim at club j: fewer than ``cap_j - |U| + 1`` children outside U could
        be there at or above its weakest member, and every side limit there keeps room for
        U's members under it whoever else comes. Wherever U ends below j it fits at j (the
        children ranked below its weakest member making way), so its members are envious.
        Implied by the unit rows once x is integer; in the LP relaxation those rows are almost
        free, these are not."""
        comp, m = self.comp, self.model
        count_at: dict[int, list[int]] = {}
        for j, items in contributions.items():
            count_at[j] = sorted(level for _, level, _, _ in items)
        for e, members in enumerate(self.entries):
            if len(members) < 2:
                continue
            env = self.env.get(members[0])
            if env is None:
                continue
            prefs = comp.prefs[members[0]]
            above: list[int] = []
            for position, j in enumerate(prefs):
                col = self.x.get((e, j))
                if j in self.prefix:
                    level = max(comp.levels[k][position] for k in members)
                    # Children who could be at j ranked at or above the weakest member:
                    # fixed ones, and columns of others (her unit's counted per member).
                    others = bisect_right(fixed_levels[j], level) + bisect_right(count_at[j], level)
                    if col is not None:
                        others -= len(members)
                    if others <= comp.capacity[j] - len(members) and self._limits_keep_room(
                        members, position, j
                    ):
                        terms = {c: 1.0 for c in above}
                        if col is not None:
                            terms[col] = 1.0
                        terms[env] = 1.0
                        m.add_row(terms, 1, INF)
                if col is not None:
                    above.append(col)

    def _limits_keep_room(self, members, position, j) -> bool:
        """Every side limit at j keeps room for the unit's members under it: the fixed
        children and the other columns at j under the limit stay that far below it."""
        own_col = (self.entry_of[members[0]], j) in self.x
        for n, need in self._unit_need(members, position).items():
            could_come = sum(self._side_terms_cache[j, n].values())
            if own_col:
                could_come -= need
            if self.base_side[j][n] + could_come + need > self.comp.side_limits[j][n].limit:
                return False
        return True

    def _unit_need(self, members, position) -> dict[int, int]:
        """How many of a unit's members each side limit of their ``position``-th club counts."""
        need = self.comp.limit_need(members, position)
        return {n: count for n, count in enumerate(need) if count}

    def _unit_row(self, e, members, position, j, level, at_or_above, fixed_levels) -> None:
        """The unit rows of "together" unit ``e`` at club j, at its weakest member's ``level``.

        Unit U (s members, ``need_n`` of them under side limit n) has a claim at j exactly
        when at most ``cap - s`` children at j are ranked at or above its weakest member
        (the others, ranked below every member, can make way) and, for each limit n, at most
        ``limit_n - need_n`` children under n are (those under n ranked below can make way
        first). With U below j and env_U = 0 one of these must fail:

        - no limit of U's members at j: ``cap * above + z(level) + cap * env_U
          >= cap - s + 1 - fixed ones`` (``above``: U's columns at j and clubs it prefers);
        - one limit n: the same row relaxed by ``cap * y``, and ``limit_n * above +
          z_n(level) + limit_n * env_U - limit_n * y >= limit_n - need_n + 1 - fixed ones
          under n - limit_n``, with y binary choosing which fails;
        - two or more (a member under both the support limit and a grade band): one row per
          choice of children to make way under them (``_multi_limit_unit_rows``).

        Every row holds in every outcome with its envious children (the envy it demands is
        real), and together they are exact; the engine still counts envy itself on every
        solution and claims no proof the check does not confirm (solver.py)."""
        m = self.model
        comp = self.comp
        big = float(comp.capacity[j])
        rhs = big - len(members) + 1 - bisect_right(fixed_levels[j], level)
        if rhs <= 0:
            return
        env = self.env.get(members[0])  # None in a model of fully fair outcomes
        terms: dict[int, float] = {c: big for c in at_or_above}
        prefix_col = _at_or_above(self.prefix[j], level)
        _add_term(terms, prefix_col, 1.0)
        _add_term(terms, env, big)
        need = self._unit_need(members, position)
        if len(need) == 1:
            (n, count), = need.items()
            limit = float(comp.side_limits[j][n].limit)
            fixed_n = sum(
                bisect_right(levels, level)
                for t, levels in self._fixed_type_levels[j].items()
                if n in t
            )
            rhs_n = limit - count + 1 - fixed_n
            if rhs_n <= 0:
                return  # the limit never has room for the unit's members there
            chain = self._limit_prefix.get((j, n))
            if chain is None:
                chain = self._limit_prefix[j, n] = self._chain(
                    [(col, lvl) for col, lvl, sets, _ in self._contributions[j] if n in sets], True
                )
            y = m.add_col(0, 1, True)
            terms[y] = big
            limit_terms: dict[int, float] = {c: limit for c in at_or_above}
            limit_col = _at_or_above(chain, level)
            _add_term(limit_terms, limit_col, 1.0)
            _add_term(limit_terms, env, limit)
            limit_terms[y] = -limit
            m.add_row(limit_terms, rhs_n - limit, INF)
            # encode: y = 1 where the capacity part holds (fewer than rhs at or above).
            counted = [prefix_col] if prefix_col is not None else []
            self._indicators.append((y, counted, rhs, False))
            m.add_row(terms, rhs, INF)
        elif need:
            self._multi_limit_unit_rows(members, j, level, at_or_above, env, prefix_col, rhs, need)
        else:
            m.add_row(terms, rhs, INF)

    def _multi_limit_unit_rows(self, members, j, level, at_or_above, env, prefix_col, rhs, need):
        """Unit rows at a club where two or more side limits count the unit's members.

        With ``c0`` = "at least ``cap - s + 1`` children at j rank at or above the weakest
        member" (capacity part fails), for every multiset M of at most s limit types (the
        limits among U's, that a child ranked below every member is under) one row:
        ``above + env_U + c0 + sum over types t in M of a[t, M_t] + sum over limits n of
        f[j, n, need_n - M_n] >= 1``, with ``a[t, k]`` = "fewer than k such children of type
        t" and f as above: the unit fits unless, for every choice M of children to make way
        under its limits, one of them fails. Exact."""
        m, comp = self.model, self.comp
        cap = comp.capacity[j]
        limits = sorted(need)
        c0 = m.add_col(0, 1, True)
        if prefix_col is not None:
            m.add_row({prefix_col: 1.0, c0: -float(rhs)}, 0, INF)
        else:
            m.add_row({c0: 1.0}, -INF, 0)
        self._indicators.append((c0, [prefix_col] if prefix_col is not None else [], rhs, True))
        # Children below the weakest member, per type (the limits among U's they are under).
        below: dict[tuple[int, ...], tuple[list[int], int]] = {}
        for key, chain in self.suffix.items():
            if key[0] != j or key[1] is None or key[2]:
                continue
            t = tuple(n for n in key[1] if n in need)
            if not t:
                continue
            cols, fixed = below.get(t, ([], 0))
            col = _below(chain, level)
            below[t] = (cols + ([col] if col is not None else []), fixed)
        for full, levels in self._fixed_type_levels[j].items():
            t = tuple(n for n in full if n in need)
            if t:
                cols, fixed = below.get(t, ([], 0))
                below[t] = (cols, fixed + len(levels) - bisect_right(levels, level))
        types = sorted(below)
        for size in range(len(members) + 1):
            for chosen in combinations_with_replacement(types, size):
                terms: dict[int, float] = {c: 1.0 for c in at_or_above}
                _add_term(terms, env, 1.0)
                terms[c0] = 1.0
                feasible = True
                for t in sorted(set(chosen)):
                    k = chosen.count(t)
                    cols, fixed = below[t]
                    if fixed >= k:
                        continue  # never fewer than k of them
                    if not cols:
                        feasible = False  # never k of them: no row for this M
                        break
                    a = m.add_col(0, 1, True)
                    row = {c: 1.0 for c in cols}
                    row[a] = float(cap)
                    m.add_row(row, -INF, cap + k - 1 - fixed)
                    self._indicators.append((a, cols, k - fixed, False))
                    terms[a] = 1.0
                if not feasible:
                    continue
                for n in limits:
                    short = need[n] - sum(1 for t in chosen if n in t)
                    if short > 0:
                        _add_term(terms, self._f_col(j, n, short), 1.0)
                m.add_row(terms, 1, INF)

    def _chain(self, items: list[tuple[int, int]], prefix: bool) -> tuple[list[int], list[int]]:
        """Running sums of x over priority levels: from the best level down (prefix) or from
        the worst level up (suffix); one continuous column and one equality row per level."""
        m = self.model
        by_level: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for col, level in items:
            by_level[level][col] += 1
        levels = sorted(by_level)
        cols = [0] * len(levels)
        previous = None
        steps = range(len(levels)) if prefix else range(len(levels) - 1, -1, -1)
        for k in steps:
            running = m.add_col(0, INF, False)
            terms = {running: 1.0}
            if previous is not None:
                terms[previous] = -1.0
            for col, v in by_level[levels[k]].items():
                terms[col] = terms.get(col, 0.0) - v
            m.add_row(terms, 0, 0)
            cols[k] = running
            previous = running
        self.chain_terms.append((levels, cols, items, prefix))
        return levels, cols

    def _f_col(self, j: int, n: int, need: int = 1) -> int:
        """A binary column that can be 1 only when side limit n of club j has fewer than
        ``need`` free places (for ``need`` = 1: when it is full)."""
        col = self.f.get((j, n, need))
        if col is None:
            m = self.model
            col = m.add_col(0, 1, True)
            self.f[j, n, need] = col
            terms = dict(self._side_terms_cache[j, n])
            threshold = self.comp.side_limits[j][n].limit - need + 1
            terms[col] = terms.get(col, 0.0) - threshold
            m.add_row(terms, -self.base_side[j][n], INF)
        return col

    # Objectives -------------------------------------------------------------------------

    def envy_objective(self) -> dict[int, float]:
        """Children with justified envy: a unit's shared column counts each member."""
        weights: dict[int, float] = defaultdict(float)
        for col in self.env.values():
            weights[col] += 1.0
        return dict(weights)

    def placed_objective(self) -> dict[int, float]:
        return dict(self.placed_terms)

    def together_objective(self) -> dict[int, float]:
        return {col: 1.0 for col in self.together_cols}

    def score_terms(self, i: int) -> dict[int, float]:
        """Child i's score: len(prefs) at her first choice, 1 at her last, 0 unplaced."""
        e = self.entry_of[i]
        prefs = self.comp.prefs[i]
        return {
            self.x[e, j]: float(len(prefs) - position)
            for position, j in enumerate(prefs)
            if (e, j) in self.x
        }

    # Solutions --------------------------------------------------------------------------

    def decode(self, values: list[float]) -> dict[int, int]:
        outcome = {i: UNPLACED for i in self.children}
        for (e, j), col in self.x.items():
            if values[col] > 0.5:
                for i in self.entries[e]:
                    outcome[i] = j
        return outcome

    def encode(self, outcome: dict[int, int], envious: set[int]) -> list[float] | None:
        """Column values for an assignment of this component's children; None if impossible."""
        comp = self.comp
        values = [0.0] * self.model.n_cols
        count = {j: self.base_count[j] for j in self.clubs}
        side = {j: list(self.base_side[j]) for j in self.clubs}
        for e, members in enumerate(self.entries):
            j = outcome[members[0]]
            if j == UNPLACED:
                continue
            col = self.x.get((e, j))
            if col is None:
                return None
            values[col] = 1.0
            position = comp.prefs[members[0]].index(j)
            count[j] += len(members)
            for i in members:
                for n in comp.limit_sets[i][position]:
                    side[j][n] += 1
        for levels, cols, items, prefix in self.chain_terms:
            per_level: dict[int, float] = defaultdict(float)
            for col, level in items:
                per_level[level] += values[col]
            running = 0.0
            steps = range(len(levels)) if prefix else range(len(levels) - 1, -1, -1)
            for k in steps:
                running += per_level[levels[k]]
                values[cols[k]] = running
        for col, counted, threshold, at_least in self._indicators:
            total = sum(values[c] for c in counted)
            holds = total >= threshold - 0.5 if at_least else total < threshold - 0.5
            values[col] = 1.0 if holds else 0.0
        for (j, n, need), col in self.f.items():
            values[col] = 1.0 if side[j][n] >= comp.side_limits[j][n].limit - need + 1 else 0.0
        for i, col in self.env.items():
            values[col] = 1.0 if i in envious else 0.0
        for t, cols in self.together_info:
            values[t] = min(values[c] for c in cols)
        return values


def _add_term(terms: dict[int, float], col: int | None, value: float) -> None:
    if col is not None:
        terms[col] = terms.get(col, 0.0) + value


def _at_or_above(chain: tuple[list[int], list[int]], level: int) -> int | None:
    """The prefix column counting children of level <= ``level``, if any."""
    levels, cols = chain
    k = bisect_right(levels, level) - 1
    return cols[k] if k >= 0 else None


def _below(chain: tuple[list[int], list[int]] | None, level: int) -> int | None:
    """The suffix column counting children of level > ``level``, if any."""
    if chain is None:
        return None
    levels, cols = chain
    k = bisect_right(levels, level)
    return cols[k] if k < len(levels) else None
