"""KoKoA: the capacity-limited sessions of a programme allocated together (the service and the
programme page): the most children get at least one session, children waiting for a club place
first, the draw replayable from its audit record, earlier grants kept, capacity never exceeded."""

import datetime
import json
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from allocation.kokoa import KokoaProblem, Session, SessionRequest, allocate_sessions
from enrollment.models import (
    Application,
    AuditEvent,
    KokoaProgramme,
    KokoaRegistration,
    KokoaSession,
    KokoaSessionRequest,
    Round,
)
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services.rounds import KOKOA_ALLOCATE_ACTION, kokoa_programme_allocate
from tests import builders as b

pytestmark = pytest.mark.django_db

REQUESTED, GRANTED, NOT_GRANTED = (KokoaSessionRequest.Status.REQUESTED, KokoaSessionRequest.Status.GRANTED,
                                   KokoaSessionRequest.Status.NOT_GRANTED)


def programme(fy=None, school=None, operator=None):
    fy = fy or b.fiscal_year()
    return KokoaProgramme.objects.create(school=school or b.school(), fiscal_year=fy,
                                         operator=operator or b.operator(), name="KoKoA")


def session(prog, title, capacity=1, day=1):
    return KokoaSession.objects.create(programme=prog, kind=KokoaSession.Kind.SPECIAL, title=title,
                                       date=datetime.date(2027, 8, day), starts_at=datetime.time(10),
                                       ends_at=datetime.time(12), capacity=capacity)


def child_asking(prog, *sessions, name="太郎", status=REQUESTED):
    child = b.child(school=prog.school, given_name=name)
    registration = KokoaRegistration.objects.create(programme=prog, child=child, weekdays=[1])
    for s in sessions:
        KokoaSessionRequest.objects.create(registration=registration, session=s, status=status)
    return child


def wait_for_a_club(child, fy):
    """Put ``child`` on a 学童 waiting list of fiscal year ``fy``."""
    rnd = Round.objects.filter(fiscal_year=fy).first() or b.round_(fy)
    b.application(child, rnd=rnd, clubs=[b.club(school=child.school)], status=Application.Status.WAITLISTED)


def sessions_of(child):
    return set(KokoaSessionRequest.objects.filter(registration__child=child, status=GRANTED)
               .values_list("session__title", flat=True))


def statuses():
    return dict(KokoaSessionRequest.objects.values_list("pk", "status"))


# --- the service -----------------------------------------------------------------------------------

def test_together_the_sessions_cover_a_child_that_one_session_at_a_time_would_leave_without():
    # Per session, Hana (waiting for a club, so first in every session) would take both places
    # and Yui none. Together, Hana gets one session and Yui the other.
    prog = programme()
    fy = prog.fiscal_year
    craft, pool = session(prog, "工作", 1, day=1), session(prog, "プール", 1, day=2)
    hana = child_asking(prog, craft, pool, name="花")
    yui = child_asking(prog, pool, name="結衣")
    wait_for_a_club(hana, fy)

    for seed in (1, 2, 3):
        KokoaSessionRequest.objects.update(status=REQUESTED)
        outcome = kokoa_programme_allocate(programme=prog, actor=b.staff_user(), session_ids=[craft.pk, pool.pk],
                                           seed=seed)
        assert sessions_of(hana) == {"工作"} and sessions_of(yui) == {"プール"}
        assert (outcome.children, outcome.children_served, outcome.sessions_granted) == (2, 2, 2)
        assert (outcome.waiting_children, outcome.waiting_served) == (1, 1)


def test_then_as_many_places_as_possible_are_granted():
    prog = programme()
    a, b_, c = session(prog, "A", 2), session(prog, "B", 1), session(prog, "C", 1)
    one = child_asking(prog, a, b_, c, name="一")
    two = child_asking(prog, a, b_, name="二")

    outcome = kokoa_programme_allocate(programme=prog, actor=b.staff_user(), session_ids=[a.pk, b_.pk, c.pk], seed=4)

    assert outcome.sessions_granted == 4
    assert sessions_of(one) | sessions_of(two) == {"A", "B", "C"}
    assert not KokoaSessionRequest.objects.filter(status=REQUESTED).exists()


