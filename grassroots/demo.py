"""The demo district's 2019 first half of 基层政权和社区建设, built through the services as the
section's staff (jiceng) and chief (chief_grassroots) would have, dated on the days they did it.

DEMO ASSUMPTIONS (not in the seed; a bureau replaces them with its own):
- Three supervision-committee members per village committee (one 主任, two 委员), term
  2017-03-01 to 2021-02-28; six of them resign on 2019-03-31 and a successor starts in April.
- Standard documents, dates of the year, names, ID numbers, accounts, organization names and
  credit codes, publicity per town, the villages of the 8 老年协会示范点 and the clue summaries.
- Of the 94 social organizations two registered earlier were cancelled in 2019 (not counted).
The seed's figures (FIGURES.md) follow from these records by the registered aggregates.
"""

import datetime
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User

from civaffairs import audit, payments
from civaffairs import services as core_services
from civaffairs.demo import demo_users, register_loader
from civaffairs.idnumber import make_id_number
from civaffairs.models import Area, Person, Program, Project, Region

from . import labels as L
from . import services
from .creditcode import make_credit_code
from .models import ClueForm, OrgKind, SupervisorMember, VillageRule
from .programs import SUPERVISOR, SUPERVISOR_CATEGORY, ensure_programs

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")
H1 = [D(2019, m, 1) for m in range(1, 7)]

SURNAMES = "陈李黄梁林罗何张刘邓吴冯谭苏叶邱莫伍潘钟杨周郑赵蔡彭曾谢"
GIVEN = "志伟明华强军平建国文芳娟英秀兰玉梅丽红霞金凤桂珍春燕海涛永光荣新家宝德福贵"

TERM_START, TERM_END = D(2017, 3, 1), D(2021, 2, 28)
RESIGNED = 6

SANSHE = [("六都镇", "大河村"), ("石城镇", "上洞村"), ("镇安镇", "石坳村")]  # 30万元 in all
REHAB = [("石城镇", None, "区福利中心"), ("镇安镇", "河西村", ""), ("镇安镇", "河东村", "")]  # 15万元
HAPPINESS = [
    ("富林镇", "民主村"),
    ("富林镇", "寨塘村"),
    ("石城镇", "五星村"),
    ("镇安镇", "幌伞村"),
    ("六都镇", "六都村"),
]
CENTERS = [
    ("白石镇", "东圳村"),
    ("白石镇", "西圳村"),
    ("镇安镇", "河东村"),
    ("镇安镇", "南安村"),
    ("镇安镇", "幌伞村"),
]
ELDER_SITES = 8
PUBLICITY = {
    "六都镇": 520,
    "高村镇": 400,
    "白石镇": 450,
    "镇安镇": 560,
    "富林镇": 480,
    "石城镇": 640,
    "都杨镇": 450,
}
GUIDANCE = [
    ("云安区村（社区）“两委”规范运作工作指引", "云安民〔2019〕21号（演示）", D(2019, 3, 12)),
    ("云安区村干部日常行为管理规范", "云安民〔2019〕22号（演示）", D(2019, 3, 12)),
]


def at(day, hour=10):
    """Travel to a working day of 2019, 10 o'clock in 云安."""
    import time_machine  # loads pytest: only when the demo is built, not in every process

    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=True)


class Builder:
    def __init__(self):
        self.rng = random.Random(2019_4)
        users = demo_users("jiceng", "chief_grassroots")
        self.staff, self.chief = users["jiceng"], users["chief_grassroots"]
        self.program = Program.objects.get(code=SUPERVISOR)
        self.towns = {t.name: t for t in Region.objects.filter(level=Region.Level.TOWN)}
        self.committees = list(Region.objects.filter(level=Region.Level.VILLAGE).order_by("code"))
        self.used_ids = set()

    def village(self, town, name):
        return Region.objects.get(level=Region.Level.VILLAGE, town=self.towns[town], name=name)

    def name(self):
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2)))
        )

    def id_number(self):
        while True:
            birth = D(self.rng.randint(1955, 1988), self.rng.randint(1, 12), self.rng.randint(1, 28))
            number = make_id_number("445303", birth, self.rng.randint(0, 999))
            if number not in self.used_ids and not Person.objects.filter(id_number=number).exists():
                self.used_ids.add(number)
                return number

    def account(self):
        return f"6217{self.rng.randrange(10**15):015d}"


