"""Figures of 社会福利和社会事务: database aggregates over welfare's own records, one query per
kind of record whatever the data size. Flows count what happened inside the period (both ends
included); the retrofit funds are a stock, spent up to the period's last day."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from civaffairs.figures import (
    COUNT,
    MONEY,
    PERCENT,
    DecimalZero,
    drilldown,
    figure,
    record_list,
    region_filter,
)
from civaffairs.models import Activity, ApprovalStatus, Institution, Project, Section
from civaffairs.money import wan_yuan

from .labels import MILESTONES, PROJECT_KIND_LABELS, PUBLICITY_KINDS
from .models import (
    AdoptionRegistration,
    Cremation,
    FireRetrofit,
    Inspection,
    MarriageRegistration,
    MilestoneReport,
)


def _within(period, field="date"):
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


HOMES = [Institution.Kind.WELFARE_CENTRE, Institution.Kind.NURSING_HOME]


@figure(
    ("elderly_care.homes_inspected", COUNT, "开展风险隐患检查的养老机构（间）"),
    ("elderly_care.fire_retrofit_funds", MONEY, "养老机构消防改造累计投入资金"),
)
def elderly_care(period, region):
    inspected = Inspection.objects.filter(
        _within(period),
        region_filter(region, "institution__region__town"),
        kind__in=Inspection.RISK_KINDS,
        institution__kind__in=HOMES,
    ).aggregate(n=Count("institution", distinct=True))["n"]
    funds = FireRetrofit.objects.filter(
        region_filter(region, "institution__region__town"), paid_on__lte=period.end
    ).aggregate(total=Coalesce(Sum("funds_spent"), DecimalZero))["total"]
    return {"elderly_care.homes_inspected": inspected, "elderly_care.fire_retrofit_funds": funds}


M = MarriageRegistration.Kind
DOMESTIC = Q(scope=MarriageRegistration.Scope.DOMESTIC)
FOREIGN = ~DOMESTIC


@figure(
    ("marriage.domestic.marriages", COUNT, "国内结婚登记（对）"),
    ("marriage.domestic.divorces", COUNT, "国内离婚登记（对）"),
    ("marriage.domestic.reissued_marriage_certs", COUNT, "国内补领结婚证（对）"),
    ("marriage.domestic.reissued_divorce_certs", COUNT, "国内补领离婚证（宗）"),
    ("marriage.foreign.marriages", COUNT, "涉外、港澳台、华侨结婚登记（对）"),
    ("marriage.foreign.divorces", COUNT, "涉外、港澳台、华侨离婚登记（对）"),
    ("marriage.foreign.reissued_divorce_certs", COUNT, "涉外、港澳台、华侨补领离婚证（宗）"),
    ("marriage.pass_rate", PERCENT, "婚姻登记合格率（%）"),
)
def marriage(period, region):
    c = MarriageRegistration.objects.filter(_within(period), region_filter(region)).aggregate(
        dm=Count("id", filter=DOMESTIC & Q(kind=M.MARRIAGE)),
        dd=Count("id", filter=DOMESTIC & Q(kind=M.DIVORCE)),
        drm=Count("id", filter=DOMESTIC & Q(kind=M.REISSUE_MARRIAGE)),
        drd=Count("id", filter=DOMESTIC & Q(kind=M.REISSUE_DIVORCE)),
        fm=Count("id", filter=FOREIGN & Q(kind=M.MARRIAGE)),
        fd=Count("id", filter=FOREIGN & Q(kind=M.DIVORCE)),
        frd=Count("id", filter=FOREIGN & Q(kind=M.REISSUE_DIVORCE)),
        total=Count("id"),
        passed=Count("id", filter=Q(qualified=True)),
    )
    rate = None
    if c["total"]:
        rate = (Decimal(100) * c["passed"] / c["total"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return {
        "marriage.domestic.marriages": c["dm"],
        "marriage.domestic.divorces": c["dd"],
        "marriage.domestic.reissued_marriage_certs": c["drm"],
        "marriage.domestic.reissued_divorce_certs": c["drd"],
        "marriage.foreign.marriages": c["fm"],
        "marriage.foreign.divorces": c["fd"],
        "marriage.foreign.reissued_divorce_certs": c["frd"],
        "marriage.pass_rate": rate,
    }


@figure(("adoption.registrations", COUNT, "收养登记（件）"))
def adoption(period, region):
    n = AdoptionRegistration.objects.filter(_within(period), region_filter(region)).count()
    return {"adoption.registrations": n}


@figure(
    ("funeral.cremations", COUNT, "火化遗体（具）"),
    ("funeral.cremation_funds", MONEY, "户籍居民火化资金"),
)
def cremations(period, region):
    c = Cremation.objects.filter(_within(period), region_filter(region)).aggregate(
        n=Count("id"), funds=Coalesce(Sum("funds", filter=Q(local=True)), DecimalZero)
    )
    return {"funeral.cremations": c["n"], "funeral.cremation_funds": c["funds"]}


PUBLICITY_KEYS = {
    "funeral.publicity.broadcasts": "funeral_broadcast",
    "funeral.publicity.publications": "funeral_publication",
    "funeral.publicity.banners": "funeral_banner",
    "funeral.publicity.posters": "funeral_poster",
    "funeral.publicity.van_tours": "funeral_van_tour",
}


@figure(
    ("funeral.publicity.broadcasts", COUNT, "殡葬改革广播电视宣传（场次）"),
    ("funeral.publicity.publications", COUNT, "殡葬改革刊物、墙报、板报（期）"),
    ("funeral.publicity.banners", COUNT, "殡葬改革宣传横额（条）"),
    ("funeral.publicity.posters", COUNT, "殡葬改革宣传标语（张）"),
    ("funeral.publicity.van_tours", COUNT, "殡葬改革宣传车巡回宣传（场次）"),
)
def publicity(period, region):
    """A broadcast session or a van tour is one record of quantity 1; printed material one record
    with its quantity: both sum the quantities."""
    sums = Activity.objects.filter(
        _within(period),
        region_filter(region, "region__town"),
        section=Section.WELFARE,
        kind__in=PUBLICITY_KINDS,
    ).aggregate(
        **{kind: Coalesce(Sum("quantity", filter=Q(kind=kind)), DecimalZero) for kind in PUBLICITY_KINDS}
    )
    return {key: int(sums[kind]) for key, kind in PUBLICITY_KEYS.items()}


def _wan(amount):
    return f"{wan_yuan(amount)}万元"  # the one rule (civaffairs/money.py)


def _area(value):
    return f"{value.normalize():f}" if value is not None else ""


def project_phrase(project, reached):
    """救助站改造建设（石城镇，土地面积约400平方米，建筑面积约600平方米）：已完成立项、用地手续、
    政府采购，正在进行图纸设计 — from the record and the milestones reached by the period's end."""
    facts = [project.region.full_name]
    if project.land_area:
        facts.append(f"土地面积约{_area(project.land_area)}平方米")
    if project.floor_area:
        facts.append(f"建筑面积约{_area(project.floor_area)}平方米")
    if project.funds_secured:
        facts.append(f"已落实资金{_wan(project.funds_secured)}")
    done = [m for m in MILESTONES if m in reached]
    todo = [m for m in MILESTONES if m not in reached]
    progress = f"已完成{'、'.join(done)}" if done else "尚未立项"
    if todo:
        progress += f"，正在推进{todo[0]}"
    return f"{project.name}（{'，'.join(facts)}）：{progress}"


