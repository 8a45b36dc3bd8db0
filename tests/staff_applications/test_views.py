"""The staff's application pages: the list with filters (and its htmx partial), one application,
its documents served inline, and the actions. Read-only staff: 403 on every POST; families and
operators: 404 on every page."""

import re
import uuid

import pytest
from django.urls import reverse

from enrollment.models import Application, ApplicationEvent, AuditEvent, Document
from tests import builders
from tests.staff_applications.helpers import PNG, document, paper_row, submitted_application, the_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = builders.staff_user()
    client.force_login(user)
    return user


def _receipts(response):
    return re.findall(r"<td><a href=\"[^\"]+\">(27A-\d{5})</a>", response.content.decode())


class TestList:
    def test_it_lists_submitted_applications_but_never_drafts(self, client, staff):
        shown = submitted_application()
        draft = builders.application(rnd=the_round(), status=Application.Status.DRAFT, receipt_number="27A-99999")
        response = client.get(reverse("staff_application_list"))
        assert shown.receipt_number in _receipts(response)
        assert draft.receipt_number not in _receipts(response)

    def test_it_filters_by_status_school_club_and_flags(self, client, staff):
        rnd = the_round()
        accepted = submitted_application(rnd=rnd, status=Application.Status.ACCEPTED)
        support = submitted_application(rnd=rnd, needs_support=True)
        paper = submitted_application(rnd=rnd)
        Application.objects.filter(pk=paper.pk).update(is_paper=True)
        with_doc = submitted_application(rnd=rnd)
        document(with_doc)
        sib = submitted_application(rnd=rnd)
        Application.objects.filter(pk=sib.pk).update(sibling_group=builders.sibling_group(sib.child.household, rnd))
        url = reverse("staff_application_list")
        assert _receipts(client.get(url, {"status": "accepted"})) == [accepted.receipt_number]
        assert _receipts(client.get(url, {"flags": "support"})) == [support.receipt_number]
        assert _receipts(client.get(url, {"flags": "paper"})) == [paper.receipt_number]
        assert _receipts(client.get(url, {"flags": "documents_pending"})) == [with_doc.receipt_number]
        assert _receipts(client.get(url, {"flags": "siblings"})) == [sib.receipt_number]
        assert _receipts(client.get(url, {"school": support.child.school_id})) == [support.receipt_number]
        club = accepted.choices.get().club
        assert _receipts(client.get(url, {"club": club.pk})) == [accepted.receipt_number]

    def test_it_searches_by_receipt_number_name_and_reading_in_hiragana(self, client, staff):
        target = submitted_application(given_name="陽葵", given_kana="ヒマリ")
        other = submitted_application()
        url = reverse("staff_application_list")
        assert _receipts(client.get(url, {"q": "ひまり"})) == [target.receipt_number]
        assert _receipts(client.get(url, {"q": "陽葵"})) == [target.receipt_number]
        assert _receipts(client.get(url, {"q": other.receipt_number})) == [other.receipt_number]
        guardian = target.child.household.guardians.first()
        guardian.given_name = "美咲"
        guardian.save()
        assert _receipts(client.get(url, {"q": "美咲"})) == [target.receipt_number]

    def test_it_answers_htmx_with_the_results_partial_only(self, client, staff):
        app = submitted_application()
        response = client.get(reverse("staff_application_list"), headers={"HX-Request": "true", "HX-Target": "results"})
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="results"')
        assert app.receipt_number in body and "<html" not in body

    def test_it_pages_by_fifty(self, client, staff):
        rnd = the_round()
        for _ in range(51):
            submitted_application(rnd=rnd)
        first = client.get(reverse("staff_application_list"))
        assert len(_receipts(first)) == 50
        assert len(_receipts(client.get(reverse("staff_application_list"), {"page": 2}))) == 1


class TestDetail:
    def test_it_shows_the_application_and_audits_the_read_of_the_child(self, client, staff):
        app = submitted_application(given_name="陽葵")
        response = client.get(reverse("staff_application_detail", args=[app.public_id]))
        assert "陽葵" in response.content.decode()
        event = AuditEvent.objects.get(action="read", object_type="child")
        assert event.object_id == str(app.child_id) and event.actor_id == staff.pk

    def test_it_answers_404_for_a_draft_or_an_unknown_id(self, client, staff):
        draft = builders.application(rnd=the_round())
        assert client.get(reverse("staff_application_detail", args=[draft.public_id])).status_code == 404
        assert client.get(reverse("staff_application_detail", args=[uuid.uuid4()])).status_code == 404

    def test_it_hides_the_action_buttons_from_read_only_staff(self, client):
        app = submitted_application()
        client.force_login(builders.staff_user(read_only=True))
        body = client.get(reverse("staff_application_detail", args=[app.public_id])).content.decode()
        assert reverse("staff_application_accept", args=[app.public_id]) not in body
        assert reverse("staff_application_return", args=[app.public_id]) not in body


