"""Funded projects of the section, as the core's Project rows: 三社联动, 精神障碍社区康复购买服务,
幸福计划, 社区综合服务场所, 老年协会示范点. Funds are those secured (落实/安排) for the project."""

from django.core.exceptions import ValidationError
from django.db import transaction

from civaffairs import audit
from civaffairs.models import Project, Section
from civaffairs.money import to_cent
from civaffairs.validators import past_date_errors

from ..access import require_staff
from ..labels import PROJECT_KINDS

# Status moves of a project, declared once.
PROJECT_MOVES = {
    Project.Status.PLANNED: {Project.Status.APPROVED, Project.Status.IN_PROGRESS},
    Project.Status.APPROVED: {Project.Status.IN_PROGRESS},
    Project.Status.IN_PROGRESS: {Project.Status.DONE, Project.Status.IN_USE},
    Project.Status.DONE: {Project.Status.IN_USE},
    Project.Status.IN_USE: set(),
}


@transaction.atomic
def create_project(
    *,
    actor,
    kind,
    region,
    funds,
    started_on,
    name="",
    place="",
    expected_on=None,
    status=Project.Status.APPROVED,
    note="",
):
    require_staff(actor)
    errors = {}
    if kind not in PROJECT_KINDS:
        errors["kind"] = "请选择项目类别"
    if region is None:
        errors["region"] = "请选择地点"
    try:
        funds = to_cent(funds)  # the one rounding rule (civaffairs/money.py)
        if funds < 0:
            raise ValueError
    except ValueError:
        errors["funds"] = "资金须为非负金额"
    if started_on is None:
        errors["started_on"] = "请填写资金落实日期"
    elif expected_on is not None and expected_on < started_on:
        errors["expected_on"] = "预计完成日期早于开始日期"
    past_date_errors(errors, started_on=(started_on, "资金落实日期"))
    if status not in Project.Status.values:
        errors["status"] = "请选择状态"
    if errors:
        raise ValidationError(errors)
    project = Project.objects.create(
        section=Section.GRASSROOTS,
        kind=kind,
        name=name or f"{region.full_name}{PROJECT_KINDS[kind]}",
        region=region,
        place=place,
        budget=funds,
        funds_secured=funds,
        started_on=started_on,
        expected_on=expected_on,
        status=status,
        note=note,
    )
    audit.record(
        actor,
        "community_project.create",
        project,
        audit.snapshot(project, ["kind", "name", "region", "funds_secured", "started_on", "status"]),
    )
    return project


@transaction.atomic
def set_project_status(*, actor, project, status):
    require_staff(actor)
    project = Project.objects.select_for_update().get(pk=project.pk, section=Section.GRASSROOTS)
    if status not in PROJECT_MOVES.get(project.status, set()):
        raise ValidationError(
            f"项目当前状态为“{project.get_status_display()}”，不能改为“{Project.Status(status).label}”。"
        )
    old = project.status
    project.status = status
    project.save(update_fields=["status"])
    audit.record(actor, "community_project.status", project, {"status": [old, status]})
    return project
