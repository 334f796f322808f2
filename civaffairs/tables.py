import functools
import inspect

import django_tables2 as tables
from django.core.paginator import Page, Paginator
from django.db.models.query import QuerySet
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_tables2 import utils as tables_utils
from django_tables2.rows import BoundRows

from . import kept
from .audit_labels import References, action_label, describe_changes, object_type_label
from .models import AuditEvent, Household, Person
from .money import format_money
from .names import person_name

# django-tables2 asks inspect.signature of a column's render method (or linkify function) for every
# cell it renders (django_tables2.utils.call_with_appropriate): a tenth of a web worker's time under
# load (py-spy at ×10, bench/RESULTS.md). The answer depends on the function alone, so it is asked
# once per function; a bound method's is its function's without the first argument (self).
_signature = tables_utils.signature


@functools.lru_cache(maxsize=2048)
def _function_signature(function):
    return _signature(function)


def _cached_signature(fn):
    if inspect.ismethod(fn) and inspect.isfunction(fn.__func__):
        args, keywords = _function_signature(fn.__func__)
        return args[1:], keywords
    if inspect.isfunction(fn):
        return _function_signature(fn)
    return _signature(fn)


tables_utils.signature = _cached_signature


class IdsFirstPaginator(Paginator):
    """Pages a table's queryset by its ids first, then reads that page's rows with their joins.

    A list's queryset carries select_related joins (case → household → head, person, town, …).
    Sliced as it is, the database may join every row of the list before keeping one page of it
    (the district's case list: 12,901 cases joined to six tables to show 25; a payroll's lines:
    ~938,000 joined rows to show 25 of 4,513). Here the page's ids come from the ordering alone,
    and only those 25 rows are read with their joins, so page 50 costs what page 1 does."""

    @cached_property
    def count(self):
        """The list's count, kept while the records do not change (civaffairs/kept.py)."""
        data = getattr(getattr(self.object_list, "data", None), "data", None)
        if isinstance(data, QuerySet):
            return kept.count(data)
        return super().count

    def page(self, number):
        rows = self.object_list
        data = getattr(getattr(rows, "data", None), "data", None)
        if not isinstance(data, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(data.values_list("pk", flat=True)[bottom:top])
        # The page's rows by their ids alone: the filters chose the ids already (a search's
        # subqueries were evaluated again for the 25 rows, as long as for the page itself). Not
        # where a column aggregates (a household's member count): a filter's join would stay
        # without its condition and multiply what is counted.
        rows_query = data.order_by()
        if not any(getattr(a, "contains_aggregate", False) for a in rows_query.query.annotations.values()):
            rows_query.query.clear_where()
        found = rows_query.filter(pk__in=ids).in_bulk() if ids else {}
        records = [found[pk] for pk in ids if pk in found]
        return Page(BoundRows(records, rows.table, rows.pinned_data), number, self)


def paginate(request, table, per_page):
    """Configure a table from the request (ordering, page) and paginate it ids first."""
    tables.RequestConfig(
        request, paginate={"per_page": per_page, "paginator_class": IdsFirstPaginator}
    ).configure(table)
    return table


class MoneyColumn(tables.Column):
    """An amount as every screen shows it: 1,996,160.00 (civaffairs/money.py)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "money"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_money(value)


class PersonColumn(tables.Column):
    """A user by name, 陈志明, not by username (civaffairs/names.py); fetch it with select_related."""

    def render(self, value):
        return person_name(value)


class PersonTable(tables.Table):
    name = tables.Column(linkify=lambda record: reverse("person_detail", args=[record.pk]))
    id_number = tables.Column(verbose_name="身份证号", accessor="masked_id", order_by="id_number")
    town = tables.Column(verbose_name="所属镇", order_by="town__code")
    region = tables.Column(verbose_name="户籍地", order_by="region__code")
    # The birth year, never the date: the masked ID hides exactly the birth date (PIPL).
    birth_year = tables.Column(verbose_name="出生年份", accessor="birth_date", order_by="birth_date")

    class Meta:
        model = Person
        fields = ["name", "id_number", "sex", "birth_year", "town", "region", "disability_grade"]
        attrs = {"class": "list"}
        empty_text = "没有符合条件的人员"

    def render_birth_year(self, value):
        return f"{value:%Y}年"


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
    income_per_capita = MoneyColumn()

    class Meta:
        model = Household
        fields = ["head", "head_id", "town", "region", "area", "income_per_capita", "member_count"]
        attrs = {"class": "list"}
        empty_text = "没有符合条件的家庭"


class AuditTable(tables.Table):
    # Who acted, by name; the account is what the filter asks for. An event without an account
    # (a failed login) keeps the username that was typed.
    actor_name = tables.Column(verbose_name="操作人")
    changes = tables.Column(verbose_name="变更内容", orderable=False)

    class Meta:
        model = AuditEvent
        fields = ["at", "actor_name", "action", "object_type", "object_repr", "changes", "address"]
        attrs = {"class": "list"}
        empty_text = "没有符合条件的记录"

    _references = None

    def references(self):
        """The names the shown page's events refer to, fetched once for the page."""
        if self._references is None:
            self._references = References(row.record for row in self.paginated_rows)
        return self._references

    def render_actor_name(self, value, record):
        return person_name(record.actor) if record.actor_id else value

    def render_object_repr(self, value, record):
        if record.object_type == "auth.User" and record.object_id.isdigit():
            return self.references().name("auth.User", int(record.object_id)) or value
        return value

    # The log stores codes; the page shows them in Chinese (civaffairs/audit_labels.py).
    def render_action(self, value):
        return action_label(value)

    def render_object_type(self, value):
        return object_type_label(value)

    def render_changes(self, value, record):
        rows = describe_changes(record.action, record.object_type, value, self.references())
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
