"""Monthly payrolls (发放花名册): generated in bulk from the cases in payment and the approved
standards, with the arrears of cases approved late; approved (locked) or rejected by the section
chief; withdrawn by their author while pending."""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q, Sum

from civaffairs import audit
from civaffairs.models import (
    ApprovalStatus,
    Case,
    Coverage,
    PaymentLine,
    Payroll,
    Program,
    Standard,
)
from civaffairs.periods import month_start

from .approval import check_decision, check_move, check_section_staff, record_decision
from .income import monthly_incomes
from .rules import CaseFacts, rules_for, to_cent

IN_PAYMENT = [Case.Status.ACTIVE, Case.Status.ENDED]
LIVE = [ApprovalStatus.PENDING, ApprovalStatus.APPROVED]


def program_of(value):
    return value if isinstance(value, Program) else Program.objects.get(code=value)


def alive_in(month, field="person__death_date"):
    """Paid up to and including the month of death, never a month after it."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": month})


def in_payment_in(month, prefix=""):
    return Q(**{f"{prefix}start_month__lte": month}) & (
        Q(**{f"{prefix}end_month__isnull": True}) | Q(**{f"{prefix}end_month__gt": month})
    )


def cases_in_payment(program, month):
    """Cases paid for a month: approved, started, not yet stopped, the person not dead before it —
    and not a month that a migrated ledger says was paid outside the system (up to its paid-through
    month): paying it again would pay it twice; back-pay owes such a month only the difference."""
    return (
        Case.objects.filter(in_payment_in(month), program=program, status__in=IN_PAYMENT)
        .filter(Q(person__isnull=True) | alive_in(month))
        .exclude(migrated_paid_through__gte=month)
    )


def covered_persons(cases, months):
    """{(case_id, month): persons covered} for a queryset of cases: spells in force in the month,
    members who died before the month left out (from one query; the counting is the rule)."""
    counts = defaultdict(int)
    spells = Coverage.objects.filter(case__in=cases).values_list(
        "case_id", "start_month", "end_month", "person__death_date"
    )
    for case_id, start, end, death in spells.iterator(chunk_size=5000):
        for m in months:
            if start <= m and (end is None or end > m) and (death is None or death >= m):
                counts[(case_id, m)] += 1
    return counts


def standards_by_month(program, months):
    """{(category, month): Standard} of approved standards in force, from one query."""
    if not months:
        return {}
    approved = list(
        Standard.objects.filter(
            program=program, status=ApprovalStatus.APPROVED, effective_from__lte=max(months)
        ).order_by("category", "effective_from", "id")
    )
    out = {}
    for month in months:
        for s in approved:
            if s.effective_from <= month:
                out[(s.category, month)] = s
    return out


def monthly_payrolls(program):
    return Payroll.objects.filter(program=program, kind=Payroll.Kind.MONTHLY, status__in=LIVE)


def last_paid_month(program):
    """The latest month with a monthly payroll (pending or approved) of the program."""
    return monthly_payrolls(program).aggregate(m=Max("month"))["m"]


CASE_FIELDS = (
    "id",
    "town_id",
    "area",
    "category",
    "care_level",
    "household__income_per_capita",
    "household__head__name",
    "household__bank_name",
    "household__bank_account",
    "person__name",
    "person__account_holder",
    "person__bank_name",
    "person__bank_account",
)


def _payee(row):
    """Who a line pays and to which account, as recorded when it is generated: a household's
    head and account; a person's own account, or their guardian's (the account holder)."""
    *_, head, bank_name, bank_account, person_name, holder, person_bank, person_account = row
    if head:
        return {"payee": head, "bank_name": bank_name or "", "bank_account": bank_account or ""}
    return {
        "payee": holder or person_name or "",
        "bank_name": person_bank or "",
        "bank_account": person_account or "",
    }


_LINE_FIELDS = [f for f in PaymentLine._meta.concrete_fields if not f.primary_key]


LINE_BATCH = 2000  # lines written per INSERT, and the step of a job's progress


def insert_lines(lines, progress=None, stage="写入发放明细"):
    """Write payment lines — dicts of PaymentLine's fields by attname (payroll_id, case_id, …) —
    with COPY on PostgreSQL, one prepared INSERT run per line on SQLite, else in batches of one
    INSERT each. bulk_create of model objects spent
    most of its time building 22,187 objects and their SQL value by value (25 s of a 37 s
    back-pay under a profiler). progress(done, total, stage), when given, hears every LINE_BATCH
    lines (a background job's page)."""
    if not lines:
        return
    table = connection.ops.quote_name(PaymentLine._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _LINE_FIELDS)
    attnames = [f.attname for f in _LINE_FIELDS]
    row = "(" + ", ".join(["%s"] * len(attnames)) + ")"
    total = len(lines)
    if connection.vendor == "postgresql":
        # COPY: no SQL text to build or parse (psycopg spent seconds splitting the INSERT's
        # 30,000 placeholders).
        # One COPY per LINE_BATCH lines, progress heard between them: the connection is busy
        # while a COPY is open, and progress may write through it.
        with connection.cursor() as cursor:
            for start in range(0, total, LINE_BATCH):
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for line in lines[start : start + LINE_BATCH]:
                        copy.write_row([line[name] for name in attnames])
                if progress:
                    progress(min(start + LINE_BATCH, total), total, stage)
        return
    if connection.vendor == "sqlite":
        # One prepared single-row INSERT run for every line (executemany): SQLite caps a
        # statement's parameters (999), so multi-row INSERTs held 55 lines each, and rewriting
        # each one's thousand placeholders cost more than inserting the rows.
        with connection.cursor() as cursor:
            for start in range(0, total, LINE_BATCH):
                chunk = lines[start : start + LINE_BATCH]
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES {row}",
                    [[line[name] for name in attnames] for line in chunk],
                )
                if progress:
                    progress(min(start + LINE_BATCH, total), total, stage)
        return
    batch_size = min(LINE_BATCH, connection.ops.bulk_batch_size(_LINE_FIELDS, lines))
    with connection.cursor() as cursor:
        for start in range(0, len(lines), batch_size):
            chunk = lines[start : start + batch_size]
            values = [line[name] for line in chunk for name in attnames]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))}", values)
            if progress:
                progress(min(start + batch_size, total), total, stage)


