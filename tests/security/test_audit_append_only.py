"""The audit trail is append-only on PostgreSQL, whatever the application's code tries."""

import pytest
from django.db import DatabaseError, connection, transaction

from enrollment.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only (migration 0002)")


@pytest.fixture
def app_role():
    """A login role like the production application's: owns nothing, not a superuser."""
    with connection.cursor() as cursor:
        cursor.execute("DROP ROLE IF EXISTS afterschool_app_test")
        cursor.execute("CREATE ROLE afterschool_app_test NOSUPERUSER")
        cursor.execute("GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON enrollment_auditevent "
                       "TO afterschool_app_test")
        cursor.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO afterschool_app_test")
    yield "afterschool_app_test"
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute("REVOKE ALL ON enrollment_auditevent FROM afterschool_app_test")
        cursor.execute("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM afterschool_app_test")
        cursor.execute("DROP ROLE afterschool_app_test")


def event():
    return AuditEvent.objects.create(action="read", object_type="child", object_id="1")


def test_it_refuses_to_update_an_audit_event():
    e = event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=e.pk).update(action="nothing")
    assert AuditEvent.objects.get(pk=e.pk).action == "read"


def test_it_refuses_to_delete_an_audit_event_even_through_the_orm():
    e = event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        e.delete()
    assert AuditEvent.objects.filter(pk=e.pk).exists()


def test_it_refuses_the_bypass_setting_to_a_role_that_is_not_a_superuser(app_role):
    e = event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {app_role}")
            cursor.execute("SET LOCAL afterschool.audit_bypass = 'on'")
            cursor.execute("DELETE FROM enrollment_auditevent WHERE id = %s", [e.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {app_role}")
            cursor.execute("TRUNCATE enrollment_auditevent")
    assert AuditEvent.objects.filter(pk=e.pk).exists()


def test_it_still_lets_the_application_role_append(app_role):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {app_role}")
        cursor.execute("INSERT INTO enrollment_auditevent (at, actor_role, action, object_type, object_id, related) "
                       "VALUES (now(), 'system', 'read', 'child', '7', '{}')")
    assert AuditEvent.objects.filter(object_id="7").exists()


@pytest.mark.django_db(transaction=True)
def test_it_lets_a_superuser_delete_with_the_documented_bypass():
    e = event()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL afterschool.audit_bypass = 'on'")
        cursor.execute("DELETE FROM enrollment_auditevent WHERE id = %s", [e.pk])
    assert not AuditEvent.objects.filter(pk=e.pk).exists()
    # SET LOCAL ends with the transaction: the next delete is refused again.
    e2 = event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=e2.pk).delete()
