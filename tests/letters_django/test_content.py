"""What a letter says, from the database: fees after reduction, reasons, positions, KoKoA."""

import datetime

import pytest

from enrollment.models import LetterTemplate, Offer
from enrollment.services import ServiceError
from enrollment.services.letters import (
    FEE_REDUCTIONS,
    LetterTemplateInvalid,
    letter_content_for,
    letter_issue_single,
    letter_template_current,
    letter_template_save_version,
    letter_templates_install_defaults,
    monthly_fee_after_reduction,
    template_from_row,
)
from tests import builders as b
from tests.letters import pdfcheck
from tests.letters_django import builders as lb

DAY = datetime.date(2027, 2, 5)


@pytest.mark.parametrize("flags, fee, label", [
    ({}, 4500, ""),
    ({"single_parent": True}, 2250, "ひとり親世帯減免（半額）"),
    ({"public_assistance": True, "single_parent": True}, 0, "生活保護世帯減免（全額免除）"),
    ({"resident_tax_exempt": True}, 0, "住民税非課税世帯減免（全額免除）"),
])
def test_it_reduces_the_monthly_fee_by_the_first_reduction_that_applies(flags, fee, label):
    household = type("Household", (), {"public_assistance": False, "resident_tax_exempt": False,
                                       "single_parent": False, **flags})()
    assert monthly_fee_after_reduction(4500, household) == (fee, label)
    assert [flag for flag, _share, _label in FEE_REDUCTIONS][0] == "public_assistance"


@pytest.mark.django_db(transaction=True)
def test_an_offer_letter_says_club_fee_deadline_and_addressee():
    fy = b.fiscal_year(2027)
    club = b.club(name="泊江本町学童クラブ", address="泊江市本町1-1", monthly_fee=5000, floor_area_m2=200)
    rnd = lb.closed_round(fy)
    h = b.household(guardians=1, single_parent=True, postal_code="2010005", address="泊江市本町2-2",
                    address_extra="コーポ泊江101")
    application = lb.accepted(rnd, [club], household=h)
    lb.commit(rnd, b.staff_user())
    content = letter_content_for(application, "offer", DAY)
    offer = Offer.objects.get(application=application)
    assert content.club.name == "泊江本町学童クラブ" and content.club.address == "泊江市本町1-1"
    assert (content.monthly_fee, content.fee_reduction_label) == (2500, "ひとり親世帯減免（半額）")
    assert content.acceptance_deadline == offer.respond_by == lb.COMMIT_DAY + datetime.timedelta(days=14)
    assert content.addressee.address_lines == ("泊江市本町2-2", "コーポ泊江101")
    assert content.addressee.name == "泊江 花子" and content.child.grade == 1
    assert content.start_date == rnd.start_month


@pytest.mark.django_db(transaction=True)
def test_a_hold_letter_gives_the_reason_the_position_and_the_hold_period():
    fy = b.fiscal_year(2027)
    club = b.club(name="泊江第二学童クラブ", floor_area_m2=3)  # one place
    rnd = lb.closed_round(fy)
    lb.accepted(rnd, [club])
    waiting = lb.accepted(rnd, [club], birth_date=datetime.date(2018, 5, 1))  # grade 3: fewer points
    lb.commit(rnd, b.staff_user())
    content = letter_content_for(waiting, "waitlist", DAY)
    assert content.waitlist_position == 1
    assert content.hold_period_end == datetime.date(2028, 3, 31)
    assert content.reason.startswith("泊江第二学童クラブは、利用調整指数")
    assert "点以上の児童で定員に達しました" in content.reason


@pytest.mark.django_db(transaction=True)
def test_a_hold_letter_leaves_out_the_position_when_the_round_does_not_publish_it():
    fy = b.fiscal_year(2027)
    club = b.club(floor_area_m2=3)
    rnd = b.round_(fy, status="closed", publishes_waitlist_position=False)
    lb.accepted(rnd, [club])
    waiting = lb.accepted(rnd, [club], birth_date=datetime.date(2018, 5, 1))
    lb.commit(rnd, b.staff_user())
    assert letter_content_for(waiting, "waitlist", DAY).waitlist_position is None


@pytest.mark.django_db(transaction=True)
def test_a_kokoa_letter_lists_weekdays_and_sessions_granted_or_not():
    fy = b.fiscal_year(2027)
    child = b.child()
    registration = lb.kokoa_registration(child, fy, weekdays=[4, 0, 2], granted=["夏休み工作教室"],
                                         not_granted=["科学実験教室"])
    staff = b.staff_user()
    letter = letter_issue_single(actor=staff, kokoa_registration=registration, today=DAY)
    text = pdfcheck.compact(letter.file.open("rb").read())
    assert "登録確認書" in text and "月・水・金" in text
    assert "令和9年7月24日夏休み工作教室" in text and "科学実験教室" in text
    assert letter.document_number == "9泊児育第0001号"


@pytest.mark.django_db
def test_it_installs_the_shipped_wording_once_per_year():
    fy = b.fiscal_year(2028)
    assert len(letter_templates_install_defaults(fiscal_year=fy)) == 5
    assert letter_templates_install_defaults(fiscal_year=fy) == []
    row = letter_template_current(fiscal_year=fy, kind="offer")
    assert row.version == 1 and template_from_row(row).fiscal_year == 2028


@pytest.mark.django_db
def test_a_wording_edit_is_checked_then_saved_as_a_new_version():
    fy = b.fiscal_year(2027)
    staff = b.staff_user()
    data = dict(letter_template_current(fiscal_year=fy, kind="refusal").data)
    bad = {**data, "title": "{oops"}
    with pytest.raises(LetterTemplateInvalid) as refused:
        letter_template_save_version(fiscal_year=fy, kind="refusal", data=bad, actor=staff)
    assert any("括弧" in message for message in refused.value.errors)
    row = letter_template_save_version(fiscal_year=fy, kind="refusal", data={**data, "title": "不承認のお知らせ"},
                                       actor=staff)
    assert row.version == 2 and row.data["title"] == "不承認のお知らせ"
    assert LetterTemplate.objects.get(fiscal_year=fy, kind="refusal", version=1).data["title"] == data["title"]
    with pytest.raises(ServiceError):
        letter_template_save_version(fiscal_year=fy, kind="refusal", data=data, actor=b.staff_user(read_only=True))
