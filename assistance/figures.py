"""Figures of social assistance: database aggregates, a fixed number of queries per call.

Stock figures are taken in the month of the period's last day; flows count what started, ended
or was paid in the period's months. Money counts lines of approved payrolls and one-off relief.
"""

from django.db.models import Count, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from civaffairs.figures import (
    COUNT,
    MONEY,
    RATE,
    STATUS,
    DecimalZero,
    drilldown,
    figure,
    monthly,
    region_filter,
)
from civaffairs.models import ApprovalStatus, Area, Case, Coverage, PaymentLine, Program, Standard
from civaffairs.periods import add_months

from . import programs as P

IN_PAYMENT = [Case.Status.ACTIVE, Case.Status.ENDED]


def _active_at(month, prefix=""):
    return Q(**{f"{prefix}start_month__lte": month}) & (
        Q(**{f"{prefix}end_month__isnull": True}) | Q(**{f"{prefix}end_month__gt": month})
    )


def _in(period, field):
    return Q(**{f"{field}__gte": period.first_month, f"{field}__lte": period.last_month})


def _paid(period, region):
    """Lines paid in the period (approved payrolls, or one-off relief outside payrolls)."""
    return PaymentLine.objects.filter(
        _in(period, "paid_month"),
        region_filter(region),
        Q(payroll__isnull=True) | Q(payroll__status=ApprovalStatus.APPROVED),
    )


def _program(code, field="program_id"):
    """Rows of a program, its id read once (an InitPlan): no join to the programs per row."""
    return Q(**{field: Subquery(Program.objects.filter(code=code).values("pk")[:1])})


def _sum(q=None):
    return Coalesce(Sum("amount", filter=q), DecimalZero)


@figure(
    ("dibao.households", COUNT, "低保户数（期末）"),
    ("dibao.urban.households", COUNT, "城镇低保户数"),
    ("dibao.rural.households", COUNT, "农村低保户数"),
    ("dibao.opening.households", COUNT, "低保户数（期初）"),
    ("dibao.added.households", COUNT, "新增低保户数"),
    ("dibao.removed.households", COUNT, "核减低保户数"),
)
def dibao_households(period, region):
    opening_month = add_months(period.first_month, -1)
    c = Case.objects.filter(region_filter(region), program__code=P.DIBAO, status__in=IN_PAYMENT).aggregate(
        total=Count("id", filter=_active_at(period.last_month)),
        urban=Count("id", filter=_active_at(period.last_month) & Q(area=Area.URBAN)),
        rural=Count("id", filter=_active_at(period.last_month) & Q(area=Area.RURAL)),
        opening=Count("id", filter=_active_at(opening_month)),
        added=Count("id", filter=_in(period, "start_month")),
        removed=Count("id", filter=_in(period, "end_month")),
    )
    return {
        "dibao.households": c["total"],
        "dibao.urban.households": c["urban"],
        "dibao.rural.households": c["rural"],
        "dibao.opening.households": c["opening"],
        "dibao.added.households": c["added"],
        "dibao.removed.households": c["removed"],
    }


