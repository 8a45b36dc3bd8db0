"""The household, guardians and children pages: own household only, rules-checked guardians."""

import datetime

import pytest
from django.urls import reverse

from enrollment.models import Child, Guardian, Household, User
from tests import builders as b

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}

HOUSEHOLD = {"postal_code": "２０１－０００１", "address": "泊江市中央1-2-3", "phone": "０３１２３４５６７８"}
WORKING = {"family_name": "泊江", "given_name": "花子", "family_kana": "とまえ", "given_kana": "ﾊﾅｺ",
           "reason": "work", "days_per_month": "20", "hours_per_day": "7.5", "afternoon_hours": "4"}


def child_data(school, **extra):
    data = {"family_name": "𠮷田", "given_name": "葛\U000E0100飾", "family_kana": "よしだ",
            "given_kana": "かつしか", "birth_date_0": "2020", "birth_date_1": "5", "birth_date_2": "1",
            "school": school.code}
    data.update(extra)
    return data


@pytest.fixture
def newcomer(client):
    user = User.objects.create_user("new@example.jp", "a-long-password-1", role=User.Role.FAMILY)
    client.force_login(user)
    return user


@pytest.fixture
def family(client):
    user = b.family_user(b.household(guardians=1))
    client.force_login(user)
    return user


# --- household ----------------------------------------------------------------------------------

def test_it_creates_the_household_on_the_first_save_and_attaches_it(client, newcomer):
    assert "住所を入力" in client.get(reverse("family_household")).content.decode()
    response = client.post(reverse("family_household_edit"), {**HOUSEHOLD, "income_tax_previous": "１２３４５"})
    assert response.status_code == 302
    newcomer.refresh_from_db()
    household = newcomer.household
    assert household.postal_code == "201-0001" and household.phone == "0312345678"
    assert household.income_tax_previous == 12345


def test_it_explains_why_income_tax_is_asked(client, newcomer):
    assert "同点" in client.get(reverse("family_household_edit")).content.decode()


def test_it_shows_errors_on_the_field_at_fault_and_saves_nothing(client, newcomer):
    response = client.post(reverse("family_household_edit"), {**HOUSEHOLD, "postal_code": "12"})
    html = response.content.decode()
    assert 'id="id_postal_code_error"' in html and 'href="#id_postal_code"' in html
    assert not Household.objects.exists()


def test_it_refuses_single_parent_with_two_guardians(client):
    user = b.family_user(b.household(guardians=2))
    client.force_login(user)
    response = client.post(reverse("family_household_edit"), {**HOUSEHOLD, "single_parent": "on"})
    assert 'id="id_single_parent_error"' in response.content.decode()
    assert not Household.objects.get().single_parent


# --- guardians ----------------------------------------------------------------------------------

def test_it_adds_a_guardian_with_readings_in_katakana(client, family):
    response = client.post(reverse("family_guardian_add"), WORKING)
    assert response.status_code == 302
    guardian = family.household.guardians.get(order=2)
    assert (guardian.family_kana, guardian.given_kana) == ("トマエ", "ハナコ")
    assert guardian.hours_per_day == pytest.approx(7.5)


def test_it_checks_a_guardian_with_the_rules_and_marks_the_fields_at_fault(client, family):
    data = {**WORKING, "days_per_month": "", "afternoon_hours": ""}
    response = client.post(reverse("family_guardian_add"), data)
    html = response.content.decode()
    assert 'id="id_days_per_month_error"' in html and 'id="id_afternoon_hours_error"' in html
    assert "選んだ理由には、この項目が必要です。" in html
    assert family.household.guardians.count() == 1


@pytest.mark.parametrize("reason, field", [
    ("illness", "illness_level"), ("disability", "disability_grade"), ("nursing_care", "care_level"),
    ("absent", "absence_kind"), ("childbirth", "expected_birth_date"), ("job_seeking", "job_seeking_since"),
    ("parental_leave", "leave_return_date"),
])
def test_it_asks_for_the_detail_each_reason_needs(client, family, reason, field):
    data = {k: v for k, v in WORKING.items() if k not in ("days_per_month", "hours_per_day", "afternoon_hours")}
    response = client.post(reverse("family_guardian_add"), {**data, "reason": reason})
    assert f'id="id_{field}_error"' in response.content.decode()


