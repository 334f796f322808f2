from django.db import migrations


def forwards(apps, schema_editor):
    from grassroots.programs import PROGRAMS

    Program = apps.get_model("civaffairs", "Program")
    for code, name, unit, cadence, order in PROGRAMS:
        Program.objects.update_or_create(
            code=code,
            defaults={"name": name, "unit": unit, "cadence": cadence, "order": order, "section": "grassroots"},
        )


class Migration(migrations.Migration):
    dependencies = [("grassroots", "0001_initial"), ("civaffairs", "0002_roles_and_towns")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
