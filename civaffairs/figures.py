"""The figures registry. Each app registers its figure functions (database aggregates) here;
reports and the `figures` command read them only through this module.

A figure function takes (period, region) — region is a town Region or None for the district —
and returns {key: value} for the keys it declared. Values: int for counts, Decimal for money and
rates, str for statuses.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Value

from .models import ApprovalStatus, Region
from .money import format_money, to_cent, wan_yuan  # noqa: F401  (wan_yuan: the reports read it here)

MONEY = "money"
COUNT = "count"
RATE = "rate"
STATUS = "status"
PERCENT = "percent"


@dataclass(frozen=True)
class FigureSpec:
    key: str
    unit: str
    label: str
    function: object


_REGISTRY = {}
DecimalZero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def figure(*specs):
    """Decorator: @figure(("dibao.households", COUNT, "低保户数"), ...) registers one function for
    the listed keys. A key may be registered by one function only."""

    def wrap(function):
        for key, unit, label in specs:
            if key in _REGISTRY and _REGISTRY[key].function.__qualname__ != function.__qualname__:
                raise ValueError(f"figure {key} registered twice")
            _REGISTRY[key] = FigureSpec(key, unit, label, function)
        return function

    return wrap


def specs():
    return dict(_REGISTRY)


@dataclass(frozen=True)
class RecordListSpec:
    key: str
    label: str
    function: object
    fields: tuple = ()


_RECORD_LISTS = {}


def record_list(key, label, fields=()):
    """Decorator: @record_list("welfare.projects", "设施建设项目") registers a function
    (period, region) -> list of str, one phrase per record as the summary writes it (e.g.
    "大河村", "救助站改造（已完成图纸设计）"). Reports join them; they never query records.

    With fields=("土地面积", "进展", …) the function returns one dict per record instead:
    {"": phrase, "土地面积": "400", "进展": "项目用地手续已完成", …} (every value a str), and a
    placeholder may ask for one field of the records ({welfare.rescue_station:进展})."""

    def wrap(function):
        if key in _RECORD_LISTS and _RECORD_LISTS[key].function.__qualname__ != function.__qualname__:
            raise ValueError(f"record list {key} registered twice")
        if key in _REGISTRY:
            raise ValueError(f"record list {key} clashes with a figure")
        _RECORD_LISTS[key] = RecordListSpec(key, label, function, tuple(fields))
        return function

    return wrap


def record_specs():
    return dict(_RECORD_LISTS)


def compute_records(key, period, region=None):
    """The record list's rows for the period and region, kept like the figures (civaffairs/kept.py)."""
    from . import kept

    function = _RECORD_LISTS[key].function
    place = region.pk if region is not None else 0
    return kept.kept(
        ("records", key, getattr(period, "start", period), getattr(period, "end", ""), place),
        lambda: list(function(period, region)),
    )


# --- month by month: the charts' series -------------------------------------------------------

_SERIES = {}


def monthly(*keys):
    """Decorator: @monthly("dibao.paid", …) registers a function (period, region) -> {key: [value
    of each month of the period]} for figures already registered: the figure month by month, in
    one query per kind of record rather than one per month. It must give, for each month, what
    compute() gives for that month (tests/civaffairs/test_monthly_series.py holds each app to it)."""

    def wrap(function):
        for key in keys:
            if key not in _REGISTRY:
                raise ValueError(f"monthly series for unregistered figure {key}")
            if key in _SERIES and _SERIES[key].__qualname__ != function.__qualname__:
                raise ValueError(f"monthly series for {key} registered twice")
            _SERIES[key] = function
        return function

    return wrap


def monthly_keys():
    return set(_SERIES)


def compute_months(period, region=None, keys=None):
    """[{key: value} for each month of the period]: from the monthly series where the figure has
    one, else the figure computed month by month."""
    from .periods import Period, month_end

    wanted = sorted(keys or _REGISTRY)
    months = period.months()
    rows = [{} for _ in months]
    functions = list(dict.fromkeys(_SERIES[key] for key in wanted if key in _SERIES))
    for result in _cached_calls(functions, period, region).values():
        for k, values in result.items():
            for row, value in zip(rows, values, strict=True):
                row[k] = value
    rest = [k for k in wanted if k not in _SERIES]
    if rest:
        for row, m in zip(rows, months, strict=True):
            row.update(compute(Period(m, month_end(m), f"{m:%Y-%m}"), region, keys=rest))
    return [{k: row[k] for k in wanted} for row in rows]


