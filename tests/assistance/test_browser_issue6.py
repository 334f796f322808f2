"""Issue #6 in real Chromium, as the people do it: a town caseworker changes the account of a
低保 household that is in a payroll and submits 增人 with the household's new total income; the
section chief finds both on the home page and the inbox, sees what the change does to the
income, and approves them."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from assistance import programs as P
from civaffairs import services as core
from civaffairs.models import AccountChange, ApprovalStatus, Household, Relation, Request
from tests.browser import chromium_page
from tests.factories import TEST_PASSWORD, World, id_number_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

JAN = datetime.date(2019, 1, 1)


def log_in(page, live_server, username):
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations before submitting
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
    core.register_member(
        actor=w.town_worker,
        household=case.household,
        name="邱小宝",
        id_number=id_number_for(9001),
        relation=Relation.CHILD,
        joined_on=datetime.date(2019, 2, 1),
    )
    return w, case


def test_a_caseworker_changes_the_account_and_adds_a_member_with_income_and_the_chief_approves(
    live_server, world
):
    w, case = world
    household, head = case.household_id, case.household.head.name
    worker, chief = w.town_worker.username, w.chief.username

    with chromium_page() as page:
        log_in(page, live_server, worker)
        page.goto(f"{live_server.url}/households/{household}/")
        page.locator("#payee-account").get_by_role("link", name="变更收款账户").click()
        expect(page.locator("h1")).to_have_text(f"变更收款账户：{head}户")
        page.fill("#id_bank_name", "中国邮政储蓄银行")
        page.fill("#id_bank_account", "6217 9958 1000 1234 567")
        page.fill("#id_reason", "原账户销户")
        page.get_by_role("button", name="提交").click()
        expect(page.locator("ul.messages")).to_contain_text("已提交股长审批")
        expect(page.locator("#pending-account")).to_contain_text("变更待股长审批：中国邮政储蓄银行")

        page.goto(f"{live_server.url}/assistance/cases/{case.pk}/")
        member = page.locator("form[action$='/member/']")
        member.locator("select[name=change]").select_option("add")
        member.locator("select[name=person]").select_option(label="邱小宝（未纳入保障，可增人）")
        member.locator("input[name=effective_month]").fill("2019-02")
        member.locator("input[name=income_total]").fill("900")
        member.locator("input[name=reason]").fill("新生儿随户，户主务工收入增加")
        member.get_by_role("button", name="提交").click()
        expect(page.locator("ul.messages")).to_contain_text("已提交增人申请（邱小宝）")

    with chromium_page() as page:
        log_in(page, live_server, chief)
        card = page.locator(".card", has_text="待审批收款账户变更")
        expect(card).to_contain_text("1")
        card.get_by_role("link").click()
        expect(page.locator("h1")).to_have_text("收款账户变更审批")
        row = page.locator("#pending-changes tr", has_text=f"{head}户")
        row.locator("input[name=comment]").fill("核对银行卡复印件无误")
        row.get_by_role("button", name="批准").click()
        expect(page.locator("ul.messages")).to_contain_text(f"已批准{head}的收款账户变更")

        page.locator("header nav").get_by_role("link", name="审批", exact=True).click()
        expect(page.locator("#inbox-account-changes")).to_contain_text("没有待审批的收款账户变更")
        page.locator("#ready-requests tr", has_text="增人").get_by_role("link").first.click()
        expect(page.locator("h1")).to_contain_text("增人")
        expect(page.locator("#member-income")).to_have_text(
            "900.00 元（现登记 400.00 元）；批准后按 3 人计，月人均收入 300.00 元"
        )
        page.fill("input[name=comment]", "经入户核查，同意")
        page.get_by_role("button", name="批准").click()
        expect(page.locator("ul.messages")).to_contain_text("已批准：增人")

    change = AccountChange.objects.get(status="approved", household__isnull=False)
    assert change.status == ApprovalStatus.APPROVED and change.decided_by == w.chief
    after = Household.objects.get(pk=household)
    assert after.bank_account == "6217995810001234567"
    assert (after.income_total, after.income_per_capita) == (Decimal("900.00"), Decimal("300.00"))
    request = Request.objects.get(kind=Request.Kind.ADD_MEMBER)
    assert request.status == ApprovalStatus.APPROVED and request.decided_by == w.chief
