"""Institutions, inspections, hazards and their closure, fire-safety retrofits."""

from django.core.exceptions import ValidationError
from django.db import transaction

from civaffairs import audit
from civaffairs.models import Institution, Region

from ..access import check_staff
from ..models import (
    HAZARD_MOVES,
    FireAcceptance,
    FireRetrofit,
    Hazard,
    HazardClosure,
    Inspection,
    InstitutionProfile,
)
from .common import decide, money, not_in_future, raise_if, required

PROFILE_FIELDS = [
    "address",
    "capacity",
    "beds",
    "operator",
    "operator_name",
    "fire_status",
    "fire_accepted_on",
    "fire_authority",
]


@transaction.atomic
def save_institution(*, actor, institution=None, name="", kind="", region=None, **profile):
    """Create an institution (name, kind, town) or update one; either way save its profile."""
    check_staff(actor)
    errors = {}
    if institution is None:
        required(errors, "name", name, "机构名称")
        required(errors, "kind", kind, "机构类型")
        if region is None or region.level != Region.Level.TOWN:
            errors["region"] = "请选择机构所在镇"
        if name and Institution.objects.filter(name=name.strip()).exists():
            errors["name"] = "已有同名机构"
    if profile.get("beds") is not None and profile.get("capacity") is not None:
        if profile["beds"] > profile["capacity"] and profile["capacity"]:
            errors["beds"] = "实有床位不能多于设计床位"
    if profile.get("fire_status") == FireAcceptance.ACCEPTED and not profile.get("fire_accepted_on"):
        errors["fire_accepted_on"] = "已通过消防验收的，请填写验收日期"
    not_in_future(errors, "fire_accepted_on", profile.get("fire_accepted_on"), "消防验收日期")
    raise_if(errors)
    created = institution is None
    if created:
        institution = Institution.objects.create(name=name.strip(), kind=kind, region=region)
    row, _ = InstitutionProfile.objects.select_for_update().get_or_create(institution=institution)
    before = audit.snapshot(row, PROFILE_FIELDS)
    for key, value in profile.items():
        if key in PROFILE_FIELDS:
            setattr(row, key, value if value is not None else getattr(row, key))
    row.full_clean()
    row.save()
    changes = (
        audit.snapshot(row, PROFILE_FIELDS)
        if created
        else audit.diff(before, audit.snapshot(row, PROFILE_FIELDS))
    )
    # Recorded on the profile, so the log names its fields and choices as the model does.
    audit.record(
        actor,
        f"welfare.institution.{'create' if created else 'update'}",
        row,
        changes,
        object_repr=institution.name,
    )
    return institution


def _hazard_errors(inspection_date, description, owner, deadline, prefix=""):
    errors = {}
    required(errors, f"{prefix}description", description, "隐患描述")
    required(errors, f"{prefix}owner", owner, "整改责任人")
    if deadline is None:
        errors[f"{prefix}deadline"] = "请填写整改期限"
    elif inspection_date and deadline < inspection_date:
        errors[f"{prefix}deadline"] = "整改期限不能早于检查日期"
    return errors


@transaction.atomic
def record_inspection(*, actor, institution, date, kind, inspectors, note="", hazards=()):
    """An inspection and the hazards it found ({description, owner, deadline} each)."""
    check_staff(actor)
    errors = {}
    if institution is None:
        errors["institution"] = "请选择被检查机构"
    if date is None:
        errors["date"] = "请填写检查日期"
    not_in_future(errors, "date", date, "检查日期")
    if kind not in Inspection.Kind.values:
        errors["kind"] = "请选择检查类别"
    required(errors, "inspectors", inspectors, "检查人员")
    for i, h in enumerate(hazards):
        errors.update(
            _hazard_errors(date, h.get("description"), h.get("owner"), h.get("deadline"), f"hazard{i}_")
        )
    raise_if(errors)
    inspection = Inspection.objects.create(
        institution=institution,
        date=date,
        kind=kind,
        inspectors=inspectors.strip(),
        note=note,
        recorded_by=actor,
    )
    created = [
        Hazard.objects.create(
            inspection=inspection,
            institution=institution,
            description=h["description"].strip(),
            owner=h["owner"].strip(),
            deadline=h["deadline"],
        )
        for h in hazards
    ]
    audit.record(
        actor,
        "welfare.inspection.create",
        inspection,
        {
            "institution": institution.name,
            "date": str(date),
            "kind": inspection.get_kind_display(),
            "hazards": [f"{h.description}（期限{h.deadline}）" for h in created],
        },
    )
    return inspection