@figure(
    ("dibao.paid", MONEY, "低保金发放"),
    ("tekun.paid", MONEY, "特困供养经费（基本生活）"),
    ("tekun.care_paid", MONEY, "特困供养护理经费"),
    ("orphan.paid", MONEY, "孤儿基本生活保障金"),
    ("child_in_difficulty.paid", MONEY, "困境儿童救助金"),
    ("disability.living.paid", MONEY, "困难残疾人生活补贴发放"),
    ("disability.care.paid", MONEY, "重度残疾人护理补贴发放"),
    ("disability.living.persons", COUNT, "领取生活补贴人数"),
    ("disability.care.persons", COUNT, "领取护理补贴人数"),
    ("temp_relief.cases", COUNT, "临时救助人次"),
    ("temp_relief.paid", MONEY, "临时救助金额"),
    ("temp_relief.mental_cases", COUNT, "其中救助精神障碍患者人次"),
)
def money(period, region):
    # Two statements, neither joining the period's lines to their cases (at ×100, 7.5 M lines
    # hash-joined to 1.3 M cases spilled to disk and took 4–5 s, most of the figures' time):
    # the sums and counts read the lines alone, each program's id an InitPlan; the persons of
    # the two disability allowances are counted over their cases having a paid line.
    basic = Q(item=PaymentLine.Item.BASIC)
    prog = _program
    temp = prog(P.TEMP_RELIEF)
    mental_relief = Case.objects.filter(program__code=P.TEMP_RELIEF, mental_disorder=True).values("pk")
    a = _paid(period, region).aggregate(
        dibao=_sum(prog(P.DIBAO)),
        tekun=_sum(prog(P.TEKUN) & basic),
        tekun_care=_sum(prog(P.TEKUN) & Q(item=PaymentLine.Item.CARE)),
        orphan=_sum(prog(P.ORPHAN)),
        child=_sum(prog(P.CHILD)),
        living=_sum(prog(P.DISABILITY_LIVING)),
        care=_sum(prog(P.DISABILITY_CARE)),
        temp_cases=Count("id", filter=temp),
        temp_paid=_sum(temp),
        temp_mental=Count("id", filter=temp & Q(case_id__in=mental_relief)),
    )

    # (a line's program is its case's: the engine pays a case in its own program)
    disability = [P.DISABILITY_LIVING, P.DISABILITY_CARE]
    paid = _paid(period, region).filter(program__code__in=disability).values("case_id")
    a |= Case.objects.filter(program__code__in=disability, pk__in=paid).aggregate(
        living_persons=Count("person", distinct=True, filter=Q(program__code=P.DISABILITY_LIVING)),
        care_persons=Count("person", distinct=True, filter=Q(program__code=P.DISABILITY_CARE)),
    )
    return {
        "dibao.paid": a["dibao"],
        "tekun.paid": a["tekun"],
        "tekun.care_paid": a["tekun_care"],
        "orphan.paid": a["orphan"],
        "child_in_difficulty.paid": a["child"],
        "disability.living.paid": a["living"],
        "disability.care.paid": a["care"],
        "disability.living.persons": a["living_persons"],
        "disability.care.persons": a["care_persons"],
        "temp_relief.cases": a["temp_cases"],
        "temp_relief.paid": a["temp_paid"],
        "temp_relief.mental_cases": a["temp_mental"],
    }


