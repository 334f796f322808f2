"""Welfare money: retrofit funds, facility project funds recorded by the one rounding rule
(civaffairs/money.py: to the fen, half up) whatever form the amount arrives in, figures equal to
the sum of the records (Decimal), the summary's 已落实资金 in 万元 by the same rule; an amount that
is no amount is refused with a Chinese message and nothing is saved."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civaffairs import figures
from civaffairs.models import Institution
from civaffairs.periods import Period
from tests.civaffairs.test_money_rounding import cents_half_up, oracle_wan
from welfare import services as welfare

D = datetime.date


funds = st.one_of(
    st.decimals(min_value=0, max_value=Decimal("2e6"), places=3),
    st.integers(0, 2 * 10**6),
    st.decimals(min_value=0, max_value=Decimal("2e6"), places=2).map(str),
    st.decimals(min_value=0, max_value=Decimal("2e6"), places=2).map(float),
)


@pytest.mark.django_db
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(spent=st.lists(funds, min_size=1, max_size=4), secured=funds)
def test_welfare_funds_are_recorded_by_the_one_rule_and_summed_exactly(ww, spent, secured):
    with transaction.atomic():
        home = ww.home()
        expected = Decimal(0)
        for i, amount in enumerate(spent):
            welfare.record_retrofit(
                actor=ww.staff,
                institution=home,
                name=f"消防改造{i}",
                funds_spent=amount,
                paid_on=D(2019, 3, 1 + i),
            )
            expected += Decimal(cents_half_up(Decimal(str(amount)))) / 100
        values = figures.compute(Period(D(2019, 1, 1), D(2019, 6, 30), "h1"), None)
        total = values["elderly_care.fire_retrofit_funds"]
        assert isinstance(total, Decimal) and total == expected
        project = welfare.create_facility_project(
            actor=ww.staff,
            kind="elderly_centre",
            name="居家养老服务中心",
            region=ww.shicheng,
            funds_secured=secured,
        )
        project.refresh_from_db()
        rounded = Decimal(cents_half_up(Decimal(str(secured)))) / 100
        assert project.funds_secured == rounded
        phrases = figures.compute_records(
            "welfare.facility_projects", Period(D(2019, 1, 1), D(2019, 6, 30), "h1")
        )
        listed = [p for p in phrases if p.startswith("居家养老服务中心")]
        if rounded:
            assert f"已落实资金{oracle_wan(rounded)}万元" in listed[0]
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["三万", "NaN", "-1", "Infinity"])
def test_a_welfare_amount_that_is_no_amount_is_refused_in_chinese(ww, bad):
    home = ww.home()
    with pytest.raises(ValidationError) as err:
        welfare.record_retrofit(
            actor=ww.staff, institution=home, name="消防改造", funds_spent=bad, paid_on=D(2019, 3, 1)
        )
    assert "投入资金" in str(err.value)
    assert not Institution.objects.get(pk=home.pk).fire_retrofits.exists()
