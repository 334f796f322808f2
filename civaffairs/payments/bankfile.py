"""The bank-transfer file (银行代发表) of an approved payroll, back-pay or correction batch, for
any program the engine pays: one transfer per payee and batch, the months it pays for in 备注.

One layout for every section (assistance re-exports it), so that no domain imports another.
Written by civaffairs.spreadsheets (text never a formula, money as numbers)."""

import re
from decimal import Decimal
from itertools import groupby

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum

from civaffairs.idnumber import mask_account, mask_id_number
from civaffairs.models import ApprovalStatus, PaymentLine, Payroll
from civaffairs.periods import describe_months
from civaffairs.spreadsheets import Column, Sheet, write_workbook

# The bank's transfer list (银行代发): one transfer per payee and batch, what it pays for in 备注.
BANK_COLUMNS = [
    Column("序号", 6),
    Column("所属镇", 10),
    Column("姓名", 12),
    Column("身份证号", 22, text=True),
    Column("开户银行", 18),
    Column("银行账号", 24, text=True),
    Column("金额（元）", 14, money=True),
    Column("发放年月", 10),
    Column("备注", 40),
]
PAYROLL_HEADERS = [c.header for c in BANK_COLUMNS]
AMOUNT_COLUMN = PAYROLL_HEADERS.index("金额（元）")
BANK_FILE_KINDS = {
    Payroll.Kind.MONTHLY: "发放名册",
    Payroll.Kind.BACKPAY: "补发名册",
    Payroll.Kind.CORRECTION: "更正名册",
}


def _remark(lines):
    """What a transfer pays for: the payroll's own month, months paid late (补发: arrears in a
    monthly payroll, a raised standard's back-pay) and corrections, with the items beyond 基本生活."""
    current, late, corrected, items = set(), set(), set(), []
    for line in lines:
        if line.kind == PaymentLine.Kind.CORRECTION:
            corrected.add(line.month)
        elif line.kind == PaymentLine.Kind.REGULAR and line.month == line.paid_month:
            current.add(line.month)
        else:
            late.add(line.month)
        label = line.get_item_display()
        if line.item != PaymentLine.Item.BASIC and label not in items:
            items.append(label)
    parts = []
    if current:
        parts.append(describe_months(current))
    if late:
        parts.append("补发" + describe_months(late))
    if corrected:
        parts.append("更正" + describe_months(corrected))
    remark = "；".join(parts)
    return f"{remark}（含{'、'.join(items)}）" if items else remark


def payroll_rows(lines, full_ids=False, progress=None, total=0):
    """Bank-transfer layout: one row per payee (the case: heads of household for 低保) with the
    sum of the case's lines, the months in 备注. Lines already scoped by the caller's selector.
    progress(done, total, stage), when given, hears the lines written of `total`."""
    lines = lines.select_related("town", "case__person", "case__household__head").order_by(
        "town__code", "case_id", "month", "item"
    )
    transfers = groupby(lines.iterator(chunk_size=2000), key=lambda line: (line.town_id, line.case_id))
    done = 0
    for i, (_key, group) in enumerate(transfers, start=1):
        group = list(group)
        if progress is not None:
            done += len(group)
            progress(done, total, "写入银行代发表")
        line = group[0]
        case = line.case
        person = case.household.head if case.household_id else case.person
        # The payee and account recorded on the line when it was generated: a later change of
        # account never redirects a batch already generated or approved.
        account, bank = line.bank_account, line.bank_name
        yield [
            i,
            line.town.name,
            line.payee or person.name,
            person.id_number if full_ids else mask_id_number(person.id_number),
            bank,
            account if full_ids else mask_account(account),
            sum((item.amount for item in group), Decimal("0.00")),
            f"{line.paid_month:%Y年%m月}",
            _remark(group),
        ]


def _short_name(program):
    """最低生活保障（低保） → 低保: the name a file is known by."""
    found = re.search(r"（(.+)）$", program.name)
    return found.group(1) if found else program.name


def bank_filename(payroll):
    """低保_2019年07月_发放名册.xlsx (a correction batch with its number: there may be several)."""
    kind = BANK_FILE_KINDS[payroll.kind]
    if payroll.kind == Payroll.Kind.CORRECTION:
        kind = f"{kind}_{payroll.pk}号"
    return f"{_short_name(payroll.program)}_{payroll.month:%Y年%m月}_{kind}.xlsx"


def check_exportable(payroll):
    """What is not approved (pending, or rejected) must never reach the bank."""
    if payroll.status == ApprovalStatus.PENDING:
        raise PermissionDenied("该名册尚未批准，批准后才能导出银行代发表。")
    if payroll.status != ApprovalStatus.APPROVED:
        raise PermissionDenied("该名册已退回，不能导出银行代发表。")


def bank_file(payroll, lines, *, full_ids=False, progress=None):
    """(XLSX bytes, transfers written, file name) of an approved payroll or batch (a large one is
    written by a background job: civaffairs.jobs.start_bank_file)."""
    check_exportable(payroll)
    sums = lines.aggregate(t=Sum("amount"), n=Count("id"))
    footer = ["合计"] + [""] * (len(BANK_COLUMNS) - 1)
    footer[AMOUNT_COLUMN] = sums["t"] or 0
    rows = payroll_rows(lines, full_ids=full_ids, progress=progress, total=sums["n"])
    sheet = Sheet(str(payroll), BANK_COLUMNS, rows, footer=footer)
    data = write_workbook(sheet)
    return data, sheet.written, bank_filename(payroll)
