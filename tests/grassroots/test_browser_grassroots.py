"""The grassroots journey in real Chromium: the section's caseworker registers a social
organization (a wrong credit code refused in words, the right one saved); the chief approves the
625 allowance standard, seeing its back-pay; the caseworker computes the back-pay batch and the
chief approves it."""

import contextlib
import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect, sync_playwright

from civaffairs import payments
from civaffairs.models import Program, Section
from civaffairs.roles import CASEWORKER, CHIEF
from grassroots import services
from grassroots.creditcode import make_credit_code
from grassroots.programs import SUPERVISOR, ensure_programs
from tests.browser import CHROMIUM_ARGS
from tests.factories import TEST_PASSWORD, PersonFactory, make_user, village

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

D = datetime.date


@contextlib.contextmanager
def chromium():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_as(browser, live_server, username):
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_contain_text("工作台")
    return page


@pytest.fixture
def world():
    ensure_programs()
    program = Program.objects.get(code=SUPERVISOR)
    staff = make_user(CASEWORKER, section=Section.GRASSROOTS, username="jiceng")
    chief = make_user(CHIEF, section=Section.GRASSROOTS, username="chief_grassroots")
    committee = village("石城镇", name="上洞村")
    old = payments.draft_standard(
        actor=staff, program=program, category="default", amount=Decimal(600), effective_from=D(2018, 1, 1)
    )
    payments.decide_standard(actor=chief, standard=old, approve=True)
    for i, role in enumerate(("chair", "member")):
        services.register_member(
            actor=staff,
            person=PersonFactory(region=committee),
            committee=committee,
            role=role,
            term_start=D(2017, 3, 1),
            bank_name="云浮农商银行",
            bank_account=f"62170000111122{i}3",
        )
    for month in (1, 2, 3):
        payroll = payments.generate_payroll(actor=staff, program=program, month=D(2019, month, 1))
        payments.decide_payroll(actor=chief, payroll=payroll, approve=True)
    raised = payments.draft_standard(
        actor=staff, program=program, category="default", amount=Decimal(625), effective_from=D(2019, 1, 1)
    )
    good = make_credit_code("1", 4321)
    return {"standard": raised.pk, "good": good, "bad": good[:17] + ("0" if good[17] != "0" else "1")}


def test_registering_an_organization_and_approving_the_raise_with_its_back_pay(live_server, world):
    with chromium() as browser:
        page = open_as(browser, live_server, "jiceng")
        page.get_by_role("link", name="基层政权").click()
        page.get_by_role("link", name="社会组织", exact=True).first.click()
        page.get_by_role("link", name="新增").click()
        page.fill("#id_name", "云安区书画协会")
        page.fill("#id_credit_code", world["bad"])
        page.select_option("#id_kind", label="社会团体")
        page.fill("#id_registered_on", "2019-03-01")
        page.fill("#id_legal_representative", "陈志明")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("form.stacked")).to_contain_text("统一社会信用代码校验码错误")
        page.fill("#id_credit_code", world["good"])
        page.get_by_role("button", name="保存").click()
        expect(page.locator("#credit-code")).to_have_text(world["good"])
        expect(page.locator(".messages")).to_contain_text("已登记")
        page.context.close()

        page = open_as(browser, live_server, "chief_grassroots")
        expect(page.locator(".cards").last).to_contain_text("1待审批成员补贴标准")
        page.get_by_role("link", name="基层政权").click()
        page.get_by_role("link", name="补贴标准", exact=True).click()
        page.get_by_role("link", name="625.00").click()
        page.get_by_role("button", name="计算应补发金额").click()  # a background job
        expect(page.locator("#job-message")).to_contain_text("应补发 6 笔")
        page.get_by_role("link", name="查看结果").click()
        expect(page.locator("#backpay-preview")).to_contain_text("6 笔")
        expect(page.locator("#backpay-preview")).to_contain_text("150.00")
        page.get_by_role("button", name="批准").click()
        expect(page.locator("#status")).to_have_text("已批准")
        expect(page.locator(".messages")).to_contain_text("补发提标差额")
        page.context.close()

        page = open_as(browser, live_server, "jiceng")
        page.goto(f"{live_server.url}/grassroots/standards/{world['standard']}/")
        page.get_by_role("button", name="计算补发").click()
        expect(page.locator("#job-status")).to_have_text("已完成")  # a background job's page
        page.get_by_role("link", name="查看结果").click()
        expect(page.locator("#total")).to_have_text("150.00")
        expect(page.locator("#status")).to_contain_text("待审批")
        batch_url = page.url
        page.context.close()

        page = open_as(browser, live_server, "chief_grassroots")
        page.goto(batch_url)
        page.get_by_role("button", name="批准").click()
        expect(page.locator("#status")).to_contain_text("已批准")
        expect(page.get_by_role("link", name="导出银行代发表（身份证号、账号脱敏）")).to_be_visible()
        page.context.close()
