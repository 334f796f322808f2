"""Standards (保障标准) and the back-pay (提标补发) their approval produces.

DESIGN: once the chief approves a standard whose effective month lies in the past, section staff
generate its back-pay: for every case and month already paid, new entitlement − everything paid
for that case, month and item, as lines of their own (kind 补发, belonging to month m, paid in the
month of generation), in a batch the chief approves (nobody approves their own work); reproducible
and idempotent. In the seed the 2019 低保/特困 standards effective 2019-01-01 still await approval
in June (及时补发提标差额).
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from assistance import programs as P
from assistance.demo import ensure_programs
from civaffairs import payments
from civaffairs.models import (
    ApprovalStatus,
    Area,
    AuditEvent,
    Case,
    Coverage,
    PaymentLine,
    Payroll,
    Person,
    Program,
    Section,
    Standard,
)
from civaffairs.roles import CASEWORKER, CHIEF
from tests.factories import HouseholdFactory, PersonFactory, make_user, village

D = datetime.date
OCT18, DEC18 = D(2018, 10, 1), D(2018, 12, 1)
JAN, FEB, MAR, APR, MAY, JUN = (D(2019, m, 1) for m in range(1, 7))
APPROVED_ON = D(2019, 4, 15)  # the 2019 standards are approved and their back-pay generated in April


# --- helpers ---------------------------------------------------------------------------------------


def program(code):
    return Program.objects.get(code=code)


def basis_of(code, category):
    return {c: b for c, _label, b in P.STANDARD_CATEGORIES[code]}[category]


def approved_standard(code, category, amount, effective, users):
    return Standard.objects.create(
        program=program(code),
        category=category,
        amount=Decimal(amount),
        basis=basis_of(code, category),
        effective_from=effective,
        status=ApprovalStatus.APPROVED,
        drafted_by=users.worker,
        decided_by=users.chief,
    )


def dibao_case(
    users, *, size=2, income=200, area=Area.RURAL, start=OCT18, end=None, covered=None, town="石城镇"
):
    """An approved 低保 household case (bulk-style, as the demo and the roster import create them)."""
    h = HouseholdFactory(region=village(town), members=size - 1, income_per_capita=income, area=area)
    persons = [m.person for m in h.members.order_by("id")]
    case = Case.objects.create(
        program=program(P.DIBAO),
        household=h,
        town_id=h.town_id,
        area=area,
        category="A",
        start_month=start,
        end_month=end,
        status=Case.Status.ENDED if end else Case.Status.ACTIVE,
        approved_at=timezone.now(),  # as decide_request records it: payrolls after this consider the case
        submitted_by=users.worker,
    )
    for p in persons[: covered or size]:
        Coverage.objects.create(
            case=case,
            person=p,
            program=case.program,
            exclusion_group="basic_living",
            start_month=start,
            end_month=end,
        )
    return case, persons


def person_case(
    users, code, *, start=OCT18, end=None, category="", care_level="", area=Area.RURAL, **person_fields
):
    p = PersonFactory(region=village("石城镇"), **person_fields)
    case = Case.objects.create(
        program=program(code),
        person=p,
        town_id=p.town_id,
        area=area,
        category=category,
        care_level=care_level,
        start_month=start,
        end_month=end,
        status=Case.Status.ENDED if end else Case.Status.ACTIVE,
        approved_at=timezone.now(),  # as decide_request records it: payrolls after this consider the case
        submitted_by=users.worker,
    )
    Coverage.objects.create(
        case=case,
        person=p,
        program=case.program,
        exclusion_group=P.EXCLUSION_GROUPS.get(code, ""),
        start_month=start,
        end_month=end,
    )
    return case


def pay(users, code, months):
    """Generate and approve the monthly payroll of each month."""
    for month in months:
        payroll = payments.generate_payroll(actor=users.worker, program=code, month=month)
        payments.decide_payroll(actor=users.chief, payroll=payroll, approve=True, comment="同意")


def draft(users, code, category, amount, effective=JAN, actor=None):
    return payments.draft_standard(
        actor=actor or users.worker,
        program=code,
        category=category,
        amount=Decimal(amount),
        effective_from=effective,
        document="云安民〔2019〕11号（测试）",
    )


def approve(users, standard):
    """The chief approves the standard; its back-pay is generated separately (generate_backpay)."""
    return payments.decide_standard(actor=users.chief, standard=standard, approve=True, comment="同意")


def generate_backpay(users, standard, actor=None):
    """Section staff (not the chief) generate the back-pay batch; None when nothing is owed."""
    return payments.generate_backpay(actor=actor or users.worker, standard=standard)


def approve_with_backpay(users, standard):
    """The chief approves the standard, then the section's caseworker generates its back-pay."""
    approved = approve(users, standard)
    return approved, generate_backpay(users, approved)