@record_list("welfare.facility_projects", "社会福利设施建设项目")
def facility_projects(period, region):
    projects = (
        Project.objects.filter(
            region_filter(region, "region__town"), section=Section.WELFARE, kind__in=PROJECT_KIND_LABELS
        )
        .select_related("region__parent")
        .prefetch_related("milestones")
        .order_by("id")
    )
    return [
        project_phrase(p, {m.name for m in p.milestones.all() if m.done_on and m.done_on <= period.end})
        for p in projects
    ]


# The summary's sentences about each kind of facility project, from its record and milestones:
# {welfare.rescue_station:土地面积}, {welfare.rescue_station:进展}, {welfare.cemeteries:和}.
PROJECT_FIELDS = ("名称", "地点", "土地面积", "建筑面积", "资金", "状态", "进展")
PROJECT_LISTS = {
    "rescue_station": ("welfare.rescue_station", "救助站改造建设项目"),
    "elderly_centre": ("welfare.elderly_centre", "居家养老服务中心、日间照料中心和长者饭堂项目"),
    "cemetery": ("welfare.cemeteries", "公益性生态墓建设项目"),
}
# What the summary says of a milestone reached, and of the one under way.
DONE_PHRASES = {
    "政府采购": "并通过政府采购方式确定建筑商",
    "图纸设计": "图纸设计已完成",
    "施工": "主体工程已完工",
    "验收": "已通过验收",
}
DOING_PHRASES = {
    "立项": "正在申报立项",
    "用地手续": "正在办理用地手续",
    "政府采购": "正在进行政府采购",
    "图纸设计": "正在进行图纸设计",
    "施工": "正在施工",
    "验收": "正在组织验收",
    "投入使用": "正在做好投入使用准备",
}


