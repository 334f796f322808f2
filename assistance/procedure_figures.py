"""Register figures of the 低保 / 特困 procedure (issue 11), through the figures registry: kept
apart from assistance/figures.py, whose figures are the work summary's (FIGURES.md)."""

import datetime
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q

from civaffairs.figures import COUNT, PERCENT, RATE, drilldown, figure, region_filter
from civaffairs.periods import add_months

from .models import Procedure, SpotCheck, Stage

# ------------------------------------------------------------------ 审核确认程序 (issue 11)


@figure(
    ("procedure.received", COUNT, "受理低保、特困申请数"),
    ("procedure.approved", COUNT, "审核确认批准数"),
    ("procedure.refused", COUNT, "审核确认不予批准数"),
    ("procedure.median_days", RATE, "受理至决定天数（中位数）"),
    ("procedure.overdue", COUNT, "逾期环节数（期末）"),
    ("procedure.spot_check_rate", PERCENT, "区级抽查率（%）"),
)
def procedure_figures(period, region):
    """Applications accepted, approved and refused in the period; the median of calendar days
    from acceptance to decision of those decided in it; the steps open at the period's end and
    past their deadline; the share of applications drawn in the period's spot checks that were
    sampled (random or registered relatives). Four queries, the median one of them."""
    first, last = period.first_month, add_months(period.last_month, 1) - datetime.timedelta(days=1)
    base = Procedure.objects.filter(region_filter(region, "case__town"))
    counts = base.aggregate(
        received=Count("id", filter=Q(accepted_on__gte=first, accepted_on__lte=last)),
        approved=Count("id", filter=Q(stage=Stage.APPROVED, decided_on__gte=first, decided_on__lte=last)),
        refused=Count("id", filter=Q(stage=Stage.REFUSED, decided_on__gte=first, decided_on__lte=last)),
        decided=Count("id", filter=Q(decided_on__gte=first, decided_on__lte=last, accepted_on__isnull=False)),
        overdue=Count(
            "id",
            filter=Q(due_on__lt=last)
            & Q(accepted_on__lte=last)
            & (Q(decided_on__isnull=True) | Q(decided_on__gt=last)),
        ),
    )
    median = median_days(
        base.filter(decided_on__gte=first, decided_on__lte=last, accepted_on__isnull=False),
        counts["decided"],
    )
    ids, chosen = set(), set()
    for check in SpotCheck.objects.filter(month__gte=first, month__lte=period.last_month):
        ids |= set(check.population)
        chosen |= set(check.drawn) | set(check.relatives)
    if region is not None and ids:
        ids = set(base.filter(pk__in=ids).values_list("pk", flat=True))
        chosen &= ids
    population, sampled = len(ids), len(chosen)
    rate = (Decimal(sampled * 100) / population).quantize(Decimal("0.1")) if population else None
    return {
        "procedure.received": counts["received"],
        "procedure.approved": counts["approved"],
        "procedure.refused": counts["refused"],
        "procedure.median_days": median,
        "procedure.overdue": counts["overdue"],
        "procedure.spot_check_rate": rate,
    }


def median_days(decided, count):
    """The median of calendar days from acceptance to decision over `decided` (a queryset of
    `count` procedures), taken by the database: ordered by the span, the middle one (odd count) or
    the middle two (even count) read with OFFSET/LIMIT — one query, whatever the data size, on
    SQLite and PostgreSQL alike."""
    if not count:
        return None
    span = ExpressionWrapper(F("decided_on") - F("accepted_on"), output_field=DurationField())
    middle = list(
        decided.annotate(span=span)
        .order_by("span", "pk")
        .values_list("span", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    days = [d.days if isinstance(d, datetime.timedelta) else int(d) for d in middle]
    return Decimal(sum(days)) / len(days)


# --- drill-down: the procedure list narrowed to the figure's dates ---------------------------------


def _may_open_procedures(user):
    return user.has_perm("civaffairs.view_case")


@drilldown(
    "procedure.received",
    "procedure.approved",
    "procedure.refused",
    "procedure.overdue",
    "procedure.median_days",
    may_open=_may_open_procedures,
)
def procedure_drilldown(key, period, region):
    from django.urls import reverse
    from django.utils.http import urlencode

    first, last = period.first_month, add_months(period.last_month, 1) - datetime.timedelta(days=1)
    params = {
        "procedure.received": {"accepted_from": first, "accepted_to": last},
        "procedure.approved": {"stage": Stage.APPROVED, "decided_from": first, "decided_to": last},
        "procedure.refused": {"stage": Stage.REFUSED, "decided_from": first, "decided_to": last},
        "procedure.overdue": {"overdue_on": last},
        # The median is taken over the applications decided in the period.
        "procedure.median_days": {"decided_from": first, "decided_to": last},
    }[key]
    params = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in params.items()}
    if region is not None:
        params["town"] = region.pk
    return f"{reverse('assistance:procedure_list')}?{urlencode(params)}"
