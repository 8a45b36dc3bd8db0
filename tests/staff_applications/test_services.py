"""Services for staff work on applications: adjusting and recomputing points, reviewing documents,
entering a paper application. Each checks permission, then state, then writes and audits."""

import datetime
from decimal import Decimal

import pytest

from enrollment.forms.staff_applications import PaperApplicationForm
from enrollment.models import Application, AuditEvent, Child, Document, Household, Round
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services.points import application_points_refresh
from enrollment.services.staff_applications import (
    application_paper_create,
    application_points_adjust,
    application_points_recompute,
    document_review,
)
from tests import builders
from tests.staff_applications.helpers import document, paper_row, submitted_application

pytestmark = pytest.mark.django_db


def _scored(app):
    application_points_refresh(application=app, today=datetime.date(2027, 1, 10))
    return app


class TestPointsAdjust:
    def test_it_records_the_adjustment_and_recomputes_the_breakdown(self, django_capture_on_commit_callbacks):
        staff = builders.staff_user()
        app = _scored(submitted_application())
        before, revision = app.points, app.revision
        with django_capture_on_commit_callbacks(execute=True):
            adjustment = application_points_adjust(actor=staff, application=app, points=Decimal("1.5"),
                                                   reason="児童相談所からの意見書")
        app.refresh_from_db()
        assert adjustment.created_by == staff
        assert app.points == before + Decimal("1.5")
        assert app.points_breakdown["manual"] == [{"points": "1.5", "reason": "児童相談所からの意見書"}]
        assert app.revision == revision + 1
        event = AuditEvent.objects.get(action="application.points_adjust")
        assert event.object_id == str(app.pk) and event.actor_id == staff.pk
        assert "児童" not in str(event.related)

    def test_it_refuses_read_only_staff_and_families(self):
        app = _scored(submitted_application())
        for actor in (builders.staff_user(read_only=True), builders.family_user(app.child.household)):
            with pytest.raises(PermissionDenied):
                application_points_adjust(actor=actor, application=app, points=Decimal("1"), reason="理由")
        assert not app.adjustments.exists()

    @pytest.mark.parametrize("points, reason", [(Decimal("0"), "理由"), (Decimal("1"), "   "), (Decimal("0.25"), "理由")])
    def test_it_refuses_a_zero_an_unexplained_or_a_too_precise_adjustment(self, points, reason):
        app = _scored(submitted_application())
        with pytest.raises(ServiceError):
            application_points_adjust(actor=builders.staff_user(), application=app, points=points, reason=reason)
        assert not app.adjustments.exists()

    def test_it_refuses_once_the_place_is_decided(self):
        app = submitted_application(status=Application.Status.DECIDED)
        with pytest.raises(ServiceError) as error:
            application_points_adjust(actor=builders.staff_user(), application=app, points=Decimal("1"), reason="理由")
        assert error.value.code == "wrong_status"


class TestPointsRecompute:
    def test_it_takes_the_households_current_facts(self):
        staff = builders.staff_user()
        app = _scored(submitted_application())
        before = app.points
        Household.objects.filter(pk=app.child.household_id).update(single_parent=False, public_assistance=True)
        application_points_recompute(actor=staff, application=app)
        app.refresh_from_db()
        assert app.points == before + 3

    def test_it_refuses_read_only_staff(self):
        with pytest.raises(PermissionDenied):
            application_points_recompute(actor=builders.staff_user(read_only=True), application=submitted_application())


class TestDocumentReview:
    def test_it_saves_the_check_and_audits_it(self, django_capture_on_commit_callbacks):
        doc = document(submitted_application())
        with django_capture_on_commit_callbacks(execute=True):
            document_review(actor=builders.staff_user(), document=doc, review=Document.Review.OK)
        doc.refresh_from_db()
        assert doc.review == Document.Review.OK
        assert AuditEvent.objects.filter(action="document.review", object_id=str(doc.pk)).exists()

    def test_it_refuses_an_unknown_check_and_read_only_staff(self):
        doc = document(submitted_application())
        with pytest.raises(ServiceError):
            document_review(actor=builders.staff_user(), document=doc, review="maybe")
        with pytest.raises(PermissionDenied):
            document_review(actor=builders.staff_user(read_only=True), document=doc, review=Document.Review.OK)
        doc.refresh_from_db()
        assert doc.review == Document.Review.PENDING


def _valid_form(rnd, **overrides):
    form = PaperApplicationForm(data=paper_row(school=builders.school(), club=builders.club(), **overrides), round_=rnd)
    assert form.is_valid(), form.errors
    return form


def _create(actor, rnd, form):
    return application_paper_create(actor=actor, round_=rnd, household=form.household, guardians=form.guardians,
                                    child=form.child, clubs=form.clubs, requested_start=form.requested_start)


class TestPaperApplication:
    def test_it_creates_the_household_and_submits_a_paper_application(self):
        rnd = builders.round_()
        app = _create(builders.staff_user(), rnd, _valid_form(rnd))
        assert app.is_paper and app.status == Application.Status.SUBMITTED
        assert app.receipt_number and app.points is not None
        household = app.child.household
        assert [g.given_name for g in household.guardians.order_by("order")] == ["花子", "一郎"]
        # Names exactly as typed; readings turned into katakana.
        assert household.guardians.get(order=1).family_name == "𠮷田"
        assert household.guardians.get(order=1).family_kana == "ヨシダ"

    def test_it_accepts_paper_after_the_online_window_closed(self):
        rnd = builders.round_(status=Round.Status.CLOSED)
        app = _create(builders.staff_user(), rnd, _valid_form(rnd))
        assert app.status == Application.Status.SUBMITTED

    def test_it_refuses_a_round_whose_results_are_decided_and_saves_nothing(self):
        rnd = builders.round_(status=Round.Status.COMMITTED)
        form = _valid_form(rnd)
        with pytest.raises(ServiceError):
            _create(builders.staff_user(), rnd, form)
        assert not Child.objects.exists() and not Household.objects.exists()

    def test_it_refuses_read_only_staff(self):
        rnd = builders.round_()
        with pytest.raises(PermissionDenied):
            _create(builders.staff_user(read_only=True), rnd, _valid_form(rnd))
        assert not Application.objects.exists()