def test_children_waiting_for_a_club_place_come_first_whatever_the_seed():
    prog = programme()
    trip = session(prog, "遠足", 2)
    children = [child_asking(prog, trip, name=f"子{n}") for n in range(8)]
    for child in children[3:5]:
        wait_for_a_club(child, prog.fiscal_year)

    for seed in range(1, 6):
        KokoaSessionRequest.objects.update(status=REQUESTED)
        kokoa_programme_allocate(programme=prog, actor=b.staff_user(), session_ids=[trip.pk], seed=seed)
        granted = {c for c in children if sessions_of(c)}
        assert granted == set(children[3:5])


def test_the_draw_is_reproducible_and_replayable_from_its_audit_record(django_capture_on_commit_callbacks):
    prog = programme()
    first, second = session(prog, "一日目", 2, day=1), session(prog, "二日目", 2, day=2)
    for n in range(7):
        child_asking(prog, *([first, second] if n % 2 else [first]), name=f"子{n}")
    staff = b.staff_user()

    results = []
    for _ in range(2):
        KokoaSessionRequest.objects.update(status=REQUESTED)
        with django_capture_on_commit_callbacks(execute=True):
            outcome = kokoa_programme_allocate(programme=prog, actor=staff, session_ids=[first.pk, second.pk],
                                               seed=77)
        results.append(statuses())
    assert results[0] == results[1]

    event = AuditEvent.objects.filter(action=KOKOA_ALLOCATE_ACTION).latest("pk")
    assert (event.object_type, event.object_id, event.actor_id) == ("kokoaprogramme", str(prog.pk), staff.pk)
    assert event.related["seed"] == "77"
    record = json.loads(event.related["problem"])
    assert "子" not in event.related["problem"] and "子" not in event.related["outcome"]  # ids only
    replayed = allocate_sessions(KokoaProblem(
        sessions=tuple(Session(pk, free) for pk, free in record["sessions"].items()),
        requests=tuple(SessionRequest(child, tuple(r["sessions"]), r["waiting_for_club"], r["already_served"])
                       for child, r in record["children"].items()),
        seed=record["seed"]))
    granted_now = {(str(r.registration.child_id), str(r.session_id))
                   for r in KokoaSessionRequest.objects.filter(status=GRANTED).select_related("registration")}
    assert granted_now == {(child, s) for child, sessions in replayed.assignments.items() for s in sessions}
    stored = json.loads(event.related["outcome"])
    assert stored["sessions_granted"] == replayed.sessions_granted == outcome.sessions_granted == 4
    assert stored["sessions"][str(first.pk)]["granted"] == sorted(
        KokoaSessionRequest.objects.filter(session=first, status=GRANTED).values_list("pk", flat=True))


def test_places_granted_earlier_are_kept_and_count_against_the_capacity():
    prog = programme()
    camp, museum = session(prog, "キャンプ", 2, day=1), session(prog, "博物館", 1, day=2)
    earlier = child_asking(prog, camp, name="先", status=GRANTED)
    # Holds a camp place already, and asks for the museum too: Mio, who has nothing yet, gets
    # the museum's one place, even as a waiting child Ken would otherwise come first.
    ken = child_asking(prog, name="健")
    KokoaSessionRequest.objects.create(registration=ken.kokoa_registrations.get(), session=camp, status=GRANTED)
    KokoaSessionRequest.objects.create(registration=ken.kokoa_registrations.get(), session=museum)
    wait_for_a_club(ken, prog.fiscal_year)
    mio = child_asking(prog, museum, name="美緒")
    late = [child_asking(prog, camp, name=f"後{n}") for n in range(2)]

    outcome = kokoa_programme_allocate(programme=prog, actor=b.staff_user(), session_ids=[camp.pk, museum.pk],
                                       seed=3)

    assert sessions_of(earlier) == {"キャンプ"}
    assert sessions_of(ken) == {"キャンプ"}
    assert sessions_of(mio) == {"博物館"}
    assert all(not sessions_of(c) for c in late)  # the camp was full
    assert KokoaSessionRequest.objects.filter(session=camp, status=GRANTED).count() == 2
    camp_line = next(o for o in outcome.sessions if o.session == camp)
    assert (camp_line.kept, len(camp_line.granted), len(camp_line.not_granted)) == (2, 0, 2)
    assert (outcome.children, outcome.children_served) == (4, 2)


