"""The demo city 泊江市 and a generated population of families applying in its first round.

``load_demo_city`` reads ``fixtures/demo_city/*.json`` (documented in its README.md) into the
database. It only creates what is missing, never overwrites: loading twice changes nothing, and
a club that staff edited in the demo keeps their edit.

``generate_population`` makes a deterministic, realistic set of households for a round: the same
seed gives the same families, names, situations and choices, drawn from ``random.Random(seed)``
and nothing else (database ids and ``public_id`` UUIDs differ between databases, the contents do
not). Points, breakdowns and eligibility problems come from ``enrollment.rules``, computed the way
``enrollment.services.points`` computes them for a real application, so the two always agree.

``create_demo_accounts`` adds the logins a demonstration needs. Everything is written with
``bulk_create``: 1,500 households load in seconds on SQLite.
"""

from __future__ import annotations

import datetime
import json
import random
from bisect import bisect
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from enrollment import rules
from enrollment.models import (
    Application,
    ApplicationChoice,
    ApplicationEvent,
    Child,
    Club,
    ClubGradeLimit,
    DocumentNumberSeries,
    Enrollment,
    FiscalYear,
    Guardian,
    Household,
    KokoaProgramme,
    KokoaRegistration,
    KokoaSession,
    KokoaSessionRequest,
    Operator,
    Round,
    RuleSet,
    School,
    SchoolDistrict,
    SiblingGroup,
    User,
)
from enrollment.services.points import guardian_facts

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo_city"
TOKYO = ZoneInfo("Asia/Tokyo")

DEMO_PASSWORD = "demo-pass-2027"
DEMO_DOMAIN = "demo.tomae.example.jp"
FAMILY_EMAIL = f"family@{DEMO_DOMAIN}"
STAFF_EMAIL = f"staff@{DEMO_DOMAIN}"
READONLY_EMAIL = f"readonly@{DEMO_DOMAIN}"
OPERATOR_EMAIL = f"operator@{DEMO_DOMAIN}"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
DEMO_OPERATOR_CODE = "OP-SW"

KANJI_DIGITS = "〇一二三四五六七八九"


def read_fixture(name: str):
    with (FIXTURES_DIR / name).open(encoding="utf-8") as f:
        return json.load(f)


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


# ---------------------------------------------------------------------------------------------
# The city


@dataclass
class DemoCity:
    fiscal_year: FiscalYear
    first_round: Round
    created: int  # rows created by this load; 0 when the city was already there


@transaction.atomic
def load_demo_city() -> DemoCity:
    """Create 泊江市's fiscal year 2027 from the fixtures; idempotent."""
    created = 0

    def get_or_create(model, defaults=None, **lookup):
        nonlocal created
        obj, made = model.objects.get_or_create(defaults=defaults or {}, **lookup)
        created += made
        return obj

    city = read_fixture("city.json")
    fiscal_year = get_or_create(FiscalYear, year=city["fiscal_year"])
    if not fiscal_year.rulesets.exists():
        data = json.loads((Path(settings.BASE_DIR) / city["ruleset"]["source"]).read_text(encoding="utf-8"))
        data["fiscal_year"] = fiscal_year.year
        data["version"] = city["ruleset"]["version"]
        rules.parse_ruleset(data)  # refuse to store a rule set the rules cannot read
        RuleSet.objects.create(fiscal_year=fiscal_year, version=city["ruleset"]["version"], data=data,
                               note=city["ruleset"]["note"])
        created += 1
    get_or_create(DocumentNumberSeries, fiscal_year=fiscal_year,
                  defaults={"office_abbreviation": city["office_abbreviation"]})

    geography = read_fixture("schools.json")
    districts = {
        d["code"]: get_or_create(SchoolDistrict, code=d["code"], defaults={"name": d["name"]})
        for d in geography["districts"]
    }
    schools = {}
    for s in geography["schools"]:
        schools[s["code"]] = get_or_create(School, code=s["code"], defaults={
            "name": s["name"], "name_kana": s["name_kana"], "district": districts[s["district"]],
            "postal_code": s["postal_code"], "address": s["address"]})

    operators = {}
    for o in read_fixture("operators.json"):
        operators[o["code"]] = get_or_create(Operator, code=o["code"], defaults={
            "name": o["name"], "kind": o["kind"], "phone": o["phone"], "email": o["email"]})

    for c in read_fixture("clubs.json"):
        club = get_or_create(Club, code=c["code"], defaults={
            "name": c["name"], "name_kana": c["name_kana"], "kind": c["kind"],
            "school": schools[c["school"]], "operator": operators[c["operator"]],
            "postal_code": c["postal_code"], "address": c["address"], "phone": c["phone"],
            "floor_area_m2": Decimal(c["floor_area_m2"]), "care_units": c["care_units"],
            "elastic_ratio": Decimal(c["elastic_ratio"]), "monthly_fee": c["monthly_fee"],
            "support_limit": c.get("support_limit"),
            "grade_min": c.get("grade_min", 1), "grade_max": c.get("grade_max", 6)})
        for band in c.get("grade_limits", []):
            get_or_create(ClubGradeLimit, club=club, grade_lo=band["grade_lo"], grade_hi=band["grade_hi"],
                          defaults={"limit": band["limit"]})

    kokoa = read_fixture("kokoa.json")
    regular = kokoa["regular"]
    for p in kokoa["programmes"]:
        programme = get_or_create(KokoaProgramme, school=schools[p["school"]], fiscal_year=fiscal_year, defaults={
            "operator": operators[p["operator"]], "name": p["name"], "place": p["place"]})
        for weekday in regular["weekdays"]:
            get_or_create(KokoaSession, programme=programme, kind=KokoaSession.Kind.REGULAR, weekday=weekday,
                          defaults={"title": regular["title"], "starts_at": _time(regular["starts_at"]),
                                    "ends_at": _time(regular["ends_at"])})
        for s in p["special"]:
            get_or_create(KokoaSession, programme=programme, kind=KokoaSession.Kind.SPECIAL, date=_date(s["date"]),
                          title=s["title"], defaults={"starts_at": _time(s["starts_at"]),
                                                      "ends_at": _time(s["ends_at"]), "capacity": s["capacity"]})

    for r in city["rounds"]:
        get_or_create(Round, fiscal_year=fiscal_year, kind=r["kind"], start_month=_date(r["start_month"]), defaults={
            "name": r["name"], "opens_at": _moment(r["opens_at"]), "closes_at": _moment(r["closes_at"]),
            "publish_at": _moment(r["publish_at"]), "status": r["status"]})
    monthly = city["monthly_rounds"]
    month = _date(monthly["first_month"])
    while month <= _date(monthly["last_month"]):
        # Applications are due by the 20th of the month before (DOMAIN.md, the yearly cycle).
        before = rules.grades.add_months(month, -1)
        get_or_create(Round, fiscal_year=fiscal_year, kind=Round.Kind.MONTHLY, start_month=month, defaults={
            "name": monthly["name"].format(month=month.month),
            "opens_at": datetime.datetime.combine(before.replace(day=monthly["opens_day"]), datetime.time(), TOKYO),
            "closes_at": datetime.datetime.combine(before.replace(day=monthly["due_day"] + 1), datetime.time(), TOKYO),
            "publish_at": datetime.datetime.combine(before.replace(day=monthly["publish_day"]),
                                                    datetime.time(9), TOKYO),
            "status": monthly["status"]})
        month = rules.grades.add_months(month, 1)

    first_round = Round.objects.get(fiscal_year=fiscal_year, kind=Round.Kind.FIRST)
    return DemoCity(fiscal_year=fiscal_year, first_round=first_round, created=created)