@register_loader(2)
def ensure_grassroots_programs(stdout=None):
    ensure_programs()


@register_loader(120)
def load_grassroots(stdout=None):
    if SupervisorMember.objects.exists() or not User.objects.filter(username="jiceng").exists():
        return
    b = Builder()
    _standards_and_members(b)
    _social_work(b)
    _projects(b)
    _village_rules(b)
    _organizations(b)
    _antigang(b)
    audit.record(
        b.chief,
        "demo.load",
        None,
        {"module": "grassroots"},
        object_type="demo",
        object_repr="演示数据：基层政权",
    )


def _member(b, committee, role, term_start, day):
    with at(day):
        person = core_services.create_person(
            actor=b.staff, name=b.name(), id_number=b.id_number(), region=committee
        )
        return services.register_member(
            actor=b.staff,
            person=person,
            committee=committee,
            role=role,
            term_start=term_start,
            term_end=TERM_END,
            bank_name="云浮农村商业银行",
            bank_account=b.account(),
        )


def _standards_and_members(b):
    with at(D(2018, 1, 5)):
        s = payments.draft_standard(
            actor=b.staff,
            program=b.program,
            category=SUPERVISOR_CATEGORY,
            amount=Decimal(600),
            effective_from=D(2018, 1, 1),
            document="云安组〔2018〕2号（演示）",
            note="演示数据假设",
        )
    with at(D(2018, 1, 8)):
        payments.decide_standard(actor=b.chief, standard=s, approve=True, comment="同意")
    members = []
    for committee in b.committees:
        for role in ("chair", "member", "member"):
            members.append(_member(b, committee, role, TERM_START, D(2019, 1, 3)))
    # 从2019年1月开始按人均每月600元提高到625元: drafted by the staff, approved by the chief in January.
    with at(D(2019, 1, 9)):
        raised = payments.draft_standard(
            actor=b.staff,
            program=b.program,
            category=SUPERVISOR_CATEGORY,
            amount=Decimal(625),
            effective_from=D(2019, 1, 1),
            document="云安组〔2019〕1号（演示）",
            note="村（居）务监督委员会成员补贴提标",
        )
    with at(D(2019, 1, 11)):
        payments.decide_standard(actor=b.chief, standard=raised, approve=True, comment="同意")
    leaving = b.rng.sample([m for m in members if m.role == "member"], RESIGNED)
    for month in H1:
        if month == D(2019, 4, 1):
            # Resigned at the end of March: paid through March; a successor from April.
            for m in leaving:
                with at(D(2019, 4, 2)):
                    services.end_term(actor=b.staff, member=m, term_end=D(2019, 3, 31))
                _member(b, m.committee, "member", D(2019, 4, 1), D(2019, 4, 2))
        with at(month.replace(day=24)):
            payroll = payments.generate_payroll(actor=b.staff, program=b.program, month=month)
        with at(month.replace(day=25)):
            payments.decide_payroll(actor=b.chief, payroll=payroll, approve=True, comment="同意")


def _social_work(b):
    with at(D(2018, 6, 15)):
        fulin = services.create_station(
            actor=b.staff,
            name="富林镇社工站",
            town=b.towns["富林镇"],
            established_on=D(2018, 6, 15),
            address="富林镇政府大院",
        )
    with at(D(2018, 7, 20)):
        for _ in range(3):
            services.recruit_worker(
                actor=b.staff, station=fulin, name=b.name(), hired_on=D(2018, 7, 20), starts_on=D(2018, 9, 1)
            )
    with at(D(2018, 9, 1)):
        services.open_station(actor=b.staff, station=fulin, opened_on=D(2018, 9, 1))
    new = []
    for town, day, address in (
        ("六都镇", D(2019, 3, 20), "六都镇综合文化站二楼"),
        ("石城镇", D(2019, 4, 10), "石城镇便民服务中心"),
    ):
        with at(day):
            new.append(
                services.create_station(
                    actor=b.staff,
                    name=f"{town}社工站",
                    town=b.towns[town],
                    established_on=day,
                    address=address,
                )
            )
    # 新招聘的8名社工可望在7月正式上岗.
    with at(D(2019, 6, 12)):
        for i in range(8):
            services.recruit_worker(
                actor=b.staff,
                station=new[i % 2],
                name=b.name(),
                hired_on=D(2019, 6, 12),
                starts_on=D(2019, 7, 1),
            )