@figure(
    ("dibao.persons", COUNT, "低保人数（期末）"),
    ("dibao.urban.persons", COUNT, "城镇低保人数"),
    ("dibao.rural.persons", COUNT, "农村低保人数"),
    ("dibao.opening.persons", COUNT, "低保人数（期初）"),
    ("dibao.added.persons", COUNT, "新增低保人数"),
    ("dibao.removed.persons", COUNT, "核减低保人数"),
    ("tekun.persons", COUNT, "特困供养人数（期末）"),
    ("tekun.rural.persons", COUNT, "农村特困供养人数"),
    ("tekun.rural.dispersed", COUNT, "农村分散供养人数"),
    ("tekun.rural.centralized", COUNT, "农村集中供养人数"),
    ("orphan.persons", COUNT, "孤儿人数"),
    ("orphan.centralized", COUNT, "集中供养孤儿"),
    ("orphan.dispersed", COUNT, "散居孤儿"),
    ("child_in_difficulty.persons", COUNT, "困境儿童人数"),
)
def person_stocks(period, region):
    # Counted over covered persons, not cases: a recorded death ends the cover from the next month,
    # so the dead leave the stock on the day the summary is taken, before the 核减 paperwork.
    # One scan of the covers for every program's persons (at ×100 each scan joined 1.7 M covers to
    # 1.3 M cases: 0.7 s apiece), each program's id read once rather than joined.
    at = _active_at(period.last_month)
    opening_month = add_months(period.first_month, -1)
    dibao = _program(P.DIBAO)
    tekun = _program(P.TEKUN) & at
    rural_tekun = tekun & Q(case__area=Area.RURAL)
    orphan = _program(P.ORPHAN) & at
    c = Coverage.objects.filter(region_filter(region, "case__town"), case__status__in=IN_PAYMENT).aggregate(
        dibao=Count("id", filter=dibao & at),
        dibao_urban=Count("id", filter=dibao & at & Q(case__area=Area.URBAN)),
        dibao_rural=Count("id", filter=dibao & at & Q(case__area=Area.RURAL)),
        dibao_opening=Count("id", filter=dibao & _active_at(opening_month)),
        dibao_added=Count("id", filter=dibao & _in(period, "start_month")),
        dibao_removed=Count("id", filter=dibao & _in(period, "end_month")),
        tekun=Count("id", filter=tekun),
        tekun_rural=Count("id", filter=rural_tekun),
        tekun_rural_dispersed=Count("id", filter=rural_tekun & Q(case__category=P.DISPERSED)),
        tekun_rural_centralized=Count("id", filter=rural_tekun & Q(case__category=P.CENTRALIZED)),
        orphan=Count("id", filter=orphan),
        orphan_centralized=Count("id", filter=orphan & Q(case__category=P.CENTRALIZED)),
        orphan_dispersed=Count("id", filter=orphan & Q(case__category=P.DISPERSED)),
        child=Count("id", filter=_program(P.CHILD) & at),
    )
    return {
        "dibao.persons": c["dibao"],
        "dibao.urban.persons": c["dibao_urban"],
        "dibao.rural.persons": c["dibao_rural"],
        "dibao.opening.persons": c["dibao_opening"],
        "dibao.added.persons": c["dibao_added"],
        "dibao.removed.persons": c["dibao_removed"],
        "tekun.persons": c["tekun"],
        "tekun.rural.persons": c["tekun_rural"],
        "tekun.rural.dispersed": c["tekun_rural_dispersed"],
        "tekun.rural.centralized": c["tekun_rural_centralized"],
        "orphan.persons": c["orphan"],
        "orphan.centralized": c["orphan_centralized"],
        "orphan.dispersed": c["orphan_dispersed"],
        "child_in_difficulty.persons": c["child"],
    }


@figure(("mental.covered", COUNT, "纳入低保和特困供养的严重精神障碍患者"))
def mental_covered(period, region):
    n = Coverage.objects.filter(
        _active_at(period.last_month),
        region_filter(region, "case__town"),
        program__code__in=[P.DIBAO, P.TEKUN],
        case__status__in=IN_PAYMENT,
        person__severe_mental_disorder=True,
    ).aggregate(n=Count("person", distinct=True))["n"]
    return {"mental.covered": n}


# (key prefix, program, category, annual?, label)
STANDARD_FIGURES = [
    ("dibao.urban", P.DIBAO, "urban", False, "城镇低保标准（元/人/月）"),
    ("dibao.rural", P.DIBAO, "rural", False, "农村低保标准（元/人/月）"),
    ("tekun.urban", P.TEKUN, "urban", False, "城镇特困人员基本生活标准（元/人/月）"),
    ("tekun.rural", P.TEKUN, "rural", False, "农村特困人员基本生活标准（元/人/月）"),
    ("orphan.centralized", P.ORPHAN, P.CENTRALIZED, False, "集中供养孤儿标准（元/人/月）"),
    ("orphan.dispersed", P.ORPHAN, P.DISPERSED, False, "散居孤儿标准（元/人/月）"),
    ("disability.living", P.DISABILITY_LIVING, "default", True, "残疾人生活津贴（元/人/年）"),
    ("disability.care", P.DISABILITY_CARE, "default", True, "重残护理补贴（元/人/年）"),
]


def _standard_specs():
    specs = []
    for prefix, _program, _category, annual, label in STANDARD_FIGURES:
        name = "annual_standard" if annual else "standard"
        specs += [(f"{prefix}.{name}", RATE, label), (f"{prefix}.{name}_previous", RATE, f"{label}·原标准")]
    specs += [
        ("dibao.urban.subsidy_level", RATE, "城镇低保补差水平"),
        ("dibao.rural.subsidy_level", RATE, "农村低保补差水平"),
        ("dibao.standard_status", STATUS, "低保标准审批状态"),
        ("tekun.standard_status", STATUS, "特困标准审批状态"),
    ]
    return specs


