"""The roster of a club for a month: who is in care, who joins and who leaves, the counts, and
nothing an operator must not see."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import AuditEvent, Guardian, Offer
from enrollment.rules.grades import add_months, month_end
from enrollment.selectors.rosters import club_roster, parse_month
from tests import builders as b
from tests.operator import operator_builders as ob

pytestmark = pytest.mark.django_db

FORBIDDEN = ("23.7", "123456", "123,456", "654321", "654,321", "生活保護", "public assistance",
             "非課税", "tax exempt", "所得割", "income", "points", "指数")


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def club():
    return b.club(operator=b.operator(), floor_area_m2="99.00", care_units=2)


def roster_page(client, club, **params):
    return client.get(reverse("operator_roster", args=[club.pk]), params)


def test_it_lists_the_children_enrolled_in_the_month_and_no_others(club, today, client_for):
    first = today.replace(day=1)
    ob.enrolled_child(club, start=add_months(first, -6), given_name="継続")
    ob.enrolled_child(club, start=add_months(first, -6), end=add_months(first, -1), given_name="先月退所")
    ob.enrolled_child(club, start=add_months(first, 1), given_name="来月入所")
    ob.enrolled_child(b.club(operator=club.operator), start=first, given_name="別クラブ")
    content = roster_page(client_for(b.operator_user(club.operator)), club).content.decode()
    assert "泊江 継続" in content
    for absent in ("先月退所", "来月入所", "別クラブ"):
        assert absent not in content


def test_it_marks_new_joiners_and_leavers_of_the_month_in_words(club, today, client_for):
    first = today.replace(day=1)
    ob.enrolled_child(club, start=first, given_name="新入")
    ob.enrolled_child(club, start=add_months(first, -3), end=month_end(first), given_name="退所")
    ob.enrolled_child(club, start=add_months(first, -3), given_name="継続")
    client = client_for(b.operator_user(club.operator))
    content = roster_page(client, club).content.decode()
    new_card = content[content.index("泊江 新入"):]
    assert "roster-card--new" in content
    assert "今月から入所" in new_card[:600]
    leaving_card = content[content.index("泊江 退所"):]
    assert "今月で退所" in leaving_card[:600]
    steady_card = content[content.index("泊江 継続"):content.index("</li>", content.index("泊江 継続"))]
    assert "今月から入所" not in steady_card and "今月で退所" not in steady_card


def test_it_shows_contacts_and_only_the_care_notes_the_family_agreed_to_share(club, today, client_for):
    shared_home = ob.sensitive_household(phone="042-111-2222", emergency_contact_name="祖父 一郎",
                                         emergency_contact_phone="080-3333-4444")
    Guardian.objects.filter(household=shared_home, order=1).update(family_name="山田", given_name="花子",
                                                                    phone="090-5555-6666")
    ob.enrolled_child(club, start=today.replace(day=1), household=shared_home, given_name="共有",
                      care_notes="そばアレルギー（エピペンあり）", care_notes_shared=True,
                      needs_support=True, support_notes="大きな音が苦手")
    ob.enrolled_child(club, start=today.replace(day=1), given_name="非共有",
                      care_notes="秘密の病歴", care_notes_shared=False, support_notes="秘密の支援")
    content = roster_page(client_for(b.operator_user(club.operator)), club).content.decode()
    for expected in ("そばアレルギー（エピペンあり）", "大きな音が苦手", "山田 花子", "090-5555-6666",
                     "042-111-2222", "祖父 一郎", "080-3333-4444", "トマエ タロウ", "2年生"):
        assert expected in content, expected
    assert "秘密の病歴" not in content
    assert "秘密の支援" not in content
    assert "家族の同意がないため表示しません" in content


def test_it_shows_capacity_intake_cap_fill_and_how_many_wait_but_never_who(club, today, client_for):
    for _ in range(3):
        ob.enrolled_child(club, start=add_months(today.replace(day=1), -2))
    waiting, run = ob.waiting_application(club, position=1)
    ob.waiting_application(club, run=run, position=2)
    waiting.child.given_name = "待機中"
    waiting.child.save()
    roster = club_roster(club, month=today, today=today)
    assert (roster.capacity, roster.intake_cap) == (60, 66)
    assert roster.places_taken == 3 and roster.places_taken_on == today
    assert roster.waiting == 2
    content = roster_page(client_for(b.operator_user(club.operator)), club).content.decode()
    assert "<dt>定員</dt><dd>60</dd>" in content
    assert "<dt>受入上限</dt><dd>66</dd>" in content
    assert "<dd>3</dd>" in content
    assert "<dt>入所待ち</dt><dd>2</dd>" in content
    assert "待機中" not in content


def test_it_counts_an_open_offer_as_a_place_taken(club, today):
    app = b.application(rnd=ob.shared_round(), clubs=[club], status="offered")
    Offer.objects.create(application=app, club=club, respond_by=today + datetime.timedelta(days=7))
    assert club_roster(club, month=today, today=today).places_taken == 1


def test_it_shows_the_month_asked_for_and_the_current_month_by_default(club, today, client_for):
    ob.enrolled_child(club, start=datetime.date(2025, 4, 1), end=datetime.date(2025, 4, 30), given_name="四月")
    client = client_for(b.operator_user(club.operator))
    assert "四月" in roster_page(client, club, month="2025-04").content.decode()
    default = roster_page(client, club)
    assert default.context["roster"].month == today.replace(day=1)
    assert "四月" not in default.content.decode()


@pytest.mark.parametrize("value", ["2025-13", "abc", "2025-4", "１２３４-０５", "9999-01", "2025-04-01"])
def test_it_shows_this_month_with_a_message_for_a_month_it_cannot_read(club, today, client_for, value):
    response = roster_page(client_for(b.operator_user(club.operator)), club, month=value)
    assert response.status_code == 200
    assert response.context["roster"].month == today.replace(day=1)
    assert "2027-04 のように月を入力してください" in response.content.decode()


def test_it_parses_months_strictly():
    assert parse_month("2027-04") == datetime.date(2027, 4, 1)
    assert parse_month("2027-4") is None
    assert parse_month("") is None
    assert parse_month("2027-00") is None


def test_it_answers_an_htmx_month_change_with_the_roster_partial_only(club, today, client_for):
    ob.enrolled_child(club, start=datetime.date(2025, 4, 1), given_name="四月")
    response = client_for(b.operator_user(club.operator)).get(
        reverse("operator_roster", args=[club.pk]), {"month": "2025-05"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="roster"')
    assert "<html" not in content and "前回の閲覧" not in content
    assert "四月" in content


def test_it_never_shows_points_income_or_welfare_status(club, today, client_for):
    ob.enrolled_child(club, start=today.replace(day=1), care_notes_shared=True, care_notes="卵")
    ob.waiting_application(club)
    client = client_for(b.operator_user(club.operator))
    pages = [roster_page(client, club), roster_page(client, club, month=f"{add_months(today, 1):%Y-%m}"),
             client.get(reverse("operator_home"))]
    for response in pages:
        content = response.content.decode()
        for forbidden in FORBIDDEN:
            assert forbidden not in content, forbidden


def test_it_audits_every_child_read_by_id_only(club, today, client_for):
    enrollments = [ob.enrolled_child(club, start=today.replace(day=1)) for _ in range(3)]
    user = b.operator_user(club.operator)
    roster_page(client_for(user), club)
    events = AuditEvent.objects.filter(action="operator.roster.read")
    assert sorted(int(e.object_id) for e in events) == sorted(e.child_id for e in enrollments)
    for event in events:
        assert (event.actor_id, event.actor_role, event.object_type) == (user.pk, "operator", "child")
        assert event.related == {}


def test_it_keeps_the_roster_out_of_the_htmx_history_cache(club, today, client_for):
    content = roster_page(client_for(b.operator_user(club.operator)), club).content.decode()
    assert '<div id="roster" class="roster" hx-history="false">' in content