# --- drill-down: where a figure's records are ---------------------------------------------------

_DRILLDOWNS = {}


def drilldown(*keys, may_open):
    """Decorator: @drilldown("dibao.households", ..., may_open=fn) registers a function (for
    figures, and for record lists, whose records are listed the same way)
    (key, period, region) -> URL of an existing scoped list whose query selects the records behind
    the figure (or None when there is no such list for that key), and may_open(user) -> bool,
    whether the user may open that list at all. The list itself scopes and masks as always; reports
    ask for URLs only through drilldown_url and never import the list's app."""

    def wrap(function):
        for key in keys:
            if key not in _REGISTRY and key not in _RECORD_LISTS:
                raise ValueError(f"drill-down for unregistered figure {key}")
            if key in _DRILLDOWNS and _DRILLDOWNS[key][0].__qualname__ != function.__qualname__:
                raise ValueError(f"drill-down for {key} registered twice")
            _DRILLDOWNS[key] = (function, may_open)
        return function

    return wrap


def drilldown_keys():
    return set(_DRILLDOWNS)


def drilldown_url(key, period, region=None, user=None):
    """The URL of the records behind the figure for the period and region, or None when the figure
    has no drill-down or the user (when given) may not open its list."""
    entry = _DRILLDOWNS.get(key)
    if entry is None:
        return None
    function, may_open = entry
    if user is not None and not may_open(user):
        return None
    return function(key, period, region)


def drilldown_urls(period, region=None, user=None, keys=None):
    """{key: URL} for every figure (or those in keys) that has a drill-down the user may open."""
    out, allowed = {}, {}
    for key in sorted(keys if keys is not None else _DRILLDOWNS):
        entry = _DRILLDOWNS.get(key)
        if entry is None:
            continue
        function, may_open = entry
        if user is not None:
            if may_open not in allowed:  # asked once per list, not once per figure
                allowed[may_open] = may_open(user)
            if not allowed[may_open]:
                continue
        url = function(key, period, region)
        if url:
            out[key] = url
    return out


def compute(period, region=None, keys=None):
    """Every registered figure (or those in keys) for the period and region, in key order."""
    wanted = sorted(keys or _REGISTRY)
    functions = list(dict.fromkeys(_REGISTRY[key].function for key in wanted))
    values = {}
    for result in _cached_calls(functions, period, region).values():
        values.update(result)
    return {k: values[k] for k in wanted}


# The figures are kept while the records do not change (civaffairs/kept.py): the figures page,
# the summary's preview and the draft PDF then ask the database once, not 28 queries × 3 periods.


def _cached_calls(functions, period, region):
    """{function: function(period, region)}, kept per function, period, region and version."""
    from . import kept

    place = region.pk if region is not None else 0
    calls = {
        f: (
            ("figure", f"{f.__module__}.{f.__qualname__}", period.start, period.end, place),
            _bind(f, period, region),
        )
        for f in functions
    }
    return kept.kept_many(calls)


def _bind(function, period, region):
    return lambda: function(period, region)


def to_json_value(key, value):
    unit = _REGISTRY[key].unit
    if unit == MONEY:
        return str(to_cent(value))
    if unit in (RATE, PERCENT) and isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value


def display_value(key, value):
    """A figure as the figures page shows it: money as 1,996,160.00, a status by its label, the
    rest as in JSON. (JSON, the command and the XLSX keep plain numbers.)"""
    unit = _REGISTRY[key].unit
    if value is None:
        return None
    if unit == MONEY:
        return format_money(value)
    if unit == STATUS:
        return dict(ApprovalStatus.choices).get(value, value)
    return to_json_value(key, value)


def region_filter(region, field="town"):
    return Q(**{f"{field}_id": region.pk}) if region is not None else Q()


@figure(("villages.committees", COUNT, "村（居）委数"), ("villages.natural", COUNT, "自然村数"))
def village_counts(period, region):
    counts = Region.objects.filter(region_filter(region)).aggregate(
        committees=Count("id", filter=Q(level=Region.Level.VILLAGE)),
        natural=Count("id", filter=Q(level=Region.Level.NATURAL)),
    )
    return {"villages.committees": counts["committees"], "villages.natural": counts["natural"]}
