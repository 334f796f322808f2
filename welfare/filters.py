import django_filters
from django.db.models import Q

from civaffairs.filters import FilterSet
from civaffairs.idnumber import normalize
from civaffairs.models import Institution, Region

from .labels import PROJECT_KINDS, PUBLICITY_KINDS
from .models import Cremation, Hazard, Inspection, MarriageRegistration
from .selectors import rejected_hazards, rejected_milestones

ABROAD = "abroad"
UNCLOSED = "unclosed"
REJECTED = "rejected"


def _towns():
    return Region.objects.filter(level=Region.Level.TOWN).order_by("code")


class DateRange(FilterSet):
    since = django_filters.DateFilter(label="日期自", field_name="date", lookup_expr="gte")
    until = django_filters.DateFilter(label="日期至", field_name="date", lookup_expr="lte")


class InstitutionFilter(FilterSet):
    kind = django_filters.ChoiceFilter(label="类型", choices=Institution.Kind.choices)
    town = django_filters.ModelChoiceFilter(label="所在镇", field_name="region__town", queryset=_towns())


class InspectionFilter(DateRange):
    institution = django_filters.ModelChoiceFilter(label="机构", queryset=Institution.objects.all())
    kind = django_filters.ChoiceFilter(label="检查类别", choices=Inspection.Kind.choices)


class HazardFilter(FilterSet):
    institution = django_filters.ModelChoiceFilter(label="机构", queryset=Institution.objects.all())
    # 未销号: what the director's desk counts as 未销号安全隐患 (整改中 and 待审批销号).
    status = django_filters.ChoiceFilter(
        label="状态",
        choices=[
            *Hazard.Status.choices,
            (UNCLOSED, "未销号（整改中、待审批销号）"),
            (REJECTED, "销号申请被驳回（待重新提交）"),
        ],
        method="filter_status",
    )
    overdue = django_filters.BooleanFilter(label="逾期未整改", method="filter_overdue")

    def filter_status(self, queryset, name, value):
        if not value:
            return queryset
        if value == UNCLOSED:
            return queryset.exclude(status=Hazard.Status.CLOSED)
        if value == REJECTED:
            return rejected_hazards(queryset)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        import datetime

        late = Q(deadline__lt=datetime.date.today()) & ~Q(status=Hazard.Status.CLOSED)
        if value is None:
            return queryset
        return queryset.filter(late) if value else queryset.exclude(late)


class ProjectFilter(FilterSet):
    kind = django_filters.ChoiceFilter(label="项目类别", choices=PROJECT_KINDS)
    town = django_filters.ModelChoiceFilter(label="所在镇", field_name="region__town", queryset=_towns())
    rejected = django_filters.BooleanFilter(label="有被驳回的节点报告", method="filter_rejected")

    def filter_rejected(self, queryset, name, value):
        if value is None:
            return queryset
        projects = rejected_milestones(self.request.user).values("project_id")
        return queryset.filter(pk__in=projects) if value else queryset.exclude(pk__in=projects)


class MarriageFilter(DateRange):
    q = django_filters.CharFilter(label="姓名、证件号或证书编号", method="search")
    kind = django_filters.ChoiceFilter(label="登记类别", choices=MarriageRegistration.Kind.choices)
    # 涉外、港澳台、华侨 together is what the summary counts apart from 国内 (welfare/figures.py).
    scope = django_filters.ChoiceFilter(
        label="登记类型",
        choices=[*MarriageRegistration.Scope.choices, (ABROAD, "涉外、港澳台、华侨")],
        method="filter_scope",
    )
    town = django_filters.ModelChoiceFilter(label="户籍所在镇", queryset=_towns())

    def filter_scope(self, queryset, name, value):
        if not value:
            return queryset
        if value == ABROAD:
            return queryset.exclude(scope=MarriageRegistration.Scope.DOMESTIC)
        return queryset.filter(scope=value)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        number = normalize(value)
        return queryset.filter(
            Q(party_a_name__contains=value)
            | Q(party_b_name__contains=value)
            | Q(party_a_id=number)
            | Q(party_b_id=number)
            | Q(certificate_no=number)
        )


class AdoptionFilter(DateRange):
    town = django_filters.ModelChoiceFilter(label="户籍所在镇", queryset=_towns())


class CremationFilter(DateRange):
    q = django_filters.CharFilter(label="姓名或身份证号", method="search")
    local = django_filters.BooleanFilter(label="云安区户籍")
    town = django_filters.ModelChoiceFilter(label="户籍所在镇", queryset=_towns())

    class Meta:
        model = Cremation
        fields = ["q", "since", "until", "local", "town"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(deceased_name__contains=value) | Q(id_number=normalize(value)))


class PublicityFilter(DateRange):
    kind = django_filters.ChoiceFilter(
        label="宣传方式", choices=[(k, v[0]) for k, v in PUBLICITY_KINDS.items()]
    )
    town = django_filters.ModelChoiceFilter(label="所在镇", field_name="region__town", queryset=_towns())


class RetrofitFilter(FilterSet):
    institution = django_filters.ModelChoiceFilter(label="机构", queryset=Institution.objects.all())
    accepted = django_filters.BooleanFilter(
        label="已验收", field_name="accepted_on", lookup_expr="isnull", exclude=True
    )