def progress_sentence(reached, pending, expected_on, period):
    """目前，… as the seed writes it: 该项目申报手续已完成，并通过政府采购方式确定建筑商，正在进行
    图纸设计，预计年底前将投入使用 — from the milestones reached (approved) by the period's end,
    those reported and awaiting approval, and the expected date."""
    if "投入使用" in reached:
        return "该项目已建成并投入使用"
    parts = []
    if "立项" in reached and "用地手续" in reached:
        parts.append("该项目申报手续已完成")
    elif "用地手续" in reached:
        parts.append("项目用地手续已完成")
    elif "立项" in reached:
        parts.append("项目已立项")
    parts += [phrase for name, phrase in DONE_PHRASES.items() if name in reached]
    todo = [m for m in MILESTONES if m not in reached]
    if todo[0] == "立项" and "立项" in pending:
        parts.append("已向区政府申报建设")
    elif todo[0] in pending:
        parts.append(f"{todo[0]}已完成，待审核确认")
    else:
        parts.append(DOING_PHRASES[todo[0]])
    if expected_on and "政府采购" in reached:  # a date is promised once the builder is chosen
        if expected_on < period.end:
            parts.append(f"原计划{expected_on.year}年{expected_on.month}月投入使用，进度滞后")
        elif expected_on.year == period.end.year:
            parts.append(
                "预计年底前将投入使用"
                if expected_on.month == 12
                else f"预计{expected_on.month}月底前投入使用"
            )
        else:
            parts.append(f"预计{expected_on.year}年{expected_on.month}月前投入使用")
    if not parts[0].startswith(("该项目", "项目")):
        parts[0] = "该项目" + parts[0]
    return "，".join(parts)


def project_facts(project, reached, pending, period):
    return {
        "": project.name,
        "名称": project.name,
        "地点": project.place or project.region.full_name,
        "土地面积": _area(project.land_area),
        "建筑面积": _area(project.floor_area),
        "资金": _wan(project.funds_secured) if project.funds_secured else "",
        "状态": project.get_status_display(),
        "进展": progress_sentence(reached, pending, project.expected_on, period),
    }


