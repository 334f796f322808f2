"""The demo district's 社会福利和社会事务 in 2019's first half, built through welfare's services
as the section's staff (fuli) and chief (chief_welfare) would click them. Every figure of
FIGURES.md's welfare table follows from these chosen inputs; none is typed in.

Assumed by the demo, not in the seed: bed numbers, inspection dates and hazards, how the 4.6
million of retrofit funds split over the six town homes, the per-cremation funds (1400 元,
1300 元 where the family arranged the transport itself), names and ID numbers of parties."""

import datetime
import random
from decimal import Decimal

from civaffairs import audit
from civaffairs.demo import demo_users, register_loader
from civaffairs.idnumber import make_id_number
from civaffairs.models import Institution, Person, Region

from . import services
from .models import FireAcceptance, IdType, Inspection, MarriageRegistration, Operator

D = datetime.date
OPERATOR = "第一养老护理服务（深圳）有限公司"
FIRE_AUTHORITY = "云浮市云安区消防救援大队"

# name, kind, town, address, capacity, beds
INSTITUTIONS = [
    ("云安区社会福利服务中心", Institution.Kind.WELFARE_CENTRE, "石城镇", "石城镇城南路", 150, 120),
    ("六都镇敬老院", Institution.Kind.NURSING_HOME, "六都镇", "六都镇云安大道", 60, 50),
    ("高村镇敬老院", Institution.Kind.NURSING_HOME, "高村镇", "高村镇圩镇", 40, 36),
    ("白石镇敬老院", Institution.Kind.NURSING_HOME, "白石镇", "白石镇圩镇", 40, 36),
    ("镇安镇敬老院", Institution.Kind.NURSING_HOME, "镇安镇", "镇安镇圩镇", 50, 40),
    ("富林新敬老院", Institution.Kind.NURSING_HOME, "富林镇", "富林镇新区", 60, 50),
    ("都杨镇敬老院", Institution.Kind.NURSING_HOME, "都杨镇", "都杨镇圩镇", 40, 36),
]
RESCUE_STATION = (
    "云浮市云安区救助站",
    Institution.Kind.RESCUE_STATION,
    "石城镇",
    "石城镇（原石城敬老院，改造中）",
    0,
    0,
)

# 消防改造 of the six town homes (the welfare centre already held its acceptance): 463.2万元.
RETROFITS = [
    ("六都镇敬老院", "812000", D(2018, 11, 20), D(2019, 5, 22)),
    ("高村镇敬老院", "768000", D(2018, 12, 6), D(2019, 5, 23)),
    ("白石镇敬老院", "745000", D(2018, 12, 18), D(2019, 5, 28)),
    ("镇安镇敬老院", "836000", D(2019, 1, 10), D(2019, 6, 4)),
    ("富林新敬老院", "614000", D(2019, 1, 22), D(2019, 6, 5)),
    ("都杨镇敬老院", "857000", D(2019, 2, 14), D(2019, 6, 12)),
]

HAZARDS = [
    "部分灭火器压力不足，未按期更换",
    "消防通道堆放杂物",
    "应急照明灯损坏",
    "厨房燃气管道老化",
    "楼道内为电动车充电",
    "床头呼叫器失灵",
    "护理员未持证上岗",
    "药品未分类存放",
]
SURNAMES = "陈李黄梁张林何罗刘周吴邓冯蔡彭曾欧苏谢杨叶郑钟潘麦莫"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文志红金海燕"


def _name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))


H1 = (D(2019, 1, 2), D(2019, 6, 28))


def _day(rng, start=H1[0], end=H1[1]):
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


