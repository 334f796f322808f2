"""`load_demo --scale N` (civaffairs/scale.py): N copies of a district's social-assistance
caseload make every count and money figure of social assistance exactly N times the district's,
district-wide and per town; each copied person has a valid ID number of their own."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from assistance import programs as P
from civaffairs import figures
from civaffairs.idnumber import parse_id_number
from civaffairs.models import Case, HouseholdIncome, PaymentLine, Payroll, Person, Region
from civaffairs.periods import Period
from civaffairs.scale import scale_up
from tests.factories import World

D = datetime.date


def assistance_counts_and_money(region=None):
    keys = [
        k
        for k, s in figures.specs().items()
        if s.function.__module__ == "assistance.figures" and s.unit in (figures.COUNT, figures.MONEY)
    ]
    return figures.compute(Period.parse("2019H1"), region, keys=keys)


@pytest.fixture
def w(db):
    with time_machine.travel(datetime.datetime(2019, 2, 20, 10), tick=False):
        world = World()
        world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
        world.standard(P.TEKUN, "rural", 590, D(2018, 1, 1))
        world.dibao(3, 120)
        world.dibao(1, 200, start=D(2019, 1, 1))
        world.person_case(P.TEKUN, category="dispersed", area="rural")
        world.person_case(P.TEKUN, category="dispersed", area="rural", start=D(2019, 2, 1))
        world.pay(P.DIBAO, D(2019, 1, 1), D(2019, 2, 1))
        world.pay(P.TEKUN, D(2019, 1, 1), D(2019, 2, 1))
        return world


def test_scale_makes_every_assistance_count_and_sum_n_times(w):
    town = Region.objects.get(name="石城镇", level=Region.Level.TOWN)
    district, in_town = assistance_counts_and_money(), assistance_counts_and_money(town)
    assert district["dibao.households"] == 2 and district["dibao.paid"] > 0
    payrolls = dict(Payroll.objects.values_list("pk", "total"))
    persons = Person.objects.count()
    incomes = sorted(HouseholdIncome.objects.values_list("effective_month", "income_per_capita", "persons"))
    households_with_income = HouseholdIncome.objects.values("household_id").distinct().count()
    assert incomes and households_with_income

    scale_up(3)

    # The income history is copied too: a copy's months are priced with that month's income, as
    # the original's are (back-pay of months long paid reads it).
    assert sorted(
        HouseholdIncome.objects.values_list("effective_month", "income_per_capita", "persons")
    ) == sorted(incomes * 3)
    assert HouseholdIncome.objects.values("household_id").distinct().count() == 3 * households_with_income

    assert assistance_counts_and_money() == {k: v * 3 for k, v in district.items()}
    assert assistance_counts_and_money(town) == {k: v * 3 for k, v in in_town.items()}
    assert dict(Payroll.objects.values_list("pk", "total")) == {k: v * 3 for k, v in payrolls.items()}
    for payroll in Payroll.objects.all():
        assert payroll.line_count == PaymentLine.objects.filter(payroll=payroll).count()
    assert Person.objects.count() == persons * 3
    numbers = list(Person.objects.values_list("id_number", flat=True))
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        parse_id_number(number)  # raises on a wrong check digit or an unused address code
    assert Case.objects.filter(status=Case.Status.ACTIVE).count() == 4 * 3
    assert sum(PaymentLine.objects.values_list("amount", flat=True), Decimal(0)) == 3 * sum(
        payrolls.values(), Decimal(0)
    )

    scale_up(2)  # a copy of copies (×3, then ×2): still exact, still unique and valid

    assert assistance_counts_and_money() == {k: v * 6 for k, v in district.items()}
    numbers = list(Person.objects.values_list("id_number", flat=True))
    assert len(numbers) == persons * 6 and len(set(numbers)) == len(numbers)
    for number in numbers:
        parse_id_number(number)