def lines_for(*, program, rules, rows, targets, persons, standards, payroll, kind, paid_month, incomes=None):
    """Payment lines (dicts for insert_lines) of the given case rows for their target months,
    priced by the rules. targets: {case_id: [months]}; persons: {(case_id, month): n} and incomes:
    {(case_id, month): per-capita income of that month} (income.monthly_incomes) for household
    programs."""
    incomes = incomes or {}
    lines = []
    for row in rows:
        case_id, town_id, area, category, care_level, income = row[:6]
        months = targets.get(case_id) or []
        if not months:
            continue
        payee = _payee(row)
        for item, std_category in rules.items(CaseFacts(area, category, care_level)):
            for m in months:
                std = standards.get((std_category, m))
                if std is None:
                    continue
                n = persons.get((case_id, m), 0) if rules.per_household else 1
                if n <= 0:
                    continue
                month_income = incomes.get((case_id, m), income) if rules.per_household else income
                amount = rules.amount(
                    standard_amount=std.amount, basis=std.basis, income=month_income, persons=n
                )
                if amount <= 0:
                    continue
                lines.append(
                    {
                        "payroll_id": payroll.pk,
                        "case_id": case_id,
                        "program_id": program.pk,
                        "town_id": town_id,
                        "month": m,
                        "paid_month": paid_month,
                        "kind": kind,
                        "item": item,
                        "amount": amount,
                        "standard_id": std.pk,
                        "persons": n,
                        "income": month_income if rules.per_household else None,
                        **payee,
                    }
                )
    return lines


def considered_since(payrolls):
    """{month: the latest generation of a live monthly payroll of that month or a later one}, from
    [(month, created_at)]. A case approved before that time had the month considered — by the
    month's own payroll, or as arrears by a later payroll generated after its approval."""
    out, latest = {}, None
    for m, created in sorted(payrolls, reverse=True):
        latest = created if latest is None else max(latest, created)
        out[m] = latest
    return out


def _arrears(program, month):
    """{case_id: [months]} owed as arrears: a case approved after earlier payrolls were generated
    was not in them, so those of its months in payment are paid now — even when the case has
    left payment since (a death, a termination), since what was owed stays owed."""
    earlier = list(monthly_payrolls(program).filter(month__lt=month).values_list("month", "created_at"))
    if not earlier:
        return {}
    # A month is owed to a case approved after every live payroll of that month up to this one
    # was generated: none of them has paid it (the month's own payroll did not see the case, and
    # a payroll in between generated after the approval would have paid it as arrears). Not
    # merely "after the latest payroll": a month sent back and generated again after the
    # approval pays only itself, not the months after it.
    since = considered_since(earlier)
    late = Case.objects.filter(
        program=program,
        status__in=IN_PAYMENT,
        start_month__lt=month,
        approved_at__gt=min(since.values()),
    )
    candidates = list(late.values_list("id", "start_month", "end_month", "approved_at", "person__death_date"))
    # Paid already: by a payroll's line, or by back-pay (a raise's batch settles at the new
    # standard a month it took for considered and paid nothing).
    paid = set(
        PaymentLine.objects.live()
        .filter(case__in=late.values("id"), kind__in=[PaymentLine.Kind.REGULAR, PaymentLine.Kind.BACKPAY])
        .values_list("case_id", "month")
        .distinct()
    )
    arrears = {}
    for case_id, start, end, approved_at, death in candidates:
        months = [
            m
            for m in sorted(since)
            if m >= start
            and (end is None or m < end)
            and (death is None or death >= m)
            and since[m] < approved_at
            and (case_id, m) not in paid
        ]
        if months:
            arrears[case_id] = months
    return arrears