def demo_city_is_loaded() -> bool:
    return FiscalYear.objects.filter(year=read_fixture("city.json")["fiscal_year"]).exists()


# ---------------------------------------------------------------------------------------------
# Drawing


class Draw:
    """Weighted choices on top of one ``random.Random``; nothing else supplies randomness."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def weighted(self, table):
        """``table``: [(value, weight), ...] in a fixed order."""
        cumulative = list(accumulate(weight for _value, weight in table))
        return table[bisect(cumulative, self.rng.random() * cumulative[-1])][0]

    def name(self, table):
        """``table``: [[kanji, kana, weight], ...] from names.json."""
        return self.weighted([((kanji, kana), weight) for kanji, kana, weight in table])

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def between(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def day_between(self, first: datetime.date, last: datetime.date) -> datetime.date:
        return first + datetime.timedelta(days=self.rng.randint(0, (last - first).days))


# Guardian situations, [(situation, weight)], by the guardian's place in the household. Weights are
# per mille and roughly follow what Tokyo-area cities report for 学童 applicants: most parents work
# full time outside home, part-time work is the next largest group, and every other reason is rare.
MOTHER_SITUATIONS = [
    ("full_time", 505), ("part_time", 250), ("at_home", 60), ("job_offer", 15), ("childbirth", 30),
    ("illness", 10), ("disability", 3), ("nursing_care", 15), ("study", 10), ("job_seeking", 25),
    ("parental_leave", 45), ("available", 12), ("short_afternoons", 3),
]
FATHER_SITUATIONS = [
    ("full_time", 880), ("part_time", 20), ("at_home", 40), ("job_offer", 5), ("illness", 10),
    ("disability", 3), ("nursing_care", 5), ("study", 3), ("job_seeking", 10), ("parental_leave", 10),
    ("absent", 8), ("available", 2), ("disaster", 1),
]
SINGLE_PARENT_SITUATIONS = [
    ("full_time", 600), ("part_time", 230), ("at_home", 40), ("job_offer", 10), ("illness", 20),
    ("disability", 8), ("nursing_care", 10), ("study", 25), ("job_seeking", 40), ("parental_leave", 7),
    ("short_afternoons", 10),
]
# Grade in the year applied for: 学童 demand falls steeply after grade 3.
GRADE_WEIGHTS = [(1, 30), (2, 25), (3, 22), (4, 12), (5, 7), (6, 4)]
# Of the children in grades 2-6 who apply, the share already at a club this year.
CONTINUING_SHARE = {2: 0.75, 3: 0.70, 4: 0.60, 5: 0.50, 6: 0.45}
CHOICE_COUNTS = [(1, 25), (2, 30), (3, 25), (4, 12), (5, 8)]
SINGLE_PARENT_SHARE = 0.12
TWO_CHILDREN_SHARE = 0.08  # of households: ≈15 % of the children apply with a sibling
SUPPORT_SHARE = 0.05


@dataclass
class _ChildPlan:
    child: Child
    grade: int
    applies: bool
    application: Application | None = None
    clubs: list[Club] = field(default_factory=list)
    continuing: Club | None = None
    kokoa_weekdays: list[int] | None = None
    special_requests: list[KokoaSession] = field(default_factory=list)
    submitted_at: datetime.datetime | None = None
    registration: KokoaRegistration | None = None


@dataclass
class _HouseholdPlan:
    household: Household
    guardians: list[Guardian]
    children: list[_ChildPlan]
    sibling_mode: str | None = None
    group: SiblingGroup | None = None


@dataclass
class Population:
    households: int
    guardians: int
    children: int
    applications: int
    kokoa_registrations: int
    session_requests: int


def cohort_birth_range(grade: int, fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    """First and last birth date of the children in ``grade`` during ``fiscal_year``."""
    entry_year = fiscal_year - grade + 1  # the April this cohort entered grade 1
    return datetime.date(entry_year - 7, 4, 2), datetime.date(entry_year - 6, 4, 1)


class _Generator:
    def __init__(self, *, seed: int, round_: Round):
        self.draw = Draw(seed)
        self.round = round_
        self.fiscal_year = round_.fiscal_year.year
        ruleset_row = round_.effective_ruleset()
        if ruleset_row is None:
            raise ValueError(f"{round_} has no rule set: load the demo city first.")
        self.ruleset = ruleset_row.parsed()
        self.names = read_fixture("names.json")
        geography = read_fixture("schools.json")
        self.towns = {d["code"]: d["towns"] for d in geography["districts"]}
        self.neighbours = {s["code"]: s["neighbours"] for s in geography["schools"]}
        self.schools = list(School.objects.select_related("district").order_by("code"))
        pupils = {s["code"]: s["pupils"] for s in geography["schools"]}
        self.school_weights = [(school, pupils.get(school.code, 600)) for school in self.schools]
        self.clubs = list(Club.objects.filter(is_active=True).select_related("school__district").order_by("code"))
        self.clubs_by_district: dict[str, list[Club]] = {}
        for club in self.clubs:
            self.clubs_by_district.setdefault(club.school.district.code, []).append(club)
        # Places this year, to keep the continuing children within each club's intake cap.
        self.current_places = {club.pk: club.intake_cap for club in self.clubs}
        self.programmes = {
            p.school_id: p for p in KokoaProgramme.objects.filter(fiscal_year=round_.fiscal_year)
        }
        self.special_sessions: dict[int, list[KokoaSession]] = {}
        for session in KokoaSession.objects.filter(
                programme__fiscal_year=round_.fiscal_year, kind=KokoaSession.Kind.SPECIAL).order_by("date", "pk"):
            self.special_sessions.setdefault(session.programme_id, []).append(session)
        self.reference_date = round_.start_month

    # -- people ------------------------------------------------------------------------------

    def address(self, district_code: str) -> tuple[str, str, str]:
        d = self.draw
        town = d.pick(self.towns[district_code])
        chome = KANJI_DIGITS[d.between(1, town["chome"])]
        address = f"東京都泊江市{town['name']}{chome}丁目{d.between(1, 28)}番{d.between(1, 30)}号"
        extra = ""
        if d.chance(0.45):
            extra = f"{d.pick(self.names['buildings'])} {d.between(1, 6)}0{d.between(1, 9)}号室"
        return town["postal_code"], address, extra

    def phone(self, mobile: bool = True) -> str:
        d = self.draw
        if mobile:
            return f"0{d.pick('987')}0-{d.between(1000, 9999)}-{d.between(1000, 9999)}"
        return f"03-34{d.between(10, 99)}-{d.between(1000, 9999)}"

    def guardian(self, household: Household, order: int, family: tuple[str, str], sex: str,
                 situation: str) -> Guardian:
        d = self.draw
        given, given_kana = d.name(self.names["women" if sex == "f" else "men"])
        g = Guardian(household=household, order=order, family_name=family[0], given_name=given,
                     family_kana=family[1], given_kana=given_kana, relationship="母" if sex == "f" else "父",
                     phone=self.phone(), reason=Guardian.Reason.WORK)
        self.apply_situation(g, situation)
        return g

    def _timed(self, g: Guardian, days: int, hours: str, afternoon: str = "4.0"):
        g.days_per_month = days
        g.hours_per_day = Decimal(hours)
        g.afternoon_hours = Decimal(afternoon)

    def apply_situation(self, g: Guardian, situation: str) -> None:
        d = self.draw
        R = Guardian.Reason
        if situation == "full_time":
            g.reason = R.WORK
            g.employer = d.pick(self.names["employers"])
            self._timed(g, d.pick([20, 20, 21, 22, 22, 23]), d.pick(["8.0", "8.0", "8.0", "7.5", "9.0", "7.0"]))
            g.posted_away = g.relationship == "父" and d.chance(0.03)
        elif situation in ("part_time", "short_afternoons"):
            g.reason = R.WORK
            g.employer = d.pick(self.names["employers"])
            days = d.pick([12, 14, 16, 16, 18, 20, 20])
            hours = d.pick(["4.0", "5.0", "5.0", "6.0", "6.0", "7.0"])
            # A morning job ends before the children come home: not eligible (DOMAIN.md, ≥4 h
            # between 14:00 and 18:00), and the family learns why on the refusal letter.
            afternoon = d.pick(["1.0", "2.0", "3.0"]) if situation == "short_afternoons" else "4.0"
            self._timed(g, days, hours, afternoon)
        elif situation == "at_home":
            g.reason = R.WORK
            g.works_at_home = True
            g.employer = d.pick(self.names["employers_at_home"])
            self._timed(g, d.pick([16, 18, 20, 22]), d.pick(["6.0", "7.0", "8.0"]))
        elif situation == "job_offer":
            g.reason = R.JOB_OFFER
            g.employer = d.pick(self.names["employers"])
            self._timed(g, d.pick([16, 20, 20, 22]), d.pick(["6.0", "8.0", "8.0"]))
        elif situation == "childbirth":
            g.reason = R.CHILDBIRTH
            g.expected_birth_date = d.day_between(datetime.date(2027, 2, 1), datetime.date(2027, 7, 20))
        elif situation == "illness":
            g.reason = R.ILLNESS
            g.illness_level = d.weighted([("hospitalised", 2), ("outpatient_3plus", 3), ("outpatient_1_2", 3),
                                          ("other", 2)])
        elif situation == "disability":
            g.reason = R.DISABILITY
            g.disability_grade = d.weighted([("1-2", 3), ("3", 3), ("4", 4)])
        elif situation == "nursing_care":
            g.reason = R.NURSING_CARE
            g.care_level = d.weighted([("fulltime_severe", 2), ("moderate", 3), ("accompany_4days", 3),
                                       ("other", 2)])
        elif situation == "study":
            g.reason = R.STUDY
            g.employer = d.pick(self.names["schools_for_study"])
            self._timed(g, d.pick([16, 18, 20]), d.pick(["6.0", "7.0", "8.0"]))
        elif situation == "job_seeking":
            g.reason = R.JOB_SEEKING
            # Some started looking long before April: their three months are over when the child
            # would start, and the rules say so.
            if d.chance(0.75):
                g.job_seeking_since = d.day_between(datetime.date(2027, 2, 1), datetime.date(2027, 4, 1))
            else:
                g.job_seeking_since = d.day_between(datetime.date(2026, 8, 1), datetime.date(2026, 11, 20))
        elif situation == "parental_leave":
            g.reason = R.PARENTAL_LEAVE
            g.employer = d.pick(self.names["employers"])
            self._timed(g, d.pick([20, 21, 22]), d.pick(["8.0", "7.0", "6.0"]))
            # Most return by April; the rest return later and are not yet eligible for April.
            if d.chance(0.85):
                g.leave_return_date = d.day_between(datetime.date(2027, 3, 1), datetime.date(2027, 4, 1))
            else:
                g.leave_return_date = d.day_between(datetime.date(2027, 5, 1), datetime.date(2027, 10, 1))
        elif situation == "absent":
            g.reason = R.ABSENT
            g.absence_kind = d.weighted([("separation", 6), ("missing", 1), ("detention", 1), ("death", 2)])
            g.phone = ""
        elif situation == "disaster":
            g.reason = R.DISASTER
        elif situation == "available":
            g.reason = R.AVAILABLE
        else:  # pragma: no cover - the tables above list every situation
            raise ValueError(situation)

    def child(self, household: Household, family: tuple[str, str], grade: int, school: School,
              birth_date: datetime.date | None = None, avoid: str = "") -> Child:
        d = self.draw
        table = self.names["boys"] if d.chance(0.51) else self.names["girls"]
        given, given_kana = d.name(table)
        while given == avoid:
            given, given_kana = d.name(table)
        if birth_date is None:
            birth_date = d.day_between(*cohort_birth_range(grade, self.fiscal_year))
        c = Child(household=household, family_name=family[0], given_name=given, family_kana=family[1],
                  given_kana=given_kana, birth_date=birth_date, school=school)
        return c

    # -- households ----------------------------------------------------------------------------

    def household(self) -> _HouseholdPlan:
        d = self.draw
        school = d.weighted(self.school_weights)
        district = school.district.code
        postal_code, address, extra = self.address(district)
        single = d.chance(SINGLE_PARENT_SHARE)
        h = Household(postal_code=postal_code, address=address, address_extra=extra,
                      phone=self.phone(mobile=d.chance(0.8)), single_parent=single)
        family = d.name(self.names["family"])
        if single:
            sex = "f" if d.chance(0.85) else "m"
            guardians = [self.guardian(h, 1, family, sex, d.weighted(SINGLE_PARENT_SITUATIONS))]
            h.public_assistance = d.chance(0.15)
            h.resident_tax_exempt = h.public_assistance or d.chance(0.30)
        else:
            guardians = [self.guardian(h, 1, family, "f", d.weighted(MOTHER_SITUATIONS)),
                         self.guardian(h, 2, family, "m", d.weighted(FATHER_SITUATIONS))]
            h.public_assistance = d.chance(0.01)
            h.resident_tax_exempt = h.public_assistance or d.chance(0.03)
            h.grandparent_at_home = d.chance(0.04)
        if h.resident_tax_exempt:
            h.income_tax_previous = h.income_tax_current = 0
        else:
            # 所得割額 is about 6 % of taxable income; round to 100 yen as the notices do.
            median = 90_000 if single else 260_000
            previous = int(d.rng.lognormvariate(0, 0.55) * median) // 100 * 100
            h.income_tax_previous = max(previous, 5_000)
            h.income_tax_current = max(int(previous * d.rng.uniform(0.9, 1.12)) // 100 * 100, 5_000)
        arrears = d.rng.random()
        h.arrears_months = d.between(3, 5) if arrears < 0.008 else d.between(1, 2) if arrears < 0.025 else 0
        h.welfare_referral = d.chance(0.003)
        if d.chance(0.7):
            grand_family = family[0] if d.chance(0.5) else d.name(self.names["family"])[0]
            given = d.name(self.names["women"] if d.chance(0.6) else self.names["men"])[0]
            h.emergency_contact_name = f"{grand_family} {given}（祖父母）"
            h.emergency_contact_phone = self.phone()

        grade = d.weighted(GRADE_WEIGHTS)
        first = _ChildPlan(self.child(h, family, grade, school), grade, applies=True)
        children = [first]
        sibling_mode = None
        if d.chance(TWO_CHILDREN_SHARE):
            sibling_mode = SiblingGroup.Mode.TOGETHER if d.chance(0.6) else SiblingGroup.Mode.PREFER
            if d.chance(0.04):  # twins: one birth date, two names
                twin = self.child(h, family, grade, school, birth_date=first.child.birth_date,
                                  avoid=first.child.given_name)
                children.append(_ChildPlan(twin, grade, applies=True))
            else:
                other = d.weighted([(g, w) for g, w in GRADE_WEIGHTS if g != grade])
                children.append(_ChildPlan(self.child(h, family, other, school, avoid=first.child.given_name),
                                           other, applies=True))
        elif grade <= 3 and d.chance(0.2):
            # An older brother or sister at the same school who no longer needs a club.
            older = d.between(max(4, grade + 1), 6)
            children.append(_ChildPlan(self.child(h, family, older, school, avoid=first.child.given_name),
                                       older, applies=False))
        children.sort(key=lambda plan: (plan.child.birth_date, plan.child.given_name))
        for plan in children:
            if plan.applies and d.chance(SUPPORT_SHARE):
                plan.child.needs_support = True
                plan.child.support_notes = d.pick(self.names["support_notes"])
            if d.chance(0.08):
                plan.child.care_notes = d.pick(self.names["care_notes"])
                plan.child.care_notes_shared = d.chance(0.9)
        return _HouseholdPlan(h, guardians, children, sibling_mode)

    # -- club choices ----------------------------------------------------------------------------

    def ranked_clubs(self, school: School, grade: int) -> list[Club]:
        """Every club the child could ask for, in a plausible order of wish: her own school
        district first, then the neighbouring districts, then the rest of the city."""
        d = self.draw
        district = school.district.code

        def serving(clubs):
            clubs = [c for c in clubs if c.serves_grade(grade)]
            d.rng.shuffle(clubs)
            # The club in the school itself is the usual first wish.
            clubs.sort(key=lambda c: 0 if c.kind == Club.Kind.PUBLIC_DIRECT or "学校内" in c.address else 1)
            return clubs

        own = serving(self.clubs_by_district.get(district, []))
        near = serving([c for code in self.neighbours.get(school.code, [])
                        for c in self.clubs_by_district.get(code, [])])
        rest = serving([c for c in self.clubs if c not in own and c not in near])
        if own and d.chance(0.55):
            d.rng.shuffle(own)
        ranked = own + near + rest
        if near and d.chance(0.08):
            # Close to the district boundary, or on the way to work.
            ranked.remove(near[0])
            ranked.insert(0, near[0])
        return ranked

    def choose(self, plan: _HouseholdPlan) -> None:
        d = self.draw
        applying = [c for c in plan.children if c.applies]
        for c in applying:
            if c.grade >= 2 and d.chance(CONTINUING_SHARE[c.grade]):
                candidates = [club for club in self.clubs_by_district.get(c.child.school.district.code, [])
                              if club.serves_grade(c.grade - 1) and club.serves_grade(c.grade)
                              and self.current_places[club.pk] > 0]
                if candidates:
                    c.continuing = d.pick(candidates)
                    self.current_places[c.continuing.pk] -= 1
        count = d.weighted(CHOICE_COUNTS)
        if plan.sibling_mode == SiblingGroup.Mode.TOGETHER:
            # Both or neither: one list, of clubs that take both children.
            grades = [c.grade for c in applying]
            ranked = [club for club in self.ranked_clubs(applying[0].child.school, min(grades))
                      if all(club.serves_grade(g) for g in grades)]
            continuing = next((c.continuing for c in applying if c.continuing), None)
            if continuing and continuing in ranked and d.chance(0.9):
                ranked.remove(continuing)
                ranked.insert(0, continuing)
            for c in applying:
                c.clubs = ranked[:count]
            return
        shared = None
        for c in applying:
            ranked = self.ranked_clubs(c.child.school, c.grade)
            if c.continuing and d.chance(0.92):
                ranked.remove(c.continuing)
                ranked.insert(0, c.continuing)
            if shared is not None and d.chance(0.8):
                # "Same club preferred": the younger child's wishes first, where they fit.
                ranked = [club for club in shared if club.serves_grade(c.grade)] + \
                         [club for club in ranked if club not in shared]
            c.clubs = ranked[:count]
            shared = c.clubs

    # -- KoKoA ---------------------------------------------------------------------------------

    def kokoa(self, plan: _HouseholdPlan) -> None:
        d = self.draw
        for c in plan.children:
            if not d.chance(0.45 if c.applies else 0.6):
                continue
            days = sorted(d.rng.sample(range(5), d.weighted([(1, 2), (2, 3), (3, 3), (4, 1), (5, 2)])))
            c.kokoa_weekdays = days
            programme = self.programmes.get(c.child.school_id)
            sessions = self.special_sessions.get(programme.pk, []) if programme else []
            if sessions and d.chance(0.3):
                c.special_requests = d.rng.sample(sessions, d.between(1, min(2, len(sessions))))


@transaction.atomic
def generate_population(*, households: int, seed: int, round: Round,  # noqa: A002 - the brief's name
                        accepted_share: float = 0.5, returned_share: float = 0.03,
                        submitted_hours: int = 18) -> Population:
    """Add ``households`` generated households that apply in ``round``; deterministic per seed.

    Applications are submitted within the first ``submitted_hours`` hours of the round's window
    (the demo's first round opens on its "today"), receipt numbers follow submission order in the
    format of ``enrollment.services.applications`` and continue the round's counter.
    ``accepted_share`` of them staff have already accepted (only accepted applications enter an
    allocation run, so the demo can run one at once), ``returned_share`` were returned for
    correction, and the rest wait to be checked.
    """
    if households < 0:
        raise ValueError("households must be 0 or more")
    if not (0 <= accepted_share and 0 <= returned_share and accepted_share + returned_share <= 1):
        raise ValueError("accepted_share and returned_share must be shares of 1 together")
    gen = _Generator(seed=seed, round_=round)
    d = gen.draw
    plans = [gen.household() for _ in range(households)]
    for plan in plans:
        gen.choose(plan)
        gen.kokoa(plan)

    Household.objects.bulk_create([p.household for p in plans])
    guardians = []
    for plan in plans:
        for g in plan.guardians:
            g.household = plan.household
            guardians.append(g)
    Guardian.objects.bulk_create(guardians)
    child_plans = [c for plan in plans for c in plan.children]
    for plan in plans:
        for c in plan.children:
            c.child.household = plan.household
    Child.objects.bulk_create([c.child for c in child_plans])

    groups = []
    for plan in plans:
        if plan.sibling_mode:
            plan.group = SiblingGroup(household=plan.household, round=round, mode=plan.sibling_mode)
            groups.append(plan.group)
    SiblingGroup.objects.bulk_create(groups)

    # Submission times first, so receipt numbers can follow them.
    window = min(datetime.timedelta(hours=submitted_hours), round.closes_at - round.opens_at)
    applying = [(plan, c) for plan in plans for c in plan.children if c.applies]
    for plan, c in applying:
        c.submitted_at = round.opens_at + datetime.timedelta(seconds=d.rng.randrange(int(window.total_seconds())))
    serial = round.last_receipt_serial
    kind_letter = {"first": "A", "second": "B", "monthly": "M"}[round.kind]
    month = f"{round.start_month:%m}" if round.kind == Round.Kind.MONTHLY else ""
    prefix = f"{round.fiscal_year.year % 100:02d}{kind_letter}{month}"
    receipts = {}
    for _plan, c in sorted(applying, key=lambda pair: (pair[1].submitted_at, pair[1].child.pk)):
        serial += 1
        receipts[c.child.pk] = f"{prefix}-{serial:05d}"

    applications = []
    with translation.override(settings.LANGUAGE_CODE):
        for plan, c in applying:
            draw = d.rng.random()
            status = (Application.Status.ACCEPTED if draw < accepted_share
                      else Application.Status.RETURNED if draw < accepted_share + returned_share
                      else Application.Status.SUBMITTED)
            app = Application(
                child=c.child, round=round, status=status, requested_start=round.start_month,
                receipt_number=receipts[c.child.pk], sibling_group=plan.group,
                continuing_club=c.continuing, submitted_at=c.submitted_at, is_paper=d.chance(0.04),
                kokoa_weekdays=c.kokoa_weekdays or [])
            if status == Application.Status.ACCEPTED:
                app.accepted_at = c.submitted_at + datetime.timedelta(hours=d.between(1, 6))
            if status == Application.Status.RETURNED:
                app.return_comment = d.pick(gen.names["return_comments"])
            siblings_clubs = {club.pk for other in plan.children if other is not c and other.applies
                              for club in other.clubs} if plan.sibling_mode else set()
            _score(gen, app, plan, c, siblings_clubs)
            c.application = app
            applications.append(app)
    Application.objects.bulk_create(applications)
    round.last_receipt_serial = serial
    round.save(update_fields=["last_receipt_serial"])

    ApplicationChoice.objects.bulk_create([
        ApplicationChoice(application=c.application, rank=rank, club=club)
        for _plan, c in applying for rank, club in enumerate(c.clubs, start=1)])

    events = []
    for app in applications:
        events.append(ApplicationEvent(application=app, from_status=Application.Status.DRAFT,
                                       to_status=Application.Status.SUBMITTED))
        events[-1].when = app.submitted_at
        if app.status == Application.Status.ACCEPTED:
            events.append(ApplicationEvent(application=app, from_status=Application.Status.SUBMITTED,
                                           to_status=Application.Status.ACCEPTED))
            events[-1].when = app.accepted_at
        elif app.status == Application.Status.RETURNED:
            events.append(ApplicationEvent(application=app, from_status=Application.Status.SUBMITTED,
                                           to_status=Application.Status.RETURNED, comment=app.return_comment))
            events[-1].when = app.submitted_at + datetime.timedelta(hours=2)
    ApplicationEvent.objects.bulk_create(events)
    # auto_now_add stamps the insert time; the history must show when things happened.
    for event in events:
        event.at = event.when
    ApplicationEvent.objects.bulk_update(events, ["at"], batch_size=500)

    # This year's places of the continuing children, ending with the fiscal year.
    this_year_start = datetime.date(round.fiscal_year.year - 1, 4, 1)
    Enrollment.objects.bulk_create([
        Enrollment(child=c.child, club=c.continuing, start_date=this_year_start,
                   end_date=round.fiscal_year.starts_on - datetime.timedelta(days=1))
        for _plan, c in applying if c.continuing])

    registrations = []
    for plan in plans:
        for c in plan.children:
            programme = gen.programmes.get(c.child.school_id)
            if c.kokoa_weekdays is not None and programme is not None:
                c.registration = KokoaRegistration(programme=programme, child=c.child, weekdays=c.kokoa_weekdays)
                registrations.append(c.registration)
    KokoaRegistration.objects.bulk_create(registrations)
    requests = [KokoaSessionRequest(registration=c.registration, session=session)
                for c in child_plans if c.special_requests and c.registration is not None
                for session in c.special_requests]
    KokoaSessionRequest.objects.bulk_create(requests)

    return Population(households=len(plans), guardians=len(guardians), children=len(child_plans),
                      applications=len(applications), kokoa_registrations=len(registrations),
                      session_requests=len(requests))


def _score(gen: _Generator, app: Application, plan: _HouseholdPlan, c: _ChildPlan, siblings_clubs: set) -> None:
    """Points, breakdown and eligibility as ``enrollment.services.points.score`` computes them,
    from the objects in memory instead of one query per application."""
    h = plan.household
    household = rules.HouseholdFacts(
        guardians=tuple(guardian_facts(g) for g in plan.guardians),
        single_parent=h.single_parent, public_assistance=h.public_assistance,
        grandparent_at_home=h.grandparent_at_home, income_tax_previous=h.income_tax_previous,
        income_tax_current=h.income_tax_current, arrears_months=h.arrears_months)
    child = rules.ChildFacts(grade=c.grade, needs_support=c.child.needs_support, waiting_months=0)
    district = c.child.school.district_id
    clubs = [rules.ClubContext(club_id=str(club.pk), continuing=club == c.continuing,
                               sibling=club.pk in siblings_clubs,
                               out_of_district=club.school.district_id != district)
             for club in c.clubs]
    ref = gen.reference_date
    breakdown = rules.compute_points(gen.ruleset, household, child, reference_date=ref, clubs=clubs)
    problems = rules.check_eligibility(gen.ruleset, household, child, reference_date=ref,
                                       start_date=max(app.requested_start, ref))
    app.points = breakdown.total
    app.points_breakdown = breakdown.as_dict()
    app.eligibility_problems = [p.as_dict() for p in problems]


# ---------------------------------------------------------------------------------------------
# Accounts


@dataclass(frozen=True)
class DemoLogin:
    label: str
    email: str
    password: str
    url: str


def create_demo_accounts(*, first_round: Round) -> list[DemoLogin]:
    """The demo's logins, created when missing: one of each role, one password for all."""
    operator = Operator.objects.get(code=DEMO_OPERATOR_CODE)

    # One hash for all five: password hashing is slow on purpose, and the password is the same.
    password_hash = make_password(DEMO_PASSWORD)

    def account(email, **fields):
        user = User.objects.filter(email=email).first()
        if user is None:
            make = User.objects.create_superuser if fields.pop("superuser", False) else User.objects.create_user
            user = make(email, None, **fields)
            user.password = password_hash
            # The demo's addresses cannot receive mail: the accounts start confirmed.
            user.email_confirmed_at = timezone.now()
            user.save(update_fields=["password", "email_confirmed_at"])
        return user

    with transaction.atomic():
        family = account(FAMILY_EMAIL, display_name="髙橋 美咲")
        if family.household_id is None:
            family.household = _demo_family(first_round)
            family.save(update_fields=["household"])
        account(STAFF_EMAIL, display_name="児童育成課 鈴木", role=User.Role.STAFF, staff_level=User.StaffLevel.FULL)
        account(READONLY_EMAIL, display_name="児童育成課 閲覧用", role=User.Role.STAFF,
                staff_level=User.StaffLevel.READ_ONLY)
        account(OPERATOR_EMAIL, display_name=f"{operator.name} 事務局", role=User.Role.OPERATOR, operator=operator)
        account(ADMIN_EMAIL, display_name="システム管理者", superuser=True)
    return demo_logins()


def demo_logins() -> list[DemoLogin]:
    operator = Operator.objects.filter(code=DEMO_OPERATOR_CODE).first()
    family_login, staff_login, admin = reverse("login"), reverse("staff_login"), reverse("admin:index")
    return [
        DemoLogin("Family (髙橋家: two guardians, two children, a draft application)", FAMILY_EMAIL,
                  DEMO_PASSWORD, family_login),
        DemoLogin("City staff, full access", STAFF_EMAIL, DEMO_PASSWORD, staff_login),
        DemoLogin("City staff, read-only", READONLY_EMAIL, DEMO_PASSWORD, staff_login),
        DemoLogin(f"Club operator ({operator.name if operator else DEMO_OPERATOR_CODE})", OPERATOR_EMAIL,
                  DEMO_PASSWORD, staff_login),
        DemoLogin("Superuser for the Django admin", ADMIN_EMAIL, DEMO_PASSWORD, admin),
    ]


def _demo_family(first_round: Round) -> Household:
    """髙橋家 in 泊江本町: the family a demonstration logs in as. 髙 is the rare form of 高, on
    purpose: the name must survive every screen and letter exactly as registered."""
    school = School.objects.get(code="S1")
    household = Household.objects.create(
        postal_code="201-0001", address="東京都泊江市泊江本町三丁目4番10号", address_extra="メゾン泊江 302号室",
        phone="090-1234-5678", emergency_contact_name="髙橋 和子（祖母）", emergency_contact_phone="042-555-0123",
        income_tax_previous=312_400, income_tax_current=318_900)
    Guardian.objects.create(household=household, order=1, family_name="髙橋", given_name="美咲",
                            family_kana="タカハシ", given_kana="ミサキ", relationship="母", phone="090-1234-5678",
                            employer="株式会社アオバシステムズ", reason=Guardian.Reason.WORK, days_per_month=20,
                            hours_per_day=Decimal("8.0"), afternoon_hours=Decimal("4.0"))
    Guardian.objects.create(household=household, order=2, family_name="髙橋", given_name="健太",
                            family_kana="タカハシ", given_kana="ケンタ", relationship="父", phone="080-2345-6789",
                            employer="泊江中央病院", reason=Guardian.Reason.WORK, days_per_month=22,
                            hours_per_day=Decimal("9.0"), afternoon_hours=Decimal("4.0"))
    fy = first_round.fiscal_year.year
    Child.objects.create(household=household, family_name="髙橋", given_name="陽葵", family_kana="タカハシ",
                         given_kana="ヒマリ", birth_date=datetime.date(fy - 9, 6, 14), school=school)
    younger = Child.objects.create(household=household, family_name="髙橋", given_name="湊", family_kana="タカハシ",
                                   given_kana="ミナト", birth_date=datetime.date(fy - 7, 9, 3), school=school,
                                   care_notes="卵アレルギー（加熱卵も不可）。", care_notes_shared=True)
    draft = Application.objects.create(child=younger, round=first_round, requested_start=first_round.start_month)
    for rank, code in enumerate(["C01", "C02"], start=1):
        ApplicationChoice.objects.create(application=draft, rank=rank, club=Club.objects.get(code=code))
    return household


# ---------------------------------------------------------------------------------------------
# Reset


@transaction.atomic
def reset_demo() -> None:
    """Delete every household, application, run, letter and the demo city itself, so the demo
    can be loaded again from scratch. Audit events stay: the trail is append-only."""
    from enrollment import models as m

    for model in (m.Letter, m.LetterBatch, m.LetterTemplate, m.DocumentNumberSeries, m.Offer, m.WaitlistEntry,
                  m.Withdrawal, m.Enrollment, m.KokoaAttendance, m.KokoaSessionRequest, m.KokoaRegistration,
                  m.Document, m.PointsAdjustment, m.ApplicationEvent, m.ApplicationChoice, m.Application,
                  m.AllocationRun, m.SiblingGroup):
        model.objects.all().delete()
    User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").delete()
    User.objects.filter(household__isnull=False).update(household=None)
    for model in (m.Household, m.KokoaSession, m.KokoaProgramme, m.Round, m.ClubGradeLimit, m.Club):
        model.objects.all().delete()
    User.objects.filter(operator__isnull=False).delete()
    for model in (m.Operator, m.School, m.SchoolDistrict, m.RuleSet, m.FiscalYear):
        model.objects.all().delete()
