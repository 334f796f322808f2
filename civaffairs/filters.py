import django_filters
from django.db.models import Q

from .audit_labels import ACTION_CHOICES
from .idnumber import normalize
from .models import Area, AuditEvent, Household, Person, Region


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名或身份证号", method="search")
    town = django_filters.ModelChoiceFilter(
        label="所属镇", queryset=Region.objects.filter(level=Region.Level.TOWN)
    )

    class Meta:
        model = Person
        fields = ["q", "town", "sex", "disability_grade"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        number = normalize(value)
        if number[:17].isdigit() and len(number) == 18:
            return queryset.filter(id_number=number)
        return queryset.filter(Q(name__contains=value) | Q(id_number__endswith=number))


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="户主姓名或身份证号", method="search")
    town = django_filters.ModelChoiceFilter(
        label="所属镇", queryset=Region.objects.filter(level=Region.Level.TOWN)
    )
    area = django_filters.ChoiceFilter(label="城乡类别", choices=Area.choices)

    class Meta:
        model = Household
        fields = ["q", "town", "area"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        number = normalize(value)
        return queryset.filter(
            Q(head__name__contains=value) | Q(head__id_number=number) | Q(head__id_number__endswith=number)
        )


class AuditFilter(django_filters.FilterSet):
    actor_name = django_filters.CharFilter(label="操作人账号", lookup_expr="exact")
    action = django_filters.ChoiceFilter(label="操作", choices=ACTION_CHOICES)
    since = django_filters.DateFilter(label="起始日期", field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label="截止日期", field_name="at", lookup_expr="date__lte")
    object_repr = django_filters.CharFilter(label="对象", lookup_expr="contains")

    class Meta:
        model = AuditEvent
        fields = ["actor_name", "action", "object_repr", "since", "until"]
