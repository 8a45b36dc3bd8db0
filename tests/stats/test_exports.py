"""Exports: formula-safe cells, CSV that Excel reads (UTF-8 with BOM), one table per sheet."""

import io

import openpyxl
import pandas as pd
from hypothesis import given, settings, strategies as st

from enrollment.charts import Bar, bar_chart
from enrollment.exports import FORMULA_PREFIXES, csv_bytes, safe_cell, workbook_bytes


def test_it_escapes_every_text_that_a_spreadsheet_would_run():
    for prefix in FORMULA_PREFIXES:
        assert safe_cell(prefix + "SUM(A1)") == "'" + prefix + "SUM(A1)"
    assert safe_cell("泊江 太郎") == "泊江 太郎"
    assert safe_cell(-2) == -2


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=20), min_size=1, max_size=5))
def test_no_cell_of_a_workbook_starts_like_a_formula(values):
    frame = pd.DataFrame({"氏名": values, "指数": list(range(len(values)))})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"申請一覧": frame})))["申請一覧"]
    for row in sheet.iter_rows(min_row=2):
        text = row[0].value
        assert text is None or not str(text).startswith(FORMULA_PREFIXES)
        assert row[0].data_type != "f"


def test_numbers_stay_numbers_in_excel():
    frame = pd.DataFrame({"調整": [-2, 3]})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"表": frame})))["表"]
    assert [sheet["A2"].value, sheet["A3"].value] == [-2, 3]


def test_csv_is_utf8_with_a_byte_order_mark_and_escaped():
    data = csv_bytes(pd.DataFrame({"氏名": ["𠮷田 花子", "=HYPERLINK(\"x\")"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "𠮷田 花子" in text and "'=HYPERLINK" in text


def test_a_chart_is_an_image_with_a_title_and_a_description_and_marks_overflow():
    svg = str(bar_chart([Bar("第1クラブ", 12, 10, "12 / 10"), Bar("第2<クラブ>", 3, 10)],
                        title="需要", description="第一希望と空き"))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title" in svg and "需要" in svg and "<desc" in svg
    assert svg.count("chart__bar--over") == 1
    assert "第2&lt;クラブ&gt;" in svg
