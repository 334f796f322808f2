import datetime

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html

from civaffairs.idnumber import mask_id_number
from civaffairs.models import Activity, Institution, Project
from civaffairs.tables import MoneyColumn, PersonColumn

from .labels import PROJECT_KIND_LABELS, publicity_label
from .models import AdoptionRegistration, Cremation, FireRetrofit, Hazard, Inspection, MarriageRegistration


def _link(name):
    return lambda record: reverse(name, args=[record.pk])


class InstitutionTable(tables.Table):
    name = tables.Column(linkify=_link("welfare:institution_detail"))
    region = tables.Column(verbose_name="所在镇", order_by="region__code")
    capacity = tables.Column(verbose_name="设计床位", accessor="welfare_profile__capacity")
    beds = tables.Column(verbose_name="实有床位", accessor="welfare_profile__beds")
    operator = tables.Column(verbose_name="运营方式", accessor="welfare_profile__operator")
    fire_status = tables.Column(verbose_name="消防验收", accessor="welfare_profile__fire_status")

    class Meta:
        model = Institution
        fields = ["name", "kind", "region", "capacity", "beds", "operator", "fire_status"]
        attrs = {"class": "list"}
        empty_text = "没有机构"

    def render_operator(self, record):
        return record.welfare_profile.get_operator_display()

    def render_fire_status(self, record):
        return record.welfare_profile.get_fire_status_display()


class InspectionTable(tables.Table):
    id = tables.Column(verbose_name="编号", linkify=_link("welfare:inspection_detail"))
    institution = tables.Column(order_by="institution__name")
    hazard_count = tables.Column(verbose_name="隐患数")
    open_count = tables.Column(verbose_name="未销号")
    recorded_by = PersonColumn()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "date",
            "institution",
            "kind",
            "inspectors",
            "hazard_count",
            "open_count",
            "recorded_by",
        ]
        attrs = {"class": "list"}
        empty_text = "没有检查记录"


class HazardTable(tables.Table):
    # The hazard itself on its inspection's page (where it is closed), not the page's top.
    description = tables.Column(
        linkify=lambda record: (
            reverse("welfare:inspection_detail", args=[record.inspection_id]) + f"#hazard-{record.pk}"
        )
    )
    institution = tables.Column(order_by="institution__name")
    inspection_date = tables.Column(verbose_name="检查日期", accessor="inspection__date")

    class Meta:
        model = Hazard
        fields = ["description", "institution", "inspection_date", "owner", "deadline", "status", "closed_on"]
        attrs = {"class": "list"}
        empty_text = "没有隐患"

    def render_deadline(self, record, value):
        # Marked as the inspection page and the 逾期未整改 filter count it (selectors.overdue_hazards).
        shown = date_format(value)
        if record.status != Hazard.Status.CLOSED and value < datetime.date.today():
            return format_html('{} <strong class="overdue">（已逾期）</strong>', shown)
        return shown


class RetrofitTable(tables.Table):
    institution = tables.Column(order_by="institution__name")
    funds_spent = MoneyColumn()

    class Meta:
        model = FireRetrofit
        fields = ["institution", "name", "funds_spent", "paid_on", "accepted_on", "authority"]
        attrs = {"class": "list"}
        empty_text = "没有消防改造记录"


class ProjectTable(tables.Table):
    name = tables.Column(linkify=_link("welfare:project_detail"))
    kind = tables.Column(verbose_name="项目类别")
    region = tables.Column(verbose_name="地点", order_by="region__code")
    funds_secured = MoneyColumn()
    funds_spent = MoneyColumn()

    class Meta:
        model = Project
        fields = ["name", "kind", "region", "funds_secured", "funds_spent", "status", "expected_on"]
        attrs = {"class": "list"}
        empty_text = "没有项目"

    def render_kind(self, value):
        return PROJECT_KIND_LABELS.get(value, value)

    def render_region(self, record):
        return record.region.full_name


class MarriageTable(tables.Table):
    party_a_id = tables.Column(verbose_name="男方证件号码", accessor="party_a_masked", order_by="party_a_id")
    party_b_id = tables.Column(verbose_name="女方证件号码", accessor="party_b_masked", order_by="party_b_id")
    town = tables.Column(order_by="town__code")

    class Meta:
        model = MarriageRegistration
        fields = [
            "date",
            "kind",
            "scope",
            "party_a_name",
            "party_a_id",
            "party_b_name",
            "party_b_id",
            "certificate_no",
            "qualified",
            "town",
        ]
        attrs = {"class": "list"}
        empty_text = "没有婚姻登记"

    def render_qualified(self, value):
        return "合格" if value else "不合格"


class AdoptionTable(tables.Table):
    child_id = tables.Column()
    adopter_id = tables.Column()

    class Meta:
        model = AdoptionRegistration
        fields = ["date", "kind", "record_no", "child_name", "child_id", "adopter_name", "adopter_id", "town"]
        attrs = {"class": "list"}
        empty_text = "没有收养登记"

    def render_child_id(self, value):
        return mask_id_number(value)

    def render_adopter_id(self, value):
        return mask_id_number(value)


class CremationTable(tables.Table):
    id_number = tables.Column(accessor="masked_id", order_by="id_number", verbose_name="逝者身份证号")
    funds = MoneyColumn()
    town = tables.Column(order_by="town__code")
    village = tables.Column(order_by="village__code")

    class Meta:
        model = Cremation
        fields = [
            "date",
            "deceased_name",
            "id_number",
            "death_date",
            "funeral_home",
            "local",
            "town",
            "village",
            "funds",
        ]
        attrs = {"class": "list"}
        empty_text = "没有火化记录"

    def render_local(self, value):
        return "是" if value else "否"


class PublicityTable(tables.Table):
    kind = tables.Column(verbose_name="宣传方式")
    region = tables.Column(verbose_name="地点", order_by="region__code", default="全区")
    quantity = tables.Column(verbose_name="数量")
    recorded_by = PersonColumn()

    class Meta:
        model = Activity
        fields = ["date", "kind", "region", "quantity", "note", "recorded_by"]
        attrs = {"class": "list"}
        empty_text = "没有宣传记录"

    def render_kind(self, value):
        return publicity_label(value)

    def render_region(self, record):
        return record.region.full_name

    def render_quantity(self, record):
        return f"{int(record.quantity)}{record.unit}"
