"""Excel and CSV exports (pandas): one clean table per sheet, cells that no spreadsheet will run.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read
as a formula (CSV/formula injection, OWASP); such text is written with a leading ``'``. Numbers
stay numbers: only text is escaped, so a negative adjustment of points is still a number.
Control characters that no worksheet may hold are dropped.
CSV is UTF-8 with a byte-order mark, which Excel on Japanese Windows needs to read kanji.
"""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


# Control characters no worksheet may hold (openpyxl refuses them); tab, LF and CR are allowed.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value):
    if not isinstance(value, str):
        return value
    value = _ILLEGAL.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.columns = [safe_cell(str(c)) for c in out.columns]
    for column in out.columns:
        # Text columns may be of object or string dtype (pandas 3); map() leaves numbers alone.
        if not pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    return out


def sheet_name(name: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    for ch in "[]:*?/\\":
        name = name.replace(ch, "・")
    return name[:31] or "Sheet"


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe_frame(frame).to_excel(writer, sheet_name=sheet_name(name), index=False)
            sheet = writer.sheets[sheet_name(name)]
            sheet.freeze_panes = "A2"
            for column_cells in sheet.columns:
                width = max((len(str(c.value)) for c in column_cells if c.value is not None), default=4)
                sheet.column_dimensions[column_cells[0].column_letter].width = min(40, max(6, width * 2 + 2))
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