@figure(*_standard_specs())
def standards(period, region):
    """X.standard: newest version effective in the period's year (approved or pending);
    X.standard_previous: the approved version it replaces. One query."""
    rows = list(
        Standard.objects.filter(
            status__in=[ApprovalStatus.APPROVED, ApprovalStatus.PENDING],
            effective_from__lte=period.end.replace(month=12, day=31),
            program__code__in={p for _, p, _, _, _ in STANDARD_FIGURES},
        )
        .select_related("program")
        .order_by("effective_from", "id")
    )
    out = {}
    statuses = {}
    for prefix, program, category, annual, _label in STANDARD_FIGURES:
        name = "annual_standard" if annual else "standard"
        versions = [s for s in rows if s.program.code == program and s.category == category]
        in_year = [s for s in versions if s.effective_from.year == period.year]
        current = (
            in_year[-1]
            if in_year
            else next((s for s in reversed(versions) if s.status == ApprovalStatus.APPROVED), None)
        )
        previous = None
        if current is not None:
            previous = next(
                (
                    s
                    for s in reversed(versions)
                    if s.status == ApprovalStatus.APPROVED and s.effective_from < current.effective_from
                ),
                None,
            )
        out[f"{prefix}.{name}"] = current.amount if current else None
        out[f"{prefix}.{name}_previous"] = previous.amount if previous else None
        if prefix.startswith("dibao."):
            out[f"{prefix}.subsidy_level"] = current.subsidy_level if current else None
        if current is not None:
            statuses.setdefault(program, set()).add(current.status)
    for program in (P.DIBAO, P.TEKUN):
        found = statuses.get(program, set())
        out[f"{program}.standard_status"] = (
            ApprovalStatus.PENDING.value
            if ApprovalStatus.PENDING in found
            else (ApprovalStatus.APPROVED.value if found else None)
        )
    return out


# --- drill-down: the case list (assistance:case_list) selects the cases behind a figure ----------


def _may_open_cases(user):
    return user.has_perm("civaffairs.view_case")


def _case_list(program, region, **query):
    from django.urls import reverse
    from django.utils.http import urlencode

    params = {"program": program}
    if region is not None:
        params["town"] = region.pk
    params.update({k: v for k, v in query.items() if v})
    return f"{reverse('assistance:case_list')}?{urlencode(params)}"


def _month_text(month):
    return f"{month:%Y-%m}"


# key → (program, what: stock|opening|added|removed, area, category). Household figures count cases;
# the person stocks of 特困, 孤儿 and 困境儿童 count covered persons of one-person cases, so the list
# shows as many rows as the figure. 低保人数 is shown by its households (a case covers a household).
CASE_DRILLDOWNS = {
    "dibao.households": (P.DIBAO, "stock", "", ""),
    "dibao.urban.households": (P.DIBAO, "stock", Area.URBAN, ""),
    "dibao.rural.households": (P.DIBAO, "stock", Area.RURAL, ""),
    "dibao.opening.households": (P.DIBAO, "opening", "", ""),
    "dibao.added.households": (P.DIBAO, "added", "", ""),
    "dibao.removed.households": (P.DIBAO, "removed", "", ""),
    "dibao.persons": (P.DIBAO, "stock", "", ""),
    "dibao.urban.persons": (P.DIBAO, "stock", Area.URBAN, ""),
    "dibao.rural.persons": (P.DIBAO, "stock", Area.RURAL, ""),
    "dibao.opening.persons": (P.DIBAO, "opening", "", ""),
    "tekun.persons": (P.TEKUN, "stock", "", ""),
    "tekun.rural.persons": (P.TEKUN, "stock", Area.RURAL, ""),
    "tekun.rural.dispersed": (P.TEKUN, "stock", Area.RURAL, P.DISPERSED),
    "tekun.rural.centralized": (P.TEKUN, "stock", Area.RURAL, P.CENTRALIZED),
    "orphan.persons": (P.ORPHAN, "stock", "", ""),
    "orphan.centralized": (P.ORPHAN, "stock", "", P.CENTRALIZED),
    "orphan.dispersed": (P.ORPHAN, "stock", "", P.DISPERSED),
    "child_in_difficulty.persons": (P.CHILD, "stock", "", ""),
}


