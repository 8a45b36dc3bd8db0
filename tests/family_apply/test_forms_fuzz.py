"""Bad input on every form of the application: no 500, nothing half-saved, and a Japanese message
on the field at fault. Hypothesis sends odd text (NUL, control characters, overlong values, full-width
digits, rare kanji) through the real views."""

import datetime
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings, strategies as st

from enrollment.models import Application, ApplicationChoice, Document, Enrollment
from enrollment.services import family_applications as services
from enrollment.services.applications import application_mark
from enrollment.models import Offer
from tests import builders as b

from .builders import PDF, family

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
FIELD_ERROR = re.compile(r'<div class="field-error" id="id_([\w-]+?)_error">(.*?)</div>', re.S)

odd_text = st.one_of(
    st.text(max_size=40).filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)),
    st.sampled_from(["", " ", "\x00", "a" * 3000, "１", "0", "-1", "99999999999999999999", "2027-04-01", "NaN",
                     "𠮷", "<script>", "../../x"]),
)


def assert_answer(response, *, saved: bool):
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        return
    html = response.content.decode()
    errors = FIELD_ERROR.findall(html)
    summary = re.search(r'class="error-summary"', html)
    assert errors or summary, "a refused form without any message"
    for name, text in errors:
        # The hidden "エラー:" prefix is Japanese on every error; the message itself must be too.
        text = re.sub(r'<span class="visually-hidden">.*?</span>', "", text)
        assert JAPANESE.search(text), f"{name}: {text!r} is not in Japanese"


@pytest.fixture
def f(client):
    fam = family()
    client.force_login(fam.user)
    return fam


@FUZZ
@given(children=st.lists(odd_text, max_size=3), mode=odd_text)
def test_start_form(client, f, children, mode):
    response = client.post(reverse("family_apply_start", args=[f.round.pk]),
                           {"children": children, "sibling_mode": mode})
    assert_answer(response, saved=False)
    assert Application.objects.count() == 0


@FUZZ
@given(values=st.lists(odd_text, min_size=6, max_size=6), use_real=st.lists(st.booleans(), min_size=5, max_size=5))
def test_choices_form(client, f, values, use_real):
    (draft,) = services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger]) \
        if not Application.objects.exists() else [Application.objects.get()]
    before = list(draft.choices.values_list("club_id", flat=True))
    data = {}
    for rank in range(1, 6):
        data[f"u1-choice_{rank}"] = str(f.clubs[rank % 3].pk) if use_real[rank - 1] else values[rank - 1]
    data["u1-requested_start"] = values[5]
    response = client.post(reverse("family_apply_choices", args=[f.round.pk]), data)
    assert_answer(response, saved=False)
    if response.status_code != 302:
        assert list(draft.choices.values_list("club_id", flat=True)) == before
    assert ApplicationChoice.objects.filter(application=draft).count() <= 5


@FUZZ
@given(weekdays=st.lists(odd_text, max_size=3), sessions=st.lists(odd_text, max_size=2))
def test_kokoa_form(client, f, weekdays, sessions):
    if not Application.objects.exists():
        services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    before = Application.objects.get().kokoa_weekdays
    response = client.post(reverse("family_apply_kokoa", args=[f.round.pk]),
                           {"k1-weekdays": weekdays, "k1-sessions": sessions})
    assert_answer(response, saved=response.status_code == 302)
    after = Application.objects.get().kokoa_weekdays
    if response.status_code == 302:
        assert after == sorted({int(day) for day in weekdays})
    else:
        assert after == before


@FUZZ
@given(kind=odd_text, guardian=odd_text, name=odd_text, content=st.one_of(st.binary(max_size=64),
                                                                           st.just(PDF)))
def test_document_form(client, f, kind, guardian, name, content):
    if not Application.objects.exists():
        services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
    before = Document.objects.count()
    # A browser cannot send a file whose name has no base name ("/", ".."): Django's parser drops
    # such parts before any form sees them, and the test client cannot even build one.
    name = name.replace("\x00", "")
    if os.path.basename(name) in {"", ".", ".."}:
        name = "x"
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(reverse("family_apply_documents", args=[f.round.pk]),
                           {"upload": "1", "kind": kind, "guardian": guardian, "file": upload})
    assert_answer(response, saved=response.status_code == 302)
    if response.status_code != 302:
        assert Document.objects.count() == before


@FUZZ
@given(key=odd_text, agree=odd_text)
def test_confirm_form(client, f, key, agree):
    if not Application.objects.exists():
        (draft,) = services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger])
        services.choices_set(actor=f.user, applications=[draft], clubs=f.clubs[:1], requested_start=f.round.start_month)
    data = {"submission_key": key}
    if agree:
        data["agree"] = agree
    response = client.post(reverse("family_apply_confirm", args=[f.round.pk]), data)
    assert_answer(response, saved=False)
    assert Application.objects.count() == 1


@FUZZ
@given(year=odd_text, month=odd_text, day=odd_text, reason=odd_text, agree=st.booleans())
def test_leave_form(client, f, year, month, day, reason, agree):
    application = Application.objects.filter(child=f.younger).first()
    if application is None:
        application = b.application(f.younger, rnd=f.round, clubs=f.clubs[:1], status="accepted")
        application_mark(application=application, transition="offer", actor=None)
        Offer.objects.create(application=application, club=f.clubs[0], respond_by=datetime.date(2030, 1, 1))
        from enrollment.services.offers import offer_accept

        offer_accept(application=application, actor=f.user)
    enrollment = Enrollment.objects.get()
    if enrollment.end_date is not None:
        Enrollment.objects.filter(pk=enrollment.pk).update(end_date=None)
    data = {"leave_date_0": year, "leave_date_1": month, "leave_date_2": day, "reason": reason}
    if agree:
        data["agree"] = "on"
    response = client.post(reverse("family_enrollment_withdraw", args=[application.public_id]), data)
    assert_answer(response, saved=response.status_code == 302)
    if response.status_code != 302:
        assert Enrollment.objects.get().end_date is None


@FUZZ
@given(reason=odd_text, agree=st.booleans())
def test_withdraw_form(client, f, reason, agree):
    application = b.application(b.child(f.household, school=f.school), rnd=f.round, clubs=f.clubs[:1],
                                status="submitted")
    data = {"reason": reason}
    if agree:
        data["agree"] = "on"
    response = client.post(reverse("family_application_withdraw", args=[application.public_id]), data)
    assert_answer(response, saved=response.status_code == 302)
    application.refresh_from_db()
    assert (application.status == "withdrawn") == (response.status_code == 302)