def test_a_chosen_subset_leaves_the_other_sessions_undecided():
    prog = programme()
    summer, winter = session(prog, "夏", 1, day=1), session(prog, "冬", 1, day=2)
    child_asking(prog, summer, winter)
    child_asking(prog, summer, winter)

    kokoa_programme_allocate(programme=prog, actor=b.staff_user(), session_ids=[summer.pk], seed=1)

    assert set(summer.requests.values_list("status", flat=True)) == {GRANTED, NOT_GRANTED}
    assert set(winter.requests.values_list("status", flat=True)) == {REQUESTED}


def test_capacity_is_never_exceeded():
    prog = programme()
    sessions = [session(prog, f"回{k}", capacity=k + 1, day=k + 1) for k in range(4)]
    for n in range(15):
        child_asking(prog, *[s for k, s in enumerate(sessions) if (n + k) % 3], name=f"子{n}")
    child_asking(prog, sessions[0], name="先", status=GRANTED)

    outcome = kokoa_programme_allocate(programme=prog, actor=b.staff_user(), session_ids=[s.pk for s in sessions],
                                       seed=11)

    for s in sessions:
        assert s.requests.filter(status=GRANTED).count() <= s.capacity
    assert outcome.sessions_granted == sum(s.capacity for s in sessions) - 1


@pytest.mark.parametrize("case", ["unknown", "other_programme", "unlimited", "no_pending", "none"])
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(case, django_capture_on_commit_callbacks):
    prog = programme()
    limited = session(prog, "限定", 1)
    unlimited = KokoaSession.objects.create(programme=prog, kind=KokoaSession.Kind.REGULAR, title="毎週月曜",
                                            weekday=1, starts_at=datetime.time(15), ends_at=datetime.time(17))
    elsewhere = session(programme(), "他校", 1)
    decided = session(prog, "決定済み", 1, day=3)
    child_asking(prog, limited, unlimited)
    child_asking(prog, decided, status=GRANTED)
    ids, code = {
        "unknown": ([limited.pk, 999999], "unknown_session"),
        "other_programme": ([limited.pk, elsewhere.pk], "unknown_session"),
        "unlimited": ([limited.pk, unlimited.pk], "no_capacity"),
        "no_pending": ([decided.pk], "no_pending"),
        "none": ([], "no_session"),
    }[case]
    before = statuses()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ServiceError) as refused:
        kokoa_programme_allocate(programme=prog, actor=b.staff_user(), session_ids=ids, seed=1)

    assert refused.value.code == code
    assert str(refused.value.message)
    if case == "unlimited":
        assert "毎週月曜" in str(refused.value.message)
    assert statuses() == before
    assert not AuditEvent.objects.filter(action=KOKOA_ALLOCATE_ACTION).exists()