class _Ids:
    """Valid ID numbers that no registered person holds: the parties and the deceased of the demo
    are not the assistance demo's beneficiaries, whose cover a cremation would end."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set(Person.objects.values_list("id_number", flat=True))

    def __call__(self, first_year, last_year, sex=None, addresses=("445303", "445323")):
        while True:
            birth = D(
                self.rng.randint(first_year, last_year), self.rng.randint(1, 12), self.rng.randint(1, 28)
            )
            seq = self.rng.randint(0, 499) * 2 + (
                1 if sex == "M" else 0 if sex == "F" else self.rng.randint(0, 1)
            )
            address = self.rng.choice(addresses)
            if address == "445323" and birth.year >= 2014:
                address = "445303"  # 云安县 became 云安区 (445303) in 2014: no later births carry 445323
            number = make_id_number(address, birth, seq)
            if number not in self.used:
                self.used.add(number)
                return number


@register_loader(110)
def load_welfare(stdout=None):
    if Inspection.objects.exists():
        return
    users = demo_users("fuli", "chief_welfare")
    staff, chief = users["fuli"], users["chief_welfare"]
    rng = random.Random(20190630)
    towns = {t.name: t for t in Region.objects.filter(level=Region.Level.TOWN)}
    ids = _Ids(rng)
    homes = _institutions(staff, towns)
    _inspections(staff, chief, rng, homes)
    _retrofits(staff, homes)
    _projects(staff, chief, towns)
    _marriages(staff, rng, ids, towns)
    services.register_adoption(
        actor=staff,
        date=D(2019, 5, 16),
        record_no="SY445303-2019-0001",
        child_name="陈小玲",
        child_id=ids(2016, 2016, "F"),
        adopter_name="陈国强",
        adopter_id=ids(1978, 1978, "M"),
        co_adopter_name="林美华",
        co_adopter_id=ids(1980, 1980, "F"),
        town=towns["高村镇"],
    )
    _cremations(staff, rng, ids, towns)
    _publicity(staff, rng, towns)
    audit.record(
        chief,
        "demo.load",
        None,
        {"module": "welfare"},
        object_type="demo",
        object_repr="演示数据：社会福利和社会事务",
    )


def _institutions(staff, towns):
    homes = {}
    for name, kind, town, address, capacity, beds in [*INSTITUTIONS, RESCUE_STATION]:
        existing = Institution.objects.filter(name=name).first()
        welfare_centre = kind == Institution.Kind.WELFARE_CENTRE
        profile = {
            "address": address,
            "capacity": capacity,
            "beds": beds,
            # The public homes were handed over to an elderly-care company to run (seed （三）3).
            "operator": Operator.PUBLIC if kind == Institution.Kind.RESCUE_STATION else Operator.CONTRACTED,
            "operator_name": "" if kind == Institution.Kind.RESCUE_STATION else OPERATOR,
            "fire_status": FireAcceptance.ACCEPTED if welfare_centre else FireAcceptance.NONE,
            "fire_accepted_on": D(2016, 8, 26) if welfare_centre else None,
            "fire_authority": FIRE_AUTHORITY if welfare_centre else "",
        }
        homes[name] = services.save_institution(
            actor=staff, institution=existing, name=name, kind=kind, region=towns[town], **profile
        )
    return homes


def _inspections(staff, chief, rng, homes):
    """专项检查整治“回头看” of all seven homes in March and April; a service-quality check in May.
    Most hazards are rectified and closed by the chief; two stay open past their deadline, and one
    closure awaits the chief's approval."""
    hazard_no = 0
    open_left = 2
    pending_left = 1
    for n, (name, *_rest) in enumerate(INSTITUTIONS):
        home = homes[name]
        date = D(2019, 3, 11) + datetime.timedelta(days=4 * n)
        hazards = []
        for _ in range(1 + n % 2):
            hazards.append(
                {
                    "description": HAZARDS[hazard_no % len(HAZARDS)],
                    "owner": f"{home.name}负责人{_name(rng)}",
                    "deadline": date + datetime.timedelta(days=30),
                }
            )
            hazard_no += 1
        inspection = services.record_inspection(
            actor=staff,
            institution=home,
            date=date,
            kind=Inspection.Kind.LOOKBACK,
            inspectors="刘洋、何静、区消防救援大队",
            note="乡镇敬老院专项检查整治“回头看”",
            hazards=hazards,
        )
        for hazard in inspection.hazards.order_by("id"):
            if open_left and n >= 5:
                open_left -= 1
                continue
            closure = services.submit_hazard_closure(
                actor=staff,
                hazard=hazard,
                rectified_on=hazard.deadline - datetime.timedelta(days=rng.randint(3, 12)),
                note="已整改到位，经复查合格",
            )
            if pending_left and n == 4:
                pending_left -= 1
                continue
            services.decide_hazard_closure(actor=chief, closure=closure, approve=True, comment="同意销号")
        if n % 3 == 0:
            services.record_inspection(
                actor=staff,
                institution=home,
                date=D(2019, 5, 14) + datetime.timedelta(days=n),
                kind=Inspection.Kind.QUALITY,
                inspectors="刘洋、何静",
                note="2019年养老院服务质量建设专项行动",
            )


