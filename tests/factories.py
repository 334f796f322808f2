"""Factories shared by every app's tests.

Regions: the district and its seven towns come from the data migration (`ensure_towns` only
fetches them, and recreates them should a transactional test have flushed the tables); villages
and natural villages are made here under a town. Persons get valid 身份证号 built with
`make_id_number`, so every factory-made person passes `parse_id_number`.
"""

import datetime
from decimal import Decimal

import factory
import time_machine
from django.contrib.auth.models import Group, User
from django.utils import timezone
from factory.django import DjangoModelFactory

from assistance import programs as P
from assistance import services
from assistance.services import procedure
from civaffairs import payments, roles
from civaffairs import services as core
from civaffairs.idnumber import make_id_number, parse_id_number
from civaffairs.models import (
    Area,
    Case,
    Household,
    HouseholdMember,
    Person,
    Program,
    Region,
    Relation,
    Section,
    UserScope,
)
from civaffairs.reference import ensure_towns
from civaffairs.roles import CASEWORKER, CHIEF

TEST_PASSWORD = "Test@2019pw"


# --- regions -------------------------------------------------------------------------------------


def district():
    return ensure_towns(Region)


def town(name):
    """One of the seven towns by name (六都镇, 高村镇, 白石镇, 镇安镇, 富林镇, 石城镇, 都杨镇)."""
    found = Region.objects.filter(level=Region.Level.TOWN, name=name).first()
    if found is None:
        district()
        found = Region.objects.get(level=Region.Level.TOWN, name=name)
    return found


def _as_town(value):
    if value is None or isinstance(value, Region):
        return value
    return town(value)


class VillageFactory(DjangoModelFactory):
    """A village committee (村（居）委); town is a Region (default 石城镇). See village() for names."""

    class Meta:
        model = Region

    town = factory.LazyFunction(lambda: town("石城镇"))
    parent = factory.SelfAttribute("town")
    # Codes outside the demo loader's (town code + 001..022), so both can coexist; 15 chars max.
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.town.code}T{n:05d}")
    name = factory.Sequence(lambda n: f"测试{n}村")
    level = Region.Level.VILLAGE
    area = Area.RURAL


class NaturalVillageFactory(DjangoModelFactory):
    """A natural village (自然村) under a village committee."""

    class Meta:
        model = Region

    parent = factory.SubFactory(VillageFactory)
    town = factory.SelfAttribute("parent.town")
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.town.code}N{n:05d}")
    name = factory.Sequence(lambda n: f"测试自然村{n}")
    level = Region.Level.NATURAL
    area = Area.RURAL


def village(town_name="石城镇", **kwargs):
    """A new village committee under the town (a name such as "六都镇", or a Region)."""
    return VillageFactory(town=_as_town(town_name), **kwargs)


def natural_village(parent, **kwargs):
    return NaturalVillageFactory(parent=parent, **kwargs)


# --- persons and households ----------------------------------------------------------------------


def id_number_for(n, address="445303"):
    """A distinct valid number for each n (birth date walks from 1950, sequence from n)."""
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=(n * 37) % 25000)
    return make_id_number(address, birth, n % 1000)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name", locale="zh_CN")
    id_number = factory.Sequence(id_number_for)
    birth_date = factory.LazyAttribute(lambda o: parse_id_number(o.id_number)[1])
    sex = factory.LazyAttribute(lambda o: parse_id_number(o.id_number)[2])
    region = factory.LazyFunction(lambda: village())
    town = factory.LazyAttribute(lambda o: o.region.town)
    bank_name = "云浮农商银行"
    bank_account = factory.Sequence(lambda n: f"6217{n:012d}")


