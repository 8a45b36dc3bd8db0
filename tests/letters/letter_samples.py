"""Fixed letter content for the tests and the reference images (no database)."""

from __future__ import annotations

import datetime

from enrollment.letters.content import (
    Addressee,
    ChildInfo,
    ClubInfo,
    KokoaInfo,
    LetterContent,
    LetterKind,
    Sender,
)

SENDER = Sender(
    title="泊江市長",
    name="泊江 一郎",
    office="子ども家庭部 児童青少年課 放課後対策係",
    office_address="〒201-8585 泊江市和泉本町一丁目1番5号 泊江市役所2階",
    phone="03-3430-1111（内線2345）",
    email="houkago@city.tomarie.example.jp",
    office_hours="平日 午前8時30分～午後5時",
)

ADDRESSEE = Addressee(
    postal_code="2010013",
    address_lines=("泊江市元和泉二丁目35番地1", "泊江ハイツ203号室"),
    name="山田 花子",
)

CHILD = ChildInfo(
    family_name="山田",
    given_name="太郎",
    family_kana="やまだ",
    given_kana="たろう",
    birth_date=datetime.date(2020, 6, 15),
    school="泊江市立第一小学校",
    grade=1,
)

CLUB = ClubInfo(
    name="第一学童クラブ",
    address="泊江市和泉本町三丁目2番1号 第一小学校内",
    phone="03-3480-0001",
)

ISSUE_DATE = datetime.date(2027, 2, 5)


def content(kind: LetterKind | str, **overrides) -> LetterContent:
    kind = LetterKind(kind)
    base: dict = dict(
        kind=kind,
        document_number="9泊児育第0123号",
        issue_date=ISSUE_DATE,
        addressee=ADDRESSEE,
        sender=SENDER,
        child=CHILD,
        fiscal_year=2027,
        club=CLUB,
    )
    if kind in (LetterKind.OFFER, LetterKind.DECISION):
        base.update(
            start_date=datetime.date(2027, 4, 1),
            monthly_fee=2250,
            fee_reduction_label="ひとり親世帯（半額）",
            acceptance_deadline=datetime.date(2027, 2, 19),
            withdrawal_deadline=datetime.date(2027, 3, 5),
            documents_deadline=datetime.date(2027, 2, 26),
        )
        if kind == LetterKind.DECISION:
            base.update(issue_date=datetime.date(2027, 3, 15), document_number="9泊児育第0456号",
                        acceptance_deadline=None, withdrawal_deadline=None, documents_deadline=None)
    elif kind == LetterKind.WAITLIST:
        base.update(
            reason="希望されたクラブの受入枠がすべて埋まりました。第一学童クラブは利用調整指数21点以上の方で定員に達しています（お子さんの指数：19点）。",
            waitlist_position=4,
            hold_period_end=datetime.date(2028, 3, 31),
        )
    elif kind == LetterKind.REFUSAL:
        base.update(
            reason="保護者の方の就労が月12日未満のため、入所の要件（平日の午後2時から6時までのうち4時間以上、月12日以上保育ができないこと）を満たしていません。",
        )
    elif kind == LetterKind.KOKOA:
        base.update(
            club=None,
            document_number="9泊児育第0789号",
            start_date=datetime.date(2027, 4, 12),
            kokoa=KokoaInfo(
                school="泊江市立第一小学校",
                registered_weekdays=("月", "水", "金"),
                granted_sessions=("令和9年7月26日（月）夏休み工作教室", "令和9年8月2日（月）科学あそび"),
                not_granted_sessions=("令和9年8月20日（金）プログラミング体験（定員超過・抽選）",),
            ),
        )
    base.update(overrides)
    return LetterContent(**base)
