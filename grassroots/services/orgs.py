"""Social organizations (社会组织) registered by the bureau, and 乡贤理事会 (filed or name-registered)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from civaffairs import audit
from civaffairs.models import Region
from civaffairs.validators import past_date_errors, refuse_future_dates, validate_person_name

from ..access import require_staff
from ..creditcode import validate_credit_code
from ..models import OrgKind, SocialOrganization, XiangxianCouncil


def _code_taken(code, exclude_council=None):
    councils = XiangxianCouncil.objects.filter(credit_code=code)
    if exclude_council is not None:
        councils = councils.exclude(pk=exclude_council.pk)
    return SocialOrganization.objects.filter(credit_code=code).exists() or councils.exists()


@transaction.atomic
def register_organization(
    *,
    actor,
    name,
    credit_code,
    kind,
    registered_on,
    legal_representative,
    town=None,
    address="",
    is_elder_association=False,
):
    require_staff(actor)
    errors = {}
    if not (name or "").strip():
        errors["name"] = "请填写社会组织名称"
    if kind not in OrgKind.values:
        errors["kind"] = "请选择类型"
    code = None
    try:
        code = validate_credit_code(credit_code, kind=kind if kind in OrgKind.values else None)
    except ValidationError as exc:
        errors["credit_code"] = exc.messages[0]
    else:
        if _code_taken(code):
            errors["credit_code"] = "该统一社会信用代码已登记"
    if registered_on is None:
        errors["registered_on"] = "请填写登记日期"
    past_date_errors(errors, registered_on=(registered_on, "登记日期"))
    try:
        validate_person_name(legal_representative)
    except ValidationError as exc:
        errors["legal_representative"] = "法定代表人" + exc.messages[0]
    if town is not None and town.level != Region.Level.TOWN:
        errors["town"] = "请选择镇"
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            org = SocialOrganization.objects.create(
                name=name.strip(),
                credit_code=code,
                kind=kind,
                registered_on=registered_on,
                legal_representative=legal_representative.strip(),
                town=town,
                address=address,
                is_elder_association=is_elder_association,
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError({"credit_code": "该统一社会信用代码已登记"}) from None
    audit.record(
        actor,
        "socialorg.register",
        org,
        audit.snapshot(org, ["name", "credit_code", "kind", "registered_on", "town", "is_elder_association"]),
    )
    return org


@transaction.atomic
def cancel_organization(*, actor, org, cancelled_on):
    """注销: the organization leaves the registry from that date (counts stop the day after)."""
    require_staff(actor)
    org = SocialOrganization.objects.select_for_update().get(pk=org.pk)
    if org.status != SocialOrganization.Status.REGISTERED:
        raise ValidationError("该社会组织已注销。")
    if cancelled_on is None or cancelled_on < org.registered_on:
        raise ValidationError({"cancelled_on": "注销日期不能早于登记日期"})
    refuse_future_dates(cancelled_on=(cancelled_on, "注销日期"))
    org.status, org.cancelled_on = SocialOrganization.Status.CANCELLED, cancelled_on
    org.save(update_fields=["status", "cancelled_on"])
    audit.record(
        actor,
        "socialorg.cancel",
        org,
        {"status": ["registered", "cancelled"], "cancelled_on": str(cancelled_on)},
    )
    return org


def _council_village(village):
    if village is None or village.level not in (Region.Level.VILLAGE, Region.Level.NATURAL):
        raise ValidationError({"village": "请选择村（居）委或自然村"})


@transaction.atomic
def file_council(*, actor, name, village, filed_on):
    """备案 of a 乡贤理事会 (no credit code)."""
    require_staff(actor)
    _council_village(village)
    if not (name or "").strip():
        raise ValidationError({"name": "请填写名称"})
    if filed_on is None:
        raise ValidationError({"filed_on": "请填写备案日期"})
    refuse_future_dates(filed_on=(filed_on, "备案日期"))
    council = XiangxianCouncil.objects.create(
        name=name.strip(), village=village, town_id=village.town_id, filed_on=filed_on, created_by=actor
    )
    audit.record(actor, "council.file", council, {"name": council.name, "filed_on": str(filed_on)})
    return council


@transaction.atomic
def register_council(*, actor, credit_code, registered_on, council=None, name="", village=None):
    """核名登记 of a 乡贤理事会, with its credit code (a 社会团体's): a filed council moves on, or a
    new council is registered directly."""
    require_staff(actor)
    try:
        code = validate_credit_code(credit_code, kind=OrgKind.SOCIAL_GROUP)
    except ValidationError as exc:
        raise ValidationError({"credit_code": exc.messages[0]}) from None
    if _code_taken(code, exclude_council=council):
        raise ValidationError({"credit_code": "该统一社会信用代码已登记"})
    if registered_on is None:
        raise ValidationError({"registered_on": "请填写核名登记日期"})
    refuse_future_dates(registered_on=(registered_on, "核名登记日期"))
    if council is None:
        _council_village(village)
        if not (name or "").strip():
            raise ValidationError({"name": "请填写名称"})
        council = XiangxianCouncil(
            name=name.strip(), village=village, town_id=village.town_id, created_by=actor
        )
    else:
        council = XiangxianCouncil.objects.select_for_update().get(pk=council.pk)
        if council.registered_on:
            raise ValidationError("该乡贤理事会已核名登记。")
        if council.filed_on and registered_on < council.filed_on:
            raise ValidationError({"registered_on": "核名登记日期早于备案日期"})
    council.credit_code, council.registered_on = code, registered_on
    council.save()
    audit.record(
        actor, "council.register", council, {"credit_code": code, "registered_on": str(registered_on)}
    )
    return council