def test_it_clears_details_of_a_reason_no_longer_given(client, family):
    guardian = family.household.guardians.get()
    data = {**WORKING, "reason": "illness", "illness_level": "hospitalised", "days_per_month": "20"}
    assert client.post(reverse("family_guardian_edit", args=[guardian.order]), data).status_code == 302
    guardian.refresh_from_db()
    assert guardian.reason == "illness" and guardian.illness_level == "hospitalised"
    assert guardian.days_per_month is None and guardian.hours_per_day is None


@pytest.mark.parametrize("reason", [value for value in Guardian.Reason.values])
def test_it_saves_every_reason_with_the_details_it_needs(client, family, reason):
    details = {
        "work": {}, "job_offer": {}, "study": {},
        "parental_leave": {"leave_return_date_0": "2027", "leave_return_date_1": "4", "leave_return_date_2": "1"},
        "childbirth": {"expected_birth_date_0": "2027", "expected_birth_date_1": "3", "expected_birth_date_2": "3"},
        "illness": {"illness_level": "outpatient_3plus"}, "disability": {"disability_grade": "3"},
        "nursing_care": {"care_level": "moderate"}, "absent": {"absence_kind": "separation"},
        "job_seeking": {"job_seeking_since_0": "2026", "job_seeking_since_1": "10", "job_seeking_since_2": "1"},
        "disaster": {}, "available": {},
    }[reason]
    response = client.post(reverse("family_guardian_add"), {**WORKING, "reason": reason, **details})
    assert response.status_code == 302, response.content.decode()[:500]
    assert family.household.guardians.get(order=2).reason == reason


def test_it_refuses_a_third_guardian(client):
    user = b.family_user(b.household(guardians=2))
    client.force_login(user)
    response = client.post(reverse("family_guardian_add"), WORKING)
    assert "保護者は2人まで" in response.content.decode()
    assert Guardian.objects.count() == 2


def test_it_removes_the_first_guardian_and_renumbers_the_second(client):
    household = b.household(guardians=2)
    household.guardians.filter(order=2).update(given_name="次郎")
    client.force_login(b.family_user(household))
    response = client.post(reverse("family_guardian_remove", args=[1]))
    assert response.status_code == 302
    assert list(household.guardians.values_list("order", "given_name")) == [(1, "次郎")]


def test_it_refuses_to_remove_the_last_guardian(client, family):
    client.post(reverse("family_guardian_remove", args=[1]))
    assert family.household.guardians.count() == 1


def test_it_swaps_in_the_fieldset_of_the_reason_chosen(client, family):
    response = client.post(reverse("family_guardian_add"), {"_reason_fields": "1", "reason": "nursing_care"}, **HTMX)
    html = response.content.decode()
    assert 'name="care_level"' in html and "<form" not in html
    assert 'name="illness_level"' not in html and 'name="days_per_month"' not in html
    assert "field-error" not in html


def test_it_shows_every_reason_field_without_javascript(client, family):
    html = client.get(reverse("family_guardian_add")).content.decode()
    for name in ("days_per_month", "illness_level", "disability_grade", "care_level", "absence_kind",
                 "expected_birth_date_0", "job_seeking_since_0", "leave_return_date_0"):
        assert f'name="{name}"' in html


