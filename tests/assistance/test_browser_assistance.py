"""Social-assistance journeys in real Chromium (Debian's, driven by Playwright)."""

import contextlib
import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect, sync_playwright

from assistance import programs as P
from assistance import services
from assistance.models import Procedure
from civaffairs import payments
from civaffairs.idnumber import make_id_number
from civaffairs.models import ApprovalStatus, Area, Case, Payroll, Program, Section
from civaffairs.periods import add_months, month_start
from civaffairs.roles import CASEWORKER, CHIEF
from civaffairs.services import register_household
from tests.browser import CHROMIUM_ARGS, pick_village
from tests.factories import TEST_PASSWORD, complete_steps, make_user, submit, village

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@contextlib.contextmanager
def chromium():
    """Debian's Chromium. Database work stays outside this block: while Playwright's event loop
    runs, the ORM would open a second connection that blocks dropping the PostgreSQL test DB."""
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
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation before approving
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_contain_text("工作台")
    return page


@pytest.fixture
def staff():
    return {
        "shicheng": make_user(CASEWORKER, town="石城镇", username="shicheng"),
        "jiuzhu": make_user(CASEWORKER, section=Section.ASSISTANCE, username="jiuzhu"),
        "chief": make_user(CHIEF, section=Section.ASSISTANCE, username="chief_assist"),
    }


def test_a_caseworker_enrols_a_rural_household_and_the_chief_approves_it(live_server, staff):
    place = village("石城镇", name="五星村")
    head = make_id_number("445303", datetime.date(1968, 2, 3), 13)
    wife = make_id_number("445303", datetime.date(1970, 7, 9), 24)
    son = make_id_number("445323", datetime.date(2008, 1, 15), 35)

    received = datetime.date.today() - datetime.timedelta(days=10)  # the notice has run 7 days today
    with chromium() as browser:
        page = open_as(browser, live_server, "shicheng")
        page.locator("header nav").get_by_role("link", name="低保申请", exact=True).click()
        # A new household's application is accepted (受理) into the statutory procedure.
        expect(page.locator("h1")).to_have_text("受理低保申请（新家庭）")
        page.fill("#id_head_name", "梁大华")
        page.fill("#id_head_id_number", head)
        pick_village(page, "id_region", "五星", "石城镇·五星村")
        page.select_option("#id_area", "rural")
        page.fill("#id_income_per_capita", "210")
        page.select_option("#id_category", "B")
        page.fill("#id_received_on", received.isoformat())
        for material in ("申请书", "身份证和户口簿", "家庭经济状况核对授权书", "相关证明材料"):
            page.get_by_label(material, exact=True).check()
        page.fill("#id_reason", "户主患病，家庭收入低于低保标准")
        page.fill("#id_m-0-name", "陈秀兰")
        page.fill("#id_m-0-id_number", wife)
        page.select_option("#id_m-0-relation", "spouse")
        page.fill("#id_m-1-name", "梁小明")
        page.fill("#id_m-1-id_number", son)
        page.select_option("#id_m-1-relation", "child")
        page.get_by_role("button", name="受理").click()
        expect(page.locator("ul.messages")).to_contain_text("已受理梁大华户（3人）的低保申请")
        expect(page.locator("h1")).to_contain_text("梁大华")
        # The submitter is offered no decision.
        expect(page.get_by_role("button", name="批准")).to_have_count(0)
        page.context.close()

        # Not yet for the chief to decide: listed apart as 办理中, at its first step.
        chief = open_as(browser, live_server, "chief_assist")
        ready = chief.locator(".card", has_text="待审批新申请（审核确认各环节已完成）").first
        expect(ready).to_contain_text("0")
        expect(chief.locator(".card", has_text="办理中的新申请").first).to_contain_text("1")
        chief.locator("header nav").get_by_role("link", name="审批", exact=True).click()
        expect(chief.locator("#in-procedure + table")).to_contain_text("家庭经济状况核对")
        # The town's and the district's steps (tests/test_browser_procedure.py clicks them).
        procedure = Procedure.objects.get(case__household__head__id_number=head)
        complete_steps(procedure, actor=staff["shicheng"], chief=staff["chief"])
        chief.goto(live_server.url + "/")
        expect(ready).to_contain_text("1")
        chief.locator("header nav").get_by_role("link", name="审批", exact=True).click()
        chief.locator("#ready-requests tbody a").first.click()
        expect(chief.locator("h1")).to_contain_text("梁大华")
        expect(chief.locator("table.info")).to_contain_text("共 3 人")
        chief.fill("input[name=comment]", "经入户核查，符合条件")
        chief.get_by_role("button", name="批准").click()
        expect(chief.locator("ul.messages")).to_contain_text("已批准")

    case = Case.objects.get(household__head__id_number=head)
    assert case.status == Case.Status.ACTIVE
    assert case.area == Area.RURAL
    assert case.household.region == place
    assert case.start_month == month_start(received)
    assert case.coverages.count() == 3
    assert case.requests.get().decided_by == staff["chief"]


