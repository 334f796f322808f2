import django_filters
from django.db.models import Q

from civaffairs.filters import FilterSet
from civaffairs.models import Project, Region

from .labels import PROJECT_KINDS
from .models import OrgKind, SocialOrganization, SupervisorMember, VillageRule, XiangxianCouncil

TOWNS = Region.objects.filter(level=Region.Level.TOWN).order_by("code")


class MemberFilter(FilterSet):
    town = django_filters.ModelChoiceFilter(label="所属镇", queryset=TOWNS)
    name = django_filters.CharFilter(label="姓名", field_name="person__name", lookup_expr="contains")
    role = django_filters.ChoiceFilter(label="职务", choices=SupervisorMember.Role.choices)

    class Meta:
        model = SupervisorMember
        fields = ["town", "name", "role"]


class ProjectFilter(FilterSet):
    kind = django_filters.ChoiceFilter(label="项目类别", choices=list(PROJECT_KINDS.items()))
    status = django_filters.ChoiceFilter(label="状态", choices=Project.Status.choices)

    class Meta:
        model = Project
        fields = ["kind", "status"]


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

    class Meta:
        model = XiangxianCouncil
        fields = ["name", "town", "status"]

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
