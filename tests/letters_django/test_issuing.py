"""Issuing a committed run's letters: numbered, stored with their SHA-256, read back correct."""

import datetime
import hashlib
import io

import pypdf
import pytest
from django.db import transaction

from enrollment.models import Application, Letter, LetterBatch
from enrollment.services import ServiceError
from enrollment.services.letters import letter_batch_create, letter_issue_single, letter_reissue, queue_run_letters
from tests import builders as b
from tests.letters import pdfcheck
from tests.letters_django import builders as lb

pytestmark = pytest.mark.django_db(transaction=True)

GRADE_3 = datetime.date(2018, 5, 1)  # grade 3 in fiscal 2027: fewer points than a grade-1 child


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


@pytest.fixture
def city():
    fy = b.fiscal_year(2027)
    club = b.club(name="泊江第一学童クラブ", floor_area_m2=3, care_units=1)  # one place
    return fy, club, lb.closed_round(fy), b.staff_user()


def test_it_issues_an_offer_a_hold_and_a_refusal_after_the_commit(city):
    fy, club, rnd, staff = city
    offered = lb.accepted(rnd, [club], household=b.household(postal_code="201-0003"), given_name="一郎")
    waiting = lb.accepted(rnd, [club], household=b.household(postal_code="201-0001"), given_name="次郎",
                          birth_date=GRADE_3)
    refused = lb.accepted(rnd, [club], household=b.household(guardians=1, arrears_months=4,
                                                             postal_code="201-0002"), given_name="三郎")
    run = lb.commit(rnd, staff)

    letters = {letter.application_id: letter for letter in Letter.objects.filter(run=run)}
    assert {letters[offered.pk].kind, letters[waiting.pk].kind, letters[refused.pk].kind} == {
        "offer", "waitlist", "refusal"}
    assert all(letter.status == Letter.Status.ISSUED for letter in letters.values())
    serials = sorted(letter.serial for letter in letters.values())
    assert serials == [1, 2, 3]

    offer_pdf = _read(letters[offered.pk].file)
    assert hashlib.sha256(offer_pdf).hexdigest() == letters[offered.pk].sha256
    text = pdfcheck.compact(offer_pdf)
    assert "学童クラブ入所承諾通知書" in text
    assert letters[offered.pk].document_number in text
    assert "泊江一郎" in text and "泊江第一学童クラブ" in text and "4,500円" in text
    assert all(font.embedded for font in pdfcheck.fonts(offer_pdf))

    hold = pdfcheck.compact(_read(letters[waiting.pk].file))
    assert "入所保留通知書" in hold and "審査請求" in hold
    assert "定員に達しました" in hold and "1番" in hold  # the reason in plain words, the position

    refusal = pdfcheck.compact(_read(letters[refused.pk].file))
    assert "入所不承認通知書" in refusal and "取消しの訴え" in refusal and "滞納" in refusal

    batch = LetterBatch.objects.get(run=run)
    assert (batch.status, batch.progress, batch.total) == (LetterBatch.Status.DONE, 100, 3)
    mailing = _read(batch.file)
    assert hashlib.sha256(mailing).hexdigest() == batch.sha256
    assert pdfcheck.page_count(mailing) >= 3


def test_it_puts_the_mailing_in_postal_code_order(city):
    fy, club, rnd, staff = city
    club.floor_area_m2 = 200
    club.care_units = 3
    club.save()
    for postal, name in [("201-0016", "丙"), ("2010004", "甲"), ("201-0009", "乙")]:
        lb.accepted(rnd, [club], household=b.household(postal_code=postal), given_name=name)
    run = lb.commit(rnd, staff)

    reader = pypdf.PdfReader(io.BytesIO(_read(LetterBatch.objects.get(run=run).file)))
    firsts = [page.extract_text() for page in reader.pages]
    positions = [next(i for i, t in enumerate(firsts) if f"201-{code}" in t) for code in ("0004", "0009", "0016")]
    assert positions == sorted(positions)


