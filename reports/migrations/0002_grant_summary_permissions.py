"""Give the roles their permissions again, now that the summary tables exist (civaffairs/roles.py:
the director edits and finalizes, chiefs edit their sections, auditors read)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from civaffairs.roles import apply_role_permissions

    apply_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_summaries"),
        ("civaffairs", "0010_standards_from_month_start_chief_permissions"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
