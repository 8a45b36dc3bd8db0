"""The audit trail is append-only for the application's own database user (issue 8).

On PostgreSQL a trigger rejects every UPDATE and DELETE of ``enrollment_auditevent`` rows, and
TRUNCATE by anyone but a superuser. The one way round it, for a database superuser only, inside
one transaction (for example if a court orders a record removed):

    BEGIN;
    SET LOCAL afterschool.audit_bypass = 'on';
    DELETE FROM enrollment_auditevent WHERE ...;
    COMMIT;

The setting alone is not enough: the trigger also checks that the session is a superuser's, and
the application never connects as one (docs/deployment.md). TRUNCATE stays possible for
superusers because Django's test runner empties tables with it between transactional tests.

SQLite (the demo) gets no trigger: Django's test runner empties its tables with DELETE, which
a trigger there could not tell apart from a real deletion.
"""

from django.db import migrations

TABLE = "enrollment_auditevent"

CREATE = f"""
CREATE OR REPLACE FUNCTION enrollment_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF current_setting('is_superuser') = 'on'
       AND (TG_OP = 'TRUNCATE' OR current_setting('afterschool.audit_bypass', true) = 'on') THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER enrollment_auditevent_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION enrollment_audit_append_only();

CREATE TRIGGER enrollment_auditevent_no_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION enrollment_audit_append_only();
"""

DROP = f"""
DROP TRIGGER IF EXISTS enrollment_auditevent_no_truncate ON {TABLE};
DROP TRIGGER IF EXISTS enrollment_auditevent_append_only ON {TABLE};
DROP FUNCTION IF EXISTS enrollment_audit_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # params=None: the PL/pgSQL body contains a literal %, not a placeholder.
            schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):

    dependencies = [("enrollment", "0001_initial")]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
