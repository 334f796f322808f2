"""The welfare journey in real Chromium (Debian's, driven by Playwright): the section's staff
record an inspection with two hazards and report one rectified; the chief approves the closure
and finds the other, overdue, on the home page."""

import pytest
from playwright.sync_api import expect

from civaffairs.models import Institution, Section
from civaffairs.roles import CASEWORKER, CHIEF
from tests.browser import chromium_page
from tests.factories import TEST_PASSWORD, make_user, town
from welfare import services
from welfare.models import Hazard, HazardClosure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_contain_text("工作台")


def log_out(page):
    page.get_by_role("button", name="退出").click()


def test_staff_record_an_inspection_and_the_chief_closes_one_hazard_and_sees_the_other_overdue(live_server):
    staff = make_user(CASEWORKER, section=Section.WELFARE, username="fuli")
    chief = make_user(CHIEF, section=Section.WELFARE, username="chief_welfare")
    home = services.save_institution(
        actor=staff,
        name="六都镇敬老院",
        kind=Institution.Kind.NURSING_HOME,
        region=town("六都镇"),
        capacity=60,
        beds=50,
    )

    with chromium_page() as page:
        page.on("dialog", lambda dialog: dialog.accept())  # the confirmation before deciding
        log_in(page, live_server, "fuli")
        page.locator("header nav").get_by_role("link", name="安全检查", exact=True).click()
        page.get_by_role("link", name="新增").click()
        page.select_option("#id_institution", label="六都镇敬老院")
        page.fill("#id_date", "2019-04-08")
        page.select_option("#id_kind", "lookback")
        page.fill("#id_inspectors", "刘洋、何静、区消防救援大队")
        page.fill("#id_hazard0_description", "部分灭火器压力不足")
        page.fill("#id_hazard0_owner", "院长梁伟")
        page.fill("#id_hazard0_deadline", "2019-05-08")
        page.fill("#id_hazard1_description", "消防通道堆放杂物")
        page.fill("#id_hazard1_owner", "院长梁伟")
        page.fill("#id_hazard1_deadline", "2019-05-08")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("ul.messages")).to_contain_text("检查已登记")
        expect(page.locator("section.hazard")).to_have_count(2)

        first = page.locator("section.hazard", has_text="部分灭火器压力不足")
        first.locator("input[name=rectified_on]").fill("2019-04-30")
        first.locator("input[name=note]").fill("已全部更换灭火器，经复查合格")
        first.get_by_role("button", name="提交整改销号").click()
        expect(page.locator("ul.messages")).to_contain_text("等待股长审批销号")
        expect(page.locator("section.hazard", has_text="部分灭火器压力不足").locator(".status")).to_have_text(
            "待审批销号"
        )
        # The staff member who reported it is offered no decision.
        expect(page.get_by_role("button", name="批准销号")).to_have_count(0)
        log_out(page)

        log_in(page, live_server, "chief_welfare")
        expect(page.locator(".card", has_text="待审批隐患销号")).to_contain_text("1")
        page.locator("header nav").get_by_role("link", name="福利审批", exact=True).click()
        page.get_by_role("link", name="部分灭火器压力不足").first.click()
        closing = page.locator("section.hazard", has_text="部分灭火器压力不足")
        closing.locator("input[name=comment]").fill("同意销号")
        closing.get_by_role("button", name="批准销号").click()
        expect(page.locator("ul.messages")).to_contain_text("已批准")
        expect(
            page.locator("section.hazard", has_text="部分灭火器压力不足").locator(".status")
        ).to_contain_text("已整改销号")

        page.locator("header a.brand").click()
        overdue = page.locator(".card", has_text="逾期未整改安全隐患")
        expect(overdue).to_contain_text("1")
        overdue.get_by_role("link").click()
        expect(page.locator("table.list tbody tr")).to_have_count(1)
        expect(page.locator("table.list tbody")).to_contain_text("消防通道堆放杂物")
        expect(page.locator("table.list tbody")).to_contain_text("整改中")

    closed, still_open = Hazard.objects.filter(institution=home).order_by("id")
    assert (closed.status, still_open.status) == (Hazard.Status.CLOSED, Hazard.Status.OPEN)
    decision = HazardClosure.objects.get(hazard=closed)
    assert (decision.submitted_by, decision.decided_by) == (staff, chief)
