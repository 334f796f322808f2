import django_tables2 as tables
from django.db.models.functions import Coalesce
from django.urls import reverse

from civaffairs.models import Case, PaymentLine, Payroll, Request, Standard
from civaffairs.tables import MoneyColumn, PersonColumn

from .labels import case_category_label, standard_category_label


def month_label(value):
    return f"{value:%Y年%m月}" if value else "—"


class CaseTable(tables.Table):
    id = tables.Column(
        verbose_name="编号", linkify=lambda record: reverse("assistance:case_detail", args=[record.pk])
    )
    subject = tables.Column(verbose_name="对象", accessor="subject_name")
    subject_id = tables.Column(verbose_name="身份证号", empty_values=(), orderable=False)
    category = tables.Column(verbose_name="类别", empty_values=(), orderable=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "program",
            "subject",
            "subject_id",
            "town",
            "area",
            "category",
            "start_month",
            "end_month",
            "status",
            "next_review",
        ]
        attrs = {"class": "list"}
        empty_text = "没有符合条件的救助对象"

    def order_subject(self, queryset, is_descending):
        """By the name the column shows (the head's for a household, else the person's): one
        order, not the households' heads first and then the persons' cases."""
        name = Coalesce("household__head__name", "person__name")
        return queryset.order_by(name.desc() if is_descending else name.asc(), "id"), True

    def render_subject_id(self, record):
        person = record.household.head if record.household_id else record.person
        return person.masked_id

    def render_category(self, record):
        return case_category_label(record.program.code, record.category) or "—"

    def render_start_month(self, value):
        return month_label(value)

    def render_end_month(self, value):
        return month_label(value)


class RequestTable(tables.Table):
    id = tables.Column(
        verbose_name="编号", linkify=lambda record: reverse("assistance:request_detail", args=[record.pk])
    )
    subject = tables.Column(verbose_name="对象", accessor="case__subject_name", orderable=False)
    # Whom a 增人/减人 is about: the household's head alone does not say.
    person = tables.Column(verbose_name="涉及人员", accessor="person__name", default="—", orderable=False)
    program = tables.Column(
        verbose_name="项目", accessor="case__program__name", order_by="case__program__order"
    )
    town = tables.Column(verbose_name="所属镇", accessor="case__town__name", order_by="case__town__code")
    submitted_by = PersonColumn()
    decided_by = PersonColumn()

    class Meta:
        model = Request
        fields = [
            "id",
            "kind",
            "program",
            "subject",
            "person",
            "town",
            "effective_month",
            "status",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "comment",
        ]
        attrs = {"class": "list"}
        empty_text = "没有符合条件的申请"

    def render_effective_month(self, value):
        return month_label(value)


class StandardTable(tables.Table):
    id = tables.Column(
        verbose_name="编号", linkify=lambda record: reverse("assistance:standard_detail", args=[record.pk])
    )
    category = tables.Column(verbose_name="类别")
    amount = MoneyColumn()
    subsidy_level = MoneyColumn()
    drafted_by = PersonColumn()
    decided_by = PersonColumn()

    class Meta:
        model = Standard
        fields = [
            "id",
            "program",
            "category",
            "amount",
            "basis",
            "subsidy_level",
            "effective_from",
            "document",
            "status",
            "drafted_by",
            "decided_by",
        ]
        attrs = {"class": "list"}
        empty_text = "没有标准"

    def render_category(self, record):
        return standard_category_label(record.program.code, record.category)


class PayrollTable(tables.Table):
    id = tables.Column(
        verbose_name="编号", linkify=lambda record: reverse("assistance:payroll_detail", args=[record.pk])
    )
    total = MoneyColumn()
    created_by = PersonColumn()
    decided_by = PersonColumn()

    class Meta:
        model = Payroll
        fields = [
            "id",
            "program",
            "kind",
            "month",
            "line_count",
            "total",
            "status",
            "created_by",
            "decided_by",
        ]
        attrs = {"class": "list"}
        empty_text = "没有名册"

    def render_month(self, value):
        return month_label(value)


class PaymentLineTable(tables.Table):
    case = tables.Column(
        verbose_name="对象",
        accessor="case__subject_name",
        linkify=lambda record: reverse("assistance:case_detail", args=[record.case_id]),
        orderable=False,
    )
    town = tables.Column(verbose_name="所属镇", order_by="town__code")
    income = MoneyColumn()
    amount = MoneyColumn()

    class Meta:
        model = PaymentLine
        fields = ["case", "town", "month", "kind", "item", "persons", "income", "amount"]
        attrs = {"class": "list"}
        empty_text = "没有明细"

    def render_month(self, value):
        return month_label(value)
