"""Figures and record lists of 基层政权和社区建设 (FIGURES.md, "Grassroots governance").

Database aggregates for a period and optionally a town, a fixed number of queries whatever the
data size. Flows count what happened inside the period (both ends included); stocks are taken on
the period's last day.

- antigang.*: publicity materials handed out and clue forms returned, in the period.
- supervisor.allowance.standard(_previous): the newest standard effective in the period's year
  (approved or pending) and the approved one it replaces.
- socialwork.*: stations set up (建站) and workers recruited (招聘) in the period.
- sanshe.*, rehab.funds: the year's projects funded in the period (开展2019年“三社联动”，落实经费).
- elder_assoc.*, happiness.*, community_center.*: projects funded up to the last day (设立示范点;
  2018至2019年省安排资金), with their funds.
- socialorg.*: organizations registered on the last day (registered by then, not cancelled by then).
- xiangxian.*: councils name-registered by the last day / filed and not (yet) registered.
"""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from civaffairs.figures import COUNT, MONEY, RATE, DecimalZero, drilldown, figure, monthly, record_list
from civaffairs.models import (
    Activity,
    ApprovalStatus,
    PaymentLine,
    Program,
    Project,
    Region,
    Section,
    Standard,
)
from civaffairs.payments.rules import to_cent

from . import labels as L
from .models import (
    ClueForm,
    GuidanceDocument,
    OrgKind,
    SocialOrganization,
    SocialWorker,
    SocialWorkStation,
    SupervisorMember,
    VillageRule,
    XiangxianCouncil,
)
from .programs import SUPERVISOR, SUPERVISOR_CATEGORY


def _in(period, field):
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _town(region, field="town"):
    return Q(**{f"{field}_id": region.pk}) if region is not None else Q()


@figure(
    ("antigang.materials", COUNT, "扫黑除恶宣传资料（份）"),
    ("antigang.clue_forms", COUNT, "收回线索排查表（份）"),
)
def antigang(period, region):
    materials = Activity.objects.filter(
        _in(period, "date"),
        _town(region, "region__town"),
        section=Section.GRASSROOTS,
        kind=L.ANTIGANG_PUBLICITY,
    ).aggregate(n=Coalesce(Sum("quantity"), DecimalZero))["n"]
    forms = ClueForm.objects.filter(_in(period, "received_on"), _town(region)).count()
    return {"antigang.materials": int(materials), "antigang.clue_forms": forms}


@figure(
    ("supervisor.allowance.standard", RATE, "村（居）务监督委员会成员补贴标准（元/人/月）"),
    ("supervisor.allowance.standard_previous", RATE, "村（居）务监督委员会成员补贴·原标准"),
)
def supervisor_standard(period, region):
    versions = list(
        Standard.objects.filter(
            program__code=SUPERVISOR,
            category=SUPERVISOR_CATEGORY,
            status__in=[ApprovalStatus.APPROVED, ApprovalStatus.PENDING],
            effective_from__lte=period.end.replace(month=12, day=31),
        )
        .order_by("effective_from", "id")
        .values_list("amount", "effective_from", "status")
    )
    in_year = [v for v in versions if v[1].year == period.year]
    approved = [v for v in versions if v[2] == ApprovalStatus.APPROVED]
    current = in_year[-1] if in_year else (approved[-1] if approved else None)
    previous = None
    if current is not None:
        earlier = [v for v in approved if v[1] < current[1]]
        previous = earlier[-1] if earlier else None
    return {
        "supervisor.allowance.standard": current[0] if current else None,
        "supervisor.allowance.standard_previous": previous[0] if previous else None,
    }


@figure(
    ("supervisor.members", COUNT, "在任村（居）务监督委员会成员（人）"),
    ("supervisor.allowance.paid", MONEY, "村（居）务监督委员会成员补贴发放"),
)
def supervisor_payments(period, region):
    """Members whose allowance is in payment in the month of the last day; what the approved
    batches paid in the period (by the month paid)."""
    last = period.last_month
    in_payment = Q(case__start_month__lte=last) & (
        Q(case__end_month__isnull=True) | Q(case__end_month__gt=last)
    )
    members = SupervisorMember.objects.filter(in_payment, _town(region)).count()
    # By the program's id, read first: joined on its code, the planner could not tell that the
    # allowance has a few thousand of a province's 8 M lines and scanned them all (0.8 s at ×100;
    # by the index on program and month, 1 ms).
    program = Program.objects.filter(code=SUPERVISOR).values_list("pk", flat=True).first()
    paid = (
        PaymentLine.objects.paid()
        .filter(_town(region), program_id=program, paid_month__gte=period.first_month, paid_month__lte=last)
        .aggregate(t=Coalesce(Sum("amount"), DecimalZero))["t"]
    )
    return {"supervisor.members": members, "supervisor.allowance.paid": paid}


