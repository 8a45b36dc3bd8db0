"""Family pages: the application flow, the status page, actions after the result, downloads."""

import datetime
import re
import uuid

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from enrollment.models import (AllocationRun, Application, ApplicationEvent, Document, Enrollment, Letter, Offer,
                               Round, WaitlistEntry)
from enrollment.services import family_applications as services
from enrollment.services.applications import application_mark, application_return
from tests import builders as b

from .builders import HTML, PDF, family, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def f(client):
    fam = family()
    client.force_login(fam.user)
    return fam


def _choices_post(f, clubs, prefix="u1", draft=False):
    data = {f"{prefix}-choice_{rank}": str(club.pk) for rank, club in enumerate(clubs, 1)}
    data[f"{prefix}-requested_start"] = f.round.start_month.isoformat()
    if draft:
        data["_draft"] = "1"
    return data


def _walk_to_confirm(client, f):
    url = reverse("family_apply_start", args=[f.round.pk])
    response = client.post(url, {"children": [str(f.younger.public_id), str(f.elder.public_id)],
                                 "sibling_mode": "together"})
    assert response.status_code == 302
    response = client.post(reverse("family_apply_choices", args=[f.round.pk]), _choices_post(f, f.clubs[:2]))
    assert response.status_code == 302 and response.url.endswith("/kokoa/")
    response = client.post(response.url, {})
    assert response.status_code == 302 and response.url.endswith("/documents/")
    response = client.post(response.url, {})
    assert response.status_code == 302 and response.url.endswith("/confirm/")
    return response.url


def test_the_home_page_offers_the_open_round_and_lists_applications(client, f):
    b.application(f.younger, rnd=f.round, clubs=f.clubs[:1], status="submitted", receipt_number="27A-00001")
    page = client.get(reverse("family_home")).content.decode()
    assert reverse("family_apply_start", args=[f.round.pk]) in page
    assert "27A-00001" in page and "提出済み" in page or "27A-00001" in page


def test_a_family_applies_for_two_siblings_and_gets_receipt_numbers(client, f):
    confirm = _walk_to_confirm(client, f)
    page = client.get(confirm).content.decode()
    assert "泊江さくら学童クラブ0" in page
    assert "同じクラブ" in page  # the sibling wish is shown
    assert "points-table" in page  # the preview of points
    key = re.search(r'name="submission_key" value="([0-9a-f-]+)"', page).group(1)
    response = client.post(confirm, {"submission_key": key, "agree": "on"})
    assert response.status_code == 302
    receipt = client.get(response.url).content.decode()
    numbers = list(Application.objects.values_list("receipt_number", flat=True))
    assert all(number in receipt for number in numbers)
    assert set(Application.objects.values_list("status", flat=True)) == {"submitted"}


def test_a_double_clicked_submit_creates_one_application_per_child(client, f):
    confirm = _walk_to_confirm(client, f)
    key = str(uuid.uuid4())
    first = client.post(confirm, {"submission_key": key, "agree": "on"})
    second = client.post(confirm, {"submission_key": key, "agree": "on"})
    assert first.status_code == second.status_code == 302
    assert Application.objects.count() == 2
    assert ApplicationEvent.objects.filter(to_status="submitted").count() == 2


def test_submitting_without_ticking_the_box_shows_the_error_and_saves_nothing(client, f):
    confirm = _walk_to_confirm(client, f)
    response = client.post(confirm, {"submission_key": str(uuid.uuid4())})
    assert response.status_code == 400
    assert 'id="id_agree_error"' in response.content.decode()
    assert set(Application.objects.values_list("status", flat=True)) == {"draft"}


def test_the_confirmation_shows_ineligibility_in_plain_words(client, f):
    guardian = f.household.guardians.get(order=2)
    guardian.reason = "available"
    guardian.save()
    services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    page = client.get(reverse("family_apply_confirm", args=[f.round.pk])).content.decode()
    assert "条件を満たしていません" in page


