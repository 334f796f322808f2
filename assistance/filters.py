import django_filters
from django import forms
from django.db.models import Q

from civaffairs.filters import AnyYesNo, FilterSet
from civaffairs.idnumber import normalize
from civaffairs.models import ApprovalStatus, Area, Case, Program, Region, Request, Standard
from civaffairs.periods import InvalidPeriod, parse_month

from . import programs as P
from .selectors import with_deceased

IN_PAYMENT = [Case.Status.ACTIVE, Case.Status.ENDED]
MONTH_INPUT = {"placeholder": "2019-06", "size": 8}


def _month(value):
    try:
        return parse_month(value)
    except InvalidPeriod:
        return None


class CaseFilter(FilterSet):
    q = django_filters.CharFilter(label="姓名或身份证号", method="search")
    program = django_filters.ModelChoiceFilter(
        label="项目", queryset=Program.objects.filter(section="assistance"), to_field_name="code"
    )
    town = django_filters.ModelChoiceFilter(
        label="所属镇", queryset=Region.objects.filter(level=Region.Level.TOWN)
    )
    area = django_filters.ChoiceFilter(label="城乡", choices=Area.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=Case.Status.choices)
    review_from = django_filters.DateFilter(
        label="复核到期（不早于）", field_name="next_review", lookup_expr="gte"
    )
    review_due = django_filters.DateFilter(
        label="复核到期（不晚于）", field_name="next_review", lookup_expr="lte"
    )
    deceased = django_filters.BooleanFilter(
        label="有已死亡的保障人员", method="with_deceased", widget=AnyYesNo
    )
    category = django_filters.ChoiceFilter(
        label="供养方式",
        choices=[(P.DISPERSED, "分散供养（散居）"), (P.CENTRALIZED, "集中供养")],
    )
    # The months a figure counts (civaffairs/figures.py drill-downs link here with them): cases in
    # payment in a month (期末、期初存量), and cases whose payment started or stopped in a range of
    # months (新增、核减). Only approved cases (在保 or 已终止) were ever in payment.
    paid_in = django_filters.CharFilter(
        label="在保年月", method="filter_paid_in", widget=forms.TextInput(attrs=MONTH_INPUT)
    )
    start_from = django_filters.CharFilter(
        label="起始年月（从）", method="filter_months", widget=forms.TextInput(attrs=MONTH_INPUT)
    )
    start_to = django_filters.CharFilter(
        label="起始年月（至）", method="filter_months", widget=forms.TextInput(attrs=MONTH_INPUT)
    )
    end_from = django_filters.CharFilter(
        label="停发年月（从）", method="filter_months", widget=forms.TextInput(attrs=MONTH_INPUT)
    )
    end_to = django_filters.CharFilter(
        label="停发年月（至）", method="filter_months", widget=forms.TextInput(attrs=MONTH_INPUT)
    )

    class Meta:
        model = Case
        fields = [
            "q",
            "program",
            "town",
            "area",
            "status",
            "category",
            "review_from",
            "review_due",
            "deceased",
            "paid_in",
            "start_from",
            "start_to",
            "end_from",
            "end_to",
        ]

    def filter_paid_in(self, queryset, name, value):
        month = _month(value)
        if month is None:
            return queryset
        return queryset.filter(
            Q(status__in=IN_PAYMENT, start_month__lte=month)
            & (Q(end_month__isnull=True) | Q(end_month__gt=month))
        )

    def filter_months(self, queryset, name, value):
        month = _month(value)
        if month is None:
            return queryset
        field, bound = name.split("_")
        lookup = "gte" if bound == "from" else "lte"
        return queryset.filter(status__in=IN_PAYMENT, **{f"{field}_month__{lookup}": month})

    def with_deceased(self, queryset, name, value):
        # As the home page counts them (selectors.with_deceased): a recorded death ends the
        # coverage, so an open coverage never showed the cases the home page sends here.
        if value is None:
            return queryset
        dead = with_deceased(queryset).values("pk")
        return queryset.filter(pk__in=dead) if value else queryset.exclude(pk__in=dead)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        from civaffairs.models import Coverage, Household, Person

        # The persons whose name or number matches, as subqueries rather than joins: each case
        # stays one row (no DISTINCT over the list) and the persons are read once, not joined
        # twice to every case (the count of a search took 0.4 s at city scale).
        number = normalize(value)
        named = Person.objects.filter(name__contains=value).values("pk")
        found = Q(person__in=named) | Q(household__in=Household.objects.filter(head__in=named).values("pk"))
        if number.isdigit() or number[:-1].isdigit():  # an ID number, whole or its ending (X last)
            if len(number) < 18:
                # Its ending, as the person list searches it: the four digits the list shows
                # (445303********069X), any ending for whoever reads numbers whole.
                numbered = Person.objects.filter(self.id_ending("id_number", number)).values("pk")
            else:
                numbered = Person.objects.filter(id_number=number).values("pk")
            by_number = (
                Q(person__in=numbered)
                | Q(household__in=Household.objects.filter(head__in=numbered).values("pk"))
                | Q(pk__in=Coverage.objects.filter(person__in=numbered).values("case_id"))
            )
            if len(number) == 18 and queryset.filter(by_number).exists():  # whose number: a reveal
                self.audit_whole_number(Person.objects.all(), number)
            found |= by_number
        return queryset.filter(found)


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


class StandardFilter(FilterSet):
    """The versions of one standard (a program's category), from which the summary's current and
    previous standard are taken (assistance/figures.py links here)."""

    program = django_filters.ModelChoiceFilter(
        label="项目", queryset=Program.objects.filter(section="assistance"), to_field_name="code"
    )
    category = django_filters.ChoiceFilter(
        label="类别",
        choices=sorted({(c, label) for cats in P.STANDARD_CATEGORIES.values() for c, label, _ in cats}),
    )
    # The director's desk opens the standards waiting for approval here (?status=pending).
    status = django_filters.ChoiceFilter(label="状态", choices=ApprovalStatus.choices)

    class Meta:
        model = Standard
        fields = ["program", "category", "status"]