def user_with(role, *codenames):
    """A district user of the assistance section given permissions beyond the role by hand."""
    user = make_user(role, section=Section.ASSISTANCE)
    perms = Permission.objects.filter(content_type__app_label="civaffairs", codename__in=codenames)
    assert perms.count() == len(codenames)
    user.user_permissions.add(*perms)
    return User.objects.get(pk=user.pk)  # no cached permissions


def backpay_lines(payroll, case=None):
    lines = PaymentLine.objects.filter(payroll=payroll)
    if case is not None:
        lines = lines.filter(case=case)
    return sorted((line.month, line.item, line.amount) for line in lines)


def lines_of(*rows):
    return sorted((month, item, Decimal(amount)) for month, item, amount in rows)


class Users:
    def __init__(self):
        self.worker = make_user(CASEWORKER, section=Section.ASSISTANCE)
        self.chief = make_user(CHIEF, section=Section.ASSISTANCE)


# 2018 standards (the demo's assumptions) in force before the 2019 ones.
OLD_STANDARDS = [
    (P.DIBAO, "urban", 650),
    (P.DIBAO, "rural", 450),
    (P.TEKUN, "urban", 1040),
    (P.TEKUN, "rural", 590),
    (P.TEKUN, "care_half", 150),
    (P.TEKUN, "care_full", 400),
    (P.ORPHAN, P.CENTRALIZED, 1560),
    (P.ORPHAN, P.DISPERSED, 950),
    (P.CHILD, "default", 450),
    (P.DISABILITY_LIVING, "default", 1890),
    (P.DISABILITY_CARE, "default", 2520),
]


@pytest.fixture
def users(db):
    return Users()


@pytest.fixture
def old_standards(users):
    return {
        (code, category): approved_standard(code, category, amount, D(2018, 1, 1), users)
        for code, category, amount in OLD_STANDARDS
    }


@pytest.fixture
def april(time_machine):
    """Approvals happen on 2019-04-15, so back-pay is paid in April 2019."""
    time_machine.move_to(
        datetime.datetime(APPROVED_ON.year, APPROVED_ON.month, APPROVED_ON.day, 10), tick=True
    )


# --- back-pay, a table of cases ------------------------------------------------------------------------


def two_persons_income_200(users):
    return dibao_case(users, size=2, income=200)[0]


def income_above_the_new_standard(users):
    return dibao_case(users, size=2, income=495)[0]


def started_in_february(users):
    return dibao_case(users, size=2, income=200, start=FEB)[0]


def ended_in_march(users):
    return dibao_case(users, size=2, income=200, end=MAR)[0]


def bounded_by_a_later_standard(users):
    approved_standard(P.DIBAO, "rural", 470, MAR, users)  # March on at 470, approved before the payrolls
    return dibao_case(users, size=2, income=200)[0]


def member_added_in_march(users):
    case, persons = dibao_case(users, size=3, income=200, covered=2)
    Coverage.objects.create(
        case=case, person=persons[2], program=case.program, exclusion_group="basic_living", start_month=MAR
    )
    return case


def urban_three_persons(users):
    return dibao_case(users, size=3, income=Decimal("554.37"), area=Area.URBAN)[0]


def rural_case_under_an_urban_standard(users):
    return dibao_case(users, size=2, income=200)[0]


def tekun_with_care(users):
    return person_case(users, P.TEKUN, category=P.DISPERSED, care_level=P.CARE_HALF)


def tekun_died_in_february(users):
    return person_case(users, P.TEKUN, category=P.DISPERSED, death_date=D(2019, 2, 10))


def orphan_dispersed(users):
    return person_case(users, P.ORPHAN, category=P.DISPERSED)


def disabled(users):
    return person_case(users, P.DISABILITY_LIVING, disability_grade=3)


def severely_disabled(users):
    return person_case(users, P.DISABILITY_CARE, disability_grade=1)


