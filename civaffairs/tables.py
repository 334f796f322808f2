import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .audit_labels import action_label, describe_changes, object_type_label
from .models import AuditEvent, Household, Person


class PersonTable(tables.Table):
    name = tables.Column(linkify=lambda record: reverse("person_detail", args=[record.pk]))
    id_number = tables.Column(verbose_name="身份证号", accessor="masked_id", order_by="id_number")
    town = tables.Column(verbose_name="所属镇", order_by="town__code")
    region = tables.Column(verbose_name="户籍地", order_by="region__code")

    class Meta:
        model = Person
        fields = ["name", "id_number", "sex", "birth_date", "town", "region", "disability_grade"]
        attrs = {"class": "list"}
        empty_text = "没有符合条件的人员"


class HouseholdTable(tables.Table):
    head = tables.Column(
        verbose_name="户主",
        linkify=lambda record: reverse("household_detail", args=[record.pk]),
        order_by="head__name",
    )
    head_id = tables.Column(
        verbose_name="户主身份证号", accessor="head__masked_id", order_by="head__id_number"
    )
    member_count = tables.Column(verbose_name="在册人数", orderable=True)

    class Meta:
        model = Household
        fields = ["head", "head_id", "town", "region", "area", "income_per_capita", "member_count"]
        attrs = {"class": "list"}
        empty_text = "没有符合条件的家庭"


class AuditTable(tables.Table):
    changes = tables.Column(verbose_name="变更内容", orderable=False)

    class Meta:
        model = AuditEvent
        fields = ["at", "actor_name", "action", "object_type", "object_repr", "changes", "address"]
        attrs = {"class": "list"}
        empty_text = "没有符合条件的记录"

    # The log stores codes; the page shows them in Chinese (civaffairs/audit_labels.py).
    def render_action(self, value):
        return action_label(value)

    def render_object_type(self, value):
        return object_type_label(value)

    def render_changes(self, value, record):
        rows = describe_changes(record.action, record.object_type, value)
        if not rows:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}：{}",
            (
                (label, before if after is None else format_html("{} → {}", before, after))
                for label, before, after in rows
            ),
        )
