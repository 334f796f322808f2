"""Every social-assistance figure against a hand count on a small district.

The district below has a few cases in 石城镇 (S) and 六都镇 (L), starting and ending in and out of
the periods, a pending and a rejected case that count nowhere, and payment lines of approved,
pending and back-pay payrolls and one-off relief. Months: a case is in payment in m when
start <= m < end; stocks are taken in the month of the period's last day, the opening stock in the
month before the first.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance import programs as P
from civaffairs import figures
from civaffairs.models import (
    ApprovalStatus,
    Area,
    Case,
    Coverage,
    Institution,
    PaymentLine,
    Payroll,
    Program,
    Region,
    Section,
    Standard,
)
from civaffairs.periods import Period
from civaffairs.roles import CASEWORKER, CHIEF
from tests.factories import HouseholdFactory, PersonFactory, make_user, town, village

D = datetime.date


def m(year, month):
    return D(year, month, 1)


def assistance_keys():
    return sorted(k for k, s in figures.specs().items() if s.function.__module__ == "assistance.figures")


def units():
    return {k: figures.specs()[k].unit for k in assistance_keys()}


def compute(period, region=None):
    return figures.compute(Period.parse(period), region, keys=assistance_keys())


# --- the small district ------------------------------------------------------------------------------


class World:
    def __init__(self):
        self.worker = make_user(CASEWORKER, section=Section.ASSISTANCE)
        self.chief = make_user(CHIEF, section=Section.ASSISTANCE)
        self.S, self.L = town("石城镇"), town("六都镇")
        self.programs = {p.code: p for p in Program.objects.all()}

    def household_case(self, t, area, start, end=None, *, spells, status=None):
        """spells: [(start, end, severe_mental_disorder)] one per member."""
        h = HouseholdFactory(region=village(t), members=len(spells) - 1, area=area)
        status = status or (Case.Status.ENDED if end else Case.Status.ACTIVE)
        case = Case.objects.create(
            program=self.programs[P.DIBAO],
            household=h,
            town=t,
            area=area,
            category="A",
            start_month=start,
            end_month=end,
            status=status,
            submitted_by=self.worker,
        )
        for member, (s, e, mental) in zip(h.members.order_by("id"), spells, strict=True):
            if mental:
                type(member.person).objects.filter(pk=member.person_id).update(severe_mental_disorder=True)
            if status != Case.Status.REJECTED:
                Coverage.objects.create(
                    case=case,
                    person=member.person,
                    program=case.program,
                    exclusion_group="basic_living",
                    start_month=s,
                    end_month=e,
                )
        return case

    def person_case(self, code, t, start, end=None, *, status=None, area=Area.RURAL, person=None, **fields):
        person_fields = {
            k: fields.pop(k) for k in ("severe_mental_disorder", "disability_grade") if k in fields
        }
        p = person or PersonFactory(region=village(t), **person_fields)
        if code == P.TEMP_RELIEF and (
            person_fields.get("severe_mental_disorder") or "mental" in fields.get("flags", [])
        ):
            # What submit_enrolment records from the form's 救助对象为严重精神障碍患者.
            fields.update(flags=["mental"], mental_disorder=True)
        status = status or (Case.Status.ENDED if end else Case.Status.ACTIVE)
        case = Case.objects.create(
            program=self.programs[code],
            person=p,
            town=t,
            area=area,
            start_month=start,
            end_month=end,
            status=status,
            submitted_by=self.worker,
            **fields,
        )
        if self.programs[code].cadence == Program.Cadence.MONTHLY:
            Coverage.objects.create(
                case=case,
                person=p,
                program=case.program,
                exclusion_group=P.EXCLUSION_GROUPS.get(code, ""),
                start_month=start,
                end_month=end,
            )
        return case

    def payroll(self, code, month, status=ApprovalStatus.APPROVED, kind=Payroll.Kind.MONTHLY):
        payroll, _ = Payroll.objects.get_or_create(
            program=self.programs[code],
            kind=kind,
            month=month,
            status=status,
            defaults={"created_by": self.worker},
        )
        return payroll

    def line(
        self,
        case,
        paid_month,
        amount,
        *,
        month=None,
        item="basic",
        status=ApprovalStatus.APPROVED,
        kind=PaymentLine.Kind.REGULAR,
        one_off=False,
    ):
        code = case.program.code
        payroll = None
        if not one_off:
            payroll_kind = Payroll.Kind.BACKPAY if kind == PaymentLine.Kind.BACKPAY else Payroll.Kind.MONTHLY
            payroll = self.payroll(code, paid_month, status, payroll_kind)
        return PaymentLine.objects.create(
            payroll=payroll,
            case=case,
            program=case.program,
            town=case.town,
            month=month or paid_month,
            paid_month=paid_month,
            kind=kind,
            item=item,
            amount=Decimal(amount),
        )

    def standard(self, code, category, amount, effective, status=ApprovalStatus.APPROVED, subsidy_level=None):
        basis = {c: b for c, _label, b in P.STANDARD_CATEGORIES[code]}[category]
        return Standard.objects.create(
            program=self.programs[code],
            category=category,
            amount=Decimal(amount),
            basis=basis,
            effective_from=effective,
            status=status,
            drafted_by=self.worker,
            subsidy_level=Decimal(subsidy_level) if subsidy_level is not None else None,
        )


def build(w, standards=True):
    S, L, U, R = w.S, w.L, Area.URBAN, Area.RURAL
    # 低保 households (A..H) and their members' spells; p1 of A and p5 of C have a severe mental disorder.
    A = w.household_case(
        S,
        R,
        m(2018, 6),
        spells=[(m(2018, 6), None, True), (m(2018, 6), None, False), (m(2019, 4), None, False)],
    )
    w.household_case(S, U, m(2019, 2), spells=[(m(2019, 2), None, False)])  # B
    C = w.household_case(
        L,
        R,
        m(2018, 1),
        m(2019, 4),
        spells=[(m(2018, 1), m(2019, 4), True)] + [(m(2018, 1), m(2019, 4), False)] * 2,
    )
    D_ = w.household_case(L, R, m(2019, 3), m(2019, 5), spells=[(m(2019, 3), m(2019, 5), False)] * 2)
    w.household_case(S, R, m(2019, 1), spells=[(m(2019, 1), None, True)] * 2, status=Case.Status.PENDING)  # E
    w.household_case(
        L, R, m(2019, 1), spells=[(m(2019, 1), None, False)] * 2, status=Case.Status.REJECTED
    )  # F
    w.household_case(S, R, m(2019, 8), spells=[(m(2019, 8), None, False)])  # G
    w.household_case(
        L, R, m(2018, 3), spells=[(m(2018, 3), None, False), (m(2018, 3), m(2019, 2), False)]
    )  # H

    # 特困
    home, _ = Institution.objects.get_or_create(name="六都镇敬老院（测试）", kind="nursing_home", region=L)
    T1 = w.person_case(
        P.TEKUN, S, m(2018, 1), category=P.DISPERSED, care_level=P.CARE_HALF, severe_mental_disorder=True
    )
    T2 = w.person_case(P.TEKUN, L, m(2019, 2), category=P.CENTRALIZED, institution=home)
    w.person_case(P.TEKUN, S, m(2018, 1), category=P.DISPERSED, area=U)  # T3, urban
    w.person_case(P.TEKUN, L, m(2018, 1), m(2019, 3), category=P.DISPERSED)  # T4, died in February
    w.person_case(P.TEKUN, S, m(2019, 1), category=P.DISPERSED, status=Case.Status.PENDING)  # T5

    # 孤儿 and 困境儿童
    O1 = w.person_case(P.ORPHAN, S, m(2018, 1), category=P.CENTRALIZED)
    w.person_case(P.ORPHAN, L, m(2019, 4), category=P.DISPERSED)  # O2
    w.person_case(
        P.ORPHAN, S, m(2018, 1), m(2019, 7), category=P.DISPERSED, severe_mental_disorder=True
    )  # O3
    C1 = w.person_case(P.CHILD, S, m(2018, 1))
    w.person_case(P.CHILD, L, m(2019, 5))  # C2

    # 残疾人两项补贴: DL1's person also gets the care allowance (DC2).
    DL1 = w.person_case(P.DISABILITY_LIVING, S, m(2018, 1), disability_grade=1)
    DL2 = w.person_case(P.DISABILITY_LIVING, L, m(2018, 12), disability_grade=3)
    DC1 = w.person_case(P.DISABILITY_CARE, L, m(2018, 1), disability_grade=2)
    DC2 = w.person_case(P.DISABILITY_CARE, S, m(2018, 1), person=DL1.person)

    # 临时救助 (one-off lines outside payrolls)
    TR1 = w.person_case(
        P.TEMP_RELIEF, S, m(2019, 2), m(2019, 3), severe_mental_disorder=True, amount=Decimal(1500)
    )
    TR2 = w.person_case(P.TEMP_RELIEF, L, m(2019, 5), m(2019, 6), amount=Decimal(1600))
    TR3 = w.person_case(P.TEMP_RELIEF, L, m(2019, 8), m(2019, 9), amount=Decimal(3000))
    pending_relief = w.person_case(
        P.TEMP_RELIEF, S, m(2019, 4), m(2019, 5), status=Case.Status.PENDING, amount=Decimal(800)
    )
    assert pending_relief.payments.count() == 0  # a pending application has no line

    # Payment lines
    w.line(A, m(2019, 1), "500.00")
    w.line(C, m(2019, 1), "600.00")
    w.line(A, m(2019, 3), "500.00")
    w.line(D_, m(2019, 3), "480.00")
    w.line(A, m(2019, 7), "500.00")
    w.line(A, m(2019, 4), "500.00", status=ApprovalStatus.PENDING)  # not approved: not paid
    w.line(A, m(2019, 4), "80.00", month=m(2019, 1), kind=PaymentLine.Kind.BACKPAY)  # back-pay paid in April
    w.line(T1, m(2019, 2), "590.00")
    w.line(T1, m(2019, 2), "150.00", item="care")
    w.line(T2, m(2019, 2), "590.00")
    w.line(O1, m(2019, 3), "1560.00")
    w.line(C1, m(2019, 3), "450.00")
    w.line(DL1, m(2019, 2), "165.00")
    w.line(DL1, m(2019, 3), "165.00")
    w.line(DL2, m(2019, 3), "157.50", month=m(2018, 12))  # December arrears paid in March
    w.line(DC1, m(2019, 3), "220.00")
    w.line(DC2, m(2019, 3), "220.00")
    w.line(TR1, m(2019, 2), "1500.00", kind=PaymentLine.Kind.ONE_OFF, one_off=True)
    w.line(TR2, m(2019, 5), "1600.00", kind=PaymentLine.Kind.ONE_OFF, one_off=True)
    w.line(TR3, m(2019, 8), "3000.00", kind=PaymentLine.Kind.ONE_OFF, one_off=True)

    if not standards:
        return
    # Standards
    A_, PE, RE = ApprovalStatus.APPROVED, ApprovalStatus.PENDING, ApprovalStatus.REJECTED
    y18, y19 = m(2018, 1), m(2019, 1)
    w.standard(P.DIBAO, "urban", 650, y18, A_, 500)
    w.standard(P.DIBAO, "urban", 705, y19, PE, 554)
    w.standard(P.DIBAO, "rural", 450, y18, A_, 230)
    w.standard(P.DIBAO, "rural", 490, y19, A_, 251)
    w.standard(P.DIBAO, "rural", 520, m(2020, 1), PE, 270)
    w.standard(P.TEKUN, "urban", 1040, y18)
    w.standard(P.TEKUN, "urban", 1128, y19)
    w.standard(P.TEKUN, "rural", 590, y18)
    w.standard(P.TEKUN, "rural", 784, y19)
    w.standard(P.TEKUN, "care_half", 201, m(2019, 5))
    w.standard(P.ORPHAN, P.CENTRALIZED, 1560, y18)
    w.standard(P.ORPHAN, P.CENTRALIZED, 1685, y19)
    w.standard(P.ORPHAN, P.DISPERSED, 950, y18)
    w.standard(P.ORPHAN, P.DISPERSED, 1025, y19)
    w.standard(P.ORPHAN, P.DISPERSED, 1100, m(2019, 6), RE)  # rejected: ignored
    w.standard(P.DISABILITY_LIVING, "default", 1890, y18)
    w.standard(P.DISABILITY_LIVING, "default", 1980, y19)
    w.standard(P.DISABILITY_CARE, "default", 2520, y18)
    w.standard(P.DISABILITY_CARE, "default", 2640, y19)


@pytest.fixture
def world(db):
    w = World()
    build(w)
    return w


# --- the hand count ----------------------------------------------------------------------------------

DIBAO_KEYS = [
    "dibao.households", "dibao.urban.households", "dibao.rural.households",
    "dibao.opening.households", "dibao.added.households", "dibao.removed.households",
    "dibao.persons", "dibao.urban.persons", "dibao.rural.persons",
    "dibao.opening.persons", "dibao.added.persons", "dibao.removed.persons",
]  # fmt: skip

# (period, town): households closing, urban, rural, opening, added, removed; then the same for persons
# fmt: off
DIBAO = {
    ("2019Q1", None):     (5, 1, 4, 3, 2, 0,   9, 1, 8, 7, 3, 1),
    ("2019-03", None):    (5, 1, 4, 4, 1, 0,   9, 1, 8, 7, 2, 0),
    ("2019H1", None):     (3, 1, 2, 3, 2, 2,   5, 1, 4, 7, 4, 6),
    ("2019", None):       (4, 1, 3, 3, 3, 2,   6, 1, 5, 7, 5, 6),
    ("2019Q1", "石城镇"):  (2, 1, 1, 1, 1, 0,   3, 1, 2, 2, 1, 0),
    ("2019-03", "石城镇"): (2, 1, 1, 2, 0, 0,   3, 1, 2, 3, 0, 0),
    ("2019H1", "石城镇"):  (2, 1, 1, 1, 1, 0,   4, 1, 3, 2, 2, 0),
    ("2019", "石城镇"):    (3, 1, 2, 1, 2, 0,   5, 1, 4, 2, 3, 0),
    ("2019Q1", "六都镇"):  (3, 0, 3, 2, 1, 0,   6, 0, 6, 5, 2, 1),
    ("2019-03", "六都镇"): (3, 0, 3, 2, 1, 0,   6, 0, 6, 4, 2, 0),
    ("2019H1", "六都镇"):  (1, 0, 1, 2, 1, 2,   1, 0, 1, 5, 2, 6),
    ("2019", "六都镇"):    (1, 0, 1, 2, 1, 2,   1, 0, 1, 5, 2, 6),
}
# fmt: on

STOCKS = {
    # tekun.persons, .rural.persons, .rural.dispersed, .rural.centralized,
    # orphan.persons, .centralized, .dispersed, child_in_difficulty.persons, mental.covered
    ("2019Q1", None): (3, 2, 1, 1, 2, 1, 1, 1, 3),
    ("2019-03", None): (3, 2, 1, 1, 2, 1, 1, 1, 3),
    ("2019H1", None): (3, 2, 1, 1, 3, 1, 2, 2, 2),
    ("2019", None): (3, 2, 1, 1, 2, 1, 1, 2, 2),
    ("2019H1", "石城镇"): (2, 1, 1, 0, 2, 1, 1, 1, 2),
    ("2019H1", "六都镇"): (1, 1, 0, 1, 1, 0, 1, 1, 0),
    ("2019Q1", "六都镇"): (1, 1, 0, 1, 0, 0, 0, 0, 1),
}
STOCK_KEYS = [
    "tekun.persons", "tekun.rural.persons", "tekun.rural.dispersed", "tekun.rural.centralized",
    "orphan.persons", "orphan.centralized", "orphan.dispersed", "child_in_difficulty.persons", "mental.covered",
]  # fmt: skip

# fmt: off
MONEY = {
    # dibao.paid, tekun.paid, tekun.care_paid, orphan.paid, child_in_difficulty.paid,
    # disability.living.paid, .persons, disability.care.paid, .persons,
    # temp_relief.cases, .paid, .mental_cases
    ("2019Q1", None):      ("2080.00", "1180.00", "150.00", "1560.00", "450.00", "487.50", 2, "440.00", 2, 1, "1500.00", 1),
    ("2019-03", None):     ("980.00",  "0.00",    "0.00",   "1560.00", "450.00", "322.50", 2, "440.00", 2, 0, "0.00",    0),
    ("2019H1", None):      ("2160.00", "1180.00", "150.00", "1560.00", "450.00", "487.50", 2, "440.00", 2, 2, "3100.00", 1),
    ("2019", None):        ("2660.00", "1180.00", "150.00", "1560.00", "450.00", "487.50", 2, "440.00", 2, 3, "6100.00", 1),
    ("2019H1", "石城镇"):  ("1080.00", "590.00",  "150.00", "1560.00", "450.00", "330.00", 1, "220.00", 1, 1, "1500.00", 1),
    ("2019H1", "六都镇"):  ("1080.00", "590.00",  "0.00",   "0.00",    "0.00",   "157.50", 1, "220.00", 1, 1, "1600.00", 0),
    ("2019-03", "石城镇"): ("500.00",  "0.00",    "0.00",   "1560.00", "450.00", "165.00", 1, "220.00", 1, 0, "0.00",    0),
}
MONEY_KEYS = [
    "dibao.paid", "tekun.paid", "tekun.care_paid", "orphan.paid", "child_in_difficulty.paid",
    "disability.living.paid", "disability.living.persons", "disability.care.paid", "disability.care.persons",
    "temp_relief.cases", "temp_relief.paid", "temp_relief.mental_cases",
]
# fmt: on

STANDARDS_2019 = {
    "dibao.urban.standard": Decimal("705"),
    "dibao.urban.standard_previous": Decimal("650"),
    "dibao.urban.subsidy_level": Decimal("554"),
    "dibao.rural.standard": Decimal("490"),
    "dibao.rural.standard_previous": Decimal("450"),
    "dibao.rural.subsidy_level": Decimal("251"),
    "dibao.standard_status": "pending",
    "tekun.urban.standard": Decimal("1128"),
    "tekun.urban.standard_previous": Decimal("1040"),
    "tekun.rural.standard": Decimal("784"),
    "tekun.rural.standard_previous": Decimal("590"),
    "tekun.standard_status": "approved",
    "orphan.centralized.standard": Decimal("1685"),
    "orphan.centralized.standard_previous": Decimal("1560"),
    "orphan.dispersed.standard": Decimal("1025"),
    "orphan.dispersed.standard_previous": Decimal("950"),
    "disability.living.annual_standard": Decimal("1980"),
    "disability.living.annual_standard_previous": Decimal("1890"),
    "disability.care.annual_standard": Decimal("2640"),
    "disability.care.annual_standard_previous": Decimal("2520"),
}


def _region(name):
    return town(name) if name else None


def test_the_hand_count_names_every_assistance_figure():
    assert sorted(DIBAO_KEYS + STOCK_KEYS + MONEY_KEYS + list(STANDARDS_2019)) == assistance_keys()


@pytest.mark.parametrize(("period", "town_name"), list(DIBAO))
def test_dibao_households_and_persons_match_the_hand_count(world, period, town_name):
    values = compute(period, _region(town_name))
    assert tuple(values[k] for k in DIBAO_KEYS) == DIBAO[(period, town_name)]


@pytest.mark.parametrize(("period", "town_name"), list(STOCKS))
def test_person_stocks_match_the_hand_count(world, period, town_name):
    values = compute(period, _region(town_name))
    assert tuple(values[k] for k in STOCK_KEYS) == STOCKS[(period, town_name)]


@pytest.mark.parametrize(("period", "town_name"), list(MONEY))
def test_payments_match_the_hand_count(world, period, town_name):
    values = compute(period, _region(town_name))
    expected = tuple(Decimal(v) if isinstance(v, str) else v for v in MONEY[(period, town_name)])
    assert tuple(values[k] for k in MONEY_KEYS) == expected


@pytest.mark.parametrize("period", ["2019Q1", "2019-03", "2019H1", "2019", "2019Q3"])
@pytest.mark.parametrize("town_name", [None, "石城镇", "六都镇"])
def test_the_standards_are_the_newest_of_the_periods_year(world, period, town_name):
    values = compute(period, _region(town_name))
    assert {k: values[k] for k in STANDARDS_2019} == STANDARDS_2019


def test_a_later_years_pending_standard_shows_in_that_year_only(world):
    values = compute("2020H1")
    assert (values["dibao.rural.standard"], values["dibao.rural.standard_previous"]) == (
        Decimal(520),
        Decimal(490),
    )
    assert values["dibao.standard_status"] == "pending"
    assert values["tekun.rural.standard"] == Decimal(784)  # no 2020 version: the approved one in force
    assert values["tekun.standard_status"] == "approved"


def test_approving_the_pending_standard_changes_the_status(world):
    Standard.objects.filter(program__code=P.DIBAO, amount=705).update(status=ApprovalStatus.APPROVED)
    assert compute("2019H1")["dibao.standard_status"] == "approved"


def test_with_no_standards_the_standard_figures_are_empty(db):
    values = compute("2019H1")
    assert all(values[k] is None for k in STANDARDS_2019)


def test_money_figures_are_decimals_and_counts_integers(world):
    values = compute("2019H1")
    for key, unit in units().items():
        if unit == figures.MONEY:
            assert isinstance(values[key], Decimal), key
            assert values[key] == values[key].quantize(Decimal("0.01")), key
        elif unit == figures.COUNT:
            assert type(values[key]) is int, key
        elif unit == figures.RATE:
            assert isinstance(values[key], Decimal), key


def test_an_empty_district_counts_zero_and_pays_zero(db):
    values = compute("2019H1")
    assert all(values[k] == 0 for k in DIBAO_KEYS + STOCK_KEYS)
    assert values["dibao.paid"] == Decimal("0.00")
    assert isinstance(values["dibao.paid"], Decimal)


# --- identity and additivity -------------------------------------------------------------------------

PERIODS = ["2019Q1", "2019-03", "2019H1", "2019", "2019Q2", "2019H2", "2019-01-01..2019-06-30"]
TOWNS = [None, "六都镇", "高村镇", "白石镇", "镇安镇", "富林镇", "石城镇", "都杨镇"]


@pytest.mark.parametrize("period", PERIODS)
def test_opening_plus_added_minus_removed_is_closing_in_the_district_and_every_town(world, period):
    for name in TOWNS:
        v = compute(period, _region(name))
        for unit in ("households", "persons"):
            assert (
                v[f"dibao.opening.{unit}"] + v[f"dibao.added.{unit}"] - v[f"dibao.removed.{unit}"]
                == v[f"dibao.{unit}"]
            ), (period, name, unit)
            assert v[f"dibao.urban.{unit}"] + v[f"dibao.rural.{unit}"] == v[f"dibao.{unit}"]


def test_the_opening_stock_is_the_previous_periods_closing_stock(world):
    assert compute("2019H2")["dibao.opening.households"] == compute("2019H1")["dibao.households"]
    assert compute("2019Q2")["dibao.opening.persons"] == compute("2019Q1")["dibao.persons"]
    assert compute("2019-04")["dibao.opening.persons"] == compute("2019-03")["dibao.persons"]


@pytest.mark.parametrize("period", ["2019Q1", "2019-03", "2019H1", "2019"])
def test_the_towns_sum_to_the_district_for_additive_figures(world, period):
    district = compute(period)
    towns = [compute(period, _region(name)) for name in TOWNS[1:]]
    additive = [k for k, unit in units().items() if unit in (figures.COUNT, figures.MONEY)]
    assert additive
    for key in additive:
        assert sum(t[key] for t in towns) == district[key], key


def test_the_money_figures_are_sums_of_lines_not_headcount_times_rate(world):
    """Adding a line changes exactly the figure it feeds."""
    before = compute("2019H1")
    case = Case.objects.filter(program__code=P.ORPHAN, category=P.CENTRALIZED).get()
    PaymentLine.objects.create(
        payroll=Payroll.objects.get(program__code=P.ORPHAN, month=m(2019, 3)),
        case=case,
        program=case.program,
        town=case.town,
        month=m(2019, 2),
        paid_month=m(2019, 3),
        kind="correction",
        amount=Decimal("12.34"),
    )
    after = compute("2019H1")
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"orphan.paid"}
    assert after["orphan.paid"] - before["orphan.paid"] == Decimal("12.34")


# --- a fixed number of queries --------------------------------------------------------------------------


def _queries(period, region=None):
    with CaptureQueriesContext(connection) as ctx:
        compute(period, region)
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_data(world):
    small = {
        (p, r): _queries(p, town(r) if r else None) for p in ("2019H1", "2019-03") for r in (None, "石城镇")
    }
    for _ in range(4):  # four times the district again
        build(World(), standards=False)
    large = {
        (p, r): _queries(p, town(r) if r else None) for p in ("2019H1", "2019-03") for r in (None, "石城镇")
    }
    assert large == small
    assert compute("2019H1")["dibao.households"] == 5 * 3
    assert max(small.values()) <= 8


def test_regions_are_towns(world):
    assert Region.objects.filter(level=Region.Level.TOWN).count() == 7


def test_relief_recorded_for_a_mental_disorder_counts_as_such_whatever_the_person_record_says_later(db):
    """The application form records 救助对象为严重精神障碍患者 with the relief (Case.flags
    ["mental"]); temp_relief.mental_cases counts 人次 of the period, so it must count what was
    recorded when the relief was given, not the person's flag of today: a person diagnosed in
    July must not change the H1 figure, and relief recorded as for a mental disorder counts."""
    w = World()
    recorded = w.person_case(
        P.TEMP_RELIEF, w.S, m(2019, 3), m(2019, 4), amount=Decimal(3000), flags=["mental"]
    )
    w.line(recorded, m(2019, 3), "3000.00", kind=PaymentLine.Kind.ONE_OFF, one_off=True)
    ordinary = w.person_case(P.TEMP_RELIEF, w.S, m(2019, 4), m(2019, 5), amount=Decimal(1500))
    w.line(ordinary, m(2019, 4), "1500.00", kind=PaymentLine.Kind.ONE_OFF, one_off=True)
    values = compute("2019H1")
    assert (values["temp_relief.cases"], values["temp_relief.mental_cases"]) == (2, 1)
    type(ordinary.person).objects.filter(pk=ordinary.person_id).update(
        severe_mental_disorder=True
    )  # diagnosed later
    assert compute("2019H1")["temp_relief.mental_cases"] == 1
