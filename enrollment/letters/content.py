"""What one letter says, as plain frozen data (no Django, no wording).

The Django side fills these from the database; `templating` turns them into
named fields and `render` into a PDF. Strings are stored exactly as registered
(variation selectors included); escaping and font fallback happen at drawing.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from typing import Mapping


class LetterKind(str, enum.Enum):
    OFFER = "offer"  # 入所承諾通知書
    DECISION = "decision"  # 入所決定通知書
    WAITLIST = "waitlist"  # 入所保留通知書
    REFUSAL = "refusal"  # 入所不承認通知書
    KOKOA = "kokoa"  # KoKoA 登録確認書

    @property
    def carries_appeal_notice(self) -> bool:
        # Holds and refusals are adverse decisions (行政不服審査法 第82条 requires the 教示).
        return self in (LetterKind.WAITLIST, LetterKind.REFUSAL)


@dataclass(frozen=True)
class Addressee:
    postal_code: str  # "201-0013" or "2010013"; printed as 〒201-0013
    address_lines: tuple[str, ...]
    name: str  # the guardian's name; 様 is added by the template


@dataclass(frozen=True)
class Sender:
    title: str  # 泊江市長
    name: str  # 泊江 太郎
    office: str  # 子ども家庭部 児童青少年課 放課後対策係
    office_address: str
    phone: str
    email: str = ""
    office_hours: str = ""


@dataclass(frozen=True)
class ChildInfo:
    family_name: str
    given_name: str
    family_kana: str
    given_kana: str
    birth_date: datetime.date
    school: str
    grade: int  # in the fiscal year the letter is about


@dataclass(frozen=True)
class ClubInfo:
    name: str
    address: str
    phone: str = ""


@dataclass(frozen=True)
class KokoaInfo:
    school: str
    registered_weekdays: tuple[str, ...]  # ("月", "水", "金")
    granted_sessions: tuple[str, ...] = ()  # "令和9年7月24日 夏休み工作教室"
    not_granted_sessions: tuple[str, ...] = ()


@dataclass(frozen=True)
class LetterContent:
    kind: LetterKind
    document_number: str  # 「8泊児育第0123号」, assigned by the caller per fiscal year
    issue_date: datetime.date
    addressee: Addressee
    sender: Sender
    child: ChildInfo
    fiscal_year: int  # 2027 for 令和9年度
    club: ClubInfo | None = None
    start_date: datetime.date | None = None
    monthly_fee: int | None = None  # yen, after reduction
    fee_reduction_label: str = ""  # e.g. ひとり親世帯減免（半額）
    acceptance_deadline: datetime.date | None = None
    withdrawal_deadline: datetime.date | None = None
    documents_deadline: datetime.date | None = None
    reason: str = ""  # plain words, for holds and refusals
    hold_period_end: datetime.date | None = None
    waitlist_position: int | None = None
    kokoa: KokoaInfo | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", LetterKind(self.kind))


__all__ = [
    "Addressee",
    "ChildInfo",
    "ClubInfo",
    "KokoaInfo",
    "LetterContent",
    "LetterKind",
    "Sender",
]
