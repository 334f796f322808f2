"""Facility projects (core Project, section welfare) and their milestones, each reached when the
section chief approves the staff's report."""

from django.core.exceptions import ValidationError
from django.db import transaction

from civaffairs import audit
from civaffairs.models import ApprovalStatus, Milestone, Project, Section
from civaffairs.periods import MIN_YEAR

from ..access import check_staff
from ..labels import MILESTONES, PROJECT_KIND_LABELS
from ..models import MilestoneReport
from .common import decide, money, not_in_future, raise_if, required

# What a reached milestone says of the project's status (the furthest one counts).
STATUS_AFTER = {
    "立项": Project.Status.APPROVED,
    "施工": Project.Status.IN_PROGRESS,
    "验收": Project.Status.DONE,
    "投入使用": Project.Status.IN_USE,
}

# The milestones whose dates must follow one another: no building before the project is approved
# (《政府投资条例》: a government-funded project starts construction only once approved), no
# acceptance before the works are finished, no use before acceptance (《建设工程质量管理条例》第十六条:
# 建设工程经验收合格的，方可交付使用). The preparatory steps (用地手续, 政府采购, 图纸设计) are left out:
# they run alongside 立项 and one another (the seed's 居家养老服务中心 had its land before its 立项
# was approved).
IN_ORDER = ("立项", "施工", "验收", "投入使用")


def _money(errors, field, value, label):
    return money(errors, field, value, label, blank=0)


@transaction.atomic
def create_facility_project(
    *,
    actor,
    kind,
    name,
    region,
    place="",
    land_area=None,
    floor_area=None,
    funds_secured=None,
    funds_spent=None,
    expected_on=None,
    note="",
):
    check_staff(actor)
    errors = {}
    if kind not in PROJECT_KIND_LABELS:
        errors["kind"] = "请选择项目类别"
    required(errors, "name", name, "项目名称")
    if region is None:
        errors["region"] = "请选择项目所在地"
    secured = _money(errors, "funds_secured", funds_secured, "已落实资金")
    spent = _money(errors, "funds_spent", funds_spent, "已支出资金")
    if spent > secured and secured:
        errors["funds_spent"] = "已支出资金不能多于已落实资金"
    raise_if(errors)
    project = Project.objects.create(
        section=Section.WELFARE,
        kind=kind,
        name=name.strip(),
        region=region,
        place=place,
        land_area=land_area,
        floor_area=floor_area,
        budget=secured,
        funds_secured=secured,
        funds_spent=spent,
        expected_on=expected_on,
        note=note,
    )
    Milestone.objects.bulk_create([Milestone(project=project, name=m) for m in MILESTONES])
    audit.record(
        actor,
        "welfare.project.create",
        project,
        {"kind": PROJECT_KIND_LABELS[kind], "region": region.full_name, "funds_secured": str(secured)},
    )
    return project


@transaction.atomic
def update_project_funds(*, actor, project, funds_secured, funds_spent):
    check_staff(actor)
    project = Project.objects.select_for_update().get(pk=project.pk, section=Section.WELFARE)
    errors = {}
    secured = _money(errors, "funds_secured", funds_secured, "已落实资金")
    spent = _money(errors, "funds_spent", funds_spent, "已支出资金")
    if spent > secured:
        errors["funds_spent"] = "已支出资金不能多于已落实资金"
    raise_if(errors)
    before = {"funds_secured": str(project.funds_secured), "funds_spent": str(project.funds_spent)}
    project.funds_secured, project.funds_spent = secured, spent
    project.save(update_fields=["funds_secured", "funds_spent"])
    after = {"funds_secured": str(secured), "funds_spent": str(spent)}
    audit.record(actor, "welfare.project.funds", project, audit.diff(before, after))
    return project


def _day(value):
    return f"{value.year}年{value.month}月{value.day}日"


def check_milestone_order(errors, milestone, reached_on):
    """A date for a milestone of IN_ORDER that is not before the date of an earlier one reached,
    nor after that of a later one reached; the error names the milestone it clashes with."""
    if reached_on is None or milestone.name not in IN_ORDER:
        return
    at = IN_ORDER.index(milestone.name)
    reached = dict(
        milestone.project.milestones.filter(name__in=IN_ORDER, done_on__isnull=False)
        .exclude(pk=milestone.pk)
        .values_list("name", "done_on")
    )
    before = [(on, name) for name, on in reached.items() if IN_ORDER.index(name) < at and reached_on < on]
    after = [(on, name) for name, on in reached.items() if IN_ORDER.index(name) > at and reached_on > on]
    if before:
        on, name = max(before)
        errors["reached_on"] = f"完成日期不能早于节点“{name}”的完成日期（{_day(on)}）"
    elif after:
        on, name = min(after)
        errors["reached_on"] = f"完成日期不能晚于节点“{name}”的完成日期（{_day(on)}）"


@transaction.atomic
def submit_milestone(*, actor, milestone, reached_on, note=""):
    check_staff(actor)
    milestone = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    if milestone.project.section != Section.WELFARE:
        raise ValidationError("该项目不属于社会福利和社会事务股")
    errors = {}
    if reached_on is None:
        errors["reached_on"] = "请填写完成日期"
    elif reached_on.year < MIN_YEAR:  # 公元1年 typed by hand: no period of the system names it
        errors["reached_on"] = f"完成日期不能早于{MIN_YEAR}年1月1日"
    not_in_future(errors, "reached_on", reached_on, "完成日期")
    if milestone.done_on:
        errors["reached_on"] = (
            f"节点“{milestone.name}”已于{milestone.done_on.year}年{milestone.done_on.month}月{milestone.done_on.day}日完成"
        )
    elif MilestoneReport.objects.filter(milestone=milestone, status=ApprovalStatus.PENDING).exists():
        errors["reached_on"] = f"节点“{milestone.name}”已有待审批的报告"
    else:
        check_milestone_order(errors, milestone, reached_on)
    raise_if(errors)
    report = MilestoneReport.objects.create(
        milestone=milestone, reached_on=reached_on, note=note.strip(), submitted_by=actor
    )
    audit.record(
        actor,
        "welfare.milestone.submit",
        report,
        {"project": milestone.project.name, "milestone": milestone.name, "reached_on": str(reached_on)},
    )
    return report


@transaction.atomic
def decide_milestone(*, actor, report, approve, comment=""):
    report = MilestoneReport.objects.select_for_update().get(pk=report.pk)
    milestone = Milestone.objects.select_for_update().select_related("project").get(pk=report.milestone_id)
    decide(report, actor=actor, approve=approve, comment=comment, what="该节点报告")
    if approve:
        # Asked again: another milestone of the chain may have been approved since the report (the
        # transaction is undone, the report stays pending).
        errors = {}
        check_milestone_order(errors, milestone, report.reached_on)
        raise_if(errors)
        milestone.done_on = report.reached_on
        milestone.save(update_fields=["done_on"])
        project = milestone.project
        reached = set(project.milestones.filter(done_on__isnull=False).values_list("name", flat=True))
        for name in reversed(MILESTONES):
            if name in reached and name in STATUS_AFTER:
                project.status = STATUS_AFTER[name]
                break
        if project.started_on is None or report.reached_on < project.started_on:
            project.started_on = report.reached_on
        project.save(update_fields=["status", "started_on"])
    audit.record(
        actor,
        f"welfare.milestone.{'approve' if approve else 'reject'}",
        report,
        {"milestone": milestone.name, "reached_on": str(report.reached_on), "comment": report.comment},
    )
    return report