def _projects(b):
    with at(D(2018, 10, 16)):
        for town, name in HAPPINESS:
            services.create_project(
                actor=b.staff,
                kind=L.HAPPINESS,
                region=b.village(town, name),
                funds=Decimal(300000),
                started_on=D(2018, 10, 16),
                expected_on=D(2019, 12, 31),
                status=Project.Status.IN_PROGRESS,
                note="2018至2019年省级资金",
            )
        for town, name in CENTERS:
            services.create_project(
                actor=b.staff,
                kind=L.COMMUNITY_CENTER,
                region=b.village(town, name),
                funds=Decimal(200000),
                started_on=D(2018, 10, 16),
                expected_on=D(2019, 12, 31),
                status=Project.Status.IN_PROGRESS,
                note="2018至2019年省级资金",
            )
    with at(D(2019, 3, 28)):
        for town, name in SANSHE:
            services.create_project(
                actor=b.staff,
                kind=L.SANSHE,
                region=b.village(town, name),
                funds=Decimal(100000),
                started_on=D(2019, 3, 28),
                expected_on=D(2019, 12, 31),
                status=Project.Status.IN_PROGRESS,
                name=f"2019年“三社联动”（{town}{name}）",
            )
    with at(D(2019, 4, 18)):
        for town, name, place in REHAB:
            region = b.village(town, name) if name else b.towns[town]
            services.create_project(
                actor=b.staff,
                kind=L.REHAB,
                region=region,
                funds=Decimal(50000),
                started_on=D(2019, 4, 18),
                place=place,
                expected_on=D(2019, 12, 31),
                status=Project.Status.IN_PROGRESS,
                name=f"精神障碍社区康复购买服务（{place or name}）",
            )
    # 老年协会示范点: one in each town, two in 石城镇, at a village with no other project.
    taken = {n for _, n in SANSHE + HAPPINESS + CENTERS} | {"河西村"}
    sites = []
    for town in ["六都镇", "高村镇", "白石镇", "镇安镇", "富林镇", "石城镇", "石城镇", "都杨镇"]:
        site = next(
            c
            for c in b.committees
            if c.town_id == b.towns[town].pk
            and c.area == Area.RURAL
            and c.name not in taken
            and c not in sites
        )
        sites.append(site)
    assert len(sites) == ELDER_SITES
    with at(D(2019, 5, 14)):
        for site in sites:
            services.create_project(
                actor=b.staff,
                kind=L.ELDER_ASSOC_DEMO,
                region=site,
                funds=Decimal(37500),
                started_on=D(2019, 5, 14),
                status=Project.Status.APPROVED,
                name=f"{site.full_name}老年协会示范点",
            )


def _village_rules(b):
    with at(D(2019, 3, 12)):
        for title, number, issued in GUIDANCE:
            services.record_guidance_document(actor=b.staff, title=title, number=number, issued_on=issued)
    naturals = Region.objects.filter(level=Region.Level.NATURAL)
    for i, town in enumerate(sorted(b.towns.values(), key=lambda t: t.code)):
        adopted, filed = D(2019, 4, 8 + i), D(2019, 5, 13 + i)
        with at(adopted):
            services.set_village_rules(
                actor=b.staff,
                regions=[c for c in b.committees if c.town_id == town.pk],
                status=VillageRule.Status.ADOPTED,
                status_date=adopted,
            )
            services.set_village_rules(
                actor=b.staff,
                regions=naturals.filter(town=town),
                status=VillageRule.Status.ADOPTED,
                status_date=adopted,
            )
        with at(filed):
            services.set_village_rules(
                actor=b.staff,
                regions=[c for c in b.committees if c.town_id == town.pk],
                status=VillageRule.Status.FILED,
                status_date=filed,
            )