@monthly("supervisor.allowance.paid")
def supervisor_paid_by_month(period, region):
    """What supervisor_payments sums, month by month (one grouped query)."""
    months = period.months()
    totals = dict(
        PaymentLine.objects.paid()
        .filter(
            _town(region),
            program__code=SUPERVISOR,
            paid_month__gte=period.first_month,
            paid_month__lte=period.last_month,
        )
        .values_list("paid_month")
        .annotate(t=Sum("amount"))
        .order_by()
    )
    return {"supervisor.allowance.paid": [totals.get(m, DecimalZero.value) for m in months]}


@figure(
    ("socialwork.new_stations", COUNT, "新建社工站（个）"),
    ("socialwork.new_workers", COUNT, "新招聘社工（名）"),
)
def socialwork(period, region):
    stations = SocialWorkStation.objects.filter(_in(period, "established_on"), _town(region)).count()
    workers = SocialWorker.objects.filter(_in(period, "hired_on"), _town(region, "station__town")).count()
    return {"socialwork.new_stations": stations, "socialwork.new_workers": workers}


def _projects(period, region):
    return Project.objects.filter(_town(region, "region__town"), section=Section.GRASSROOTS)


@figure(
    ("sanshe.villages", COUNT, "“三社联动”村（个）"),
    ("sanshe.funds", MONEY, "“三社联动”落实经费"),
    ("rehab.funds", MONEY, "精神障碍社区康复购买服务经费"),
    ("elder_assoc.demo_sites", COUNT, "老年协会示范点（个）"),
    ("elder_assoc.funds_per_site", MONEY, "老年协会示范点每点资金"),
    ("happiness.villages", COUNT, "“幸福计划”村（条）"),
    ("happiness.funds", MONEY, "“幸福计划”资金"),
    ("community_center.villages", COUNT, "社区综合服务场所建设村（个）"),
    ("community_center.funds", MONEY, "社区综合服务场所资金"),
)
def projects(period, region):
    flow = _in(period, "started_on")
    stock = Q(started_on__lte=period.end)
    agg = _projects(period, region).aggregate(
        sanshe_villages=Count("region", distinct=True, filter=flow & Q(kind=L.SANSHE)),
        sanshe_funds=Coalesce(Sum("funds_secured", filter=flow & Q(kind=L.SANSHE)), DecimalZero),
        rehab_funds=Coalesce(Sum("funds_secured", filter=flow & Q(kind=L.REHAB)), DecimalZero),
        elder_sites=Count("id", filter=stock & Q(kind=L.ELDER_ASSOC_DEMO)),
        elder_funds=Coalesce(Sum("funds_secured", filter=stock & Q(kind=L.ELDER_ASSOC_DEMO)), DecimalZero),
        happiness_villages=Count("region", distinct=True, filter=stock & Q(kind=L.HAPPINESS)),
        happiness_funds=Coalesce(Sum("funds_secured", filter=stock & Q(kind=L.HAPPINESS)), DecimalZero),
        center_villages=Count("region", distinct=True, filter=stock & Q(kind=L.COMMUNITY_CENTER)),
        center_funds=Coalesce(Sum("funds_secured", filter=stock & Q(kind=L.COMMUNITY_CENTER)), DecimalZero),
    )
    sites = agg["elder_sites"]
    return {
        "sanshe.villages": agg["sanshe_villages"],
        "sanshe.funds": agg["sanshe_funds"],
        "rehab.funds": agg["rehab_funds"],
        "elder_assoc.demo_sites": sites,
        # 每个示范点3.75万元: the funds of the sites over their number.
        "elder_assoc.funds_per_site": to_cent(agg["elder_funds"] / sites) if sites else Decimal("0.00"),
        "happiness.villages": agg["happiness_villages"],
        "happiness.funds": agg["happiness_funds"],
        "community_center.villages": agg["center_villages"],
        "community_center.funds": agg["center_funds"],
    }


