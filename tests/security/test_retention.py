"""retention_purge: records and files of expired fiscal years go, one audit event each; twice is safe."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from enrollment.models import Application, AuditEvent, Child, Document, Household, Round, User
from tests import builders


def run(*args) -> str:
    out = io.StringIO()
    call_command("retention_purge", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def old_and_new_year(media):
    old = builders.fiscal_year(2020)
    old.retention_years = 5  # purged from 1 April 2026
    old.save()
    new = builders.fiscal_year(2027)
    old_household = builders.household()
    family = builders.family_user(old_household, email="old@example.jp")
    old_child = builders.child(old_household)
    old_app = builders.application(old_child, rnd=builders.round_(old), clubs=[builders.club()])
    document = Document(application=old_app, kind=Document.Kind.EMPLOYMENT, original_name="shomei.pdf",
                        content_type="application/pdf", size=8, sha256="0" * 64)
    document.file.save("ignored.pdf", ContentFile(b"%PDF-1.4"), save=True)
    current_child = builders.child()
    current_app = builders.application(current_child, rnd=builders.round_(new))
    return {"old_app": old_app, "old_child": old_child, "old_household": old_household, "family": family,
            "document": document, "current_app": current_app, "current_child": current_child}


def backdate(*objs):
    # Rows look untouched since the old year, as they would be six years on.
    long_ago = datetime.datetime(2021, 3, 1, tzinfo=datetime.timezone.utc)
    for obj in objs:
        type(obj).objects.filter(pk=obj.pk).update(updated_at=long_ago)


@pytest.mark.django_db(transaction=True)
def test_it_deletes_an_expired_years_records_and_files_with_one_audit_event_each(media):
    world = old_and_new_year(media)
    backdate(world["old_child"], world["old_household"])
    User.objects.filter(pk=world["family"].pk).update(date_joined=datetime.datetime(2020, 10, 1, tzinfo=datetime.timezone.utc))
    file_path = media / world["document"].file.name
    assert file_path.exists()

    run("--today", "2026-04-01")

    assert not Application.objects.filter(pk=world["old_app"].pk).exists()
    assert not Round.objects.filter(fiscal_year__year=2020).exists()
    assert not Document.objects.exists()
    assert not file_path.exists()
    assert not Child.objects.filter(pk=world["old_child"].pk).exists()
    assert not Household.objects.filter(pk=world["old_household"].pk).exists()
    assert not User.objects.filter(pk=world["family"].pk).exists()
    assert Application.objects.filter(pk=world["current_app"].pk).exists()
    assert Child.objects.filter(pk=world["current_child"].pk).exists()
    events = AuditEvent.objects.filter(action="retention_delete")
    deleted = {(e.object_type, e.object_id) for e in events}
    assert ("application", str(world["old_app"].pk)) in deleted
    assert ("document", str(world["document"].pk)) in deleted
    assert ("child", str(world["old_child"].pk)) in deleted
    assert ("household", str(world["old_household"].pk)) in deleted
    assert events.count() == len(deleted)
    assert all(e.actor_role == "system" for e in events)


@pytest.mark.django_db(transaction=True)
def test_it_keeps_everything_the_day_before_the_period_ends(media):
    world = old_and_new_year(media)
    output = run("--today", "2026-03-31")
    assert "No fiscal year" in output
    assert Application.objects.filter(pk=world["old_app"].pk).exists()
    assert not AuditEvent.objects.filter(action="retention_delete").exists()


@pytest.mark.django_db(transaction=True)
def test_it_is_safe_to_run_twice(media):
    old_and_new_year(media)
    run("--today", "2026-04-01")
    events = AuditEvent.objects.filter(action="retention_delete").count()
    output = run("--today", "2026-04-01")
    assert "0 records in all" in output
    assert AuditEvent.objects.filter(action="retention_delete").count() == events


@pytest.mark.django_db(transaction=True)
def test_it_deletes_nothing_in_a_dry_run_but_says_what_would_go(media):
    world = old_and_new_year(media)
    output = run("--today", "2026-04-01", "--dry-run")
    assert "would delete" in output and "application 1" in output
    assert Application.objects.filter(pk=world["old_app"].pk).exists()
    assert (media / world["document"].file.name).exists()
    assert not AuditEvent.objects.filter(action="retention_delete").exists()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_a_recently_registered_child_without_applications(media):
    old_and_new_year(media)
    fresh = builders.child()
    run("--today", "2026-04-01")
    assert Child.objects.filter(pk=fresh.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_a_household_that_still_applies_in_a_later_year(media):
    world = old_and_new_year(media)
    backdate(world["old_child"], world["old_household"])
    sibling = builders.child(world["old_household"])
    builders.application(sibling, rnd=Round.objects.get(fiscal_year__year=2027))
    run("--today", "2026-04-01")
    assert Household.objects.filter(pk=world["old_household"].pk).exists()
    assert User.objects.filter(pk=world["family"].pk).exists()