@drilldown(*CASE_DRILLDOWNS, may_open=_may_open_cases)
def case_drilldown(key, period, region):
    program, what, area, category = CASE_DRILLDOWNS[key]
    months = {
        "stock": {"paid_in": _month_text(period.last_month)},
        "opening": {"paid_in": _month_text(add_months(period.first_month, -1))},
        "added": {"start_from": _month_text(period.first_month), "start_to": _month_text(period.last_month)},
        "removed": {"end_from": _month_text(period.first_month), "end_to": _month_text(period.last_month)},
    }[what]
    return _case_list(program, region, area=area, category=category, **months)


# The versions of a standard (assistance:standard_list by program and category): the current and
# the previous standard are read from them; the approval status from the program's versions.
def _may_open_standards(user):
    return user.has_perm("civaffairs.view_standard")


STANDARD_DRILLDOWNS = {
    **{
        f"{prefix}.{name}{suffix}": (program, category)
        for prefix, program, category, annual, _label in STANDARD_FIGURES
        for name in ["annual_standard" if annual else "standard"]
        for suffix in ("", "_previous")
    },
    "dibao.urban.subsidy_level": (P.DIBAO, "urban"),
    "dibao.rural.subsidy_level": (P.DIBAO, "rural"),
    "dibao.standard_status": (P.DIBAO, ""),
    "tekun.standard_status": (P.TEKUN, ""),
}


@drilldown(*STANDARD_DRILLDOWNS, may_open=_may_open_standards)
def standard_drilldown(key, period, region):
    from django.urls import reverse
    from django.utils.http import urlencode

    program, category = STANDARD_DRILLDOWNS[key]
    params = {"program": program}
    if category:
        params["category"] = category
    return f"{reverse('assistance:standard_list')}?{urlencode(params)}"


# --- month by month, for the charts: one query per kind of record ------------------------------


@monthly("dibao.households", "dibao.persons")
def dibao_month_ends(period, region):
    """低保 households and persons in payment at each month's end (as dibao_households and
    dibao_persons count them for a one-month period)."""
    months = period.months()
    at = {f"m{i}": Count("id", filter=_active_at(m)) for i, m in enumerate(months)}
    households = Case.objects.filter(
        region_filter(region), program__code=P.DIBAO, status__in=IN_PAYMENT
    ).aggregate(**at)
    persons = Coverage.objects.filter(
        region_filter(region, "case__town"), program__code=P.DIBAO, case__status__in=IN_PAYMENT
    ).aggregate(**at)
    return {
        "dibao.households": [households[f"m{i}"] for i in range(len(months))],
        "dibao.persons": [persons[f"m{i}"] for i in range(len(months))],
    }


# key → (program, item or None for every item), as money() sums them.
PAID_BY_PROGRAM = {
    "dibao.paid": (P.DIBAO, None),
    "tekun.paid": (P.TEKUN, PaymentLine.Item.BASIC),
    "tekun.care_paid": (P.TEKUN, PaymentLine.Item.CARE),
    "orphan.paid": (P.ORPHAN, None),
    "child_in_difficulty.paid": (P.CHILD, None),
    "disability.living.paid": (P.DISABILITY_LIVING, None),
    "disability.care.paid": (P.DISABILITY_CARE, None),
    "temp_relief.paid": (P.TEMP_RELIEF, None),
}


@monthly(*PAID_BY_PROGRAM)
def paid_by_month(period, region):
    """What money() sums, month by month: one grouped query over the period's lines."""
    months = period.months()
    index = {m: i for i, m in enumerate(months)}
    out = {key: [DecimalZero.value] * len(months) for key in PAID_BY_PROGRAM}
    rows = (
        _paid(period, region)
        .values_list("paid_month", "program__code", "item")
        .annotate(total=_sum())
        .order_by()
    )
    for month, program, item, total in rows:
        for key, (code, wanted_item) in PAID_BY_PROGRAM.items():
            if code == program and wanted_item in (None, item):
                out[key][index[month]] += total
    return out
