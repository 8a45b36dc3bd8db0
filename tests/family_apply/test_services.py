"""The family's application services: drafts, choices, siblings, KoKoA, documents, submission."""

import datetime
import uuid

import pytest
from django.core import mail

from enrollment.models import Application, Document, KokoaProgramme, KokoaSession, Round
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services import family_applications as services
from enrollment.services.applications import application_return
from tests import builders as b

from .builders import HTML, PDF, family, upload

pytestmark = pytest.mark.django_db


def _drafts(f, mode="together"):
    return services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger, f.elder],
                                             sibling_mode=mode)


def test_it_creates_one_draft_per_child_with_a_sibling_group():
    f = family()
    drafts = _drafts(f)
    assert {a.child_id for a in drafts} == {f.younger.pk, f.elder.pk}
    assert all(a.status == Application.Status.DRAFT for a in drafts)
    assert drafts[0].sibling_group_id == drafts[1].sibling_group_id is not None
    assert drafts[0].sibling_group.mode == "together"


def test_it_resumes_the_same_drafts_instead_of_creating_more():
    f = family()
    first = _drafts(f)
    again = _drafts(f, mode="prefer")
    assert sorted(a.pk for a in first) == sorted(a.pk for a in again)
    assert Application.objects.count() == 2
    assert again[0].sibling_group.mode == "prefer"


def test_it_deletes_the_draft_of_a_child_no_longer_chosen():
    f = family()
    _drafts(f)
    services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    assert list(Application.objects.values_list("child_id", flat=True)) == [f.younger.pk]
    assert Application.objects.get().sibling_group is None


def test_it_requires_a_sibling_mode_for_two_children():
    f = family()
    with pytest.raises(ServiceError) as refused:
        services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger, f.elder])
    assert refused.value.code == "sibling_mode"
    assert not Application.objects.exists()


def test_it_refuses_another_households_child():
    f = family()
    stranger = b.child()
    with pytest.raises(PermissionDenied):
        services.application_draft_create(actor=f.user, round_=f.round, children=[stranger])


def test_it_refuses_a_closed_round():
    f = family(status=Round.Status.CLOSED)
    with pytest.raises(ServiceError) as refused:
        services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    assert refused.value.code == "round_closed"


def test_it_saves_ranked_choices_and_the_start_month_for_a_together_group():
    f = family()
    drafts = _drafts(f)
    start = datetime.date(2027, 5, 1)
    services.choices_set(actor=f.user, applications=drafts, clubs=[f.clubs[1], f.clubs[0]], requested_start=start)
    for application in drafts:
        application.refresh_from_db()
        assert list(application.choices.order_by("rank").values_list("club_id", flat=True)) == [f.clubs[1].pk,
                                                                                               f.clubs[0].pk]
        assert application.requested_start == start


@pytest.mark.parametrize("problem", ["six", "duplicate", "grade", "start"])
def test_it_refuses_bad_choices_and_keeps_the_previous_ones(problem):
    f = family()
    (draft,) = services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    services.choices_set(actor=f.user, applications=[draft], clubs=[f.clubs[0]], requested_start=f.round.start_month)
    clubs, start = [f.clubs[1]], f.round.start_month
    if problem == "six":
        clubs = [b.club(school=f.school) for _ in range(6)]
    elif problem == "duplicate":
        clubs = [f.clubs[1], f.clubs[1]]
    elif problem == "grade":
        clubs = [b.club(school=f.school, grade_min=4)]
    else:
        start = datetime.date(2027, 4, 15)
    with pytest.raises(ServiceError):
        services.choices_set(actor=f.user, applications=[draft], clubs=clubs, requested_start=start)
    assert list(draft.choices.values_list("club_id", flat=True)) == [f.clubs[0].pk]


def test_it_lists_the_childs_district_first():
    f = family()
    clubs = services.clubs_for([f.younger], f.round)
    assert clubs.index(f.far_club) > max(clubs.index(c) for c in f.clubs)


def test_it_saves_kokoa_weekdays_and_session_requests():
    f = family()
    (draft,) = services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    programme = KokoaProgramme.objects.create(school=f.school, fiscal_year=f.round.fiscal_year,
                                              operator=b.operator(), name="KoKoA")
    special = KokoaSession.objects.create(programme=programme, kind="special", title="夏休み工作",
                                          date=datetime.date(2027, 7, 25), starts_at=datetime.time(10),
                                          ends_at=datetime.time(12), capacity=20)
    registration = services.kokoa_request_save(actor=f.user, application=draft, weekdays=["0", "2"],
                                               sessions=[special])
    assert registration.weekdays == [0, 2]
    assert list(registration.session_requests.values_list("session_id", flat=True)) == [special.pk]
    services.kokoa_request_save(actor=f.user, application=draft, weekdays=[], sessions=[])
    registration.refresh_from_db()
    assert not registration.active
    assert not registration.session_requests.exists()


def test_it_stores_one_checked_file_for_every_application_of_the_set(settings):
    f = family()
    drafts = _drafts(f)
    guardian = f.household.guardians.first()
    documents = services.document_upload(actor=f.user, applications=drafts, kind="employment", guardian=guardian,
                                         uploaded=upload(PDF, "../../shūrō.pdf"))
    assert len(documents) == 2
    assert documents[0].file.name == documents[1].file.name
    assert documents[0].original_name == "shūrō.pdf"
    assert ".." not in documents[0].file.name and "shūrō" not in documents[0].file.name
    assert documents[0].content_type == "application/pdf"
    with documents[0].file.open("rb") as handle:
        assert handle.read() == PDF