@transaction.atomic
def add_hazard(*, actor, inspection, description, owner, deadline):
    check_staff(actor)
    raise_if(_hazard_errors(inspection.date, description, owner, deadline))
    hazard = Hazard.objects.create(
        inspection=inspection,
        institution=inspection.institution,
        description=description.strip(),
        owner=owner.strip(),
        deadline=deadline,
    )
    audit.record(actor, "welfare.hazard.create", hazard, {"owner": hazard.owner, "deadline": str(deadline)})
    return hazard


def _move(hazard, status):
    if status not in HAZARD_MOVES[Hazard.Status(hazard.status)]:
        raise ValidationError(f"隐患当前状态为“{hazard.get_status_display()}”，不能办理此操作。")
    hazard.status = status


@transaction.atomic
def submit_hazard_closure(*, actor, hazard, rectified_on, note):
    """整改销号: staff report the rectification; the chief's approval closes the hazard."""
    check_staff(actor)
    hazard = Hazard.objects.select_for_update().select_related("inspection").get(pk=hazard.pk)
    errors = {}
    required(errors, "note", note, "整改情况")
    if rectified_on is None:
        errors["rectified_on"] = "请填写整改完成日期"
    else:
        not_in_future(errors, "rectified_on", rectified_on, "整改完成日期")
        if rectified_on < hazard.inspection.date:
            errors["rectified_on"] = "整改完成日期不能早于检查日期"
    raise_if(errors)
    _move(hazard, Hazard.Status.CLOSING)
    hazard.save(update_fields=["status"])
    closure = HazardClosure.objects.create(
        hazard=hazard, rectified_on=rectified_on, note=note.strip(), submitted_by=actor
    )
    audit.record(
        actor,
        "welfare.hazard.submit_closure",
        hazard,
        {"rectified_on": str(rectified_on), "note": closure.note},
    )
    return closure


@transaction.atomic
def decide_hazard_closure(*, actor, closure, approve, comment=""):
    closure = HazardClosure.objects.select_for_update().get(pk=closure.pk)
    hazard = Hazard.objects.select_for_update().get(pk=closure.hazard_id)
    decide(closure, actor=actor, approve=approve, comment=comment, what="该销号申请")
    if approve:
        _move(hazard, Hazard.Status.CLOSED)
        hazard.closed_on = closure.rectified_on
    else:
        _move(hazard, Hazard.Status.OPEN)
    hazard.save(update_fields=["status", "closed_on"])
    audit.record(
        actor,
        f"welfare.hazard.{'approve_closure' if approve else 'reject_closure'}",
        hazard,
        {"status": hazard.get_status_display(), "comment": closure.comment},
    )
    return closure


@transaction.atomic
def record_retrofit(*, actor, institution, name, funds_spent, paid_on, accepted_on=None, authority=""):
    """A fire-safety retrofit; its acceptance is the institution's fire-safety acceptance."""
    check_staff(actor)
    errors = {}
    required(errors, "name", name, "改造内容")
    funds_spent = money(errors, "funds_spent", funds_spent, "投入资金")
    if paid_on is None:
        errors["paid_on"] = "请填写资金投入日期"
    not_in_future(errors, "paid_on", paid_on, "资金投入日期")
    not_in_future(errors, "accepted_on", accepted_on, "验收日期")
    if accepted_on and paid_on and accepted_on < paid_on:
        errors["accepted_on"] = "验收日期不能早于资金投入日期"
    if accepted_on and not (authority or "").strip():
        errors["authority"] = "已验收的，请填写验收单位"
    raise_if(errors)
    retrofit = FireRetrofit.objects.create(
        institution=institution,
        name=name.strip(),
        funds_spent=funds_spent,
        paid_on=paid_on,
        accepted_on=accepted_on,
        authority=(authority or "").strip(),
        recorded_by=actor,
    )
    profile, _ = InstitutionProfile.objects.select_for_update().get_or_create(institution=institution)
    if accepted_on:
        profile.fire_status, profile.fire_accepted_on, profile.fire_authority = (
            FireAcceptance.ACCEPTED,
            accepted_on,
            retrofit.authority,
        )
    elif profile.fire_status != FireAcceptance.ACCEPTED:
        profile.fire_status = FireAcceptance.PENDING
    profile.save()
    audit.record(
        actor,
        "welfare.retrofit.create",
        retrofit,
        {
            "institution": institution.name,
            "funds_spent": str(retrofit.funds_spent),
            "paid_on": str(paid_on),
            "accepted_on": str(accepted_on or ""),
        },
    )
    return retrofit
