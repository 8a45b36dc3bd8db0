"""A club's roster for a month as an Excel workbook and as a printable PDF.

Both take a ``ClubRoster`` (enrollment.selectors.rosters), which holds only what an operator
may see, so neither can leak points, income or welfare status.

Excel: every text cell is formula-safe. A cell starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return would be run as a formula by spreadsheet programs (CSV/formula injection,
OWASP); such values get a leading ``'`` so they stay text.

PDF: A4 landscape, the letters' embedded Japanese fonts (enrollment.letters.fonts) with
per-character fallback, so names print exactly as registered on any machine.
"""

from __future__ import annotations

import datetime
import io

from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from enrollment.letters import fonts
from enrollment.selectors.rosters import ClubRoster, RosterRow

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def formula_safe(value):
    """Text that a spreadsheet will never evaluate; other values unchanged."""
    if not isinstance(value, str):
        return value
    # openpyxl refuses control characters a workbook cannot hold; they carry no meaning here.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def month_label(month: datetime.date) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def row_mark(row: RosterRow) -> str:
    marks = []
    if row.is_new:
        marks.append(_("New this month"))
    if row.is_leaving:
        marks.append(_("Leaving this month"))
    return " / ".join(marks)


def grade_label(grade: int) -> str:
    return _("Grade %(grade)d") % {"grade": grade}


def summary_pairs(roster: ClubRoster) -> list[tuple[str, object]]:
    return [
        (_("Club"), roster.club.name),
        (_("Month"), month_label(roster.month)),
        (_("Capacity"), roster.capacity),
        (_("Intake cap"), roster.intake_cap),
        (_("Places taken on %(date)s") % {"date": _date(roster.places_taken_on)}, roster.places_taken),
        (_("Enrolled this month"), roster.enrolled),
        (_("New this month"), roster.new_count),
        (_("Leaving this month"), roster.leaving_count),
        (_("Waiting for a place"), roster.waiting),
    ]


def _columns() -> list[str]:
    return [
        _("Note"), _("Name"), _("Reading"), _("Grade"), _("School"), _("Start date"), _("End date"),
        _("Guardian 1"), _("Guardian 1 phone"), _("Guardian 2"), _("Guardian 2 phone"), _("Household phone"),
        _("Emergency contact"), _("Emergency contact phone"), _("Needs support"),
        _("Allergies and medical care"), _("Support needs"),
    ]


def _cells(row: RosterRow) -> list:
    guardians = list(row.guardians) + [None, None]
    g1, g2 = guardians[0], guardians[1]
    return [
        row_mark(row), row.name, row.reading, row.grade, row.school, row.start_date, row.end_date,
        g1.name if g1 else "", g1.phone if g1 else "", g2.name if g2 else "", g2.phone if g2 else "",
        row.household_phone, row.emergency_name, row.emergency_phone,
        _("Yes") if row.needs_support else "",
        row.care_notes if row.notes_shared else _("Not shared by the family"),
        row.support_notes if row.notes_shared else _("Not shared by the family"),
    ]


