"""Letter wording as data: templates with named fields.

A template is a title plus ordered blocks whose text holds named fields such
as ``{child_full_name}``. Staff edit templates; ``check_template`` refuses a
bad edit (unknown field, malformed braces, missing appeal notice) with
Japanese messages before it can be saved, and ``fill`` turns a template and a
``LetterContent`` into plain strings. The renderer escapes every string, so
neither the template text nor a field value can become PDF markup.

The JSON form (``LetterTemplate.to_dict`` / ``from_dict``) is what the Django
side stores per fiscal year and version.
"""

from __future__ import annotations

import functools
import json
import pathlib
import string
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .content import LetterContent, LetterKind
from .wareki import Digits, fiscal_year_label, to_full_width, to_wareki

DEFAULT_TEMPLATES_PATH = pathlib.Path(__file__).resolve().parent / "default_templates.json"

BLOCK_TYPES = ("paragraph", "details", "list", "appeal")
ALIGNMENTS = ("left", "right", "center")


# --- field catalogue -------------------------------------------------------

# name -> Japanese label shown to staff editing a template.
_COMMON_FIELDS: dict[str, str] = {
    "document_number": "文書番号",
    "issue_date": "発行日（和暦）",
    "fiscal_year_label": "年度（例：令和9年度）",
    "postal_code": "郵便番号",
    "address": "宛先住所",
    "guardian_name": "保護者氏名",
    "sender_title": "差出人の職名（例：泊江市長）",
    "sender_name": "差出人の氏名",
    "sender_office": "担当課",
    "sender_office_address": "担当課の所在地",
    "sender_phone": "担当課の電話番号",
    "sender_email": "担当課のメールアドレス",
    "sender_office_hours": "受付時間",
    "child_full_name": "児童氏名",
    "child_full_kana": "児童氏名のふりがな",
    "child_family_name": "児童の姓",
    "child_given_name": "児童の名",
    "child_birth_date": "児童の生年月日（和暦）",
    "child_school": "在籍小学校",
    "child_grade": "学年（例：1年生）",
}
_CLUB_FIELDS: dict[str, str] = {
    "club_name": "学童クラブ名",
    "club_address": "学童クラブの所在地",
    "club_phone": "学童クラブの電話番号",
}
_PLACEMENT_FIELDS: dict[str, str] = {
    "start_date": "入所日（和暦）",
    "monthly_fee": "育成料の月額（減免後）",
    "fee_reduction_label": "減免の区分",
    "acceptance_deadline": "承諾の回答期限（和暦）",
    "withdrawal_deadline": "辞退の届出期限（和暦）",
    "documents_deadline": "書類の提出期限（和暦）",
}
_HOLD_FIELDS: dict[str, str] = {
    "reason": "理由",
    "hold_period_end": "保留期間の終わり（和暦）",
    "waitlist_position": "待機順位",
    "documents_deadline": "書類の提出期限（和暦）",
}
_KOKOA_FIELDS: dict[str, str] = {
    "kokoa_school": "KoKoA の実施校",
    "kokoa_weekdays": "登録曜日",
    "kokoa_granted_sessions": "参加できる回",
    "kokoa_not_granted_sessions": "参加できない回",
    "start_date": "利用開始日（和暦）",
}

_FIELDS_BY_KIND: dict[LetterKind, dict[str, str]] = {
    LetterKind.OFFER: {**_COMMON_FIELDS, **_CLUB_FIELDS, **_PLACEMENT_FIELDS},
    LetterKind.DECISION: {**_COMMON_FIELDS, **_CLUB_FIELDS, **_PLACEMENT_FIELDS},
    LetterKind.WAITLIST: {**_COMMON_FIELDS, **_CLUB_FIELDS, **_HOLD_FIELDS},
    LetterKind.REFUSAL: {**_COMMON_FIELDS, **_CLUB_FIELDS, "reason": _HOLD_FIELDS["reason"]},
    LetterKind.KOKOA: {**_COMMON_FIELDS, **_KOKOA_FIELDS},
}


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str

    @property
    def placeholder(self) -> str:
        return "{" + self.name + "}"


