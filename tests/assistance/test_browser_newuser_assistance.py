"""What a new user met in Chromium on the shared screens: one question (确认提交该收款账户变更的
审批结果？) before both 批准 and 驳回, a 复核 form that asked for a per-capita income, and a town
caseworker offered every town in the list filters. The worlds are built through the services."""

import datetime

import pytest
from playwright.sync_api import expect

from assistance import programs as P
from civaffairs import services as core
from civaffairs.models import AccountChange, ApprovalStatus, Household, Request
from tests.browser import chromium_page
from tests.factories import TEST_PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

JAN = datetime.date(2019, 1, 1)


def log_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_contain_text("工作台")


@pytest.fixture
def world():
    w = World()
    w.standard(P.DIBAO, "rural", 450, datetime.date(2018, 1, 1))
    case, _people = w.dibao(2, 200, start=JAN)  # 400 元 a month between two
    w.pay(P.DIBAO, JAN)  # in an approved payroll: an account change waits for the chief
    core.change_payee_account(
        actor=w.town_worker,
        household=case.household,
        bank_name="中国邮政储蓄银行",
        bank_account="6217995810001234567",
        reason="原账户销户",
    )
    return w, case


def test_approve_and_reject_each_ask_their_own_question_naming_the_payee_and_account(live_server, world):
    w, case = world
    head = case.household.head.name
    asked = []
    with chromium_page() as page:
        log_in(page, live_server, w.chief.username)
        page.goto(live_server.url + "/accounts/changes/")
        row = page.locator("#pending-changes tr", has_text=head)
        page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        row.get_by_role("button", name="驳回").click()
        page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
        row.get_by_role("button", name="批准").click()
        expect(page.locator("#pending-changes")).to_have_count(0)
    assert asked[0].startswith(f"确认驳回{head}的收款账户变更？")
    assert "继续使用原账户" in asked[0]
    assert asked[1].startswith(f"确认批准{head}") and "中国邮政储蓄银行 6217*" in asked[1]
    assert "此后生成的发放名册按新账户" in asked[1]
    assert AccountChange.objects.get(household=case.household).status == ApprovalStatus.APPROVED


def test_a_review_states_the_total_income_and_the_chief_sees_the_per_capita(live_server, world):
    w, case = world
    with chromium_page() as page:
        page.on("dialog", lambda d: d.accept())
        log_in(page, live_server, w.town_worker.username)
        page.goto(live_server.url + f"/assistance/cases/{case.pk}/")
        assert page.locator("[id]").evaluate_all(  # one form's label never points into another
            "els => els.length === new Set(els.map(e => e.id)).size"
        )
        form = page.locator("form", has=page.locator("#review_income_total"))
        expect(form).to_contain_text("复核后家庭月总收入（元，调整金额时填写）")
        expect(form).to_contain_text("现登记家庭月总收入 400.00 元")
        form.locator("#review_outcome").select_option(label="收入变化，调整金额")
        form.locator("#review_effective_month").fill("2019-02")
        form.locator("#review_income_total").fill("500")
        form.get_by_role("button", name="提交复核").click()
        expect(page.locator(".messages")).to_contain_text("已提交复核结论")
    review = Request.objects.get(case=case, kind=Request.Kind.REVIEW)
    with chromium_page() as page:
        log_in(page, live_server, w.chief.username)
        page.goto(live_server.url + f"/assistance/requests/{review.pk}/")
        expect(page.locator("#review-income")).to_have_text("500.00 元（按 2 人计，月人均收入 250.00 元）")
    assert Household.objects.get(pk=case.household_id).income_total == 400  # until approved


def test_a_town_caseworker_filters_the_own_town_only(live_server, world):
    w, _case = world
    with chromium_page() as page:
        log_in(page, live_server, w.town_worker.username)
        for url in ("/persons/", "/households/", "/assistance/cases/"):
            page.goto(live_server.url + url)
            expect(page.locator("#id_town option")).to_have_text(["全部", "石城镇"])
