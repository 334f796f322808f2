"""Case changes: termination (核减), 增人/减人, reviews (复核), and the chief's decision on any
request, which applies it."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from civaffairs import audit
from civaffairs.models import (
    ApprovalStatus,
    Case,
    Coverage,
    PaymentLine,
    Payroll,
    Person,
    Program,
    Request,
)
from civaffairs.money import over_max, to_cent
from civaffairs.payments.approval import check_decision, record_decision
from civaffairs.payments.payroll import last_paid_month
from civaffairs.periods import add_months, month_start
from civaffairs.services import set_household_income

from .. import programs as P
from . import procedure
from .enrolment import _check_submitter, conflict_message, find_conflicts

# The largest income a household's per-capita record holds (Household.income_per_capita).
MAX_INCOME = Decimal("99999999.99")


def _too_large(amount):
    try:
        return over_max(to_cent(amount))
    except ValueError:  # beyond what can be held to the fen (1e26)
        return True


def _pending_of(case, kind=None):
    qs = case.requests.filter(status=ApprovalStatus.PENDING)
    return qs.filter(kind=kind) if kind else qs


def _check_change_month(case, effective_month, *, income_change=False, member_change=False):
    """Changes take effect in months not yet in a payroll: paid months stay as paid, and what was
    over- or under-paid there is settled by a correction (更正). An income change applies from the
    next payroll month exactly, since payrolls read the household's current income."""
    last = last_paid_month(case.program)
    if last is None:
        if income_change and not member_change and effective_month != case.start_month:
            # No payroll yet: the first one will read the new income for every month it pays.
            raise ValidationError({"effective_month": "尚未生成名册：收入调整自该对象的起始年月起生效"})
        return
    following = add_months(last, 1)
    if effective_month <= last:
        raise ValidationError(
            {
                "effective_month": f"{last:%Y年%m月}的名册已生成，变更须从{following:%Y年%m月}起生效；"
                "已发放月份的多发或少发请办理更正"
            }
        )
    if income_change and effective_month != following:
        what = "增人、减人" if member_change else "收入调整"
        raise ValidationError({"effective_month": f"{what}自下一个发放月份（{following:%Y年%m月}）起生效"})
    if income_change and case.approved_at and case.start_month < following:
        latest = Payroll.objects.filter(
            program=case.program,
            kind=Payroll.Kind.MONTHLY,
            status__in=[ApprovalStatus.PENDING, ApprovalStatus.APPROVED],
        ).aggregate(t=Max("created_at"))["t"]
        if latest and case.approved_at > latest:
            # Its earlier months are still to be paid as arrears at the income they were approved on.
            raise ValidationError(
                {"outcome": "该对象批准后尚未进入名册（待补发以前月份），请在下月名册生成后再调整收入"}
            )


def _check_no_payroll_waiting(case):
    """A household's income is one figure, read by every payroll generated after it changes: an
    income change approved while a payroll waits would price that payroll's month at the new
    income should it be sent back and generated again. Such a change is approved once the
    waiting payroll is decided."""
    waiting = (
        Payroll.objects.filter(program=case.program, kind=Payroll.Kind.MONTHLY, status=ApprovalStatus.PENDING)
        .order_by("month")
        .first()
    )
    if waiting is not None:
        raise ValidationError(
            f"{waiting.month:%Y年%m月}的名册尚待审批：家庭收入或人数的变更须在该名册审批后再批准"
            "（名册如被退回重新生成，将按变更后的收入计发）"
        )