def available_fields(kind: LetterKind | str, extra_fields: Iterable[str] = ()) -> list[FieldInfo]:
    """The named fields a template of this kind may use, in a stable order."""
    fields = [FieldInfo(name, label) for name, label in _FIELDS_BY_KIND[LetterKind(kind)].items()]
    known = {f.name for f in fields}
    fields.extend(FieldInfo(name, name) for name in extra_fields if name not in known)
    return fields


# --- template data ---------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One piece of text, shown only when the field named in ``when`` is non-empty."""

    text: str
    when: str = ""
    align: str = "left"


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    when: str = ""


@dataclass(frozen=True)
class Block:
    type: str  # one of BLOCK_TYPES
    heading: str = ""
    lines: tuple[Line, ...] = ()  # paragraph: one Line; list and appeal: several
    rows: tuple[Row, ...] = ()  # details
    when: str = ""


@dataclass(frozen=True)
class Header:
    """The fixed parts around the body; text with fields, still data, not code.

    Empty by default: even 〒 and 様 come from the template data.
    """

    document_number: str = ""
    issue_date: str = ""
    postal_code: str = ""
    address: str = ""
    addressee: str = ""
    sender: tuple[str, ...] = ()
    contact: tuple[str, ...] = ()


@dataclass(frozen=True)
class LetterTemplate:
    kind: LetterKind
    fiscal_year: int
    title: str
    blocks: tuple[Block, ...]
    header: Header = field(default_factory=Header)
    digits: Digits = "half"  # for dates and numbers filled into the text
    version: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", LetterKind(self.kind))

    # JSON form, as stored by the Django side and in default_templates.json.
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LetterTemplate":
        def line(item: Any) -> Line:
            if isinstance(item, str):
                return Line(item)
            return Line(item["text"], item.get("when", ""), item.get("align", "left"))

        def row(item: Any) -> Row:
            if isinstance(item, (list, tuple)):
                return Row(item[0], item[1])
            return Row(item["label"], item["value"], item.get("when", ""))

        blocks = []
        for raw in data.get("blocks", ()):
            kind = raw.get("type", "")
            lines: list[Line] = []
            if "text" in raw:
                lines.append(Line(raw["text"], raw.get("when", ""), raw.get("align", "left")))
            lines.extend(line(item) for item in raw.get("items", ()))
            blocks.append(
                Block(
                    type=kind,
                    heading=raw.get("heading", ""),
                    lines=tuple(lines),
                    rows=tuple(row(item) for item in raw.get("rows", ())),
                    when=raw.get("when", ""),
                )
            )
        raw_header = data.get("header", {})
        header = Header(
            **{
                key: tuple(value) if isinstance(value, list) else value
                for key, value in raw_header.items()
                if key in Header.__dataclass_fields__
            }
        )
        return cls(
            kind=LetterKind(data["kind"]),
            fiscal_year=int(data["fiscal_year"]),
            title=data.get("title", ""),
            blocks=tuple(blocks),
            header=header,
            digits=data.get("digits", "half"),
            version=int(data.get("version", 1)),
        )

    def to_dict(self) -> dict[str, Any]:
        def line(item: Line) -> Any:
            if not item.when and item.align == "left":
                return item.text
            out: dict[str, str] = {"text": item.text}
            if item.when:
                out["when"] = item.when
            if item.align != "left":
                out["align"] = item.align
            return out

        blocks = []
        for block in self.blocks:
            raw: dict[str, Any] = {"type": block.type}
            if block.heading:
                raw["heading"] = block.heading
            if block.when:
                raw["when"] = block.when
            if block.type == "paragraph" and len(block.lines) == 1:
                raw["text"] = block.lines[0].text
                if block.lines[0].align != "left":
                    raw["align"] = block.lines[0].align
            elif block.lines:
                raw["items"] = [line(item) for item in block.lines]
            if block.rows:
                raw["rows"] = [
                    {"label": r.label, "value": r.value, **({"when": r.when} if r.when else {})}
                    for r in block.rows
                ]
            blocks.append(raw)
        header = {
            key: list(getattr(self.header, key))
            if isinstance(getattr(self.header, key), tuple)
            else getattr(self.header, key)
            for key in Header.__dataclass_fields__
        }
        return {
            "kind": self.kind.value,
            "fiscal_year": self.fiscal_year,
            "version": self.version,
            "digits": self.digits,
            "title": self.title,
            "header": header,
            "blocks": blocks,
        }

    def texts(self) -> Iterable[tuple[str, str]]:
        """Every editable string with a Japanese description of where it is."""
        yield "表題", self.title
        for key in Header.__dataclass_fields__:
            value = getattr(self.header, key)
            for text in value if isinstance(value, tuple) else (value,):
                yield f"ヘッダー（{key}）", text
        for index, block in enumerate(self.blocks, start=1):
            where = f"ブロック{index}"
            yield f"{where}の見出し", block.heading
            for line in block.lines:
                yield f"{where}の本文", line.text
            for row in block.rows:
                yield f"{where}の項目名", row.label
                yield f"{where}の値", row.value


