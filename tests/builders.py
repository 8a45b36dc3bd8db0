"""Builders for tests: each makes one valid object with sensible defaults; pass what matters.

Like eVaka's test builders, not shared fixtures: every test says what it needs.
"""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from enrollment.models import (
    Application,
    ApplicationChoice,
    Child,
    Club,
    FiscalYear,
    Guardian,
    Household,
    Operator,
    Round,
    RuleSet,
    School,
    SchoolDistrict,
    SiblingGroup,
    User,
)
from enrollment.rules import load_default_ruleset, ruleset_to_dict

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-9"


def _n() -> int:
    return next(_counter)


def fiscal_year(year: int = 2027) -> FiscalYear:
    fy, created = FiscalYear.objects.get_or_create(year=year)
    if created or not fy.rulesets.exists():
        RuleSet.objects.create(fiscal_year=fy, version=1, data=ruleset_to_dict(load_default_ruleset()))
    return fy


def district(**fields) -> SchoolDistrict:
    n = _n()
    return SchoolDistrict.objects.create(**{"code": f"D{n}", "name": f"第{n}学区", **fields})


def school(**fields) -> School:
    n = _n()
    if "district" not in fields:
        fields["district"] = district()
    return School.objects.create(**{"code": f"S{n}", "name": f"泊江第{n}小学校", **fields})


def operator(**fields) -> Operator:
    n = _n()
    return Operator.objects.create(**{"code": f"O{n}", "name": f"社会福祉法人 第{n}会",
                                      "kind": Operator.Kind.SOCIAL_WELFARE, **fields})


def club(**fields) -> Club:
    n = _n()
    if "school" not in fields:
        fields["school"] = school()
    if "operator" not in fields:
        fields["operator"] = operator()
    defaults = {"code": f"C{n:02d}", "name": f"第{n}学童クラブ", "kind": Club.Kind.PUBLIC_OUTSOURCED,
                "address": f"泊江市中央{n}-1", "floor_area_m2": Decimal("66.00"), "care_units": 1,
                "monthly_fee": 4500}
    return Club.objects.create(**{**defaults, **fields})


def round_(fy: FiscalYear | None = None, **fields) -> Round:
    fy = fy or fiscal_year()
    now = timezone.now()
    defaults = {"kind": Round.Kind.FIRST, "name": "一斉申請", "start_month": datetime.date(fy.year, 4, 1),
                "opens_at": now - datetime.timedelta(days=1), "closes_at": now + datetime.timedelta(days=20),
                "status": Round.Status.OPEN}
    return Round.objects.create(fiscal_year=fy, **{**defaults, **fields})


def household(*, guardians: int = 2, **fields) -> Household:
    defaults = {"postal_code": "201-0001", "address": "泊江市中央1-2-3", "phone": "03-0000-0000"}
    h = Household.objects.create(**{**defaults, **fields})
    for order in range(1, guardians + 1):
        guardian(h, order=order)
    return h


def guardian(h: Household, **fields) -> Guardian:
    defaults = {"order": 1, "family_name": "泊江", "given_name": "花子", "family_kana": "トマエ",
                "given_kana": "ハナコ", "reason": Guardian.Reason.WORK, "days_per_month": 20,
                "hours_per_day": Decimal("8"), "afternoon_hours": Decimal("4")}
    return Guardian.objects.create(household=h, **{**defaults, **fields})


def child(h: Household | None = None, **fields) -> Child:
    h = h or household()
    if "school" not in fields:
        fields["school"] = school()
    defaults = {"family_name": "泊江", "given_name": "太郎", "family_kana": "トマエ", "given_kana": "タロウ",
                "birth_date": datetime.date(2020, 5, 1)}  # grade 1 in fiscal year 2027
    return Child.objects.create(household=h, **{**defaults, **fields})


def application(c: Child | None = None, *, rnd: Round | None = None, clubs=(), status=Application.Status.DRAFT,
                **fields) -> Application:
    c = c or child()
    rnd = rnd or round_()
    app = Application.objects.create(child=c, round=rnd, status=status,
                                     requested_start=fields.pop("requested_start", rnd.start_month), **fields)
    for rank, cl in enumerate(clubs, start=1):
        ApplicationChoice.objects.create(application=app, rank=rank, club=cl)
    return app


def sibling_group(h: Household, rnd: Round, mode=SiblingGroup.Mode.TOGETHER) -> SiblingGroup:
    return SiblingGroup.objects.create(household=h, round=rnd, mode=mode)


def family_user(h: Household | None = None, **fields) -> User:
    h = h or household()
    return User.objects.create_user(fields.pop("email", f"family{_n()}@example.jp"), PASSWORD,
                                    role=User.Role.FAMILY, household=h, **fields)


def staff_user(*, read_only: bool = False, **fields) -> User:
    level = User.StaffLevel.READ_ONLY if read_only else User.StaffLevel.FULL
    return User.objects.create_user(fields.pop("email", f"staff{_n()}@city.example.jp"), PASSWORD,
                                    role=User.Role.STAFF, staff_level=level, **fields)


def operator_user(op: Operator | None = None, **fields) -> User:
    return User.objects.create_user(fields.pop("email", f"operator{_n()}@example.jp"), PASSWORD,
                                    role=User.Role.OPERATOR, operator=op or operator(), **fields)