def test_a_draft_saved_with_htmx_stays_on_the_page_and_survives_a_new_session(client, f):
    services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    url = reverse("family_apply_choices", args=[f.round.pk])
    response = client.post(url, _choices_post(f, [f.clubs[2]], draft=True), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'role="status"' in response.content.decode()
    client.logout()
    client.force_login(f.user)
    page = client.get(url).content.decode()
    assert re.search(rf'<option value="{f.clubs[2].pk}" selected>', page)


def test_a_repeated_club_is_refused_on_the_field(client, f):
    services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    response = client.post(reverse("family_apply_choices", args=[f.round.pk]),
                           _choices_post(f, [f.clubs[0], f.clubs[0]]))
    page = response.content.decode()
    assert 'id="id_u1-choice_2_error"' in page
    assert not Application.objects.get().choices.exists()


def test_an_html_file_named_pdf_is_refused_with_a_message(client, f):
    services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    response = client.post(reverse("family_apply_documents", args=[f.round.pk]),
                           {"upload": "1", "kind": "employment", "guardian": "1",
                            "file": upload(HTML, "shuro.pdf")})
    assert response.status_code == 400
    assert "PDF、JPEG、PNG" in response.content.decode() or "PDF" in response.content.decode()
    assert not Document.objects.exists()


def test_an_oversized_file_is_refused_with_a_message(client, f, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    response = client.post(reverse("family_apply_documents", args=[f.round.pk]),
                           {"upload": "1", "kind": "employment", "file": upload(PDF + b" " * 200)})
    assert response.status_code == 400
    assert 'id="id_file_error"' in response.content.decode()
    assert not Document.objects.exists()


def test_a_document_is_uploaded_listed_and_downloaded_only_by_its_household(client, f):
    services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    response = client.post(reverse("family_apply_documents", args=[f.round.pk]),
                           {"upload": "1", "kind": "employment", "guardian": "1", "file": upload(PDF, "a/../b.pdf")})
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.original_name == "b.pdf"
    download = client.get(reverse("family_document_download", args=[document.public_id]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    other = b.family_user()
    client.force_login(other)
    assert client.get(reverse("family_document_download", args=[document.public_id])).status_code == 404
    assert client.post(reverse("family_document_remove", args=[f.round.pk, document.public_id])).status_code == 404


def test_another_households_application_answers_404_everywhere(client, f):
    theirs = b.application(b.child(), rnd=f.round, clubs=f.clubs[:1], status="offered")
    Offer.objects.create(application=theirs, club=f.clubs[0], respond_by=datetime.date(2030, 1, 1))
    for name in ("family_application", "family_application_withdraw", "family_offer_accept",
                 "family_offer_decline", "family_enrollment_withdraw"):
        assert client.get(reverse(name, args=[theirs.public_id])).status_code == 404, name
    assert client.post(reverse("family_application_change", args=[theirs.public_id])).status_code == 404


def test_staff_and_anonymous_cannot_use_family_pages(client, f):
    application = b.application(f.younger, rnd=f.round, clubs=f.clubs[:1])
    client.force_login(b.staff_user())
    assert client.get(reverse("family_application", args=[application.public_id])).status_code == 404
    client.logout()
    assert client.get(reverse("family_apply_start", args=[f.round.pk])).status_code == 302


def test_the_status_page_shows_the_return_comment_and_a_way_to_correct(client, f):
    application = b.application(f.younger, rnd=f.round, clubs=f.clubs[:1], status="submitted")
    application_return(application=application, actor=b.staff_user(), comment="勤務日数を確認してください。")
    page = client.get(reverse("family_application", args=[application.public_id])).content.decode()
    assert "勤務日数を確認してください。" in page
    assert reverse("family_apply_choices", args=[f.round.pk]) in page


def _offered(f, **round_fields):
    round_fields.setdefault("status", Round.Status.PUBLISHED)
    Round.objects.filter(pk=f.round.pk).update(**round_fields)
    application = b.application(f.younger, rnd=f.round, clubs=f.clubs[:2], status="accepted")
    application_mark(application=application, transition="offer", actor=None)
    Offer.objects.create(application=application, club=f.clubs[0], respond_by=timezone.localdate() + datetime.timedelta(days=7))
    return application


def test_an_offer_is_accepted_after_a_confirmation_step(client, f):
    application = _offered(f)
    url = reverse("family_offer_accept", args=[application.public_id])
    assert "checkbox" in client.get(url).content.decode()
    assert client.post(url, {}).status_code == 400
    application.refresh_from_db()
    assert application.status == "offered"
    assert client.post(url, {"agree": "on"}).status_code == 302
    application.refresh_from_db()
    assert application.status == "decided"
    assert Enrollment.objects.filter(application=application, club=f.clubs[0]).exists()


def test_an_offer_is_declined(client, f):
    application = _offered(f)
    client.post(reverse("family_offer_decline", args=[application.public_id]), {"agree": "on"})
    application.refresh_from_db()
    assert application.status == "declined"
    assert Offer.objects.get().status == "declined"


def test_results_are_hidden_until_the_publication_date(client, f):
    application = _offered(f, status=Round.Status.COMMITTED, publish_at=timezone.now() + datetime.timedelta(days=3))
    page = client.get(reverse("family_application", args=[application.public_id])).content.decode()
    assert "Offer" not in page and f.clubs[0].name + "に入所" not in page
    assert "公表" in page
    assert client.get(reverse("family_offer_accept", args=[application.public_id])).status_code == 404


def test_the_waitlist_position_and_the_explanation_are_shown(client, f):
    Round.objects.filter(pk=f.round.pk).update(status=Round.Status.PUBLISHED)
    application = b.application(f.younger, rnd=f.round, clubs=f.clubs[:1], status="accepted")
    application_mark(application=application, transition="waitlist", actor=None)
    from enrollment.allocation_bridge import child_key

    run = AllocationRun.objects.create(round=f.round, status="committed", ties="maximize_placed", seed=1, result={
        "explanations": {child_key(application): {
            "outcome": None,
            "refused": [{"club": f.clubs[0].code, "reason": "full", "yours": [-1, 0, "19", 0],
                         "cutoff": [-1, 0, "21", 0]}]}}})
    WaitlistEntry.objects.create(application=application, club=f.clubs[0], run=run, position=3)
    page = client.get(reverse("family_application", args=[application.public_id])).content.decode()
    assert "3" in page and f.clubs[0].name in page
    assert "21" in page and "19" in page


def test_a_withdrawal_needs_confirmation_and_is_recorded(client, f):
    application = b.application(f.younger, rnd=f.round, clubs=f.clubs[:1], status="submitted")
    url = reverse("family_application_withdraw", args=[application.public_id])
    client.post(url, {"agree": "on", "reason": "転居のため"})
    application.refresh_from_db()
    assert application.status == "withdrawn"


def test_notice_of_leaving_the_club_sets_the_last_day(client, f):
    application = _offered(f)
    from enrollment.services.offers import offer_accept

    enrollment = offer_accept(application=application, actor=f.user)
    leave = enrollment.start_date + datetime.timedelta(days=60)
    url = reverse("family_enrollment_withdraw", args=[application.public_id])
    response = client.post(url, {"leave_date_0": str(leave.year), "leave_date_1": str(leave.month),
                                 "leave_date_2": str(leave.day), "agree": "on"})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.end_date == leave


def test_a_letter_is_downloaded_only_by_its_household(client, f):
    application = b.application(f.younger, rnd=f.round, clubs=f.clubs[:1], status="waitlisted")
    letter = Letter(kind="waitlist", fiscal_year=f.round.fiscal_year, household=f.household, application=application,
                    status="issued", issued_at=timezone.now(), serial=1)
    letter.file.save("letter.pdf", ContentFile(PDF), save=False)
    letter.save()
    response = client.get(reverse("family_letter_download", args=[letter.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert letter.public_id.hex[:8] in client.get(reverse("family_home")).content.decode().replace("-", "")
    client.force_login(b.family_user())
    assert client.get(reverse("family_letter_download", args=[letter.public_id])).status_code == 404


def test_the_club_list_can_be_narrowed_to_the_childs_district_keeping_chosen_clubs(client, f):
    services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    url = reverse("family_apply_choices", args=[f.round.pk])
    assert f.far_club.name in client.get(url).content.decode()
    narrowed = client.get(url, {"scope_u1": "district"}).content.decode()
    assert f.far_club.name not in narrowed and f.clubs[0].name in narrowed
    part = client.get(url, {"part": "u1", "scope_u1": "district", "u1-choice_1": str(f.far_club.pk)},
                      HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<div id="choices-u1"')
    assert re.search(rf'<option value="{f.far_club.pk}" selected>', part)  # a chosen club is never dropped
    assert "<html" not in part


def test_a_child_already_submitted_is_linked_not_offered_again(client, f):
    submitted = b.application(f.elder, rnd=f.round, clubs=f.clubs[:1], status="submitted")
    page = client.get(reverse("family_apply_start", args=[f.round.pk])).content.decode()
    assert reverse("family_application", args=[submitted.public_id]) in page
    assert f'value="{f.elder.public_id}"' not in page
    assert f'value="{f.younger.public_id}"' in page