BACKPAY_CASES = [
    # (case builder, new standard (program, category, amount), expected lines (month, item, amount))
    pytest.param(
        two_persons_income_200,
        (P.DIBAO, "rural", 490),
        [(JAN, "basic", "80.00"), (FEB, "basic", "80.00"), (MAR, "basic", "80.00")],
        id="2 persons, income 200, paid at 450, new 490: 3 × 80",
    ),
    pytest.param(
        income_above_the_new_standard, (P.DIBAO, "rural", 490), [], id="income above the new standard"
    ),
    pytest.param(
        started_in_february,
        (P.DIBAO, "rural", 490),
        [(FEB, "basic", "80.00"), (MAR, "basic", "80.00")],
        id="started in February: only its paid months",
    ),
    pytest.param(
        ended_in_march,
        (P.DIBAO, "rural", 490),
        [(JAN, "basic", "80.00"), (FEB, "basic", "80.00")],
        id="ended in March: only its paid months",
    ),
    pytest.param(
        bounded_by_a_later_standard,
        (P.DIBAO, "rural", 490),
        [(JAN, "basic", "80.00"), (FEB, "basic", "80.00")],
        id="a later approved standard bounds the months",
    ),
    pytest.param(
        member_added_in_march,
        (P.DIBAO, "rural", 490),
        [(JAN, "basic", "80.00"), (FEB, "basic", "80.00"), (MAR, "basic", "120.00")],
        id="a member added in March counts from March",
    ),
    pytest.param(
        urban_three_persons,
        (P.DIBAO, "urban", 705),
        [(JAN, "basic", "165.00"), (FEB, "basic", "165.00"), (MAR, "basic", "165.00")],
        id="urban 3 persons, 650 to 705",
    ),
    pytest.param(
        rural_case_under_an_urban_standard, (P.DIBAO, "urban", 705), [], id="urban standard, rural case"
    ),
    pytest.param(
        rural_case_under_an_urban_standard,
        (P.DIBAO, "rural", 440),
        [],
        id="a lower standard recovers nothing",
    ),
    pytest.param(
        tekun_with_care,
        (P.TEKUN, "rural", 784),
        [(JAN, "basic", "194.00"), (FEB, "basic", "194.00"), (MAR, "basic", "194.00")],
        id="tekun basic 590 to 784, care untouched",
    ),
    pytest.param(
        tekun_with_care,
        (P.TEKUN, "care_half", 201),
        [(JAN, "care", "51.00"), (FEB, "care", "51.00"), (MAR, "care", "51.00")],
        id="tekun care 150 to 201, basic untouched",
    ),
    pytest.param(
        tekun_died_in_february,
        (P.TEKUN, "rural", 784),
        [(JAN, "basic", "194.00"), (FEB, "basic", "194.00")],
        id="tekun, died in February: paid months only",
    ),
    pytest.param(
        orphan_dispersed,
        (P.ORPHAN, P.DISPERSED, 1025),
        [(JAN, "basic", "75.00"), (FEB, "basic", "75.00"), (MAR, "basic", "75.00")],
        id="orphan dispersed 950 to 1025",
    ),
    pytest.param(
        disabled,
        (P.DISABILITY_LIVING, "default", 1980),
        [(JAN, "basic", "7.50"), (FEB, "basic", "7.50"), (MAR, "basic", "7.50")],
        id="living allowance 1890 to 1980 a year: 7.50 a month",
    ),
    pytest.param(
        severely_disabled,
        (P.DISABILITY_CARE, "default", 2640),
        [(JAN, "basic", "10.00"), (FEB, "basic", "10.00"), (MAR, "basic", "10.00")],
        id="care allowance 2520 to 2640 a year: 10.00 a month",
    ),
]


@pytest.mark.parametrize(("build", "new", "expected"), BACKPAY_CASES)
def test_approving_a_standard_in_the_past_pays_the_difference(
    users, old_standards, april, build, new, expected
):
    case = build(users)
    code, category, amount = new
    pay(users, code, [JAN, FEB, MAR])
    standard = draft(users, code, category, amount)
    approved = approve(users, standard)
    assert approved.status == "approved"
    assert not PaymentLine.objects.filter(kind="backpay").exists()  # approving generates nothing
    payroll = generate_backpay(users, approved)
    expected = lines_of(*expected)
    if not expected:
        assert payroll is None
        assert not PaymentLine.objects.filter(kind="backpay").exists()
        assert not Payroll.objects.filter(kind="backpay").exists()
        return
    assert backpay_lines(payroll, case) == expected
    assert backpay_lines(payroll) == expected  # nobody else is owed anything
    assert (payroll.kind, payroll.status, payroll.month, payroll.standard, payroll.created_by) == (
        "backpay",
        "pending",
        APR,
        standard,
        users.worker,
    )
    assert payroll.total == sum(a for _m, _i, a in expected)
    assert payroll.line_count == len(expected)
    for line in PaymentLine.objects.filter(payroll=payroll):
        assert (line.kind, line.paid_month, line.standard, line.town_id) == (
            "backpay",
            APR,
            standard,
            case.town_id,
        )


def test_the_briefs_example_totals_240(users, old_standards, april):
    case = two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    _s, payroll = approve_with_backpay(users, draft(users, P.DIBAO, "rural", 490))
    assert payroll.total == Decimal("240.00")
    line = PaymentLine.objects.filter(payroll=payroll, case=case).first()
    assert (line.persons, line.income) == (2, Decimal("200.00"))


def test_a_household_paid_nothing_under_the_old_standard_is_owed_the_new_gap(users, old_standards, april):
    """Income 470: above the old rural standard 450, so January to March paid 0 (no line), but below
    the new 490, so owed (490 − 470) × 2 = 40 a month. The case was in payment and its months were
    paid (payrolls approved): new entitlement − amount paid = 40 − 0 for each."""
    case = dibao_case(users, size=2, income=470)[0]
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    _s, payroll = approve_with_backpay(users, draft(users, P.DIBAO, "rural", 490))
    assert payroll is not None
    assert backpay_lines(payroll, case) == lines_of(
        (JAN, "basic", "40.00"), (FEB, "basic", "40.00"), (MAR, "basic", "40.00")
    )


