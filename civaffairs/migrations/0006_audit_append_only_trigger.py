"""On PostgreSQL the database itself refuses UPDATE and DELETE of audit events, whoever asks
(a shell, raw SQL, another program). TRUNCATE, used only to empty a test or demo database, is not
a row change and stays possible. SQLite relies on the model and queryset guards."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION civaffairs_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计日志不可修改或删除';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS civaffairs_audit_append_only ON civaffairs_auditevent;
CREATE TRIGGER civaffairs_audit_append_only BEFORE UPDATE OR DELETE ON civaffairs_auditevent
    FOR EACH ROW EXECUTE FUNCTION civaffairs_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS civaffairs_audit_append_only ON civaffairs_auditevent;
DROP FUNCTION IF EXISTS civaffairs_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("civaffairs", "0005_protect_audit_actor")]
    operations = [migrations.RunPython(forwards, backwards)]
