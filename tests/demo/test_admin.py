"""The Django admin lists every model usefully and keeps the append-only records read-only."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from enrollment import models as m
from enrollment.demo import ADMIN_EMAIL, create_demo_accounts, generate_population, load_demo_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_data(client):
    """A small demo city with at least one row of every enrollment model, and a superuser."""
    city = load_demo_city()
    generate_population(households=25, seed=4, round=city.first_round)
    create_demo_accounts(first_round=city.first_round)
    superuser = m.User.objects.get(email=ADMIN_EMAIL)
    application = m.Application.objects.exclude(status="draft").select_related("child").first()
    club = application.choices.first().club
    m.PointsAdjustment.objects.create(application=application, points=Decimal("1.0"), reason="転入予定のため",
                                      created_by=superuser)
    m.Document.objects.create(application=application, kind="employment", file="documents/ab/abc",
                              original_name="就労証明書.pdf", content_type="application/pdf", size=1234,
                              sha256="0" * 64)
    run = m.AllocationRun.objects.create(round=city.first_round, status="finished", ties="maximize_placed",
                                         seed=42, placed=1, unplaced=0, elastic_ratios={str(club.pk): "1.10"},
                                         violations=[])
    m.Offer.objects.create(application=application, club=club, run=run, respond_by=datetime.date(2027, 2, 20))
    m.WaitlistEntry.objects.create(application=application, club=club, run=run, position=1)
    enrollment = m.Enrollment.objects.create(child=application.child, club=club, start_date=datetime.date(2027, 4, 1))
    m.Withdrawal.objects.create(enrollment=enrollment, leave_date=datetime.date(2027, 7, 31), reason="転居")
    template = m.LetterTemplate.objects.create(fiscal_year=city.fiscal_year, kind="offer", version=1, data={})
    batch = m.LetterBatch.objects.create(run=run, total=1)
    m.Letter.objects.create(kind="offer", fiscal_year=city.fiscal_year, household=application.child.household,
                            application=application, run=run, batch=batch, template=template, serial=1,
                            document_number="9泊児育第0001号")
    session = m.KokoaSession.objects.filter(kind="regular").first()
    m.KokoaAttendance.objects.create(session=session, date=datetime.date(2027, 4, 12), child=application.child,
                                     status="present")
    m.AuditEvent.objects.create(actor_id=superuser.pk, actor_role="staff", action="application.read",
                                object_type="application", object_id=str(application.pk))
    m.LoginAttempt.objects.create(username=ADMIN_EMAIL, ip_address="127.0.0.1", succeeded=True)
    m.RosterVisit.objects.create(user_id=superuser.pk, club_id=club.pk, seen_at=timezone.now())
    m.HouseholdInvitation.objects.create(household=application.child.household, email="second@example.jp",
                                         token_hash="f" * 64, invited_by=superuser,
                                         expires_at=timezone.now() + datetime.timedelta(days=7))
    client.force_login(superuser)
    return client


def test_every_enrollment_model_is_registered():
    registered = {model for model in admin.site._registry}
    from django.apps import apps

    missing = [model.__name__ for model in apps.get_app_config("enrollment").get_models() if model not in registered]
    assert missing == []


def test_the_changelist_of_every_registered_model_renders_its_rows_for_a_superuser(admin_client_with_data):
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client_with_data.get(url)
        assert response.status_code == 200, url
        if opts.app_label == "enrollment":
            assert model.objects.exists(), opts.model_name
            # The result list is there, not an empty page.
            assert b'id="result_list"' in response.content, url


def test_the_change_page_of_a_row_of_every_enrollment_model_renders(admin_client_with_data):
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label != "enrollment":
            continue
        row = model.objects.order_by("pk").first()
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
        assert admin_client_with_data.get(url).status_code == 200, url


def test_the_club_pages_show_the_derived_capacity_and_intake_cap(admin_client_with_data):
    club = m.Club.objects.get(code="C01")
    response = admin_client_with_data.get(reverse("admin:enrollment_club_change", args=[club.pk]))
    content = response.content.decode()
    assert f'<div class="readonly">{club.capacity}</div>' in content
    assert f'<div class="readonly">{club.intake_cap}</div>' in content
    listing = admin_client_with_data.get(reverse("admin:enrollment_club_changelist")).content.decode()
    assert f'<td class="field-capacity">{club.capacity}</td>' in listing
    assert f'<td class="field-intake_cap">{club.intake_cap}</td>' in listing


def test_the_household_page_has_its_guardians_and_children_inline(admin_client_with_data):
    household = m.Household.objects.filter(guardians__order=2).first()
    content = admin_client_with_data.get(reverse("admin:enrollment_household_change", args=[household.pk])).content
    for person in [*household.guardians.all(), *household.children.all()]:
        assert person.given_name.encode() in content


def test_the_audit_trail_cannot_be_added_to_changed_or_deleted_in_the_admin(admin_client_with_data):
    event = m.AuditEvent.objects.get()
    assert admin_client_with_data.get(reverse("admin:enrollment_auditevent_add")).status_code == 403
    delete = admin_client_with_data.post(reverse("admin:enrollment_auditevent_delete", args=[event.pk]),
                                         {"post": "yes"})
    assert delete.status_code == 403
    change = admin_client_with_data.post(reverse("admin:enrollment_auditevent_change", args=[event.pk]),
                                         {"action": "tampered"})
    assert change.status_code == 403
    event.refresh_from_db()
    assert event.action == "application.read"


def test_an_applications_status_and_points_cannot_be_edited_behind_the_state_machine(admin_client_with_data):
    application = m.Application.objects.exclude(status="draft").first()
    content = admin_client_with_data.get(
        reverse("admin:enrollment_application_change", args=[application.pk])).content.decode()
    assert 'name="status"' not in content
    assert 'name="points"' not in content
    assert str(application.receipt_number) in content


def test_the_admin_is_closed_to_families_and_staff_without_admin_rights(client):
    city = load_demo_city()
    create_demo_accounts(first_round=city.first_round)
    for email in ("family@demo.tomae.example.jp", "staff@demo.tomae.example.jp"):
        client.force_login(m.User.objects.get(email=email))
        response = client.get(reverse("admin:enrollment_household_changelist"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
