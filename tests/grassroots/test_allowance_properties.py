"""Property test of the allowance through the payments engine: members registered on time or late
(arrears), terms ending in the half, the 600 → 625 raise approved at any point and back-paid. What
the approved batches paid is checked against the terms chosen, never the engine's own functions:
every month of a member's term from January to June is paid 625 in all, once; no month outside it."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civaffairs import payments
from civaffairs.models import PaymentLine
from civaffairs.periods import add_months, month_end
from grassroots import services
from tests.factories import PersonFactory

D = datetime.date
JAN = D(2019, 1, 1)

member_plan = st.tuples(
    st.integers(min_value=-6, max_value=5),  # term start, month index from January 2019
    st.one_of(st.none(), st.integers(min_value=0, max_value=8)),  # term length in months − 1
    st.integers(min_value=0, max_value=5),  # slot registered: before that month's payroll
)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(plans=st.lists(member_plan, min_size=1, max_size=4), raise_slot=st.integers(min_value=0, max_value=6))
def test_each_month_of_a_term_is_paid_625_once(gr_staff, gr_chief, gr_program, committee, plans, raise_slot):
    with transaction.atomic():
        run(gr_staff, gr_chief, gr_program, committee, plans, raise_slot)
        transaction.set_rollback(True)


def run(staff, chief, program, committee, plans, raise_slot):
    old = payments.draft_standard(
        actor=staff, program=program, category="default", amount=600, effective_from=D(2018, 1, 1)
    )
    payments.decide_standard(actor=chief, standard=old, approve=True)
    raised = payments.draft_standard(
        actor=staff, program=program, category="default", amount=625, effective_from=JAN
    )
    members = {}

    def backpay():
        batch = payments.generate_backpay(actor=staff, standard=raised)
        if batch is not None:
            payments.decide_payroll(actor=chief, payroll=batch, approve=True)

    for slot in range(7):
        for i, (start, length, registered) in enumerate(plans):
            if registered == slot:
                term_start = add_months(JAN, start).replace(day=10)
                term_end = None if length is None else month_end(add_months(JAN, start + length))
                members[i] = services.register_member(
                    actor=staff,
                    person=PersonFactory(region=committee),
                    committee=committee,
                    role="member",
                    term_start=term_start,
                    term_end=term_end,
                    bank_name="云浮农商银行",
                    bank_account=f"6217{i:014d}",
                )
        if slot == raise_slot:
            payments.decide_standard(actor=chief, standard=raised, approve=True)
            backpay()
        if slot < 6:
            payroll = payments.generate_payroll(actor=staff, program=program, month=add_months(JAN, slot))
            payments.decide_payroll(actor=chief, payroll=payroll, approve=True)
    backpay()

    paid = defaultdict(Decimal)
    for case_id, month, amount in (
        PaymentLine.objects.paid().filter(program=program).values_list("case_id", "month", "amount")
    ):
        paid[(case_id, month)] += amount
    expected = {}
    for i, (start, length, _registered) in enumerate(plans):
        last = 5 if length is None else min(5, start + length)
        for m in range(max(0, start), last + 1):
            expected[(members[i].case_id, add_months(JAN, m))] = Decimal("625.00")
    assert dict(paid) == expected