ORG_WORDS = [
    "慈善会",
    "志愿者协会",
    "书画协会",
    "篮球协会",
    "商会",
    "老年人协会",
    "青年创业协会",
    "种养专业协会",
]
NON_ENTERPRISE = ["幼儿园", "培训中心", "社会工作服务中心", "养老服务中心", "文化艺术中心"]


def _organizations(b):
    towns = sorted(b.towns.values(), key=lambda t: t.code)
    serial = iter(range(1000, 10**6, 37))

    def register(kind, name, day, **extra):
        with at(day):
            return services.register_organization(
                actor=b.staff,
                name=name,
                credit_code=make_credit_code(kind, next(serial)),
                kind=kind,
                registered_on=day,
                legal_representative=b.name(),
                **extra,
            )

    # 61 社会团体 (8 of them 老年协会 registered this half), 32 民办非企业单位, 1 基金会 on 30 June.
    for i in range(53):
        town = towns[i % len(towns)]
        day = D(2010 + i % 9, 1 + i % 12, 1 + i % 27)
        register(
            OrgKind.SOCIAL_GROUP,
            f"云安区{town.name[:2]}{ORG_WORDS[i % len(ORG_WORDS)]}{i + 1}",
            day,
            town=town,
        )
    for i in range(8):
        town = towns[i % len(towns)]
        register(
            OrgKind.SOCIAL_GROUP,
            f"云安区{town.name}老年协会",
            D(2019, 2 + i % 5, 10 + i),
            town=town,
            is_elder_association=True,
        )
    for i in range(32):
        town = towns[i % len(towns)]
        day = D(2011 + i % 8, 1 + (i * 5) % 12, 1 + i % 27)
        register(
            OrgKind.PRIVATE_NON_ENTERPRISE,
            f"云安区{town.name[:2]}{NON_ENTERPRISE[i % len(NON_ENTERPRISE)]}{i + 1}",
            day,
            town=town,
        )
    register(OrgKind.FOUNDATION, "云安区慈善基金会", D(2016, 9, 5), town=b.towns["石城镇"])
    # Cancelled during the half: no longer on the register on 30 June.
    for i, day in enumerate((D(2019, 3, 15), D(2019, 5, 20))):
        org = register(OrgKind.SOCIAL_GROUP, f"云安区已注销社团{i + 1}", D(2013, 4, 1 + i), town=towns[i])
        with at(day):
            services.cancel_organization(actor=b.staff, org=org, cancelled_on=day)
    # 乡贤理事会: 17 name-registered, 96 filed only.
    naturals = list(Region.objects.filter(level=Region.Level.NATURAL).order_by("code"))
    chosen = b.rng.sample(naturals, 17 + 96)
    for i, village in enumerate(chosen[:17]):
        day = D(2019, 3 + i % 4, 5 + i)
        with at(day):
            services.register_council(
                actor=b.staff,
                credit_code=make_credit_code(OrgKind.SOCIAL_GROUP, next(serial)),
                registered_on=day,
                name=f"{village.name}乡贤理事会",
                village=village,
            )
    for i, village in enumerate(chosen[17:]):
        day = D(2019, 2 + i % 5, 1 + i % 27)
        with at(day):
            services.file_council(
                actor=b.staff, name=f"{village.name}乡贤理事会", village=village, filed_on=day
            )


CLUES = ["无线索", "无线索", "无线索", "反映有人在圩日强行收取摊位费", "反映有人以暴力手段垄断河砂运输"]


def _antigang(b):
    for i, (town, quantity) in enumerate(PUBLICITY.items()):
        day = D(2019, 3, 4 + i)
        with at(day):
            services.record_publicity(
                actor=b.staff,
                quantity=quantity,
                date=day,
                region=b.towns[town],
                note="扫黑除恶专项斗争宣传资料",
            )
    villages = b.rng.sample([c for c in b.committees if c.area == Area.RURAL], 33)
    for i, village in enumerate(villages):
        day = D(2019, 4 + i % 3, 3 + i % 25)
        with at(day):
            clue = services.record_clue(
                actor=b.staff, village=village, received_on=day, summary=CLUES[i % len(CLUES)]
            )
        if CLUES[i % len(CLUES)] != "无线索":
            with at(day + datetime.timedelta(days=2)):
                services.set_clue_status(actor=b.chief, clue=clue, status=ClueForm.Status.VERIFYING)
