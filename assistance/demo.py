"""The demo district's 2019 first half of social assistance, lived through the services.

Deterministic (random.Random(2019) for names, ID numbers and villages; every amount, size, month
and event comes from the tables below). The history is dated as it happened, with time-machine:

- 2018-01: the 2018 standards, drafted by 社会救助股 staff (jiuzhu) and approved by the chief.
- 2018-12-10: the system goes live. The district's existing caseload — every case the ledgers
  carried — is migrated through `enrol_many` (the bulk form of submit_enrolment + approval, with
  the same checks), paid outside the system up to November (disability allowances) or December.
  The persons and households themselves come from the registry (户籍) snapshot, in bulk.
- 2018-12: late disability applications; the December disability payrolls.
- 2019-01 … 06, each month: standards (January: 孤儿 and 残疾人两项补贴; April: 特困护理补贴;
  June: the 低保/特困 方案 drafted and left pending, 已报区政府审核), new applications submitted by
  the town caseworkers and approved by the chief (two of them after the month's payroll, paid
  the month after as arrears), deaths recorded and their paperwork (减人, 核减), 增人 of newborns,
  减人 of members who moved away, reviews (April, incomes rise), terminations, the payrolls
  (generated on the 20th by jiuzhu, approved on the 21st by the chief), a correction (更正) in May,
  and the month's temporary relief.

DEMO ASSUMPTIONS (not in the seed; a bureau replaces them with its own):
- 2018 standards: 低保 城镇 650 (补差 500) / 农村 450 (补差 230); 特困 城镇 1040 / 农村 590;
  孤儿 1560 / 950; 残疾人生活补贴 1890/年, 护理补贴 2520/年; 困境儿童 450/月 (2018 and 2019).
- 特困护理补贴 from 2019-05-01 (the 实施办法 of the seed): 半失能 201, 全失能 482 元/月; 全自理 none.
- Household sizes, incomes and the months of each event are the tables below; names, ID numbers
  and villages are generated.
The seed's figures follow from these inputs: they were chosen (household incomes to the cent, as
per-capita incomes are), never adjusted by the code, and no payment line is written by hand.
"""

import datetime
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User

from civaffairs import audit, jobs, payments
from civaffairs.bulk import bulk_insert
from civaffairs.demo import demo_users, register_loader
from civaffairs.idnumber import make_id_number
from civaffairs.models import (
    Area,
    Case,
    Coverage,
    Household,
    HouseholdMember,
    Institution,
    PaymentLine,
    Payroll,
    Person,
    Program,
    Region,
    Relation,
    Standard,
)
from civaffairs.payments.rules import rules_for
from civaffairs.periods import add_months
from civaffairs.services import (
    add_member,
    change_payee_account,
    create_person,
    register_household,
    update_person,
)

from . import programs as P
from . import services
from .models import Stage
from .services import procedure as proc

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")
JAN = D(2019, 1, 1)
H1 = [add_months(JAN, i) for i in range(6)]
LIVE = D(2018, 12, 1)

SURNAMES = "陈李黄梁林罗何张刘邓吴冯谭苏叶邱莫伍潘钟杨周郑赵蔡彭曾谢"
GIVEN = "志伟明华强军平建国文芳娟英秀兰玉梅丽红霞金凤桂珍春燕海涛永光荣新家宝德福贵"

STANDARDS = [
    # program, category, amount, effective, drafted on, approved on (None: pending), level, document
    (P.DIBAO, "urban", 650, D(2018, 1, 1), D(2018, 1, 2), D(2018, 1, 5), 500, "云安民〔2018〕3号（演示）"),
    (P.DIBAO, "rural", 450, D(2018, 1, 1), D(2018, 1, 2), D(2018, 1, 5), 230, "云安民〔2018〕3号（演示）"),
    (P.TEKUN, "urban", 1040, D(2018, 1, 1), D(2018, 1, 2), D(2018, 1, 5), None, "云安民〔2018〕4号（演示）"),
    (P.TEKUN, "rural", 590, D(2018, 1, 1), D(2018, 1, 2), D(2018, 1, 5), None, "云安民〔2018〕4号（演示）"),
    (
        P.ORPHAN,
        P.CENTRALIZED,
        1560,
        D(2018, 1, 1),
        D(2018, 1, 2),
        D(2018, 1, 5),
        None,
        "云安民〔2018〕5号（演示）",
    ),
    (
        P.ORPHAN,
        P.DISPERSED,
        950,
        D(2018, 1, 1),
        D(2018, 1, 2),
        D(2018, 1, 5),
        None,
        "云安民〔2018〕5号（演示）",
    ),
    (P.CHILD, "default", 450, D(2018, 1, 1), D(2018, 1, 2), D(2018, 1, 5), None, "云安民〔2018〕6号（演示）"),
    (
        P.DISABILITY_LIVING,
        "default",
        1890,
        D(2018, 1, 1),
        D(2018, 1, 2),
        D(2018, 1, 5),
        None,
        "云安民〔2018〕7号（演示）",
    ),
    (
        P.DISABILITY_CARE,
        "default",
        2520,
        D(2018, 1, 1),
        D(2018, 1, 2),
        D(2018, 1, 5),
        None,
        "云安民〔2018〕7号（演示）",
    ),
    (
        P.ORPHAN,
        P.CENTRALIZED,
        1685,
        D(2019, 1, 1),
        D(2019, 1, 2),
        D(2019, 1, 7),
        None,
        "云安民〔2019〕2号（演示）",
    ),
    (
        P.ORPHAN,
        P.DISPERSED,
        1025,
        D(2019, 1, 1),
        D(2019, 1, 2),
        D(2019, 1, 7),
        None,
        "云安民〔2019〕2号（演示）",
    ),
    (
        P.DISABILITY_LIVING,
        "default",
        1980,
        D(2019, 1, 1),
        D(2019, 1, 2),
        D(2019, 1, 7),
        None,
        "云安民〔2019〕3号（演示）",
    ),
    (
        P.DISABILITY_CARE,
        "default",
        2640,
        D(2019, 1, 1),
        D(2019, 1, 2),
        D(2019, 1, 7),
        None,
        "云安民〔2019〕3号（演示）",
    ),
    (
        P.TEKUN,
        "care_half",
        201,
        D(2019, 5, 1),
        D(2019, 4, 10),
        D(2019, 4, 16),
        None,
        "云安民〔2019〕8号（演示）",
    ),
    (
        P.TEKUN,
        "care_full",
        482,
        D(2019, 5, 1),
        D(2019, 4, 10),
        D(2019, 4, 16),
        None,
        "云安民〔2019〕8号（演示）",
    ),
    # The 2019 方案 of the seed: drafted in June, 已报区政府审核, still pending on 30 June.
    (P.DIBAO, "urban", 705, D(2019, 1, 1), D(2019, 6, 12), None, 554, "云安民〔2019〕11号（报审稿）"),
    (P.DIBAO, "rural", 490, D(2019, 1, 1), D(2019, 6, 12), None, 251, "云安民〔2019〕11号（报审稿）"),
    (P.TEKUN, "urban", 1128, D(2019, 1, 1), D(2019, 6, 12), None, None, "云安民〔2019〕12号（报审稿）"),
    (P.TEKUN, "rural", 784, D(2019, 1, 1), D(2019, 6, 12), None, None, "云安民〔2019〕12号（报审稿）"),
]

