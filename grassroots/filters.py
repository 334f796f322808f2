import django_filters
from django import forms
from django.db.models import Q

from civaffairs.filters import FilterSet
from civaffairs.models import Project, Region
from civaffairs.periods import InvalidPeriod, parse_month

from .labels import PROJECT_KINDS
from .models import OrgKind, SocialOrganization, SupervisorMember, VillageRule, XiangxianCouncil

TOWNS = Region.objects.filter(level=Region.Level.TOWN).order_by("code")


class MemberFilter(FilterSet):
    town = django_filters.ModelChoiceFilter(label="所属镇", queryset=TOWNS)
    name = django_filters.CharFilter(label="姓名", field_name="person__name", lookup_expr="contains")
    role = django_filters.ChoiceFilter(label="职务", choices=SupervisorMember.Role.choices)
    # 在任 in a month as the summary counts them: the allowance in payment that month.
    paid_in = django_filters.CharFilter(
        label="补贴发放年月",
        method="filter_paid_in",
        widget=forms.TextInput(attrs={"placeholder": "2019-06", "size": 8}),
    )

    class Meta:
        model = SupervisorMember
        fields = ["town", "name", "role", "paid_in"]

    def filter_paid_in(self, queryset, name, value):
        try:
            month = parse_month(value)
        except InvalidPeriod:
            return queryset
        return queryset.filter(
            Q(case__start_month__lte=month) & (Q(case__end_month__isnull=True) | Q(case__end_month__gt=month))
        )


class ProjectFilter(FilterSet):
    kind = django_filters.ChoiceFilter(label="项目类别", choices=list(PROJECT_KINDS.items()))
    status = django_filters.ChoiceFilter(label="状态", choices=Project.Status.choices)
    town = django_filters.ModelChoiceFilter(label="所在镇", field_name="region__town", queryset=TOWNS)
    started_since = django_filters.DateFilter(label="开始日期自", field_name="started_on", lookup_expr="gte")
    started_until = django_filters.DateFilter(label="开始日期至", field_name="started_on", lookup_expr="lte")

    class Meta:
        model = Project
        fields = ["kind", "status", "town", "started_since", "started_until"]


class VillageRuleFilter(FilterSet):
    town = django_filters.ModelChoiceFilter(label="所属镇", queryset=TOWNS)
    level = django_filters.ChoiceFilter(
        label="层级",
        field_name="region__level",
        choices=[(Region.Level.VILLAGE, "村（居）委"), (Region.Level.NATURAL, "自然村")],
    )
    status = django_filters.ChoiceFilter(label="状态", choices=VillageRule.Status.choices)
    # 完成制定 by a day (表决通过 or 备案), as the summary counts them (grassroots/figures.py).
    done_by = django_filters.DateFilter(label="截至该日已完成制定", method="filter_done_by")

    class Meta:
        model = VillageRule
        fields = ["town", "level", "status", "done_by"]

    def filter_done_by(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            status__in=[VillageRule.Status.ADOPTED, VillageRule.Status.FILED], status_date__lte=value
        )


class OrganizationFilter(FilterSet):
    name = django_filters.CharFilter(label="名称", lookup_expr="contains")
    kind = django_filters.ChoiceFilter(label="类型", choices=OrgKind.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=SocialOrganization.Status.choices)
    town = django_filters.ModelChoiceFilter(label="所在镇", queryset=TOWNS)
    # 登记在册 on a day: registered by then and not cancelled by then (grassroots/figures.py).
    on_register = django_filters.DateFilter(label="该日登记在册", method="filter_on_register")

    class Meta:
        model = SocialOrganization
        fields = ["name", "kind", "status", "town", "on_register"]

    def filter_on_register(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Q(registered_on__lte=value) & (Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=value))
        )


class CouncilFilter(FilterSet):
    name = django_filters.CharFilter(label="名称或村名", method="search")
    town = django_filters.ModelChoiceFilter(label="所属镇", queryset=TOWNS)
    status = django_filters.ChoiceFilter(
        label="办理事项", choices=[("registered", "核名登记"), ("filed", "备案")], method="by_status"
    )

    # As the summary counts them on a day (grassroots/figures.py): name-registered by then, or
    # filed by then and not (yet) name-registered.
    registered_by = django_filters.DateFilter(label="截至该日已核名登记", method="filter_registered_by")
    filed_by = django_filters.DateFilter(label="截至该日已备案、未核名登记", method="filter_filed_by")

    class Meta:
        model = XiangxianCouncil
        fields = ["name", "town", "status", "registered_by", "filed_by"]

    def filter_registered_by(self, queryset, name, value):
        return queryset.filter(registered_on__lte=value) if value else queryset

    def filter_filed_by(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(filed_on__lte=value).exclude(registered_on__lte=value)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(village__name__contains=value))

    def by_status(self, queryset, name, value):
        # Name-registered councils carry a credit code; filed-only ones do not.
        if value == "registered":
            return queryset.filter(registered_on__isnull=False)
        return queryset.filter(registered_on__isnull=True)
