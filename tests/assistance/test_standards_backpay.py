"""Standards (保障标准) and the back-pay (提标补发) their approval produces.

DESIGN: approving a standard whose effective date lies in the past produces, for every case and
month already paid, new entitlement − everything paid for that case, month and item, as lines of
their own (kind 补发, belonging to month m, paid in the month of approval); reproducible and
idempotent. In the seed the 2019 低保/特困 standards effective 2019-01-01 still await approval in
June (及时补发提标差额).
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

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
    Program,
    Section,
    Standard,
)
from civaffairs.roles import CASEWORKER, CHIEF
from tests.factories import HouseholdFactory, PersonFactory, make_user, village

D = datetime.date
OCT18, DEC18 = D(2018, 10, 1), D(2018, 12, 1)
JAN, FEB, MAR, APR, MAY, JUN = (D(2019, m, 1) for m in range(1, 7))
APPROVED_ON = D(2019, 4, 15)  # the chief approves the 2019 standards in April


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
def april(monkeypatch):
    """Approvals happen on 2019-04-15, so back-pay is paid in April 2019."""
    monkeypatch.setattr("civaffairs.payments.backpay.timezone.localdate", lambda *a, **k: APPROVED_ON)


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
    approved, payroll = payments.decide_standard(
        actor=users.chief, standard=standard, approve=True, comment="同意"
    )
    assert approved.status == "approved"
    expected = lines_of(*expected)
    if not expected:
        assert payroll is None
        assert not PaymentLine.objects.filter(kind="backpay").exists()
        return
    assert backpay_lines(payroll, case) == expected
    assert backpay_lines(payroll) == expected  # nobody else is owed anything
    assert (payroll.kind, payroll.status, payroll.month, payroll.standard) == (
        "backpay",
        "pending",
        APR,
        standard,
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
    _s, payroll = payments.decide_standard(
        actor=users.chief, standard=draft(users, P.DIBAO, "rural", 490), approve=True
    )
    assert payroll.total == Decimal("240.00")
    line = PaymentLine.objects.filter(payroll=payroll, case=case).first()
    assert (line.persons, line.income) == (2, Decimal("200.00"))


def test_a_household_paid_nothing_under_the_old_standard_is_owed_the_new_gap(users, old_standards, april):
    """Income 470: above the old rural standard 450, so January to March paid 0 (no line), but below
    the new 490, so owed (490 − 470) × 2 = 40 a month. The case was in payment and its months were
    paid (payrolls approved): new entitlement − amount paid = 40 − 0 for each."""
    case = dibao_case(users, size=2, income=470)[0]
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    _s, payroll = payments.decide_standard(
        actor=users.chief, standard=draft(users, P.DIBAO, "rural", 490), approve=True
    )
    assert payroll is not None
    assert backpay_lines(payroll, case) == lines_of(
        (JAN, "basic", "40.00"), (FEB, "basic", "40.00"), (MAR, "basic", "40.00")
    )


def test_back_pay_is_the_sum_over_many_cases_and_towns(users, old_standards, april):
    shicheng = [dibao_case(users, size=2, income=200)[0] for _ in range(3)]
    liudu = [dibao_case(users, size=1, income=300, town="六都镇")[0] for _ in range(2)]
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    _s, payroll = payments.decide_standard(
        actor=users.chief, standard=draft(users, P.DIBAO, "rural", 490), approve=True
    )
    assert payroll.line_count == 5 * 3
    assert payroll.total == 3 * 3 * Decimal(80) + 2 * 3 * Decimal(40)
    for case in shicheng + liudu:
        assert PaymentLine.objects.filter(payroll=payroll, case=case, town=case.town).count() == 3


def test_back_pay_is_paid_in_the_month_of_approval(users, old_standards, monkeypatch):
    monkeypatch.setattr("civaffairs.payments.backpay.timezone.localdate", lambda *a, **k: D(2019, 8, 20))
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    _s, payroll = payments.decide_standard(
        actor=users.chief, standard=draft(users, P.DIBAO, "rural", 490), approve=True
    )
    assert payroll.month == D(2019, 8, 1)
    assert set(payroll.lines.values_list("paid_month", flat=True)) == {D(2019, 8, 1)}
    assert sorted(payroll.lines.values_list("month", flat=True)) == [JAN, FEB, MAR]


def test_months_not_yet_paid_get_no_back_pay_and_the_next_payroll_uses_the_new_standard(
    users, old_standards, april
):
    case = two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    payments.decide_standard(actor=users.chief, standard=draft(users, P.DIBAO, "rural", 490), approve=True)
    april_payroll = payments.generate_payroll(actor=users.worker, program=P.DIBAO, month=APR)
    [line] = april_payroll.lines.filter(case=case)
    assert line.amount == Decimal("580.00")
    assert line.standard.amount == Decimal("490.00")


def test_an_unpaid_rejected_payroll_gets_no_back_pay(users, old_standards, april):
    case = two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB])
    march = payments.generate_payroll(actor=users.worker, program=P.DIBAO, month=MAR)
    payments.decide_payroll(actor=users.chief, payroll=march, approve=False, comment="名单有误")
    _s, payroll = payments.decide_standard(
        actor=users.chief, standard=draft(users, P.DIBAO, "rural", 490), approve=True
    )
    assert backpay_lines(payroll, case) == lines_of((JAN, "basic", "80.00"), (FEB, "basic", "80.00"))


# --- idempotence -----------------------------------------------------------------------------------


@pytest.fixture
def approved_with_backpay(users, old_standards, april):
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    standard, payroll = payments.decide_standard(
        actor=users.chief, standard=draft(users, P.DIBAO, "rural", 490), approve=True
    )
    return standard, payroll


def test_generating_the_back_pay_again_creates_nothing(users, approved_with_backpay):
    standard, payroll = approved_with_backpay
    lines = backpay_lines(payroll)
    again = payments.generate_backpay(standard=standard, paid_month=MAY, actor=users.chief)
    assert again == payroll
    assert backpay_lines(payroll) == lines
    assert Payroll.objects.filter(kind="backpay").count() == 1
    assert PaymentLine.objects.filter(kind="backpay").count() == 3


def test_generating_the_back_pay_again_after_its_approval_creates_nothing(users, approved_with_backpay):
    standard, payroll = approved_with_backpay
    payments.decide_payroll(actor=users.chief, payroll=payroll, approve=True, comment="同意")
    payments.generate_backpay(standard=standard, paid_month=MAY, actor=users.chief)
    assert Payroll.objects.filter(kind="backpay").count() == 1
    assert PaymentLine.objects.filter(kind="backpay").count() == 3
    assert payments.compute_backpay(standard) == []


def test_a_rejected_back_pay_batch_is_reproduced_exactly(users, approved_with_backpay):
    standard, payroll = approved_with_backpay
    lines = backpay_lines(payroll)
    payments.decide_payroll(actor=users.chief, payroll=payroll, approve=False, comment="重新核对")
    assert not payroll.lines.exists()
    again = payments.generate_backpay(standard=standard, paid_month=APR, actor=users.chief)
    assert again.pk != payroll.pk
    assert backpay_lines(again) == lines


def test_approving_a_standard_twice_is_refused(users, approved_with_backpay):
    standard, _payroll = approved_with_backpay
    for approve in (True, False):
        with pytest.raises(ValidationError, match="不能再审批"):
            payments.decide_standard(actor=users.chief, standard=standard, approve=approve, comment="再批")
    assert Payroll.objects.filter(kind="backpay").count() == 1


def test_a_second_version_of_the_same_date_cannot_be_approved(users, approved_with_backpay):
    other = draft(users, P.DIBAO, "rural", 495)
    with pytest.raises(ValidationError, match="已有批准的标准"):
        payments.decide_standard(actor=users.chief, standard=other, approve=True)
    assert Standard.objects.get(pk=other.pk).status == "pending"


def test_generating_back_pay_of_a_pending_standard_is_refused(users, old_standards):
    standard = draft(users, P.DIBAO, "rural", 490)
    with pytest.raises(ValidationError):
        payments.generate_backpay(standard=standard, paid_month=APR)


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
    _s, payroll = payments.decide_standard(actor=users.chief, standard=standard, approve=True)
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
    approved, _payroll = payments.decide_standard(actor=users.chief, standard=standard, approve=True)
    assert approved.status == "approved"


def test_a_rejected_standard_pays_nothing(users, old_standards, april):
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    standard = draft(users, P.DIBAO, "rural", 490)
    with pytest.raises(ValidationError) as exc:
        payments.decide_standard(actor=users.chief, standard=standard, approve=False, comment="")
    assert "comment" in exc.value.message_dict
    rejected, payroll = payments.decide_standard(
        actor=users.chief, standard=standard, approve=False, comment="财政未安排"
    )
    assert (rejected.status, payroll) == ("rejected", None)
    assert not PaymentLine.objects.filter(kind="backpay").exists()


# --- who drafts and who approves ---------------------------------------------------------------------


def test_the_drafter_cannot_approve_own_standard(users, old_standards):
    standard = draft(users, P.DIBAO, "rural", 490, actor=users.chief)  # a chief may draft too
    with pytest.raises(PermissionDenied, match="自己"):
        payments.decide_standard(actor=users.chief, standard=standard, approve=True)
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
        (P.TEMP_RELIEF, "default", 1, "category"),
    ],
)
def test_an_invalid_draft_is_refused(users, code, category, amount, field):
    with pytest.raises(ValidationError) as exc:
        draft(users, code, category, amount)
    assert field in exc.value.message_dict


def test_a_draft_takes_the_basis_of_its_category(users):
    assert draft(users, P.DISABILITY_LIVING, "default", 1980).basis == "annual"
    assert draft(users, P.DIBAO, "rural", 490).basis == "monthly"


def test_drafting_and_deciding_write_audit_events(users, old_standards, april):
    two_persons_income_200(users)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    standard = draft(users, P.DIBAO, "rural", 490)
    [event] = AuditEvent.objects.filter(action="standard.draft")
    assert (event.actor, event.object_id) == (users.worker, str(standard.pk))
    _s, payroll = payments.decide_standard(actor=users.chief, standard=standard, approve=True)
    [approved] = AuditEvent.objects.filter(action="standard.approve")
    assert approved.actor == users.chief
    [generated] = AuditEvent.objects.filter(action="backpay.generate")
    assert (generated.object_id, generated.changes["lines"]) == (str(payroll.pk), 3)


def test_the_back_pay_batch_is_approved_by_the_chief_who_approved_the_standard(users, approved_with_backpay):
    _standard, payroll = approved_with_backpay
    assert payroll.created_by == users.worker  # the drafter stands as its submitter
    payments.decide_payroll(actor=users.chief, payroll=payroll, approve=True, comment="同意")
    assert Payroll.objects.get(pk=payroll.pk).locked


# --- two chiefs approving the same standard at once ------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_chiefs_approving_at_once_make_one_approval_and_one_batch(monkeypatch):
    """On PostgreSQL both approvals really run at once (threads released by a barrier); the row lock
    on the standard lets one through and the other finds it approved. SQLite serialises writers, so
    there the two run one after the other; the outcome must be the same."""
    ensure_programs()  # a transactional test may start from flushed tables
    monkeypatch.setattr("civaffairs.payments.backpay.timezone.localdate", lambda *a, **k: APPROVED_ON)
    users = Users()
    second_chief = make_user(CHIEF, section=Section.ASSISTANCE)
    for code, category, amount in OLD_STANDARDS[:2]:
        approved_standard(code, category, amount, D(2018, 1, 1), users)
    for _ in range(3):
        dibao_case(users, size=2, income=200)
    pay(users, P.DIBAO, [JAN, FEB, MAR])
    standard = draft(users, P.DIBAO, "rural", 490)

    outcomes = []

    def decide(chief, barrier=None):
        try:
            if barrier is not None:
                barrier.wait(timeout=10)
            payments.decide_standard(actor=chief, standard=standard, approve=True, comment="同意")
            outcomes.append("approved")
        except ValidationError as exc:
            outcomes.append(f"refused: {' '.join(exc.messages)}")
        finally:
            if barrier is not None:
                connections.close_all()

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=decide, args=(chief, barrier)) for chief in (users.chief, second_chief)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in threads)
    else:
        decide(users.chief)
        decide(second_chief)

    assert sorted(o.split(":")[0] for o in outcomes) == ["approved", "refused"], outcomes
    assert any("不能再审批" in o for o in outcomes), outcomes  # the loser saw the approved status
    assert Standard.objects.get(pk=standard.pk).status == "approved"
    batches = Payroll.objects.filter(kind="backpay", standard=standard)
    assert batches.count() == 1
    assert batches.get().line_count == 9
    assert PaymentLine.objects.filter(kind="backpay").count() == 9
    assert AuditEvent.objects.filter(action="standard.approve").count() == 1