def test_it_refuses_html_named_pdf_and_saves_nothing(settings):
    f = family()
    drafts = _drafts(f)
    with pytest.raises(ServiceError) as refused:
        services.document_upload(actor=f.user, applications=drafts, kind="employment", guardian=None,
                                 uploaded=upload(HTML, "certificate.pdf"))
    assert refused.value.code == "wrong_type"
    assert not Document.objects.exists()
    assert not any((settings.MEDIA_ROOT / "documents").rglob("*")) if (settings.MEDIA_ROOT / "documents").exists() else True


def test_it_removes_a_document_with_its_copies_and_the_file(on_commit):
    f = family()
    drafts = _drafts(f)
    documents = services.document_upload(actor=f.user, applications=drafts, kind="employment", guardian=None,
                                         uploaded=upload())
    storage, name = documents[0].file.storage, documents[0].file.name
    with on_commit():
        assert services.document_remove(actor=f.user, document=documents[0]) == 2
    assert not Document.objects.exists()
    assert not storage.exists(name)


def _ready(f, mode="together"):
    drafts = _drafts(f, mode)
    services.choices_set(actor=f.user, applications=drafts, clubs=f.clubs[:2], requested_start=f.round.start_month)
    return drafts


def test_it_submits_the_set_gives_receipt_numbers_and_mails_them(on_commit):
    f = family()
    _ready(f)
    with on_commit():
        submitted = services.applications_submit(actor=f.user, household=f.household, round_=f.round,
                                                 submission_key=uuid.uuid4())
    assert {a.status for a in submitted} == {"submitted"}
    numbers = [a.receipt_number for a in submitted]
    assert all(numbers) and len(set(numbers)) == 2
    assert len(mail.outbox) == 1
    assert all(number in mail.outbox[0].body for number in numbers)
    assert "受付番号" in mail.outbox[0].body


def test_a_repeated_submit_with_the_same_key_creates_nothing_and_mails_once(on_commit):
    f = family()
    _ready(f)
    key = uuid.uuid4()
    with on_commit():
        first = services.applications_submit(actor=f.user, household=f.household, round_=f.round, submission_key=key)
    with on_commit():
        again = services.applications_submit(actor=f.user, household=f.household, round_=f.round, submission_key=key)
    assert sorted(a.pk for a in first) == sorted(a.pk for a in again)
    assert Application.objects.count() == 2
    assert len(mail.outbox) == 1


def test_a_together_group_with_different_lists_cannot_be_submitted():
    f = family()
    drafts = _ready(f)
    services.choices_set(actor=f.user, applications=[drafts[0]], clubs=[f.clubs[2]],
                         requested_start=f.round.start_month)
    with pytest.raises(ServiceError) as refused:
        services.applications_submit(actor=f.user, household=f.household, round_=f.round, submission_key=uuid.uuid4())
    assert refused.value.code == "together"
    assert set(Application.objects.values_list("status", flat=True)) == {"draft"}


def test_a_returned_application_is_corrected_and_resubmitted_with_its_receipt_number():
    f = family()
    _ready(f, "prefer")
    submitted = services.applications_submit(actor=f.user, household=f.household, round_=f.round,
                                             submission_key=uuid.uuid4())
    target = submitted[0]
    application_return(application=target, actor=b.staff_user(), comment="就労証明書の日付を確認してください。")
    assert [a.pk for a in services.application_set(f.household, f.round)] == [target.pk]
    services.choices_set(actor=f.user, applications=[target], clubs=[f.clubs[2]], requested_start=f.round.start_month)
    again = services.applications_submit(actor=f.user, household=f.household, round_=f.round,
                                         submission_key=uuid.uuid4())
    resubmitted = next(a for a in again if a.pk == target.pk)
    assert resubmitted.status == "submitted"
    assert resubmitted.receipt_number == target.receipt_number


def test_change_choices_copies_the_clubs_into_a_draft_of_the_open_monthly_round():
    f = family()
    old = b.application(f.younger, rnd=f.round, clubs=f.clubs[:2], status="waitlisted")
    monthly = b.round_(f.round.fiscal_year, kind=Round.Kind.MONTHLY, name="6月", start_month=datetime.date(2027, 6, 1))
    draft = services.application_change_choices(actor=f.user, application=old)
    assert draft.round == monthly and draft.status == "draft"
    assert list(draft.choices.order_by("rank").values_list("club_id", flat=True)) == [c.pk for c in f.clubs[:2]]
    assert services.application_change_choices(actor=f.user, application=old) == draft


def test_change_choices_needs_an_open_monthly_round():
    f = family()
    old = b.application(f.younger, rnd=f.round, clubs=f.clubs[:1], status="waitlisted")
    with pytest.raises(ServiceError) as refused:
        services.application_change_choices(actor=f.user, application=old)
    assert refused.value.code == "no_monthly_round"


def test_required_documents_follow_each_guardians_situation():
    f = family()
    second = f.household.guardians.get(order=2)
    second.reason = "illness"
    second.illness_level = "outpatient_3plus"
    second.save()
    kinds = [(g.order, kind) for g, kind in services.required_documents(f.household)]
    assert kinds == [(1, "employment"), (2, "medical")]
