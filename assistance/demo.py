"""The demo district's 2019 first half of social assistance.

Deterministic (random.Random(2019)). Persons, households, cases and their approved enrolments are
bulk-created (the bulk equivalent of submit → approve); standards, payrolls and temporary relief go
through the services themselves, month by month, so every money figure is a sum of payment lines
computed by the payroll service.

DEMO ASSUMPTIONS (not in the seed; a bureau replaces them with its own):
- 2018 standards: 低保 城镇 650 (补差 500) / 农村 450 (补差 230); 特困 城镇 1040 / 农村 590;
  孤儿 1560 / 950; 残疾人生活补贴 1890/年, 护理补贴 2520/年; 困境儿童 450/月 (2018 and 2019).
- 特困护理补贴 from 2019-05-01 (the 实施办法 of the seed): 半失能 201, 全失能 482 元/月; 全自理 none.
- Names, ID numbers, villages, incomes and enrolment months are generated.
The targets (3804 households, 12054200 元 …) are reached by choosing those inputs: household
incomes, start and end months, who joins when. No line is written by hand.
"""

import datetime
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from civaffairs import audit, payments
from civaffairs.demo import register_loader
from civaffairs.idnumber import make_id_number
from civaffairs.models import (
    ApprovalStatus,
    Area,
    Case,
    Coverage,
    Household,
    HouseholdMember,
    Institution,
    Person,
    Program,
    Region,
    Relation,
    Request,
)
from civaffairs.periods import add_months

from . import programs as P
from . import services

D = datetime.date
JAN, JUN = D(2019, 1, 1), D(2019, 6, 1)
H1 = [add_months(JAN, i) for i in range(6)]

SURNAMES = "陈李黄梁林罗何张刘邓吴冯谭苏叶邱莫伍潘钟杨周郑赵蔡彭曾谢"
GIVEN = "志伟明华强军平建国文芳娟英秀兰玉梅丽红霞金凤桂珍春燕海涛永光荣新家宝德福贵"

# Targets of the seed (FIGURES.md), reached by the inputs below.
DIBAO_PLAN = {
    # area: (households at 2019-06, persons, of them added in H1 (h, p), removed in H1 (h, p))
    Area.URBAN: (79, 106, (4, 5), (3, 4)),
    Area.RURAL: (3725, 8369, (186, 396), (115, 280)),
}
DIBAO_PAID_TARGET = Decimal("12054200.00")

