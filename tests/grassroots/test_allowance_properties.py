"""Property tests of the supervision-committee allowance through the payments engine, audited
against an oracle computed here from the history drawn — never the engine's own functions.

A history is six months (January … June 2019) of slots; in each slot, in this order: members are
registered (on time, late — owed arrears — or after June), deaths are recorded, terms are cut
short (任期结束), standards drafted by the section staff are approved by the chief (raises and
cuts, effective any month from October 2018, back-pay generated at once or only at the end), and
the month's payroll is generated and approved (or rejected / withdrawn first and generated again).

The oracle: each month of a term is priced when first paid (the payroll of that month, or of the
member's registration for an earlier month: arrears), at the standard in force for that month as
then approved, if the term and the death then recorded allow it; each back-pay batch later raises
it to its standard where that standard is then in force for the month and the month is still in
the term and not after a recorded death; a cut recovers nothing. So: never a month twice, never a
month outside the term or after a death known when it was priced, back-pay = new entitlement −
paid, exactly, once (a second generation finds nothing owed). Also: nobody approves their own
batch, every approved batch reaches the bank file at its total and is audited.
"""

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from civaffairs import payments
from civaffairs import services as core
from civaffairs.models import ApprovalStatus, AuditEvent, PaymentLine, Payroll, Person
from civaffairs.payments.bankfile import bank_file
from civaffairs.periods import add_months, month_end
from grassroots import services
from tests.factories import PersonFactory

D = datetime.date
JAN = D(2019, 1, 1)
SLOTS = 7  # slot s < 6: before the payroll of month s (0 = January 2019); slot 6: after June
BASE = Decimal(600)


def month_of(index):
    return add_months(JAN, index)


@dataclass
class MemberPlan:
    start: int  # term start: month index (from January 2019), on the 10th
    length: int | None  # term length in months − 1; None: open-ended
    registered: int  # slot registered
    death: tuple | None  # (month index, day, slot recorded)
    cut: tuple | None  # (slot, months of the term kept − 1): 任期结束 earlier than planned


@dataclass
class StandardPlan:
    effective: int  # month index
    amount: Decimal
    approved: int  # slot
    at_once: bool  # back-pay generated right after approval (and at the end in any case)


@st.composite
def members(draw):
    start = draw(st.integers(-6, 5))
    length = draw(st.one_of(st.none(), st.integers(0, 8)))
    registered = draw(st.integers(0, SLOTS - 1))
    death = cut = None
    if draw(st.booleans()):
        month = draw(st.integers(max(start, -6), 5))
        death = (
            month,
            draw(st.integers(11 if month == start else 1, 28)),
            draw(st.integers(registered, SLOTS - 1)),
        )
    if draw(st.booleans()):
        kept = draw(st.integers(0, length if length is not None else 8))
        cut = (draw(st.integers(registered, SLOTS - 1)), kept)
    return MemberPlan(start, length, registered, death, cut)


@st.composite
def standard_plans(draw):
    effective = draw(st.lists(st.integers(-3, 5), min_size=1, max_size=3, unique=True))
    return [
        StandardPlan(
            e,
            Decimal(draw(st.integers(110, 140)) * 5),  # 550 … 700: raises and cuts
            draw(st.integers(0, SLOTS - 1)),
            draw(st.booleans()),
        )
        for e in effective
    ]


