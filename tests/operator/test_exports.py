"""The roster as Excel (formula-safe) and as a printable PDF (A4 landscape, fonts embedded),
both read back."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings, strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from enrollment.exports_roster import FORMULA_PREFIXES, formula_safe
from enrollment.models import AuditEvent, Guardian
from tests import builders as b
from tests.operator import operator_builders as ob
from tests.operator.test_roster import FORBIDDEN

pytestmark = pytest.mark.django_db

HOSTILE = {
    "family_name": "=HYPERLINK(\"http://evil.example\",\"x\")",
    "given_name": "@SUM(A1)",
    "care_notes": "-2+3 卵アレルギー",
    "support_notes": "\tタブ始まり",
}


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def club():
    return b.club(operator=b.operator(), name="ひまわり学童クラブ", code="C-7")


@pytest.fixture
def roster_children(club, today):
    first = today.replace(day=1)
    newcomer = ob.enrolled_child(club, start=first, given_name="新入", care_notes_shared=True,
                                 care_notes="そばアレルギー")
    hostile = ob.enrolled_child(club, start=first.replace(year=first.year - 1), care_notes_shared=True, **HOSTILE)
    Guardian.objects.filter(household=hostile.child.household, order=1).update(phone="+81-90-1234-5678")
    hidden = ob.enrolled_child(club, start=first.replace(year=first.year - 1), given_name="非共有",
                               care_notes="見せない病歴", care_notes_shared=False)
    ob.waiting_application(club)
    return newcomer, hostile, hidden


def download(client, club, name, month):
    response = client.get(reverse(name, args=[club.pk]), {"month": f"{month:%Y-%m}"})
    assert response.status_code == 200
    return response


def all_cells(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            yield from (cell for cell in row if cell is not None)


def test_it_exports_the_roster_to_excel_and_reads_back_the_same_children(club, today, roster_children, client_for):
    response = download(client_for(b.operator_user(club.operator)), club, "operator_roster_xlsx", today)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="roster-C-7-{today:%Y-%m}.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["名簿"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("区分", "氏名", "フリガナ", "学年")
    by_name = {row[1]: dict(zip(header, row)) for row in rows[1:]}
    assert len(by_name) == 3
    newcomer = by_name["泊江 新入"]
    assert newcomer["区分"] == "今月入所"
    assert newcomer["学年"] == 2
    assert newcomer["利用開始日"].date() == today.replace(day=1)
    assert newcomer["アレルギー・医療的ケア"] == "そばアレルギー"
    assert by_name["泊江 非共有"]["アレルギー・医療的ケア"] == "家族の同意がないため表示しません"
    summary = dict(list(workbook["概要"].iter_rows(values_only=True))[1:])
    assert summary["クラブ"] == "ひまわり学童クラブ"
    assert summary["定員"] == 40 and summary["受入上限"] == 44
    assert summary["今月の在籍児童数"] == 3 and summary["今月入所"] == 1 and summary["入所待ち"] == 1


def test_it_escapes_every_cell_a_spreadsheet_would_run_as_a_formula(club, today, roster_children, client_for):
    response = download(client_for(b.operator_user(club.operator)), club, "operator_roster_xlsx", today)
    workbook = load_workbook(io.BytesIO(response.content))
    texts = [cell for cell in all_cells(workbook) if isinstance(cell, str)]
    assert not [text for text in texts if text.startswith(FORMULA_PREFIXES)]
    for value in ("'=HYPERLINK(\"http://evil.example\",\"x\") @SUM(A1)", "'-2+3 卵アレルギー",
                  "'\tタブ始まり", "'+81-90-1234-5678"):
        assert value in texts, value
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


def test_it_exports_a_printable_pdf_with_japanese_fonts_embedded(club, today, roster_children, client_for):
    response = download(client_for(b.operator_user(club.operator)), club, "operator_roster_pdf", today)
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape in points
    text = "".join(p.extract_text() for p in reader.pages)
    compact = text.replace("\n", "").replace(" ", "")
    assert "在籍児童名簿" in text and "ひまわり学童クラブ" in text
    assert f"{today.year}年{today.month}月" in text
    for expected in ("泊江新入", "今月入所", "そばアレルギー", "定員：40", "受入上限：44", "入所待ち：1",
                     "家族の同意がないため表示しません"):
        assert expected in compact, expected
    assert "見せない病歴" not in compact
    fonts = {}
    for pdf_page in reader.pages:
        for font in pdf_page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font["/BaseFont"])] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert any("BIZUDMincho" in name for name in fonts)
    assert all(fonts.values()), f"fonts not embedded: {fonts}"


def test_it_never_puts_points_income_or_welfare_status_in_exports(club, today, roster_children, client_for):
    client = client_for(b.operator_user(club.operator))
    workbook = load_workbook(io.BytesIO(download(client, club, "operator_roster_xlsx", today).content))
    xlsx_text = "\n".join(str(cell) for cell in all_cells(workbook))
    reader = PdfReader(io.BytesIO(download(client, club, "operator_roster_pdf", today).content))
    pdf_text = "".join(p.extract_text() for p in reader.pages)
    for forbidden in FORBIDDEN:
        assert forbidden not in xlsx_text, forbidden
        assert forbidden not in pdf_text, forbidden


def test_it_exports_an_empty_month_with_its_header(club, client_for):
    client = client_for(b.operator_user(club.operator))
    month = timezone.localdate().replace(year=2025, month=1, day=1)
    reader = PdfReader(io.BytesIO(download(client, club, "operator_roster_pdf", month).content))
    assert "この月に在籍している児童はいません" in reader.pages[0].extract_text().replace("\n", "")
    workbook = load_workbook(io.BytesIO(download(client, club, "operator_roster_xlsx", month).content))
    assert workbook["名簿"].max_row == 1


def test_it_answers_404_to_an_export_of_a_month_it_cannot_read(club, client_for):
    response = client_for(b.operator_user(club.operator)).get(
        reverse("operator_roster_xlsx", args=[club.pk]), {"month": "=1+1"})
    assert response.status_code == 404


def test_it_audits_each_child_in_an_export(club, today, roster_children, client_for):
    user = b.operator_user(club.operator)
    download(client_for(user), club, "operator_roster_pdf", today)
    events = AuditEvent.objects.filter(action="operator.roster.export_pdf", actor_id=user.pk)
    assert sorted(int(e.object_id) for e in events) == sorted(e.child_id for e in roster_children)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30))
def test_it_never_returns_text_a_spreadsheet_would_evaluate(value):
    safe = formula_safe(value)
    assert not safe.startswith(FORMULA_PREFIXES)
    if not value.startswith(FORMULA_PREFIXES):
        assert safe == formula_safe(safe)


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+81", "'+81"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("泊江", "泊江"), ("a=b", "a=b"), (3, 3), (None, None),
])
def test_it_escapes_exactly_the_dangerous_first_characters(value, expected):
    assert formula_safe(value) == expected