def _retrofits(staff, homes):
    for name, funds, paid_on, accepted_on in RETROFITS:
        services.record_retrofit(
            actor=staff,
            institution=homes[name],
            name="消防设施升级改造（自动报警、喷淋、应急照明、防火分隔）",
            funds_spent=Decimal(funds),
            paid_on=paid_on,
            accepted_on=accepted_on,
            authority=FIRE_AUTHORITY,
        )


def _village(town, name):
    return Region.objects.get(level=Region.Level.VILLAGE, town=town, name=name)


def _projects(staff, chief, towns):
    plans = [
        (
            dict(
                kind="rescue_station",
                name="云安区救助站改造建设",
                region=towns["石城镇"],
                place="石城镇原石城敬老院",
                land_area=Decimal("400"),
                floor_area=Decimal("600"),
                expected_on=D(2019, 12, 31),
                note="根据《广东省社会救助条例》，将原石城敬老院改造建设为云浮市云安区救助站",
            ),
            [("立项", D(2019, 1, 18)), ("用地手续", D(2019, 2, 26)), ("政府采购", D(2019, 4, 19))],
            [],
        ),
        (
            dict(
                kind="elderly_centre",
                name="云安区居家养老服务中心、日间照料中心和长者饭堂",
                region=towns["六都镇"],
                place="白沙塘行政区安居楼B1-9-10幢首层9卡",
                floor_area=Decimal("300"),
                funds_secured=Decimal("900000"),
                expected_on=D(2019, 12, 31),
                note="提供助餐、助浴、助医、日间照料等服务，以失能、独居、空巢老年人为重点",
            ),
            [("用地手续", D(2019, 3, 28))],
            # 已向区政府申报建设: the 立项 report awaits approval.
            [("立项", D(2019, 6, 20))],
        ),
        (
            dict(
                kind="cemetery", name="镇安镇幌伞村公益性生态墓", region=_village(towns["镇安镇"], "幌伞村")
            ),
            [("立项", D(2019, 2, 22)), ("用地手续", D(2019, 5, 17))],
            [],
        ),
        (
            dict(
                kind="cemetery", name="六都镇佛水村公益性生态墓", region=_village(towns["六都镇"], "佛水村")
            ),
            [("立项", D(2019, 3, 8))],
            [],
        ),
    ]
    for fields, approved, pending in plans:
        project = services.create_facility_project(actor=staff, **fields)
        milestones = {m.name: m for m in project.milestones.all()}
        for name, on in approved + pending:
            report = services.submit_milestone(actor=staff, milestone=milestones[name], reached_on=on)
            if (name, on) in approved:
                services.decide_milestone(actor=chief, report=report, approve=True, comment="同意")


S = MarriageRegistration.Scope
K = MarriageRegistration.Kind
# (kind, scope, count): the seed's 2019H1 registrations.
MARRIAGE_PLAN = [
    (K.MARRIAGE, S.DOMESTIC, 949),
    (K.DIVORCE, S.DOMESTIC, 365),
    (K.REISSUE_MARRIAGE, S.DOMESTIC, 125),
    (K.REISSUE_DIVORCE, S.DOMESTIC, 27),
    (K.MARRIAGE, S.FOREIGN, 13),
    (K.MARRIAGE, S.HMT, 10),
    (K.MARRIAGE, S.OVERSEAS, 7),
    (K.DIVORCE, S.HMT, 2),
    (K.REISSUE_DIVORCE, S.FOREIGN, 1),
    (K.REISSUE_DIVORCE, S.HMT, 2),
]
CERT_PREFIX = {K.MARRIAGE: "J", K.DIVORCE: "L", K.REISSUE_MARRIAGE: "BJ", K.REISSUE_DIVORCE: "BL"}