def load_default_templates(path: pathlib.Path | str = DEFAULT_TEMPLATES_PATH) -> dict[LetterKind, LetterTemplate]:
    """The shipped wording for 泊江市, one template per kind."""
    data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    return {
        LetterKind(raw["kind"]): LetterTemplate.from_dict({"fiscal_year": data["fiscal_year"], **raw})
        for raw in data["templates"]
    }


# --- checking --------------------------------------------------------------

MSG_UNKNOWN_FIELD = "不明な差し込み項目 {{{name}}}（{where}）"
MSG_MALFORMED = "差し込み項目の括弧が正しくありません（{where}）：{text}"
MSG_FORMAT_SPEC = "差し込み項目に書式や属性は指定できません {{{spec}}}（{where}）"
MSG_EMPTY_FIELD = "空の差し込み項目 {{}} があります（{where}）"
MSG_NO_TITLE = "表題が空です"
MSG_UNKNOWN_BLOCK = "不明なブロックの種類「{type}」（{where}）"
MSG_UNKNOWN_ALIGN = "不明な配置「{align}」（{where}）"
MSG_UNKNOWN_WHEN = "表示条件に不明な差し込み項目 {name} が指定されています（{where}）"
MSG_APPEAL_REQUIRED = "保留・不承認の通知書には教示（appeal ブロック）が必要です"
MSG_DIGITS = "数字の表記は half（半角）か full（全角）で指定してください"
MSG_EMPTY_BLOCK = "内容のないブロックがあります（{where}）"
MSG_EMPTY_HEADER = "ヘッダーの「{part}」が空です"
_REQUIRED_HEADER = {
    "document_number": "文書番号",
    "issue_date": "発行日",
    "postal_code": "郵便番号",
    "address": "宛先住所",
    "addressee": "宛名",
    "sender": "差出人",
}


def _field_names(text: str) -> list[tuple[str, str]]:
    """(field name, full spec) pairs; raises ValueError on malformed braces."""
    out = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        full = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        out.append((name, full))
    return out