INSTITUTIONS = [
    ("云安区社会福利服务中心", Institution.Kind.WELFARE_CENTRE, "石城镇"),
    ("六都镇敬老院", Institution.Kind.NURSING_HOME, "六都镇"),
    ("高村镇敬老院", Institution.Kind.NURSING_HOME, "高村镇"),
    ("白石镇敬老院", Institution.Kind.NURSING_HOME, "白石镇"),
    ("镇安镇敬老院", Institution.Kind.NURSING_HOME, "镇安镇"),
    ("富林新敬老院", Institution.Kind.NURSING_HOME, "富林镇"),
    ("都杨镇敬老院", Institution.Kind.NURSING_HOME, "都杨镇"),
]

# ---------------------------------------------------------------- 低保 (the inputs)
# (area, household size, number of households, per-capita income) of the households migrated at
# go-live that are still in payment on 30 June ...
DIBAO_STAYING = [
    (Area.RURAL, 1, 1000, "250.33"),
    (Area.RURAL, 2, 1200, "220.00"),
    (Area.RURAL, 3, 860, "210.00"),
    (Area.RURAL, 4, 379, "200.00"),
    (Area.RURAL, 5, 100, "190.00"),
    (Area.URBAN, 1, 52, "150.00"),
    (Area.URBAN, 2, 20, "150.00"),
    (Area.URBAN, 3, 3, "150.00"),
]
# ... those terminated in the half year (核减; end month cycles January … June) ...
DIBAO_LEAVING = [
    (Area.RURAL, 1, 20, "230.00"),
    (Area.RURAL, 2, 48, "230.00"),
    (Area.RURAL, 3, 32, "230.00"),
    (Area.RURAL, 4, 10, "230.00"),
    (Area.URBAN, 1, 2, "150.00"),
    (Area.URBAN, 2, 1, "150.00"),
]
# ... single-person households whose member dies (month of death January … May; 核减 follows) ...
DIBAO_DYING_ALONE = [(Area.RURAL, 1, 5, "230.00")]
# ... and the new households of the half year (start month cycles January … June).
DIBAO_NEW = [
    (Area.RURAL, 1, 50, "220.00"),
    (Area.RURAL, 2, 82, "220.00"),
    (Area.RURAL, 3, 44, "220.00"),
    (Area.RURAL, 4, 10, "220.00"),
    (Area.URBAN, 1, 3, "150.00"),
    (Area.URBAN, 2, 1, "150.00"),
]
DIBAO_LATE = 2  # of the new rural households starting in February: approved after its payroll
DIBAO_MEMBER_DEATHS = 15  # members of staying households of 3+ who die (January … May)
DIBAO_MOVED_AWAY = 8  # members of staying households of 2+ who move away (减人, February … June)
DIBAO_NEWBORNS = 10  # 增人 (February … June)
DIBAO_REVIEWED = 30  # staying households of 2 whose income rises by REVIEW_RISE from April
REVIEW_RISE = Decimal("30.00")
DIBAO_CORRECTION = Decimal("-60.00")  # May: April overpaid to one reviewed household (更正)

# ---------------------------------------------------------------- person programs (the inputs)
# Joiners start in the months listed; leavers are paid up to the month before their end month.
CYCLE = [add_months(JAN, k) for k in (1, 2, 3, 4, 5)]  # February … June
TEKUN_DEATH_MONTHS = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 3, 4]  # 12 deaths: month of death
TEKUN_JOINERS = [CYCLE[i % 5] for i in range(75)] + [CYCLE[4], CYCLE[2]]  # 77
TEKUN_CENTRALIZED = 160
TEKUN_CARE = [P.CARE_HALF] * 45 + [P.CARE_FULL] * 28
TEKUN_STAYING = 1885 - len(TEKUN_JOINERS)  # migrated, alive on 30 June
ORPHAN_CENTRALIZED = 11
ORPHAN_DISPERSED_MIGRATED = 52
ORPHAN_DISPERSED_JOINERS = [D(2019, 3, 1)] * 4
CHILDREN = 40
# 重度残疾人护理补贴: 4589 persons paid; 70 leave (end month cycles June … February), 104 join.
CARE_LEAVER_ENDS = [add_months(JAN, 5 - (i % 5)) for i in range(70)]
CARE_JOINERS = [CYCLE[i % 5] for i in range(100)] + CYCLE[:4]
CARE_MIGRATED = 4589 - len(CARE_JOINERS)
LIVING_WITH_CARE = 1000  # of the migrated care group, also paid the living allowance all half
LIVING_LEAVER_ENDS = [add_months(JAN, 5 - (i % 5)) for i in range(20)] + [D(2019, 2, 1)]
LIVING_JOINERS = [CYCLE[i % 5] for i in range(30)] + CYCLE[:3]
LIVING_LATE = 18  # applied in December 2018, approved after the December payroll (arrears)
LIVING_MIGRATED = 2232 - LIVING_WITH_CARE - LIVING_LATE - len(LIVING_JOINERS)


