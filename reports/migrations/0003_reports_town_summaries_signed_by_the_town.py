"""A town's summary is signed by the town's government, not the bureau: town summaries made
before carry the bureau's name as 落款, and take the town's."""

from django.db import migrations

DISTRICT_CLOSING = "云浮市云安区民政局"


def sign_by_town(apps, schema_editor):
    Summary = apps.get_model("reports", "Summary")
    for summary in Summary.objects.filter(region__isnull=False, closing_name=DISTRICT_CLOSING).select_related(
        "region"
    ):
        summary.closing_name = f"{DISTRICT_CLOSING.removesuffix('民政局')}{summary.region.name}人民政府"
        summary.save(update_fields=["closing_name"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_grant_summary_permissions")]

    operations = [migrations.RunPython(sign_by_town, migrations.RunPython.noop)]