class HouseholdFactory(DjangoModelFactory):
    """A household with its head as member; `members=2` adds two more persons (spouse, child)."""

    class Meta:
        model = Household
        skip_postgeneration_save = True

    region = factory.LazyFunction(lambda: village())
    town = factory.LazyAttribute(lambda o: o.region.town)
    head = factory.SubFactory(PersonFactory, region=factory.SelfAttribute("..region"))
    area = Area.RURAL
    income_per_capita = 200
    bank_name = "云浮农商银行"
    bank_account = factory.Sequence(lambda n: f"6230{n:012d}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if not create:
            return
        joined = kwargs.get("joined_on", datetime.date(2019, 1, 1))
        HouseholdMember.objects.create(
            household=self, person=self.head, relation=Relation.HEAD, joined_on=joined
        )
        relations = [Relation.SPOUSE, Relation.CHILD, Relation.CHILD, Relation.PARENT, Relation.OTHER]
        for i in range(extracted or 0):
            HouseholdMember.objects.create(
                household=self,
                person=PersonFactory(region=self.region),
                relation=relations[min(i, len(relations) - 1)],
                joined_on=joined,
            )


class ProgramFactory(DjangoModelFactory):
    """A test program; domain apps' real programs come from their data migrations."""

    class Meta:
        model = Program
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-program-{n}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    section = Section.ASSISTANCE
    unit = Program.Unit.HOUSEHOLD


class CaseFactory(DjangoModelFactory):
    """A household case (pass person=... and household=None for a person case)."""

    class Meta:
        model = Case

    program = factory.SubFactory(ProgramFactory)
    household = factory.SubFactory(HouseholdFactory)
    person = None
    town = factory.LazyAttribute(lambda o: (o.household or o.person).town)
    area = Area.RURAL
    start_month = datetime.date(2019, 1, 1)
    status = Case.Status.ACTIVE
    submitted_by = factory.LazyFunction(lambda: make_user(roles.CASEWORKER, town="石城镇"))


# --- users ---------------------------------------------------------------------------------------


def role_group(role):
    """The role's group; the data migration creates it, re-applied here should a flush have emptied it."""
    group = Group.objects.filter(name=role).first()
    if group is None:
        roles.apply_role_permissions()
        group = Group.objects.get(name=role)
    return group


_user_counter = iter(range(1, 10**9))


def make_user(role, town=None, section="", *, username=None, password=TEST_PASSWORD, **fields):
    """A user in the role's group with a UserScope (town name or Region; section as Section value).

    The 系统管理员 role is staff, as in the demo; password is TEST_PASSWORD unless given."""
    username = username or f"user{next(_user_counter)}"
    fields.setdefault("is_staff", role == roles.ADMIN)
    user = User.objects.create_user(username=username, password=password, **fields)
    user.groups.add(role_group(role))
    UserScope.objects.create(user=user, town=_as_town(town), section=section)
    return user


NOV18 = datetime.date(2018, 11, 1)


# --- the statutory procedure of 低保 and 特困 (issue 11) ----------------------------------------------

ALL_MATERIALS = {key: True for key, _label in procedure.MATERIALS}
# The smallest file the scan check takes for a PDF.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at(day):
    """The clock at 10:00 on `day`, stopped: a step recorded "today" is dated `day` (steps are
    never dated ahead of today)."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 10), tick=False)


def home_visit(actor, case, on, district=True):
    """入户调查 by two investigators with the applicant's signature on `on`: the district's
    (区级抽查入户, by the chief) or, district=False, the town's."""
    return procedure.record_home_visit(
        actor=actor,
        case=case,
        visited_on=on,
        investigators=["区核查员甲", "区核查员乙"],
        applicant_signed=True,
        district=district,
    )


def verification_xlsx(rows):
    """The verification centre's reply (核对结果) as the import takes it: a header and `rows` of
    身份证号, 核对项目, 数据来源, 核对日期, 核对金额, 核对结论."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["身份证号", "核对项目", "数据来源", "核对日期", "核对金额", "核对结论"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("核对.xlsx", out.getvalue())


def town_reviewer(town):
    """The town's 镇民政办负责人 (one per town, made on first use)."""
    found = User.objects.filter(groups__name=roles.TOWN_REVIEWER, scope__town=town).first()
    return found or make_user(roles.TOWN_REVIEWER, town=town, first_name=f"{town.name}民政办负责人")


def accept(*, actor, program, on=None, **application):
    """受理 of a 低保 or 特困 application with every material: its pending Request (the steps
    still owed). `on` the day received, today unless given."""
    on = on or timezone.localdate()
    return procedure.accept_application(
        actor=actor, program=program, received_on=on, materials=ALL_MATERIALS, **application
    ).request


def assistance_chief():
    """社会救助股股长: the first one on record, or a new one."""
    found = User.objects.filter(groups__name=roles.CHIEF, scope__section=Section.ASSISTANCE).first()
    return found or make_user(roles.CHIEF, section=Section.ASSISTANCE, first_name="救助股股长")


def submit(*, actor, program, chief=None, **application):
    """An application waiting for the chief's decision, as the users' clicks make it: 低保 and
    特困 through every step of the procedure (through_procedure), the other programs submitted."""
    code = getattr(program, "code", program)
    if code in procedure.PROGRAM_STEPS:
        return through_procedure(actor=actor, chief=chief, program=program, **application)
    return services.submit_enrolment(actor=actor, program=program, **application)


def through_procedure(*, actor, program, chief=None, on=None, **application):
    """A 低保 or 特困 application driven through every step with the services the users' clicks
    call — 受理, 核对, 入户调查, 民主评议 (低保), 镇审核, 区级抽查 (and its visit when sampled), a
    7-day 公示 — ready for the chief's decision: returns its pending Request.

    All steps are dated `on` (default: the first day of the start month, or 7 days before today
    if that is later), so that the notice has run its 7 days today and payment still starts
    from the month applied for (approval pays from the month of acceptance, never earlier)."""
    chief = chief or assistance_chief()
    today = timezone.localdate()
    latest = today - datetime.timedelta(days=procedure.NOTICE_MIN_DAYS)
    start = application.get("start_month") or application.get("event_date")
    on = on or min(start.replace(day=1) if start else latest, latest)
    p = procedure.accept_application(
        actor=actor, program=program, received_on=on, materials=ALL_MATERIALS, **application
    )
    return complete_steps(p, actor=actor, chief=chief, on=on)


def complete_steps(p, *, actor, chief=None, on=None):
    """The steps after 受理 of an accepted application (Procedure p), all dated `on` (default its
    acceptance day): 核对, 入户调查, 民主评议 (低保), 镇审核, 区级抽查 with its visit when sampled,
    a 7-day 公示. Returns the pending Request, ready for the decision once the notice has run."""
    chief = chief or assistance_chief()
    on = on or p.accepted_on
    case = p.case
    code = case.program.code
    if code == P.DIBAO:
        procedure.record_verification(
            actor=actor,
            case=case,
            checks=[
                {"item": item, "source": "核对中心", "checked_on": on, "verdict": "pass"}
                for item in ("deposits", "vehicles", "real_estate")
            ],
        )
    procedure.record_home_visit(
        actor=actor, case=case, visited_on=on, investigators=["调查员甲", "调查员乙"], applicant_signed=True
    )
    if code == P.DIBAO:
        procedure.record_appraisal(
            actor=actor, case=case, held_on=on, due=9, attended=9, agreed=9, minutes="同意上报"
        )
    p.refresh_from_db()
    procedure.town_review(
        actor=town_reviewer(case.town), procedure=p, opinion="情况属实，建议批准", recommends=True, on=on
    )
    procedure.draw_spot_check(actor=chief, month=on, seed=f"test-{p.pk}")
    p.refresh_from_db()
    if p.sampled:
        procedure.record_home_visit(
            actor=chief,
            case=case,
            visited_on=on,
            investigators=["区抽查员甲", "区抽查员乙"],
            applicant_signed=True,
            district=True,
        )
    # A notice starts today or later (never backdated): the chief posts it on the day `on`.
    with at(on):
        procedure.start_notice(
            actor=chief,
            procedure=p,
            starts_on=on,
            ends_on=on + datetime.timedelta(days=procedure.NOTICE_MIN_DAYS - 1),
        )
    return p.request


def enrol_new_household(*, actor, chief, start_month, category, income_per_capita, **household):
    """A household registered (register_household's arguments) and its 低保 application taken
    through every step and approved: the approved Case."""
    registered = core.register_household(actor=actor, income_per_capita=income_per_capita, **household)
    return enrol(
        actor=actor,
        chief=chief,
        program=P.DIBAO,
        household=registered,
        start_month=start_month,
        category=category,
    )


def enrol(*, actor, chief, program, on=None, **application):
    """through_procedure, then the chief's approval: the approved Case."""
    request = through_procedure(actor=actor, chief=chief, program=program, on=on, **application)
    services.decide_request(actor=chief, request=request, approve=True, comment="同意")
    request.case.refresh_from_db()
    return request.case


class World:
    """The district as its users build it, through the services their clicks call: a 社会救助股
    worker and chief, a 石城镇 caseworker, persons, households, applications, standards,
    payrolls and deaths."""

    def __init__(self):
        self.worker = make_user(CASEWORKER, section=Section.ASSISTANCE, first_name="救助股经办人")
        self.chief = make_user(CHIEF, section=Section.ASSISTANCE, first_name="救助股股长")
        self.town_worker = make_user(CASEWORKER, town="石城镇", first_name="石城镇经办人")
        self.village = village("石城镇")
        self.n = 0

    def person(self, account=True, **fields):
        """A registered person of 石城镇; with a payee account of their own unless account=False."""
        self.n += 1
        person = core.create_person(
            actor=self.town_worker,
            name=fields.pop("name", "测试" + "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"[self.n % 20]),
            id_number=id_number_for(5000 + self.n),
            region=self.village,
            **fields,
        )
        if account:
            core.change_payee_account(
                actor=self.town_worker,
                person=person,
                bank_name="云浮农商银行",
                bank_account=f"6217{person.pk:015d}",
                reason="登记收款账户",
            )
            person.refresh_from_db()
        return person

    def standard(self, code, category, amount, effective):
        s = payments.draft_standard(
            actor=self.worker,
            program=code,
            category=category,
            amount=Decimal(amount),
            effective_from=effective,
        )
        return payments.decide_standard(actor=self.chief, standard=s, approve=True, comment="同意")

    def household(self, size=2, income="100", **fields):
        """A rural household of `size` registered persons of 石城镇 (the head and children, all
        members since 2018), registered by the town caseworker; `fields` as create_household's
        (a bank account, say)."""
        people = [self.person() for _ in range(size)]
        return core.create_household(
            actor=self.town_worker,
            head=people[0],
            region=self.village,
            area=Area.RURAL,
            income_per_capita=Decimal(income),
            members=[(p, Relation.CHILD) for p in people[1:]],
            joined_on=datetime.date(2018, 1, 1),
            **fields,
        )

    def dibao(self, size, income, start=NOV18):
        people = [self.person() for _ in range(size)]
        household = core.create_household(
            actor=self.town_worker,
            head=people[0],
            region=self.village,
            area=Area.RURAL,
            income_per_capita=Decimal(income),
            members=[(p, Relation.CHILD) for p in people[1:]],
            joined_on=datetime.date(2018, 1, 1),
            bank_name="云浮农商银行",
            bank_account="6230000000000001",
        )
        case = enrol(
            actor=self.town_worker,
            chief=self.chief,
            program=P.DIBAO,
            household=household,
            start_month=start,
            category="A",
            income=Decimal(income),
        )
        return case, people

    def person_case(self, code, start=NOV18, person=None, account=True, **kw):
        """An approved person case; its payee with an account unless account=False."""
        person = person or self.person(account=account, **kw.pop("person_fields", {}))
        if code in procedure.PROGRAM_STEPS:
            return enrol(
                actor=self.town_worker, chief=self.chief, program=code, person=person, start_month=start, **kw
            )
        request = services.submit_enrolment(
            actor=self.town_worker, program=code, person=person, start_month=start, **kw
        )
        services.decide_request(actor=self.chief, request=request, approve=True, comment="同意")
        request.case.refresh_from_db()
        return request.case

    def pay(self, code, *months):
        out = []
        for month in months:
            payroll = payments.generate_payroll(actor=self.worker, program=code, month=month)
            out.append(
                payments.decide_payroll(actor=self.chief, payroll=payroll, approve=True, comment="同意")
            )
        return out

    def die(self, person, on):
        person = Person.objects.get(pk=person.pk)
        return core.update_person(
            actor=self.town_worker, person=person, expected_version=person.version, death_date=on
        )


class ProcedureTown:
    """石城镇 as the statutory procedure's tests find it (issue 11): a World (`w`) with the town's
    民政办负责人 and an approved rural 低保 standard of 400 from 2018; its households' 低保
    applications accepted in March 2019 and taken step by step, each step on its own day."""

    def __init__(self):
        self.w = World()
        self.reviewer = town_reviewer(self.w.village.town)
        standard = self.w.standard(P.DIBAO, "rural", "400", datetime.date(2018, 1, 1))
        assert standard.pk

    def household(self, size=2, income="100"):
        return self.w.household(size, income, bank_name="云浮农商银行", bank_account="6230000000000001")

    def accept(self, on=None, materials=ALL_MATERIALS, **kw):
        """受理 of a household's 低保 application (category A, income 100) on `on` (4 March 2019):
        the Procedure."""
        on = on or datetime.date(2019, 3, 4)
        with at(on):
            return procedure.accept_application(
                actor=self.w.town_worker,
                program=P.DIBAO,
                received_on=on,
                materials=materials,
                household=kw.pop("household", None) or self.household(),
                category="A",
                income=Decimal("100"),
                **kw,
            )

    def checks(self, on):
        return [
            {"item": item, "source": "县级核对中心", "checked_on": on, "amount": "0", "verdict": "pass"}
            for item in ("deposits", "vehicles", "real_estate", "business", "pension", "insurance")
        ]

    def verify(self, p, on):
        """家庭经济状况核对: every item checked and passed on `on`."""
        with at(on):
            return procedure.record_verification(
                actor=self.w.town_worker, case=p.case, checks=self.checks(on)
            )

    def to_town_review(self, p, on=datetime.date(2019, 3, 5), agreed=3):
        """核对, the town's 入户调查 and a 民主评议 of 3 members, 3 present and `agreed` for, all on
        `on` (5 March 2019): the application waits for the 镇审核."""
        self.verify(p, on)
        with at(on):
            home_visit(self.w.town_worker, p.case, on, district=False)
            procedure.record_appraisal(
                actor=self.w.town_worker,
                case=p.case,
                held_on=on,
                due=3,
                attended=3,
                agreed=agreed,
                minutes="通过",
            )
        p.refresh_from_db()
        return p

    def through_town(self, p, on=None):
        """Every step of the town's on `on` (5 March 2019), the 镇审核 recommending approval: the
        application is the district's."""
        on = on or datetime.date(2019, 3, 5)
        w = self.w
        with at(on):
            procedure.record_verification(actor=w.town_worker, case=p.case, checks=self.checks(on))
            procedure.record_home_visit(
                actor=w.town_worker,
                case=p.case,
                visited_on=on,
                investigators=["张三", "李四"],
                income={"务工": "300"},
                property="无",
                living="困难",
                applicant_signed=True,
            )
            procedure.record_appraisal(
                actor=w.town_worker, case=p.case, held_on=on, due=9, attended=7, agreed=6, minutes="评议通过"
            )
            procedure.town_review(
                actor=self.reviewer, procedure=p, opinion="情况属实，建议批准", recommends=True
            )
        p.refresh_from_db()
        return p

    def spot_check(self, p, seed, on=datetime.date(2019, 3, 6)):
        """The chief's draw of the month's 区级抽查 (with `seed`) and the district's visit to p, on
        `on` (6 March 2019)."""
        with at(on):
            drawn = procedure.draw_spot_check(actor=self.w.chief, month=on.replace(day=1), seed=seed)
            home_visit(self.w.chief, p.case, on)
        return drawn

    def to_notice(self, p, seed, on=datetime.date(2019, 3, 6), starts_on=None, ends_on=None):
        """spot_check, then the 7-day 公示 posted on `on`, from `starts_on` (the next day) to
        `ends_on` (its 7th day)."""
        starts_on = starts_on or on + datetime.timedelta(days=1)
        ends_on = ends_on or starts_on + datetime.timedelta(days=procedure.NOTICE_MIN_DAYS - 1)
        drawn = self.spot_check(p, seed, on)
        with at(on):
            procedure.start_notice(actor=self.w.chief, procedure=p, starts_on=starts_on, ends_on=ends_on)
        return drawn
