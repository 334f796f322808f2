"""A step refused on the procedure's page, in Chromium: the caseworker is asked to confirm before
saving, and a home visit with one investigator comes back with the reason inside the visit's form
and everything typed still there (issue 11, "nothing typed lost on bad input"); a refused entry
in the relatives register reads in red under its field."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from assistance.models import Stage
from assistance.services import procedure as proc
from tests.browser import chromium_page
from tests.factories import TEST_PASSWORD, ProcedureTown

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TZ = ZoneInfo("Asia/Shanghai")
D = datetime.date


def test_a_refused_visit_keeps_what_was_typed_and_says_why_in_the_form(live_server):
    town = ProcedureTown()
    p = town.accept()
    with time_machine.travel(datetime.datetime(2019, 3, 5, 10, tzinfo=TZ), tick=False):
        proc.record_verification(actor=town.w.town_worker, case=p.case, checks=town.checks(D(2019, 3, 5)))
    p.refresh_from_db()
    assert p.stage == Stage.VISIT
    asked = []

    with (
        time_machine.travel(datetime.datetime(2019, 3, 5, 11, tzinfo=TZ), tick=True),
        chromium_page() as page,
    ):
        page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", town.w.town_worker.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.goto(f"{live_server.url}/assistance/procedures/{p.pk}/")
        form = page.locator("#form-visit")
        form.locator("input[name=investigator_1]").fill("李明")
        form.locator("input[name=income_wage]").fill("300")
        form.locator("textarea[name=living]").fill("房屋破旧，户主患病")
        form.locator("input[name=applicant_signed]").check()
        form.get_by_role("button", name="保存入户调查（家庭经济状况核查表）").click()

        form = page.locator("#form-visit")
        # At the field that is missing: the second investigator.
        expect(form.locator("ul.errorlist:has(+ p #id_investigator_2)")).to_contain_text("至少两名调查人员")
        expect(form.locator("input[name=investigator_1]")).to_have_value("李明")
        expect(form.locator("input[name=income_wage]")).to_have_value("300")
        expect(form.locator("textarea[name=living]")).to_have_value("房屋破旧，户主患病")
        expect(form.locator("input[name=applicant_signed]")).to_be_checked()
        expect(page.locator("#stage")).to_contain_text("入户调查")

        # Adding the second investigator is all it takes.
        form.locator("input[name=investigator_2]").fill("陈村干")
        form.get_by_role("button", name="保存入户调查（家庭经济状况核查表）").click()
        expect(page.locator("#stage")).to_contain_text("民主评议")
        expect(page.locator("#visits")).to_contain_text("工资性收入 300.00")

    assert asked and asked[0].startswith("确定保存入户调查")
    assert p.case.home_visits.count() == 1


def test_a_refused_relative_says_why_in_red_under_the_field(live_server):
    town = ProcedureTown()
    with chromium_page() as page:
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", town.w.town_worker.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.goto(f"{live_server.url}/assistance/relatives/")
        page.fill("#id_id_number", "445303123")
        page.fill("#id_official_name", "张三")
        page.fill("#id_relation", "兄弟")
        page.get_by_role("button", name="备案").click()
        error = page.locator("small.error")
        expect(error).to_have_text("在您的范围内没有该身份证号的人员，请先登记人员")
        expect(error).to_have_css("color", "rgb(176, 0, 32)")
        expect(page.locator("#id_official_name")).to_have_value("张三")