def check_template(template: LetterTemplate, *, extra_fields: Iterable[str] = ()) -> list[str]:
    """Every problem that would make the template print wrongly; empty means usable."""
    known = {f.name for f in available_fields(template.kind, extra_fields)}
    errors: list[str] = []
    if not template.title.strip():
        errors.append(MSG_NO_TITLE)
    if template.digits not in ("half", "full"):
        errors.append(MSG_DIGITS)
    for key, part in _REQUIRED_HEADER.items():
        value = getattr(template.header, key)
        if not "".join(value if isinstance(value, tuple) else (value,)).strip():
            errors.append(MSG_EMPTY_HEADER.format(part=part))
    for where, text in template.texts():
        try:
            names = _field_names(text)
        except ValueError:
            errors.append(MSG_MALFORMED.format(where=where, text=text))
            continue
        for name, full in names:
            if name == "":
                errors.append(MSG_EMPTY_FIELD.format(where=where))
            elif full != name or not name.isidentifier():
                errors.append(MSG_FORMAT_SPEC.format(spec=full, where=where))
            elif name not in known:
                errors.append(MSG_UNKNOWN_FIELD.format(name=name, where=where))
    for index, block in enumerate(template.blocks, start=1):
        where = f"ブロック{index}"
        if block.type not in BLOCK_TYPES:
            errors.append(MSG_UNKNOWN_BLOCK.format(type=block.type, where=where))
        if not block.lines and not block.rows:
            errors.append(MSG_EMPTY_BLOCK.format(where=where))
        conditions = [block.when] + [line.when for line in block.lines] + [row.when for row in block.rows]
        for name in conditions:
            if name and name not in known:
                errors.append(MSG_UNKNOWN_WHEN.format(name=name, where=where))
        for line in block.lines:
            if line.align not in ALIGNMENTS:
                errors.append(MSG_UNKNOWN_ALIGN.format(align=line.align, where=where))
    if template.kind.carries_appeal_notice and not any(
        block.type == "appeal" and not block.when for block in template.blocks
    ):
        errors.append(MSG_APPEAL_REQUIRED)
    return errors


class TemplateError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


# --- filling -----------------------------------------------------------------


def _date(value: Any, digits: Digits) -> str:
    return to_wareki(value, digits=digits) if value else ""


def _number(value: int, digits: Digits) -> str:
    text = f"{value:,}"
    return to_full_width(text) if digits == "full" else text


def field_values(content: LetterContent, digits: Digits = "half") -> dict[str, str]:
    """Every named field's plain-text value for one letter (empty when unknown)."""
    child = content.child
    sender = content.sender
    values = {
        "document_number": content.document_number,
        "issue_date": _date(content.issue_date, digits),
        "fiscal_year_label": fiscal_year_label(content.fiscal_year, digits=digits),
        "postal_code": _postal_code(content.addressee.postal_code),
        "address": "\n".join(content.addressee.address_lines),
        "guardian_name": content.addressee.name,
        "sender_title": sender.title,
        "sender_name": sender.name,
        "sender_office": sender.office,
        "sender_office_address": sender.office_address,
        "sender_phone": sender.phone,
        "sender_email": sender.email,
        "sender_office_hours": sender.office_hours,
        "child_full_name": f"{child.family_name}　{child.given_name}",
        "child_full_kana": f"{child.family_kana}　{child.given_kana}",
        "child_family_name": child.family_name,
        "child_given_name": child.given_name,
        "child_birth_date": _date(child.birth_date, digits),
        "child_school": child.school,
        "child_grade": f"{_number(child.grade, digits)}年生",
        "club_name": content.club.name if content.club else "",
        "club_address": content.club.address if content.club else "",
        "club_phone": content.club.phone if content.club else "",
        "start_date": _date(content.start_date, digits),
        "monthly_fee": "" if content.monthly_fee is None else f"{_number(content.monthly_fee, digits)}円",
        "fee_reduction_label": content.fee_reduction_label,
        "acceptance_deadline": _date(content.acceptance_deadline, digits),
        "withdrawal_deadline": _date(content.withdrawal_deadline, digits),
        "documents_deadline": _date(content.documents_deadline, digits),
        "reason": content.reason,
        "hold_period_end": _date(content.hold_period_end, digits),
        "waitlist_position": ""
        if content.waitlist_position is None
        else f"{_number(content.waitlist_position, digits)}番",
        "kokoa_school": content.kokoa.school if content.kokoa else "",
        "kokoa_weekdays": "・".join(content.kokoa.registered_weekdays) if content.kokoa else "",
        "kokoa_granted_sessions": "\n".join(content.kokoa.granted_sessions) if content.kokoa else "",
        "kokoa_not_granted_sessions": "\n".join(content.kokoa.not_granted_sessions)
        if content.kokoa
        else "",
    }
    for name, value in content.fields.items():
        values.setdefault(name, str(value))
    return values