def at(day, hour=10):
    """Travel to a day of the demo's history (Beijing time)."""
    import time_machine  # loads pytest: only when the demo is built, not in every process

    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


ALL_MATERIALS = {key: True for key, _label in proc.MATERIALS}
CHECK_ITEMS = ["deposits", "vehicles", "real_estate", "business", "pension", "insurance"]


class Procedures:
    """The statutory procedure of the demo's new 低保 and 特困 applications (issue 11): accepted
    with complete materials, verified and visited the next day, appraised (低保) and reviewed by
    the town's 镇民政办负责人 the day after; the chief's monthly spot check, the district's visit
    of those sampled and a 7-day notice; the decision on the day it always was."""

    def __init__(self, b):
        self.b = b
        self.reviewers = {
            u.scope.town_id: u
            for u in User.objects.filter(username__endswith="_review")
            .select_related("scope")
            .prefetch_related("groups")
        }
        self.waiting = []  # town-reviewed, waiting for the district's part
        self.decisions = []  # (request, day)

    def accept(self, worker, day, **application):
        with at(day):
            p = proc.accept_application(actor=worker, received_on=day, materials=ALL_MATERIALS, **application)
        self.town_steps(p, worker, day)
        return p.request

    def town_steps(self, p, worker, day, until=Stage.DISTRICT):
        dibao = p.case.program.code == P.DIBAO
        next_day, third = day + datetime.timedelta(days=1), day + datetime.timedelta(days=2)
        case = p.case
        with at(next_day):
            if until == Stage.VERIFICATION:
                return p
            if dibao:
                checks = [
                    {
                        "item": item,
                        "source": "云安区居民家庭经济状况核对中心",
                        "checked_on": next_day,
                        "verdict": "pass",
                    }
                    for item in CHECK_ITEMS
                ]
                proc.record_verification(actor=worker, case=case, checks=checks)
            if until == Stage.VISIT:
                return p
            proc.record_home_visit(
                actor=worker,
                case=case,
                visited_on=next_day,
                investigators=[worker.last_name + worker.first_name, "村委会干部"],
                property="无车辆、无商品房",
                living="收入低于当地低保标准",
                applicant_signed=True,
            )
        with at(third):
            if until == Stage.APPRAISAL:
                return p
            if dibao:
                proc.record_appraisal(
                    actor=worker,
                    case=case,
                    held_on=third,
                    due=9,
                    attended=8,
                    agreed=8,
                    minutes="村民代表评议，同意上报",
                )
            if until == Stage.TOWN_REVIEW:
                return p
            proc.town_review(
                actor=self.reviewers[case.town_id],
                procedure=p,
                opinion="经入户调查和民主评议，情况属实，建议批准",
                recommends=True,
                on=third,
            )
        p.refresh_from_db()
        self.waiting.append(p)
        return p

    def district(self, day, notice=True):
        """The chief on `day`: the month's spot check over those reviewed before it, the visits
        of those sampled, and (notice=True) their 7-day notices from that day."""
        batch = [p for p in self.waiting if p.town_reviewed_on < day]
        if not batch:
            return
        self.waiting = [p for p in self.waiting if p not in batch]
        chief = self.b.chief
        with at(day):
            proc.draw_spot_check(actor=chief, month=day, seed=f"yunan-{day:%Y%m%d}")
            for p in batch:
                p.refresh_from_db()
                if p.sampled:
                    proc.record_home_visit(
                        actor=chief,
                        case=p.case,
                        visited_on=day,
                        investigators=["张强", "黄伟"],
                        living="抽查入户，情况属实",
                        applicant_signed=True,
                        district=True,
                    )
                if notice:
                    proc.start_notice(
                        actor=chief, procedure=p, starts_on=day, ends_on=day + datetime.timedelta(days=6)
                    )

    def decide_on(self, request, day):
        self.decisions.append((request, day))

    def decide(self, month):
        due = [(r, day) for r, day in self.decisions if day.month == month.month]
        self.decisions = [x for x in self.decisions if x not in due]
        for request, day in due:
            _decide(self.b, request, day)


