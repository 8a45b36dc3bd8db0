"""Letter pages: who sees which letter, staff mailings and wording, reissue through the page."""

import json

import pytest
from django.urls import reverse

from enrollment.models import AuditEvent, Letter, LetterBatch, LetterTemplate
from tests import builders as b
from tests.letters import pdfcheck
from tests.letters_django import builders as lb

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def issued():
    fy = b.fiscal_year(2027)
    club = b.club(floor_area_m2=200)
    rnd = lb.closed_round(fy)
    staff = b.staff_user()
    lb.accepted(rnd, [club])
    run = lb.commit(rnd, staff)
    return Letter.objects.get(run=run), staff


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_family_downloads_its_own_letter(client, issued):
    letter, _ = issued
    client.force_login(b.family_user(letter.household))
    response = client.get(reverse("family_letter_download", args=[letter.public_id]))
    assert response.status_code == 200
    assert "学童クラブ入所承諾通知書" in pdfcheck.compact(_body(response))


def test_another_family_gets_404_for_a_letter_not_theirs(client, issued):
    letter, _ = issued
    client.force_login(b.family_user())
    assert client.get(reverse("family_letter_download", args=[letter.public_id])).status_code == 404


def test_a_family_never_sees_a_flagged_letter(client, issued):
    letter, _ = issued
    Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.FLAGGED)
    client.force_login(b.family_user(letter.household))
    assert client.get(reverse("family_letter_download", args=[letter.public_id])).status_code == 404


@pytest.mark.parametrize("name", ["staff_letter_pdf", "staff_letter_detail"])
def test_operators_get_404_for_any_letter(client, issued, name):
    letter, _ = issued
    client.force_login(b.operator_user())
    assert client.get(reverse(name, args=[letter.public_id])).status_code == 404
    assert client.get(reverse("family_letter_download", args=[letter.public_id])).status_code == 404
    assert client.get(reverse("staff_letters")).status_code == 404


def test_staff_open_any_letter_and_the_read_is_audited(client, issued):
    letter, _ = issued
    reader = b.staff_user(read_only=True)
    client.force_login(reader)
    response = client.get(reverse("staff_letter_pdf", args=[letter.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert _body(response) == letter.file.open("rb").read()
    assert AuditEvent.objects.filter(actor_id=reader.pk, action="letter.read", object_id=str(letter.pk)).exists()


def test_the_run_page_shows_the_mailing_and_its_htmx_partial_only_the_batches(client, issued):
    letter, staff = issued
    client.force_login(staff)
    url = reverse("staff_letter_run", args=[letter.run.public_id])
    page = client.get(url).content.decode()
    batch = LetterBatch.objects.get(run=letter.run)
    assert reverse("staff_letter_batch_pdf", args=[batch.public_id]) in page
    assert letter.document_number in page
    partial = client.get(url, headers={"HX-Request": "true", "HX-Target": "batches"}).content.decode()
    assert partial.lstrip().startswith('<div id="batches"') and letter.document_number not in partial
    assert 'hx-trigger="every 2s"' not in partial  # done: polling stops

    LetterBatch.objects.filter(pk=batch.pk).update(status=LetterBatch.Status.RUNNING, progress=40)
    running = client.get(url, headers={"HX-Request": "true", "HX-Target": "batches"}).content.decode()
    assert 'hx-trigger="every 2s"' in running and 'value="40"' in running


def test_the_mailing_downloads_as_one_pdf(client, issued):
    letter, staff = issued
    client.force_login(staff)
    batch = LetterBatch.objects.get(run=letter.run)
    response = client.get(reverse("staff_letter_batch_pdf", args=[batch.public_id]))
    assert letter.document_number in pdfcheck.compact(_body(response))


def test_staff_reissue_through_the_page_with_a_reason(client, issued):
    letter, staff = issued
    client.force_login(staff)
    url = reverse("staff_letter_reissue", args=[letter.public_id])
    refused = client.post(url, {"reason": "   "})
    assert refused.status_code == 400 and Letter.objects.count() == 1
    response = client.post(url, {"reason": "住所の訂正"})
    new = Letter.objects.get(supersedes=letter)
    assert response.status_code == 302 and response["Location"] == reverse("staff_letter_detail", args=[new.public_id])
    assert new.reissue_reason == "住所の訂正"


def test_read_only_staff_cannot_reissue(client, issued):
    letter, _ = issued
    client.force_login(b.staff_user(read_only=True))
    assert client.post(reverse("staff_letter_reissue", args=[letter.public_id]), {"reason": "x"}).status_code == 403


def test_a_bad_wording_edit_is_refused_with_precise_messages(client, issued):
    letter, staff = issued
    client.force_login(staff)
    url = reverse("staff_letter_template_edit", args=[2027, "waitlist"])
    data = json.loads(client.get(url).context["form"].initial["data"])
    data["blocks"] = [block for block in data["blocks"] if block["type"] != "appeal"]
    data["title"] = "{child_nickname}の通知"
    response = client.post(url, {"data": json.dumps(data, ensure_ascii=False)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "不明な差し込み項目 {child_nickname}（表題）" in page
    assert "教示" in page
    assert LetterTemplate.objects.filter(fiscal_year__year=2027, kind="waitlist").count() == 1


def test_a_good_wording_edit_is_a_new_version_and_previews_on_sample_data(client, issued):
    letter, staff = issued
    client.force_login(staff)
    url = reverse("staff_letter_template_edit", args=[2027, "offer"])
    data = json.loads(client.get(url).context["form"].initial["data"])
    data["title"] = "{fiscal_year_label}　学童クラブ入所承諾のお知らせ"
    assert client.post(url, {"data": json.dumps(data, ensure_ascii=False)}).status_code == 302
    versions = LetterTemplate.objects.filter(fiscal_year__year=2027, kind="offer").order_by("version")
    assert [v.version for v in versions] == [1, 2]
    preview = client.get(reverse("staff_letter_template_preview", args=[2027, "offer"]) + "?version=2")
    assert "学童クラブ入所承諾のお知らせ" in pdfcheck.compact(preview.content)
    old = client.get(reverse("staff_letter_template_preview", args=[2027, "offer"]) + "?version=1")
    assert "学童クラブ入所承諾通知書" in pdfcheck.compact(old.content)
    letter.refresh_from_db()
    assert letter.template.version == 1  # the issued letter keeps the version it was printed with


def test_read_only_staff_see_the_wording_but_cannot_save_it(client, issued):
    client.force_login(b.staff_user(read_only=True))
    url = reverse("staff_letter_template_edit", args=[2027, "offer"])
    page = client.get(url)
    assert page.status_code == 200 and "{child_full_name}" in page.content.decode()
    assert client.post(url, {"data": "{}"}).status_code == 403
