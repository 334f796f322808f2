from django.db import migrations


def forwards(apps, schema_editor):
    from civaffairs.reference import ensure_towns
    from civaffairs.roles import apply_role_permissions

    apply_role_permissions(apps)
    ensure_towns(apps.get_model("civaffairs", "Region"))


class Migration(migrations.Migration):
    dependencies = [
        ("civaffairs", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
