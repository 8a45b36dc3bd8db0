"""Statistics and planning: the tables behind the dashboard, the Excel workbook and the CSV files.

Each ``*_frame`` function returns one pandas DataFrame with Japanese column headings, one clean
table (no merged cells, no totals mixed into the data), so that staff can filter and pivot them.
Definitions (the same on the dashboard and in every export):
- a **waiting child** is an application of the fiscal year with status waitlisted, counted once,
  at its first-choice club (the national survey counts children, not wishes);
- **registered** children are enrolments active on the day asked for;
- **demand** for a club is the number of applications of the round still in play (submitted,
  returned for correction, accepted, offered, waitlisted, decided) that list it (first choice, or
  any choice); refused, declined and withdrawn ones no longer count.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd
from django.db.models import Count, Q

from enrollment.models import (
    AllocationRun,
    Application,
    ApplicationChoice,
    Club,
    Enrollment,
    FiscalYear,
    Offer,
    Round,
    SchoolDistrict,
    WaitlistEntry,
)
from enrollment.services.offers import club_occupancy

S = Application.Status
# Demand: every application still in play (a returned one is being corrected, not given up).
DEMAND_STATUSES = (S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.OFFERED, S.WAITLISTED, S.DECIDED)


def band_of(grade: int) -> str:
    return "1〜3年" if grade <= 3 else "4〜6年"


# --- dashboard ---------------------------------------------------------------------------------


@dataclass
class Demand:
    key: str
    label: str
    capacity: int
    intake_cap: int
    taken: int
    first_choice: int
    any_choice: int

    @property
    def free(self) -> int:
        return max(0, self.intake_cap - self.taken)

    @property
    def pressure_percent(self) -> int | None:
        """First-choice demand against the places still free, the figure that says where it is tight."""
        return round(100 * self.first_choice / self.free) if self.free else None


def demand_by_club(round_: Round) -> list[Demand]:
    live = Q(choices__application__round=round_, choices__application__status__in=DEMAND_STATUSES)
    clubs = (Club.objects.filter(is_active=True).select_related("school__district").order_by("code")
             .annotate(first=Count("choices", filter=live & Q(choices__rank=1)), any=Count("choices", filter=live)))
    return [Demand(club.code, club.name, club.capacity, club.intake_cap,
                   club_occupancy(club, on=round_.start_month), club.first, club.any) for club in clubs]


def demand_by_district(round_: Round, clubs: list[Demand] | None = None) -> list[Demand]:
    clubs = clubs if clubs is not None else demand_by_club(round_)
    district_of = dict(Club.objects.values_list("code", "school__district__name"))
    totals: dict[str, Demand] = {}
    for d in clubs:
        name = district_of.get(d.key, "—")
        t = totals.setdefault(name, Demand(name, name, 0, 0, 0, 0, 0))
        t.capacity += d.capacity
        t.intake_cap += d.intake_cap
        t.taken += d.taken
        t.first_choice += d.first_choice
        t.any_choice += d.any_choice
    return [totals[k] for k in sorted(totals)]


def status_counts(round_: Round) -> list[tuple[str, str, int]]:
    counts = dict(Application.objects.filter(round=round_).values_list("status").annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in S.choices]


def current_round(now=None) -> Round | None:
    """The round staff are most likely working on: the newest one that is not planned."""
    return (Round.objects.exclude(status=Round.Status.PLANNED).select_related("fiscal_year")
            .order_by("-fiscal_year__year", "-opens_at").first()
            or Round.objects.select_related("fiscal_year").order_by("fiscal_year__year", "opens_at").first())


def to_do(round_: Round | None) -> dict:
    """Counts behind the dashboard's "what needs doing" links."""
    if round_ is None:
        return {}
    runs = AllocationRun.objects.filter(round=round_)
    return {
        "to_check": Application.objects.filter(round=round_, status=S.SUBMITTED).count(),
        "finished_runs": runs.filter(status=AllocationRun.Status.FINISHED).count(),
        "committed": runs.filter(status=AllocationRun.Status.COMMITTED).exists(),
        "unpublished": round_.status == Round.Status.COMMITTED and round_.publish_at is None,
    }


# --- exports -----------------------------------------------------------------------------------


def _choices_by_application(app_ids) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for app_id, name in (ApplicationChoice.objects.filter(application_id__in=app_ids)
                         .order_by("application_id", "rank").values_list("application_id", "club__name")):
        out[app_id].append(name)
    return out


