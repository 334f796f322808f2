"""What a new user met on the welfare and grassroots screens of the demo district: the section's
staff offered social assistance's to-dos (死亡未核减, 逾期未复核) on their home page, and lists
with 未知 and ISO dates. The worlds are built through the services."""

import datetime

import pytest

from civaffairs.models import Section
from civaffairs.roles import CASEWORKER
from tests.factories import make_user

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("section", [Section.WELFARE, Section.GRASSROOTS])
def test_other_sections_staff_are_not_given_social_assistance_to_dos(section, login):
    staff = make_user(CASEWORKER, section=section, username=f"staff_{section}")
    page = login(staff).get("/").content.decode()
    for label in ("有已死亡人员未核减", "逾期未复核", "30天内到期复核", "被驳回的申请"):
        assert label not in page


def test_assistance_and_town_caseworkers_keep_their_to_dos(caseworker, login):
    page = login(caseworker).get("/").content.decode()
    assert "逾期未复核" in page and "有已死亡人员未核减" in page


def test_the_hazard_list_writes_dates_in_chinese_and_offers_all_yes_no(ww, login):
    home = ww.home()
    ww.inspect(home, D(2019, 3, 11), hazards=[("消防通道堆放杂物", D(2019, 4, 10))])
    html = login(ww.chief).get("/welfare/hazards/").content.decode()
    assert "2019年4月10日" in html and "2019-04-10" not in html
    assert "未知" not in html and "---------" not in html


def test_the_welfare_section_sees_who_lives_in_its_institutions(ww, login):
    """特困 集中供养 cases are 社会救助股's, but the section that runs the homes sees the residents
    (names and masked numbers) and may open their pages."""
    from assistance import programs as P
    from tests.factories import World

    home = ww.home()
    w = World()
    w.standard(P.TEKUN, "rural", 784, D(2018, 1, 1))
    case = w.person_case(P.TEKUN, start=D(2019, 1, 1), category=P.CENTRALIZED, institution=home)
    for user in (ww.staff, ww.chief):
        client = login(user)
        page = client.get(f"/welfare/institutions/{home.pk}/", {"on": "2019-06-30"})
        assert [c.pk for c in page.context["residents"]] == [case.pk]
        html = page.content.decode()
        assert case.person.name in html and case.person.masked_id in html
        assert case.person.id_number not in html
        assert client.get(f"/persons/{case.person_id}/").status_code == 200
    # The case itself stays 社会救助股's.
    from civaffairs.selectors import cases_for

    assert not cases_for(ww.chief).filter(pk=case.pk).exists()


def test_the_directors_desk_counts_welfares_approvals_and_open_hazards(ww, director, login):
    from welfare import services

    home = ww.home()
    inspection = ww.inspect(
        home, D(2019, 3, 11), hazards=[("消防通道堆放杂物", D(2019, 4, 10)), ("灭火器过期", D(2099, 1, 1))]
    )
    first = inspection.hazards.order_by("pk").first()
    services.submit_hazard_closure(actor=ww.staff, hazard=first, rectified_on=D(2019, 4, 1), note="已清理")
    page = login(director).get("/").content.decode()
    assert '<a href="/welfare/hazards/?status=closing">待审批隐患销号：1</a>' in page
    assert "未销号安全隐患：2" in page and "其中逾期未整改：1" in page


def test_every_welfare_list_leads_to_hazards_and_retrofits(ww, director, login):
    for user in (ww.staff, ww.chief, director):
        client = login(user)
        for url in ("/welfare/institutions/", "/welfare/inspections/", "/welfare/marriages/"):
            html = client.get(url).content.decode()
            assert 'href="/welfare/hazards/">安全隐患</a>' in html, (user, url)
            assert 'href="/welfare/retrofits/">消防改造</a>' in html
    assert 'href="/welfare/inbox/">福利审批</a>' in login(ww.chief).get("/welfare/hazards/").content.decode()