def test_back_pay_is_the_sum_over_many_cases_and_towns(users, old_standards, april):
    shicheng = [dibao_case(users, size=2, income=200)[0] for _ in range(3)]
    liudu = [dibao_case(users, size=1, income=300, town="六都镇")[0] for _ in range(2)]
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    _s, payroll = approve_with_backpay(users, draft(users, P.DIBAO, "rural", 490))
    assert payroll.line_count == 5 * 3
    assert payroll.total == 3 * 3 * Decimal(80) + 2 * 3 * Decimal(40)
    for case in shicheng + liudu:
        assert PaymentLine.objects.filter(payroll=payroll, case=case, town=case.town).count() == 3


def test_back_pay_is_paid_in_the_month_it_is_generated(users, old_standards, time_machine):
    time_machine.move_to(datetime.datetime(2019, 8, 20, 10), tick=True)
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    _s, payroll = approve_with_backpay(users, draft(users, P.DIBAO, "rural", 490))
    assert payroll.month == D(2019, 8, 1)
    assert set(payroll.lines.values_list("paid_month", flat=True)) == {D(2019, 8, 1)}
    assert sorted(payroll.lines.values_list("month", flat=True)) == [JAN, FEB, MAR]


def test_months_not_yet_paid_get_no_back_pay_and_the_next_payroll_uses_the_new_standard(
    users, old_standards, april
):
    case = two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    _s, backpay = approve_with_backpay(users, draft(users, P.DIBAO, "rural", 490))
    assert sorted(backpay.lines.values_list("month", flat=True)) == [JAN, FEB, MAR]  # April not paid yet
    april_payroll = payments.generate_payroll(actor=users.worker, program=P.DIBAO, month=APR)
    [line] = april_payroll.lines.filter(case=case)
    assert line.amount == Decimal("580.00")
    assert line.standard.amount == Decimal("490.00")


def test_an_unpaid_rejected_payroll_gets_no_back_pay(users, old_standards, april):
    case = two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB])
    march = payments.generate_payroll(actor=users.worker, program=P.DIBAO, month=MAR)
    payments.decide_payroll(actor=users.chief, payroll=march, approve=False, comment="名单有误")
    _s, payroll = approve_with_backpay(users, draft(users, P.DIBAO, "rural", 490))
    assert backpay_lines(payroll, case) == lines_of((JAN, "basic", "80.00"), (FEB, "basic", "80.00"))


# --- today's facts: deaths recorded late, migrated ledgers --------------------------------------------


def test_a_member_whose_death_is_recorded_late_counts_only_up_to_the_death(users, old_standards, april):
    """Back-pay recomputes the persons covered in each month from today's facts: a member who died
    in February, recorded only after March was paid (for two), counts in January and February and
    not in March, where 1 × (490 − 200) is below the 500 paid and nothing is recovered automatically."""
    case, persons = dibao_case(users, size=2, income=200)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    Person.objects.filter(pk=persons[-1].pk).update(death_date=D(2019, 2, 10))
    _s, payroll = approve_with_backpay(users, draft(users, P.DIBAO, "rural", 490))
    assert backpay_lines(payroll) == lines_of((JAN, "basic", "80.00"), (FEB, "basic", "80.00"))
    assert [line.persons for line in payroll.lines.order_by("month")] == [2, 2]


def test_no_back_pay_for_a_month_after_a_death_recorded_after_the_payrolls(users, old_standards, april):
    case = person_case(users, P.TEKUN, category=P.DISPERSED)
    pay(users, P.TEKUN, [JAN, FEB, MAR])  # March paid: the death was not known yet
    Person.objects.filter(pk=case.person_id).update(death_date=D(2019, 2, 10))
    _s, payroll = approve_with_backpay(users, draft(users, P.TEKUN, "rural", 784))
    assert backpay_lines(payroll) == lines_of((JAN, "basic", "194.00"), (FEB, "basic", "194.00"))


def migrated_ledger(users, *, paid_through, monthly):
    """A household ledger imported from before the system, after January to March were paid: no
    line of the system pays it, its ledger says up to which month and how much it was paid."""
    case = dibao_case(users, size=2, income=200)[0]
    Case.objects.filter(pk=case.pk).update(
        approved_at=None, migrated_paid_through=paid_through, migrated_monthly=monthly
    )
    return case


