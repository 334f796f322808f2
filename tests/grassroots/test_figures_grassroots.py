"""Grassroots figures against hand counts of a small world built through the services."""

import datetime
from decimal import Decimal

import pytest

from civaffairs import figures
from civaffairs.models import Project
from civaffairs.periods import Period
from grassroots import labels as L
from grassroots import services
from grassroots.creditcode import make_credit_code
from grassroots.models import OrgKind
from tests.factories import natural_village, town

D = datetime.date
H1, H2, Q1 = Period.parse("2019H1"), Period.parse("2019H2"), Period.parse("2019Q1")


def values(period, region=None):
    keys = [k for k, s in figures.specs().items() if s.function.__module__ == "grassroots.figures"]
    return figures.compute(period, region, keys=keys)


@pytest.fixture
def world(gr_staff, gr_chief, committee, other_committee):
    s = gr_staff
    org = lambda kind, n, day, t, **kw: services.register_organization(  # noqa: E731
        actor=s,
        name=f"组织{n}",
        credit_code=make_credit_code(kind, n),
        kind=kind,
        registered_on=day,
        legal_representative="张三",
        town=town(t),
        **kw,
    )
    org(OrgKind.SOCIAL_GROUP, 1, D(2015, 1, 1), "石城镇")
    org(OrgKind.SOCIAL_GROUP, 2, D(2019, 3, 1), "六都镇")
    org(OrgKind.PRIVATE_NON_ENTERPRISE, 3, D(2019, 8, 1), "石城镇")  # after H1
    gone = org(OrgKind.FOUNDATION, 4, D(2016, 1, 1), "石城镇")
    services.cancel_organization(actor=s, org=gone, cancelled_on=D(2019, 6, 30))  # gone on 30 June
    nat = natural_village(committee)
    services.file_council(actor=s, name="甲乡贤理事会", village=nat, filed_on=D(2019, 2, 1))
    filed = services.file_council(actor=s, name="乙乡贤理事会", village=nat, filed_on=D(2019, 2, 1))
    services.register_council(
        actor=s, council=filed, credit_code=make_credit_code("1", 99), registered_on=D(2019, 8, 1)
    )
    services.register_council(
        actor=s,
        credit_code=make_credit_code("1", 98),
        registered_on=D(2019, 5, 1),
        name="丙乡贤理事会",
        village=natural_village(other_committee),
    )
    station = services.create_station(
        actor=s, name="石城镇社工站", town=town("石城镇"), established_on=D(2019, 4, 1)
    )
    services.create_station(actor=s, name="六都镇社工站", town=town("六都镇"), established_on=D(2018, 4, 1))
    services.recruit_worker(
        actor=s, station=station, name="李四", hired_on=D(2019, 6, 1), starts_on=D(2019, 7, 1)
    )
    services.recruit_worker(actor=s, station=station, name="王五", hired_on=D(2019, 7, 2))
    for kind, region, funds, day in [
        (L.SANSHE, committee, 100000, D(2019, 3, 1)),
        (L.SANSHE, other_committee, 120000, D(2019, 9, 1)),
        (L.HAPPINESS, committee, 300000, D(2018, 10, 1)),
        (L.HAPPINESS, other_committee, 300000, D(2019, 2, 1)),
        (L.ELDER_ASSOC_DEMO, committee, 30000, D(2019, 5, 1)),
        (L.ELDER_ASSOC_DEMO, other_committee, 45000, D(2019, 5, 1)),
        (L.REHAB, town("石城镇"), 50000, D(2019, 4, 1)),
    ]:
        services.create_project(actor=s, kind=kind, region=region, funds=Decimal(funds), started_on=day)
    services.record_publicity(actor=s, quantity=300, date=D(2019, 3, 1), region=town("石城镇"))
    services.record_publicity(actor=s, quantity=200, date=D(2019, 4, 1), region=other_committee)
    services.record_publicity(actor=s, quantity=50, date=D(2019, 7, 1), region=town("石城镇"))
    services.record_clue(actor=s, village=committee, received_on=D(2019, 4, 1), summary="无")
    services.record_clue(actor=s, village=other_committee, received_on=D(2019, 6, 30), summary="无")


def test_h1_district_figures_are_the_hand_counts(world):
    v = values(H1)
    assert v["socialorg.total"] == 2 and v["socialorg.social_groups"] == 2
    assert v["socialorg.private_non_enterprise"] == 0 and v["socialorg.foundations"] == 0
    assert (v["xiangxian.registered"], v["xiangxian.filed"]) == (1, 2)
    assert (v["socialwork.new_stations"], v["socialwork.new_workers"]) == (1, 1)
    assert (v["sanshe.villages"], v["sanshe.funds"]) == (1, Decimal("100000.00"))
    assert (v["happiness.villages"], v["happiness.funds"]) == (2, Decimal("600000.00"))
    assert (v["elder_assoc.demo_sites"], v["elder_assoc.funds_per_site"]) == (2, Decimal("37500.00"))
    assert v["rehab.funds"] == Decimal("50000.00")
    assert (v["antigang.materials"], v["antigang.clue_forms"]) == (500, 2)


def test_a_town_sees_its_own(world, committee):
    v = values(H1, committee.town)  # 石城镇
    assert v["socialorg.total"] == 1
    assert v["antigang.materials"] == 300
    assert v["happiness.villages"] == 1
    assert v["rehab.funds"] == Decimal("50000.00")
    assert (v["xiangxian.registered"], v["xiangxian.filed"]) == (0, 2)


def test_other_periods_count_other_things(world):
    h2 = values(H2)
    assert h2["socialorg.total"] == 3 and h2["socialorg.private_non_enterprise"] == 1
    assert (h2["xiangxian.registered"], h2["xiangxian.filed"]) == (2, 1)
    assert (h2["sanshe.villages"], h2["sanshe.funds"]) == (1, Decimal("120000.00"))
    assert h2["socialwork.new_workers"] == 1
    q1 = values(Q1)
    assert q1["socialorg.foundations"] == 1  # not yet cancelled in March
    assert q1["elder_assoc.demo_sites"] == 0 and q1["elder_assoc.funds_per_site"] == Decimal("0.00")


def test_a_finished_project_still_counts(world, gr_staff):
    project = Project.objects.filter(kind=L.HAPPINESS).first()
    services.set_project_status(actor=gr_staff, project=project, status=Project.Status.IN_PROGRESS)
    assert values(H1)["happiness.villages"] == 2


def test_the_allowance_standard_figures_follow_the_standards(gr_staff, gr_chief, gr_program):
    from civaffairs import payments

    old = payments.draft_standard(
        actor=gr_staff, program=gr_program, category="default", amount=600, effective_from=D(2018, 1, 1)
    )
    payments.decide_standard(actor=gr_chief, standard=old, approve=True)
    payments.draft_standard(
        actor=gr_staff, program=gr_program, category="default", amount=625, effective_from=D(2019, 1, 1)
    )
    v = values(H1)
    assert (v["supervisor.allowance.standard"], v["supervisor.allowance.standard_previous"]) == (625, 600)
    v = values(Period.parse("2018"))
    assert (v["supervisor.allowance.standard"], v["supervisor.allowance.standard_previous"]) == (600, None)
