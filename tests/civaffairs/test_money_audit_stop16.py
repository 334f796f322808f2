"""Money audit, stop 16: the roster import on the import pipeline, deaths recorded by a cremation,
the statutory procedure's payment start and late decisions, four eyes on every paid thing.
Worlds through the services a user's click calls (tests/factories.py World); oracles computed here
from what was drawn, never by the engine's own functions."""

import datetime
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from assistance import programs as P
from assistance import roster
from assistance import services
from civaffairs import payments
from civaffairs.idnumber import make_id_number
from civaffairs.models import ApprovalStatus, Case, PaymentLine, Payroll, Request
from civaffairs.periods import add_months
from tests.factories import World

D = datetime.date
JAN = D(2019, 1, 1)
FEB, MAR, APR, MAY, JUN = (D(2019, m, 1) for m in range(2, 7))


def cent(x):
    return Decimal(x).quantize(Decimal("0.01"), ROUND_HALF_UP)


def months_paid(case, kinds=(PaymentLine.Kind.REGULAR, PaymentLine.Kind.BACKPAY), item="basic"):
    """{month: [amounts]} of the case's live lines."""
    out = defaultdict(list)
    for month, amount in (
        PaymentLine.objects.live()
        .filter(case=case, kind__in=kinds, item=item)
        .order_by("month", "id")
        .values_list("month", "amount")
    ):
        out[month].append(amount)
    return dict(out)


def regular_once(case):
    """Every month of the case paid by at most one live regular line (arrears included)."""
    dup = (
        PaymentLine.objects.live()
        .filter(case=case, kind=PaymentLine.Kind.REGULAR)
        .values("month", "item")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not list(dup), list(dup)


# ------------------------------------------------------------------ 3. late decisions, out of order


@pytest.mark.django_db
def test_a_month_regenerated_after_a_late_approval_leaves_no_later_month_unpaid():
    """January and February are generated; the case (from January) is approved; January is sent
    back and generated again (it now pays the case's January); March's payroll must pay February,
    which no payroll has considered for the case."""
    w = World()
    w.standard(P.TEKUN, "rural", "600", D(2018, 1, 1))
    w.person_case(P.TEKUN, start=JAN, category=P.DISPERSED)  # so the months have payrolls
    jan = payments.generate_payroll(actor=w.worker, program=P.TEKUN, month=JAN)
    feb = payments.generate_payroll(actor=w.worker, program=P.TEKUN, month=FEB)
    late = w.person_case(P.TEKUN, start=JAN, category=P.DISPERSED)
    payments.decide_payroll(actor=w.chief, payroll=jan, approve=False, comment="重新生成")
    jan = payments.generate_payroll(actor=w.worker, program=P.TEKUN, month=JAN)
    for payroll in (jan, feb):
        payments.decide_payroll(actor=w.chief, payroll=payroll, approve=True, comment="同意")
    w.pay(P.TEKUN, MAR)
    regular_once(late)
    assert {m: sum(a) for m, a in months_paid(late).items()} == {
        JAN: Decimal("600.00"),
        FEB: Decimal("600.00"),
        MAR: Decimal("600.00"),
    }


@pytest.mark.django_db
def test_back_pay_before_the_arrears_of_a_regenerated_month_pays_it_once():
    """As above, with a raised standard approved (and its back-pay generated) before March's
    payroll: February is paid once, at the raised standard, whichever batch pays it."""
    w = World()
    w.standard(P.TEKUN, "rural", "600", D(2018, 1, 1))
    w.person_case(P.TEKUN, start=JAN, category=P.DISPERSED)
    jan = payments.generate_payroll(actor=w.worker, program=P.TEKUN, month=JAN)
    feb = payments.generate_payroll(actor=w.worker, program=P.TEKUN, month=FEB)
    late = w.person_case(P.TEKUN, start=JAN, category=P.DISPERSED)
    payments.decide_payroll(actor=w.chief, payroll=jan, approve=False, comment="重新生成")
    jan = payments.generate_payroll(actor=w.worker, program=P.TEKUN, month=JAN)
    for payroll in (jan, feb):
        payments.decide_payroll(actor=w.chief, payroll=payroll, approve=True, comment="同意")
    raised = w.standard(P.TEKUN, "rural", "650", JAN)
    batch = payments.generate_backpay(actor=w.worker, standard=raised)
    if batch is not None:
        payments.decide_payroll(actor=w.chief, payroll=batch, approve=True, comment="同意")
    w.pay(P.TEKUN, MAR)
    regular_once(late)
    assert {m: sum(a) for m, a in months_paid(late).items()} == {
        JAN: Decimal("650.00"),
        FEB: Decimal("650.00"),
        MAR: Decimal("650.00"),
    }