@pytest.mark.parametrize(
    ("paid_through", "monthly", "expected", "unsettled"),
    [
        (MAR, "500.00", [(JAN, "basic", "80.00"), (FEB, "basic", "80.00"), (MAR, "basic", "80.00")], []),
        (MAR, "540.00", [(JAN, "basic", "40.00"), (FEB, "basic", "40.00"), (MAR, "basic", "40.00")], []),
        (JAN, "500.00", [(JAN, "basic", "80.00")], [FEB, MAR]),
        (None, None, [], [JAN, FEB, MAR]),
    ],
    ids=["paid through March", "paid more a month", "paid through January only", "paid-through unknown"],
)
def test_a_migrated_ledger_counts_as_paid_only_through_its_paid_through_month(
    users, old_standards, april, paid_through, monthly, expected, unsettled
):
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    case = migrated_ledger(users, paid_through=paid_through, monthly=monthly and Decimal(monthly))
    standard = approve(users, draft(users, P.DIBAO, "rural", 490))
    assert sorted(payments.unsettled_months(standard)) == [(case.pk, m) for m in unsettled]
    payroll = generate_backpay(users, standard)
    if not expected:
        assert payroll is None
        assert not PaymentLine.objects.filter(kind="backpay").exists()
    else:
        assert backpay_lines(payroll, case) == backpay_lines(payroll) == lines_of(*expected)
    # Months left unsettled are for a correction (更正), and stay unsettled after the back-pay.
    assert sorted(payments.unsettled_months(standard)) == [(case.pk, m) for m in unsettled]


def test_generating_the_back_pay_of_a_migrated_ledger_again_creates_nothing(users, old_standards, april):
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    case = migrated_ledger(users, paid_through=MAR, monthly=Decimal(500))
    standard = approve(users, draft(users, P.DIBAO, "rural", 490))
    payroll = generate_backpay(users, standard)
    lines = lines_of((JAN, "basic", "80.00"), (FEB, "basic", "80.00"), (MAR, "basic", "80.00"))
    assert backpay_lines(payroll, case) == lines
    assert payments.compute_backpay(standard) == []
    assert generate_backpay(users, standard) is None
    assert backpay_lines(payroll, case) == lines


def test_a_migrated_ledger_paid_by_the_system_counts_the_lines_not_its_monthly_figure(
    users, old_standards, april
):
    case = dibao_case(users, size=2, income=200)[0]
    Case.objects.filter(pk=case.pk).update(
        approved_at=None, migrated_paid_through=DEC18, migrated_monthly=300
    )
    pay(users, P.DIBAO, [JAN, FEB, MAR])  # in payment: the system pays it 500 a month
    standard = approve(users, draft(users, P.DIBAO, "rural", 490))
    assert payments.unsettled_months(standard) == []
    payroll = generate_backpay(users, standard)
    assert backpay_lines(payroll, case) == lines_of(
        (JAN, "basic", "80.00"), (FEB, "basic", "80.00"), (MAR, "basic", "80.00")
    )


# --- idempotence -----------------------------------------------------------------------------------


@pytest.fixture
def approved_with_backpay(users, old_standards, april):
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    return approve_with_backpay(users, draft(users, P.DIBAO, "rural", 490))


def test_generating_the_back_pay_again_creates_nothing(users, approved_with_backpay):
    standard, payroll = approved_with_backpay
    lines = backpay_lines(payroll)
    other_worker = make_user(CASEWORKER, section=Section.ASSISTANCE)
    for actor in (users.worker, other_worker):  # what the pending batch pays is owed to nobody again
        assert generate_backpay(users, standard, actor=actor) is None
    assert backpay_lines(payroll) == lines
    assert Payroll.objects.get(kind="backpay") == payroll
    assert PaymentLine.objects.filter(kind="backpay").count() == 3


def test_generating_the_back_pay_again_after_its_approval_creates_nothing(users, approved_with_backpay):
    standard, payroll = approved_with_backpay
    payments.decide_payroll(actor=users.chief, payroll=payroll, approve=True, comment="同意")
    assert generate_backpay(users, standard) is None
    assert Payroll.objects.filter(kind="backpay").count() == 1
    assert PaymentLine.objects.filter(kind="backpay").count() == 3
    assert payments.compute_backpay(standard) == []


def test_a_rejected_back_pay_batch_is_reproduced_exactly(users, approved_with_backpay):
    standard, payroll = approved_with_backpay
    lines = backpay_lines(payroll)
    payments.decide_payroll(actor=users.chief, payroll=payroll, approve=False, comment="重新核对")
    # The rejected batch keeps its lines, marked by its status; they count neither as paid nor live.
    assert Payroll.objects.get(pk=payroll.pk).status == "rejected"
    assert backpay_lines(payroll) == lines
    assert not PaymentLine.objects.filter(payroll=payroll).live().exists()
    assert not PaymentLine.objects.filter(payroll=payroll).paid().exists()
    again = generate_backpay(users, standard)
    assert again.pk != payroll.pk
    assert (again.status, again.month, again.created_by) == ("pending", APR, users.worker)
    assert backpay_lines(again) == lines
    assert backpay_lines(payroll) == lines  # the rejected batch stays as it was


