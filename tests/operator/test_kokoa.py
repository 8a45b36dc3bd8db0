"""KoKoA for safety staff: registered children per weekday, the roster of a session date and the
check-in list (present / absent / left at), with and without JavaScript."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import AuditEvent, KokoaAttendance, KokoaSessionRequest
from enrollment.selectors.rosters import is_session_date, registrations_by_weekday, session_children, session_dates
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services.kokoa_attendance import kokoa_attendance_record
from tests import builders as b
from tests.operator import operator_builders as ob
from tests.operator.test_roster import FORBIDDEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def committee():
    return b.operator(kind="kokoa_committee", name="第一小KoKoA運営委員会")


@pytest.fixture
def programme(committee):
    return ob.kokoa_programme(committee)


@pytest.fixture
def session_today(programme, today):
    """A special session today (so a check-in is possible whatever weekday the test runs on)."""
    return ob.special_session(programme, today, title="工作教室")


def test_it_lists_registered_children_per_weekday(programme, committee, client_for):
    ob.kokoa_child(programme, weekdays=[0, 2], given_name="月水")
    ob.kokoa_child(programme, weekdays=[2], given_name="水のみ")
    gone, registration = ob.kokoa_child(programme, weekdays=[0], given_name="退会")
    registration.active = False
    registration.save()
    groups = {g.weekday: [c.name for c in g.children] for g in registrations_by_weekday(programme)}
    assert groups[0] == ["泊江 月水"]
    assert sorted(groups[2]) == sorted(["泊江 水のみ", "泊江 月水"])
    assert groups[1] == [] and groups[5] == []
    content = client_for(b.operator_user(committee)).get(
        reverse("operator_kokoa_programme", args=[programme.pk])).content.decode()
    assert "月曜日：1人" in content and "水曜日：2人" in content
    assert "退会" not in content
    for forbidden in FORBIDDEN:
        assert forbidden not in content


def test_it_shows_only_granted_children_on_a_capacity_limited_session(programme, committee, today, client_for):
    session = ob.special_session(programme, today + datetime.timedelta(days=20), capacity=2, title="夏祭り")
    _c1, granted = ob.kokoa_child(programme, given_name="当選")
    _c2, waiting = ob.kokoa_child(programme, given_name="落選")
    _c3, requested = ob.kokoa_child(programme, given_name="申込中")
    ob.request_session(granted, session)
    ob.request_session(waiting, session, status=KokoaSessionRequest.Status.NOT_GRANTED)
    ob.request_session(requested, session, status=KokoaSessionRequest.Status.REQUESTED)
    assert [c.name for c in session_children(session, session.date)] == ["泊江 当選"]
    response = client_for(b.operator_user(committee)).get(reverse("operator_kokoa_session", args=[session.pk]))
    content = response.content.decode()
    assert "泊江 当選" in content and "落選" not in content and "申込中" not in content
    assert "定員2人" in content
    # In the future: listed, but attendance is recorded on the day.
    assert "出欠は当日に記録できます" in content and 'name="status"' not in content
    programme_page = client_for(b.operator_user(committee)).get(
        reverse("operator_kokoa_programme", args=[programme.pk])).content.decode()
    assert "定員2人のうち1人が参加決定" in programme_page


def test_it_lists_a_regular_session_by_the_weekday_of_each_registration(programme):
    monday = ob.regular_session(programme, 0)
    ob.kokoa_child(programme, weekdays=[0], given_name="月")
    ob.kokoa_child(programme, weekdays=[3], given_name="木")
    first_monday = session_dates(monday)[0]
    assert first_monday.weekday() == 0 and programme.fiscal_year.contains(first_monday)
    assert len(session_dates(monday)) in (52, 53)
    assert [c.name for c in session_children(monday, first_monday)] == ["泊江 月"]
    assert is_session_date(monday, first_monday)
    assert not is_session_date(monday, first_monday + datetime.timedelta(days=1))


def test_it_checks_a_child_in_with_htmx_and_swaps_only_that_row(session_today, programme, committee, today,
                                                                client_for):
    child, _registration = ob.kokoa_child(programme, given_name="出席")
    user = b.operator_user(committee)
    response = client_for(user).post(
        reverse("operator_kokoa_check_in", args=[session_today.pk]),
        {"date": today.isoformat(), "child": str(child.public_id), "status": "present"},
        headers={"HX-Request": "true"})
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith(f'<li class="check-in__row check-in__row--present" id="child-{child.public_id}"')
    assert 'aria-pressed="true">出席' in content
    assert 'id="check-in-counts" hx-swap-oob="true"' in content
    assert "泊江 出席さんの出欠を記録しました。" in content
    attendance = KokoaAttendance.objects.get()
    assert (attendance.child, attendance.date, attendance.status, attendance.recorded_by) == (
        child, today, "present", user)


def test_it_checks_a_child_in_without_javascript_and_comes_back_to_the_list(session_today, programme, committee,
                                                                          today, client_for):
    child, _registration = ob.kokoa_child(programme)
    client = client_for(b.operator_user(committee))
    response = client.post(reverse("operator_kokoa_check_in", args=[session_today.pk]),
                           {"date": today.isoformat(), "child": str(child.public_id), "status": "absent"})
    assert response.status_code == 302
    assert response["Location"] == (f"{reverse('operator_kokoa_session', args=[session_today.pk])}"
                                    f"?date={today.isoformat()}#child-{child.public_id}")
    page = client.get(response["Location"]).content.decode()
    assert "泊江 太郎さんの出欠を記録しました。" in page
    assert '<span class="tag tag--absent">欠席</span>' in page


def test_it_records_leaving_now_and_a_second_tap_replaces_the_first(session_today, programme, committee, today):
    child, _registration = ob.kokoa_child(programme)
    user = b.operator_user(committee)
    kokoa_attendance_record(actor=user, session=session_today, child=child, day=today, status="present")
    now = timezone.localtime()
    kokoa_attendance_record(actor=user, session=session_today, child=child, day=today, status="left", now=now)
    attendance = KokoaAttendance.objects.get()
    assert attendance.status == "left"
    assert attendance.left_at == now.time().replace(second=0, microsecond=0)
    kokoa_attendance_record(actor=user, session=session_today, child=child, day=today, status="present")
    attendance.refresh_from_db()
    assert (attendance.status, attendance.left_at) == ("present", None)
    assert KokoaAttendance.objects.count() == 1


def test_it_shows_the_time_a_child_left_given_by_hand(session_today, programme, committee, today, client_for):
    child, _registration = ob.kokoa_child(programme)
    client = client_for(b.operator_user(committee))
    response = client.post(reverse("operator_kokoa_check_in", args=[session_today.pk]),
                           {"date": today.isoformat(), "child": str(child.public_id), "status": "left",
                            "left_at": "00:00"}, headers={"HX-Request": "true"})
    assert "00:00に帰宅" in response.content.decode()
    assert KokoaAttendance.objects.get().left_at == datetime.time(0, 0)


def test_it_refuses_a_leaving_time_later_than_now_with_a_message_in_the_row(session_today, programme, committee,
                                                                          today, client_for):
    child, _registration = ob.kokoa_child(programme)
    client = client_for(b.operator_user(committee))
    later = (timezone.localtime() + datetime.timedelta(minutes=5))
    if later.date() != today:
        pytest.skip("too close to midnight to ask for a later time today")
    response = client.post(reverse("operator_kokoa_check_in", args=[session_today.pk]),
                           {"date": today.isoformat(), "child": str(child.public_id), "status": "left",
                            "left_at": later.strftime("%H:%M")}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "帰宅時刻に現在より後の時刻は入力できません。" in response.content.decode()
    assert not KokoaAttendance.objects.exists()


def test_it_refuses_attendance_for_a_future_date_or_a_day_the_session_does_not_meet(programme, committee, today):
    user = b.operator_user(committee)
    future = ob.special_session(programme, today + datetime.timedelta(days=1))
    child, _registration = ob.kokoa_child(programme)
    with pytest.raises(ServiceError) as error:
        kokoa_attendance_record(actor=user, session=future, child=child, day=future.date, status="present")
    assert error.value.code == "future_date"
    with pytest.raises(ServiceError) as error:
        kokoa_attendance_record(actor=user, session=future, child=child, day=today, status="present")
    assert error.value.code == "not_a_session_date"
    assert not KokoaAttendance.objects.exists()


def test_it_refuses_attendance_by_another_operator_or_for_a_child_not_on_the_list(session_today, programme,
                                                                                  committee, today):
    child, _registration = ob.kokoa_child(programme)
    with pytest.raises(PermissionDenied):
        kokoa_attendance_record(actor=b.operator_user(), session=session_today, child=child, day=today,
                                status="present")
    with pytest.raises(PermissionDenied):
        kokoa_attendance_record(actor=b.staff_user(), session=session_today, child=child, day=today,
                                status="present")
    other_programme = ob.kokoa_programme(committee)
    stranger, _registration = ob.kokoa_child(other_programme)
    with pytest.raises(ServiceError) as error:
        kokoa_attendance_record(actor=b.operator_user(committee), session=session_today, child=stranger,
                                day=today, status="present")
    assert error.value.code == "not_expected"
    assert not KokoaAttendance.objects.exists()


def test_it_audits_attendance_writes_and_session_reads_by_id_only(session_today, programme, committee, today,
                                                                  client_for, django_capture_on_commit_callbacks):
    child, _registration = ob.kokoa_child(programme)
    user = b.operator_user(committee)
    client = client_for(user)
    client.get(reverse("operator_kokoa_session", args=[session_today.pk]))
    read = AuditEvent.objects.get(action="operator.kokoa.session.read")
    assert (read.object_type, read.object_id, read.actor_id) == ("child", str(child.pk), user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("operator_kokoa_check_in", args=[session_today.pk]),
                    {"date": today.isoformat(), "child": str(child.public_id), "status": "present"})
    write = AuditEvent.objects.get(action="kokoa.attendance.record")
    assert write.related == {"session": str(session_today.pk), "child": str(child.pk), "date": today.isoformat()}


def test_it_falls_back_to_the_next_session_date_for_a_date_the_session_does_not_meet(programme, committee,
                                                                                   client_for):
    monday = ob.regular_session(programme, 0)
    client = client_for(b.operator_user(committee))
    response = client.get(reverse("operator_kokoa_session", args=[monday.pk]), {"date": "2000-01-01"})
    assert response.status_code == 200
    assert response.context["day"].weekday() == 0
    assert "代わりに次の開催日を表示しています" in response.content.decode()


def test_it_never_shows_points_or_income_on_the_session_page(session_today, programme, committee, client_for):
    ob.kokoa_child(programme)
    content = client_for(b.operator_user(committee)).get(
        reverse("operator_kokoa_session", args=[session_today.pk])).content.decode()
    assert "泊江 太郎" in content
    for forbidden in FORBIDDEN:
        assert forbidden not in content, forbidden