class Builder:
    def __init__(self):
        self.rng = random.Random(2019)
        self.used_ids = set(Person.objects.values_list("id_number", flat=True))
        self.towns = list(Region.objects.filter(level=Region.Level.TOWN).order_by("code"))
        self.naturals = {
            t.pk: list(Region.objects.filter(level=Region.Level.NATURAL, town=t).order_by("code"))
            for t in self.towns
        }
        self.urban_villages = {
            t.pk: list(
                Region.objects.filter(level=Region.Level.VILLAGE, town=t, area=Area.URBAN).order_by("code")
            )
            for t in self.towns
        }
        weights = [len(self.naturals[t.pk]) for t in self.towns]
        self.town_weights = weights
        users = demo_users("shicheng", "liudu", "jiuzhu", "chief_assist")
        self.chief = users["chief_assist"]
        self.district_worker = users["jiuzhu"]
        self.town_worker = {
            t.pk: users["shicheng"]
            if t.name == "石城镇"
            else users["liudu"]
            if t.name == "六都镇"
            else users["jiuzhu"]
            for t in self.towns
        }
        self.programs = {p.code: p for p in Program.objects.all()}
        self.procedures = Procedures(self)
        self.persons = []
        self.standards_2018 = {}

    # --- people
    def name(self):
        r = self.rng
        return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice([1, 2, 2])))

    def id_number(self, min_age, max_age):
        r = self.rng
        while True:
            year = 2018 - r.randint(min_age, max_age)
            birth = D(year, r.randint(1, 12), r.randint(1, 28))
            address = r.choice(["445303", "445303", "445323"])
            if address == "445323" and year > 2014:  # 云安县 became 云安区 in 2014
                address = "445303"
            number = make_id_number(address, birth, r.randint(0, 999))
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number, birth

    def person(self, region, min_age=1, max_age=90, **extra):
        number, birth = self.id_number(min_age, max_age)
        sex = "M" if int(number[16]) % 2 else "F"
        p = Person(
            name=self.name(),
            id_number=number,
            birth_date=birth,
            sex=sex,
            region=region,
            town_id=region.town_id,
            **extra,
        )
        self.persons.append(p)
        return p

    def town(self):
        return self.rng.choices(self.towns, weights=self.town_weights)[0]

    def account(self, guardian=False):
        """A payee account: the person's own, or (children) their guardian's."""
        return {
            "account_holder": self.name() if guardian else "",
            "bank_name": "云浮农商银行",
            "bank_account": f"6230{self.rng.randrange(10**14):014d}",
        }

    def worker_of(self, town_id):
        return self.town_worker[town_id]

    def identity(self, min_age, max_age, born=None):
        """{name, id_number} of a person not yet registered (for the services that register)."""
        if born is not None:
            while True:
                number = make_id_number("445303", born, self.rng.randint(0, 999))
                if number not in self.used_ids:
                    self.used_ids.add(number)
                    return {"name": self.name(), "id_number": number}
        number, _birth = self.id_number(min_age, max_age)
        return {"name": self.name(), "id_number": number}

    def village(self, town, area):
        if area == Area.URBAN:
            return self.rng.choice(self.urban_villages[town.pk])
        return self.rng.choice(self.naturals[town.pk])

    def flush_persons(self):
        bulk_insert(self.persons)
        self.persons = []


def old_start(rng):
    return D(rng.randint(2014, 2018), rng.randint(1, 11), 1)


@register_loader(100)
def load_assistance(stdout=None):
    if Case.objects.exists():
        return
    b = Builder()
    _institutions(b)
    for row in STANDARDS:
        if row[4].year == 2018:
            _standard(b, *row)
    d = Dibao(b)
    persons = PersonPrograms(b)
    with at(D(2018, 12, 10)):
        d.migrate()
        persons.migrate()
    jobs.analyze(Person, Household, HouseholdMember, Case, Coverage)  # after the bulk go-live
    persons.december()
    d.first_terminations()
    for month in H1:
        for row in STANDARDS:
            if row[4].year == 2019 and row[4].month == month.month:
                _standard(b, *row)
        d.month(month)
        persons.month(month)
        # The district's part of the month's applications, then the decisions.
        b.procedures.district(month.replace(day=4))
        b.procedures.district(month.replace(day=24))  # those accepted after the payroll
        b.procedures.decide(month)
        _payrolls(b, month)
        d.after_payroll(month)
        persons.after_payroll(month)
    _mental_flags(b)
    _temp_relief(b)
    _pending_examples(b)
    audit.record(
        b.chief,
        "demo.load",
        None,
        {"module": "assistance"},
        object_type="demo",
        object_repr="演示数据：社会救助",
    )


def _institutions(b):
    towns = {t.name: t for t in b.towns}
    for name, kind, town in INSTITUTIONS:
        Institution.objects.get_or_create(name=name, defaults={"kind": kind, "region": towns[town]})


def _standard(b, code, category, amount, effective, drafted, approved, level, doc):
    with at(drafted):
        s = payments.draft_standard(
            actor=b.district_worker,
            program=b.programs[code],
            category=category,
            amount=Decimal(amount),
            effective_from=effective,
            document=doc,
            subsidy_level=Decimal(level) if level else None,
            note="演示数据假设" if "演示" in doc else "方案已报区政府审核",
        )
    if approved:
        with at(approved):
            payments.decide_standard(actor=b.chief, standard=s, approve=True, comment="同意")


def _decide(b, request, day):
    with at(day, 15):
        services.decide_request(actor=b.chief, request=request, approve=True, comment="同意")


def _payrolls(b, month):
    codes = [P.DIBAO, P.TEKUN, P.ORPHAN, P.CHILD, P.DISABILITY_LIVING, P.DISABILITY_CARE]
    _pay(b, codes, month)


def _pay(b, codes, month):
    made = []
    with at(month.replace(day=20)):
        for code in codes:
            made.append(
                payments.generate_payroll(actor=b.district_worker, program=b.programs[code], month=month)
            )
    # As a payroll job does: planner statistics for the tables just filled (PostgreSQL), so the
    # next month's arrears query is not planned from statistics of a nearly empty table.
    jobs.analyze(Case, Coverage, Payroll, PaymentLine)
    with at(month.replace(day=21)):
        for payroll in made:
            payments.decide_payroll(actor=b.chief, payroll=payroll, approve=True, comment="同意")