@figure(
    ("socialorg.total", COUNT, "登记在册社会组织（家）"),
    ("socialorg.social_groups", COUNT, "其中社会团体（家）"),
    ("socialorg.private_non_enterprise", COUNT, "其中民办非企业单位（家）"),
    ("socialorg.foundations", COUNT, "其中基金会（家）"),
    ("xiangxian.registered", COUNT, "乡贤理事会核名登记（个）"),
    ("xiangxian.filed", COUNT, "乡贤理事会完成备案（个）"),
)
def organizations(period, region):
    end = period.end
    on_register = Q(registered_on__lte=end) & (Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=end))
    orgs = SocialOrganization.objects.filter(on_register, _town(region)).aggregate(
        total=Count("id"),
        groups=Count("id", filter=Q(kind=OrgKind.SOCIAL_GROUP)),
        private=Count("id", filter=Q(kind=OrgKind.PRIVATE_NON_ENTERPRISE)),
        foundations=Count("id", filter=Q(kind=OrgKind.FOUNDATION)),
    )
    registered = Q(registered_on__lte=end)
    councils = XiangxianCouncil.objects.filter(_town(region)).aggregate(
        registered=Count("id", filter=registered),
        filed=Count("id", filter=Q(filed_on__lte=end) & ~registered),
    )
    return {
        "socialorg.total": orgs["total"],
        "socialorg.social_groups": orgs["groups"],
        "socialorg.private_non_enterprise": orgs["private"],
        "socialorg.foundations": orgs["foundations"],
        "xiangxian.registered": councils["registered"],
        "xiangxian.filed": councils["filed"],
    }


# ------------------------------------------------------------------ record lists


def _places(kind, period, region, *, flow):
    when = _in(period, "started_on") if flow else Q(started_on__lte=period.end)
    rows = (
        _projects(period, region)
        .filter(when, kind=kind)
        .select_related("region__parent")
        .order_by("started_on", "id")
    )
    out = []
    for project in rows:
        phrase = project.place or project.region.full_name
        if phrase not in out:
            out.append(phrase)
    return out


@record_list("sanshe.village_names", "“三社联动”村")
def sanshe_villages(period, region):
    """六都镇大河村, 石城镇上洞村, 镇安镇石坳村."""
    return _places(L.SANSHE, period, region, flow=True)


@record_list("rehab.site_names", "精神障碍社区康复购买服务地点")
def rehab_sites(period, region):
    return _places(L.REHAB, period, region, flow=True)


@record_list("happiness.village_names", "“幸福计划”村")
def happiness_villages(period, region):
    return _places(L.HAPPINESS, period, region, flow=False)


@record_list("community_center.village_names", "社区综合服务场所建设村")
def community_center_villages(period, region):
    return _places(L.COMMUNITY_CENTER, period, region, flow=False)


@record_list("socialwork.station_names", "社工站")
def socialwork_stations(period, region):
    """Stations on the last day with their status: 富林镇社工站（运营）, 六都镇社工站（筹建）."""
    rows = SocialWorkStation.objects.filter(_town(region), established_on__lte=period.end).order_by(
        "established_on", "name"
    )
    out = []
    for s in rows:
        operating = s.opened_on is not None and s.opened_on <= period.end
        out.append(f"{s.name}（{'运营' if operating else '筹建'}）")
    return out


@record_list("socialwork.earlier_stations", "期初已有的社工站")
def earlier_socialwork_stations(period, region):
    """在原富林镇社工站的基础上: the stations set up before the period."""
    rows = SocialWorkStation.objects.filter(_town(region), established_on__lt=period.start)
    return list(rows.order_by("established_on", "name").values_list("name", flat=True))


@record_list("socialwork.new_station_towns", "本期新建社工站所在镇")
def new_socialwork_station_towns(period, region):
    """继续在六都镇和石城镇建设: the towns of the stations set up in the period (socialwork.new_stations)."""
    rows = SocialWorkStation.objects.filter(_in(period, "established_on"), _town(region))
    out = []
    for name in rows.order_by("established_on", "name").values_list("town__name", flat=True):
        if name not in out:
            out.append(name)
    return out


@record_list("village_rules.guidance_documents", "村规民约指导文件")
def guidance_documents(period, region):
    """《云安区村（社区）“两委”规范运作工作指引》…: issued by the period's last day."""
    rows = GuidanceDocument.objects.filter(issued_on__lte=period.end).order_by("issued_on", "id")
    return [f"《{d.title}》" for d in rows]