STANDARDS = [
    # program, category, amount, effective, approved?, subsidy level, document
    (P.DIBAO, "urban", 650, D(2018, 1, 1), True, 500, "云安民〔2018〕3号（演示）"),
    (P.DIBAO, "rural", 450, D(2018, 1, 1), True, 230, "云安民〔2018〕3号（演示）"),
    (P.TEKUN, "urban", 1040, D(2018, 1, 1), True, None, "云安民〔2018〕4号（演示）"),
    (P.TEKUN, "rural", 590, D(2018, 1, 1), True, None, "云安民〔2018〕4号（演示）"),
    (P.ORPHAN, P.CENTRALIZED, 1560, D(2018, 1, 1), True, None, "云安民〔2018〕5号（演示）"),
    (P.ORPHAN, P.DISPERSED, 950, D(2018, 1, 1), True, None, "云安民〔2018〕5号（演示）"),
    (P.CHILD, "default", 450, D(2018, 1, 1), True, None, "云安民〔2018〕6号（演示）"),
    (P.DISABILITY_LIVING, "default", 1890, D(2018, 1, 1), True, None, "云安民〔2018〕7号（演示）"),
    (P.DISABILITY_CARE, "default", 2520, D(2018, 1, 1), True, None, "云安民〔2018〕7号（演示）"),
    (P.ORPHAN, P.CENTRALIZED, 1685, D(2019, 1, 1), True, None, "云安民〔2019〕2号（演示）"),
    (P.ORPHAN, P.DISPERSED, 1025, D(2019, 1, 1), True, None, "云安民〔2019〕2号（演示）"),
    (P.DISABILITY_LIVING, "default", 1980, D(2019, 1, 1), True, None, "云安民〔2019〕3号（演示）"),
    (P.DISABILITY_CARE, "default", 2640, D(2019, 1, 1), True, None, "云安民〔2019〕3号（演示）"),
    (P.TEKUN, "care_half", 201, D(2019, 5, 1), True, None, "云安民〔2019〕8号（演示）"),
    (P.TEKUN, "care_full", 482, D(2019, 5, 1), True, None, "云安民〔2019〕8号（演示）"),
    # The 2019 方案 of the seed: drafted, 已报区政府审核, still pending on 30 June.
    (P.DIBAO, "urban", 705, D(2019, 1, 1), False, 554, "云安民〔2019〕11号（报审稿）"),
    (P.DIBAO, "rural", 490, D(2019, 1, 1), False, 251, "云安民〔2019〕11号（报审稿）"),
    (P.TEKUN, "urban", 1128, D(2019, 1, 1), False, None, "云安民〔2019〕12号（报审稿）"),
    (P.TEKUN, "rural", 784, D(2019, 1, 1), False, None, "云安民〔2019〕12号（报审稿）"),
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
        users = {
            u.username: u
            for u in User.objects.filter(username__in=["shicheng", "liudu", "jiuzhu", "chief_assist"])
        }
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
        self.persons = []

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

    def village(self, town, area):
        if area == Area.URBAN:
            return self.rng.choice(self.urban_villages[town.pk])
        return self.rng.choice(self.naturals[town.pk])

    def flush_persons(self):
        Person.objects.bulk_create(self.persons, batch_size=2000)
        self.persons = []


def split_sizes(households, persons, rng, max_size=6):
    sizes = [1] * households
    extra = persons - households
    while extra > 0:
        i = rng.randrange(households)
        if sizes[i] < max_size:
            sizes[i] += 1
            extra -= 1
    return sizes


def month_plan(n, person_months, rng):
    """(start, end) for n persons in payment at some time in 2019H1 whose H1 months sum to
    person_months: everyone full, then joiners (later start) and leavers (earlier end) chosen
    until the deficit is used up. Returns [(start_month, end_month or None)]."""
    deficit = 6 * n - person_months
    if deficit < 0 or deficit > 5 * n:
        raise ValueError("impossible month plan")
    plan = [None] * n
    order = list(range(n))
    rng.shuffle(order)
    k = 0
    while deficit > 0:
        loss = min(deficit, rng.randint(1, 5))
        i = order[k]
        k += 1
        if rng.random() < 0.5:
            plan[i] = (add_months(JAN, loss), None)  # joins: first month Jan+loss
        else:
            plan[i] = ("old", add_months(JAN, 6 - loss))  # leaves: last paid month before end
        deficit -= loss
    return plan


def old_start(rng):
    return D(rng.randint(2014, 2018), rng.randint(1, 12), 1)


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


@register_loader(100)
def load_assistance(stdout=None):
    b = Builder()
    if Case.objects.exists():
        return
    _institutions(b)
    _standards(b)
    _dibao(b)
    _tekun(b)
    _children(b)
    _disability(b)
    _mental_flags(b)
    _payrolls(b)
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


def _standards(b):
    for code, category, amount, effective, approve, level, doc in STANDARDS:
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
        if approve:
            payments.decide_standard(actor=b.chief, standard=s, approve=True, comment="同意")


def _new_case(
    b,
    program,
    *,
    town_id,
    area,
    start,
    end=None,
    household=None,
    person=None,
    category="",
    care_level="",
    institution=None,
):
    status = Case.Status.ENDED if end else Case.Status.ACTIVE
    return Case(
        program=b.programs[program],
        household=household,
        person=person,
        town_id=town_id,
        area=area,
        category=category,
        care_level=care_level,
        institution=institution,
        start_month=start,
        end_month=end,
        status=status,
        next_review=P.next_review(program, category, start),
        approved_at=timezone.now(),
        submitted_by=b.town_worker[town_id],
    )


def _save_cases(b, cases, covered):
    """Bulk equivalent of submit_enrolment + decide_request(approve) (+ the termination)."""
    Case.objects.bulk_create(cases, batch_size=2000)
    coverages, requests = [], []
    for case, persons in zip(cases, covered, strict=True):
        group = P.EXCLUSION_GROUPS.get(case.program.code, "")
        for p in persons:
            coverages.append(
                Coverage(
                    case=case,
                    person=p,
                    program=case.program,
                    exclusion_group=group,
                    start_month=case.start_month,
                    end_month=case.end_month,
                )
            )
        approved = dict(
            decided_at=case.approved_at,
            status=ApprovalStatus.APPROVED,
            decided_by=b.chief,
            comment="同意",
            submitted_by=case.submitted_by,
        )
        requests.append(
            Request(kind=Request.Kind.ENROL, case=case, effective_month=case.start_month, **approved)
        )
        if case.end_month:
            requests.append(
                Request(
                    kind=Request.Kind.TERMINATE,
                    case=case,
                    effective_month=case.end_month,
                    reason="不再符合条件",
                    **approved,
                )
            )
    Coverage.objects.bulk_create(coverages, batch_size=2000)
    Request.objects.bulk_create(requests, batch_size=2000)


def _dibao(b):
    rng = b.rng
    specs = []  # (area, start, end, size)
    for area, (h, p, (ah, ap), (rh, rp)) in DIBAO_PLAN.items():
        old_h, old_p = h - ah, p - ap
        for size in split_sizes(old_h, old_p, rng):
            specs.append((area, old_start(rng), None, size))
        for size in split_sizes(ah, ap, rng):
            specs.append((area, add_months(JAN, rng.randint(0, 5)), None, size))
        for size in split_sizes(rh, rp, rng):
            start = old_start(rng)
            specs.append((area, start, add_months(JAN, rng.randint(0, 5)), size))
    rng.shuffle(specs)
    households = []
    for area, start, end, size in specs:
        town = b.town()
        region = b.village(town, area)
        people = [b.person(region, 18, 85)] + [b.person(region, 1, 90) for _ in range(size - 1)]
        income = Decimal(rng.randint(60, 240) if area == Area.URBAN else rng.randint(120, 310))
        households.append(
            (
                Household(
                    head=people[0],
                    region=region,
                    town_id=town.pk,
                    area=area,
                    income_per_capita=income,
                    bank_name="云浮农商银行",
                    bank_account=f"6230{rng.randrange(10**14):014d}",
                ),
                start,
                end,
                people,
            )
        )
    _tune_dibao_incomes(households)
    b.flush_persons()
    Household.objects.bulk_create([h for h, *_ in households], batch_size=2000)
    members = []
    relations = [
        Relation.SPOUSE,
        Relation.CHILD,
        Relation.CHILD,
        Relation.PARENT,
        Relation.GRANDCHILD,
        Relation.CHILD,
    ]
    for h, start, _end, people in households:
        joined = min(start, D(2014, 1, 1))
        members.append(
            HouseholdMember(household=h, person=people[0], relation=Relation.HEAD, joined_on=joined)
        )
        members += [
            HouseholdMember(household=h, person=p, relation=relations[i], joined_on=joined)
            for i, p in enumerate(people[1:])
        ]
    HouseholdMember.objects.bulk_create(members, batch_size=2000)
    cases = [
        _new_case(
            b,
            P.DIBAO,
            town_id=h.town_id,
            area=h.area,
            start=start,
            end=end,
            household=h,
            category=rng.choice("AABBC"),
        )
        for h, start, end, _ in households
    ]
    _save_cases(b, cases, [people for *_, people in households])


def _h1_months(start, end):
    return sum(1 for m in H1 if start <= m and (end is None or m < end))


def _tune_dibao_incomes(households):
    """Choose per-capita incomes so that the payroll service, paying (standard − income) × persons
    at the 2018 standards in force January to June, sums to the seed's 低保金. Inputs only."""
    std = {Area.URBAN: Decimal(650), Area.RURAL: Decimal(450)}
    weight = [(h, len(people) * _h1_months(start, end)) for h, start, end, people in households]
    total = sum((std[h.area] - h.income_per_capita) * w for h, w in weight)
    gap = DIBAO_PAID_TARGET - total  # positive: pay more, so lower incomes
    for h, w in sorted(weight, key=lambda hw: -hw[1]):
        if gap == 0:
            break
        if w == 0:
            continue
        step = (gap / w).quantize(Decimal("0.01"))
        step = max(min(step, Decimal(40)), Decimal(-40))
        new_income = h.income_per_capita - step
        if new_income < 0 or new_income >= std[h.area]:
            continue
        h.income_per_capita = new_income
        gap -= step * w
    assert gap == 0, gap


def _tekun(b):
    rng = b.rng
    institutions = list(Institution.objects.order_by("id"))
    # 1885 in support at 2019-06 (1725 分散, 160 集中), 11114 person-months at 590: 6557260 元.
    plan = month_plan(1885 + 12, 11114, rng)
    # Leavers (died) are extra to the 1885; make exactly 12 of the plan's changes leavers.
    plan = _fix_leavers(plan, 12, rng)
    cases, covered = [], []
    care = [P.CARE_HALF] * 45 + [P.CARE_FULL] * 28
    centralized_left = 160
    for spell in plan:
        start, end = _spell(spell, rng)
        centralized = centralized_left > 0 and end is None
        centralized_left -= centralized
        town = b.town()
        inst = institutions[centralized_left % len(institutions)] if centralized else None
        region = b.village(inst.region if inst else town, Area.RURAL) if inst else b.village(town, Area.RURAL)
        death = D(end.year, end.month, 1) - datetime.timedelta(days=3) if end else None
        p = b.person(region, 60, 95, death_date=death)
        level = care.pop() if care and end is None and start <= D(2019, 5, 1) else P.CARE_SELF
        cases.append(
            _new_case(
                b,
                P.TEKUN,
                town_id=region.town_id,
                area=Area.RURAL,
                start=start,
                end=end,
                person=p,
                category=P.CENTRALIZED if centralized else P.DISPERSED,
                care_level=level,
                institution=inst,
            )
        )
        covered.append([p])
    assert not care
    b.flush_persons()
    _save_cases(b, cases, covered)


def _spell(spell, rng):
    if spell is None:
        return old_start(rng), None
    start, end = spell
    return (old_start(rng) if start == "old" else start), end


def _fix_leavers(plan, leavers, rng):
    """Re-draw the plan so that exactly `leavers` spells end in H1, keeping the month total."""
    current = [i for i, s in enumerate(plan) if s and s[1] is not None]
    joiners = [i for i, s in enumerate(plan) if s and s[1] is None]
    while len(current) > leavers:
        i = current.pop()
        loss = 6 - (plan[i][1].month - 1)
        plan[i] = (add_months(JAN, loss), None)
        joiners.append(i)
    while len(current) < leavers:
        i = joiners.pop()
        loss = plan[i][0].month - 1
        plan[i] = ("old", add_months(JAN, 6 - loss))
        current.append(i)
    return plan


def _persons_program(
    b,
    program,
    count,
    person_months,
    *,
    min_age,
    max_age,
    category_of=lambda i: "",
    extra=None,
    leavers_allowed=True,
    late=0,
):
    """Person cases whose H1 months sum to person_months; `late` more start 2018-12 (arrears)."""
    rng = b.rng
    plan = month_plan(count, person_months, rng)
    if not leavers_allowed:
        plan = _fix_leavers(plan, 0, rng)
    cases, covered = [], []
    for i, spell in enumerate(plan):
        start, end = _spell(spell, rng)
        if start > D(2018, 11, 1) and start < JAN:
            start = D(2018, 11, 1)
        town = b.town()
        region = b.village(town, Area.RURAL)
        p = b.person(region, min_age, max_age, **(extra(i) if extra else {}))
        cases.append(
            _new_case(
                b,
                program,
                town_id=town.pk,
                area=Area.RURAL,
                start=start,
                end=end,
                person=p,
                category=category_of(i),
            )
        )
        covered.append([p])
    b.flush_persons()
    _save_cases(b, cases, covered)
    return cases


def _children(b):
    # 孤儿: 11 集中 full half-year; 56 散居 with 328 months (4 join in March).
    _persons_program(b, P.ORPHAN, 11, 66, min_age=2, max_age=16, category_of=lambda i: P.CENTRALIZED)
    _persons_program(
        b, P.ORPHAN, 56, 328, min_age=2, max_age=16, category_of=lambda i: P.DISPERSED, leavers_allowed=False
    )
    _persons_program(b, P.CHILD, 40, 240, min_age=3, max_age=16)


def _disability(b):
    """2232 persons paid the living allowance (13231 months at 165 + 18 December arrears at 157.50)
    and 4589 the care allowance (27014 months at 220); 1000 of the care group receive both."""
    rng = b.rng
    care_cases = _persons_program(
        b,
        P.DISABILITY_CARE,
        4589,
        27014,
        min_age=8,
        max_age=85,
        extra=lambda i: {"disability_grade": rng.choice([1, 2])},
    )
    # 1000 severely disabled persons also get the living allowance, full half-year.
    both = [c.person for c in care_cases if c.end_month is None and c.start_month < JAN][:1000]
    cases = [
        _new_case(b, P.DISABILITY_LIVING, town_id=p.town_id, area=Area.RURAL, start=old_start(rng), person=p)
        for p in both
    ]
    _save_cases(b, cases, [[p] for p in both])
    _persons_program(
        b,
        P.DISABILITY_LIVING,
        2232 - 1000 - 18,
        13231 - 6000 - 18 * 6,
        min_age=8,
        max_age=85,
        extra=lambda i: {"disability_grade": rng.choice([1, 2, 3, 3, 4, 4])},
    )


def _late_disability(b):
    """18 applications starting 2018-12, approved after the December payroll: the January payroll
    pays their December as arrears at the 2018 standard (157.50)."""
    rng = b.rng
    cases = []
    for _ in range(18):
        town = b.town()
        region = b.village(town, Area.RURAL)
        p = b.person(region, 8, 85, disability_grade=rng.choice([3, 4]))
        cases.append(
            _new_case(
                b, P.DISABILITY_LIVING, town_id=town.pk, area=Area.RURAL, start=D(2018, 12, 1), person=p
            )
        )
    b.flush_persons()
    _save_cases(b, cases, [[c.person] for c in cases])


def _mental_flags(b):
    """1432 persons covered by 低保 or 特困 at the end of June have a severe mental disorder."""
    ids = list(
        Coverage.objects.filter(program__code__in=[P.DIBAO, P.TEKUN], end_month__isnull=True)
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )
    chosen = b.rng.sample(ids, 1432)
    Person.objects.filter(pk__in=chosen).update(severe_mental_disorder=True)


def _payrolls(b):
    progs = [P.DIBAO, P.TEKUN, P.ORPHAN, P.CHILD, P.DISABILITY_LIVING, P.DISABILITY_CARE]
    # December 2018 for the disability allowances, so that late approvals show as arrears.
    for code in (P.DISABILITY_LIVING, P.DISABILITY_CARE):
        payroll = payments.generate_payroll(
            actor=b.district_worker, program=b.programs[code], month=D(2018, 12, 1)
        )
        payments.decide_payroll(actor=b.chief, payroll=payroll, approve=True, comment="同意")
    _late_disability(b)
    for month in H1:
        for code in progs:
            payroll = payments.generate_payroll(
                actor=b.district_worker, program=b.programs[code], month=month
            )
            payments.decide_payroll(actor=b.chief, payroll=payroll, approve=True, comment="同意")


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
    for amount, is_mental in amounts:
        person = people[mental_ids.pop() if is_mental else ordinary_ids.pop()]
        worker = b.town_worker[person.town_id]
        event = D(2019, rng.randint(1, 6), rng.randint(1, 28))
        request = services.submit_enrolment(
            actor=worker,
            program=b.programs[P.TEMP_RELIEF],
            person=person,
            amount=Decimal(amount),
            event_date=event,
            reason="因病致困" if is_mental else rng.choice(["因灾", "因病", "意外事故", "突发困难"]),
            flags=["mental"] if is_mental else [],
        )
        services.decide_request(actor=b.chief, request=request, approve=True, comment="同意")


def _pending_examples(b):
    """A few applications of 石城镇 waiting in the chief's inbox (from 2019-07, outside H1),
    submitted at the end of June 2019 as the caseworker would have."""
    rng = b.rng
    worker = User.objects.get(username="shicheng")
    town = next(t for t in b.towns if t.name == "石城镇")
    with (
        time_machine.travel(datetime.datetime(2019, 6, 26, 10, tzinfo=ZoneInfo("Asia/Shanghai"))),
        transaction.atomic(),
    ):
        for _ in range(3):
            region = b.village(town, Area.RURAL)
            people = [b.person(region, 25, 70), b.person(region, 1, 17), b.person(region, 60, 85)]
            b.flush_persons()
            from civaffairs.services import create_household

            household = create_household(
                actor=worker,
                head=people[0],
                region=region,
                area=Area.RURAL,
                income_per_capita=Decimal(rng.randint(150, 300)),
                members=[(people[1], Relation.CHILD), (people[2], Relation.PARENT)],
                joined_on=D(2019, 6, 20),
            )
            services.submit_enrolment(
                actor=worker,
                program=b.programs[P.DIBAO],
                household=household,
                start_month=D(2019, 7, 1),
                category="B",
                reason="家庭成员患病，收入低于低保标准",
            )
