import django_filters
from django import forms
from django.db import transaction
from django.db.models import Q

from .audit_labels import ACTION_CHOICES
from .idnumber import normalize
from .models import Area, AuditEvent, Household, Person, Region


class AnyYesNo(forms.NullBooleanSelect):
    """Django's yes/no select reads 未知 for "no filter"; a filter offers 全部."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "全部"), ("true", "是"), ("false", "否")]


class FilterSet(django_filters.FilterSet):
    """Every list's filter: yes/no questions offer 全部/是/否, dates are picked from a calendar,
    and a choice of towns offers a town
    caseworker only the own town (the records are scoped by the selectors anyway; the filter
    must not offer what the user cannot see). Views pass `request=request`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import user_town

        town = user_town(self.request.user) if self.request is not None else None
        for f in self.filters.values():
            if isinstance(f, django_filters.BooleanFilter) and "widget" not in f.extra:
                f.extra["widget"] = AnyYesNo
            if isinstance(f, django_filters.DateFilter) and "widget" not in f.extra:
                f.extra["widget"] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            queryset = getattr(f, "queryset", None)
            if town is not None and getattr(queryset, "model", None) is Region:
                f.queryset = queryset.filter(pk=town.pk)

    @property
    def qs(self):
        # A value the form refuses (another town's id, a date that is no date) lists nothing,
        # with the form's message, rather than quietly dropping that one condition.
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs

    def id_ending(self, field, number):
        """A search by the ending of an ID number: any ending for whoever sees numbers whole; for
        the others no more than the four digits the mask shows (445303********0016), so asking
        for ever longer endings does not un-mask a number digit by digit."""
        from .selectors import may_see_whole_numbers

        user = self.request.user if self.request is not None else None
        if len(number) > 4 and not may_see_whole_numbers(user):
            return Q(pk__in=[])
        return Q(**{f"{field}__endswith": number})

    def audit_whole_number(self, persons, number):
        """A whole ID number typed by someone who reads numbers masked: the list then says whose
        number it is, which is a reveal (and trying numbers would un-mask one), so it is audited
        as one, per person found."""
        from . import audit
        from .selectors import may_see_whole_numbers

        if not (number[:17].isdigit() and len(number) == 18):
            return
        user = self.request.user if self.request is not None else None
        if user is None or may_see_whole_numbers(user):
            return
        with transaction.atomic():
            for person in persons.filter(id_number=number)[:10]:
                audit.record(user, "person.reveal_id", person, {"by": "按完整身份证号查询"})


class PersonFilter(FilterSet):
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
            self.audit_whole_number(queryset, number)
            return queryset.filter(id_number=number)
        return queryset.filter(Q(name__contains=value) | self.id_ending("id_number", number))


class HouseholdFilter(FilterSet):
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
        self.audit_whole_number(Person.objects.filter(headed_households__in=queryset), number)
        return queryset.filter(
            Q(head__name__contains=value)
            | Q(head__id_number=number)
            | self.id_ending("head__id_number", number)
        )


def _actor_choices():
    """Every account, by name as screens show it (陈志明（shicheng）), so the auditor picks a person
    rather than recalling a username."""
    from django.contrib.auth import get_user_model

    from .names import person_name

    users = get_user_model().objects.order_by("username")
    return [(u.get_username(), f"{person_name(u)}（{u.get_username()}）") for u in users]


class AuditFilter(FilterSet):
    actor_name = django_filters.ChoiceFilter(label="操作人", choices=_actor_choices, empty_label="全部")
    action = django_filters.ChoiceFilter(label="操作", choices=ACTION_CHOICES, empty_label="全部")
    since = django_filters.DateFilter(label="起始日期", field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label="截止日期", field_name="at", lookup_expr="date__lte")
    object_repr = django_filters.CharFilter(label="对象", lookup_expr="contains")

    class Meta:
        model = AuditEvent
        fields = ["actor_name", "action", "object_repr", "since", "until"]