def _marriages(staff, rng, ids, towns):
    town_list = sorted(towns.values(), key=lambda t: t.code)
    seq = {k: 0 for k in CERT_PREFIX}
    rows = []
    for kind, scope, count in MARRIAGE_PLAN:
        rows += [(kind, scope, _day(rng)) for _ in range(count)]
    rows.sort(key=lambda r: r[2])
    for kind, scope, date in rows:
        seq[kind] += 1
        a_type, a_id = IdType.ID_CARD, ids(1960, 1996, "M")
        b_type, b_id = IdType.ID_CARD, ids(1962, 1998, "F")
        if scope == S.FOREIGN:
            b_type, b_id = IdType.PASSPORT, f"{rng.choice('CEGKN')}{rng.randint(10000000, 99999999)}"
        elif scope == S.HMT:
            b_type, b_id = IdType.HMT, f"{rng.choice('HM')}{rng.randint(1000000000, 9999999999)}"
        elif scope == S.OVERSEAS:
            a_type, a_id = IdType.PASSPORT, f"E{rng.randint(10000000, 99999999)}"
        services.register_marriage(
            actor=staff,
            date=date,
            kind=kind,
            scope=scope,
            party_a_name=_name(rng),
            party_a_id_type=a_type,
            party_a_id=a_id,
            party_b_name=_name(rng),
            party_b_id_type=b_type,
            party_b_id=b_id,
            certificate_no=f"{CERT_PREFIX[kind]}445303-2019-{seq[kind]:06d}",
            qualified=True,
            town=rng.choice(town_list),
        )


def _cremations(staff, rng, ids, towns):
    """735 cremations: 711 of district residents with their 统筹火化资金 (704 × 1400 元 and
    7 × 1300 元 = 994,700 元), 24 of people registered elsewhere, covered by no district funds."""
    town_list = sorted(towns.values(), key=lambda t: t.code)
    villages = {
        t.pk: list(Region.objects.filter(level=Region.Level.VILLAGE, town=t).order_by("code"))
        for t in town_list
    }
    plan = (
        [("local", Decimal("1400"))] * 704 + [("local", Decimal("1300"))] * 7 + [("other", Decimal("0"))] * 24
    )
    rng.shuffle(plan)
    for where, funds in plan:
        date = _day(rng)
        local = where == "local"
        town = rng.choice(town_list)
        services.record_cremation(
            actor=staff,
            deceased_name=_name(rng),
            id_number=ids(1920, 1965, addresses=("445303", "445323") if local else ("445302", "445381")),
            death_date=date - datetime.timedelta(days=rng.randint(1, 3)),
            date=date,
            local=local,
            town=town,
            village=rng.choice(villages[town.pk]) if local else None,
            funds=funds,
        )


def _publicity(staff, rng, towns):
    """殡葬改革宣传活动月: 65 broadcast sessions and 65 van tours, one record each; printed
    material per town with its quantity (16 期, 60 条, 500 张)."""
    town_list = sorted(towns.values(), key=lambda t: t.code)
    month = (D(2019, 3, 25), D(2019, 4, 30))
    for kind, note in (
        ("funeral_broadcast", "有线电视台、广播站早晚和圩日宣传"),
        ("funeral_van_tour", "区殡葬执法大队会同市殡仪馆出动宣传车到村巡回宣传"),
    ):
        for i in range(65):
            town = town_list[i % len(town_list)]
            region = town
            if kind == "funeral_van_tour":
                villages = list(Region.objects.filter(level=Region.Level.VILLAGE, town=town).order_by("code"))
                region = villages[(i // len(town_list)) % len(villages)]
            services.record_publicity(
                actor=staff, kind=kind, date=_day(rng, *month), region=region, note=note
            )
    for kind, per_town in (
        ("funeral_publication", [3, 2, 2, 3, 2, 2, 2]),
        ("funeral_banner", [10, 8, 8, 9, 9, 8, 8]),
        ("funeral_poster", [80, 70, 70, 75, 70, 65, 70]),
    ):
        for town, quantity in zip(town_list, per_town, strict=True):
            services.record_publicity(
                actor=staff, kind=kind, date=_day(rng, *month), region=town, quantity=quantity
            )
