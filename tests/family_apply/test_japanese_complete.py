"""Japanese is the default language and must be complete: no English sentence on any family page."""

import datetime
import html
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Offer, Round
from enrollment.services import family_applications as services
from enrollment.services.applications import application_mark, application_return
from tests import builders as b

from .builders import family, upload

pytestmark = pytest.mark.django_db
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,.'’-]+[A-Za-z]{2,}){2,}")


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|head)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<[^>]*lang="en"[^>]*>.*?</[^>]+>', " ", page, flags=re.S)  # the language switch
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def assert_japanese_only(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    text = visible_text(response.content.decode())
    english = [run for run in ENGLISH_RUN.findall(text) if "@" not in run]
    assert english == [], f"{url}: English left on the page: {english}"


def test_every_family_page_is_in_japanese(client):
    f = family()
    client.force_login(f.user)
    drafts = services.application_draft_create(actor=f.user, round_=f.round, children=[f.younger, f.elder],
                                               sibling_mode="together")
    services.choices_set(actor=f.user, applications=drafts, clubs=f.clubs[:2], requested_start=f.round.start_month)
    services.document_upload(actor=f.user, applications=drafts, kind="employment",
                             guardian=f.household.guardians.first(), uploaded=upload())
    for name in ("family_home", ):
        assert_japanese_only(client, reverse(name))
    for name in ("family_apply_start", "family_apply_choices", "family_apply_kokoa", "family_apply_documents",
                 "family_apply_confirm"):
        assert_japanese_only(client, reverse(name, args=[f.round.pk]))
    submitted = services.applications_submit(actor=f.user, household=f.household, round_=f.round,
                                             submission_key=uuid.uuid4())
    session = client.session
    session["family_receipt"] = [str(a.public_id) for a in submitted]
    session.save()
    assert_japanese_only(client, reverse("family_apply_receipt", args=[f.round.pk]))
    returned = application_return(application=submitted[0], actor=b.staff_user(), comment="書類を確認してください。")
    assert_japanese_only(client, reverse("family_application", args=[returned.public_id]))
    offered = submitted[1]
    offered.status = "accepted"
    offered.save()
    application_mark(application=offered, transition="offer", actor=None)
    Offer.objects.create(application=offered, club=f.clubs[0],
                         respond_by=timezone.localdate() + datetime.timedelta(days=5))
    # Families see an offer only once staff have published the round's results.
    Round.objects.filter(pk=f.round.pk).update(publish_at=timezone.now())
    for name in ("family_application", "family_offer_accept", "family_offer_decline"):
        assert_japanese_only(client, reverse(name, args=[offered.public_id]))
    assert_japanese_only(client, reverse("family_application_withdraw", args=[returned.public_id]))
    assert_japanese_only(client, reverse("family_home"))