def test_a_withdrawn_back_pay_batch_can_be_generated_again_by_someone_else(users, approved_with_backpay):
    standard, payroll = approved_with_backpay
    lines = backpay_lines(payroll)
    other_worker = make_user(CASEWORKER, section=Section.ASSISTANCE)
    with pytest.raises(PermissionDenied):  # only its author withdraws a batch
        payments.withdraw_payroll(actor=other_worker, payroll=payroll, comment="重做")
    payments.withdraw_payroll(actor=users.worker, payroll=payroll, comment="重做")
    assert Payroll.objects.get(pk=payroll.pk).status == "withdrawn"
    assert backpay_lines(payroll) == lines  # kept, marked withdrawn
    again = generate_backpay(users, standard, actor=other_worker)
    assert (again.pk != payroll.pk, again.created_by) == (True, other_worker)
    assert backpay_lines(again) == lines


def test_generating_again_tops_up_the_authors_pending_batch(users, approved_with_backpay):
    """What is owed after the batch was generated (here a member found covered since January) goes
    into the same pending batch when its author generates again; another person is refused while
    it waits, rather than a second batch paying alongside it."""
    standard, payroll = approved_with_backpay
    case = Case.objects.get()
    Coverage.objects.create(
        case=case,
        person=PersonFactory(region=village("石城镇")),
        program=case.program,
        exclusion_group="basic_living",
        start_month=JAN,
    )
    # 3 × (490 − 200) = 870 owed a month; 500 paid by the payroll and 80 by the pending batch.
    other_worker = make_user(CASEWORKER, section=Section.ASSISTANCE)
    with pytest.raises(ValidationError, match="他人生成"):
        generate_backpay(users, standard, actor=other_worker)
    assert generate_backpay(users, standard) == payroll
    payroll.refresh_from_db()
    assert backpay_lines(payroll) == lines_of(
        *[(m, "basic", a) for m in (JAN, FEB, MAR) for a in ("80.00", "290.00")]
    )
    assert (payroll.line_count, payroll.total) == (6, Decimal("1110.00"))
    assert Payroll.objects.filter(kind="backpay").count() == 1
    assert generate_backpay(users, standard) is None  # topped up: nothing more owed


def test_approving_a_standard_twice_is_refused(users, approved_with_backpay):
    standard, _payroll = approved_with_backpay
    for approve_it in (True, False):
        with pytest.raises(ValidationError, match="不能再审批"):
            payments.decide_standard(actor=users.chief, standard=standard, approve=approve_it, comment="再批")
    assert Payroll.objects.filter(kind="backpay").count() == 1


def test_a_second_version_of_the_same_date_cannot_be_approved(users, approved_with_backpay):
    other = draft(users, P.DIBAO, "rural", 495)
    with pytest.raises(ValidationError, match="已有批准的标准"):
        payments.decide_standard(actor=users.chief, standard=other, approve=True)
    assert Standard.objects.get(pk=other.pk).status == "pending"


def test_generating_back_pay_of_a_pending_standard_is_refused(users, old_standards):
    standard = draft(users, P.DIBAO, "rural", 490)
    with pytest.raises(ValidationError, match="已批准"):
        generate_backpay(users, standard)
    assert not Payroll.objects.filter(kind="backpay").exists()


def test_computing_the_back_pay_writes_nothing(users, old_standards):
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    standard = draft(users, P.DIBAO, "rural", 490)
    before = (PaymentLine.objects.count(), Payroll.objects.count())
    owed = payments.compute_backpay(standard)
    assert sorted(amount for *_rest, amount in owed) == [Decimal("80.00")] * 3
    assert (PaymentLine.objects.count(), Payroll.objects.count()) == before


# --- what blocks an approval -------------------------------------------------------------------------


def test_a_pending_payroll_of_an_affected_month_blocks_the_approval(users, old_standards, april):
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    pending = payments.generate_payroll(actor=users.worker, program=P.DIBAO, month=APR)
    standard = draft(users, P.DIBAO, "rural", 490)
    with pytest.raises(ValidationError) as exc:
        payments.decide_standard(actor=users.chief, standard=standard, approve=True)
    message = " ".join(exc.value.messages)
    assert "2019年04月" in message
    assert "尚待审批" in message
    assert Standard.objects.get(pk=standard.pk).status == "pending"
    assert not Payroll.objects.filter(kind="backpay").exists()
    # Once the April payroll is decided, the approval goes through and April is owed too.
    payments.decide_payroll(actor=users.chief, payroll=pending, approve=True)
    _s, payroll = approve_with_backpay(users, standard)
    assert payroll.line_count == 4


@pytest.mark.parametrize(
    ("code", "month"),
    [(P.DIBAO, DEC18), (P.TEKUN, APR)],
    ids=["a month before the effective date", "another program"],
)
def test_a_pending_payroll_elsewhere_does_not_block(users, old_standards, april, code, month):
    two_persons_income_200(users)
    person_case(users, P.TEKUN, category=P.DISPERSED)
    payments.generate_payroll(actor=users.worker, program=code, month=month)
    standard = draft(users, P.DIBAO, "rural", 490)
    assert approve(users, standard).status == "approved"