def test_it_prints_hostile_names_literally(city):
    fy, club, rnd, staff = city
    h = b.household(address="<a href=\"https://evil.example\">泊江市中央</a>")
    lb.accepted(rnd, [club], household=h, family_name="<b>", given_name="太郎&amp;<img src=x/>")
    run = lb.commit(rnd, staff)

    pdf = _read(Letter.objects.get(run=run).file)
    text = pdfcheck.compact(pdf)
    assert "<b>太郎&amp;<img" in text
    assert '<ahref="https://evil.example">' in text
    assert pdfcheck.annotations_and_images(pdf) == (0, 0)


def test_it_flags_a_letter_no_font_can_print_and_gives_it_no_number(city):
    fy, club, rnd, staff = city
    club.floor_area_m2 = 200
    club.save()
    unprintable = lb.accepted(rnd, [club], given_name="\U000f0001太郎")  # a private-use character
    fine = lb.accepted(rnd, [club], given_name="花子")
    run = lb.commit(rnd, staff)

    flagged = Letter.objects.get(application=unprintable)
    assert flagged.status == Letter.Status.FLAGGED
    assert "U+F0001" in flagged.flag_reason
    assert not flagged.file and flagged.serial is None and flagged.document_number == ""
    assert Letter.objects.get(application=fine).serial == 1
    assert LetterBatch.objects.get(run=run).total == 1


def test_it_issues_rare_kanji_through_the_fallback_font(city):
    fy, club, rnd, staff = city
    lb.accepted(rnd, [club], family_name="𠮷田", given_name="𩸽")
    run = lb.commit(rnd, staff)

    letter = Letter.objects.get(run=run)
    assert letter.status == Letter.Status.ISSUED
    assert "𠮷田𩸽" in pdfcheck.compact(_read(letter.file))


def test_a_reissue_is_a_new_version_and_leaves_the_issued_letter_unchanged(city):
    fy, club, rnd, staff = city
    application = lb.accepted(rnd, [club], household=b.household(address="泊江市中央1-2-3"))
    run = lb.commit(rnd, staff)
    original = Letter.objects.get(run=run)
    original_bytes, original_sha = _read(original.file), original.sha256

    household = application.child.household
    household.address = "泊江市元和泉2-35-1"
    household.save()
    new = letter_reissue(letter=original, reason="転居により住所を訂正", actor=staff)

    original.refresh_from_db()
    assert (_read(original.file), original.sha256, original.status) == (original_bytes, original_sha,
                                                                       Letter.Status.ISSUED)
    assert "泊江市中央1-2-3" in pdfcheck.compact(original_bytes)
    assert (new.version, new.supersedes_id, new.reissue_reason) == (2, original.pk, "転居により住所を訂正")
    assert new.serial == original.serial + 1 and new.file.name != original.file.name
    assert "泊江市元和泉2-35-1" in pdfcheck.compact(_read(new.file))
    with pytest.raises(ServiceError):
        letter_reissue(letter=original, reason="もう一度", actor=staff)
    with pytest.raises(ServiceError):
        letter_reissue(letter=new, reason="  ", actor=staff)


def test_it_queues_no_letters_when_the_commit_fails(city):
    fy, club, rnd, staff = city
    lb.accepted(rnd, [club])
    from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start

    run = allocation_run_start(round_=rnd, actor=staff, ties="lottery_first", seed=1, enqueue=False)
    allocation_run_execute(run_id=run.pk, time_limit=30)
    run.refresh_from_db()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            allocation_run_commit(run=run, actor=staff, today=lb.COMMIT_DAY)
            raise RuntimeError("the database went away before the commit")
    assert not Letter.objects.exists() and not LetterBatch.objects.exists()


def test_it_queues_letters_only_once_the_commit_is_durable(city):
    fy, club, rnd, staff = city
    lb.accepted(rnd, [club])
    from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start

    run = allocation_run_start(round_=rnd, actor=staff, ties="lottery_first", seed=1, enqueue=False)
    allocation_run_execute(run_id=run.pk, time_limit=30)
    run.refresh_from_db()
    with transaction.atomic():
        allocation_run_commit(run=run, actor=staff, today=lb.COMMIT_DAY)
        assert not Letter.objects.exists()
    assert Letter.objects.filter(run=run, status=Letter.Status.ISSUED).count() == 1