def roster_xlsx(roster: ClubRoster) -> bytes:
    """Two sheets: the roster as one clean table, and the summary (club, month, counts)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Roster")[:31]
    sheet.append([formula_safe(title) for title in _columns()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in roster.rows:
        sheet.append([formula_safe(value) for value in _cells(row)])
    for column_cells in sheet.iter_cols(min_row=2, min_col=6, max_col=7):
        for cell in column_cells:
            cell.number_format = "yyyy-mm-dd"
    for cell in sheet["P"][1:] + sheet["Q"][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [12, 18, 20, 6, 18, 12, 12, 16, 16, 16, 16, 16, 16, 16, 8, 30, 30]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions

    summary = workbook.create_sheet(_("Summary")[:31])
    summary.append([formula_safe(_("Item")), formula_safe(_("Value"))])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    for label, value in summary_pairs(roster):
        summary.append([formula_safe(label), formula_safe(value)])
    summary.column_dimensions["A"].width = 30
    summary.column_dimensions["B"].width = 40

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------------------

PAGE = landscape(A4)
MARGIN = 10 * mm
HEADER_HEIGHT = 24 * mm
# Column widths in mm; they add up to the printable width of A4 landscape (277 mm).
PDF_WIDTHS_MM = (16, 40, 11, 28, 34, 58, 40, 50)


def _styles():
    fonts.register_fonts()
    body = ParagraphStyle("roster-body", fontName=fonts.MINCHO, fontSize=8, leading=10.5, wordWrap="CJK")
    head = ParagraphStyle("roster-head", parent=body, fontName=fonts.GOTHIC_BOLD)
    title = ParagraphStyle("roster-title", parent=body, fontName=fonts.GOTHIC_BOLD, fontSize=13, leading=17)
    small = ParagraphStyle("roster-small", parent=body, fontSize=9, leading=12)
    return body, head, title, small


def _markup(text: str, style) -> str:
    # to_markup falls back from the Mincho face; bold headings keep their face for covered
    # characters and fall back the same way for rare ones.
    if style.fontName == fonts.GOTHIC_BOLD:
        return fonts.to_markup(text or "", base_font=fonts.GOTHIC_BOLD)
    return fonts.to_markup(text or "", base_font=fonts.MINCHO)


def _pdf_cells(row: RosterRow, body) -> list:
    period = _("%(start)s to %(end)s") % {"start": _date(row.start_date), "end": _date(row.end_date)} \
        if row.end_date else _("from %(start)s") % {"start": _date(row.start_date)}
    guardians = "\n".join(f"{g.name}{f'（{g.relationship}）' if g.relationship else ''} {g.phone}".strip()
                          for g in row.guardians)
    if row.household_phone:
        guardians += "\n" + _("Home: %(phone)s") % {"phone": row.household_phone}
    emergency = "\n".join(part for part in (row.emergency_name, row.emergency_phone) if part)
    if row.notes_shared:
        notes = "\n".join(text for text in (row.care_notes, row.support_notes) if text)
    else:
        notes = _("Not shared by the family")
    if row.needs_support:
        notes = _("Needs support") + ("\n" + notes if notes else "")
    return [Paragraph(_markup(text, body), body) for text in (
        row_mark(row), f"{row.name}\n{row.reading}", grade_label(row.grade), row.school, period,
        guardians, emergency, notes)]


def roster_pdf(roster: ClubRoster) -> bytes:
    body, head, title, small = _styles()
    out = io.BytesIO()
    heading = _("Roster: %(club)s, %(month)s") % {"club": roster.club.name, "month": month_label(roster.month)}
    counts = "　".join(f"{label}：{value}" for label, value in summary_pairs(roster)[2:])
    doc = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN + HEADER_HEIGHT, bottomMargin=MARGIN + 6 * mm,
                            title=heading, author=roster.club.operator.name, creator="afterschool",
                            producer="afterschool rosters",
                            # Else every page starts in Helvetica, a font not embedded in the file.
                            initialFontName=fonts.MINCHO, initialFontSize=8)

    def draw_header(canvas, document):
        canvas.saveState()
        width = PAGE[0] - 2 * MARGIN
        top = PAGE[1] - MARGIN
        heading_p = Paragraph(_markup(heading, title), title)
        _w, h1 = heading_p.wrap(width, HEADER_HEIGHT)
        heading_p.drawOn(canvas, MARGIN, top - h1)
        counts_p = Paragraph(_markup(counts, small), small)
        _w, h2 = counts_p.wrap(width, HEADER_HEIGHT)
        counts_p.drawOn(canvas, MARGIN, top - h1 - 2 * mm - h2)
        footer = Paragraph(_markup(_("Page %(page)d") % {"page": document.page}
                                   + "　" + _("Confidential: personal information of children in your care."),
                                   small), small)
        footer.wrap(width, 10 * mm)
        footer.drawOn(canvas, MARGIN, MARGIN)
        canvas.restoreState()

    header = [Paragraph(_markup(text, head), head) for text in (
        _("Note"), _("Name and reading"), _("Grade"), _("School"), _("Period"), _("Guardians and phones"),
        _("Emergency contact"), _("Care notes shared by the family"))]
    data = [header] + [_pdf_cells(row, body) for row in roster.rows]
    if not roster.rows:
        data.append([Paragraph(_markup(_("No children are enrolled in this month."), body), body)]
                    + [""] * (len(header) - 1))
    table = Table(data, colWidths=[w * mm for w in PDF_WIDTHS_MM], repeatRows=1)
    style = [
        # Cells otherwise set Helvetica (not embedded) before drawing their paragraphs.
        ("FONTNAME", (0, 0), (-1, -1), fonts.MINCHO),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    if not roster.rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    for index, row in enumerate(roster.rows, start=1):
        # Shading helps on paper; the words in the first column say it without colour.
        if row.is_new or row.is_leaving:
            style.append(("BACKGROUND", (0, index), (-1, index), colors.Color(0.93, 0.93, 0.93)))
    table.setStyle(TableStyle(style))
    doc.build([table], onFirstPage=draw_header, onLaterPages=draw_header)
    return out.getvalue()


def export_filename(roster: ClubRoster, extension: str) -> str:
    """ASCII only: the club code and month, e.g. ``roster-C01-2027-04.xlsx``."""
    code = "".join(ch for ch in roster.club.code if ch.isascii() and (ch.isalnum() or ch in "-_")) or "club"
    return f"roster-{code}-{roster.month:%Y-%m}.{extension}"


__all__ = ["XLSX_CONTENT_TYPE", "export_filename", "formula_safe", "roster_pdf", "roster_xlsx",
           "summary_pairs"]