def test_read_only_staff_cannot_allocate():
    prog = programme()
    trip = session(prog, "遠足", 1)
    child_asking(prog, trip)
    with pytest.raises(PermissionDenied):
        kokoa_programme_allocate(programme=prog, actor=b.staff_user(read_only=True), session_ids=[trip.pk])
    assert set(statuses().values()) == {REQUESTED}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_allocations_at_once_never_exceed_the_capacity():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers and row locks")
    prog = programme()
    sessions = [session(prog, f"回{k}", capacity=2, day=k + 1) for k in range(3)]
    for n in range(12):
        child_asking(prog, *sessions[n % 3:], name=f"子{n}")
    staff = b.staff_user()
    barrier = threading.Barrier(2)
    done, refused, errors = [], [], []

    def allocate(ids, seed):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            done.append(kokoa_programme_allocate(programme=prog, actor=staff, session_ids=ids, seed=seed))
        except ServiceError as error:
            refused.append(error.code)
        except BaseException as error:
            errors.append(error)
        finally:
            thread_connection.close()

    all_ids = [s.pk for s in sessions]
    for round_ in range(5):
        KokoaSessionRequest.objects.update(status=REQUESTED)
        done.clear(), refused.clear()
        # Alternately the same sessions twice, and overlapping subsets.
        second = all_ids if round_ % 2 else all_ids[1:]
        threads = [threading.Thread(target=allocate, args=(all_ids, 1 + round_)),
                   threading.Thread(target=allocate, args=(second, 100 + round_))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert len(done) + len(refused) == 2 and set(refused) <= {"no_pending"}
        for s in sessions:
            assert s.requests.filter(status=GRANTED).count() <= s.capacity
        assert not KokoaSessionRequest.objects.filter(status=REQUESTED).exists()


# --- the pages -------------------------------------------------------------------------------------

@pytest.fixture
def client(client):
    """The pages in English (the site's default language is Japanese)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def page_world():
    prog = programme()
    craft, pool = session(prog, "工作", 1, day=1), session(prog, "プール", 1, day=2)
    hana = child_asking(prog, craft, pool, name="花")
    yui = child_asking(prog, pool, name="結衣")
    wait_for_a_club(hana, prog.fiscal_year)
    return {"programme": prog, "craft": craft, "pool": pool, "hana": hana, "yui": yui,
            "url": reverse("staff_kokoa_programme", kwargs={"programme_id": prog.pk})}


def test_staff_allocate_a_programme_from_its_page_and_see_the_result(client, page_world,
                                                                    django_capture_on_commit_callbacks):
    w = page_world
    client.force_login(b.staff_user())
    listing = client.get(reverse("staff_kokoa_sessions")).content.decode()
    assert w["url"] in listing and "工作" in listing and "プール" in listing
    page = client.get(w["url"]).content.decode()
    assert f'value="{w["craft"].pk}" id="id_sessions_{w["craft"].pk}" checked' in page
    assert "These sessions have not been allocated yet." in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(w["url"], {"sessions": [w["craft"].pk, w["pool"].pk], "seed": "5"})

    assert response.status_code == 302 and response["Location"] == w["url"]
    assert sessions_of(w["hana"]) == {"工作"} and sessions_of(w["yui"]) == {"プール"}
    page = client.get(w["url"]).content.decode()
    assert "2 of 2 children now have at least one session; 2 places granted (lottery seed 5)." in page
    assert "lottery seed 5" in page
    assert "Children with at least one session: 2 of the 2 who asked" in page
    assert "Places granted: 2" in page
    assert "Every request for these sessions has been decided." in page


def test_the_programme_page_is_in_japanese(page_world, django_capture_on_commit_callbacks):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    client.force_login(b.staff_user())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_world["url"], {"sessions": [page_world["craft"].pk], "seed": "5"})
    page = client.get(page_world["url"]).content.decode()
    assert "KoKoA allocation" not in page and "Allocations" not in page
    assert "抽選のシード 5" in page and "KoKoAの割り当て" in page


def test_read_only_staff_see_the_page_but_may_not_allocate(client, page_world):
    client.force_login(b.staff_user(read_only=True))
    page = client.get(page_world["url"]).content.decode()
    assert "工作" in page and 'name="sessions"' not in page
    response = client.post(page_world["url"], {"sessions": [page_world["craft"].pk]})
    assert response.status_code == 403
    assert set(statuses().values()) == {REQUESTED}


@pytest.mark.parametrize("role", ["operator", "family"])
def test_operators_and_families_get_404(client, page_world, role):
    prog = page_world["programme"]
    user = b.operator_user(prog.operator) if role == "operator" else b.family_user(page_world["hana"].household)
    client.force_login(user)
    assert client.get(page_world["url"]).status_code == 404
    assert client.post(page_world["url"], {"sessions": [page_world["craft"].pk]}).status_code == 404
    assert set(statuses().values()) == {REQUESTED}


@pytest.mark.parametrize("case", ["unknown", "unlimited", "no_pending", "none", "bad_seed"])
def test_bad_input_on_the_page_gets_a_clear_message_and_nothing_is_saved(client, page_world, case):
    w = page_world
    unlimited = KokoaSession.objects.create(programme=w["programme"], kind=KokoaSession.Kind.REGULAR,
                                            title="毎週月曜", weekday=1, starts_at=datetime.time(15),
                                            ends_at=datetime.time(17))
    decided = session(w["programme"], "決定済み", 1, day=3)
    child_asking(w["programme"], decided, status=GRANTED)
    data, message = {
        "unknown": ({"sessions": [w["craft"].pk, session(programme(), "他校").pk]},
                    "Choose only sessions of this KoKoA programme."),
        "unlimited": ({"sessions": [unlimited.pk]},
                      "“毎週月曜” has no capacity limit: every registered child may attend, so it is not allocated."),
        "no_pending": ({"sessions": [decided.pk]}, "No request for the chosen sessions is waiting for a decision."),
        "none": ({"seed": "3"}, "Choose at least one session to allocate."),
        "bad_seed": ({"sessions": [w["craft"].pk], "seed": "abc"}, "Enter a whole number."),
    }[case]
    client.force_login(b.staff_user())
    before = statuses()

    response = client.post(w["url"], data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert statuses() == before