def _postal_code(raw: str) -> str:
    digits_only = "".join(ch for ch in raw if ch.isdigit())
    if len(digits_only) == 7:
        return f"{digits_only[:3]}-{digits_only[3:]}"
    return raw


@functools.lru_cache(maxsize=4096)
def _pieces(text: str) -> tuple[tuple[str, str | None], ...]:
    return tuple((literal, name) for literal, name, _spec, _conv in string.Formatter().parse(text))


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Replace ``{name}`` fields; ``{{`` and ``}}`` stand for literal braces."""
    out = []
    for literal, name in _pieces(text):
        out.append(literal)
        if name is not None:
            out.append(values[name])
    return "".join(out)


@dataclass(frozen=True)
class FilledRow:
    label: str
    value: str


@dataclass(frozen=True)
class FilledBlock:
    type: str
    heading: str
    lines: tuple[Line, ...]  # text already substituted
    rows: tuple[FilledRow, ...]


@dataclass(frozen=True)
class FilledLetter:
    """Plain strings, in order, ready to be escaped and drawn."""

    kind: LetterKind
    title: str
    document_number: str
    issue_date: str
    postal_code: str
    address: str
    addressee: str
    sender: tuple[str, ...]
    blocks: tuple[FilledBlock, ...]
    contact: tuple[str, ...]

    def all_text(self) -> str:
        parts = [self.title, self.document_number, self.issue_date, self.postal_code,
                 self.address, self.addressee, *self.sender, *self.contact]
        for block in self.blocks:
            parts.append(block.heading)
            parts.extend(line.text for line in block.lines)
            for row in block.rows:
                parts.extend((row.label, row.value))
        return "\n".join(parts)


@functools.lru_cache(maxsize=256)
def _checked(template: LetterTemplate, extra_fields: frozenset[str]) -> tuple[str, ...]:
    return tuple(check_template(template, extra_fields=sorted(extra_fields)))


def fill(template: LetterTemplate, content: LetterContent) -> FilledLetter:
    """Substitute one letter's values into a checked template."""
    errors = list(_checked(template, frozenset(content.fields)))
    if errors:
        raise TemplateError(errors)
    if template.kind != content.kind:
        raise TemplateError([f"通知書の種類が一致しません（{template.kind.value} / {content.kind.value}）"])
    values = field_values(content, template.digits)

    def shown(when: str) -> bool:
        return not when or bool(values.get(when, "").strip())

    blocks = []
    for block in template.blocks:
        if not shown(block.when):
            continue
        lines = tuple(
            Line(substitute(line.text, values), align=line.align) for line in block.lines if shown(line.when)
        )
        rows = tuple(
            FilledRow(substitute(row.label, values), substitute(row.value, values))
            for row in block.rows
            if shown(row.when)
        )
        if lines or rows:
            blocks.append(FilledBlock(block.type, substitute(block.heading, values), lines, rows))
    header = template.header
    return FilledLetter(
        kind=template.kind,
        title=substitute(template.title, values),
        document_number=substitute(header.document_number, values),
        issue_date=substitute(header.issue_date, values),
        postal_code=substitute(header.postal_code, values),
        address=substitute(header.address, values),
        addressee=substitute(header.addressee, values),
        sender=tuple(substitute(text, values) for text in header.sender),
        blocks=tuple(blocks),
        contact=tuple(line for line in (substitute(text, values) for text in header.contact) if line.strip()),
    )


__all__ = [
    "BLOCK_TYPES",
    "Block",
    "DEFAULT_TEMPLATES_PATH",
    "FieldInfo",
    "FilledLetter",
    "Header",
    "LetterTemplate",
    "Line",
    "Row",
    "TemplateError",
    "available_fields",
    "check_template",
    "field_values",
    "fill",
    "load_default_templates",
    "substitute",
]
