"""Statistics pages and the workbook: the figures match a count done here independently."""

import datetime
import io
from collections import Counter

import openpyxl
import pytest
from django.urls import reverse

from enrollment.models import AllocationRun, Application, AuditEvent
from enrollment.selectors import statistics as stats
from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start
from tests import builders as b
from tests.staff_runs.builders import applicants, city

pytestmark = pytest.mark.django_db


def committed_city():
    fy, rnd, clubs, apps = city(12)
    older = applicants(rnd, clubs[::-1], 3, school=clubs[0].school, start=50,
                       grade_birth=datetime.date(2016, 5, 1))  # grade 5
    staff = b.staff_user()
    run = allocation_run_start(round_=rnd, actor=staff, ties="maximize_placed", seed=4, enqueue=False)
    run = allocation_run_execute(run_id=run.pk)
    allocation_run_commit(run=run, actor=staff, today=datetime.date(2027, 1, 20))
    return fy, rnd, clubs, apps + older, staff


def test_waiting_children_are_counted_at_their_first_choice_by_grade_band():
    fy, rnd, clubs, apps, _staff = committed_city()
    expected = Counter()
    for a in Application.objects.filter(status=Application.Status.WAITLISTED):
        first = a.choices.get(rank=1).club
        expected[(first.name, "1〜3年" if a.child.grade_in(fy.year) <= 3 else "4〜6年")] += 1
    frame = stats.waiting_frame(fy)
    got = {(r["クラブ"], r["学年区分"]): r["待機児童数"] for r in frame.to_dict("records")}
    assert got == dict(expected) and sum(got.values()) == 5


def test_the_may_survey_splits_waiting_children_by_band_per_club():
    fy, rnd, clubs, apps, _staff = committed_city()
    survey = {r["クラブ"]: r for r in stats.may_survey_frame(fy).to_dict("records")}
    total = sum(r["待機児童 計"] for r in survey.values())
    assert total == Application.objects.filter(status=Application.Status.WAITLISTED).count()
    assert sum(r["待機児童 4〜6年"] for r in survey.values()) == 3


def test_the_planning_table_says_where_one_more_place_places_a_child():
    fy, rnd, clubs, apps, _staff = committed_city()
    rows = {r["クラブ"]: r for r in stats.planning_frame(rnd).to_dict("records")}
    assert rows[clubs[0].name]["1枠増で入所できる児童"] == "○"
    assert rows[clubs[0].name]["受付番号"]


def test_vacancy_chain_follows_a_move_to_the_child_left_without_a_place():
    problem = {"children": [{"id": "a", "preferences": ["X", "Y"]}, {"id": "b", "preferences": ["Y"]}]}
    result = {"assignments": {"a": "Y", "b": None}, "waitlist": {"X": ["a"], "Y": ["b"]}}
    assert stats.vacancy_chain(problem, result, "X") == "b"
    assert stats.vacancy_chain(problem, result, "Y") == "b"
    assert stats.vacancy_chain({"children": []}, {"assignments": {}, "waitlist": {}}, "X") is None


def test_the_workbook_has_one_table_per_sheet_and_is_audited(client):
    fy, rnd, clubs, apps, staff = committed_city()
    client.force_login(staff)
    response = client.get(reverse("staff_stats_xlsx", args=[rnd.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["申請一覧", "利用調整結果", "在籍名簿", "待機児童", "5月1日調査", "定員計画"]
    results = book["利用調整結果"]
    outcomes = Counter(row[4] for row in results.iter_rows(min_row=2, values_only=True))
    assert sum(outcomes.values()) == 15
    assert AuditEvent.objects.filter(action="export.statistics_xlsx", object_id=str(rnd.pk)).exists()


def test_each_table_downloads_as_csv_and_unknown_tables_are_404(client):
    fy, rnd, clubs, apps, staff = committed_city()
    client.force_login(b.staff_user(read_only=True))
    response = client.get(reverse("staff_stats_csv", args=[rnd.pk, "waiting"]))
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "待機児童数" in response.content.decode("utf-8-sig")
    assert client.get(reverse("staff_stats_csv", args=[rnd.pk, "secrets"])).status_code == 404


def test_the_dashboard_shows_demand_against_capacity_as_chart_and_table(client):
    fy, rnd, clubs, apps, staff = committed_city()
    client.force_login(staff)
    page = client.get(reverse("staff_dashboard"), {"round": rnd.pk}).content.decode()
    assert page.count('role="img"') == 2
    for club in clubs:
        assert club.name in page
    demand = {d.key: d for d in stats.demand_by_club(rnd)}
    assert demand[clubs[0].code].first_choice == 12
    assert demand[clubs[1].code].first_choice == 3
    assert demand[clubs[0].code].any_choice == demand[clubs[1].code].any_choice == 15


def test_the_statistics_page_lists_the_waiting_children(client):
    fy, rnd, clubs, apps, staff = committed_city()
    client.force_login(staff)
    response = client.get(reverse("staff_stats"), {"round": rnd.pk})
    assert response.context["waiting_total"] == 5
    assert AllocationRun.objects.filter(status="committed").count() == 1
