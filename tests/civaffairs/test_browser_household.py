"""A 石城镇 caseworker registers a household in real Chromium (Debian's, driven by Playwright)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from civaffairs.idnumber import make_id_number
from civaffairs.models import Household
from civaffairs.roles import CASEWORKER
from tests.browser import chromium_page, offered, pick_village
from tests.factories import TEST_PASSWORD, make_user, village

HEAD = ("黄大明", make_id_number("445303", datetime.date(1970, 5, 1), 11))
SPOUSE = ("李秀英", make_id_number("445323", datetime.date(1972, 8, 9), 22))
CHILD = ("黄小明", make_id_number("445303", datetime.date(2005, 3, 3), 31))


@pytest.mark.browser
# live_server needs committed data; serialized_rollback puts back the groups and towns of the data
# migration that the flush after a transactional test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_caseworker_registers_a_household_and_sees_it_listed_masked(live_server):
    make_user(CASEWORKER, town="石城镇", username="shicheng")
    place = village("石城镇", name="上洞村")
    village("六都镇", name="大河村")

    with chromium_page() as page:
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", "shicheng")
        page.fill("#id_password", TEST_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.locator("h1")).to_contain_text("工作台")

        page.locator("header nav").get_by_role("link", name="家庭", exact=True).click()
        expect(page.locator("h1")).to_have_text("家庭")
        page.locator("main").get_by_role("link", name="新增", exact=True).click()
        expect(page.locator("h1")).to_have_text("登记家庭")

        # The picker offers only the own town's villages, each labelled with its town.
        assert offered(page, "id_region", "村") == ["石城镇·上洞村"]

        page.fill("#id_head_name", HEAD[0])
        page.fill("#id_head_id_number", HEAD[1])
        pick_village(page, "id_region", "上洞", "石城镇·上洞村")
        page.select_option("#id_area", "rural")
        page.fill("#id_income_per_capita", "150")
        page.fill("#id_m-0-name", SPOUSE[0])
        page.fill("#id_m-0-id_number", SPOUSE[1])
        page.select_option("#id_m-0-relation", "spouse")
        page.fill("#id_m-1-name", CHILD[0])
        page.fill("#id_m-1-id_number", CHILD[1])
        # No relation is preselected: a forgotten one comes back as an error, the village kept.
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator("#members")).to_contain_text("请选择与户主关系")
        expect(page.locator("#select2-id_region-container")).to_have_text("石城镇·上洞村")
        page.select_option("#id_m-1-relation", "child")
        page.get_by_role("button", name="保存", exact=True).click()

        expect(page.locator("ul.messages")).to_contain_text("已登记黄大明户，共3人。")
        expect(page.locator("h1")).to_have_text("黄大明户")
        expect(page.locator("table.list").first).to_contain_text(SPOUSE[0])

        page.locator("header nav").get_by_role("link", name="家庭", exact=True).click()
        row = page.locator("table tbody tr", has_text=HEAD[0])
        expect(row).to_have_count(1)
        masked = f"{HEAD[1][:6]}********{HEAD[1][-4:]}"
        expect(row).to_contain_text(masked)
        expect(row).to_contain_text("3")  # 在册人数
        html = page.content()
        for _name, number in (HEAD, SPOUSE, CHILD):
            assert number not in html
        assert re.search(r"共\s*1\s*条", page.locator("main").inner_text())

    household = Household.objects.get()
    assert (household.head.id_number, household.members.count(), household.region) == (HEAD[1], 3, place)
