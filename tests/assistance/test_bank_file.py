"""The bank's transfer list (银行代发表): one transfer per payee and batch, the months it pays for in
备注, money as numbers shown #,##0.00, a Chinese file name, and only once the batch is approved."""

import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assistance import exports
from assistance import programs as P
from civaffairs import payments
from civaffairs.idnumber import make_id_number, mask_id_number
from civaffairs.models import AuditEvent, PaymentLine
from civaffairs.roles import CASEWORKER
from civaffairs.spreadsheets import MONEY_FORMAT
from tests.factories import enrol_new_household, make_user

D = datetime.date
DEC18 = D(2018, 12, 1)
JAN, FEB, MAR, APR = (D(2019, m, 1) for m in range(1, 5))

HUANG = make_id_number("445303", D(1968, 4, 12), 15)
HUANG_WIFE = make_id_number("445323", D(1970, 9, 2), 26)
AYGUL = make_id_number("445303", D(1975, 6, 1), 42)

NAME, ID, BANK, ACCOUNT, AMOUNT, PAID, REMARK = 2, 3, 4, 5, 6, 7, 8


class World:
    """石城镇上洞村: 黄大明's household of two (income 200) in 低保 from December 2018, paid in
    January and February; 阿依古丽·买买提 alone (income 300) from January, approved only after
    February's payroll, so March pays her January and February as arrears. 2018 rural standard
    450; the 2019 standard 490 (effective January) is approved after March, owing back-pay."""

    def __init__(self, caseworker, chief, village):
        self.caseworker, self.chief, self.village = caseworker, chief, village
        self.worker = make_user(CASEWORKER, section="assistance", first_name="社会救助股经办人")
        self.raise_standard(450, D(2018, 1, 1))
        self.huang = self.enrol(
            {"name": "黄大明", "id_number": HUANG},
            [{"name": "李秀英", "id_number": HUANG_WIFE, "relation": "spouse"}],
            income=200,
            start=DEC18,
            account="6230001234567890123",
        )
        self.january = self.pay(JAN)
        self.february = self.pay(FEB)
        self.aygul = self.enrol(
            {"name": "阿依古丽·买买提", "id_number": AYGUL},
            [],
            income=300,
            start=JAN,
            account="6230009876543210",
        )
        self.march = self.pay(MAR)

    def enrol(self, head, members, *, income, start, account):
        return enrol_new_household(
            actor=self.caseworker,
            chief=self.chief,
            region=self.village,
            area="rural",
            income_per_capita=Decimal(income),
            head=head,
            members=members,
            start_month=start,
            category="A",
            bank_account=account,
            bank_name="云浮农商银行",
        )

    def pay(self, month, approve=True):
        payroll = payments.generate_payroll(actor=self.worker, program=P.DIBAO, month=month)
        return payments.decide_payroll(
            actor=self.chief, payroll=payroll, approve=approve, comment="同意" if approve else "名单有误"
        )

    def raise_standard(self, amount, effective):
        standard = payments.draft_standard(
            actor=self.worker,
            program=P.DIBAO,
            category="rural",
            amount=Decimal(amount),
            effective_from=effective,
            document="云安民〔2019〕11号（测试）",
        )
        payments.decide_standard(actor=self.chief, standard=standard, approve=True, comment="同意")
        return payments.generate_backpay(actor=self.worker, standard=standard)


@pytest.fixture
def world(caseworker, chief, shicheng_village):
    return World(caseworker, chief, shicheng_village)


@pytest.fixture
def backpay(world):
    """The 2019 standard's back-pay batch, pending."""
    return world.raise_standard(490, JAN)


def export(client, payroll, full=False):
    url = reverse("assistance:payroll_export", args=[payroll.pk]) + ("?full=1" if full else "")
    return client.get(url)


