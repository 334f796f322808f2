"""Amounts as users and imports enter them — a correction, a standard, a temporary relief, a
stated income — are rounded by the one rule (civaffairs/money.py: to the fen, half up) before
anything is stored or checked: never by the database (SQLite rounds half to even, PostgreSQL
half away from zero), never by a float's binary value. Text that is no amount gets a Chinese
message and nothing is saved. A temporary relief is paid once, on approval, and counted once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistance import programs as P
from assistance import services
from civaffairs import figures, payments
from civaffairs import services as core
from civaffairs.models import Area, Case, Household, PaymentLine, Standard
from civaffairs.periods import Period
from tests.assistance.test_payment_properties_more import dibao_world, pay
from tests.civaffairs.test_money_rounding import cents_half_up
from tests.factories import submit

D = datetime.date
JAN = D(2019, 1, 1)
H1 = Period(D(2019, 1, 1), D(2019, 6, 30), "2019H1")

# Amounts with a third decimal (the half-way cases above all), as Decimal, text and float.
entered = st.integers(1, 10**6).map(lambda n: Decimal(n) / 1000)
forms = st.sampled_from([lambda x: x, str, float])


def temp_relief(w, amount):
    request = submit(
        actor=w.town_worker, program=P.TEMP_RELIEF, person=w.person(), amount=amount, event_date=D(2019, 4, 9)
    )
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    return Case.objects.get(pk=request.case_id)


def one_rule(x):
    return Decimal(cents_half_up(Decimal(str(x)))) / 100


@pytest.mark.django_db
@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(x=entered, form=forms, income=entered)
def test_entered_amounts_are_stored_by_the_one_rule(x, form, income):
    x = Decimal(x) + Decimal("0.005")  # a half-way case for the fen at least once per example
    with transaction.atomic():
        w, case, _people = dibao_world(1, one_rule(income) % 400)
        pay(w, P.DIBAO, JAN)
        standard = payments.draft_standard(
            actor=w.worker, program=P.DIBAO, category="urban", amount=form(x), effective_from=JAN
        )
        assert Standard.objects.get(pk=standard.pk).amount == one_rule(x)
        paid = sum(PaymentLine.objects.filter(case=case, month=JAN).values_list("amount", flat=True))
        taken = min(x, paid)
        batch = payments.submit_correction(
            actor=w.worker, case=case, month=JAN, amount=form(-taken), reason="多发"
        )
        assert [line.amount for line in batch.lines.all()] == [-one_rule(taken)]
        relief = temp_relief(w, form(x))
        assert list(PaymentLine.objects.filter(case=relief).values_list("amount", flat=True)) == [one_rule(x)]
        values = figures.compute(H1, None, keys=["temp_relief.paid", "temp_relief.cases"])
        assert values == {"temp_relief.paid": one_rule(x), "temp_relief.cases": 1}
        head = w.person()
        household = core.create_household(
            actor=w.town_worker,
            head=head,
            region=w.village,
            area=Area.RURAL,
            members=[],
            joined_on=D(2018, 1, 1),
            bank_name="云浮农商银行",
            bank_account="6230000000000009",
        )
        request = submit(
            actor=w.town_worker,
            program=P.DIBAO,
            household=household,
            start_month=D(2019, 3, 1),
            category="A",
            income=form(income),
        )
        assert Decimal(request.data["income"]) == one_rule(income)
        services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
        assert Household.objects.get(pk=household.pk).income_per_capita == one_rule(income)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_temporary_relief_is_paid_and_counted_once():
    w, _case, _people = dibao_world(1, 100)
    relief = temp_relief(w, Decimal("1500"))
    request = relief.requests.get()
    with pytest.raises(ValidationError):
        services.decide_request(actor=w.chief, request=request, approve=True, comment="再次批准")
    with pytest.raises(ValidationError, match="一次性救助不生成月度名册"):
        payments.generate_payroll(actor=w.worker, program=P.TEMP_RELIEF, month=D(2019, 4, 1))
    assert PaymentLine.objects.filter(case=relief).count() == 1
    assert figures.compute(H1, None, keys=["temp_relief.paid", "temp_relief.cases"]) == {
        "temp_relief.paid": Decimal("1500.00"),
        "temp_relief.cases": 1,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["一千", "NaN", "Infinity", "", None])
def test_text_that_is_no_amount_is_refused_in_chinese(bad):
    w, case, _people = dibao_world(1, 100)
    pay(w, P.DIBAO, JAN)
    with pytest.raises(ValidationError, match="更正金额"):
        payments.submit_correction(actor=w.worker, case=case, month=JAN, amount=bad, reason="多发")
    with pytest.raises(ValidationError, match="标准"):
        payments.draft_standard(
            actor=w.worker, program=P.DIBAO, category="urban", amount=bad, effective_from=JAN
        )
    with pytest.raises(ValidationError, match="救助金额"):
        temp_relief(w, bad)
    assert not Case.objects.filter(program__code=P.TEMP_RELIEF).exists()
