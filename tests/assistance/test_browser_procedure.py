"""Issue 11 in real Chromium, through the steps of one household from acceptance to approval: the
town caseworker accepts the application (with a scan), records the verification, the home visit
and the appraisal; the town reviewer gives the opinion; the chief draws the month's spot check,
sees the application sampled, records the district's visit and starts the notice; approval is
refused on the notice's 6th day and allowed on its 8th."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from assistance import programs as P
from assistance.models import Procedure, Stage
from civaffairs import services as core
from civaffairs.models import Area, Case, Relation
from civaffairs.roles import TOWN_REVIEWER
from tests.browser import chromium_page
from tests.factories import TEST_PASSWORD, World, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TZ = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def on(day, hour=9):
    return time_machine.travel(datetime.datetime(2019, 3, day, hour, tzinfo=TZ), tick=True)


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
    reviewer = make_user(TOWN_REVIEWER, town="石城镇", first_name="石城镇民政办负责人")
    head, child = w.person(name="邓桂芳"), w.person(name="邓小明")
    household = core.create_household(
        actor=w.town_worker,
        head=head,
        region=w.village,
        area=Area.RURAL,
        income_per_capita=Decimal("150"),
        members=[(child, Relation.CHILD)],
        joined_on=datetime.date(2018, 1, 1),
        bank_name="云浮农商银行",
        bank_account="6230000000000001",
    )
    return w, reviewer, household


def test_one_household_from_acceptance_to_approval(live_server, world, tmp_path):
    w, reviewer, household = world
    scan = tmp_path / "申请书.pdf"
    scan.write_bytes(PDF)
    url = live_server.url

    with on(4), chromium_page() as page:
        # The town caseworker accepts the application, then records verification, visit, appraisal.
        log_in(page, live_server, w.town_worker.username)
        page.goto(f"{url}/households/{household.pk}/")
        page.get_by_role("link", name="受理低保申请（审核确认程序）").click()
        page.fill("#id_received_on", "2019-03-04")
        for label in ("申请书", "身份证和户口簿", "家庭经济状况核对授权书", "相关证明材料"):
            page.get_by_label(label, exact=True).check()
        page.fill("#id_income", "150")
        page.set_input_files("#id_scan_application", str(scan))
        page.get_by_role("button", name="保存").click()
        expect(page.locator("ul.messages")).to_contain_text("已受理")
        expect(page.locator("#stage")).to_contain_text("家庭经济状况核对，办理期限 2019年3月25日")
        expect(page.locator("#attachments")).to_contain_text("申请书.pdf")
        procedure_url = page.url

        form = page.locator("#form-verification")
        for item in ("deposits", "vehicles", "real_estate", "business", "pension", "insurance"):
            form.locator(f"select[name={item}_verdict]").select_option("pass")
        form.locator("input[name=deposits_amount]").fill("1200")
        form.get_by_role("button", name="保存家庭经济状况核对").click()
        expect(page.locator("#stage")).to_contain_text("入户调查")
        expect(page.locator("#checks")).to_contain_text("1,200.00")

        form = page.locator("#form-visit")
        form.locator("input[name=visited_on]").fill("2019-03-04")
        form.locator("input[name=investigator_1]").fill("李明")
        form.locator("input[name=investigator_2]").fill("陈村干")
        form.locator("input[name=income_wage]").fill("300")
        form.locator("textarea[name=living]").fill("房屋破旧，户主患病")
        form.locator("input[name=applicant_signed]").check()
        form.get_by_role("button", name="保存入户调查（家庭经济状况核查表）").click()
        expect(page.locator("#stage")).to_contain_text("民主评议")

        form = page.locator("#form-appraisal")
        form.locator("input[name=held_on]").fill("2019-03-04")
        form.locator("input[name=due]").fill("9")
        form.locator("input[name=attended]").fill("5")
        form.locator("input[name=agreed]").fill("5")
        form.locator("textarea[name=minutes]").fill("村民代表评议")
        form.get_by_role("button", name="保存民主评议").click()
        expect(page.locator("ul.messages")).to_contain_text("三分之二以上应到人员参加")
        form = page.locator("#form-appraisal")
        form.locator("input[name=held_on]").fill("2019-03-04")
        form.locator("input[name=due]").fill("9")
        form.locator("input[name=attended]").fill("7")
        form.locator("input[name=agreed]").fill("6")
        form.locator("textarea[name=minutes]").fill("村民代表评议，同意纳入")
        form.get_by_role("button", name="保存民主评议").click()
        expect(page.locator("#stage")).to_contain_text("镇审核")

    with on(5), chromium_page() as page:
        # The town reviewer finds it on the home page and gives the opinion.
        log_in(page, live_server, reviewer.username)
        page.goto(procedure_url)
        form = page.locator("#form-town_review")
        form.locator("select[name=recommends]").select_option("yes")
        form.locator("textarea[name=opinion]").fill("经核查情况属实，建议批准")
        form.get_by_role("button", name="保存镇审核意见").click()
        expect(page.locator("#town-opinion")).to_contain_text("建议批准：经核查情况属实")
        expect(page.locator("#stage")).to_contain_text("区审批（抽查）")

    with on(6), chromium_page() as page:
        # The chief draws the month's sample, sees it sampled, visits, starts the notice.
        log_in(page, live_server, w.chief.username)
        page.goto(f"{url}/assistance/spot-checks/")
        page.fill("#id_month", "2019-03")
        page.fill("#id_seed", "20190306")
        page.get_by_role("button", name="抽取").click()
        expect(page.locator("ul.messages")).to_contain_text("1件中随机抽中1件")
        page.goto(procedure_url)
        expect(page.locator("#sampled")).to_contain_text("抽中")
        form = page.locator("#form-notice")
        form.locator("input[name=starts_on]").fill("2019-03-06")
        form.locator("input[name=ends_on]").fill("2019-03-12")
        form.get_by_role("button", name="保存发布公示（不少于7天）").click()
        expect(page.locator("ul.messages")).to_contain_text("须先记录区级入户核查")
        form = page.locator("#form-district_visit")
        form.locator("input[name=visited_on]").fill("2019-03-06")
        form.locator("input[name=investigator_1]").fill("张强")
        form.locator("input[name=investigator_2]").fill("黄伟")
        form.locator("input[name=applicant_signed]").check()
        form.get_by_role("button", name="保存区级抽查入户核查").click()
        expect(page.locator("#visits")).to_contain_text("区级抽查入户")
        form = page.locator("#form-notice")
        form.locator("input[name=starts_on]").fill("2019-03-06")
        form.locator("input[name=ends_on]").fill("2019-03-12")
        # What approval would pay, shown and not typed: the notice cannot understate it.
        expect(form.locator("input[name=amount]")).to_have_value("600.00")
        expect(form.locator("input[name=amount]")).to_be_disabled()
        form.get_by_role("button", name="保存发布公示（不少于7天）").click()
        expect(page.locator("#stage")).to_contain_text("公示")
        expect(page.locator("#notices")).to_contain_text("2019年3月6日—2019年3月12日")

    with on(11), chromium_page() as page:
        # Day 6 of the notice: refused.
        log_in(page, live_server, w.chief.username)
        page.goto(procedure_url)
        page.get_by_role("link", name="查看申请").click()
        expect(page.locator("#procedure")).to_contain_text("公示须满7天")
        page.get_by_role("button", name="批准").click()
        expect(page.locator("ul.messages")).to_contain_text("审批失败：不能批准：公示须满7天")
        expect(page.locator("#status")).to_have_text("待审批")

    with on(13), chromium_page() as page:
        # Day 8: allowed; the certificate number is issued.
        log_in(page, live_server, w.chief.username)
        page.goto(procedure_url)
        page.get_by_role("link", name="查看申请").click()
        page.get_by_role("button", name="批准").click()
        expect(page.locator("ul.messages")).to_contain_text("已批准")
        page.goto(procedure_url)
        expect(page.locator("#stage")).to_contain_text("已批准")
        expect(page.locator("#certificate")).to_contain_text("DB445303105")

    procedure = Procedure.objects.get()
    assert procedure.stage == Stage.APPROVED and procedure.decided_on == datetime.date(2019, 3, 13)
    case = Case.objects.get(pk=procedure.case_id)
    assert case.status == Case.Status.ACTIVE and case.start_month == datetime.date(2019, 3, 1)
    assert case.home_visits.filter(district=True).count() == 1 and case.attachments.count() == 1