histories = st.fixed_dictionaries(
    {
        "members": st.lists(members(), min_size=1, max_size=4),
        "standards": standard_plans(),
        "ops": st.lists(st.sampled_from(["approve", "reject", "withdraw"]), min_size=6, max_size=6),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(history=histories)
def test_each_month_of_a_term_is_paid_its_entitlement_once(
    gr_staff, gr_chief, gr_program, committee, history
):
    with transaction.atomic():
        World(gr_staff, gr_chief, gr_program, committee).run(history)
        transaction.set_rollback(True)


class World:
    def __init__(self, staff, chief, program, committee):
        self.staff, self.chief, self.program, self.committee = staff, chief, program, committee

    # --- the oracle's view of what is known at a slot --------------------------------------------

    def standard_in_force(self, m):
        """The standard in force for month m among those approved so far (None: the 2018 one)."""
        best = None
        for s in self.approved:
            if s.effective <= m and (best is None or s.effective > best.effective):
                best = s
        return best

    def in_force(self, m):
        best = self.standard_in_force(m)
        return BASE if best is None else best.amount

    def payable(self, plan, m, slot):
        """The term and the death as recorded by that slot allow month m."""
        last = None if plan.length is None else plan.start + plan.length
        if plan.cut is not None and plan.cut[0] <= slot:
            last = plan.start + plan.cut[1]
        if m < plan.start or (last is not None and m > last):
            return False
        return not (plan.death is not None and plan.death[2] <= slot and m > plan.death[0])

    # --- the world, through the services ---------------------------------------------------------

    def approve(self, batch):
        with pytest.raises(PermissionDenied):  # four eyes: the author never approves
            payments.decide_payroll(actor=self.staff, payroll=batch, approve=True)
        return payments.decide_payroll(actor=self.chief, payroll=batch, approve=True, comment="同意")

    def backpay(self, plan, standard, slot):
        batch = payments.generate_backpay(actor=self.staff, standard=standard)
        if batch is not None:
            self.approve(batch)
        assert payments.generate_backpay(actor=self.staff, standard=standard) is None  # idempotent
        for (i, m), amount in list(self.expected.items()):
            if self.standard_in_force(m) is plan and self.payable(self.plans[i], m, slot):
                self.expected[(i, m)] = max(amount, plan.amount)

    def payroll(self, month, op):
        batch = payments.generate_payroll(actor=self.staff, program=self.program, month=month)
        if op == "reject":
            payments.decide_payroll(actor=self.chief, payroll=batch, approve=False, comment="名单有误")
            batch = payments.generate_payroll(actor=self.staff, program=self.program, month=month)
        elif op == "withdraw":
            payments.withdraw_payroll(actor=self.staff, payroll=batch, comment="撤回重做")
            batch = payments.generate_payroll(actor=self.staff, program=self.program, month=month)
        self.approve(batch)
        with pytest.raises(ValidationError, match="已生成"):  # never a month twice
            payments.generate_payroll(actor=self.staff, program=self.program, month=month)

    def run(self, history):
        staff, chief, program = self.staff, self.chief, self.program
        old = payments.draft_standard(
            actor=staff, program=program, category="default", amount=BASE, effective_from=D(2018, 1, 1)
        )
        payments.decide_standard(actor=chief, standard=old, approve=True)
        self.plans, self.standards = history["members"], history["standards"]
        drafted = {
            id(s): payments.draft_standard(
                actor=staff,
                program=program,
                category="default",
                amount=s.amount,
                effective_from=month_of(s.effective),
            )
            for s in self.standards
        }
        self.approved = []  # standards approved so far, in order
        self.expected = {}  # (member index, month index) → amount the oracle says is paid
        members = {}
        for slot in range(SLOTS):
            for i, plan in enumerate(self.plans):
                if plan.registered == slot:
                    members[i] = services.register_member(
                        actor=staff,
                        person=PersonFactory(region=self.committee),
                        committee=self.committee,
                        role="member",
                        term_start=month_of(plan.start).replace(day=10),
                        term_end=None
                        if plan.length is None
                        else month_end(month_of(plan.start + plan.length)),
                        bank_name="云浮农商银行",
                        bank_account=f"6217{i:014d}",
                    )
            for i, plan in enumerate(self.plans):
                if plan.death is not None and plan.death[2] == slot:
                    person = Person.objects.get(pk=members[i].person_id)
                    core.update_person(
                        actor=staff,
                        person=person,
                        expected_version=person.version,
                        death_date=month_of(plan.death[0]).replace(day=plan.death[1]),
                    )
                if plan.cut is not None and plan.cut[0] == slot:
                    services.end_term(
                        actor=staff, member=members[i], term_end=month_end(month_of(plan.start + plan.cut[1]))
                    )
            for s in self.standards:
                if s.approved == slot:
                    with pytest.raises(PermissionDenied):
                        payments.decide_standard(actor=staff, standard=drafted[id(s)], approve=True)
                    payments.decide_standard(actor=chief, standard=drafted[id(s)], approve=True)
                    self.approved.append(s)
                    if s.at_once:
                        self.backpay(s, drafted[id(s)], slot)
            if slot < 6:
                self.payroll(month_of(slot), history["ops"][slot])
                for i, plan in enumerate(self.plans):
                    if plan.registered > slot:
                        continue
                    # This payroll prices the month itself, and every earlier month of a member
                    # registered since the previous payroll (arrears).
                    earlier = range(0, slot) if plan.registered == slot else ()
                    for m in [*earlier, slot]:
                        if self.payable(plan, m, slot):
                            self.expected[(i, m)] = self.in_force(m)
        for s in sorted(self.standards, key=lambda s: s.approved):
            self.backpay(s, drafted[id(s)], SLOTS)
        self.check(members)

    def check(self, members):
        program = self.program
        lines = PaymentLine.objects.paid().filter(program=program)
        paid, regular = defaultdict(Decimal), defaultdict(int)
        case_of = {m.case_id: i for i, m in members.items()}
        for case_id, month, kind, amount in lines.values_list("case_id", "month", "kind", "amount"):
            assert isinstance(amount, Decimal) and amount > 0 and amount == amount.quantize(Decimal("0.01"))
            m = (month.year - 2019) * 12 + month.month - 1
            paid[(case_of[case_id], m)] += amount
            regular[(case_of[case_id], m)] += kind == PaymentLine.Kind.REGULAR
        assert all(n == 1 for n in regular.values()), regular  # never a month twice
        assert dict(paid) == self.expected
        # Every approved batch reaches the bank at its total, and its approval is audited.
        for payroll in Payroll.objects.filter(program=program, status=ApprovalStatus.APPROVED):
            data, written, _name = bank_file(payroll, PaymentLine.objects.filter(payroll=payroll))
            sheet = load_workbook(io.BytesIO(data)).active
            amounts = [row[6] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
            assert written == len(amounts) and sum(Decimal(str(a)) for a in amounts) == payroll.total
            assert AuditEvent.objects.filter(action="payroll.approve", object_id=str(payroll.pk)).exists()


@pytest.mark.django_db
def test_a_term_ended_while_a_payroll_waits_is_not_paid_after_it(gr_staff, gr_chief, gr_program, committee):
    """Found by the audit: April's payroll generated (pending), then the term is recorded as ended
    on 31 March: approving the payroll paid April after the term. It is now refused, naming the
    member and month; generated again, April is not paid."""
    old = payments.draft_standard(
        actor=gr_staff, program=gr_program, category="default", amount=BASE, effective_from=D(2018, 1, 1)
    )
    payments.decide_standard(actor=gr_chief, standard=old, approve=True)
    member = services.register_member(
        actor=gr_staff,
        person=PersonFactory(region=committee),
        committee=committee,
        role="member",
        term_start=D(2018, 6, 1),
        bank_name="云浮农商银行",
        bank_account="6217000000000000001",
    )
    pending = payments.generate_payroll(actor=gr_staff, program=gr_program, month=month_of(3))
    services.end_term(actor=gr_staff, member=member, term_end=D(2019, 3, 31))
    with pytest.raises(ValidationError, match="2019年04月"):
        payments.decide_payroll(actor=gr_chief, payroll=pending, approve=True)
    payments.decide_payroll(actor=gr_chief, payroll=pending, approve=False, comment="任期已结束，重新生成")
    again = payments.generate_payroll(actor=gr_staff, program=gr_program, month=month_of(3))
    payments.decide_payroll(actor=gr_chief, payroll=again, approve=True)
    assert not PaymentLine.objects.paid().filter(case_id=member.case_id).exists()
