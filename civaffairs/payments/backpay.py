"""Back-pay (补发): when a standard is approved with an effective month already paid, every case
and month paid under the older standard is owed the new entitlement − everything paid for it.

Entitlement is recomputed from today's facts for that month: the persons covered in it (the
deceased left out), the household's per-capita income of that month (payments.income, effective-
dated), the case in payment in it, never a month after a death. What was paid counts
the system's live lines and, for a ledger migrated from before the system, the monthly amount it
records up to its paid-through month, and the corrections (更正) that today's facts explain (an
overpayment for a member who has died since, recovered): a correction made for a reason outside
the system's facts is neither counted nor undone. A month the system did not pay and the ledger
says nothing of is not back-paid: it is listed for the caseworker to settle by a correction.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civaffairs import audit
from civaffairs.models import ApprovalStatus, Case, PaymentLine, Payroll, Standard
from civaffairs.periods import add_months, month_start, months_between

from .approval import check_section_staff
from .income import monthly_incomes
from .payroll import (
    CASE_FIELDS,
    IN_PAYMENT,
    _payee,
    alive_in,
    considered_since,
    covered_persons,
    in_payment_in,
    insert_lines,
    refresh_totals,
)
from .rules import CaseFacts, rules_for


def _range(standard):
    later = (
        Standard.objects.filter(
            program=standard.program,
            category=standard.category,
            status=ApprovalStatus.APPROVED,
            effective_from__gt=standard.effective_from,
        )
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )
    months = Q(month__gte=month_start(standard.effective_from))
    if later:
        months &= Q(month__lt=month_start(later))
    return months


def _considered(standard, progress=None):
    """[(row, month, income_used)] of case-months the standard prices that were paid, or were
    considered and paid nothing, in approved monthly payrolls of its months; and the months of
    migrated ledgers that nobody can say were paid."""
    program = standard.program
    rules = rules_for(program)
    item = rules.item_of(standard.category)
    payrolls = Payroll.objects.filter(
        _range(standard), program=program, kind=Payroll.Kind.MONTHLY, status=ApprovalStatus.APPROVED
    ).values_list("month", "created_at")
    regular = {
        (case_id, month): income
        for case_id, month, income in PaymentLine.objects.live()
        .filter(_range(standard), program=program, item=item, kind=PaymentLine.Kind.REGULAR)
        .values_list("case_id", "month", "income")
    }
    # When each month was last considered: by its own payroll, or — for a case approved late — as
    # arrears by the first payroll of a later month generated after the approval (the rule of
    # payroll._arrears; a month sent back and generated again considers only itself).
    since = considered_since(
        Payroll.objects.filter(
            program=program,
            kind=Payroll.Kind.MONTHLY,
            status__in=[ApprovalStatus.PENDING, ApprovalStatus.APPROVED],
        ).values_list("month", "created_at")
    )
    out, unsettled = [], []
    payrolls = list(payrolls)
    for done, (month, generated) in enumerate(payrolls):
        if progress:
            progress(done, len(payrolls), "核对已发放月份")
        cases = Case.objects.filter(in_payment_in(month), program=program, status__in=IN_PAYMENT).filter(
            Q(person__isnull=True) | alive_in(month)
        )
        fields = (*CASE_FIELDS, "approved_at", "migrated_paid_through", "migrated_monthly", "created_at")
        for row in cases.values_list(*fields):
            case_id, approved_at, paid_through, monthly, created_at = row[0], *row[-4:]
            row = row[: len(CASE_FIELDS)] + (approved_at, paid_through)
            facts = CaseFacts(row[2], row[3], row[4])
            if (item, standard.category) not in rules.items(facts):
                continue
            if (case_id, month) in regular:
                out.append((row, month, regular[(case_id, month)], False))
            elif approved_at is None:
                # A migrated ledger: paid outside the system up to its paid-through month. Its
                # monthly amount is that of the basic item; other items' months — and every month
                # of a ledger that does not say how much it paid — stay unsettled.
                if _ledger_says(paid_through, monthly, month, item):
                    out.append((row, month, row[5], True))
                elif (paid_through is None or month > paid_through) and created_at < generated:
                    # After the ledger: the system's payroll considered it and paid nothing
                    # (income at or above the old standard), as for any case.
                    out.append((row, month, row[5], False))
                else:
                    unsettled.append((case_id, month))
            elif approved_at < since.get(month, generated):
                # Considered — by that payroll, or as arrears by a payroll after the approval — and
                # paid nothing (income at or above the old standard): the new standard may owe it.
                out.append((row, month, row[5], False))
            # Approved after every payroll so far: owed as arrears by the next payroll, not here.
    ledger_out, ledger_unsettled = _before_the_system(standard, rules, item, {m for m, _g in payrolls})
    return out + ledger_out, unsettled + ledger_unsettled


def _before_the_system(standard, rules, item, paid_months):
    """Months of the standard no approved payroll of the system covers, of migrated ledgers: up to
    the paid-through month the ledger says they were paid (the difference is owed); before the
    program's first payroll without a ledger figure, nobody can say (listed, for a correction)."""
    program = standard.program
    first = (
        Payroll.objects.filter(program=program, kind=Payroll.Kind.MONTHLY, status=ApprovalStatus.APPROVED)
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    later = (
        Standard.objects.filter(
            program=program,
            category=standard.category,
            status=ApprovalStatus.APPROVED,
            effective_from__gt=standard.effective_from,
        )
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )
    fields = (
        *CASE_FIELDS,
        "start_month",
        "end_month",
        "person__death_date",
        "migrated_paid_through",
        "migrated_monthly",
    )
    reach = Q(migrated_paid_through__gte=standard.effective_from)
    if first is not None and first > standard.effective_from:
        reach |= Q(start_month__lt=first)
    ledgers = Case.objects.filter(reach, program=program, status__in=IN_PAYMENT, approved_at__isnull=True)
    out, unsettled = [], []
    for row in ledgers.values_list(*fields):
        case_id, start, end, death, paid_through, monthly = row[0], *row[-5:]
        if (item, standard.category) not in rules.items(CaseFacts(row[2], row[3], row[4])):
            continue
        row = row[: len(CASE_FIELDS)] + (None, paid_through)
        last = max(filter(None, [paid_through, add_months(first, -1) if first else None]), default=None)
        if last is None:
            continue
        for month in months_between(max(start, month_start(standard.effective_from)), last):
            if (later and month >= later) or (end and month >= end) or month in paid_months:
                continue
            if death is not None and death < month:
                continue  # a person's case: nothing after the month of death
            if _ledger_says(paid_through, monthly, month, item):
                out.append((row, month, row[5], True))
            else:
                unsettled.append((case_id, month))
    return out, unsettled


def _ledger_says(paid_through, monthly, month, item):
    """A migrated ledger says what it paid for the month: up to its paid-through month, for the
    basic item, at its monthly amount. Without the amount nobody can say (back-pay would pay the
    month in full again): the month is listed for a correction."""
    return paid_through is not None and monthly is not None and month <= paid_through and item == "basic"


def _due(rules, standard, income, persons):
    """A month's amount of one item under a standard, for the persons covered (none: nothing)."""
    if persons <= 0:
        return Decimal(0)
    return rules.amount(standard_amount=standard.amount, basis=standard.basis, income=income, persons=persons)


def _explained(recovered, added, *, paid, right):
    """The part of a month's corrections that today's facts explain: what the recoveries
    (negative corrections) took back of an overpayment (paid above what is right now, e.g. for a
    member who has died since), or what the additions made up of an underpayment. Back-pay counts
    that part as paid; the rest — a correction for a reason outside the system's facts (an income
    reported late, a top-up …) — it neither counts nor undoes. Recoveries and additions are taken
    apart, so a top-up recorded beside a recovery never stands in for the raise back-pay owes."""
    over = paid - right
    if over > 0 and recovered < 0:
        return max(recovered, -over)
    if over < 0 and added > 0:
        return min(added, -over)
    return Decimal(0)


def compute_backpay(standard, progress=None):
    """[(row, month, persons, income, amount)] owed under an approved standard. Pure of writes.
    progress(done, total, stage), when given, hears it month by month."""
    program = standard.program
    rules = rules_for(program)
    item = rules.item_of(standard.category)
    considered, _unsettled = _considered(standard, progress)
    if not considered:
        return []
    case_ids = {row[0] for row, *_ in considered}
    months = sorted({m for _r, m, *_ in considered})
    persons = covered_persons(Case.objects.filter(pk__in=case_ids), months) if rules.per_household else {}
    # Each month at its own per-capita income (the history), not today's.
    incomes = (
        monthly_incomes([(r[0], m) for r, m, *_ in considered], {r[0]: r[5] for r, *_ in considered})
        if rules.per_household
        else {}
    )
    # What was paid for each month: the system's lines (regular, arrears, back-pay), the standard
    # of the latest of them (what the system last held right), and the corrections (更正).
    paid = defaultdict(Decimal)
    recovered = defaultdict(Decimal)  # negative corrections of a month
    added = defaultdict(Decimal)  # positive corrections of a month
    last_standard = {}
    for case_id, month, kind, amount, standard_id in (
        PaymentLine.objects.live()
        .filter(_range(standard), program=program, item=item, case_id__in=case_ids)
        .order_by("id")
        .values_list("case_id", "month", "kind", "amount", "standard_id")
    ):
        if kind == PaymentLine.Kind.CORRECTION:
            (recovered if amount < 0 else added)[(case_id, month)] += amount
        else:
            paid[(case_id, month)] += amount
            if standard_id is not None:
                last_standard[(case_id, month)] = standard_id
    standards = {s.pk: s for s in Standard.objects.filter(pk__in=set(last_standard.values()))}
    migrated = dict(
        Case.objects.filter(pk__in=case_ids, approved_at__isnull=True).values_list("id", "migrated_monthly")
    )
    owed = []
    for row, month, income, from_ledger in considered:
        case_id = row[0]
        income = incomes.get((case_id, month), income)
        n = persons.get((case_id, month), 0) if rules.per_household else 1
        due = _due(rules, standard, income, n)
        before = paid[(case_id, month)]
        if from_ledger:
            # What the ledger says was paid, on top of any back-pay the system has paid since.
            before += migrated.get(case_id) or Decimal(0)
        elif (case_id, month) in last_standard and (
            (case_id, month) in recovered or (case_id, month) in added
        ):
            before += _explained(
                recovered[(case_id, month)],
                added[(case_id, month)],
                paid=before,
                right=_due(rules, standards[last_standard[(case_id, month)]], income, n),
            )
        diff = due - before
        if diff > 0:  # a lower standard or a death recovers nothing automatically: 更正 does
            owed.append((row, month, n, income if rules.per_household else None, diff))
    return owed


def unsettled_months(standard):
    """(case_id, month) of migrated ledgers whose payment in a month of the standard is unknown."""
    return _considered(standard)[1]


def check_backpay_generation(*, actor, standard):
    """What generate_backpay refuses before any work: asked again by the request that queues the
    job, so the refusal comes at once."""
    check_section_staff(actor, "civaffairs.add_payroll", standard.program.section)
    if standard.status != ApprovalStatus.APPROVED:
        raise ValidationError("只有已批准的标准才能计算补发。")
    pending = Payroll.objects.filter(
        standard=standard, kind=Payroll.Kind.BACKPAY, status=ApprovalStatus.PENDING
    )
    if pending.exclude(created_by=actor).exists():
        raise ValidationError("该标准已有他人生成、待审批的补发名册，请等待审批或由生成人撤回。")


@transaction.atomic
def generate_backpay(*, actor, standard, progress=None):
    """生成补发: create (or top up) the back-pay batch of an approved standard, authored by the
    section staff member who generates it; nothing owed → None. Idempotent: what a live batch
    already pays is not owed again. progress(done, total, stage), when given, hears how far it is."""
    standard = Standard.objects.select_for_update(of=("self",)).select_related("program").get(pk=standard.pk)
    check_section_staff(actor, "civaffairs.add_payroll", standard.program.section)
    if standard.status != ApprovalStatus.APPROVED:
        raise ValidationError("只有已批准的标准才能计算补发。")
    owed = compute_backpay(standard, progress)
    if not owed:
        return None
    rules = rules_for(standard.program)
    # Top up a pending batch of the same author; a locked one never changes, so what is still owed
    # after it (or after a rejected batch) goes into a batch of its own.
    payroll = Payroll.objects.filter(
        standard=standard, kind=Payroll.Kind.BACKPAY, status=ApprovalStatus.PENDING, created_by=actor
    ).first()
    if payroll is None:
        if Payroll.objects.filter(
            standard=standard, kind=Payroll.Kind.BACKPAY, status=ApprovalStatus.PENDING
        ):
            raise ValidationError("该标准已有他人生成、待审批的补发名册，请等待审批或由生成人撤回。")
        payroll = Payroll.objects.create(
            program=standard.program,
            kind=Payroll.Kind.BACKPAY,
            month=month_start(timezone.localdate()),
            standard=standard,
            created_by=actor,
        )
    item = rules.item_of(standard.category)
    insert_lines(
        [
            {
                "payroll_id": payroll.pk,
                "case_id": row[0],
                "program_id": standard.program_id,
                "town_id": row[1],
                "month": month,
                "paid_month": payroll.month,
                "kind": PaymentLine.Kind.BACKPAY,
                "item": item,
                "amount": amount,
                "standard_id": standard.pk,
                "persons": persons,
                "income": income,
                **_payee(row[: len(CASE_FIELDS)]),
            }
            for row, month, persons, income, amount in owed
        ],
        progress,
        "写入补发明细",
    )
    refresh_totals(payroll)
    audit.record(actor, "backpay.generate", payroll, {"standard": standard.pk, "lines": len(owed)})
    return payroll