def test_a_second_mailing_in_another_order_reuses_the_issued_letters(city):
    fy, club, rnd, staff = city
    lb.accepted(rnd, [club])
    run = lb.commit(rnd, staff)
    letter = Letter.objects.get(run=run)
    sha, serial = letter.sha256, letter.serial

    batch = letter_batch_create(run=run, order=LetterBatch.Order.SCHOOL_CLUB, actor=staff)
    batch.refresh_from_db()
    letter.refresh_from_db()
    assert batch.status == LetterBatch.Status.DONE and batch.total == 1
    assert (letter.sha256, letter.serial) == (sha, serial)
    assert Letter.objects.count() == 1
    assert letter.document_number in pdfcheck.compact(_read(batch.file))
    assert queue_run_letters(run_id=run.pk) is None  # the commit's letters are queued once


def test_a_decision_letter_follows_an_accepted_offer(city):
    fy, club, rnd, staff = city
    application = lb.accepted(rnd, [club])
    lb.commit(rnd, staff)
    application.refresh_from_db()
    with pytest.raises(ServiceError):  # the offer is not yet accepted
        letter_issue_single(actor=staff, kind="decision", application=application)

    from enrollment.services.offers import offer_accept

    family = b.family_user(application.child.household)
    offer_accept(application=application, actor=family, today=lb.COMMIT_DAY)
    application.refresh_from_db()
    letter = letter_issue_single(actor=staff, kind="decision", application=application)
    assert letter.status == Letter.Status.ISSUED and letter.run_id is None
    assert "入所決定通知書" in pdfcheck.compact(_read(letter.file))
    assert application.status == Application.Status.DECIDED


def test_read_only_staff_cannot_issue_or_reissue(city):
    fy, club, rnd, staff = city
    lb.accepted(rnd, [club])
    run = lb.commit(rnd, staff)
    reader = b.staff_user(read_only=True)
    with pytest.raises(ServiceError):
        letter_reissue(letter=Letter.objects.get(run=run), reason="訂正", actor=reader)
    with pytest.raises(ServiceError):
        letter_batch_create(run=run, order=LetterBatch.Order.POSTAL_CODE, actor=reader)


def test_a_letter_whose_address_cannot_fit_the_window_is_flagged_and_keeps_its_number(city):
    fy, club, rnd, staff = city
    club.floor_area_m2 = 200
    club.save()
    first = lb.accepted(rnd, [club], household=b.household(postal_code="201-0001"))
    too_long = b.household(postal_code="201-0002", address="泊江市" + "長い町名" * 49,
                           address_extra="建物" * 50)
    overflowing = lb.accepted(rnd, [club], household=too_long)
    last = lb.accepted(rnd, [club], household=b.household(postal_code="201-0003"))
    run = lb.commit(rnd, staff)

    flagged = Letter.objects.get(application=overflowing)
    assert flagged.status == Letter.Status.FLAGGED and "窓" in flagged.flag_reason
    assert [Letter.objects.get(application=a).serial for a in (first, overflowing, last)] == [1, 2, 3]
    assert Letter.objects.get(application=last).status == Letter.Status.ISSUED
    batch = LetterBatch.objects.get(run=run)
    assert batch.status == LetterBatch.Status.DONE and batch.total == 2
    assert flagged.document_number not in pdfcheck.compact(_read(batch.file))

    too_long.address, too_long.address_extra = "泊江市中央2-2-2", ""
    too_long.save()
    issued = letter_issue_single(actor=staff, letter=flagged)
    assert (issued.pk, issued.status, issued.serial) == (flagged.pk, Letter.Status.ISSUED, 2)
    assert flagged.document_number in pdfcheck.compact(_read(issued.file))
