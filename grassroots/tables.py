import django_tables2 as tables
from django.urls import reverse

from civaffairs.models import Activity, PaymentLine, Payroll, Project, Standard
from civaffairs.periods import add_months
from civaffairs.tables import MoneyColumn, PersonColumn

from .labels import PROJECT_KINDS
from .models import (
    ClueForm,
    GuidanceDocument,
    SocialOrganization,
    SocialWorker,
    SocialWorkStation,
    SupervisorMember,
    VillageRule,
    XiangxianCouncil,
)


def month_label(value):
    return f"{value:%Y年%m月}" if value else "—"


class MemberTable(tables.Table):
    name = tables.Column(
        verbose_name="姓名",
        accessor="person__name",
        linkify=lambda record: reverse("grassroots:member_detail", args=[record.pk]),
    )
    id_number = tables.Column(
        verbose_name="身份证号", accessor="person__masked_id", order_by="person__id_number"
    )
    town = tables.Column(verbose_name="所属镇", order_by="town__code")
    committee = tables.Column(verbose_name="村（居）委", order_by="committee__code")
    in_office = tables.Column(verbose_name="补贴状态", accessor="case__end_month", orderable=False)

    class Meta:
        model = SupervisorMember
        fields = ["name", "id_number", "town", "committee", "role", "term_start", "term_end", "in_office"]
        attrs = {"class": "list"}
        empty_text = "没有符合条件的成员"

    def render_in_office(self, value):
        # end_month is the first month not paid: the allowance runs through the month before it.
        return f"按月发放，至任期结束（{month_label(add_months(value, -1))}）" if value else "按月发放"


class StandardTable(tables.Table):
    amount = tables.Column(
        verbose_name="标准（元/人/月）",
        linkify=lambda record: reverse("grassroots:standard_detail", args=[record.pk]),
    )
    drafted_by = PersonColumn()
    decided_by = PersonColumn()

    class Meta:
        model = Standard
        fields = ["amount", "effective_from", "document", "status", "drafted_by", "decided_by", "decided_at"]
        attrs = {"class": "list"}
        empty_text = "尚无补贴标准"


class PayrollTable(tables.Table):
    month = tables.Column(
        verbose_name="发放年月", linkify=lambda record: reverse("grassroots:payroll_detail", args=[record.pk])
    )
    total = MoneyColumn()
    created_by = PersonColumn()
    decided_by = PersonColumn()

    class Meta:
        model = Payroll
        fields = ["month", "kind", "line_count", "total", "status", "created_by", "decided_by"]
        attrs = {"class": "list"}
        empty_text = "尚无发放名册"

    def render_month(self, value):
        return month_label(value)


class PaymentLineTable(tables.Table):
    payee = tables.Column(verbose_name="收款人")
    committee = tables.Column(
        verbose_name="村（居）委", accessor="case__supervisor_member__committee__name", orderable=False
    )
    amount = MoneyColumn()

    class Meta:
        model = PaymentLine
        fields = ["town", "committee", "payee", "month", "kind", "amount"]
        attrs = {"class": "list"}
        empty_text = "没有明细"

    def render_month(self, value):
        return month_label(value)


class StationTable(tables.Table):
    worker_count = tables.Column(verbose_name="社工人数")

    class Meta:
        model = SocialWorkStation
        fields = ["name", "town", "address", "established_on", "opened_on", "status", "worker_count"]
        attrs = {"class": "list"}
        empty_text = "尚无社工站"


class WorkerTable(tables.Table):
    class Meta:
        model = SocialWorker
        fields = ["name", "station", "hired_on", "starts_on"]
        attrs = {"class": "list"}
        empty_text = "尚无社工"


class ProjectTable(tables.Table):
    name = tables.Column(linkify=lambda record: reverse("grassroots:project_detail", args=[record.pk]))
    kind = tables.Column(verbose_name="项目类别")
    town = tables.Column(verbose_name="所属镇", accessor="region__town__name", order_by="region__town__code")
    funds_secured = MoneyColumn()

    class Meta:
        model = Project
        fields = ["name", "kind", "town", "funds_secured", "started_on", "expected_on", "status"]
        attrs = {"class": "list"}
        empty_text = "尚无项目"

    def render_kind(self, value):
        return PROJECT_KINDS.get(value, value)


class VillageRuleTable(tables.Table):
    region = tables.Column(verbose_name="村（居）委或自然村", order_by="region__code")
    level = tables.Column(verbose_name="层级", accessor="region__get_level_display", order_by="region__level")

    class Meta:
        model = VillageRule
        fields = ["town", "region", "level", "status", "status_date"]
        attrs = {"class": "list"}
        empty_text = "尚无村规民约记录"


class GuidanceTable(tables.Table):
    class Meta:
        model = GuidanceDocument
        fields = ["title", "number", "issued_on"]
        attrs = {"class": "list"}
        empty_text = "尚无指导文件"


class OrganizationTable(tables.Table):
    name = tables.Column(linkify=lambda record: reverse("grassroots:org_detail", args=[record.pk]))

    class Meta:
        model = SocialOrganization
        fields = [
            "name",
            "credit_code",
            "kind",
            "town",
            "legal_representative",
            "registered_on",
            "status",
            "cancelled_on",
        ]
        attrs = {"class": "list"}
        empty_text = "没有符合条件的社会组织"


class CouncilTable(tables.Table):
    status = tables.Column(verbose_name="状态", accessor="status_label", order_by="registered_on")
    village = tables.Column(verbose_name="所在村", order_by="village__code")

    class Meta:
        model = XiangxianCouncil
        fields = ["name", "town", "village", "status", "filed_on", "registered_on", "credit_code"]
        attrs = {"class": "list"}
        empty_text = "尚无乡贤理事会"


class ClueTable(tables.Table):
    number = tables.Column(
        verbose_name="编号",
        accessor="pk",
        linkify=lambda record: reverse("grassroots:clue_detail", args=[record.pk]),
    )
    village = tables.Column(verbose_name="村（居）委", order_by="village__code")

    class Meta:
        model = ClueForm
        # No summary in the list: contents are read on the clue's own page, where opening is audited.
        fields = ["number", "received_on", "town", "village", "status"]
        attrs = {"class": "list"}
        empty_text = "尚无线索排查表"


class PublicityTable(tables.Table):
    quantity = tables.Column(verbose_name="份数")
    recorded_by = PersonColumn()

    class Meta:
        model = Activity
        fields = ["date", "region", "quantity", "note", "recorded_by"]
        attrs = {"class": "list"}
        empty_text = "尚无宣传记录"

    def render_quantity(self, value):
        return int(value)
