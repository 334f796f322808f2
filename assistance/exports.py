"""Row iterators feeding XLSX (and the notice's HTML/PDF): one source per export."""

import io

from django.db.models import Q
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from civaffairs.idnumber import mask_account, mask_id_number, mask_name
from civaffairs.models import Case, Coverage, PaymentLine, Request
from civaffairs.periods import add_months

PAYROLL_HEADERS = [
    "序号",
    "所属镇",
    "姓名",
    "身份证号",
    "开户银行",
    "银行账号",
    "所属年月",
    "类型",
    "项目",
    "保障人数",
    "金额（元）",
    "发放年月",
]


def payroll_rows(lines, full_ids=False):
    """Bank-transfer layout: one row per payment line (already scoped by the caller's selector),
    heads of household for 低保."""
    lines = lines.select_related("town", "case__person", "case__household__head").order_by(
        "town__code", "case_id", "month", "item"
    )
    for i, line in enumerate(lines.iterator(chunk_size=2000), start=1):
        case = line.case
        person = case.household.head if case.household_id else case.person
        account = case.household.bank_account if case.household_id else ""
        bank = case.household.bank_name if case.household_id else ""
        yield [
            i,
            line.town.name,
            person.name,
            person.id_number if full_ids else mask_id_number(person.id_number),
            bank,
            account if full_ids else mask_account(account),
            f"{line.month:%Y-%m}",
            line.get_kind_display(),
            line.get_item_display(),
            line.persons,
            line.amount,
            f"{line.paid_month:%Y-%m}",
        ]


def xlsx_bytes(title, headers, rows, footer=None):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    count = 0
    for row in rows:
        ws.append(row)
        count += 1
    if footer:
        ws.append(footer)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), count


NOTICE_HEADERS = ["序号", "事项", "户主姓名", "身份证号", "保障人数", "月保障金额（元）", "起止年月"]


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
    lines = PaymentLine.objects.filter(case_id__in=case_ids, kind="regular").order_by("case_id", "-month")
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