class TestDocumentFile:
    def test_it_serves_the_file_inline_with_its_content_type_and_audits_the_read(self, client, staff):
        doc = document(submitted_application())
        response = client.get(reverse("staff_document_file", args=[doc.public_id]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("inline")
        assert b"".join(response.streaming_content) == PNG
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        assert AuditEvent.objects.filter(action="read_document", object_id=str(doc.pk), actor_id=staff.pk).exists()


class TestActions:
    def test_it_accepts(self, client, staff):
        app = submitted_application()
        response = client.post(reverse("staff_application_accept", args=[app.public_id]))
        assert response.status_code == 302
        app.refresh_from_db()
        assert app.status == Application.Status.ACCEPTED

    def test_it_returns_with_a_comment_the_family_sees(self, client, staff):
        app = submitted_application()
        client.post(reverse("staff_application_return", args=[app.public_id]), {"comment": "就労証明書の日付が古いです。"})
        app.refresh_from_db()
        assert app.status == Application.Status.RETURNED
        assert app.return_comment == "就労証明書の日付が古いです。"
        event = ApplicationEvent.objects.get(application=app, to_status="returned")
        assert event.visible_to_family and event.comment == app.return_comment

    def test_it_refuses_a_return_without_a_comment_and_says_so_on_the_field(self, client, staff):
        app = submitted_application()
        response = client.post(reverse("staff_application_return", args=[app.public_id]), {"comment": "  "})
        assert response.status_code == 400
        assert 'id="id_comment_error"' in response.content.decode()
        app.refresh_from_db()
        assert app.status == Application.Status.SUBMITTED

    def test_it_tells_why_an_accept_in_the_wrong_status_is_refused(self, client, staff):
        app = submitted_application(status=Application.Status.ACCEPTED)
        response = client.post(reverse("staff_application_accept", args=[app.public_id]), follow=True)
        assert "message--error" in response.content.decode()

    def test_it_adjusts_points_with_a_reason(self, client, staff):
        app = submitted_application()
        client.post(reverse("staff_application_adjust", args=[app.public_id]), {"points": "2", "reason": "医師意見書"})
        assert app.adjustments.get().reason == "医師意見書"

    def test_it_saves_a_document_check(self, client, staff):
        doc = document(submitted_application())
        client.post(reverse("staff_document_review", args=[doc.public_id]), {"review": "ok"})
        doc.refresh_from_db()
        assert doc.review == Document.Review.OK

    def test_it_enters_a_paper_application(self, client, staff):
        rnd = the_round()
        row = paper_row(school=builders.school(), club=builders.club())
        response = client.post(reverse("staff_paper_application", args=[rnd.pk]), row)
        app = Application.objects.get()
        assert response.status_code == 302 and app.is_paper and app.status == "submitted"

    def test_it_shows_paper_errors_on_their_fields_and_saves_nothing(self, client, staff):
        rnd = the_round()
        row = paper_row(school=builders.school(), club=builders.club(), child_birth_date="2020-02-30",
                        g1_days_per_month="")
        response = client.post(reverse("staff_paper_application", args=[rnd.pk]), row)
        body = response.content.decode()
        assert response.status_code == 400
        assert 'id="id_child_birth_date_error"' in body and 'href="#id_child_birth_date"' in body
        assert not Application.objects.exists()


def _post_routes(app, doc):
    return [
        reverse("staff_application_accept", args=[app.public_id]),
        reverse("staff_application_return", args=[app.public_id]),
        reverse("staff_application_adjust", args=[app.public_id]),
        reverse("staff_application_recompute", args=[app.public_id]),
        reverse("staff_document_review", args=[doc.public_id]),
        reverse("staff_paper_application", args=[app.round_id]),
        reverse("staff_import"),
        reverse("staff_import_confirm"),
    ]


def _get_routes(app, doc):
    return [
        reverse("staff_application_list"),
        reverse("staff_application_detail", args=[app.public_id]),
        reverse("staff_document_file", args=[doc.public_id]),
    ]


class TestAccess:
    def test_read_only_staff_get_403_on_every_post_and_nothing_changes(self, client):
        app = submitted_application()
        doc = document(app)
        client.force_login(builders.staff_user(read_only=True))
        for url in _post_routes(app, doc):
            assert client.post(url, {"comment": "x", "points": "1", "reason": "x", "review": "ok"}).status_code == 403, url
        app.refresh_from_db()
        doc.refresh_from_db()
        assert app.status == Application.Status.SUBMITTED and doc.review == "pending"

    def test_read_only_staff_see_the_pages(self, client):
        app = submitted_application()
        doc = document(app)
        client.force_login(builders.staff_user(read_only=True))
        for url in _get_routes(app, doc):
            assert client.get(url).status_code == 200, url

    @pytest.mark.parametrize("role", ["family", "operator"])
    def test_families_and_operators_get_404_everywhere(self, client, role):
        app = submitted_application()
        doc = document(app)
        user = builders.family_user(app.child.household) if role == "family" else builders.operator_user()
        client.force_login(user)
        for url in _get_routes(app, doc) + _post_routes(app, doc):
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code == 404, url


class TestListFuzz:
    """Whatever lands in the query string (hand-edited URLs, old bookmarks): never a 500."""

    @pytest.mark.django_db
    def test_any_filter_values(self, client):
        from hypothesis import HealthCheck, given, settings, strategies as st

        client.force_login(builders.staff_user())
        submitted_application()
        junk = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)

        @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(q=junk, round_=junk, school=junk, club=junk, status=junk, flags=st.lists(junk, max_size=3), page=junk)
        def run(q, round_, school, club, status, flags, page):
            response = client.get(reverse("staff_application_list"), {
                "q": q, "round": round_, "school": school, "club": club, "status": status, "flags": flags,
                "page": page})
            assert response.status_code == 200

        run()