def test_a_rejected_standard_pays_nothing(users, old_standards, april):
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    standard = draft(users, P.DIBAO, "rural", 490)
    with pytest.raises(ValidationError) as exc:
        payments.decide_standard(actor=users.chief, standard=standard, approve=False, comment="")
    assert "comment" in exc.value.message_dict
    rejected = payments.decide_standard(
        actor=users.chief, standard=standard, approve=False, comment="财政未安排"
    )
    assert rejected.status == "rejected"
    with pytest.raises(ValidationError, match="已批准"):
        generate_backpay(users, rejected)
    assert not Payroll.objects.filter(kind="backpay").exists()
    assert not PaymentLine.objects.filter(kind="backpay").exists()


# --- who drafts and who approves ---------------------------------------------------------------------


def test_a_chief_drafts_no_standard(users, old_standards):
    with pytest.raises(PermissionDenied):
        draft(users, P.DIBAO, "rural", 490, actor=users.chief)
    assert not Standard.objects.filter(status="pending").exists()


def test_the_drafter_cannot_approve_own_standard(users, old_standards):
    drafter = user_with(CHIEF, "add_standard")  # a chief given drafting rights by hand
    standard = draft(users, P.DIBAO, "rural", 490, actor=drafter)
    with pytest.raises(PermissionDenied, match="自己"):
        payments.decide_standard(actor=drafter, standard=standard, approve=True)
    assert Standard.objects.get(pk=standard.pk).status == "pending"


def test_a_caseworker_cannot_approve_a_standard(users, old_standards):
    standard = draft(users, P.DIBAO, "rural", 490)
    other_worker = make_user(CASEWORKER, section=Section.ASSISTANCE)
    with pytest.raises(PermissionDenied):
        payments.decide_standard(actor=other_worker, standard=standard, approve=True)


def test_a_chief_of_another_section_cannot_approve_a_standard(users, old_standards):
    standard = draft(users, P.DIBAO, "rural", 490)
    with pytest.raises(PermissionDenied):
        payments.decide_standard(
            actor=make_user(CHIEF, section=Section.WELFARE), standard=standard, approve=True
        )


def test_a_town_caseworker_cannot_draft_a_standard(users, shicheng):
    with pytest.raises(PermissionDenied):
        draft(users, P.DIBAO, "rural", 490, actor=make_user(CASEWORKER, town=shicheng))


@pytest.mark.parametrize(
    ("code", "category", "amount", "field"),
    [
        (P.DIBAO, "care_half", 490, "category"),
        (P.DIBAO, "rural", -1, "amount"),
    ],
)
def test_an_invalid_draft_is_refused(users, code, category, amount, field):
    with pytest.raises(ValidationError) as exc:
        draft(users, code, category, amount)
    assert field in exc.value.message_dict
    assert not Standard.objects.exists()


def test_a_standard_of_a_program_without_payment_rules_is_refused(users):
    """One-off relief (临时救助) registers no payment rules, so it has no standard categories."""
    with pytest.raises(ValidationError, match="没有登记发放规则"):
        draft(users, P.TEMP_RELIEF, "default", 1)
    assert not Standard.objects.exists()


@pytest.mark.parametrize("day", [2, 15, 31])
def test_a_standard_takes_effect_from_the_first_day_of_a_month(users, day):
    with pytest.raises(ValidationError) as exc:
        draft(users, P.DIBAO, "rural", 490, effective=D(2019, 1, day))
    assert "effective_from" in exc.value.message_dict
    assert not Standard.objects.exists()
    assert draft(users, P.DIBAO, "rural", 490, effective=JAN).effective_from == JAN


def test_a_draft_takes_the_basis_of_its_category(users):
    assert draft(users, P.DISABILITY_LIVING, "default", 1980).basis == "annual"
    assert draft(users, P.DIBAO, "rural", 490).basis == "monthly"


def test_drafting_and_deciding_write_audit_events(users, old_standards, april):
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    standard = draft(users, P.DIBAO, "rural", 490)
    [event] = AuditEvent.objects.filter(action="standard.draft")
    assert (event.actor, event.object_id) == (users.worker, str(standard.pk))
    approve(users, standard)
    [approved] = AuditEvent.objects.filter(action="standard.approve")
    assert approved.actor == users.chief
    assert not AuditEvent.objects.filter(action="backpay.generate").exists()
    payroll = generate_backpay(users, standard)
    [generated] = AuditEvent.objects.filter(action="backpay.generate")
    assert (generated.actor, generated.object_id, generated.changes["lines"]) == (
        users.worker,
        str(payroll.pk),
        3,
    )


