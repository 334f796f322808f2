"""Row iterators feeding XLSX (and the notice's HTML/PDF): one source per export, written by
civaffairs.spreadsheets (text never a formula, money as numbers)."""

from django.db.models import Q

from civaffairs.idnumber import mask_id_number, mask_name
from civaffairs.models import Case, Coverage, PaymentLine, Request

# The bank-transfer file is the payments engine's, one layout for every program.
from civaffairs.payments.bankfile import (  # noqa: F401 (re-exported for the views)
    BANK_COLUMNS,
    PAYROLL_HEADERS,
    _remark,
    bank_file,
    bank_filename,
    payroll_rows,
)
from civaffairs.periods import add_months
from civaffairs.selectors import requests_for
from civaffairs.spreadsheets import Column, Sheet, write_workbook

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


def notice_rows(village, month, user):
    """公示: households of a village approved (新增) or terminated (核减) in a month, masked; of
    what the user's scope shows (selectors.requests_for: another section's staff see none)."""
    from .programs import DIBAO

    villages = Q(case__household__region=village) | Q(case__household__region__parent=village)
    requests = (
        requests_for(user)
        .filter(villages, case__program__code=DIBAO, status="approved", effective_month=month)
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
