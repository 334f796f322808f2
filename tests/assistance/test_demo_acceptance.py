"""Acceptance: after `load_demo`, `figures 2019H1 --json` prints the seed's social-assistance
figures (FIGURES.md), the stock identity holds for every period and town, and one more enrolment
moves exactly the figures it feeds.

The demo is loaded once for the module inside a transaction that is rolled back at the end, so
nothing leaks into other tests; each test runs in a savepoint of its own.
"""

import datetime
import json
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, models, transaction

from assistance import programs as P
from assistance import services
from civaffairs import figures, payments
from civaffairs.idnumber import make_id_number
from civaffairs.models import Area, Person, Region, Relation
from civaffairs.periods import Period
from civaffairs.reference import TOWNS
from civaffairs.services import create_household
from tests.factories import submit

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", stdout=StringIO())
            # Check the deferred foreign keys of the load now, in the outer transaction: otherwise
            # PostgreSQL re-checks all of them at the end of every test (its savepoint rollback
            # un-fires the checks fired inside it), some seconds per test.
            connection.check_constraints()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def loaded(demo, db):
    """The demo district, in a savepoint rolled back after the test."""


def figures_json(*args):
    out = StringIO()
    call_command("figures", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def assistance_keys():
    return sorted(k for k, s in figures.specs().items() if s.function.__module__ == "assistance.figures")


# FIGURES.md, social assistance, 2019H1: counts, standards and statuses exactly.
EXACT = {
    "dibao.households": 3804,
    "dibao.persons": 8475,
    "dibao.urban.households": 79,
    "dibao.urban.persons": 106,
    "dibao.rural.households": 3725,
    "dibao.rural.persons": 8369,
    "dibao.added.households": 190,
    "dibao.added.persons": 401,
    "dibao.removed.households": 118,
    "dibao.removed.persons": 284,
    "dibao.urban.standard": 705,
    "dibao.urban.subsidy_level": 554,
    "dibao.rural.standard": 490,
    "dibao.rural.subsidy_level": 251,
    "dibao.standard_status": "pending",
    "tekun.persons": 1885,
    "tekun.rural.persons": 1885,
    "tekun.rural.dispersed": 1725,
    "tekun.rural.centralized": 160,
    "tekun.care_paid": "45082.00",
    "tekun.urban.standard": 1128,
    "tekun.rural.standard": 784,
    "tekun.standard_status": "pending",
    "orphan.persons": 67,
    "orphan.centralized": 11,
    "orphan.dispersed": 56,
    "orphan.centralized.standard": 1685,
    "orphan.centralized.standard_previous": 1560,
    "orphan.dispersed.standard": 1025,
    "orphan.dispersed.standard_previous": 950,
    "child_in_difficulty.persons": 40,
    "disability.living.annual_standard": 1980,
    "disability.living.annual_standard_previous": 1890,
    "disability.care.annual_standard": 2640,
    "disability.care.annual_standard_previous": 2520,
    "disability.living.persons": 2232,
    "disability.care.persons": 4589,
    "mental.covered": 1432,
    "temp_relief.cases": 151,
    "temp_relief.mental_cases": 12,
    "villages.committees": 114,
    "villages.natural": 1178,
}

# Money the seed states to 0.01万元: the computed sum must round to the target (target ± 50 元).
ROUNDED = {
    "dibao.paid": 12054200,
    "tekun.paid": 6557300,
    "orphan.paid": 447400,
    "child_in_difficulty.paid": 108000,
    "disability.living.paid": 2186000,
    "disability.care.paid": 5943100,
    "temp_relief.paid": 254700,
}


@pytest.fixture(scope="module")
def h1_json(demo, django_db_blocker):
    with django_db_blocker.unblock():
        return figures_json("2019H1")


@pytest.mark.parametrize(("key", "value"), sorted(EXACT.items()))
def test_the_demo_prints_the_seeds_figure_exactly(h1_json, key, value):
    assert h1_json[key] == value


@pytest.mark.parametrize(("key", "target"), sorted(ROUNDED.items()))
def test_the_demo_money_rounds_to_the_seeds_figure(h1_json, key, target):
    value = Decimal(h1_json[key])
    assert value == value.quantize(Decimal("0.01"))
    assert target - 50 <= value < target + 50, value
    assert figures.wan_yuan(value) == figures.wan_yuan(target)


def test_the_seeds_money_renders_as_in_the_summary(h1_json):
    assert figures.wan_yuan(Decimal(h1_json["dibao.paid"])) == "1205.42"
    assert figures.wan_yuan(Decimal(h1_json["child_in_difficulty.paid"])) == "10.8"


@pytest.mark.parametrize("period", ["2019Q1", "2019-03", "2019H1", "2019Q2", "2019"])
def test_the_stock_identity_holds_for_the_district_and_every_town(loaded, period):
    p = Period.parse(period)
    keys = [f"dibao.{w}.{u}" for w in ("opening", "added", "removed") for u in ("households", "persons")]
    keys += ["dibao.households", "dibao.persons"]
    regions = [None] + [Region.objects.get(code=code) for code, _name in TOWNS]
    totals = {}
    for region in regions:
        v = figures.compute(p, region, keys=keys)
        for unit in ("households", "persons"):
            assert (
                v[f"dibao.opening.{unit}"] + v[f"dibao.added.{unit}"] - v[f"dibao.removed.{unit}"]
                == v[f"dibao.{unit}"]
            ), (period, region, unit)
        if region is not None:
            for k in keys:
                totals[k] = totals.get(k, 0) + v[k]
    assert totals == figures.compute(p, None, keys=keys)


def test_every_towns_figures_sum_to_the_districts(loaded, h1_json):
    towns = [figures_json("2019H1", "--region", code) for code, _name in TOWNS]
    additive = [k for k in assistance_keys() if figures.specs()[k].unit in (figures.COUNT, figures.MONEY)]
    for key in additive:
        total = sum(Decimal(str(t[key])) for t in towns)
        assert total == Decimal(str(h1_json[key])), key


def test_one_more_household_moves_exactly_the_figures_it_feeds(loaded):
    period = Period.parse("2019H1")
    keys = assistance_keys()
    before = figures.compute(period, keys=keys)
    towns = list(Region.objects.filter(level=Region.Level.TOWN))
    towns_before = {
        t.name: figures.compute(period, t, keys=["dibao.households"])["dibao.households"] for t in towns
    }
    worker = User.objects.get(username="shicheng")
    chief = User.objects.get(username="chief_assist")
    shicheng = Region.objects.get(level=Region.Level.TOWN, name="石城镇")
    region = Region.objects.filter(level=Region.Level.NATURAL, town=shicheng).order_by("code").first()
    people = [
        Person.objects.create(
            name=name,
            id_number=make_id_number("445381", birth, 101 + i),
            birth_date=birth,
            sex="M" if (101 + i) % 2 else "F",
            region=region,
            town=shicheng,
        )
        for i, (name, birth) in enumerate(
            [("测试户主", D(1970, 5, 1)), ("测试配偶", D(1972, 8, 9)), ("测试子女", D(2005, 2, 3))]
        )
    ]
    household = create_household(
        actor=worker,
        head=people[0],
        region=region,
        area=Area.RURAL,
        income_per_capita=Decimal("200"),
        members=[(people[1], Relation.SPOUSE), (people[2], Relation.CHILD)],
        joined_on=D(2019, 1, 1),
    )
    request = submit(
        actor=worker, program=P.DIBAO, household=household, start_month=D(2019, 3, 1), category="B"
    )
    services.decide_request(actor=chief, request=request, approve=True, comment="同意")
    after = figures.compute(period, keys=keys)
    changed = {k: (before[k], after[k]) for k in keys if before[k] != after[k]}
    assert changed == {
        "dibao.households": (3804, 3805),
        "dibao.rural.households": (3725, 3726),
        "dibao.added.households": (190, 191),
        "dibao.persons": (8475, 8478),
        "dibao.rural.persons": (8369, 8372),
        "dibao.added.persons": (401, 404),
    }
    # Only 石城镇 moves among the towns.
    towns_after = {
        t.name: figures.compute(period, t, keys=["dibao.households"])["dibao.households"] for t in towns
    }
    assert {name: towns_after[name] - towns_before[name] for name in towns_before} == {
        name: 1 if name == "石城镇" else 0 for name in towns_before
    }


def test_the_demo_leaves_the_2019_standards_pending_and_the_back_pay_computable(loaded):
    """The second-half plan: approving the 2019 rural 低保 standard produces the back-pay of the
    months January to June paid at 450."""
    from civaffairs.models import Standard

    pending = Standard.objects.get(program__code=P.DIBAO, category="rural", status="pending")
    owed = payments.compute_backpay(pending)
    assert owed
    assert {month for _row, month, *_rest in owed} == {D(2019, m, 1) for m in range(1, 7)}
    assert all(amount > 0 for *_rest, amount in owed)


def test_the_demo_lives_through_the_services_dated_in_its_half_year(loaded):
    """Deaths, member changes, reviews, a late approval paid as arrears and a correction: the
    risky paths, taken by the demo accounts in the months they belong to."""
    from civaffairs.models import AuditEvent, Coverage, PaymentLine, Payroll, Request

    approved = Request.objects.filter(status="approved", case__program__code=P.DIBAO)
    for kind in (
        Request.Kind.ADD_MEMBER,
        Request.Kind.REMOVE_MEMBER,
        Request.Kind.REVIEW,
        Request.Kind.TERMINATE,
    ):
        assert approved.filter(kind=kind, decided_at__year=2019).exists(), kind
    assert Coverage.objects.filter(ended_by_death=True, end_month__year=2019).count() >= 20
    # Arrears: a household approved after February's payroll is paid February in March.
    arrears = PaymentLine.objects.filter(program__code=P.DIBAO, month=D(2019, 2, 1), paid_month=D(2019, 3, 1))
    assert arrears.exists()
    correction = Payroll.objects.get(kind=Payroll.Kind.CORRECTION, program__code=P.DIBAO)
    assert (correction.status, correction.month) == ("approved", D(2019, 5, 1))
    # Nobody is paid for a month after their death.
    assert not PaymentLine.objects.filter(case__person__death_date__lt=models.F("month")).exists()
    # Each payroll by jiuzhu on the 20th, decided by chief_assist the next day.
    for payroll in Payroll.objects.filter(kind=Payroll.Kind.MONTHLY, program__section="assistance"):
        assert (payroll.created_by.username, payroll.decided_by.username) == ("jiuzhu", "chief_assist")
        assert payroll.created_at.astimezone(TZ).date() == payroll.month.replace(day=20)
    # The history is the district's: nothing of the assistance demo is dated after 2019.
    assistance_accounts = ["jiuzhu", "chief_assist", "shicheng", "liudu"]
    events = AuditEvent.objects.filter(actor__username__in=assistance_accounts).exclude(action="demo.load")
    assert events.filter(at__year__lt=2018).count() == 0
    assert not events.filter(at__year__gt=2019).exists()
