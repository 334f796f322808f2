"""Screens a chief and a caseworker can trust: every amount as 1,996,160.00 (never SQLite's
1996160.000000000000), people by name (陈志明, not `shicheng`), and labels, not codes (农村, not
`rural`). The worlds are built through the services, as the people would build them."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assistance import programs as P
from assistance import services
from civaffairs import payments
from civaffairs.models import Payroll, Program, Section
from civaffairs.roles import CASEWORKER, CHIEF, DIRECTOR
from tests.factories import HouseholdFactory, make_user, submit

D = datetime.date
JAN, FEB, MAR = D(2019, 1, 1), D(2019, 2, 1), D(2019, 3, 1)
LAST_YEAR = D(2018, 1, 1)

# A long run of digits after the point, as SQLite hands back a Sum(): 1996160.000000000000.
RAW_DECIMAL = re.compile(r"\d\.\d{3,}")


@pytest.fixture
def people(shicheng):
    return {
        "town": make_user(CASEWORKER, town=shicheng, username="shicheng", last_name="陈", first_name="志明"),
        "section": make_user(
            CASEWORKER, section=Section.ASSISTANCE, username="jiuzhu", last_name="黄", first_name="伟"
        ),
        "chief": make_user(
            CHIEF, section=Section.ASSISTANCE, username="chief_assist", last_name="张", first_name="强"
        ),
        "director": make_user(DIRECTOR, username="director", last_name="陆", first_name="德良"),
    }


def approved_standard(people, amount, effective_from=LAST_YEAR):
    standard = payments.draft_standard(
        actor=people["section"],
        program=P.DIBAO,
        category="rural",
        amount=Decimal(amount),
        effective_from=effective_from,
        document="云安民〔2018〕1号",
    )
    payments.decide_standard(actor=people["chief"], standard=standard, approve=True, comment="同意")
    return standard


def enrolled(people, village, start=JAN):
    """A rural household of two with no income, in 低保 from `start` (category A)."""
    household = HouseholdFactory(region=village, members=1, income_per_capita=0)
    request = submit(
        actor=people["town"], program=P.DIBAO, household=household, start_month=start, category="A"
    )
    services.decide_request(actor=people["chief"], request=request, approve=True, comment="同意")
    request.case.refresh_from_db()
    return request.case


def paid(people, month, approve=True):
    payroll = payments.generate_payroll(actor=people["section"], program=P.DIBAO, month=month)
    if approve:
        payments.decide_payroll(actor=people["chief"], payroll=payroll, approve=True, comment="同意")
    return payroll


@pytest.fixture
def big_payroll(people, shicheng_village):
    """998,080 元 a person a month for two persons: one pending payroll of 1,996,160.00."""
    approved_standard(people, "998080.00")
    case = enrolled(people, shicheng_village)
    return case, paid(people, MAR, approve=False)


def assert_no_raw_decimal(page):
    assert not RAW_DECIMAL.search(page), RAW_DECIMAL.search(page).group(0)


# --- amounts ---------------------------------------------------------------------------------------


def test_the_chief_reads_the_payroll_total_with_separators(people, login, big_payroll):
    _case, payroll = big_payroll
    assert payroll.total == Decimal("1996160.00")
    page = (
        login(people["chief"]).get(reverse("assistance:payroll_detail", args=[payroll.pk])).content.decode()
    )
    assert '<strong id="total">1,996,160.00</strong> 元' in page
    assert '<td>石城镇</td><td class="money">1,996,160.00</td>' in page  # 按镇汇总, a SQLite Sum
    assert '<td class="money">1,996,160.00</td>' in page.split("<h2>明细</h2>")[1]  # the lines
    assert "1996160" not in page
    assert_no_raw_decimal(page)


def test_the_payroll_list_and_the_inbox_show_the_total_with_separators(people, login, big_payroll):
    client = login(people["chief"])
    for name in ("assistance:payroll_list", "assistance:inbox"):
        page = client.get(reverse(name)).content.decode()
        assert ">1,996,160.00<" in page, name
        assert "1996160" not in page, name
        assert_no_raw_decimal(page)


def test_the_case_and_its_household_show_the_amounts_paid_with_separators(people, login, big_payroll):
    case, payroll = big_payroll
    payments.decide_payroll(actor=people["chief"], payroll=payroll, approve=True, comment="同意")
    client = login(people["town"])
    pages = [
        client.get(reverse("assistance:case_detail", args=[case.pk])).content.decode(),
        client.get(reverse("household_detail", args=[case.household_id])).content.decode(),
        client.get(reverse("person_detail", args=[case.household.head_id])).content.decode(),
    ]
    assert "<tr><th>累计发放</th><td>1,996,160.00 元</td></tr>" in pages[0]
    assert "月人均收入 0.00 元" in pages[0]
    for page in pages:
        assert '<td class="money">1,996,160.00</td>' in page
        assert "1996160" not in page
        assert_no_raw_decimal(page)


def test_a_case_never_paid_shows_nothing_paid_as_an_amount(people, login, shicheng_village):
    approved_standard(people, "450")
    case = enrolled(people, shicheng_village)
    page = login(people["town"]).get(reverse("assistance:case_detail", args=[case.pk])).content.decode()
    assert "<tr><th>累计发放</th><td>0.00 元</td></tr>" in page


def test_the_standard_page_previews_a_back_pay_of_nearly_two_million_with_separators(
    people, login, shicheng_village
):
    approved_standard(people, "400")
    enrolled(people, shicheng_village)
    paid(people, JAN)
    paid(people, FEB)
    raised = payments.draft_standard(
        actor=people["section"],
        program=P.DIBAO,
        category="rural",
        amount=Decimal("499440"),
        effective_from=JAN,
    )
    client = login(people["chief"])
    # The preview is a background job the chief starts; its page and then the standard's show it.
    job_page = client.post(reverse("assistance:standard_preview", args=[raised.pk]), follow=True)
    assert "应补发 2 笔，合计 1,996,160.00 元" in job_page.content.decode()
    page = client.get(reverse("assistance:standard_detail", args=[raised.pk])).content.decode()
    # Two months, two persons, 499,040 more each: 1,996,160.00.
    assert "应补发 <strong>2</strong> 笔，合计 <strong>1,996,160.00</strong> 元" in page
    assert "<h1>最低生活保障（低保） · 农村：499,440.00 元/人/月</h1>" in page
    assert "1996160" not in page
    assert_no_raw_decimal(page)


def test_the_standard_list_shows_amounts_with_separators(people, login, big_payroll):
    page = login(people["chief"]).get(reverse("assistance:standard_list")).content.decode()
    assert '<td class="money">998,080.00</td>' in page
    assert "998080" not in page


def test_the_messages_give_the_total_with_separators(people, login, shicheng_village):
    approved_standard(people, "998080.00")
    enrolled(people, shicheng_village)
    client = login(people["section"])
    response = client.post(
        reverse("assistance:payroll_generate"),
        {"program": Program.objects.get(code=P.DIBAO).pk, "month": "2019-03"},
        follow=True,
    )
    assert "1 笔，合计 1,996,160.00 元，待股长审批" in response.content.decode()


def test_the_figures_page_shows_money_figures_with_separators(people, login, big_payroll):
    _case, payroll = big_payroll
    payments.decide_payroll(actor=people["chief"], payroll=payroll, approve=True, comment="同意")
    page = login(people["director"]).get(reverse("figures"), {"period": "2019Q1"}).content.decode()
    row = re.search(
        r'<tr id="fig-dibao.paid"><td[^>]*>低保金发放</td><td>元</td>\s*<td class="n">([^<]*)<', page
    )
    assert row.group(1) == "1,996,160.00"
    assert "1996160" not in page


# --- people ----------------------------------------------------------------------------------------


def test_pages_name_who_submitted_drafted_generated_and_decided(people, login, big_payroll):
    case, payroll = big_payroll
    request = case.requests.get()
    client = login(people["director"])
    pages = {
        "request": client.get(reverse("assistance:request_detail", args=[request.pk])).content.decode(),
        "case": client.get(reverse("assistance:case_detail", args=[case.pk])).content.decode(),
        "payroll": client.get(reverse("assistance:payroll_detail", args=[payroll.pk])).content.decode(),
        "standard": client.get(
            reverse("assistance:standard_detail", args=[payroll.lines.get().standard_id])
        ).content.decode(),
        "requests": client.get(reverse("assistance:request_list")).content.decode(),
        "payrolls": client.get(reverse("assistance:payroll_list")).content.decode(),
        "standards": client.get(reverse("assistance:standard_list")).content.decode(),
    }
    assert "<tr><th>提交人 / 时间</th><td>陈志明 / " in pages["request"]
    assert "<tr><th>审批人 / 意见</th><td>张强 / 同意</td></tr>" in pages["request"]
    assert "<td>陈志明</td><td>张强</td><td>同意</td>" in pages["case"]
    assert "<tr><th>生成人</th><td>黄伟（" in pages["payroll"]
    assert "<tr><th>拟稿人</th><td>黄伟（" in pages["standard"]
    assert "<tr><th>审批人 / 意见</th><td>张强（" in pages["standard"]
    for name in ("requests", "payrolls", "standards"):
        assert "黄伟" in pages[name] or "陈志明" in pages[name], name
        assert "张强" in pages[name] or name == "payrolls", name
    for name, page in pages.items():
        for username in ("shicheng", "jiuzhu", "chief_assist"):
            assert username not in page, (name, username)


def test_the_inbox_names_the_drafter_and_the_generator(people, login, big_payroll):
    payments.draft_standard(
        actor=people["section"], program=P.DIBAO, category="urban", amount=Decimal("560"), effective_from=MAR
    )
    page = login(people["chief"]).get(reverse("assistance:inbox")).content.decode()
    assert "<td>黄伟</td></tr>" in page  # 拟稿人 and 生成人
    assert "jiuzhu" not in page


# --- labels ----------------------------------------------------------------------------------------


def test_the_inbox_shows_the_standards_category_label_not_its_code(people, login, db):
    payments.draft_standard(
        actor=people["section"], program=P.DIBAO, category="rural", amount=Decimal("450"), effective_from=MAR
    )
    payments.draft_standard(
        actor=people["section"],
        program=P.DISABILITY_LIVING,
        category="default",
        amount=Decimal("1980"),
        effective_from=MAR,
    )
    page = login(people["chief"]).get(reverse("assistance:inbox")).content.decode()
    assert "<td>农村</td><td>450.00 元/人/月</td>" in page
    assert "<td>生活补贴</td><td>1,980.00 元/人/年</td>" in page
    assert ">rural<" not in page
    assert ">default<" not in page


def test_the_cases_on_a_household_page_show_the_category_label(people, login, big_payroll):
    case, _payroll = big_payroll
    page = login(people["town"]).get(reverse("household_detail", args=[case.household_id])).content.decode()
    assert "<td>农村 A类（基本稳定，每年复核）</td>" in page


def test_a_back_pay_batch_names_its_standard_with_labels(people, login, shicheng_village):
    approved_standard(people, "400")
    enrolled(people, shicheng_village)
    paid(people, JAN)
    raised = payments.draft_standard(
        actor=people["section"], program=P.DIBAO, category="rural", amount=Decimal("1450"), effective_from=JAN
    )
    payments.decide_standard(actor=people["chief"], standard=raised, approve=True, comment="同意")
    payments.generate_backpay(actor=people["section"], standard=raised)
    backpay = Payroll.objects.get(kind=Payroll.Kind.BACKPAY)
    page = (
        login(people["chief"]).get(reverse("assistance:payroll_detail", args=[backpay.pk])).content.decode()
    )
    assert "最低生活保障（低保） · 农村 1,450.00 元/人/月，2019年1月1日起</a>" in page
    assert "（rural）" not in page
    assert '<strong id="total">2,100.00</strong>' in page


def test_the_audit_log_names_the_program_and_the_standard_and_formats_amounts(
    people, login, shicheng_village, auditor
):
    approved_standard(people, "400")
    enrolled(people, shicheng_village)
    paid(people, JAN)
    raised = payments.draft_standard(
        actor=people["section"], program=P.DIBAO, category="rural", amount=Decimal("1450"), effective_from=JAN
    )
    payments.decide_standard(actor=people["chief"], standard=raised, approve=True, comment="同意")
    payments.generate_backpay(actor=people["section"], standard=raised)
    response = login(auditor).get(reverse("audit_log"))
    rows = {}
    for row in response.context["table"].rows:
        rows.setdefault(row.record.action, str(row.get_cell("changes")))
    assert "项目：最低生活保障（低保）" in rows["standard.draft"]  # latest first: the raised one
    assert "标准（元）：1,450.00" in rows["standard.draft"]
    assert (
        "补发依据标准：最低生活保障（低保） · 农村 1,450.00 元/人/月，2019年1月1日起"
        in rows["backpay.generate"]
    )
    assert "合计（元）：800.00" in rows["payroll.approve"]
    page = response.content.decode()
    assert f"项目：{Program.objects.get(code=P.DIBAO).pk}<" not in page
    assert ">chief_assist<" not in page and ">张强<" in page


def test_the_public_notice_shows_the_monthly_amount_with_separators(
    people, login, big_payroll, shicheng_village
):
    page = (
        login(people["town"])
        .get(reverse("assistance:notice"), {"village": shicheng_village.pk, "month": "2019-01"})
        .content.decode()
    )
    assert "<td>新增</td>" in page
    assert "<td>2</td><td>1,996,160.00</td><td>2019年01月起</td>" in page
    assert "1996160" not in page
