"""Drill-down (issue 9): each figure of the summary's preview links to the records behind it, in
the existing scoped list, and that list shows as many rows as the figure counts."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from assistance import programs as P
from assistance import services
from civaffairs import figures as registry
from civaffairs.periods import Period
from civaffairs.roles import CASEWORKER
from reports import services as report_services
from tests.factories import World, make_user, village
from tests.grassroots.conftest import committee, gr_chief, gr_program, gr_staff, other_committee  # noqa: F401

D = datetime.date
H1 = Period.parse("2019H1")


@pytest.fixture
def world(db):
    """石城镇: two 低保 households from 2018-11, one more from 2019-03, one of the first ended from
    2019-05; a 特困 person from 2019-02. 六都镇: one 低保 household from 2019-02."""
    with time_machine.travel(D(2019, 7, 10), tick=False):
        w = World()
        w.stay, _ = w.dibao(2, "100")
        w.leave, _ = w.dibao(1, "100")
        w.added, _ = w.dibao(3, "100", start=D(2019, 3, 1))
        request = services.submit_termination(
            actor=w.worker, case=w.leave, effective_month=D(2019, 5, 1), reason="收入超标"
        )
        services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
        w.tekun = w.person_case(P.TEKUN, start=D(2019, 2, 1), category=P.DISPERSED)
        # 六都镇, with its own caseworker.
        shicheng_worker, shicheng_village = w.town_worker, w.village
        w.town_worker = make_user(CASEWORKER, town="六都镇", first_name="六都镇经办人")
        w.village = village("六都镇")
        w.liudu, _ = w.dibao(1, "100", start=D(2019, 2, 1))
        w.liudu_worker, w.town_worker, w.village = w.town_worker, shicheng_worker, shicheng_village
        return w


def _count(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.context["table"].paginator.count


@pytest.mark.parametrize(
    "key",
    [
        "dibao.households",
        "dibao.rural.households",
        "dibao.opening.households",
        "dibao.added.households",
        "dibao.removed.households",
        "tekun.persons",
        "tekun.rural.dispersed",
    ],
)
def test_the_list_behind_a_figure_shows_as_many_records_as_it_counts(world, login, director, key):
    value = registry.compute(H1, None, keys=[key])[key]
    url = registry.drilldown_url(key, H1, None, director)
    assert url.startswith("/assistance/cases/?")
    assert _count(login(director), url) == value
    town = world.stay.town
    assert (
        _count(login(director), registry.drilldown_url(key, H1, town, director))
        == (registry.compute(H1, town, keys=[key])[key])
    )


def test_the_figures_are_not_all_zero(world):
    # The counts above compare something: at the end of June 石城 2 (one ended in May) + 六都 1, at
    # the opening 石城 2; added 石城 1 + 六都 1, removed 1.
    values = registry.compute(H1, None, keys=["dibao.households", "dibao.opening.households"])
    assert values == {"dibao.households": 2 + 1, "dibao.opening.households": 2}
    added = registry.compute(H1, None, keys=["dibao.added.households", "dibao.removed.households"])
    assert added == {"dibao.added.households": 2, "dibao.removed.households": 1}


def _drill_links(page):
    return {
        key: unescape(href)
        for href, key in re.findall(r'class="fig drill" href="([^"]+)" data-key="([^"]+)"', page)
    }


def test_the_summary_preview_links_figures_to_their_records(world, login, director):
    summary = report_services.create_summary(actor=director, period="2019H1")
    page = login(director).get(reverse("reports:detail", args=[summary.pk])).content.decode()
    links = _drill_links(page)
    assert "dibao.households" in links
    assert _count(login(director), links["dibao.households"]) == 3
    # Money has no list of its payment lines: it links to the figures page as before.
    assert "dibao.paid" not in links and "#fig-dibao.paid" in page


def test_a_town_caseworker_following_a_link_sees_only_the_own_town_masked(world, login, director):
    url = registry.drilldown_url("dibao.households", H1, None, director)
    c = login(world.liudu_worker)
    response = c.get(url)
    assert response.context["table"].paginator.count == 1
    page = response.content.decode()
    head = world.liudu.household.head
    assert head.masked_id in page and head.id_number not in page
    assert world.stay.household.head.masked_id not in page


def test_the_printed_document_carries_no_links(world, director):
    from reports import exports

    summary = report_services.create_summary(actor=director, period="2019H1")
    html = exports.html_string(exports.prepare(H1, None, summary))
    assert "/assistance/cases/" not in html and "drill" not in html


def test_the_figures_page_links_counts_to_their_records(world, login, director):
    page = login(director).get(reverse("figures"), {"period": "2019H1"}).content.decode()
    assert 'class="drill" href="/assistance/cases/?' in page


def test_a_drilldown_names_only_registered_figures_and_record_lists():
    assert registry.drilldown_keys() <= set(registry.specs()) | set(registry.record_specs())
    assert {"welfare.rescue_station", "happiness.village_names"} <= registry.drilldown_keys()
    with pytest.raises(ValueError):
        registry.drilldown("no.such.figure", may_open=lambda user: True)(lambda *a: "")


@pytest.fixture
def welfare_world(db):
    from tests.welfare.conftest import WelfareWorld

    ww = WelfareWorld()
    ww.marriage(D(2019, 2, 3))
    ww.marriage(D(2019, 5, 6), town=ww.liudu)
    ww.marriage(D(2019, 7, 1))  # the next half-year
    ww.marriage(D(2019, 3, 3), scope="hmt")
    ww.marriage(D(2019, 4, 3), scope="foreign")
    ww.marriage(D(2019, 4, 9), kind="divorce")
    ww.cremation(D(2019, 1, 20))
    ww.cremation(D(2019, 6, 30), place=ww.liudu)
    ww.cremation(D(2019, 6, 2), local=False)
    ww.cremation(D(2018, 12, 31))
    return ww


@pytest.mark.parametrize(
    "key, district",
    [
        ("marriage.domestic.marriages", 2),
        ("marriage.foreign.marriages", 2),
        ("marriage.domestic.divorces", 1),
        ("funeral.cremations", 3),
    ],
)
def test_the_welfare_list_behind_a_figure_shows_as_many_records(
    welfare_world, login, director, key, district
):
    assert registry.compute(H1, None, keys=[key])[key] == district
    assert _count(login(director), registry.drilldown_url(key, H1, None, director)) == district
    town = welfare_world.liudu
    in_town = registry.compute(H1, town, keys=[key])[key]
    assert _count(login(director), registry.drilldown_url(key, H1, town, director)) == in_town


def test_registrations_link_only_for_those_who_may_read_them(welfare_world, director):
    town_worker = make_user(CASEWORKER, town="石城镇")
    assert registry.drilldown_url("marriage.domestic.marriages", H1, None, director)
    assert registry.drilldown_url("marriage.domestic.marriages", H1, None, town_worker) is None
    # The same worker may open the case list (scoped to the own town).
    assert registry.drilldown_url("dibao.households", H1, None, town_worker)


@pytest.fixture
def grassroots_world(gr_staff, committee, other_committee):
    from grassroots import labels as L
    from grassroots import services as gr
    from grassroots.creditcode import make_credit_code
    from grassroots.models import OrgKind, VillageRule
    from tests.factories import natural_village, town

    def org(kind, n, day, t):
        return gr.register_organization(
            actor=gr_staff,
            name=f"组织{n}",
            credit_code=make_credit_code(kind, n),
            kind=kind,
            registered_on=day,
            legal_representative="张三",
            town=town(t),
        )

    org(OrgKind.SOCIAL_GROUP, 1, D(2015, 1, 1), "石城镇")
    org(OrgKind.SOCIAL_GROUP, 2, D(2019, 3, 1), "六都镇")
    org(OrgKind.PRIVATE_NON_ENTERPRISE, 3, D(2019, 8, 1), "石城镇")  # after H1
    gone = org(OrgKind.FOUNDATION, 4, D(2016, 1, 1), "石城镇")
    gr.cancel_organization(actor=gr_staff, org=gone, cancelled_on=D(2019, 6, 30))
    S = VillageRule.Status
    gr.set_village_rule(actor=gr_staff, region=committee, status=S.ADOPTED, status_date=D(2019, 4, 1))
    gr.set_village_rule(actor=gr_staff, region=other_committee, status=S.FILED, status_date=D(2019, 8, 1))
    gr.set_village_rule(
        actor=gr_staff, region=natural_village(committee), status=S.FILED, status_date=D(2019, 5, 1)
    )
    nat = natural_village(committee)
    gr.file_council(actor=gr_staff, name="甲乡贤理事会", village=nat, filed_on=D(2019, 2, 1))
    filed = gr.file_council(actor=gr_staff, name="乙乡贤理事会", village=nat, filed_on=D(2019, 2, 1))
    gr.register_council(
        actor=gr_staff, council=filed, credit_code=make_credit_code("1", 99), registered_on=D(2019, 8, 1)
    )
    gr.register_council(
        actor=gr_staff,
        credit_code=make_credit_code("1", 98),
        registered_on=D(2019, 5, 1),
        name="丙乡贤理事会",
        village=natural_village(other_committee),
    )
    for kind, region, funds, day in [
        (L.SANSHE, committee, 100000, D(2019, 3, 1)),
        (L.SANSHE, other_committee, 120000, D(2019, 9, 1)),
        (L.HAPPINESS, committee, 300000, D(2018, 10, 1)),
        (L.HAPPINESS, other_committee, 300000, D(2019, 2, 1)),
        (L.ELDER_ASSOC_DEMO, committee, 30000, D(2019, 5, 1)),
        (L.ELDER_ASSOC_DEMO, other_committee, 45000, D(2019, 5, 1)),
    ]:
        gr.create_project(actor=gr_staff, kind=kind, region=region, funds=Decimal(funds), started_on=day)


@pytest.mark.parametrize(
    "key, district",
    [
        ("socialorg.total", 2),
        ("socialorg.social_groups", 2),
        ("socialorg.foundations", 0),
        ("village_rules.committees_done", 1),
        ("village_rules.natural_done", 1),
        ("xiangxian.registered", 1),
        ("xiangxian.filed", 2),
        ("sanshe.villages", 1),
        ("happiness.villages", 2),
        ("elder_assoc.demo_sites", 2),
    ],
)
def test_the_grassroots_list_behind_a_figure_shows_as_many_records(
    grassroots_world, login, director, key, district
):
    from tests.factories import town

    assert registry.compute(H1, None, keys=[key])[key] == district
    assert _count(login(director), registry.drilldown_url(key, H1, None, director)) == district
    liudu = town("六都镇")
    in_town = registry.compute(H1, liudu, keys=[key])[key]
    assert _count(login(director), registry.drilldown_url(key, H1, liudu, director)) == in_town


def test_the_project_list_totals_the_funds_a_figure_sums(grassroots_world, login, director):
    value = registry.compute(H1, None, keys=["happiness.funds"])["happiness.funds"]
    response = login(director).get(registry.drilldown_url("happiness.funds", H1, None, director))
    assert value == Decimal("600000") and response.context["summary"] == "资金合计 600,000.00 元"


def test_the_procedure_list_behind_a_figure_shows_as_many_applications(db, login, director):
    from tests.factories import ProcedureTown

    t = ProcedureTown()
    for day in (D(2019, 3, 4), D(2019, 5, 6), D(2019, 7, 8)):
        t.accept(on=day)
    for key in ("procedure.received", "procedure.overdue"):
        value = registry.compute(H1, None, keys=[key])[key]
        response = login(director).get(registry.drilldown_url(key, H1, None, director))
        assert response.context["count"] == value, key
    assert registry.compute(H1, None, keys=["procedure.received"])["procedure.received"] == 2


def test_a_standard_links_to_the_versions_it_is_read_from(world, login, director):
    with time_machine.travel(D(2019, 7, 10), tick=False):
        world.standard(P.DIBAO, "rural", "400", D(2018, 1, 1))
        world.standard(P.DIBAO, "rural", "450", D(2019, 1, 1))
        world.standard(P.DIBAO, "urban", "500", D(2019, 1, 1))
    url = registry.drilldown_url("dibao.rural.standard", H1, None, director)
    response = login(director).get(url)
    amounts = sorted(s.amount for s in response.context["table"].data)
    assert amounts == [400, 450]
    assert registry.compute(H1, None, keys=["dibao.rural.standard"])["dibao.rural.standard"] == 450


def test_the_readme_names_every_figure_without_a_drilldown():
    from pathlib import Path

    from django.conf import settings

    text = Path(settings.BASE_DIR, "README.md").read_text(encoding="utf-8")
    part = re.split(r"Without a\s+drill-down", text, maxsplit=1)[1].split("定稿", 1)[0]
    named = set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", part))
    assert named == set(registry.specs()) - registry.drilldown_keys()
    counts = (
        f"{len(registry.drilldown_keys() & set(registry.specs()))} of the {len(registry.specs())} figures"
    )
    assert counts in " ".join(text.split())


def test_the_links_of_every_figure_cost_a_few_queries(db, director, django_assert_max_num_queries):
    director = type(director).objects.get(pk=director.pk)  # nothing cached on the user
    # The user's permissions and scope, asked once per list (five lists), not once per figure (79).
    with django_assert_max_num_queries(10):
        links = registry.drilldown_urls(H1, None, director)
    assert set(links) == registry.drilldown_keys()