def _monthly_paid(b, code, category, *, income=None, persons=1):
    """What the migrated ledger paid a month at the 2018 standard (the engine's rules)."""
    key = (code, category)
    if key not in b.standards_2018:
        b.standards_2018[key] = Standard.objects.get(
            program=b.programs[code], category=category, effective_from=D(2018, 1, 1)
        )
    std = b.standards_2018[key]
    return rules_for(b.programs[code]).amount(
        standard_amount=std.amount, basis=std.basis, income=income, persons=persons
    )


def _record_death(b, person, died_on):
    """The caseworker records a death a few days after it; cover ends from the next month."""
    person.refresh_from_db()
    with at(died_on + datetime.timedelta(days=5)):
        return update_person(
            actor=b.worker_of(person.town_id),
            person=person,
            expected_version=person.version,
            death_date=died_on,
        )


class Dibao:
    def __init__(self, b):
        self.b = b
        self.staying, self.leaving, self.dying, self.late, self.reviewed = [], [], [], [], []

    def _households(self, table, ids_from=18):
        b, out = self.b, []
        for area, size, count, income in table:
            for _ in range(count):
                town = b.town()
                region = b.village(town, area)
                people = [b.person(region, ids_from, 85)] + [b.person(region, 1, 90) for _ in range(size - 1)]
                out.append(
                    (
                        Household(
                            head=people[0],
                            region=region,
                            town_id=town.pk,
                            area=area,
                            income_per_capita=Decimal(income),
                            income_total=Decimal(income) * size,
                            bank_name="云浮农商银行",
                            bank_account=f"6230{b.rng.randrange(10**14):014d}",
                        ),
                        people,
                    )
                )
        return out

    def migrate(self):
        """Go-live: the registry's households, then their ledger cases through enrol_many."""
        b = self.b
        self.staying = self._households(DIBAO_STAYING)
        self.leaving = self._households(DIBAO_LEAVING)
        self.dying = self._households(DIBAO_DYING_ALONE, ids_from=60)
        everyone = self.staying + self.leaving + self.dying
        b.rng.shuffle(everyone)
        b.flush_persons()
        bulk_insert([h for h, _ in everyone])
        relations = [Relation.SPOUSE, Relation.CHILD, Relation.CHILD, Relation.PARENT, Relation.GRANDCHILD]
        bulk_insert(
            [
                HouseholdMember(
                    household=h,
                    person=p,
                    relation=Relation.HEAD if i == 0 else relations[i - 1],
                    joined_on=D(2014, 1, 1),
                )
                for h, people in everyone
                for i, p in enumerate(people)
            ],
            batch_size=2000,
        )
        applications = [
            dict(
                household=h,
                start_month=old_start(b.rng),
                category=b.rng.choice("AABBC"),
                monthly_paid=_monthly_paid(
                    b, P.DIBAO, h.area, income=h.income_per_capita, persons=len(people)
                ),
            )
            for h, people in everyone
        ]
        cases = services.enrol_many(
            actor=b.district_worker,
            approver=b.chief,
            program=b.programs[P.DIBAO],
            applications=applications,
            paid_through=D(2018, 12, 1),
            note="存量台账迁移",
        )
        self.case_of = {c.household_id: c for c in cases}

    def month(self, month):
        b, i = self.b, month.month - 1
        # Terminations taking effect this month were submitted last month, after its payroll.
        # New households: applied early in the month, approved before its payroll.
        for area, size, count, income in DIBAO_NEW:
            for n in range(count):
                if n % 6 != i:
                    continue
                late = area == Area.RURAL and size == 2 and month.month == 2 and n // 6 < DIBAO_LATE
                self._apply(area, size, Decimal(income), month, late=late)
        if month.month >= 2:
            self._member_changes(month)
        if month.month == 4:
            self._reviews(month)
        if month.month <= 5:
            self._deaths(month)
        if month.month == 3:
            for request in self.late:
                _decide(b, request, D(2019, 3, 5))

    def _apply(self, area, size, income, month, *, late=False):
        b = self.b
        town = b.town()
        region = b.village(town, area)
        worker = b.worker_of(town.pk)
        # Accepted on the 1st (the late ones after the month's payroll, on the 21st); the town's
        # steps, the district's and the 7-day notice follow (Procedures), the decision on the 12th.
        day = month.replace(day=21 if late else 1)
        with at(day):
            people = [b.identity(18, 80)] + [b.identity(1, 90) for _ in range(size - 1)]
            relations = [Relation.SPOUSE, Relation.CHILD, Relation.CHILD]
            household = register_household(
                actor=worker,
                region=region,
                area=area,
                income_per_capita=income,
                head=people[0],
                members=[dict(p, relation=relations[j]) for j, p in enumerate(people[1:])],
                bank_name="云浮农商银行",
                bank_account=f"6230{b.rng.randrange(10**14):014d}",
            )
        request = b.procedures.accept(
            worker,
            day,
            program=b.programs[P.DIBAO],
            household=household,
            start_month=month,
            category="B",
            reason="家庭收入低于当地低保标准",
        )
        if late:
            self.late.append(request)
        else:
            b.procedures.decide_on(request, month.replace(day=12))

    def _member_changes(self, month):
        b, i = self.b, month.month - 2  # February … June
        big = [(h, p) for h, p in self.staying if len(p) >= 2]
        for n in range(i, DIBAO_MOVED_AWAY, 5):
            h, people = big[100 + n]
            case = self.case_of[h.pk]
            with at(month.replace(day=5)):
                r = services.submit_member_change(
                    actor=b.worker_of(h.town_id),
                    case=case,
                    person=people[-1],
                    add=False,
                    effective_month=month,
                    reason="外出务工，户籍迁出",
                    # Their share of the income leaves with them.
                    income_total=h.income_per_capita * (len(people) - 1),
                )
            _decide(b, r, month.replace(day=10))
        for n in range(i, DIBAO_NEWBORNS, 5):
            h, people = big[200 + n]
            case = self.case_of[h.pk]
            worker = b.worker_of(h.town_id)
            with at(month.replace(day=4)):
                number = b.identity(0, 0, born=add_months(month, -1).replace(day=15))
                baby = create_person(actor=worker, region=h.region, **number)
                add_member(
                    actor=worker, household=h, person=baby, relation=Relation.GRANDCHILD, joined_on=month
                )
                r = services.submit_member_change(
                    actor=worker, case=case, person=baby, add=True, effective_month=month, reason="新生儿入户"
                )
            _decide(b, r, month.replace(day=10))

    def _reviews(self, month):
        b = self.b
        pairs = [(h, p) for h, p in self.staying if len(p) == 2][:DIBAO_REVIEWED]
        self.reviewed = pairs
        for h, _people in pairs:
            with at(month.replace(day=3)):
                r = services.submit_review(
                    actor=b.worker_of(h.town_id),
                    case=self.case_of[h.pk],
                    outcome="amount_changed",
                    effective_month=month,
                    income=h.income_per_capita + REVIEW_RISE,
                    reason="复核：务工收入增加",
                )
            _decide(b, r, month.replace(day=8))

    def _deaths(self, month):
        b, i = self.b, month.month - 1  # January … May
        died_on = month.replace(day=3)
        threes = [(h, p) for h, p in self.staying if len(p) >= 3]
        for n in range(i, DIBAO_MEMBER_DEATHS, 5):
            h, people = threes[50 + n]
            _record_death(b, people[-1], died_on)
            with at(month.replace(day=9)):
                r = services.submit_member_change(
                    actor=b.worker_of(h.town_id),
                    case=self.case_of[h.pk],
                    person=people[-1],
                    add=False,
                    effective_month=add_months(month, 1),
                    reason="死亡",
                    income_total=h.income_per_capita * (len(people) - 1),
                )
            _decide(b, r, month.replace(day=12))
        h, people = self.dying[i]
        _record_death(b, people[0], died_on)
        with at(month.replace(day=9)):
            r = services.submit_termination(
                actor=b.worker_of(h.town_id),
                case=self.case_of[h.pk],
                effective_month=add_months(month, 1),
                reason="保障对象死亡",
            )
        _decide(b, r, month.replace(day=12))

    def after_payroll(self, month):
        """After the month's payroll: terminations from next month; May's correction."""
        b = self.b
        following = add_months(month, 1)
        if following.month <= 6:
            self._terminate(following)
        if month.month == 5:
            h, _people = self.reviewed[0]
            with at(month.replace(day=27)):
                p = payments.submit_correction(
                    actor=b.district_worker,
                    case=self.case_of[h.pk],
                    month=D(2019, 4, 1),
                    amount=DIBAO_CORRECTION,
                    reason="复核前已增加的务工收入迟报，扣回4月多发低保金",
                )
            with at(month.replace(day=28)):
                payments.decide_payroll(actor=b.chief, payroll=p, approve=True, comment="同意扣回")

    def _terminate(self, end_month):
        b, i = self.b, end_month.month - 1
        for n, (h, _people) in enumerate(self.leaving):
            if n % 6 != i:
                continue
            day = add_months(end_month, -1).replace(day=25)
            with at(day):
                r = services.submit_termination(
                    actor=b.worker_of(h.town_id),
                    case=self.case_of[h.pk],
                    effective_month=end_month,
                    reason="家庭收入超过低保标准",
                )
            _decide(b, r, day.replace(day=27))

    def first_terminations(self):
        self._terminate(JAN)


