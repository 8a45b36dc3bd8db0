"""Import paper applications from CSV or Excel (pandas + openpyxl).

One row is one child's paper application, in the columns of ``docs/import-format.md`` (the
field names of ``PaperApplicationForm``). Every row goes through that same form, so an imported
row is held to exactly the rules of the staff's paper-application page (the models' validation
and ``enrollment.rules.validate_facts``). Nothing is imported when any row fails, unless staff
choose to import only the valid rows; either way every bad row is reported as row, column and
message.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import pandas as pd
from django import forms as django_forms
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy as _

from enrollment.forms.staff_applications import (
    GUARDIAN_FIELDS,
    HOUSEHOLD_FIELDS,
    REQUIRED_COLUMNS,
    PaperApplicationForm,
    paper_columns,
)
from enrollment.models import Round
from enrollment.services import ServiceError
from enrollment.services.audit import audit_record
from enrollment.services.setup import require_staff_write
from enrollment.services.staff_applications import applications_paper_create_household

MAX_ROWS = 5000
MAX_CELL = 2000  # longer than any field of the form: anything beyond is a broken file, not data
TRUE_WORDS = {"1", "true", "yes", "y", "はい", "○", "〇", "有", "あり"}
FALSE_WORDS = {"", "0", "false", "no", "n", "いいえ", "無", "なし", "-"}
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_EXCEL_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")

# Not fields of the paper form: they tie rows of one household together (siblings).
GROUP_COLUMNS = ("household_ref", "sibling_mode")
SIBLING_MODES = {"": "", "together": "together", "prefer": "prefer", "同一クラブ": "together", "同一クラブ希望": "prefer"}
HOUSEHOLD_COLUMNS = (*HOUSEHOLD_FIELDS, *(f"g{n}_{name}" for n in (1, 2) for name in GUARDIAN_FIELDS))

MSG_REFUSED = _("Nothing was imported: %(count)s rows have errors.")
MSG_NOTHING = _("The file has no rows to import.")


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class ImportReport:
    encoding: str = ""
    rows: list[tuple[int, PaperApplicationForm]] = field(default_factory=list)  # valid rows
    # Valid rows by household: (sibling mode, rows); a row without household_ref is its own household.
    households: list[tuple[str, list[tuple[int, PaperApplicationForm]]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    @property
    def file_error(self) -> bool:
        """An error about the file as a whole (encoding, columns): no row can be trusted."""
        return any(e.row <= 1 for e in self.errors)


class ImportRefused(ServiceError):
    def __init__(self, report: ImportReport, message):
        super().__init__(message, code="refused")
        self.report = report


# --- reading -------------------------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding's name. UTF-8 (with or without BOM) first, then Shift_JIS
    (Windows' CP932, which Excel writes). A file that is UTF-8 with a few broken bytes stays
    UTF-8 with U+FFFD where they were, so the rows holding them can be reported."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 (BOM)"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    valid_multibyte = sum(1 for c in lenient if ord(c) > 0x7f and c != "\ufffd")
    if valid_multibyte >= broken:
        return lenient, "UTF-8"
    try:
        return data.decode("cp932"), "Shift_JIS"
    except UnicodeDecodeError:
        return data.decode("cp932", errors="replace"), "Shift_JIS"


def read_table(data: bytes) -> tuple[pd.DataFrame, str]:
    """Every cell as text; the DataFrame's index is the spreadsheet row number."""
    if data.startswith(b"PK\x03\x04"):
        frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl", header=None)
        encoding = "Excel"
        records = frame.values.tolist()
    else:
        text, encoding = _decode(data)
        # csv rather than pandas' own parser: a row with too many cells must be reported, not
        # silently shifted into an index column.
        records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        return pd.DataFrame(), encoding
    header = [str(h).strip().lstrip("\ufeff").lower() for h in records[0]]
    width = len(header)
    body = []
    for record in records[1:]:
        record = ["" if c is None else str(c) for c in record]
        extra = record[width:]
        record = (record + [""] * width)[:width]
        record.append("1" if any(c.strip() for c in extra) else "")
        body.append(record)
    frame = pd.DataFrame(body, columns=[*header, "__extra__"], index=range(2, len(body) + 2), dtype=str)
    return frame, encoding


# --- validating ----------------------------------------------------------------------------------

def _cell(value: str, form_field) -> str:
    value = value.strip()
    if isinstance(form_field, django_forms.BooleanField):
        return value.lower()
    if isinstance(form_field, django_forms.DateField):
        value = _EXCEL_MIDNIGHT.sub(r"\1", value)
        match = _SLASH_DATE.match(value)
        if match:
            value = f"{match.group(1)}-{int(match.group(2)):02d}-{int(match.group(3)):02d}"
    return value