def applications_frame(round_: Round) -> pd.DataFrame:
    apps = list(Application.objects.filter(round=round_).exclude(status=S.DRAFT)
                .select_related("child__school__district").order_by("receipt_number", "pk"))
    choices = _choices_by_application([a.pk for a in apps])
    fy = round_.fiscal_year.year
    rows = []
    for a in apps:
        b = a.points_breakdown or {}
        rows.append({
            "受付番号": a.receipt_number or "",
            "状態": str(a.get_status_display()),
            "児童氏名": a.child.full_name,
            "フリガナ": a.child.full_kana,
            "学年": a.child.grade_in(fy),
            "学校": a.child.school.name,
            "学区": a.child.school.district.name,
            "要支援": "○" if a.child.needs_support else "",
            "兄弟姉妹申請": "○" if a.sibling_group_id else "",
            **{f"第{n}希望": (choices[a.pk][n - 1] if len(choices[a.pk]) >= n else "") for n in range(1, 6)},
            "基準指数": b.get("base", ""),
            "調整": "; ".join(f"{x.get('label')} {x.get('points')}" for x in b.get("adjustments", [])),
            "手動調整": "; ".join(f"{x.get('label', x.get('reason', ''))} {x.get('points')}" for x in b.get("manual", [])),
            "利用調整指数": float(a.points) if a.points is not None else None,
            "紙申請": "○" if a.is_paper else "",
        })
    return pd.DataFrame(rows, columns=None if rows else ["受付番号"])


def results_frame(round_: Round) -> pd.DataFrame:
    apps = list(Application.objects.filter(round=round_, status__in=[S.OFFERED, S.WAITLISTED, S.REFUSED, S.DECIDED,
                                                                       S.DECLINED])
                .select_related("child__school").order_by("receipt_number", "pk"))
    offers = {o.application_id: o for o in Offer.objects.filter(application__in=apps).select_related("club")
              .order_by("created_at")}
    positions: dict[int, list[str]] = defaultdict(list)
    for e in WaitlistEntry.objects.filter(application__in=apps, active=True).select_related("club").order_by(
            "club__code"):
        positions[e.application_id].append(f"{e.club.name} {e.position}")
    fy = round_.fiscal_year.year
    rows = [{
        "受付番号": a.receipt_number or "",
        "児童氏名": a.child.full_name,
        "学年": a.child.grade_in(fy),
        "学校": a.child.school.name,
        "結果": str(a.get_status_display()),
        "クラブ": offers[a.pk].club.name if a.pk in offers else "",
        "回答期限": offers[a.pk].respond_by if a.pk in offers else None,
        "待機順位": "; ".join(positions.get(a.pk, [])),
        "利用調整指数": float(a.points) if a.points is not None else None,
    } for a in apps]
    return pd.DataFrame(rows, columns=None if rows else ["受付番号"])


def rosters_frame(on: datetime.date) -> pd.DataFrame:
    fy = fiscal_year_of(on)
    enrolments = (Enrollment.objects.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
                  .select_related("club", "child__school").order_by("club__code", "child__family_kana", "pk"))
    rows = [{
        "クラブ": e.club.name,
        "児童氏名": e.child.full_name,
        "フリガナ": e.child.full_kana,
        "学年": e.child.grade_in(fy),
        "学校": e.child.school.name,
        "入所日": e.start_date,
        "退所日": e.end_date,
    } for e in enrolments]
    return pd.DataFrame(rows, columns=None if rows else ["クラブ"])


def fiscal_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def waiting_children(fiscal_year: FiscalYear) -> list[dict]:
    """One row per waiting child: the first-choice club, its district, the grade band."""
    apps = (Application.objects.filter(round__fiscal_year=fiscal_year, status=S.WAITLISTED)
            .select_related("child").prefetch_related("choices__club__school__district").order_by("pk"))
    rows = []
    seen_children = set()
    for a in apps:
        if a.child_id in seen_children:
            continue
        seen_children.add(a.child_id)
        first = min(a.choices.all(), key=lambda c: c.rank, default=None)
        rows.append({"club": first.club.name if first else "", "club_code": first.club.code if first else "",
                     "district": first.club.school.district.name if first else "",
                     "grade": a.child.grade_in(fiscal_year.year)})
    return rows


def waiting_frame(fiscal_year: FiscalYear) -> pd.DataFrame:
    counts = Counter((r["club"], r["district"], band_of(r["grade"])) for r in waiting_children(fiscal_year))
    rows = [{"クラブ": club, "学区": district, "学年区分": band, "待機児童数": n}
            for (club, district, band), n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["クラブ", "学区", "学年区分", "待機児童数"])


