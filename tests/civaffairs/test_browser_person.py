"""A district caseworker registers a person in one of two villages of the same name, in real
Chromium (Debian's, driven by Playwright)."""

import datetime

import pytest
from playwright.sync_api import expect

from civaffairs.idnumber import make_id_number
from civaffairs.models import Person, Section
from civaffairs.roles import CASEWORKER
from tests.browser import chromium_page, offered, pick_village
from tests.factories import TEST_PASSWORD, make_user, village

NUMBER = make_id_number("445303", datetime.date(1958, 4, 2), 17)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_caseworker_picks_a_village_by_typing_part_of_its_name_and_saves(live_server):
    make_user(CASEWORKER, section=Section.ASSISTANCE, username="jiuzhu")
    village("石城镇", name="新水村")
    place = village("六都镇", name="新水村")

    with chromium_page() as page:
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", "jiuzhu")
        page.fill("#id_password", TEST_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.goto(live_server.url + "/persons/new/")
        expect(page.locator("h1")).to_have_text("登记人员")

        # Two villages named 新水村, told apart by their towns.
        assert sorted(offered(page, "id_region", "新水")) == ["六都镇·新水村", "石城镇·新水村"]

        page.fill("#id_name", "罗桂英")
        page.fill("#id_id_number", NUMBER)
        pick_village(page, "id_region", "新水", "六都镇·新水村")
        page.get_by_role("button", name="保存", exact=True).click()

        expect(page.locator("ul.messages")).to_contain_text("已登记罗桂英。")
        expect(page.locator("table.info")).to_contain_text("六都镇·新水村")

    person = Person.objects.get()
    assert (person.region, person.town.name) == (place, "六都镇")
