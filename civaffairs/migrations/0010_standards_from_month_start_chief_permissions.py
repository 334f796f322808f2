"""Standards take effect from the first day of a month. A standard dated mid-month was applied by
payrolls from the following month (the months before it were paid at the older rate), so it is
moved to the first day of that month. Chiefs lose the drafting and generating permissions."""

from django.db import migrations


def forwards(apps, schema_editor):
    from civaffairs.periods import add_months
    from civaffairs.roles import apply_role_permissions

    Standard = apps.get_model("civaffairs", "Standard")
    for standard in Standard.objects.exclude(effective_from__day=1):
        standard.effective_from = add_months(standard.effective_from, 1)
        standard.save(update_fields=["effective_from"])
    apply_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("civaffairs", "0009_payments_engine")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