class PersonPrograms:
    """特困, 孤儿, 困境儿童 and the two disability allowances: one case per person."""

    def __init__(self, b):
        self.b = b
        self.leavers = []  # (case, end month)
        self.tekun_dying = []  # (case, month of death)

    def _migrate(self, code, specs, *, paid_through=LIVE):
        """specs: [(person, application extras)]: registry persons, then enrol_many."""
        b = self.b
        applications = []
        for person, extra in specs:
            category = extra.get("category", "default")
            std_category = category if code != P.TEKUN else "rural"
            applications.append(
                dict(
                    person=person,
                    start_month=old_start(b.rng),
                    area=Area.RURAL,
                    monthly_paid=_monthly_paid(b, code, std_category),
                    **extra,
                )
            )
        return services.enrol_many(
            actor=b.district_worker,
            approver=b.chief,
            program=b.programs[code],
            applications=applications,
            paid_through=paid_through,
            note="存量台账迁移",
        )

    def _people(self, n, min_age, max_age, guardian=False, **extra):
        b = self.b
        out = []
        for _ in range(n):
            town = b.town()
            account = b.account(guardian=guardian)
            out.append(b.person(b.village(town, Area.RURAL), min_age, max_age, **account, **extra))
        return out

    def migrate(self):
        b = self.b
        institutions = list(Institution.objects.order_by("id"))
        tekun = self._people(TEKUN_STAYING + len(TEKUN_DEATH_MONTHS), 60, 95)
        orphans = self._people(ORPHAN_CENTRALIZED + ORPHAN_DISPERSED_MIGRATED, 2, 16, guardian=True)
        children = self._people(CHILDREN, 3, 16, guardian=True)
        care = [
            b.person(b.village(t, Area.RURAL), 8, 85, disability_grade=b.rng.choice([1, 2]), **b.account())
            for t in (b.town() for _ in range(CARE_MIGRATED))
        ]
        living = [
            b.person(
                b.village(t, Area.RURAL), 8, 85, disability_grade=b.rng.choice([3, 3, 4, 4]), **b.account()
            )
            for t in (b.town() for _ in range(LIVING_MIGRATED))
        ]
        b.flush_persons()
        care_levels = list(TEKUN_CARE)
        specs = []
        for k, p in enumerate(tekun):
            centralized = k < TEKUN_CENTRALIZED
            inst = institutions[k % len(institutions)] if centralized else None
            level = care_levels.pop() if care_levels and not centralized and k < 1000 else P.CARE_SELF
            specs.append(
                (
                    p,
                    dict(
                        category=P.CENTRALIZED if centralized else P.DISPERSED,
                        care_level=level,
                        institution=inst,
                    ),
                )
            )
        cases = self._migrate(P.TEKUN, specs)
        self.tekun_dying = list(zip(cases[-len(TEKUN_DEATH_MONTHS) :], TEKUN_DEATH_MONTHS, strict=True))
        self._migrate(
            P.ORPHAN,
            [
                (p, dict(category=P.CENTRALIZED if k < ORPHAN_CENTRALIZED else P.DISPERSED))
                for k, p in enumerate(orphans)
            ],
        )
        self._migrate(P.CHILD, [(p, {}) for p in children])
        november = D(2018, 11, 1)
        care_cases = self._migrate(P.DISABILITY_CARE, [(p, {}) for p in care], paid_through=november)
        self.leavers += list(zip(care_cases[-len(CARE_LEAVER_ENDS) :], CARE_LEAVER_ENDS, strict=True))
        both = [c.person for c in care_cases[:LIVING_WITH_CARE]]
        self._migrate(P.DISABILITY_LIVING, [(p, {}) for p in both], paid_through=november)
        living_cases = self._migrate(P.DISABILITY_LIVING, [(p, {}) for p in living], paid_through=november)
        self.leavers += list(zip(living_cases[-len(LIVING_LEAVER_ENDS) :], LIVING_LEAVER_ENDS, strict=True))

    def december(self):
        """Late disability applications for December, approved after its payroll."""
        b = self.b
        late = []
        for _ in range(LIVING_LATE):
            town = b.town()
            worker = b.worker_of(town.pk)
            with at(D(2018, 12, 5)):
                person = create_person(
                    actor=worker,
                    region=b.village(town, Area.RURAL),
                    disability_grade=b.rng.choice([3, 4]),
                    **b.identity(8, 85),
                )
                change_payee_account(actor=worker, person=person, reason="登记收款账户", **b.account())
                late.append(
                    services.submit_enrolment(
                        actor=worker,
                        program=b.programs[P.DISABILITY_LIVING],
                        person=person,
                        start_month=D(2018, 12, 1),
                        area=Area.RURAL,
                        reason="持证困难残疾人",
                    )
                )
        _pay(b, [P.DISABILITY_LIVING, P.DISABILITY_CARE], D(2018, 12, 1))
        for request in late:
            _decide(b, request, D(2019, 1, 8))
        for case, end in self.leavers:
            if end == JAN:
                self._terminate(case, end)

    def month(self, month):
        b = self.b
        joiners = [
            (P.TEKUN, TEKUN_JOINERS, 60, 95, {"category": P.DISPERSED, "care_level": P.CARE_SELF}, {}),
            (P.ORPHAN, ORPHAN_DISPERSED_JOINERS, 2, 16, {"category": P.DISPERSED}, {}),
            (P.DISABILITY_CARE, CARE_JOINERS, 8, 85, {}, {"disability_grade": 1}),
            (P.DISABILITY_LIVING, LIVING_JOINERS, 8, 85, {}, {"disability_grade": 3}),
        ]
        for code, starts, lo, hi, extra, person_extra in joiners:
            for start in starts:
                if start != month:
                    continue
                town = b.town()
                worker = b.worker_of(town.pk)
                # 特困 goes through the procedure from the 1st; the others apply on the 7th.
                tekun = code == P.TEKUN
                with at(month.replace(day=1 if tekun else 7)):
                    person = create_person(
                        actor=worker, region=b.village(town, Area.RURAL), **person_extra, **b.identity(lo, hi)
                    )
                    change_payee_account(
                        actor=worker,
                        person=person,
                        reason="登记收款账户",
                        **b.account(guardian=code == P.ORPHAN),
                    )
                    application = dict(
                        program=b.programs[code],
                        person=person,
                        start_month=month,
                        area=Area.RURAL,
                        reason="经审核符合条件",
                        **extra,
                    )
                    if not tekun:
                        r = services.submit_enrolment(actor=worker, **application)
                if tekun:
                    r = b.procedures.accept(worker, month.replace(day=1), **application)
                    b.procedures.decide_on(r, month.replace(day=14))
                else:
                    _decide(b, r, month.replace(day=14))
        for case, died in self.tekun_dying:
            if died == month.month:
                _record_death(b, case.person, month.replace(day=4))
                with at(month.replace(day=10)):
                    r = services.submit_termination(
                        actor=b.worker_of(case.town_id),
                        case=case,
                        effective_month=add_months(month, 1),
                        reason="供养对象死亡",
                    )
                _decide(b, r, month.replace(day=13))

    def after_payroll(self, month):
        following = add_months(month, 1)
        for case, end in self.leavers:
            if end == following:
                self._terminate(case, end)

    def _terminate(self, case, end):
        day = add_months(end, -1).replace(day=25)
        with at(day):
            r = services.submit_termination(
                actor=self.b.worker_of(case.town_id),
                case=case,
                effective_month=end,
                reason="户籍迁出本区",
            )
        _decide(self.b, r, day.replace(day=27))