def _lock_for_change(case):
    """The case row, locked; refused unless in payment and without another pending change."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("program", "household__head", "person")
        .get(pk=case.pk)
    )
    if case.status != Case.Status.ACTIVE:
        raise ValidationError(f"只有在保对象可以办理变更，当前状态为“{case.get_status_display()}”。")
    if _pending_of(case).exists():
        raise ValidationError("该对象已有待审批的变更，请等待审批后再提交。")
    return case


@transaction.atomic
def submit_termination(*, actor, case, effective_month, reason):
    effective_month = month_start(effective_month)
    _check_submitter(actor, case)
    case = _lock_for_change(case)
    if effective_month <= case.start_month:
        raise ValidationError({"effective_month": "停发年月须晚于起始年月"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写核减原因"})
    _check_change_month(case, effective_month)
    request = Request.objects.create(
        kind=Request.Kind.TERMINATE,
        case=case,
        effective_month=effective_month,
        reason=reason,
        submitted_by=actor,
    )
    audit.record(
        actor, "case.submit_termination", case, {"effective_month": str(effective_month), "reason": reason}
    )
    return request


@transaction.atomic
def submit_member_change(*, actor, case, person, add, effective_month, reason="", income_total=None):
    """增人 / 减人 of a 低保 household, effective from a month. On approval the per-capita income
    is derived again for the persons then covered, from the household's total income — or from
    income_total, when the change brings or takes an income of its own."""
    if income_total is not None:
        try:
            income_total = Decimal(income_total)
        except (ArithmeticError, TypeError, ValueError):
            raise ValidationError({"income_total": "请填写家庭月总收入"}) from None
        if not income_total.is_finite():
            raise ValidationError({"income_total": "请填写家庭月总收入"})
        if income_total < 0:
            raise ValidationError({"income_total": "家庭月总收入不能为负数"})
        if income_total > MAX_INCOME:
            # The per-capita income derived from it must fit the household's record (it did not,
            # and the chief's approval failed with a server error).
            raise ValidationError({"income_total": f"家庭月总收入数额过大（最多{MAX_INCOME:,}元）"})
    effective_month = month_start(effective_month)
    _check_submitter(actor, case)
    case = _lock_for_change(case)
    if case.program.unit != Program.Unit.HOUSEHOLD:
        raise ValidationError("只有低保家庭可以增人或减人。")
    died = case.coverages.filter(person=person, ended_by_death=True).first()
    if not add and died is not None:
        # The paperwork for a death already recorded: cover and payment stopped at the death,
        # so the 减人 takes effect from that month whatever has been paid since.
        effective_month = died.end_month
    else:
        # A member change re-derives the household's per-capita income on approval, and payrolls
        # read the current income: like an income review it takes effect from the next payroll
        # month exactly, and not while a late approval's arrears are still to be paid.
        _check_change_month(case, effective_month, income_change=True, member_change=True)
    if add and effective_month < case.start_month:
        raise ValidationError({"effective_month": "增人年月不能早于该户的起始年月"})
    if effective_month <= case.start_month and not add:
        raise ValidationError({"effective_month": "减人年月须晚于起始年月"})
    open_cover = case.coverages.filter(person=person, end_month__isnull=True).exists()
    if (
        not add
        and open_cover
        and not case.coverages.filter(end_month__isnull=True).exclude(person=person).exists()
    ):
        raise ValidationError(
            {"person": f"{person.name}是该户唯一的保障人员；不再符合条件请提交核减（终止）"}
        )
    if add:
        person = Person.objects.get(pk=person.pk)  # as recorded now
        if person.death_date and person.death_date < effective_month:
            raise ValidationError({"person": f"{person.name}已于{person.death_date}死亡，不能增人"})
        if not case.household.members.filter(person=person, left_on__isnull=True).exists():
            raise ValidationError({"person": f"{person.name}不是该家庭的在册成员，请先在家庭页面添加成员"})
        if open_cover:
            raise ValidationError({"person": f"{person.name}已在保障范围内"})
        conflicts = find_conflicts(case.program, [person], effective_month, exclude_case=case)
        if conflicts:
            raise ValidationError({"person": [conflict_message(c, actor) for c in conflicts]})
    elif not open_cover and died is None:
        raise ValidationError({"person": f"{person.name}不在保障范围内"})
    kind = Request.Kind.ADD_MEMBER if add else Request.Kind.REMOVE_MEMBER
    request = Request.objects.create(
        kind=kind,
        case=case,
        person=person,
        effective_month=effective_month,
        reason=reason,
        data={"income_total": str(income_total)} if income_total is not None else {},
        submitted_by=actor,
    )
    submitted = {"person": person.name, "effective_month": str(effective_month)}
    if income_total is not None:
        submitted["income_total"] = str(income_total)
    audit.record(actor, f"case.submit_{kind}", case, submitted)
    return request


REVIEW_OUTCOMES = [
    ("unchanged", "情况无变化"),
    ("amount_changed", "收入变化，调整金额"),
    ("terminated", "不再符合条件，终止"),
]


@transaction.atomic
def submit_review(*, actor, case, outcome, effective_month, income=None, income_total=None, reason=""):
    """动态管理复核: outcome unchanged / amount_changed / terminated. An amount change states the
    household's new monthly total income (income_total, what the caseworker checked); the
    per-capita income follows from it at approval (set_household_income). `income`, a per-capita
    figure, is still taken from the older callers."""
    effective_month = month_start(effective_month)
    _check_submitter(actor, case)
    case = _lock_for_change(case)
    if outcome not in dict(REVIEW_OUTCOMES):
        raise ValidationError({"outcome": "请选择复核结论"})
    stated, field = (income, "income") if income is not None else (income_total, "income_total")
    if outcome == "amount_changed" and case.household_id is None:
        raise ValidationError({field: "该对象不是按家庭保障的，没有家庭收入可调整"})
    if outcome == "amount_changed" and stated is None:
        raise ValidationError({field: "调整金额须填写复核后的家庭月总收入"})
    if outcome == "amount_changed" and Decimal(stated) < 0:
        raise ValidationError({field: "家庭收入不能为负数"})
    if outcome == "amount_changed" and field == "income" and _too_large(stated):
        # Priced into every month and stored on the household's record: refused here, not by the
        # database at the chief's approval.
        raise ValidationError({field: f"家庭月人均收入数额过大（最多{MAX_INCOME:,}元）"})
    if outcome != "amount_changed":
        income = income_total = None
    if outcome == "terminated" and effective_month <= case.start_month:
        raise ValidationError({"effective_month": "停发年月须晚于起始年月"})
    _check_change_month(case, effective_month, income_change=outcome == "amount_changed")
    request = Request.objects.create(
        kind=Request.Kind.REVIEW,
        case=case,
        effective_month=effective_month,
        data={
            "outcome": outcome,
            "income": str(income) if income is not None else None,
            "income_total": str(income_total) if income_total is not None and income is None else None,
        },
        reason=reason,
        submitted_by=actor,
    )
    audit.record(
        actor,
        "case.submit_review",
        case,
        {"outcome": dict(REVIEW_OUTCOMES)[outcome], "effective_month": str(effective_month)},
    )
    return request


def _end_case(case, effective_month):
    case.end_month = effective_month
    case.status = Case.Status.ENDED
    case.save(update_fields=["end_month", "status"])
    case.coverages.filter(start_month__gte=effective_month).delete()
    case.coverages.filter(Q(end_month__isnull=True) | Q(end_month__gt=effective_month)).update(
        end_month=effective_month
    )


@transaction.atomic
def decide_request(*, actor, request, approve, comment=""):
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("case__program", "case__household__head", "case__person")
        .get(pk=request.pk)
    )
    check_decision(
        request,
        actor=actor,
        approve=approve,
        comment=comment,
        what="该申请",
        perm="civaffairs.approve_case",
        section=request.case.program.section,
    )
    # Its program with it (_apply reads it); only the case's row is locked, as before the join.
    case = Case.objects.select_for_update(of=("self",)).select_related("program").get(pk=request.case_id)
    before = {"status": case.status, "end_month": str(case.end_month) if case.end_month else None}
    if approve and request.kind == Request.Kind.ENROL:
        # An application in the statutory procedure is approved only once its steps are recorded.
        procedure.check_ready(request)
        _start_from_decision(request, case)
    if approve:
        _apply(request, case, actor)
    elif request.kind == Request.Kind.ENROL:
        case.status = Case.Status.REJECTED
        case.save(update_fields=["status"])
        case.coverages.all().delete()
    record_decision(request, actor=actor, approve=approve, comment=comment)
    if request.kind == Request.Kind.ENROL:
        procedure.on_decided(request, approve=approve, comment=comment, actor=actor)
    case.refresh_from_db()
    audit.record(
        actor,
        f"request.{'approve' if approve else 'reject'}",
        request,
        {
            "kind": request.kind,
            "case": case.pk,
            "status": [before["status"], case.status],
            "end_month": [before["end_month"], str(case.end_month) if case.end_month else None],
            "comment": comment,
        },
    )
    return request


def _start_from_decision(request, case):
    """Payment of an application in the procedure starts from the month the rules set
    (procedure.payment_start: the month of acceptance), never earlier than the month applied for."""
    start = procedure.start_month_for(request)
    if start is None or start <= case.start_month:
        return
    case.start_month = start
    case.save(update_fields=["start_month"])
    case.coverages.update(start_month=start)
    request.effective_month = start
    request.save(update_fields=["effective_month"])


def _income_month(case, effective_month):
    """The month a change's income is priced from: its own, or — for the paperwork of a death
    recorded after later months were paid — the next payroll month (paid months stay as paid)."""
    last = last_paid_month(case.program)
    return max(effective_month, add_months(last, 1)) if last else effective_month


def _set_income(household, income, *, actor, reason, effective_month):
    """The household's per-capita income changes only here: on an approved application or review,
    with a version bump and an audit row (the total follows for the persons it is shared by), in
    force from the month the decision takes effect."""
    set_household_income(
        household, actor=actor, reason=reason, per_capita_income=income, effective_month=effective_month
    )


def _apply(request, case, actor):
    kind = request.kind
    paperwork = (
        kind == Request.Kind.REMOVE_MEMBER
        and case.coverages.filter(person=request.person, ended_by_death=True).exists()
    )
    if kind != Request.Kind.ENROL and not paperwork:
        # Re-checked at approval: a payroll may have been generated since the submission.
        if case.status != Case.Status.ACTIVE:
            raise ValidationError(f"该对象当前状态为“{case.get_status_display()}”，不能批准此变更。")
        _check_change_month(
            case,
            request.effective_month,
            income_change=kind in (Request.Kind.ADD_MEMBER, Request.Kind.REMOVE_MEMBER)
            or (kind == Request.Kind.REVIEW and request.data.get("outcome") == "amount_changed"),
            member_change=kind in (Request.Kind.ADD_MEMBER, Request.Kind.REMOVE_MEMBER),
        )
    changes_income = kind in (Request.Kind.ADD_MEMBER, Request.Kind.REMOVE_MEMBER) or (
        kind == Request.Kind.REVIEW and request.data.get("outcome") == "amount_changed"
    )
    if changes_income and case.household_id:
        _check_no_payroll_waiting(case)
    if kind == Request.Kind.ENROL:
        if case.status != Case.Status.PENDING:
            raise ValidationError("该申请对应的对象状态已变化，不能批准。")
        case.status = Case.Status.ACTIVE
        case.next_review = P.next_review(case.program.code, case.category, case.start_month)
        case.approved_at = timezone.now()
        case.save(update_fields=["status", "next_review", "approved_at"])
        income = request.data.get("income")
        if income is not None and case.household_id:
            # The income an application states takes effect only when it is approved.
            _set_income(
                case.household,
                Decimal(income),
                actor=actor,
                reason="新申请批准",
                effective_month=case.start_month,
            )
        if case.program.cadence == Program.Cadence.ONE_OFF:
            case.status = Case.Status.ENDED  # paid once, nothing more to come
            case.save(update_fields=["status"])
            PaymentLine.objects.create(
                case=case,
                program=case.program,
                town_id=case.town_id,
                month=case.start_month,
                paid_month=case.start_month,
                kind=PaymentLine.Kind.ONE_OFF,
                amount=case.amount,
            )
    elif kind == Request.Kind.TERMINATE:
        _end_case(case, request.effective_month)
    elif kind == Request.Kind.ADD_MEMBER:
        try:
            with transaction.atomic():
                Coverage.objects.create(
                    case=case,
                    person=request.person,
                    program=case.program,
                    exclusion_group=P.EXCLUSION_GROUPS.get(case.program.code, ""),
                    start_month=request.effective_month,
                )
        except IntegrityError:
            raise ValidationError(f"{request.person.name}已有未结束的同类救助，不能增人。") from None
        set_household_income(
            case.household,
            actor=actor,
            reason="增人后重新计算人均收入",
            total=request.data.get("income_total"),
            effective_month=_income_month(case, request.effective_month),
        )
    elif kind == Request.Kind.REMOVE_MEMBER:
        case.coverages.filter(
            person=request.person, end_month__isnull=True, start_month__gte=request.effective_month
        ).delete()
        case.coverages.filter(person=request.person, end_month__isnull=True).update(
            end_month=request.effective_month
        )
        set_household_income(
            case.household,
            actor=actor,
            reason="减人后重新计算人均收入",
            total=request.data.get("income_total"),
            effective_month=_income_month(case, request.effective_month),
        )
    elif kind == Request.Kind.REVIEW:
        outcome = request.data.get("outcome")
        if outcome == "terminated":
            _end_case(case, request.effective_month)
        else:
            if outcome == "amount_changed" and request.data.get("income_total") is not None:
                set_household_income(
                    case.household,
                    actor=actor,
                    reason="复核调整",
                    total=Decimal(request.data["income_total"]),
                    effective_month=_income_month(case, request.effective_month),
                )
            elif outcome == "amount_changed":
                _set_income(
                    case.household,
                    Decimal(request.data["income"]),
                    actor=actor,
                    reason="复核调整",
                    effective_month=_income_month(case, request.effective_month),
                )
            case.next_review = P.next_review(case.program.code, case.category, request.effective_month)
            case.save(update_fields=["next_review"])