def sheet_of(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


def values(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_a_back_pay_batch_pays_each_payee_once_with_the_months_in_the_remark(world, backpay, chief, login):
    assert PaymentLine.objects.filter(payroll=backpay).count() == 6  # three months of two payees
    payments.decide_payroll(actor=chief, payroll=backpay, approve=True, comment="同意")

    ws = sheet_of(export(login(chief), backpay, full=True))

    header, huang, aygul, footer = values(ws)
    assert header == [
        "序号",
        "所属镇",
        "姓名",
        "身份证号",
        "开户银行",
        "银行账号",
        "金额（元）",
        "发放年月",
        "备注",
    ]
    paid = f"{backpay.month:%Y年%m月}"
    assert huang == [
        1,
        "石城镇",
        "黄大明",
        HUANG,
        "云浮农商银行",
        "6230001234567890123",
        240,
        paid,
        "补发2019年01月—2019年03月",
    ]
    assert aygul[NAME:] == [
        "阿依古丽·买买提",
        AYGUL,
        "云浮农商银行",
        "6230009876543210",
        120,
        paid,
        "补发2019年01月—2019年03月",
    ]
    assert footer[0] == "合计" and footer[AMOUNT] == 360
    # (490 − 200) × 2 − (450 − 200) × 2 = 80 a month; (490 − 300) − (450 − 300) = 40 a month.
    assert backpay.total == Decimal("360.00")


def test_amounts_are_numbers_in_the_money_format_and_no_cell_is_a_formula(world, backpay, chief, login):
    payments.decide_payroll(actor=chief, payroll=backpay, approve=True, comment="同意")

    ws = sheet_of(export(login(chief), backpay))

    for row in ws.iter_rows(min_row=2):
        amount = row[AMOUNT]
        assert amount.data_type == "n" and amount.number_format == MONEY_FORMAT
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    assert ws.column_dimensions["D"].width == 22 and ws.column_dimensions["I"].width == 40


def test_a_monthly_payroll_sums_a_late_cases_arrears_into_one_transfer(world, chief, login):
    assert PaymentLine.objects.filter(payroll=world.march, case=world.aygul).count() == 3

    ws = sheet_of(export(login(chief), world.march))

    _header, huang, aygul, footer = values(ws)
    assert (huang[NAME], huang[AMOUNT], huang[REMARK]) == ("黄大明", 500, "2019年03月")
    assert (aygul[NAME], aygul[AMOUNT], aygul[REMARK]) == (
        "阿依古丽·买买提",
        450,
        "2019年03月；补发2019年01月、02月",
    )
    assert huang[PAID] == aygul[PAID] == "2019年03月"
    assert footer[AMOUNT] == 950
    [event] = AuditEvent.objects.filter(action="export")
    assert event.changes["rows"] == 2  # transfers, not payment lines


def test_ids_and_accounts_stay_masked_unless_asked(world, chief, login):
    ws = sheet_of(export(login(chief), world.march))
    huang = values(ws)[1]
    assert (huang[ID], huang[ACCOUNT]) == (mask_id_number(HUANG), "6230***********0123")
    assert huang[ID] != HUANG


@pytest.mark.parametrize(
    ("payroll", "filename"),
    [
        (lambda w, _b: w.march, "低保_2019年03月_发放名册.xlsx"),
        (lambda _w, b: b, None),  # the back-pay batch, paid in the month of approval
    ],
    ids=["monthly", "back-pay"],
)
def test_the_file_is_named_in_chinese_after_program_month_and_kind(
    world, backpay, chief, login, payroll, filename
):
    payroll = payroll(world, backpay)
    if payroll.status == "pending":
        payments.decide_payroll(actor=chief, payroll=payroll, approve=True, comment="同意")
    filename = filename or f"低保_{payroll.month:%Y年%m月}_补发名册.xlsx"

    response = export(login(chief), payroll)

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{quote(filename, safe='')}" in disposition
    assert f'filename="payroll-{payroll.pk}.xlsx"' in disposition


def test_a_pending_batch_is_not_exported_and_offers_no_button(world, backpay, chief, login):
    client = login(chief)

    response = export(client, backpay)

    assert response.status_code == 403
    assert "该名册尚未批准，批准后才能导出银行代发表。" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()
    page = client.get(reverse("assistance:payroll_detail", args=[backpay.pk])).content.decode()
    assert reverse("assistance:payroll_export", args=[backpay.pk]) not in page
    assert "批准后方可导出银行代发表" in page


def test_the_button_appears_once_the_batch_is_approved(world, backpay, chief, login):
    payments.decide_payroll(actor=chief, payroll=backpay, approve=True, comment="同意")
    page = login(chief).get(reverse("assistance:payroll_detail", args=[backpay.pk])).content.decode()
    assert reverse("assistance:payroll_export", args=[backpay.pk]) in page


def test_a_rejected_payroll_is_not_exported(world, chief, login):
    april = world.pay(APR, approve=False)

    response = export(login(chief), april, full=True)

    assert response.status_code == 403
    assert "该名册已退回，不能导出银行代发表。" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_remark_names_months_paid_late_corrections_and_items_beyond_basic_living():
    def line(month, kind="regular", item="basic"):
        return PaymentLine(month=month, paid_month=APR, kind=kind, item=item, amount=Decimal(1))

    assert exports._remark([line(APR)]) == "2019年04月"
    assert exports._remark([line(APR), line(APR, item="care")]) == "2019年04月（含护理补贴）"
    assert exports._remark([line(JAN, "backpay"), line(MAR, "backpay")]) == "补发2019年01月、03月"
    assert exports._remark([line(FEB, "correction")]) == "更正2019年02月"


def test_the_bank_file_reads_the_account_recorded_on_the_line_not_todays_record(world, chief, login):
    """A caseworker changing the household's account after March's payroll was approved does
    not redirect March's transfers."""
    from civaffairs import services as core

    household = world.huang.household
    change = core.change_payee_account(
        actor=world.caseworker,
        household=household,
        bank_name="云浮农商银行",
        bank_account="6230000000000009999",
        reason="换卡",
    )
    core.decide_account_change(actor=chief, change=change, approve=True, comment="同意")
    ws = sheet_of(export(login(chief), world.march, full=True))
    assert values(ws)[1][ACCOUNT] == "6230001234567890123"