def test_the_back_pay_batch_is_generated_by_section_staff_and_approved_by_the_chief(
    users, approved_with_backpay
):
    standard, payroll = approved_with_backpay
    assert payroll.created_by == users.worker  # whoever generated it stands as its author
    with pytest.raises(PermissionDenied):  # the chief generates no back-pay
        generate_backpay(users, standard, actor=users.chief)
    with pytest.raises(PermissionDenied):  # a town caseworker neither
        generate_backpay(users, standard, actor=make_user(CASEWORKER, town="石城镇"))
    with pytest.raises(PermissionDenied):  # nor does its author approve it
        payments.decide_payroll(actor=users.worker, payroll=payroll, approve=True, comment="同意")
    payments.decide_payroll(actor=users.chief, payroll=payroll, approve=True, comment="同意")
    payroll = Payroll.objects.get(pk=payroll.pk)
    assert payroll.locked
    assert (payroll.created_by, payroll.decided_by) == (users.worker, users.chief)


def test_whoever_generated_a_back_pay_batch_cannot_approve_it(users, old_standards, april):
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    standard = approve(users, draft(users, P.DIBAO, "rural", 490))
    generator = user_with(CHIEF, "add_payroll")  # a chief given generating rights by hand
    payroll = generate_backpay(users, standard, actor=generator)
    for approve_it, comment in ((True, "同意"), (False, "退回")):
        with pytest.raises(PermissionDenied, match="自己"):
            payments.decide_payroll(actor=generator, payroll=payroll, approve=approve_it, comment=comment)
    assert Payroll.objects.get(pk=payroll.pk).status == "pending"
    payments.decide_payroll(actor=users.chief, payroll=payroll, approve=True, comment="同意")
    assert Payroll.objects.get(pk=payroll.pk).locked


# --- two chiefs approving, two caseworkers generating, at once ---------------------------------------------


def race(action, actors):
    """Run action(actor) for each actor and return their outcomes. On PostgreSQL they really run at
    once (threads released by a barrier); SQLite serialises writers, so there they run one after the
    other. A ValidationError is an outcome ("refused: …"), anything else fails the test."""
    outcomes = []

    def run(actor, barrier=None):
        try:
            if barrier is not None:
                barrier.wait(timeout=10)
            outcomes.append(action(actor))
        except ValidationError as exc:
            outcomes.append(f"refused: {' '.join(exc.messages)}")
        finally:
            if barrier is not None:
                connections.close_all()

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(len(actors))
        threads = [threading.Thread(target=run, args=(actor, barrier)) for actor in actors]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in threads)
    else:
        for actor in actors:
            run(actor)
    assert len(outcomes) == len(actors), outcomes
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_chiefs_approving_at_once_make_one_approval_and_one_batch(time_machine):
    """The row lock on the standard lets one chief's approval through and the other finds it
    approved; likewise one caseworker's back-pay batch, and the other finds nothing left owed. The
    outcome must be the same whether they run at once (PostgreSQL) or in turn (SQLite)."""
    ensure_programs()  # a transactional test may start from flushed tables
    time_machine.move_to(
        datetime.datetime(APPROVED_ON.year, APPROVED_ON.month, APPROVED_ON.day, 10), tick=True
    )
    users = Users()
    second_chief = make_user(CHIEF, section=Section.ASSISTANCE)
    second_worker = make_user(CASEWORKER, section=Section.ASSISTANCE)
    for code, category, amount in OLD_STANDARDS[:2]:
        approved_standard(code, category, amount, D(2018, 1, 1), users)
    for _ in range(3):
        dibao_case(users, size=2, income=200)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    standard = draft(users, P.DIBAO, "rural", 490)

    def decide(chief):
        payments.decide_standard(actor=chief, standard=standard, approve=True, comment="同意")
        return "approved"

    outcomes = race(decide, [users.chief, second_chief])
    assert sorted(o.split(":")[0] for o in outcomes) == ["approved", "refused"], outcomes
    assert any("不能再审批" in o for o in outcomes), outcomes  # the loser saw the approved status
    assert Standard.objects.get(pk=standard.pk).status == "approved"
    assert AuditEvent.objects.filter(action="standard.approve").count() == 1
    assert not Payroll.objects.filter(kind="backpay").exists()  # approving generates nothing

    def generate(worker):
        payroll = payments.generate_backpay(actor=worker, standard=standard)
        return "nothing owed" if payroll is None else f"generated: {payroll.pk}"

    outcomes = race(generate, [users.worker, second_worker])
    assert sorted(o.split(":")[0] for o in outcomes) == ["generated", "nothing owed"], outcomes
    batches = Payroll.objects.filter(kind="backpay", standard=standard)
    assert batches.count() == 1
    assert batches.get().line_count == 9
    assert PaymentLine.objects.filter(kind="backpay").count() == 9
    assert AuditEvent.objects.filter(action="backpay.generate").count() == 1
