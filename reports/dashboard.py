"""The director's desk: the half-year's key figures against a year earlier, the bureau's to-dos,
the state of the period's summary, and charts of the months."""

import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from civaffairs import figures as registry
from civaffairs.home import bureau_todos, register_widget
from civaffairs.models import Section
from civaffairs.periods import Period, month_end

from . import charts
from .comparison import shift
from .home import plan_counts
from .models import Summary
from .placeholders import format_figure

KEY_FIGURES = [
    "dibao.households",
    "dibao.persons",
    "dibao.paid",
    "tekun.persons",
    "tekun.paid",
    "orphan.persons",
    "disability.care.persons",
    "temp_relief.cases",
    "temp_relief.paid",
    "funeral.cremations",
    "marriage.domestic.marriages",
    "socialorg.total",
]


def current_period(today=None):
    """The half-year of the newest summary; without one, the half-year of today, so far."""
    newest = Summary.objects.order_by("-period").values_list("period", flat=True).first()
    if newest:
        return Period.parse(newest)
    today = today or timezone.localdate()
    start = datetime.date(today.year, 1 if today.month <= 6 else 7, 1)
    end = month_end(today)
    return Period(start, end, f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")


def key_figures(period):
    keys = [k for k in KEY_FIGURES if k in registry.specs()]
    if not keys:
        return []
    year_ago = shift(period, -12)
    now, before = registry.compute(period, keys=keys), registry.compute(year_ago, keys=keys)
    specs = registry.specs()
    rows = []
    for key in keys:
        unit = specs[key].unit
        change = None
        if now[key] is not None and before[key] is not None:
            change = now[key] - before[key]
        shown_change = ""
        if change is not None:
            shown_change = (
                "持平" if change == 0 else format_figure(registry.to_json_value(key, abs(change)), unit)
            )
        rows.append(
            {
                "label": specs[key].label,
                "now": format_figure(registry.to_json_value(key, now[key]), unit),
                "before": format_figure(registry.to_json_value(key, before[key]), unit),
                "change": shown_change,
                "up": change is not None and change > 0,
                "down": change is not None and change < 0,
            }
        )
    return rows, year_ago


def todos_by_section(user, today=None):
    """Per section, the to-dos its domain app registers (civaffairs/home.py): approvals waiting,
    cases overdue for review, open hazards …, each with its count and the list it opens."""
    today = today or timezone.localdate()
    items = {s: [] for s in Section.values}
    for item in bureau_todos(user, today):
        items.setdefault(item["section"], []).append(item)
    return [{"label": label, "items": items[value]} for value, label in Section.choices]


def monthly_charts(period, region=None):
    months = period.months()
    labels = [f"{m.month}月" for m in months]
    specs = registry.specs()
    stock_keys = [k for k in ("dibao.households", "dibao.persons") if k in specs]
    paid_keys = sorted(k for k, s in specs.items() if s.unit == registry.MONEY and k.endswith(".paid"))
    per_month = registry.compute_months(period, region, keys=stock_keys + paid_keys)
    out = []
    if stock_keys:
        out.append(
            charts.line_chart(
                "低保户数和人数（各月末）",
                labels,
                [(specs[k].label, [row[k] for row in per_month]) for k in stock_keys],
            )
        )
    if paid_keys:
        out.append(
            charts.bar_chart(
                "各项目每月发放金额（元）",
                labels,
                [(specs[k].label, [row[k] for row in per_month]) for k in paid_keys],
            )
        )
    return [mark_safe(svg) for svg in out]


@register_widget
def director_dashboard(request):
    user = request.user
    if not user.has_perm("reports.finalize_summary"):
        return None
    period = current_period()
    figures_rows, year_ago = key_figures(period) or ([], None)
    summaries = Summary.objects.filter(period=period.label).select_related("region")
    plans = plan_counts()
    return render_to_string(
        "reports/_dashboard.html",
        {
            "period": period,
            "year_ago": year_ago,
            "figures": figures_rows,
            "pending": todos_by_section(user),
            "overdue_plans": plans["overdue"],
            "summaries": summaries,
            "charts": monthly_charts(period),
        },
        request=request,
    )
