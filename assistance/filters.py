import django_filters
from django.db.models import Q

from civaffairs.filters import AnyYesNo, FilterSet
from civaffairs.idnumber import normalize
from civaffairs.models import ApprovalStatus, Area, Case, Program, Region, Request


class CaseFilter(FilterSet):
    q = django_filters.CharFilter(label="姓名或身份证号", method="search")
    program = django_filters.ModelChoiceFilter(
        label="项目", queryset=Program.objects.filter(section="assistance")
    )
    town = django_filters.ModelChoiceFilter(
        label="所属镇", queryset=Region.objects.filter(level=Region.Level.TOWN)
    )
    area = django_filters.ChoiceFilter(label="城乡", choices=Area.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=Case.Status.choices)
    review_due = django_filters.DateFilter(
        label="复核到期（不晚于）", field_name="next_review", lookup_expr="lte"
    )
    deceased = django_filters.BooleanFilter(
        label="有已死亡的保障人员", method="with_deceased", widget=AnyYesNo
    )

    class Meta:
        model = Case
        fields = ["q", "program", "town", "area", "status", "review_due", "deceased"]

    def with_deceased(self, queryset, name, value):
        if value is None:
            return queryset
        dead = Q(coverages__end_month__isnull=True, coverages__person__death_date__isnull=False)
        return queryset.filter(dead).distinct() if value else queryset.exclude(dead)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        number = normalize(value)
        return queryset.filter(
            Q(person__name__contains=value)
            | Q(household__head__name__contains=value)
            | Q(person__id_number=number)
            | Q(household__head__id_number=number)
            | Q(coverages__person__id_number=number)
        ).distinct()


class RequestFilter(FilterSet):
    kind = django_filters.ChoiceFilter(label="类型", choices=Request.Kind.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=ApprovalStatus.choices)
    program = django_filters.ModelChoiceFilter(
        label="项目", field_name="case__program", queryset=Program.objects.filter(section="assistance")
    )
    town = django_filters.ModelChoiceFilter(
        label="所属镇", field_name="case__town", queryset=Region.objects.filter(level=Region.Level.TOWN)
    )

    class Meta:
        model = Request
        fields = ["kind", "status", "program", "town"]
