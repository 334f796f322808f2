"""A 石城镇 caseworker changes the head of a household whose head has died, in real Chromium."""

import datetime

import pytest
from playwright.sync_api import expect

from civaffairs import services as core
from civaffairs.idnumber import make_id_number
from civaffairs.models import Area, Household, Relation
from civaffairs.roles import CASEWORKER
from tests.browser import chromium_page
from tests.factories import TEST_PASSWORD, make_user, village

D = datetime.date


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_caseworker_changes_the_head_after_the_heads_death(live_server):
    worker = make_user(CASEWORKER, town="石城镇", username="shicheng")
    place = village("石城镇", name="上洞村")
    head, spouse = (
        core.create_person(actor=worker, name=name, id_number=make_id_number("445303", born, n), region=place)
        for name, born, n in (("黄大明", D(1950, 5, 1), 11), ("李秀英", D(1952, 8, 9), 22))
    )
    household = core.create_household(
        actor=worker,
        head=head,
        region=place,
        area=Area.RURAL,
        members=[(spouse, Relation.SPOUSE)],
        joined_on=D(2018, 1, 1),
    )
    head = core.update_person(
        actor=worker, person=head, expected_version=head.version, death_date=D(2019, 1, 20)
    )
    url = f"{live_server.url}/households/{household.pk}/"

    with chromium_page() as page:
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", "shicheng")
        page.fill("#id_password", TEST_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.locator("h1")).to_contain_text("工作台")

        page.goto(url)
        expect(page.locator("#household-head")).to_contain_text("户主已于2019年1月20日死亡")
        page.locator("main").get_by_role("link", name="变更户主", exact=True).first.click()
        expect(page.locator("h1")).to_have_text("变更户主：黄大明户")
        page.select_option("#id_new_head", label=f"李秀英（{spouse.masked_id}）")
        page.select_option("#id_old_head_relation", "spouse")
        page.fill("#id_on", "2019-01-25")
        page.get_by_role("button", name="确认变更户主", exact=True).click()

        expect(page.locator("ul.messages")).to_contain_text("已将户主由黄大明变更为李秀英。")
        expect(page.locator("h1")).to_have_text("李秀英户")
        expect(page.locator("#household-head")).to_have_text("李秀英")

    assert Household.objects.get().head == spouse