def validate_table(frame: pd.DataFrame, encoding: str, *, round_: Round) -> ImportReport:
    report = ImportReport(encoding=encoding)
    known = set(paper_columns()) | set(GROUP_COLUMNS)
    columns = [c for c in frame.columns if c != "__extra__"]
    for column in columns:
        if column not in known:
            report.errors.append(RowError(1, column, gettext("Unknown column. See the import format for the "
                                                             "column names.")))
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            report.errors.append(RowError(1, column, gettext("This column is missing.")))
    if len(set(columns)) != len(columns):
        report.errors.append(RowError(1, "", gettext("A column name appears twice.")))
    if len(frame) > MAX_ROWS:
        report.errors.append(RowError(1, "", gettext("The file has more than %(max)s rows.") % {"max": MAX_ROWS}))
    if report.errors:
        return report
    probe = PaperApplicationForm(round_=round_)
    groups: dict[str, list[tuple[int, str, tuple]]] = {}
    for number, record in frame.iterrows():
        values = {c: record[c] for c in columns}
        if not any(v.strip() for v in values.values()) and not record["__extra__"]:
            continue
        report.total += 1
        row_errors = []
        ref = values.pop("household_ref", "").strip()
        mode = values.pop("sibling_mode", "").strip()
        if mode.lower() in SIBLING_MODES or mode in SIBLING_MODES:
            mode = SIBLING_MODES.get(mode.lower(), SIBLING_MODES.get(mode, ""))
        else:
            row_errors.append(RowError(number, "sibling_mode", gettext("Write together, prefer, or leave it empty.")))
        if mode and not ref:
            row_errors.append(RowError(number, "sibling_mode", gettext(
                "Siblings applying together need the same household_ref on each of their rows.")))
        signature = tuple(values.get(c, "").strip() for c in HOUSEHOLD_COLUMNS)
        groups.setdefault(ref or f"\0row{number}", []).append((number, mode, signature))
        if record["__extra__"]:
            row_errors.append(RowError(number, "", gettext("This row has more cells than the header has columns.")))
        data = {}
        for column, value in values.items():
            if "\ufffd" in value:
                row_errors.append(RowError(number, column, gettext(
                    "This cell contains bytes that are not valid text in the file's encoding (%(encoding)s).")
                    % {"encoding": encoding}))
            elif len(value) > MAX_CELL:
                row_errors.append(RowError(number, column, gettext("This cell is too long.")))
            form_field = probe.fields[column]
            if isinstance(form_field, django_forms.BooleanField):
                word = _cell(value, form_field)
                if word in TRUE_WORDS:
                    data[column] = "on"
                elif word not in FALSE_WORDS:
                    row_errors.append(RowError(number, column, gettext("Write 1 (yes) or 0 (no).")))
            else:
                data[column] = _cell(value, form_field)
        if row_errors:
            report.errors.extend(row_errors)
            continue
        form = PaperApplicationForm(data=data, round_=round_)
        if form.is_valid():
            report.rows.append((number, form))
        else:
            for name, messages in form.errors.items():
                for message in messages:
                    report.errors.append(RowError(number, "" if name == "__all__" else name, str(message)))
    _group_households(report, groups)
    return report


def _group_households(report: ImportReport, groups: dict) -> None:
    """Rows with one household_ref are one household: the same household and guardian columns,
    one sibling mode. A household is imported whole or not at all."""
    for members in groups.values():
        first_number, first_mode, first_signature = members[0]
        for number, mode, signature in members[1:]:
            if signature != first_signature:
                report.errors.append(RowError(number, "household_ref", gettext(
                    "The household and guardian columns differ from row %(row)s of the same household.")
                    % {"row": first_number}))
            if mode != first_mode:
                report.errors.append(RowError(number, "sibling_mode", gettext(
                    "The sibling wish differs from row %(row)s of the same household.") % {"row": first_number}))
        if first_mode and len(members) < 2:
            report.errors.append(RowError(first_number, "sibling_mode", gettext(
                "Siblings applying together need the same household_ref on each of their rows.")))
    bad = {e.row for e in report.errors}
    valid = dict(report.rows)
    for members in groups.values():
        numbers = [number for number, _mode, _sig in members]
        failed = [n for n in numbers if n in bad]
        if failed:
            for number in numbers:
                if number not in bad:
                    report.errors.append(RowError(number, "household_ref", gettext(
                        "Row %(row)s of the same household has errors, so this row is not imported either.")
                        % {"row": failed[0]}))
            continue
        report.households.append((members[0][1], [(n, valid[n]) for n in numbers]))
    bad = {e.row for e in report.errors}
    report.rows = [(n, form) for n, form in report.rows if n not in bad]
    report.errors.sort(key=lambda e: (e.row, e.column))


def preview(*, data: bytes, round_: Round) -> ImportReport:
    """Read and check a file without importing anything."""
    try:
        frame, encoding = read_table(data)
    except Exception:  # noqa: BLE001 - any unreadable file (corrupt zip, bad XML) is one user error
        report = ImportReport()
        report.errors.append(RowError(1, "", gettext("The file cannot be read as CSV or Excel.")))
        return report
    if frame.empty and not len(frame.columns):
        report = ImportReport(encoding=encoding)
        report.errors.append(RowError(1, "", str(MSG_NOTHING)))
        return report
    return validate_table(frame, encoding, round_=round_)


# --- importing -----------------------------------------------------------------------------------

@transaction.atomic
def applications_import(*, actor, round_: Round, data: bytes, only_valid: bool = False):
    """Import the file's rows as paper applications (status submitted). Refused, with nothing
    written, when any row fails and ``only_valid`` is false, or when the file itself is bad."""
    require_staff_write(actor)
    report = preview(data=data, round_=round_)
    if report.file_error or (report.errors and not only_valid):
        raise ImportRefused(report, MSG_REFUSED % {"count": len(report.bad_rows)})
    if not report.rows:
        raise ImportRefused(report, MSG_NOTHING)
    created = []
    for mode, members in report.households:
        first = members[0][1]
        created.extend(applications_paper_create_household(
            actor=actor, round_=round_, household=first.household, guardians=first.guardians, sibling_mode=mode,
            children=[(form.child, form.clubs, form.requested_start) for _number, form in members]))
    audit_record(actor=actor, action="applications.import", obj=round_,
                 related={"created": len(created), "skipped_rows": len(report.bad_rows)})
    return created, report