def _projects_of_kind(kind):
    def projects(period, region):
        rows = list(
            Project.objects.filter(region_filter(region, "region__town"), section=Section.WELFARE, kind=kind)
            .select_related("region__parent")
            .prefetch_related("milestones")
            .order_by("id")
        )
        pending = {}
        for project_id, name in MilestoneReport.objects.filter(
            status=ApprovalStatus.PENDING,
            milestone__project__in=[p.pk for p in rows],
            reached_on__lte=period.end,
        ).values_list("milestone__project_id", "milestone__name"):
            pending.setdefault(project_id, set()).add(name)
        return [
            project_facts(
                p,
                {m.name for m in p.milestones.all() if m.done_on and m.done_on <= period.end},
                pending.get(p.pk, set()),
                period,
            )
            for p in rows
        ]

    projects.__qualname__ = f"projects_of_kind_{kind}"
    return projects


for _kind, (_key, _label) in PROJECT_LISTS.items():
    record_list(_key, _label, fields=PROJECT_FIELDS)(_projects_of_kind(_kind))


# --- drill-down: the registration, cremation and publicity lists select a figure's records ---------


def _may_read(user):
    from .access import can_read_welfare

    return can_read_welfare(user)


MARRIAGE_DRILLDOWNS = {
    "marriage.domestic.marriages": (M.MARRIAGE, MarriageRegistration.Scope.DOMESTIC),
    "marriage.domestic.divorces": (M.DIVORCE, MarriageRegistration.Scope.DOMESTIC),
    "marriage.domestic.reissued_marriage_certs": (M.REISSUE_MARRIAGE, MarriageRegistration.Scope.DOMESTIC),
    "marriage.domestic.reissued_divorce_certs": (M.REISSUE_DIVORCE, MarriageRegistration.Scope.DOMESTIC),
    "marriage.foreign.marriages": (M.MARRIAGE, "abroad"),
    "marriage.foreign.divorces": (M.DIVORCE, "abroad"),
    "marriage.foreign.reissued_divorce_certs": (M.REISSUE_DIVORCE, "abroad"),
    # The rate's records: every registration of the period (合格 or not).
    "marriage.pass_rate": ("", ""),
}
LIST_DRILLDOWNS = {
    "adoption.registrations": ("welfare:adoption_list", {}),
    "funeral.cremations": ("welfare:cremation_list", {}),
    # The funds are those of the local residents' cremations listed (the list shows each one's funds).
    "funeral.cremation_funds": ("welfare:cremation_list", {"local": "true"}),
    # Publicity sums quantities: the list shows the records whose quantities are summed.
    **{key: ("welfare:publicity_list", {"kind": kind}) for key, kind in PUBLICITY_KEYS.items()},
}


@drilldown(*(key for key, _label in PROJECT_LISTS.values()), may_open=_may_read)
def project_drilldown(key, period, region):
    """The facility projects of the kind (the list shows each one's milestones and status)."""
    from django.urls import reverse
    from django.utils.http import urlencode

    kind = next(kind for kind, (k, _label) in PROJECT_LISTS.items() if k == key)
    params = {"kind": kind, **({"town": region.pk} if region is not None else {})}
    return f"{reverse('welfare:project_list')}?{urlencode(params)}"


def _welfare_list(name, period, region, query):
    from django.urls import reverse
    from django.utils.http import urlencode

    params = {"since": period.start.isoformat(), "until": period.end.isoformat()}
    if region is not None:
        params["town"] = region.pk
    params.update({k: v for k, v in query.items() if v})
    return f"{reverse(name)}?{urlencode(params)}"


@drilldown(*MARRIAGE_DRILLDOWNS, *LIST_DRILLDOWNS, may_open=_may_read)
def welfare_drilldown(key, period, region):
    if key in MARRIAGE_DRILLDOWNS:
        kind, scope = MARRIAGE_DRILLDOWNS[key]
        return _welfare_list("welfare:marriage_list", period, region, {"kind": kind, "scope": scope})
    name, query = LIST_DRILLDOWNS[key]
    return _welfare_list(name, period, region, query)
