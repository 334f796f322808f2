"""Row iterators feeding XLSX (and the notice's HTML/PDF): one source per export, written by
civaffairs.spreadsheets (text never a formula, money as numbers)."""

import re
from decimal import Decimal
from itertools import groupby

from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum

from civaffairs.idnumber import mask_account, mask_id_number, mask_name
from civaffairs.models import ApprovalStatus, Case, Coverage, PaymentLine, Payroll, Request
from civaffairs.periods import add_months, describe_months
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


def payroll_rows(lines, full_ids=False):
    """Bank-transfer layout: one row per payee (the case: heads of household for 低保) with the
    sum of the case's lines, the months in 备注. Lines already scoped by the caller's selector."""
    lines = lines.select_related("town", "case__person", "case__household__head").order_by(
        "town__code", "case_id", "month", "item"
    )
    transfers = groupby(lines.iterator(chunk_size=2000), key=lambda line: (line.town_id, line.case_id))
    for i, (_key, group) in enumerate(transfers, start=1):
        group = list(group)
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


def bank_file(payroll, lines, *, full_ids=False):
    """(XLSX bytes, transfers written, file name) of an approved payroll or batch: what is not
    approved (pending, or rejected) must never reach the bank."""
    if payroll.status == ApprovalStatus.PENDING:
        raise PermissionDenied("该名册尚未批准，批准后才能导出银行代发表。")
    if payroll.status != ApprovalStatus.APPROVED:
        raise PermissionDenied("该名册已退回，不能导出银行代发表。")
    total = lines.aggregate(t=Sum("amount"))["t"] or 0
    footer = ["合计"] + [""] * (len(BANK_COLUMNS) - 1)
    footer[AMOUNT_COLUMN] = total
    sheet = Sheet(str(payroll), BANK_COLUMNS, payroll_rows(lines, full_ids=full_ids), footer=footer)
    data = write_workbook(sheet)
    return data, sheet.written, bank_filename(payroll)


NOTICE_COLUMNS = [
    Column("序号", 6),
    Column("事项", 8),
    Column("户主姓名", 12),
    Column("身份证号", 22, text=True),
    Column("保障人数", 10),
    Column("月保障金额（元）", 18, money=True),
    Column("起止年月", 18),
]
NOTICE_HEADERS = [c.header for c in NOTICE_COLUMNS]


def notice_rows(village, month):
    """公示: households of a village approved (新增) or terminated (核减) in a month, masked."""
    from .programs import DIBAO

    villages = Q(case__household__region=village) | Q(case__household__region__parent=village)
    requests = (
        Request.objects.filter(villages, case__program__code=DIBAO, status="approved", effective_month=month)
        .filter(kind__in=[Request.Kind.ENROL, Request.Kind.TERMINATE])
        .select_related("case__household__head")
        .order_by("kind", "case_id")
    )
    case_ids = [r.case_id for r in requests]
    # Persons covered in the notice's month (for a termination, the month before it stops).
    shown = {r.case_id: (month if r.kind == Request.Kind.ENROL else add_months(month, -1)) for r in requests}
    covered = {}
    for case_id, start, end in Coverage.objects.filter(case_id__in=case_ids).values_list(
        "case_id", "start_month", "end_month"
    ):
        m = shown[case_id]
        if start <= m and (end is None or end > m):
            covered[case_id] = covered.get(case_id, 0) + 1
    amounts = {}
    # The amount of a live batch (pending or approved): a rejected or withdrawn one pays nothing.
    lines = (
        PaymentLine.objects.live().filter(case_id__in=case_ids, kind="regular").order_by("case_id", "-month")
    )
    for line in lines.values("case_id", "amount"):
        amounts.setdefault(line["case_id"], line["amount"])  # the latest month's amount
    for i, r in enumerate(requests, start=1):
        head = r.case.household.head
        case: Case = r.case
        span = (
            f"{case.start_month:%Y年%m月}起"
            if r.kind == Request.Kind.ENROL
            else f"{r.effective_month:%Y年%m月}起停发"
        )
        yield [
            i,
            "新增" if r.kind == Request.Kind.ENROL else "核减",
            mask_name(head.name),
            mask_id_number(head.id_number),
            covered.get(case.pk, 0),
            amounts[case.pk] if case.pk in amounts else "按审批后首月名册",
            span,
        ]


def notice_file(title, rows):
    """(XLSX bytes, file name) of a 公示 (rows from notice_rows)."""
    return write_workbook(Sheet("公示", NOTICE_COLUMNS, rows)), f"{title}.xlsx"
