"""村（居）务监督委员会成员补贴 through the one payments engine: standard drafted by section staff and
approved by the chief (four-eyes), monthly payrolls, back-pay of a raise, no allowance after the
term, the bank file reading the member's own account."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from civaffairs import payments
from civaffairs.models import ApprovalStatus, AuditEvent, PaymentLine, Payroll
from civaffairs.payments.bankfile import bank_file
from grassroots import services
from grassroots.models import SupervisorMember
from tests.factories import PersonFactory, town

D = datetime.date
JAN, FEB, MAR, APR = D(2019, 1, 1), D(2019, 2, 1), D(2019, 3, 1), D(2019, 4, 1)


def member(staff, committee, *, account="6230000011112222", term_start=None, term_end=None, role="member"):
    return services.register_member(
        actor=staff,
        person=PersonFactory(region=committee),
        committee=committee,
        role=role,
        term_start=term_start or D(2018, 6, 1),
        term_end=term_end,
        bank_name="云浮农商银行",
        bank_account=account,
    )


def standard(staff, chief, program, amount, effective, approve=True):
    s = payments.draft_standard(
        actor=staff, program=program, category="default", amount=Decimal(amount), effective_from=effective
    )
    if approve:
        payments.decide_standard(actor=chief, standard=s, approve=True, comment="同意")
    return s


def pay(staff, chief, program, month):
    payroll = payments.generate_payroll(actor=staff, program=program, month=month)
    return payments.decide_payroll(actor=chief, payroll=payroll, approve=True, comment="同意")


@pytest.fixture
def world(gr_staff, gr_chief, gr_program, committee):
    standard(gr_staff, gr_chief, gr_program, 600, D(2018, 1, 1))
    members = [
        member(gr_staff, committee, role="chair"),
        member(gr_staff, committee, account="6230000033334444"),
    ]
    return members


def test_a_monthly_payroll_pays_each_member_the_standard(world, gr_staff, gr_chief, gr_program):
    payroll = pay(gr_staff, gr_chief, gr_program, JAN)
    lines = list(payroll.lines.order_by("case_id"))
    assert [line.amount for line in lines] == [Decimal("600.00")] * 2
    assert {line.item for line in lines} == {PaymentLine.Item.ALLOWANCE}
    assert payroll.total == Decimal("1200.00")
    assert lines[0].payee == world[0].person.name
    assert lines[0].bank_account == "6230000011112222"


def test_the_raise_to_625_approved_late_is_back_paid_through_the_engine(
    world, gr_staff, gr_chief, gr_program
):
    for month in (JAN, FEB, MAR):
        pay(gr_staff, gr_chief, gr_program, month)
    raised = standard(gr_staff, gr_chief, gr_program, 625, JAN, approve=False)
    # Before approval the next payroll still pays the standard in force.
    april = pay(gr_staff, gr_chief, gr_program, APR)
    assert april.total == Decimal("1200.00")
    payments.decide_standard(actor=gr_chief, standard=raised, approve=True, comment="同意")
    assert len(payments.compute_backpay(raised)) == 8  # 2 members × Jan–Apr
    batch = payments.generate_backpay(actor=gr_staff, standard=raised)
    assert batch.total == Decimal("200.00")  # 25 × 4 months × 2 members
    assert set(batch.lines.values_list("amount", flat=True)) == {Decimal("25.00")}
    assert set(batch.lines.values_list("kind", flat=True)) == {PaymentLine.Kind.BACKPAY}
    # Idempotent: what the pending batch pays is not owed again.
    assert payments.generate_backpay(actor=gr_staff, standard=raised) is None
    assert batch.lines.count() == 8
    payments.decide_payroll(actor=gr_chief, payroll=batch, approve=True, comment="同意")
    assert payments.compute_backpay(raised) == []
    assert payments.generate_backpay(actor=gr_staff, standard=raised) is None
    paid = PaymentLine.objects.paid().filter(program=gr_program)
    assert payments.paid_total(paid) == Decimal("5000.00")  # 625 × 4 × 2


def test_the_chief_cannot_draft_and_staff_cannot_approve(world, gr_staff, gr_chief, gr_program):
    with pytest.raises(PermissionDenied):
        payments.draft_standard(
            actor=gr_chief, program=gr_program, category="default", amount=625, effective_from=JAN
        )
    s = standard(gr_staff, gr_chief, gr_program, 625, JAN, approve=False)
    with pytest.raises(PermissionDenied):
        payments.decide_standard(actor=gr_staff, standard=s, approve=True)
    payroll = payments.generate_payroll(actor=gr_staff, program=gr_program, month=JAN)
    with pytest.raises(PermissionDenied):
        payments.decide_payroll(actor=gr_staff, payroll=payroll, approve=True)


def test_another_sections_chief_cannot_approve_the_allowance(world, gr_staff, gr_program):
    from civaffairs import roles
    from civaffairs.models import Section
    from tests.factories import make_user

    chief_assist = make_user(roles.CHIEF, section=Section.ASSISTANCE)
    payroll = payments.generate_payroll(actor=gr_staff, program=gr_program, month=JAN)
    with pytest.raises(PermissionDenied, match="基层政权和社区建设股股长"):
        payments.decide_payroll(actor=chief_assist, payroll=payroll, approve=True)


def test_a_month_already_paid_is_refused_in_chinese(world, gr_staff, gr_chief, gr_program):
    pay(gr_staff, gr_chief, gr_program, JAN)
    with pytest.raises(ValidationError, match="不能重复生成"):
        payments.generate_payroll(actor=gr_staff, program=gr_program, month=JAN)
    assert Payroll.objects.filter(program=gr_program, month=JAN).count() == 1


def test_a_member_is_not_paid_after_the_term_ends(gr_staff, gr_chief, gr_program, committee):
    standard(gr_staff, gr_chief, gr_program, 625, JAN)
    leaving = member(gr_staff, committee, term_start=D(2016, 3, 1), term_end=D(2019, 2, 15))
    staying = member(gr_staff, committee, account="6230000055556666")
    totals = {m: pay(gr_staff, gr_chief, gr_program, m) for m in (JAN, FEB, MAR)}
    paid = PaymentLine.objects.filter(case=leaving.case).values_list("month", flat=True)
    assert sorted(paid) == [JAN, FEB]
    assert totals[MAR].total == Decimal("625.00")
    # Ending a term later stops the allowance from the month after.
    services.end_term(actor=gr_staff, member=staying, term_end=D(2019, 3, 31))
    assert pay(gr_staff, gr_chief, gr_program, APR).line_count == 0


def test_a_term_that_ends_before_it_starts_is_refused_and_nothing_saved(gr_staff, gr_program, committee):
    with pytest.raises(ValidationError) as exc:
        member(gr_staff, committee, term_start=D(2019, 3, 1), term_end=D(2019, 1, 31))
    assert exc.value.message_dict["term_end"] == ["任期结束日期早于任期开始日期"]
    assert not SupervisorMember.objects.exists()


def test_one_person_is_one_sitting_member(gr_staff, gr_program, committee):
    first = member(gr_staff, committee)
    with pytest.raises(ValidationError, match="已是在任"):
        services.register_member(
            actor=gr_staff,
            person=first.person,
            committee=committee,
            role="member",
            term_start=D(2019, 1, 1),
            bank_name="云浮农商银行",
            bank_account="6230000011112222",
        )


def test_registration_is_section_staff_work_and_audited_with_the_account_masked(
    gr_staff, gr_chief, gr_program, committee
):
    with pytest.raises(PermissionDenied):
        member(gr_chief, committee)
    m = member(gr_staff, committee)
    event = AuditEvent.objects.get(action="supervisor.register", object_id=str(m.pk))
    assert event.changes["bank_account"] == "6230********2222"


def test_the_bank_file_pays_each_member_to_the_own_account(world, gr_staff, gr_chief, gr_program):
    payroll = pay(gr_staff, gr_chief, gr_program, JAN)
    data, written, filename = bank_file(payroll, PaymentLine.objects.filter(payroll=payroll), full_ids=True)
    assert filename == "村（居）务监督委员会成员补贴_2019年01月_发放名册.xlsx"
    assert written == 2
    import io

    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    accounts = {r[5] for r in rows[1:3]}
    assert accounts == {"6230000011112222", "6230000033334444"}
    assert rows[1][6] == 600


def test_a_pending_payroll_never_reaches_the_bank(world, gr_staff, gr_program):
    payroll = payments.generate_payroll(actor=gr_staff, program=gr_program, month=JAN)
    assert payroll.status == ApprovalStatus.PENDING
    with pytest.raises(PermissionDenied):
        bank_file(payroll, PaymentLine.objects.filter(payroll=payroll))


def test_the_members_and_paid_figures_count_the_approved_lines(gr_staff, gr_chief, gr_program, committee):
    from civaffairs import figures
    from civaffairs.periods import Period

    standard(gr_staff, gr_chief, gr_program, 625, JAN)
    member(gr_staff, committee, term_start=D(2016, 3, 1), term_end=D(2019, 2, 15))
    member(gr_staff, committee, account="6230000055556666")
    for month in (JAN, FEB, MAR):
        pay(gr_staff, gr_chief, gr_program, month)
    payments.generate_payroll(actor=gr_staff, program=gr_program, month=APR)  # pending: not paid
    keys = ["supervisor.members", "supervisor.allowance.paid"]
    q1 = figures.compute(Period.parse("2019Q1"), keys=keys)
    assert q1 == {"supervisor.members": 1, "supervisor.allowance.paid": Decimal("3125.00")}  # 625 × 5
    feb = figures.compute(Period.parse("2019-02"), keys=keys)
    assert feb == {"supervisor.members": 2, "supervisor.allowance.paid": Decimal("1250.00")}
    other_town = figures.compute(Period.parse("2019Q1"), region=town("六都镇"), keys=keys)
    assert other_town == {"supervisor.members": 0, "supervisor.allowance.paid": Decimal("0.00")}