def may_survey_frame(fiscal_year: FiscalYear) -> pd.DataFrame:
    """The 1 May survey layout: per club and district, registered children by grade and waiting
    children split 1–3 / 4–6. Waiting children are those waitlisted at the time of the export."""
    on = datetime.date(fiscal_year.year, 5, 1)
    registered: dict[str, Counter] = defaultdict(Counter)
    for e in (Enrollment.objects.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
              .select_related("child")):
        registered[e.club_id][e.child.grade_in(fiscal_year.year)] += 1
    waiting: dict[str, Counter] = defaultdict(Counter)
    for r in waiting_children(fiscal_year):
        waiting[r["club_code"]][band_of(r["grade"])] += 1
    rows = []
    for club in Club.objects.filter(is_active=True).select_related("school__district").order_by(
            "school__district__code", "code"):
        reg = registered[club.pk]
        wait = waiting[club.code]
        rows.append({
            "学区": club.school.district.name, "クラブ": club.name, "定員": club.capacity,
            **{f"登録児童 {g}年": reg[g] for g in range(1, 7)},
            "登録児童 計": sum(reg.values()),
            "待機児童 1〜3年": wait["1〜3年"], "待機児童 4〜6年": wait["4〜6年"],
            "待機児童 計": wait["1〜3年"] + wait["4〜6年"],
        })
    return pd.DataFrame(rows)


def decisive_run(round_: Round) -> AllocationRun | None:
    """The run the planning table reads: the committed one, else the newest finished one."""
    runs = AllocationRun.objects.filter(round=round_)
    return (runs.filter(status=AllocationRun.Status.COMMITTED).first()
            or runs.filter(status=AllocationRun.Status.FINISHED).order_by("-created_at").first())


def vacancy_chain(problem: dict, result: dict, club_id: str) -> str | None:
    """Who one more place at ``club_id`` would place: the first child waiting there takes it; if
    she held a place elsewhere, that place goes to the first child waiting there who does not
    already hold a better one, and so on until an unplaced child is reached (returned) or no one
    waits (None). This follows the run's waitlists, so it ignores side limits and sibling units:
    a guide for planning, not a new allocation."""
    assignments = dict(result.get("assignments", {}))
    waitlists = {k: list(v) for k, v in result.get("waitlist", {}).items()}
    prefs = {c["id"]: c["preferences"] for c in problem.get("children", [])}
    moved: set[str] = set()
    current, steps = club_id, 0
    while steps <= len(prefs):
        steps += 1
        candidates = [c for c in waitlists.get(current, []) if c not in moved]
        if not candidates:
            return None
        child = candidates[0]
        moved.add(child)
        previous = assignments.get(child)
        assignments[child] = current
        if previous is None:
            return child
        current = previous
    return None


def planning_frame(round_: Round) -> pd.DataFrame:
    """Where one more place would place one more child (from the decisive run of ``round_``)."""
    run = decisive_run(round_)
    columns = ["クラブ", "学区", "受入上限", "今回の配置数", "待機(このクラブを希望)", "1枠増で増える入所数",
               "5枠増で増える入所数", "1枠増で入所できる児童", "受付番号"]
    if run is None or not run.problem or not run.result:
        return pd.DataFrame([], columns=columns)
    from enrollment.allocation_bridge import application_pk

    clubs = {c.code: c for c in Club.objects.select_related("school__district")}
    placed = Counter(v for v in run.result.get("assignments", {}).values() if v)
    # The engine's re-solves (allocation.planning), stored by the run task once it has them.
    from enrollment.services.runs import PLANNING_KEY

    planning = (run.result.get("stats", {}).get("extra", {}) or {}).get(PLANNING_KEY) or {}
    gains = {g["club"]: g for g in planning.get("gains", [])}
    rows = []
    for entry in run.problem.get("clubs", []):
        code = entry["id"]
        child = vacancy_chain(run.problem, run.result, code)
        receipt = ""
        if child is not None:
            receipt = Application.objects.filter(pk=application_pk(child)).values_list(
                "receipt_number", flat=True).first() or ""
        club = clubs.get(code)
        rows.append({"クラブ": club.name if club else code, "学区": club.school.district.name if club else "",
                     "受入上限": club.intake_cap if club else None, "今回の配置数": placed[code],
                     "待機(このクラブを希望)": len(run.result.get("waitlist", {}).get(code, [])),
                     "1枠増で増える入所数": gains[code]["plus_1"] if code in gains else None,
                     "5枠増で増える入所数": gains[code]["plus_5"] if code in gains else None,
                     "1枠増で入所できる児童": "○" if child else "", "受付番号": receipt})
    # Where one more place helps most comes first (the engine's figures, then the waitlists).
    rows.sort(key=lambda r: (-(r["1枠増で増える入所数"] or 0), -(r["5枠増で増える入所数"] or 0),
                             -r["待機(このクラブを希望)"]))
    return pd.DataFrame(rows, columns=columns)


def district_names() -> list[str]:
    return list(SchoolDistrict.objects.order_by("code").values_list("name", flat=True))