def check_payroll_generation(*, actor, program, month):
    """What generate_payroll refuses before any work: asked again by the request that queues the
    job, so the refusal comes at once."""
    check_section_staff(actor, "civaffairs.add_payroll", program.section)
    if program.cadence != Program.Cadence.MONTHLY:
        raise ValidationError("一次性救助不生成月度名册。")
    if monthly_payrolls(program).filter(month=month).exists():
        raise ValidationError(f"{program.name}{month:%Y年%m月}的名册已生成，不能重复生成；更正请另行办理。")


@transaction.atomic
def generate_payroll(*, actor, program, month, progress=None):
    """The monthly payroll of a program from the cases in payment and the approved standards of
    that month, in bulk. Cases approved after earlier payrolls get those months as arrears.
    progress(done, total, stage), when given, hears how far it is (a background job's page)."""
    program = program_of(program)
    month = month_start(month)
    check_payroll_generation(actor=actor, program=program, month=month)
    rules = rules_for(program)
    if progress:
        progress(0, 0, "计算应发金额")
    in_payment = cases_in_payment(program, month)
    # A month paid already (as arrears by a later payroll, before this one was rejected and is
    # generated again) is not paid twice.
    already = set(
        PaymentLine.objects.live()
        .filter(program=program, month=month, kind=PaymentLine.Kind.REGULAR)
        .values_list("case_id", flat=True)
    )
    arrears = _arrears(program, month)
    current_ids = set(in_payment.values_list("id", flat=True))
    targets = {case_id: list(months) for case_id, months in arrears.items()}
    for case_id in current_ids - already:
        targets.setdefault(case_id, []).append(month)
    rows = list(Case.objects.filter(pk__in=list(targets)).values_list(*CASE_FIELDS)) if targets else []
    all_months = sorted({m for months in targets.values() for m in months})
    standards = standards_by_month(program, all_months)
    persons, incomes = {}, {}
    if rules.per_household and targets:
        persons = covered_persons(Case.objects.filter(pk__in=list(targets)), all_months)
        incomes = monthly_incomes(
            [(case_id, m) for case_id, months in targets.items() for m in months],
            {row[0]: row[5] for row in rows},
        )
    try:
        with transaction.atomic():
            payroll = Payroll.objects.create(
                program=program, kind=Payroll.Kind.MONTHLY, month=month, created_by=actor
            )
    except IntegrityError:
        # Someone generated the same month a moment ago.
        raise ValidationError(f"{program.name}{month:%Y年%m月}的名册已由他人生成，请刷新查看。") from None
    lines = lines_for(
        program=program,
        rules=rules,
        rows=rows,
        targets=targets,
        persons=persons,
        standards=standards,
        payroll=payroll,
        kind=PaymentLine.Kind.REGULAR,
        paid_month=month,
        incomes=incomes,
    )
    insert_lines(lines, progress)
    refresh_totals(payroll)
    audit.record(
        actor, "payroll.generate", payroll, {"lines": payroll.line_count, "total": str(payroll.total)}
    )
    return payroll


def refresh_totals(payroll):
    agg = payroll.lines.aggregate(total=Sum("amount"), n=Count("id"))
    payroll.total, payroll.line_count = to_cent(agg["total"] or 0), agg["n"]
    payroll.save(update_fields=["total", "line_count"])


