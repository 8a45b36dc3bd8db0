"""The capacity planning table comes from the engine's re-solves, stored with the run."""

import pytest

from enrollment.models import AllocationRun
from enrollment.selectors.statistics import planning_frame
from enrollment.services.runs import PLANNING_KEY, allocation_run_execute, allocation_run_start
from tests import builders as b
from tests.staff_runs.builders import applicants, closed_round, small_club

pytestmark = pytest.mark.django_db


def test_a_finished_run_stores_where_more_places_would_place_more_children(django_capture_on_commit_callbacks):
    fy = b.fiscal_year()
    school = b.school()
    wanted, quiet = small_club(school), small_club(school)
    rnd = closed_round(fy)
    applicants(rnd, [wanted], 8, school=school)  # 8 children for 5 places at one club only
    applicants(rnd, [quiet], 2, school=school, start=100)
    with django_capture_on_commit_callbacks(execute=False):
        run = allocation_run_start(round_=rnd, actor=b.staff_user(), ties="maximize_placed", seed=7)
    allocation_run_execute(run_id=run.pk, time_limit=10)
    run = AllocationRun.objects.get(pk=run.pk)
    gains = {g["club"]: g for g in run.result["stats"]["extra"][PLANNING_KEY]["gains"]}
    assert (gains[wanted.code]["plus_1"], gains[wanted.code]["plus_5"]) == (1, 3)
    assert (gains[quiet.code]["plus_1"], gains[quiet.code]["plus_5"]) == (0, 0)

    table = planning_frame(rnd)
    assert list(table["クラブ"])[0] == wanted.name
    first = table.iloc[0]
    assert (first["1枠増で増える入所数"], first["5枠増で増える入所数"]) == (1, 3)
