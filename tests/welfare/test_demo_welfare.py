"""Acceptance: the demo's welfare loader, run through welfare's services on the demo's regions
and users, makes `figures 2019H1 --json` print the seed's welfare figures (FIGURES.md); the
towns add up to the district; and one more record moves exactly the figure it feeds.

Only the welfare part of the demo is loaded here (a few seconds): the loader needs regions and
users, and creates the institutions the assistance part would otherwise have created first.
"""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from civaffairs import demo as core_demo
from civaffairs import figures
from civaffairs.idnumber import make_id_number
from civaffairs.models import Institution, Region
from civaffairs.periods import Period
from welfare import demo, services
from welfare.models import Hazard

# FIGURES.md, welfare and social affairs, 2019H1.
SEED = {
    "elderly_care.homes_inspected": 7,
    "marriage.domestic.marriages": 949,
    "marriage.domestic.divorces": 365,
    "marriage.domestic.reissued_marriage_certs": 125,
    "marriage.domestic.reissued_divorce_certs": 27,
    "marriage.foreign.marriages": 30,
    "marriage.foreign.divorces": 2,
    "marriage.foreign.reissued_divorce_certs": 3,
    "marriage.pass_rate": 100,
    "adoption.registrations": 1,
    "funeral.cremations": 735,
    "funeral.cremation_funds": "994700.00",
    "funeral.publicity.broadcasts": 65,
    "funeral.publicity.publications": 16,
    "funeral.publicity.banners": 60,
    "funeral.publicity.posters": 500,
    "funeral.publicity.van_tours": 65,
}
ADDITIVE = [k for k in SEED if k not in ("marriage.pass_rate",)] + ["elderly_care.fire_retrofit_funds"]


@pytest.fixture
def loaded(db):
    core_demo.ensure_reference_data()
    core_demo.load_regions()
    core_demo.load_users()
    demo.load_welfare()


def figures_json(*args):
    out = StringIO()
    call_command("figures", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_demo_prints_the_seeds_welfare_figures(loaded):
    values = figures_json("2019H1")
    assert {k: values[k] for k in SEED} == SEED
    # 已投入消防改造资金460多万元: at least 4.6 million, less than 4.7.
    assert Decimal("4600000") <= Decimal(values["elderly_care.fire_retrofit_funds"]) < Decimal("4700000")
    phrases = figures.compute_records("welfare.facility_projects", Period.parse("2019H1"))
    assert any("救助站" in p and "400平方米" in p and "正在推进图纸设计" in p for p in phrases)
    assert any("90万元" in p for p in phrases)


def test_the_towns_add_up_to_the_district(loaded):
    period = Period.parse("2019H1")
    district = figures.compute(period, keys=ADDITIVE)
    towns = [
        figures.compute(period, t, keys=ADDITIVE) for t in Region.objects.filter(level=Region.Level.TOWN)
    ]
    for key in ADDITIVE:
        assert sum(t[key] for t in towns) == district[key], key


def test_the_demo_leaves_overdue_hazards_and_a_pending_closure_and_milestone(loaded):
    chief = User.objects.get(username="chief_welfare")
    from welfare.selectors import overdue_hazards, pending_counts

    assert overdue_hazards(chief, today=datetime.date(2019, 6, 30)).count() == 3
    assert pending_counts(chief) == {"closures": 1, "milestones": 1}
    assert Hazard.objects.filter(status=Hazard.Status.CLOSED).count() == Hazard.objects.count() - 3


def test_one_more_cremation_moves_the_cremation_figures_and_nothing_else(loaded):
    before = figures.compute(Period.parse("2019H1"), keys=list(SEED))
    staff = User.objects.get(username="fuli")
    services.record_cremation(
        actor=staff,
        deceased_name="梁老伯",
        id_number=make_id_number("445303", datetime.date(1930, 1, 1), 777),
        death_date=datetime.date(2019, 6, 1),
        date=datetime.date(2019, 6, 2),
        local=True,
        town=Institution.objects.first().region,
        funds=1400,
    )
    after = figures.compute(Period.parse("2019H1"), keys=list(SEED))
    assert after["funeral.cremations"] == before["funeral.cremations"] + 1
    assert after["funeral.cremation_funds"] == before["funeral.cremation_funds"] + 1400
    assert {k: v for k, v in after.items() if not k.startswith("funeral.cremation")} == {
        k: v for k, v in before.items() if not k.startswith("funeral.cremation")
    }