@transaction.atomic
def decide_payroll(*, actor, payroll, approve, comment=""):
    """Approve (and lock) or reject a payroll or back-pay batch. A rejected batch keeps its lines,
    marked by its status, so what was rejected can be seen; it frees its month."""
    payroll = Payroll.objects.select_for_update(of=("self",)).select_related("program").get(pk=payroll.pk)
    check_decision(
        payroll,
        actor=actor,
        approve=approve,
        comment=comment,
        what="该名册",
        perm="civaffairs.approve_payroll",
        section=payroll.program.section,
        reject_word="退回",
    )
    if approve:
        stale = paid_after_death(payroll)
        if stale:
            raise ValidationError(
                f"该名册生成后登记了死亡，有{len(stale)}笔按死亡后的月份计发（{'；'.join(stale[:5])}"
                f"{'等' if len(stale) > 5 else ''}），请退回后重新生成。"
            )
        ended = paid_after_end(payroll)
        if ended:
            raise ValidationError(
                f"该名册生成后登记了停发或任期结束，有{len(ended)}笔按停发后的月份计发（{'；'.join(ended[:5])}"
                f"{'等' if len(ended) > 5 else ''}），请退回后重新生成。"
            )
        unpayable = list(
            payroll.lines.filter(bank_account="")
            .order_by("payee")
            .values_list("payee", flat=True)
            .distinct()[:6]
        )
        if unpayable:
            # A transfer without an account bounces, or someone types one into the spreadsheet
            # outside the four-eyes rule of account changes: stop it here, where lines are final.
            raise ValidationError(
                f"该名册有收款人没有收款账户（{'、'.join(unpayable[:5])}{'等' if len(unpayable) > 5 else ''}），"
                "请先在人员或家庭页面“变更收款账户”登记账户，再退回后重新生成。"
            )
    record_decision(payroll, actor=actor, approve=approve, comment=comment)
    audit.record(
        actor,
        f"payroll.{'approve' if approve else 'reject'}",
        payroll,
        {"status": ["pending", payroll.status], "total": str(payroll.total), "comment": comment},
    )
    return payroll


def paid_after_end(payroll):
    """Lines of a waiting batch for a month its case no longer pays: a stop (a term ended, 停发)
    recorded since it was generated. ["姓名 2019年04月", …]"""
    lines = payroll.lines.filter(
        kind__in=[PaymentLine.Kind.REGULAR, PaymentLine.Kind.BACKPAY],
        case__end_month__isnull=False,
        month__gte=F("case__end_month"),
    ).order_by("month", "case_id")
    return [f"{payee} {month:%Y年%m月}" for payee, month in lines.values_list("payee", "month")]


def paid_after_death(payroll):
    """Lines of a waiting batch that a death recorded since it was generated makes wrong: a
    person's month after the month of death, or a household's month priced for more persons than
    are covered and alive in it now. ["姓名 2019年03月", …]"""
    kinds = [PaymentLine.Kind.REGULAR, PaymentLine.Kind.BACKPAY]
    lines = payroll.lines.filter(kind__in=kinds)
    out = []
    for name, death, month in lines.filter(case__person__death_date__isnull=False).values_list(
        "case__person__name", "case__person__death_date", "month"
    ):
        if month > month_start(death):
            out.append(f"{name} {month:%Y年%m月}")
    touched = lines.filter(
        case__household__isnull=False, case__coverages__person__death_date__isnull=False
    ).values_list("case_id", "month", "persons", "case__household__head__name")
    rows = set(touched)
    if rows:
        cases = Case.objects.filter(pk__in={r[0] for r in rows})
        alive = covered_persons(cases, sorted({r[1] for r in rows}))
        for case_id, month, persons, head in sorted(rows, key=lambda r: (r[1], r[0])):
            if persons > alive.get((case_id, month), 0):
                out.append(f"{head}户 {month:%Y年%m月}")
    return out


@transaction.atomic
def withdraw_payroll(*, actor, payroll, comment=""):
    """撤回: the author of a pending batch takes it back (to regenerate it, or because no one else
    may decide it). Its lines stay, marked withdrawn; its month is free again."""
    payroll = Payroll.objects.select_for_update(of=("self",)).get(pk=payroll.pk)
    check_move(payroll, ApprovalStatus.WITHDRAWN, "该名册")
    if payroll.author_id != actor.pk:
        raise PermissionDenied("只有生成该名册的人可以撤回。")
    payroll.status, payroll.comment = ApprovalStatus.WITHDRAWN, comment
    payroll.save(update_fields=["status", "comment"])
    audit.record(actor, "payroll.withdraw", payroll, {"status": ["pending", "withdrawn"], "comment": comment})
    return payroll


def paid_total(lines):
    """累计发放 of a queryset of lines: approved lines only, in the database."""
    return to_cent(lines.paid().aggregate(t=Sum("amount"))["t"] or Decimal(0))


def preview_month(case, *, income=None, persons=None, month=None):
    """What approving an application pays a month (its start month by default): per item, the
    standard in force, the persons covered and the amount — from the same rules as the payroll.
    [(item label, standard or None, persons, amount)]."""
    rules = rules_for(case.program)
    month = month or case.start_month
    standards = standards_by_month(case.program, [month])
    labels = dict(PaymentLine.Item.choices)
    n = persons if persons is not None else 1
    out = []
    for item, category in rules.items(CaseFacts(case.area, case.category, case.care_level)):
        std = standards.get((category, month))
        amount = (
            rules.amount(standard_amount=std.amount, basis=std.basis, income=income, persons=n)
            if std is not None and n > 0
            else None
        )
        out.append((labels.get(item, item), std, n, amount))
    return out
