"""Reads for the allocation-run pages: what a run proposes, in the figures staff decide by, and how
two runs differ child by child. Everything comes from the run's stored problem and result (what
the run saw), joined with the few rows needed to name schools, clubs and applications."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch

from enrollment.allocation_bridge import application_pk
from enrollment.models import AllocationRun, Application, Club, Round
from enrollment.services.runs import COMPARISON_KEY

BANDS = (("1-3", 1, 3), ("4-6", 4, 6))


def grade_band(grade: int) -> str:
    return "1-3" if grade <= 3 else "4-6"


@dataclass
class Tally:
    """Placed and waiting children in one slice of a run (a group, a band, a school, a club)."""

    key: str
    label: str
    placed: int = 0
    unplaced: int = 0
    capacity: int | None = None
    waitlist: int = 0

    @property
    def total(self) -> int:
        return self.placed + self.unplaced

    @property
    def fill_percent(self) -> int | None:
        if not self.capacity:
            return None
        return round(100 * self.placed / self.capacity)


@dataclass
class RunSummary:
    run: AllocationRun
    children: int = 0
    placed: int = 0
    unplaced: int = 0
    referrals: int = 0
    first_choice: int = 0
    by_group: list[Tally] = field(default_factory=list)
    by_band: list[Tally] = field(default_factory=list)
    by_school: list[Tally] = field(default_factory=list)
    by_club: list[Tally] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    fatal_violations: list[dict] = field(default_factory=list)
    other_violations: list[dict] = field(default_factory=list)
    lottery_first_placed: int | None = None
    lottery_first_same_policy: bool = False
    comparison_pending: bool = False
    comparison_failed: bool = False

    @property
    def first_choice_percent(self) -> int | None:
        return round(100 * self.first_choice / self.placed) if self.placed else None

    @property
    def more_than_lottery_first(self) -> int | None:
        if self.lottery_first_placed is None:
            return None
        return self.placed - self.referrals - self.lottery_first_placed

    @property
    def fewer_than_lottery_first(self) -> int | None:
        more = self.more_than_lottery_first
        return None if more is None else -more

    @property
    def committable(self) -> bool:
        return self.run.status == AllocationRun.Status.FINISHED and not self.fatal_violations


def runs_for_round(round_: Round):
    return AllocationRun.objects.filter(round=round_).select_related("created_by", "committed_by").order_by(
        "-created_at")


def staff_rounds():
    return Round.objects.select_related("fiscal_year").order_by("-fiscal_year__year", "opens_at")


def _club_names() -> dict[str, Club]:
    return {club.code: club for club in Club.objects.select_related("school__district")}


def run_summary(run: AllocationRun) -> RunSummary:
    summary = RunSummary(run=run)
    violations = run.violations or []
    summary.fatal_violations = [v for v in violations if v.get("fatal", True)]
    summary.other_violations = [v for v in violations if not v.get("fatal", True)]
    if not run.problem or not run.result:
        return summary
    problem, result = run.problem, run.result
    assignments = result.get("assignments", {})
    children = problem.get("children", [])
    clubs = _club_names()
    schools = dict(Application.objects.filter(pk__in=[application_pk(c["id"]) for c in children])
                   .values_list("pk", "child__school__name"))
    groups = {1: Tally("1", "1"), 2: Tally("2", "2")}
    bands = {key: Tally(key, key) for key, _lo, _hi in BANDS}
    by_school: dict[str, Tally] = {}
    by_club = {c["id"]: Tally(c["id"], clubs[c["id"]].name if c["id"] in clubs else c["id"],
                              capacity=c["capacity"]) for c in problem.get("clubs", [])}
    for club_id, queue in result.get("waitlist", {}).items():
        if club_id in by_club:
            by_club[club_id].waitlist = len(queue)
    for child in children:
        outcome = assignments.get(child["id"])
        school = schools.get(application_pk(child["id"]), "—")
        slices = [groups.setdefault(child["group"], Tally(str(child["group"]), str(child["group"]))),
                  bands[grade_band(child["grade"])],
                  by_school.setdefault(school, Tally(school, school))]
        if outcome is not None:
            by_club[outcome].placed += 1
            if child["preferences"] and child["preferences"][0] == outcome:
                summary.first_choice += 1
        for tally in slices:
            if outcome is None:
                tally.unplaced += 1
            else:
                tally.placed += 1
    summary.children = len(children) + len(problem.get("referrals", {}))
    summary.referrals = len(problem.get("referrals", {}))
    summary.placed = sum(t.placed for t in groups.values()) + summary.referrals
    summary.unplaced = sum(t.unplaced for t in groups.values())
    summary.by_group = [groups[k] for k in sorted(groups)]
    summary.by_band = list(bands.values())
    summary.by_school = sorted(by_school.values(), key=lambda t: t.key)
    summary.by_club = list(by_club.values())
    refused = problem.get("refused", [])
    receipts = dict(Application.objects.filter(pk__in=[r["application"] for r in refused])
                    .values_list("pk", "receipt_number"))
    summary.refused = [{"application": r["application"], "receipt": receipts.get(r["application"]) or "—",
                        "reasons": [p.get("message", p.get("code", "")) for p in r["problems"]]} for r in refused]
    comparison = result.get("stats", {}).get("extra", {}).get(COMPARISON_KEY)
    summary.comparison_pending = comparison is None
    summary.comparison_failed = bool(comparison and "error" in comparison)
    if comparison and "placed" in comparison:
        summary.lottery_first_placed = comparison["placed"]
        summary.lottery_first_same_policy = comparison.get("same_policy", False)
    return summary


# --- comparing two runs ------------------------------------------------------------------------

GAINS, LOSES, MOVES, SAME = "gains", "loses", "moves", "same"


@dataclass
class ChildChange:
    application_id: int
    kind: str
    before: str | None
    after: str | None
    application: Application | None = None


@dataclass
class RunComparison:
    first: AllocationRun
    second: AllocationRun
    changes: list[ChildChange]
    counts: Counter

    def of_kind(self, kind: str | None) -> list[ChildChange]:
        return [c for c in self.changes if kind is None or c.kind == kind]


def _outcomes(run: AllocationRun) -> dict[int, str | None]:
    outcomes = {application_pk(cid): club for cid, club in ((run.result or {}).get("assignments") or {}).items()}
    for app_id, club_pk in ((run.problem or {}).get("referrals") or {}).items():
        outcomes[int(app_id)] = f"#{club_pk}"
    return outcomes


def change_kind(before: str | None, after: str | None) -> str:
    if before == after:
        return SAME
    if before is None:
        return GAINS
    if after is None:
        return LOSES
    return MOVES


def compare_runs(first: AllocationRun, second: AllocationRun) -> RunComparison:
    """Child by child: who gains a place in ``second`` that ``first`` did not give, who loses one,
    who moves to another club. Children in only one run count as unplaced in the other."""
    a, b = _outcomes(first), _outcomes(second)
    changes = []
    for app_id in sorted(set(a) | set(b)):
        kind = change_kind(a.get(app_id), b.get(app_id))
        changes.append(ChildChange(app_id, kind, a.get(app_id), b.get(app_id)))
    counts = Counter(c.kind for c in changes)
    return RunComparison(first, second, changes, counts)


def attach_applications(changes: list[ChildChange]) -> list[ChildChange]:
    """Fill in the application (receipt, child, school) of one page of changes: one query."""
    apps = Application.objects.filter(pk__in=[c.application_id for c in changes]).select_related(
        "child__school").prefetch_related(Prefetch("choices"))
    by_pk = {a.pk: a for a in apps}
    for change in changes:
        change.application = by_pk.get(change.application_id)
    return changes


def club_label(code: str | None, clubs: dict[str, Club] | None = None) -> str:
    if code is None:
        return ""
    clubs = clubs if clubs is not None else _club_names()
    if code.startswith("#"):
        club = Club.objects.filter(pk=int(code[1:])).first()
        return club.name if club else code
    return clubs[code].name if code in clubs else code