def test_the_chief_approves_a_standard_three_months_back_and_sees_the_back_pay(live_server, staff):
    today = month_start(datetime.date.today())
    effective = add_months(today, -3)
    worker, chief = staff["jiuzhu"], staff["chief"]
    dibao = Program.objects.get(code=P.DIBAO)
    old = payments.draft_standard(
        actor=worker,
        program=dibao,
        category="rural",
        amount=Decimal(450),
        effective_from=add_months(today, -24),
    )
    payments.decide_standard(actor=chief, standard=old, approve=True, comment="同意")
    household = register_household(
        actor=worker,
        region=village("石城镇"),
        area=Area.RURAL,
        income_per_capita=Decimal(200),
        head={"name": "苏大伟", "id_number": make_id_number("445303", datetime.date(1960, 1, 1), 51)},
        members=[
            {
                "name": "苏二妹",
                "id_number": make_id_number("445303", datetime.date(1990, 1, 1), 62),
                "relation": "child",
            }
        ],
        bank_name="云浮农商银行",
        bank_account="6230000000005151",
    )
    request = submit(
        actor=worker, program=dibao, household=household, start_month=add_months(today, -4), category="A"
    )
    services.decide_request(actor=chief, request=request, approve=True, comment="同意")
    for month in (add_months(today, -3), add_months(today, -2), add_months(today, -1)):
        payroll = payments.generate_payroll(actor=worker, program=dibao, month=month)
        payments.decide_payroll(actor=chief, payroll=payroll, approve=True, comment="同意")
    new = payments.draft_standard(
        actor=worker,
        program=dibao,
        category="rural",
        amount=Decimal(490),
        effective_from=effective,
        subsidy_level=Decimal(251),
        document="云安民〔2019〕11号",
    )

    with chromium() as browser:
        page = open_as(browser, live_server, "chief_assist")
        page.locator("header nav").get_by_role("link", name="保障标准", exact=True).click()
        page.get_by_role("link", name=str(new.pk), exact=True).click()
        # The preview runs as a background job: its page, then back to the standard.
        page.get_by_role("button", name="计算应补发金额").click()
        expect(page.locator("#job-status")).to_have_text("已完成")
        expect(page.locator("#job-progress")).to_have_attribute("value", "100")
        page.get_by_role("link", name="查看结果").click()
        # (490 − 200) − (450 − 200) = 40 元 a person, 2 persons, 3 paid months.
        expect(page.locator("#backpay-preview")).to_contain_text("240.00")
        page.fill("input[name=comment]", "区政府已审定")
        page.get_by_role("button", name="批准").click()
        expect(page.locator("ul.messages")).to_contain_text("已发放月份应补发提标差额")
        # The section staff generate the back-pay; the chief approves it.
        page = open_as(browser, live_server, "jiuzhu")
        page.goto(f"{live_server.url}/assistance/standards/{new.pk}/")
        page.get_by_role("button", name="计算补发").click()
        # A background job's page: its outcome, then the link to the batch.
        expect(page.locator("#job-message")).to_contain_text("已生成提标补发 3 笔，合计 240.00 元")
        page.get_by_role("link", name="查看结果").click()
        expect(page.locator("#total")).to_have_text("240.00")
        backpay = Payroll.objects.get(kind=Payroll.Kind.BACKPAY, standard=new)
        page = open_as(browser, live_server, "chief_assist")
        page.goto(f"{live_server.url}/assistance/payrolls/{backpay.pk}/")
        page.fill("input[name=comment]", "同意补发")
        page.get_by_role("button", name="批准").click()
        expect(page.locator("ul.messages")).to_contain_text("名册已批准并锁定")

    new.refresh_from_db()
    assert new.status == ApprovalStatus.APPROVED
    backpay.refresh_from_db()
    assert backpay.total == Decimal("240.00")
    assert (backpay.status, backpay.created_by, backpay.decided_by) == (
        ApprovalStatus.APPROVED,
        worker,
        chief,
    )
    assert sorted(backpay.lines.values_list("month", flat=True)) == [
        add_months(today, -3),
        add_months(today, -2),
        add_months(today, -1),
    ]


def test_a_caseworkers_own_approval_attempt_is_refused(live_server, staff):
    worker = staff["shicheng"]
    household = register_household(
        actor=worker,
        region=village("石城镇"),
        area=Area.RURAL,
        income_per_capita=Decimal(100),
        head={"name": "罗志强", "id_number": make_id_number("445303", datetime.date(1975, 5, 5), 71)},
        members=[],
    )
    request = submit(
        actor=worker,
        program=P.DIBAO,
        household=household,
        start_month=datetime.date(2019, 7, 1),
        category="B",
    )

    with chromium() as browser:
        page = open_as(browser, live_server, "shicheng")
        page.goto(f"{live_server.url}/assistance/requests/{request.pk}/")
        expect(page.locator("#status")).to_have_text("待审批")
        expect(page.get_by_role("button", name="批准")).to_have_count(0)
        # Even a hand-made POST with a valid CSRF token is refused.
        status = page.evaluate(
            """async (url) => {
                const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken=')).split('=')[1];
                const body = new URLSearchParams({decision: 'approve', comment: '自己批准', csrfmiddlewaretoken: token});
                const r = await fetch(url, {method: 'POST', body, headers: {'X-CSRFToken': token}});
                return r.status;
            }""",
            f"{live_server.url}/assistance/requests/{request.pk}/decide/",
        )
    assert status == 403
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert request.decided_by is None