def test_it_validates_one_field_in_place(client, family):
    response = client.post(reverse("family_guardian_add"), {"_validate": "family_kana", "family_kana": "Tomae"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="field field--error">')
    assert 'id="id_family_kana_error"' in html and "<form" not in html
    assert family.household.guardians.count() == 1


# --- children -----------------------------------------------------------------------------------

def test_it_adds_a_child_keeping_rare_kanji_and_variation_selectors(client, family):
    school = b.school()
    response = client.post(reverse("family_child_add"), child_data(school))
    assert response.status_code == 302
    child = family.household.children.get()
    assert child.family_name == "𠮷田" and child.given_name == "葛\U000E0100飾"
    assert (child.family_kana, child.given_kana) == ("ヨシダ", "カツシカ")
    assert child.birth_date == datetime.date(2020, 5, 1)


def test_it_shows_the_grade_of_the_coming_school_year(client, family):
    child = b.child(family.household, birth_date=datetime.date(2019, 4, 2))
    from enrollment.forms.household import upcoming_fiscal_year
    from django.utils import timezone

    year = upcoming_fiscal_year(timezone.localdate())
    html = client.get(reverse("family_household")).content.decode()
    assert f"{year}年度は{child.grade_in(year)}年生" in html


def test_it_tells_the_grade_as_soon_as_the_birth_date_is_complete(client, family):
    from enrollment.forms.household import upcoming_fiscal_year
    from django.utils import timezone

    year = upcoming_fiscal_year(timezone.localdate())
    url = reverse("family_child_add")
    partial = client.post(url, {"_grade": "1", "birth_date_0": str(year - 7), "birth_date_1": "5",
                                "birth_date_2": "1"}, **HTMX).content.decode()
    assert partial.lstrip().startswith('<p class="grade-note">')
    assert f"{year}年度（4月から）は1年生です。" in partial
    incomplete = client.post(url, {"_grade": "1", "birth_date_0": str(year - 7)}, **HTMX).content.decode()
    assert 'class="grade-note"' not in incomplete and "年生" not in incomplete and "field-error" not in incomplete
    assert not Child.objects.exists()


def test_it_refuses_a_child_not_of_elementary_school_age(client, family):
    response = client.post(reverse("family_child_add"), child_data(b.school(), birth_date_0="2010"))
    assert 'id="id_birth_date_error"' in response.content.decode()
    assert not Child.objects.exists()


def test_it_keeps_care_notes_private_unless_the_family_agrees(client, family):
    school = b.school()
    client.post(reverse("family_child_add"), child_data(school, care_notes="卵アレルギー"))
    assert not Child.objects.get().care_notes_shared


def test_it_refuses_to_remove_a_child_with_an_application(client, family):
    child = b.child(family.household)
    b.application(child)
    response = client.post(reverse("family_child_remove", args=[child.public_id]), follow=True)
    assert "申請があるため" in response.content.decode()
    assert Child.objects.filter(pk=child.pk).exists()


def test_it_removes_a_child_in_place_with_htmx(client, family):
    child = b.child(family.household)
    confirm = client.get(reverse("family_child_remove", args=[child.public_id]), **HTMX).content.decode()
    assert confirm.lstrip().startswith('<div class="confirm-box"')
    response = client.post(reverse("family_child_remove", args=[child.public_id]), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="household-people"')
    assert child.full_name in html and "削除しました" in html
    assert not Child.objects.exists()


def test_it_adds_a_child_in_place_with_htmx(client, family):
    school = b.school()
    form = client.get(reverse("family_child_add") + "?inline=1", **HTMX).content.decode()
    assert 'name="inline"' in form and 'id="household-people"' in form
    bad = client.post(reverse("family_child_add"), {**child_data(school, given_kana="x"), "inline": "1"}, **HTMX)
    assert 'id="id_given_kana_error"' in bad.content.decode() and not Child.objects.exists()
    good = client.post(reverse("family_child_add"), {**child_data(school), "inline": "1"}, **HTMX)
    assert "𠮷田" in good.content.decode() and Child.objects.count() == 1


# --- only one's own household -------------------------------------------------------------------

def test_it_answers_404_for_another_households_child_and_guardian(client, family):
    other = b.child()
    for name in ("family_child_edit", "family_child_remove"):
        assert client.get(reverse(name, args=[other.public_id])).status_code == 404
        assert client.post(reverse(name, args=[other.public_id]), child_data(other.school)).status_code == 404
    assert Child.objects.filter(pk=other.pk, family_name="泊江").exists()
    assert client.get(reverse("family_guardian_edit", args=[2])).status_code == 404


@pytest.mark.parametrize("name", ["family_household", "family_household_edit", "family_child_add",
                                  "family_guardian_add", "family_account", "family_invite"])
def test_it_sends_anonymous_visitors_to_the_family_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["family_household", "family_household_edit", "family_child_add"])
def test_it_hides_family_pages_from_staff_and_operators(client, name):
    for user in (b.staff_user(), b.operator_user()):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 404


def test_it_offers_the_next_step_for_each_open_round(client, family):
    b.child(family.household)
    closed = b.round_(status="planned", name="二次申請", kind="second")
    open_round = b.round_(closed.fiscal_year, name="一斉申請")
    html = client.get(reverse("family_household")).content.decode()
    assert f'href="{reverse("family_apply_start", args=[open_round.pk])}"' in html
    assert reverse("family_apply_start", args=[closed.pk]) not in html


def test_it_offers_no_next_step_before_a_child_is_entered(client, family):
    b.round_()
    assert "next-step" not in client.get(reverse("family_household")).content.decode()
