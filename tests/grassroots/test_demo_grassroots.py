"""Acceptance: after the demo loaders, `figures 2019H1 --json` prints the seed's grassroots figures
(FIGURES.md), the additive ones sum over the towns, and the allowance was paid month by month at 625.

Only the loaders this part needs run (regions, users, programs, grassroots), once for the module,
inside a transaction rolled back at the end."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from civaffairs import demo as core_demo
from civaffairs import figures
from civaffairs.models import ApprovalStatus, PaymentLine, Payroll, Region
from grassroots import demo

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SEED = {
    "antigang.materials": 3500,
    "antigang.clue_forms": 33,
    "supervisor.allowance.standard": 625,
    "supervisor.allowance.standard_previous": 600,
    "socialwork.new_stations": 2,
    "socialwork.new_workers": 8,
    "sanshe.villages": 3,
    "sanshe.funds": "300000.00",
    "rehab.funds": "150000.00",
    "villages.committees": 114,
    "villages.natural": 1178,
    "socialorg.total": 94,
    "socialorg.social_groups": 61,
    "socialorg.private_non_enterprise": 32,
    "socialorg.foundations": 1,
    "elder_assoc.demo_sites": 8,
    "elder_assoc.funds_per_site": "37500.00",
    "xiangxian.registered": 17,
    "xiangxian.filed": 96,
    "happiness.villages": 5,
    "happiness.funds": "1500000.00",
    "community_center.villages": 5,
    "community_center.funds": "1000000.00",
}


@pytest.fixture(scope="module")
def loaded_module(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            core_demo.ensure_reference_data()
            core_demo.load_regions()
            core_demo.load_users()
            demo.ensure_grassroots_programs()
            demo.load_grassroots()
            connection.check_constraints()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def loaded(loaded_module, db):
    pass


def figures_json(*args):
    out = StringIO()
    call_command("figures", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_demo_prints_the_seeds_grassroots_figures(loaded):
    values = figures_json("2019H1")
    assert {k: values[k] for k in SEED} == SEED
    # Not in the seed's text, but what its 逐月发放 adds up to: 342 members × 625 × 6 months.
    assert values["supervisor.members"] == 342
    assert values["supervisor.allowance.paid"] == "1282500.00"


def test_additive_figures_of_the_towns_sum_to_the_districts(loaded):
    district = figures_json("2019H1")
    keys = [
        k
        for k in SEED
        if figures.specs()[k].function.__module__ == "grassroots.figures"
        and figures.specs()[k].unit in (figures.COUNT, figures.MONEY)
        and k != "elder_assoc.funds_per_site"
    ]
    totals = dict.fromkeys(keys, Decimal(0))
    for town in Region.objects.filter(level=Region.Level.TOWN):
        by_town = figures_json("2019H1", "--region", town.code)
        for k in keys:
            totals[k] += Decimal(str(by_town[k]))
    assert {k: Decimal(str(district[k])) for k in keys} == totals


def test_six_monthly_payrolls_paid_every_sitting_member_625(loaded):
    payrolls = Payroll.objects.filter(program__code="supervisor_allowance", kind=Payroll.Kind.MONTHLY)
    assert payrolls.count() == 6
    assert set(payrolls.values_list("status", flat=True)) == {ApprovalStatus.APPROVED}
    lines = PaymentLine.objects.filter(program__code="supervisor_allowance")
    assert set(lines.values_list("amount", flat=True)) == {Decimal("625.00")}
    # Members who resigned on 31 March are paid January to March only.
    from grassroots.models import SupervisorMember

    ended = SupervisorMember.objects.filter(term_end="2019-03-31")
    assert ended.count() == demo.RESIGNED
    for m in ended:
        assert sorted(lines.filter(case=m.case).values_list("month", flat=True))[-1].month == 3


def test_the_summary_phrases_come_from_the_records(loaded):
    from civaffairs.periods import Period

    h1 = Period.parse("2019H1")
    assert figures.compute_records("sanshe.village_names", h1) == [
        "六都镇大河村",
        "石城镇上洞村",
        "镇安镇石坳村",
    ]
    assert figures.compute_records("happiness.village_names", h1) == [
        "富林镇民主村",
        "富林镇寨塘村",
        "石城镇五星村",
        "镇安镇幌伞村",
        "六都镇六都村",
    ]
    assert figures.compute_records("rehab.site_names", h1) == ["区福利中心", "镇安镇河西村", "镇安镇河东村"]
    # 在原富林镇社工站的基础上，继续在六都镇和石城镇建设2个社工服务站
    assert figures.compute_records("socialwork.earlier_stations", h1) == ["富林镇社工站"]
    assert figures.compute_records("socialwork.new_station_towns", h1) == ["六都镇", "石城镇"]
    assert figures.compute_records("socialwork.new_station_towns", Period.parse("2019Q1")) == ["六都镇"]


def test_the_first_quarter_is_a_different_count(loaded):
    q1 = figures_json("2019Q1")
    assert q1["socialwork.new_stations"] == 1  # 六都 in March; 石城 in April
    assert q1["socialwork.new_workers"] == 0
    assert q1["antigang.clue_forms"] == 0
