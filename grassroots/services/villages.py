"""村规民约: the status of each village committee's and natural village's rules, and the section's
guidance documents (工作指引, 管理规范)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from civaffairs import audit
from civaffairs.models import Region
from civaffairs.validators import past_date_errors

from ..access import require_staff
from ..models import GuidanceDocument, VillageRule

# A rule moves forward only: drafted, adopted by the villagers' vote, filed with the town.
ORDER = [VillageRule.Status.DRAFTING, VillageRule.Status.ADOPTED, VillageRule.Status.FILED]


def _check(status, date):
    errors = {}
    if status not in VillageRule.Status.values:
        errors["status"] = "请选择状态"
    if date is None:
        errors["status_date"] = "请填写日期"
    past_date_errors(errors, status_date=(date, "日期"))
    if errors:
        raise ValidationError(errors)


def _apply(actor, region, status, date, existing):
    if region.level not in (Region.Level.VILLAGE, Region.Level.NATURAL):
        raise ValidationError({"region": f"{region.name}不是村（居）委或自然村"})
    if existing is not None:
        if ORDER.index(status) < ORDER.index(existing.status):
            raise ValidationError(
                {"status": f"{region.name}的村规民约已为“{existing.get_status_display()}”，不能退回"}
            )
        if date < existing.status_date:
            raise ValidationError({"status_date": f"{region.name}的日期早于已登记的{existing.status_date}"})
        existing.status, existing.status_date, existing.updated_by = status, date, actor
        return existing
    return VillageRule(
        region=region, town_id=region.town_id, status=status, status_date=date, updated_by=actor
    )


@transaction.atomic
def set_village_rule(*, actor, region, status, status_date):
    require_staff(actor)
    _check(status, status_date)
    existing = VillageRule.objects.select_for_update().filter(region=region).first()
    old = existing.status if existing else None
    rule = _apply(actor, region, status, status_date, existing)
    rule.save()
    audit.record(actor, "village_rule.set", rule, {"status": [old, status], "status_date": str(status_date)})
    return rule


@transaction.atomic
def set_village_rules(*, actor, regions, status, status_date):
    """The same status for many villages at once (a town's return): all or nothing."""
    require_staff(actor)
    _check(status, status_date)
    regions = list(regions)
    existing = {r.region_id: r for r in VillageRule.objects.select_for_update().filter(region__in=regions)}
    new, changed = [], []
    for region in regions:
        rule = _apply(actor, region, status, status_date, existing.get(region.pk))
        (changed if rule.pk else new).append(rule)
    VillageRule.objects.bulk_create(new, batch_size=2000)
    VillageRule.objects.bulk_update(changed, ["status", "status_date", "updated_by"], batch_size=2000)
    audit.record(
        actor,
        "village_rule.set_many",
        None,
        {"status": status, "status_date": str(status_date), "regions": len(regions)},
        object_type="grassroots.VillageRule",
        object_repr=f"村规民约{len(regions)}个",
    )
    return len(regions)


@transaction.atomic
def record_guidance_document(*, actor, title, number, issued_on):
    require_staff(actor)
    errors = {}
    if not (title or "").strip():
        errors["title"] = "请填写标题"
    if not (number or "").strip():
        errors["number"] = "请填写文号"
    if issued_on is None:
        errors["issued_on"] = "请填写印发日期"
    past_date_errors(errors, issued_on=(issued_on, "印发日期"))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            doc = GuidanceDocument.objects.create(
                title=title.strip().strip("《》"),
                number=number.strip(),
                issued_on=issued_on,
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError({"number": "该文号已登记"}) from None
    audit.record(actor, "guidance.create", doc, audit.snapshot(doc, ["title", "number", "issued_on"]))
    return doc
