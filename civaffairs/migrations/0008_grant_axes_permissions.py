"""Give the roles their permissions again, now that django-axes' tables exist: the system
administrator unlocks accounts by deleting their access attempts."""

from django.db import migrations


def forwards(apps, schema_editor):
    from civaffairs.roles import apply_role_permissions

    apply_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("civaffairs", "0007_case_approved_at_pending_backpay"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