@figure(
    ("village_rules.committees_done", COUNT, "已完成村规民约制定的村（居）委"),
    ("village_rules.natural_done", COUNT, "已完成村规民约制定的自然村"),
)
def village_rules(period, region):
    """完成制定: adopted by the villagers' vote (表决通过) or filed, by the period's last day."""
    done = Q(status__in=[VillageRule.Status.ADOPTED, VillageRule.Status.FILED], status_date__lte=period.end)
    counts = VillageRule.objects.filter(done, _town(region)).aggregate(
        committees=Count("id", filter=Q(region__level=Region.Level.VILLAGE)),
        natural=Count("id", filter=Q(region__level=Region.Level.NATURAL)),
    )
    return {
        "village_rules.committees_done": counts["committees"],
        "village_rules.natural_done": counts["natural"],
    }


# --- drill-down: the village-rule and organization lists select a figure's records --------------


def _may_read(user):
    from .access import can_read

    return can_read(user)


GRASSROOTS_DRILLDOWNS = {
    "village_rules.committees_done": (
        "grassroots:village_rule_list",
        "done_by",
        {"level": Region.Level.VILLAGE},
    ),
    "village_rules.natural_done": (
        "grassroots:village_rule_list",
        "done_by",
        {"level": Region.Level.NATURAL},
    ),
    "socialorg.total": ("grassroots:org_list", "on_register", {}),
    "socialorg.social_groups": ("grassroots:org_list", "on_register", {"kind": OrgKind.SOCIAL_GROUP}),
    "socialorg.private_non_enterprise": (
        "grassroots:org_list",
        "on_register",
        {"kind": OrgKind.PRIVATE_NON_ENTERPRISE},
    ),
    "socialorg.foundations": ("grassroots:org_list", "on_register", {"kind": OrgKind.FOUNDATION}),
    "xiangxian.registered": ("grassroots:council_list", "registered_by", {}),
    "xiangxian.filed": ("grassroots:council_list", "filed_by", {}),
    # Projects funded in the period (flow) or by its last day (stock); the list totals their funds.
    "sanshe.villages": ("grassroots:project_list", "flow", {"kind": L.SANSHE}),
    "sanshe.funds": ("grassroots:project_list", "flow", {"kind": L.SANSHE}),
    "rehab.funds": ("grassroots:project_list", "flow", {"kind": L.REHAB}),
    "elder_assoc.demo_sites": ("grassroots:project_list", "stock", {"kind": L.ELDER_ASSOC_DEMO}),
    "elder_assoc.funds_per_site": ("grassroots:project_list", "stock", {"kind": L.ELDER_ASSOC_DEMO}),
    "happiness.villages": ("grassroots:project_list", "stock", {"kind": L.HAPPINESS}),
    "happiness.funds": ("grassroots:project_list", "stock", {"kind": L.HAPPINESS}),
    "community_center.villages": ("grassroots:project_list", "stock", {"kind": L.COMMUNITY_CENTER}),
    "community_center.funds": ("grassroots:project_list", "stock", {"kind": L.COMMUNITY_CENTER}),
    # The record lists the summary names (the villages, the sites): the same project lists.
    "sanshe.village_names": ("grassroots:project_list", "flow", {"kind": L.SANSHE}),
    "rehab.site_names": ("grassroots:project_list", "flow", {"kind": L.REHAB}),
    "happiness.village_names": ("grassroots:project_list", "stock", {"kind": L.HAPPINESS}),
    "community_center.village_names": ("grassroots:project_list", "stock", {"kind": L.COMMUNITY_CENTER}),
    "supervisor.members": ("grassroots:member_list", "month", {}),
    # The allowance's versions (one standard only): the current and previous are read from them.
    "supervisor.allowance.standard": ("grassroots:standard_list", "", {}),
    "supervisor.allowance.standard_previous": ("grassroots:standard_list", "", {}),
}


@drilldown(*GRASSROOTS_DRILLDOWNS, may_open=_may_read)
def grassroots_drilldown(key, period, region):
    from django.urls import reverse
    from django.utils.http import urlencode

    name, day, query = GRASSROOTS_DRILLDOWNS[key]
    if day == "flow":
        params = {"started_since": period.start.isoformat(), "started_until": period.end.isoformat()}
    elif day == "stock":
        params = {"started_until": period.end.isoformat()}
    elif day == "month":
        params = {"paid_in": f"{period.last_month:%Y-%m}"}
    elif not day:
        return reverse(name)
    else:
        params = {day: period.end.isoformat()}
    params.update(query)
    if region is not None:
        params["town"] = region.pk
    return f"{reverse(name)}?{urlencode(params)}"
