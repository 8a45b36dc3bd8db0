"""Importing paper applications from CSV and Excel: every row held to the paper form's rules,
every bad row reported (row, column, message in Japanese), and nothing imported unless every row
is valid or staff choose to import only the valid ones."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from enrollment.forms.staff_applications import paper_columns
from enrollment.imports import ImportRefused, applications_import, preview
from enrollment.models import Application, Child, Guardian, Household
from enrollment.services import PermissionDenied
from tests import builders
from tests.staff_applications.helpers import paper_row

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def csv_bytes(rows, *, encoding="utf-8", columns=None) -> bytes:
    columns = columns or paper_columns()
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    columns = paper_columns()
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def world():
    rnd = builders.round_()
    # The codes of the demo city, which the documented sample file uses.
    school = builders.school(code="S1")
    club = builders.club(code="C01", school=school)
    builders.club(code="C02", school=school)
    return rnd, school, club


def rows(world, n=3, **overrides):
    _rnd, school, club = world
    return [paper_row(school=school, club=club, child_given_name=f"太郎{i}", **overrides) for i in range(n)]


def _import(world, data, **kwargs):
    return applications_import(actor=builders.staff_user(), round_=world[0], data=data, **kwargs)


def _nothing_imported():
    return not Application.objects.exists() and not Household.objects.exists() and not Child.objects.exists()


class TestValidFiles:
    # 𠮷 (U+20BB7) exists in Unicode only; Shift_JIS files carry 吉.
    @pytest.mark.parametrize("encoding, name", [("utf-8", "𠮷田"), ("utf-8-sig", "𠮷田"), ("cp932", "吉田")])
    def test_it_imports_csv_in_utf8_with_or_without_bom_and_shift_jis(self, world, encoding, name):
        data = csv_bytes(rows(world, g1_family_name=name, g2_family_name=name, child_family_name=name),
                         encoding=encoding)
        created, report = _import(world, data)
        assert len(created) == 3 and not report.errors
        assert {a.status for a in created} == {"submitted"} and all(a.is_paper for a in created)
        assert Guardian.objects.filter(family_name=name).count() == 6

    def test_it_reads_shift_jis_names_correctly(self, world):
        data = csv_bytes(rows(world, 1, g1_family_name="髙橋", g2_family_name="髙橋", child_family_name="渡邊"), encoding="cp932")
        report = preview(data=data, round_=world[0])
        assert report.encoding == "Shift_JIS" and not report.errors
        assert report.rows[0][1].child.family_name == "渡邊"

    def test_it_imports_excel(self, world):
        data = xlsx_bytes(rows(world, 2, g1_days_per_month=20))
        created, report = _import(world, data)
        assert len(created) == 2 and report.encoding == "Excel"

    def test_it_accepts_yes_no_words_and_slashed_dates(self, world):
        data = csv_bytes(rows(world, 1, child_needs_support="はい", child_birth_date="2020/5/1"))
        created, _report = _import(world, data)
        assert created[0].child.needs_support is True

    def test_the_documented_sample_file_imports(self, world):
        sample = (ROOT / "fixtures" / "import" / "applications-sample.csv").read_bytes()
        report = preview(data=sample, round_=world[0])
        assert report.total >= 3 and not report.errors, report.errors


class TestBadFiles:
    def _refused(self, world, data):
        with pytest.raises(ImportRefused) as refused:
            _import(world, data)
        assert _nothing_imported()
        return refused.value.report

    def test_broken_utf8_reports_every_row_holding_broken_bytes(self, world):
        data = csv_bytes(rows(world, 4))
        lines = data.split(b"\r\n")
        lines[2] = lines[2].replace("太郎".encode(), b"\xe5\xa4" + b"\xff", 1)
        lines[4] = lines[4].replace("泊江市".encode(), b"\xc3\x28", 1)
        report = self._refused(world, b"\r\n".join(lines))
        assert report.bad_rows == [3, 5]

    def test_nul_bytes_are_reported_per_row(self, world):
        report = self._refused(world, csv_bytes(rows(world, 2) + rows(world, 1, address="泊江市\x00中央")))
        assert report.bad_rows == [4]
        assert {e.column for e in report.errors} == {"address"}

    def test_overlong_values_are_reported(self, world):
        report = self._refused(world, csv_bytes(rows(world, 1) + rows(world, 1, g1_family_name="長" * 51)))
        assert [(e.row, e.column) for e in report.errors] == [(3, "g1_family_name")]

    def test_impossible_dates_are_reported(self, world):
        report = self._refused(world, csv_bytes(rows(world, 1, child_birth_date="2020-02-30")
                                                + rows(world, 1, child_birth_date="2020-13-01")))
        assert report.bad_rows == [2, 3]
        assert {e.column for e in report.errors} == {"child_birth_date"}

    def test_unknown_schools_and_clubs_are_reported(self, world):
        report = self._refused(world, csv_bytes(rows(world, 1, child_school="S9") + rows(world, 1, choice_1="C99")))
        assert [(e.row, e.column) for e in report.errors] == [(2, "child_school"), (3, "choice_1")]

    def test_missing_columns_refuse_the_whole_file(self, world):
        columns = [c for c in paper_columns() if c not in ("child_birth_date", "g1_reason")]
        report = self._refused(world, csv_bytes(rows(world, 2), columns=columns))
        assert {(e.row, e.column) for e in report.errors} == {(1, "child_birth_date"), (1, "g1_reason")}

    def test_rows_with_more_cells_than_columns_are_reported(self, world):
        data = csv_bytes(rows(world, 2))
        lines = data.split(b"\r\n")
        lines[1] += b",surplus"
        report = self._refused(world, b"\r\n".join(lines))
        assert report.bad_rows == [2]

    def test_facts_the_rules_cannot_use_are_reported_on_their_column(self, world):
        report = self._refused(world, csv_bytes(rows(world, 1, g1_days_per_month="", g2_reason="illness")))
        assert {e.column for e in report.errors} == {"g1_days_per_month", "g2_illness_level"}

    def test_the_messages_are_in_japanese(self, world):
        with translation.override("ja"):
            report = preview(data=csv_bytes(rows(world, 1, child_birth_date="2020-02-30")), round_=world[0])
        assert any("日付" in e.message for e in report.errors), report.errors

    def test_a_file_that_is_neither_csv_nor_excel_is_refused(self, world):
        report = self._refused(world, b"PK\x03\x04 not really a zip")
        assert report.file_error


class TestOnlyValidRows:
    def test_it_imports_the_valid_rows_when_asked_and_reports_the_others(self, world):
        data = csv_bytes(rows(world, 2) + rows(world, 1, child_school="S9"))
        created, report = _import(world, data, only_valid=True)
        assert len(created) == 2 and report.bad_rows == [4]

    def test_it_still_refuses_a_file_whose_columns_are_wrong(self, world):
        columns = [c for c in paper_columns() if c != "choice_1"]
        with pytest.raises(ImportRefused):
            _import(world, csv_bytes(rows(world, 2), columns=columns), only_valid=True)
        assert _nothing_imported()


def test_read_only_staff_cannot_import(world):
    with pytest.raises(PermissionDenied):
        applications_import(actor=builders.staff_user(read_only=True), round_=world[0], data=csv_bytes(rows(world)))
    assert _nothing_imported()


class TestPages:
    def test_it_previews_then_imports_on_confirmation(self, client, world):
        client.force_login(builders.staff_user())
        upload = io.BytesIO(csv_bytes(rows(world, 2) + rows(world, 1, child_birth_date="2020-02-30")))
        upload.name = "applications.csv"
        response = client.post(reverse("staff_import"), {"round": world[0].pk, "file": upload})
        body = response.content.decode()
        assert response.status_code == 200 and "child_birth_date" in body and _nothing_imported()
        token = client.session["staff_import"]["token"]
        refused = client.post(reverse("staff_import_confirm"), {"token": token})
        assert refused.status_code == 400 and _nothing_imported()
        done = client.post(reverse("staff_import_confirm"), {"token": token, "only_valid": "on"})
        assert done.status_code == 302 and Application.objects.count() == 2

    def test_a_forged_token_imports_nothing(self, client, world):
        client.force_login(builders.staff_user())
        response = client.post(reverse("staff_import_confirm"), {"token": "0" * 32})
        assert response.status_code == 302 and _nothing_imported()


class TestFuzz(HypothesisTestCase):
    """Any cell, any value: the import reports or imports, never crashes, never half-saves."""

    @classmethod
    def setUpTestData(cls):
        cls.rnd = builders.round_()
        cls.school = builders.school(code="S1")
        cls.club = builders.club(code="C01", school=cls.school)
        cls.staff = builders.staff_user()

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(column=st.sampled_from(paper_columns()),
           value=st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
                           st.sampled_from(["\x00", "2020-02-30", "-1", "1e9", "=cmd|' /C calc'!A0", "ｶﾀｶﾅ"])),
           encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
    def test_any_single_cell(self, column, value, encoding):
        good = paper_row(school=self.school, club=self.club)
        bad = dict(good, **{column: value})
        try:
            data = csv_bytes([good, bad], encoding=encoding)
        except UnicodeEncodeError:
            data = csv_bytes([good, bad], encoding="utf-8")
        before = (Application.objects.count(), Household.objects.count(), Child.objects.count())
        try:
            created, report = applications_import(actor=self.staff, round_=self.rnd, data=data)
        except ImportRefused as refused:
            assert refused.report.errors
            assert (Application.objects.count(), Household.objects.count(), Child.objects.count()) == before
        else:
            assert len(created) == 2 and not report.errors
            assert Application.objects.count() == before[0] + 2
            assert Household.objects.count() == before[1] + 2


class TestSiblings:
    COLUMNS = [*paper_columns(), "household_ref", "sibling_mode"]

    def test_rows_with_one_household_ref_are_one_household_applying_as_siblings(self, world):
        siblings = rows(world, 2, household_ref="A", sibling_mode="together")
        data = csv_bytes(siblings + rows(world, 1), columns=self.COLUMNS)
        created, report = _import(world, data)
        assert len(created) == 3 and not report.errors
        assert Household.objects.count() == 2
        pair = [a for a in created if a.sibling_group_id]
        assert len(pair) == 2 and pair[0].sibling_group_id == pair[1].sibling_group_id
        assert pair[0].sibling_group.mode == "together"
        assert pair[0].child.household_id == pair[1].child.household_id
        # Applying jointly to the same club earns the sibling adjustment at that club.
        assert any(line["code"] == "sibling" for entry in pair[0].points_breakdown["clubs"] for line in entry["lines"])

    def test_a_household_whose_rows_disagree_is_reported_and_imported_whole_or_not_at_all(self, world):
        first, second = rows(world, 2, household_ref="A", sibling_mode="prefer")
        second["address"] = "泊江市別の住所1-1"
        data = csv_bytes([first, second] + rows(world, 1), columns=self.COLUMNS)
        created, report = _import(world, data, only_valid=True)
        assert len(created) == 1
        assert {(e.row, e.column) for e in report.errors} == {(2, "household_ref"), (3, "household_ref")}

    def test_a_sibling_wish_needs_two_rows_of_one_household(self, world):
        lone = rows(world, 1, household_ref="B", sibling_mode="together")
        with pytest.raises(ImportRefused) as refused:
            _import(world, csv_bytes(lone, columns=self.COLUMNS))
        assert [(e.row, e.column) for e in refused.value.report.errors] == [(2, "sibling_mode")]
        assert _nothing_imported()
