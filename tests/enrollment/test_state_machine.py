"""The application state machine: every allowed transition works, every other one is refused."""

from decimal import Decimal

import pytest

from enrollment.models import Application, ApplicationEvent, AuditEvent
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services.applications import (
    TRANSITIONS,
    allowed_transitions,
    application_accept,
    application_mark,
    application_return,
    application_submit,
    application_withdraw,
)
from tests import builders

pytestmark = pytest.mark.django_db(transaction=False)
S = Application.Status
ALL_STATUSES = [value for value, _label in S.choices]


def _setup(status):
    club = builders.club()
    household = builders.household()
    child = builders.child(household, school=club.school)
    app = builders.application(child, clubs=[club], status=status)
    return app, builders.family_user(household), builders.staff_user()


def _perform(transition, app, family, staff):
    if transition == "submit":
        return application_submit(application=app, actor=family)
    if transition == "accept":
        return application_accept(application=app, actor=staff)
    if transition == "return":
        return application_return(application=app, actor=staff, comment="就労証明書の日付が古いです。")
    if transition == "withdraw":
        return application_withdraw(application=app, actor=family)
    return application_mark(application=app, transition=transition, actor=staff)


CASES = [(t, s) for t in TRANSITIONS for s in ALL_STATUSES]


@pytest.mark.parametrize("transition,status", CASES, ids=[f"{t}-from-{s}" for t, s in CASES])
def test_each_transition_from_each_status(transition, status):
    app, family, staff = _setup(status)
    sources, target = TRANSITIONS[transition]
    if status in sources:
        moved = _perform(transition, app, family, staff)
        moved.refresh_from_db()
        assert moved.status == target
        event = ApplicationEvent.objects.filter(application=app).latest("pk")
        assert (event.from_status, event.to_status) == (status, target)
    else:
        with pytest.raises(ServiceError) as caught:
            _perform(transition, app, family, staff)
        assert caught.value.code == "wrong_status"
        app.refresh_from_db()
        assert app.status == status
        assert not ApplicationEvent.objects.filter(application=app).exists()


def test_the_table_matches_the_documented_machine():
    assert allowed_transitions(S.DRAFT) == ["submit", "withdraw"]
    assert allowed_transitions(S.ACCEPTED) == ["return", "offer", "waitlist", "refuse", "withdraw"]
    assert allowed_transitions(S.WAITLISTED) == ["offer", "withdraw"]
    assert allowed_transitions(S.OFFERED) == ["decide", "decline", "withdraw"]
    for final in (S.DECIDED, S.DECLINED, S.WITHDRAWN, S.REFUSED):
        assert allowed_transitions(final) == []


def test_submit_gives_a_receipt_number_and_points():
    app, family, _staff = _setup(S.DRAFT)
    application_submit(application=app, actor=family)
    app.refresh_from_db()
    assert app.receipt_number == "27A-00001"
    assert app.points is not None and Decimal(app.points_breakdown["total"]) == app.points
    assert app.eligibility_problems == []


def test_submitting_twice_with_the_same_key_creates_one_submission():
    import uuid

    app, family, _staff = _setup(S.DRAFT)
    key = uuid.uuid4()
    first = application_submit(application=app, actor=family, submission_key=key)
    second = application_submit(application=app, actor=family, submission_key=key)
    assert first.pk == second.pk and second.status == S.SUBMITTED
    assert ApplicationEvent.objects.filter(application=app, to_status=S.SUBMITTED).count() == 1


def test_submit_is_refused_without_club_choices():
    child = builders.child()
    app = builders.application(child)
    with pytest.raises(ServiceError) as caught:
        application_submit(application=app, actor=builders.family_user(child.household))
    assert caught.value.code == "no_choices"


def test_submit_is_refused_when_the_round_is_closed():
    from enrollment.models import Round

    app, family, _staff = _setup(S.DRAFT)
    Round.objects.filter(pk=app.round_id).update(status=Round.Status.CLOSED)
    app.refresh_from_db()
    with pytest.raises(ServiceError) as caught:
        application_submit(application=app, actor=family)
    assert caught.value.code == "round_closed"


def test_another_household_cannot_submit_or_withdraw():
    app, _family, _staff = _setup(S.DRAFT)
    stranger = builders.family_user()
    with pytest.raises(PermissionDenied):
        application_submit(application=app, actor=stranger)
    with pytest.raises(PermissionDenied):
        application_withdraw(application=app, actor=stranger)


def test_read_only_staff_cannot_accept():
    app, _family, _staff = _setup(S.SUBMITTED)
    with pytest.raises(PermissionDenied) as caught:
        application_accept(application=app, actor=builders.staff_user(read_only=True))
    assert caught.value.code == "read_only"


def test_families_cannot_accept_their_own_application():
    app, family, _staff = _setup(S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        application_accept(application=app, actor=family)


def test_return_needs_a_comment_and_the_family_sees_it():
    app, _family, staff = _setup(S.SUBMITTED)
    with pytest.raises(ServiceError):
        application_return(application=app, actor=staff, comment="   ")
    application_return(application=app, actor=staff, comment="書類を追加してください。")
    app.refresh_from_db()
    assert app.return_comment == "書類を追加してください。"
    assert app.events.get(to_status=S.RETURNED).visible_to_family


@pytest.mark.django_db(transaction=True)
def test_transitions_are_audited_with_ids_only():
    app, family, _staff = _setup(S.DRAFT)
    application_submit(application=app, actor=family)
    event = AuditEvent.objects.get(action="application.submit")
    assert event.object_id == str(app.pk) and event.actor_id == family.pk
    flat = str(event.related) + event.object_type + event.object_id
    assert "泊江" not in flat and "太郎" not in flat


def test_a_returned_application_can_be_resubmitted_after_the_window_while_screening_goes_on():
    from enrollment.models import Round

    app, family, _staff = _setup(S.RETURNED)
    Round.objects.filter(pk=app.round_id).update(status=Round.Status.CLOSED)
    app.refresh_from_db()
    application_submit(application=app, actor=family)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_a_returned_application_cannot_come_back_once_results_are_decided():
    from enrollment.models import Round

    app, family, _staff = _setup(S.RETURNED)
    Round.objects.filter(pk=app.round_id).update(status=Round.Status.COMMITTED)
    app.refresh_from_db()
    with pytest.raises(ServiceError) as caught:
        application_submit(application=app, actor=family)
    assert caught.value.code == "round_closed"
