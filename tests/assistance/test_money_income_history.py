"""The household income is effective-dated (HouseholdIncome): every change the engine prices is
recorded from the month it takes effect, and every month is priced with its own income — by its
payroll, and by a back-pay after the income has changed. Existing databases get the history the
payrolls used (migration 0014_money_income_history)."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from assistance import programs as P
from assistance import services
from civaffairs import payments
from civaffairs import services as core
from civaffairs.models import Area, Case, HouseholdIncome
from tests.assistance.test_payment_properties import World
from tests.assistance.test_payment_properties_more import approved, change_member, dibao_world, paid_for, pay
from tests.factories import submit

D = datetime.date
JAN, FEB, MAR, APR = D(2019, 1, 1), D(2019, 2, 1), D(2019, 3, 1), D(2019, 4, 1)


def history(case):
    return list(
        HouseholdIncome.objects.filter(household_id=case.household_id)
        .order_by("effective_month")
        .values_list("effective_month", "income_total", "income_per_capita", "persons")
    )


def review(w, case, month, income):
    request = services.submit_review(
        actor=w.town_worker,
        case=case,
        outcome="amount_changed",
        effective_month=month,
        income=Decimal(income),
    )
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")


@pytest.mark.django_db
def test_each_income_change_is_recorded_from_its_month_and_prices_that_month():
    """Two covered at 100: January. A review raises it to 300 from February; a 减人 from March
    states a total of 250 for the one left. A raise to 490 effective January then back-pays
    January at 100 (2 × 40), February at 300 (2 × 40), March at 250 (1 × 40) — not at today's."""
    w, case, people = dibao_world(2, 100)
    pay(w, P.DIBAO, JAN)
    review(w, case, FEB, 300)
    pay(w, P.DIBAO, FEB)
    change_member(w, case, people[1], add=False, month=MAR, income_total=Decimal(250))
    pay(w, P.DIBAO, MAR)
    assert history(case) == [
        (JAN, Decimal("200.00"), Decimal("100.00"), 2),
        (FEB, Decimal("600.00"), Decimal("300.00"), 2),
        (MAR, Decimal("250.00"), Decimal("250.00"), 1),
    ]
    assert [paid_for(case, m) for m in (JAN, FEB, MAR)] == [
        Decimal("700.00"),
        Decimal("300.00"),
        Decimal("200.00"),
    ]
    raised = w.approve_standard(w.draft(P.DIBAO, "rural", 490, JAN))
    batch = approved(w, payments.generate_backpay(actor=w.worker, standard=raised))
    assert sorted(batch.lines.values_list("month", "income", "amount")) == [
        (JAN, Decimal("100.00"), Decimal("80.00")),
        (FEB, Decimal("300.00"), Decimal("80.00")),
        (MAR, Decimal("250.00"), Decimal("40.00")),
    ]


@pytest.mark.django_db
def test_the_migration_rebuilds_the_history_the_payrolls_used():
    """A database from before the history: the rows are rebuilt from the approved regular lines
    (per-capita income × persons of each month, a row where it changes) and the household's
    income now from the month after its last line; back-pay then pays what it pays with the
    history kept from the start."""
    w, case, people = dibao_world(2, 100)
    pay(w, P.DIBAO, JAN)
    review(w, case, FEB, 300)
    pay(w, P.DIBAO, FEB)
    change_member(w, case, people[1], add=False, month=MAR, income_total=Decimal(250))
    kept = history(case)
    HouseholdIncome.objects.all().delete()
    migration = importlib.import_module("civaffairs.migrations.0014_money_income_history")
    migration.incomes_from_the_payments(apps, None)
    assert history(case) == kept
    raised = w.approve_standard(w.draft(P.DIBAO, "rural", 490, JAN))
    pay(w, P.DIBAO, MAR)
    batch = approved(w, payments.generate_backpay(actor=w.worker, standard=raised))
    assert sorted(batch.lines.values_list("month", "amount")) == [
        (JAN, Decimal("80.00")),
        (FEB, Decimal("80.00")),
    ]
    assert paid_for(case, MAR) == Decimal("240.00")


@pytest.mark.django_db
def test_a_household_enrolled_on_its_recorded_income_keeps_it_for_the_months_before_a_change():
    """An application that states no income is paid on the household's recorded one (the demo's
    ledgers and new households): a review from March then records the earlier income from the
    case's start, so a raise back-pays January and February at 460, not at March's 300."""
    w = World()
    w.approve_standard(w.draft(P.DIBAO, "rural", 450, D(2018, 1, 1)))
    head = w.person()
    household = core.create_household(
        actor=w.town_worker,
        head=head,
        region=w.village,
        area=Area.RURAL,
        income_per_capita=Decimal(460),
        members=[],
        joined_on=D(2018, 1, 1),
        bank_name="云浮农商银行",
        bank_account="6230000000000001",
    )
    request = submit(actor=w.town_worker, program=P.DIBAO, household=household, start_month=JAN, category="A")
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    case = Case.objects.get(pk=request.case_id)
    pay(w, P.DIBAO, JAN, FEB)
    review(w, case, MAR, 300)
    pay(w, P.DIBAO, MAR)
    assert [row[:3] for row in history(case)] == [
        (JAN, Decimal("460.00"), Decimal("460.00")),
        (MAR, Decimal("300.00"), Decimal("300.00")),
    ]
    raised = w.approve_standard(w.draft(P.DIBAO, "rural", 490, JAN))
    approved(w, payments.generate_backpay(actor=w.worker, standard=raised))
    assert [paid_for(case, m) for m in (JAN, FEB, MAR)] == [
        Decimal("30.00"),
        Decimal("30.00"),
        Decimal("190.00"),
    ]