def _mental_flags(b):
    """1432 persons covered by 低保 or 特困 at the end of June have a severe mental disorder (the
    health bureau's register, loaded into the person registry)."""
    ids = list(
        Coverage.objects.filter(program__code__in=[P.DIBAO, P.TEKUN], end_month__isnull=True)
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )
    chosen = b.rng.sample(ids, 1432)
    Person.objects.filter(pk__in=chosen).update(severe_mental_disorder=True)


@register_loader(1)
def ensure_programs(stdout=None):
    for code, name, unit, cadence, order in P.PROGRAMS:
        Program.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "cadence": cadence,
                "order": order,
                "section": "assistance",
            },
        )


def _temp_relief(b):
    """151 人次, 254700 元: 37 × 1500, 102 × 1600, and 12 × 3000 for persons with a severe mental disorder."""
    rng = b.rng
    ordinary = list(
        Person.objects.filter(severe_mental_disorder=False, death_date__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:3000]
    )
    mental = list(
        Person.objects.filter(severe_mental_disorder=True, death_date__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )
    amounts = [(1500, False)] * 37 + [(1600, False)] * 102 + [(3000, True)] * 12
    rng.shuffle(amounts)
    people = Person.objects.in_bulk(rng.sample(ordinary, 139) + rng.sample(mental, 12))
    ordinary_ids = [i for i in people if i in set(ordinary)]
    mental_ids = [i for i in people if i not in set(ordinary)]
    for n, (amount, is_mental) in enumerate(amounts):
        person = people[mental_ids.pop() if is_mental else ordinary_ids.pop()]
        worker = b.town_worker[person.town_id]
        event = D(2019, rng.randint(1, 6), rng.randint(1, 28))
        with at(event):
            request = services.submit_enrolment(
                actor=worker,
                program=b.programs[P.TEMP_RELIEF],
                person=person,
                amount=Decimal(amount),
                event_date=event,
                reason="因病致困" if is_mental else rng.choice(["因灾", "因病", "意外事故", "突发困难"]),
                flags=["mental"] if is_mental else [],
            )
            # Every tenth is 急难型: paid first (先行救助), its papers completed within 5 working
            # days, tracked as a step (those of the last days of June still open on 30 June).
            urgent = n % 10 == 0 and worker.scope.town_id is not None
            if urgent:
                procedure = proc.start_urgent_relief(actor=worker, request=request, event_date=event)
        _decide(b, request, event + datetime.timedelta(days=2))
        if urgent and procedure.due_on < D(2019, 6, 28):
            with at(procedure.due_on):
                proc.complete_papers(
                    actor=worker, procedure=procedure, on=procedure.due_on, materials=ALL_MATERIALS
                )


# The applications of 石城镇 open on 30 June 2019 (all for July), at each step of the procedure:
# (accepted on, materials complete, the step it stops before, the district's day, notice started).
PENDING = [
    (D(2019, 6, 26), True, Stage.VERIFICATION, None, False),
    (D(2019, 6, 26), True, Stage.VISIT, None, False),
    (D(2019, 6, 26), True, Stage.APPRAISAL, None, False),
    (D(2019, 6, 28), False, None, None, False),  # materials incomplete: told at once
    (D(2019, 6, 24), True, Stage.TOWN_REVIEW, None, False),
    (D(2019, 6, 17), True, None, D(2019, 6, 20), False),  # with the district, spot-checked
    (D(2019, 6, 18), True, None, D(2019, 6, 21), True),  # notice ran 21–27 June: to decide
    (D(2019, 6, 3), True, Stage.VISIT, None, False),  # overdue: town steps due 25 June
    (D(2019, 6, 5), True, Stage.TOWN_REVIEW, None, False),  # overdue: town review due 27 June
    (D(2019, 6, 3), True, None, D(2019, 6, 6), False),  # overdue: district decision due 19 June
]


def _pending_examples(b):
    """Applications of 石城镇 open on 30 June 2019 (for July), accepted at the end of June as the
    caseworker would have and left at each step of the procedure, a few of them overdue; one
    more, accepted in May, refused after the town's review."""
    rng = b.rng
    worker = b.town_worker[next(t.pk for t in b.towns if t.name == "石城镇")]
    town = next(t for t in b.towns if t.name == "石城镇")
    from civaffairs.services import create_household

    def household(day):
        with at(day):
            region = b.village(town, Area.RURAL)
            people = [b.person(region, 25, 70), b.person(region, 1, 17), b.person(region, 60, 85)]
            b.flush_persons()
            return create_household(
                actor=worker,
                head=people[0],
                region=region,
                area=Area.RURAL,
                income_per_capita=Decimal(rng.randint(150, 300)),
                members=[(people[1], Relation.CHILD), (people[2], Relation.PARENT)],
                joined_on=day - datetime.timedelta(days=6),
            )

    for day, complete, until, district_day, notice in PENDING:
        h = household(day)
        with at(day):
            p = proc.accept_application(
                actor=worker,
                program=b.programs[P.DIBAO],
                received_on=day,
                materials=ALL_MATERIALS if complete else {"application": True, "identity": True},
                household=h,
                start_month=D(2019, 7, 1),
                category="B",
                reason="家庭成员患病，收入低于低保标准",
            )
        if complete:
            b.procedures.town_steps(p, worker, day, until=until or Stage.DISTRICT)
        if district_day:
            b.procedures.district(district_day, notice=notice)
    h = household(D(2019, 5, 6))
    with at(D(2019, 5, 6)):
        p = proc.accept_application(
            actor=worker,
            program=b.programs[P.DIBAO],
            received_on=D(2019, 5, 6),
            materials=ALL_MATERIALS,
            household=h,
            start_month=D(2019, 6, 1),
            category="B",
            reason="务工收入不稳定",
        )
    b.procedures.town_steps(p, worker, D(2019, 5, 6))
    b.procedures.waiting.remove(p)
    with at(D(2019, 5, 14), 15):
        services.decide_request(
            actor=b.chief,
            request=p.request,
            approve=False,
            comment="核对发现家庭有机动车辆一辆，家庭财产状况不符合条件",
        )
