"""State changes of social assistance: one function each, keyword-only, `actor=` the user, one
transaction, row locks where two people could race, the audit event in the same transaction."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from civaffairs import audit
from civaffairs.models import (
    APPROVAL_MOVES,
    ApprovalStatus,
    Area,
    Case,
    Coverage,
    Household,
    PaymentLine,
    Payroll,
    Program,
    Request,
    Section,
    Standard,
)
from civaffairs.periods import add_months, month_start
from civaffairs.selectors import is_unbound_caseworker, user_section, user_town
from civaffairs.services import register_household

from . import programs as P

IN_PAYMENT = [Case.Status.ACTIVE, Case.Status.ENDED]


def program_of(value):
    return value if isinstance(value, Program) else Program.objects.get(code=value)


def _move(obj, new_status, what):
    if new_status not in APPROVAL_MOVES[ApprovalStatus(obj.status)]:
        raise ValidationError(f"{what}当前状态为“{obj.get_status_display()}”，不能再审批。")


def _check_decision(
    obj, *, actor, approve, comment, what, perm, submitted_by_id, section, reject_word="驳回"
):
    """The checks every decision makes: the status move is allowed, the approver may decide it
    and did not submit it, and a rejection says why."""
    _move(obj, ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED, what)
    _check_approver(actor, perm, submitted_by_id, section)
    if not approve and not (comment or "").strip():
        raise ValidationError({"comment": f"{reject_word}须填写意见"})


def _check_approver(actor, perm, submitted_by_id, section=Section.ASSISTANCE):
    if not actor.has_perm(perm):
        raise PermissionDenied("您的角色无权审批此事项。")
    if user_section(actor) != section:
        raise PermissionDenied(f"只有{Section(section).label}股长可以审批此事项。")
    if submitted_by_id == actor.pk:
        raise PermissionDenied("不能审批自己提交的事项。")


def _check_section_staff(actor, perm, section=Section.ASSISTANCE):
    if not actor.has_perm(perm) or user_town(actor) is not None or user_section(actor) != section:
        raise PermissionDenied(f"只有{Section(section).label}的工作人员可以办理此事项。")


def _check_submitter(actor, case):
    """Who may submit a change to a case: a caseworker (add_request) of its town or the district."""
    if not actor.has_perm("civaffairs.add_request"):
        raise PermissionDenied("您的角色不能提交救助业务。")
    _check_scope(actor, case)


def _check_scope(actor, case_or_town):
    if is_unbound_caseworker(actor):
        raise PermissionDenied("该账号未绑定镇或股室，请联系系统管理员")
    town = user_town(actor)
    town_id = getattr(case_or_town, "town_id", getattr(case_or_town, "pk", None))
    if town is not None and town.pk != town_id:
        raise PermissionDenied("只能办理本镇的业务。")


# ---------------------------------------------------------------- enrolment and case changes


def find_conflicts(program, persons, start_month, exclude_case=None):
    """Open or pending covers that would overlap a new cover of `program` from start_month."""
    group = P.EXCLUSION_GROUPS.get(program.code, "")
    same = Q(program=program)
    if group:
        same |= Q(exclusion_group=group)
    qs = (
        Coverage.objects.filter(same, person__in=persons)
        .filter(Q(end_month__isnull=True) | Q(end_month__gt=start_month))
        .exclude(case__status=Case.Status.REJECTED)
        .select_related("case__program", "case__town", "person")
    )
    if exclude_case is not None:
        qs = qs.exclude(case=exclude_case)
    return list(qs)


def conflict_message(cov, actor=None):
    """Names the conflicting case — to a user who may see it. A town caseworker learns of another
    town's case only that one exists."""
    town = user_town(actor) if actor is not None else None
    if town is not None and cov.case.town_id != town.pk:
        return (
            f"{cov.person.name}（{cov.person.masked_id}）已在其他镇享受不能同时享受的救助，请联系区民政局核实"
        )
    return _conflict_detail(cov)


def _conflict_detail(cov):
    return (
        f"{cov.person.name}（{cov.person.masked_id}）已有{cov.case.get_status_display()}的"
        f"{cov.case.program.name}（编号{cov.case.pk}，{cov.case.town.name}，{cov.case.start_month:%Y年%m月}起），"
        f"{'与本项目不能同时享受' if cov.case.program_id else ''}"
    ).rstrip("，")


@transaction.atomic
def submit_enrolment(
    *,
    actor,
    program,
    start_month=None,
    household=None,
    person=None,
    covered=None,
    category="",
    care_level="",
    institution=None,
    area=None,
    income=None,
    amount=None,
    event_date=None,
    flags=(),
    reason="",
):
    """A caseworker's application; the chief's approval puts it in payment from start_month."""
    program = program_of(program)
    if not actor.has_perm("civaffairs.add_request"):
        raise PermissionDenied("您的角色不能提交救助申请。")
    errors = {}
    if start_month is None and program.cadence == Program.Cadence.MONTHLY:
        raise ValidationError({"start_month": "请填写起始年月"})
    start_month = month_start(start_month or event_date or datetime.date.today())
    if program.unit == Program.Unit.HOUSEHOLD:
        if household is None:
            raise ValidationError({"household": "低保须以家庭为单位申请"})
        _check_scope(actor, household)
        members = {
            m.person_id: m.person
            for m in household.members.filter(left_on__isnull=True).select_related("person")
        }
        covered = list(covered) if covered is not None else list(members.values())
        if not covered:
            errors["covered"] = "至少须有一名保障人员"
        outside = [p.name for p in covered if p.pk not in members]
        if outside:
            errors["covered"] = f"{'、'.join(outside)}不是该家庭的在册成员"
        town_id, case_area = household.town_id, household.area
    else:
        if person is None:
            raise ValidationError({"person": "请选择人员"})
        _check_scope(actor, person)
        covered = [person]
        town_id = person.town_id
        case_area = area or person.region.area or Area.RURAL
        if person.death_date and person.death_date < start_month:
            errors["person"] = f"{person.name}已于{person.death_date}死亡"
    if program.code == P.DISABILITY_CARE and (person.disability_grade not in (1, 2)):
        errors["person"] = "重度残疾人护理补贴须为一级或二级残疾"
    if program.code == P.DISABILITY_LIVING and not person.disability_grade:
        errors["person"] = "困难残疾人生活补贴须持有残疾人证"
    if program.code in P.CASE_CATEGORIES and category not in dict(P.CASE_CATEGORIES[program.code]):
        errors["category"] = "请选择类别"
    if program.code == P.TEKUN and category == P.CENTRALIZED and institution is None:
        errors["institution"] = "集中供养须选择供养机构"
    if program.code == P.TEMP_RELIEF:
        if amount is None or Decimal(amount) <= 0:
            errors["amount"] = "请填写救助金额"
        if event_date is None:
            errors["event_date"] = "请填写救助日期"
        else:
            start_month = month_start(event_date)
    if errors:
        raise ValidationError(errors)
    if program.cadence == Program.Cadence.MONTHLY:
        conflicts = find_conflicts(program, covered, start_month)
        if conflicts:
            raise ValidationError({"covered": [conflict_message(c, actor) for c in conflicts]})
    if income is not None and household is not None and Decimal(income) != household.income_per_capita:
        Household.objects.filter(pk=household.pk).update(income_per_capita=income)
        household.income_per_capita = Decimal(income)
    case = Case.objects.create(
        program=program,
        household=household,
        person=person if household is None else None,
        town_id=town_id,
        area=case_area,
        category=category,
        care_level=care_level,
        institution=institution,
        start_month=start_month,
        end_month=add_months(start_month, 1) if program.cadence == Program.Cadence.ONE_OFF else None,
        amount=amount,
        event_date=event_date,
        flags=list(flags),
        mental_disorder="mental" in flags,
        reason=reason,
        submitted_by=actor,
    )
    if program.cadence == Program.Cadence.MONTHLY:
        group = P.EXCLUSION_GROUPS.get(program.code, "")
        try:
            with transaction.atomic():
                Coverage.objects.bulk_create(
                    [
                        Coverage(
                            case=case,
                            person=p,
                            program=program,
                            exclusion_group=group,
                            start_month=start_month,
                        )
                        for p in covered
                    ]
                )
        except IntegrityError:
            raise ValidationError({"covered": "保障人员已有未结束的同类救助，不能重复享受"}) from None
    request = Request.objects.create(
        kind=Request.Kind.ENROL,
        case=case,
        effective_month=start_month,
        data={"covered": [p.pk for p in covered], "income": str(income) if income is not None else None},
        reason=reason,
        submitted_by=actor,
    )
    audit.record(
        actor,
        "case.submit",
        case,
        {"program": program.name, "start_month": str(start_month), "covered": [p.name for p in covered]},
    )
    return request


@transaction.atomic
def apply_new_household(
    *,
    actor,
    region,
    area,
    income_per_capita,
    head,
    members,
    start_month,
    category,
    reason="",
    bank_account="",
    bank_name="",
):
    """低保申请（新家庭）: register the household and submit its application, all or nothing."""
    household = register_household(
        actor=actor,
        region=region,
        area=area,
        income_per_capita=income_per_capita,
        head=head,
        members=members,
        bank_account=bank_account,
        bank_name=bank_name,
    )
    return submit_enrolment(
        actor=actor,
        program=P.DIBAO,
        household=household,
        start_month=start_month,
        category=category,
        reason=reason,
    )


def _pending_of(case, kind=None):
    qs = case.requests.filter(status=ApprovalStatus.PENDING)
    return qs.filter(kind=kind) if kind else qs


def last_paid_month(program):
    """The latest month with a monthly payroll (pending or approved) of the program."""
    return (
        Payroll.objects.filter(program=program, kind=Payroll.Kind.MONTHLY)
        .exclude(status=ApprovalStatus.REJECTED)
        .aggregate(m=Max("month"))["m"]
    )


def _check_change_month(case, effective_month, *, income_change=False):
    """Changes take effect in months not yet in a payroll: paid months stay as paid, and what was
    over- or under-paid there is settled by a correction (更正). An income change applies from the
    next payroll month exactly, since payrolls read the household's current income."""
    last = last_paid_month(case.program)
    if last is None:
        if income_change and effective_month != case.start_month:
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
        raise ValidationError({"effective_month": f"收入调整自下一个发放月份（{following:%Y年%m月}）起生效"})
    if income_change and case.approved_at and case.start_month < following:
        latest = (
            Payroll.objects.filter(program=case.program, kind=Payroll.Kind.MONTHLY)
            .exclude(status=ApprovalStatus.REJECTED)
            .aggregate(t=Max("created_at"))["t"]
        )
        if latest and case.approved_at > latest:
            # Its earlier months are still to be paid as arrears at the income they were approved on.
            raise ValidationError(
                {"outcome": "该对象批准后尚未进入名册（待补发以前月份），请在下月名册生成后再调整收入"}
            )


def _lock_for_change(case):
    """The case row, locked; refused unless in payment and without another pending change."""
    case = Case.objects.select_for_update(of=("self",)).select_related("program", "household").get(pk=case.pk)
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
def submit_member_change(*, actor, case, person, add, effective_month, reason=""):
    """增人 / 减人 of a 低保 household, effective from a month."""
    effective_month = month_start(effective_month)
    _check_submitter(actor, case)
    case = _lock_for_change(case)
    if case.program.unit != Program.Unit.HOUSEHOLD:
        raise ValidationError("只有低保家庭可以增人或减人。")
    _check_change_month(case, effective_month)
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
        if not case.household.members.filter(person=person, left_on__isnull=True).exists():
            raise ValidationError({"person": f"{person.name}不是该家庭的在册成员，请先在家庭页面添加成员"})
        if open_cover:
            raise ValidationError({"person": f"{person.name}已在保障范围内"})
        conflicts = find_conflicts(case.program, [person], effective_month, exclude_case=case)
        if conflicts:
            raise ValidationError({"person": [conflict_message(c, actor) for c in conflicts]})
    elif not open_cover:
        raise ValidationError({"person": f"{person.name}不在保障范围内"})
    kind = Request.Kind.ADD_MEMBER if add else Request.Kind.REMOVE_MEMBER
    request = Request.objects.create(
        kind=kind,
        case=case,
        person=person,
        effective_month=effective_month,
        reason=reason,
        submitted_by=actor,
    )
    audit.record(
        actor, f"case.submit_{kind}", case, {"person": person.name, "effective_month": str(effective_month)}
    )
    return request


REVIEW_OUTCOMES = [
    ("unchanged", "情况无变化"),
    ("amount_changed", "收入变化，调整金额"),
    ("terminated", "不再符合条件，终止"),
]


@transaction.atomic
def submit_review(*, actor, case, outcome, effective_month, income=None, reason=""):
    """动态管理复核: outcome unchanged / amount_changed (new per-capita income) / terminated."""
    effective_month = month_start(effective_month)
    _check_submitter(actor, case)
    case = _lock_for_change(case)
    if outcome not in dict(REVIEW_OUTCOMES):
        raise ValidationError({"outcome": "请选择复核结论"})
    if outcome == "amount_changed" and (case.household_id is None or income is None or Decimal(income) < 0):
        raise ValidationError({"income": "调整金额须填写新的家庭月人均收入"})
    if outcome == "terminated" and effective_month <= case.start_month:
        raise ValidationError({"effective_month": "停发年月须晚于起始年月"})
    _check_change_month(case, effective_month, income_change=outcome == "amount_changed")
    request = Request.objects.create(
        kind=Request.Kind.REVIEW,
        case=case,
        effective_month=effective_month,
        data={"outcome": outcome, "income": str(income) if income is not None else None},
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
        Request.objects.select_for_update(of=("self",)).select_related("case__program").get(pk=request.pk)
    )
    _check_decision(
        request,
        actor=actor,
        approve=approve,
        comment=comment,
        what="该申请",
        perm="civaffairs.approve_case",
        submitted_by_id=request.submitted_by_id,
        section=request.case.program.section,
    )
    case = Case.objects.select_for_update().get(pk=request.case_id)
    before = {"status": case.status, "end_month": str(case.end_month) if case.end_month else None}
    if approve:
        _apply(request, case, actor)
    elif request.kind == Request.Kind.ENROL:
        case.status = Case.Status.REJECTED
        case.save(update_fields=["status"])
        case.coverages.all().delete()
    request.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    request.decided_by, request.decided_at, request.comment = actor, timezone.now(), comment
    request.save(update_fields=["status", "decided_by", "decided_at", "comment"])
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


def _apply(request, case, actor):
    kind = request.kind
    if kind != Request.Kind.ENROL:
        # Re-checked at approval: a payroll may have been generated since the submission.
        if case.status != Case.Status.ACTIVE:
            raise ValidationError(f"该对象当前状态为“{case.get_status_display()}”，不能批准此变更。")
        _check_change_month(
            case,
            request.effective_month,
            income_change=kind == Request.Kind.REVIEW and request.data.get("outcome") == "amount_changed",
        )
    if kind == Request.Kind.ENROL:
        if case.status != Case.Status.PENDING:
            raise ValidationError("该申请对应的对象状态已变化，不能批准。")
        case.status = Case.Status.ACTIVE
        case.next_review = P.next_review(case.program.code, case.category, case.start_month)
        case.approved_at = timezone.now()
        case.save(update_fields=["status", "next_review", "approved_at"])
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
    elif kind == Request.Kind.REMOVE_MEMBER:
        case.coverages.filter(
            person=request.person, end_month__isnull=True, start_month__gte=request.effective_month
        ).delete()
        case.coverages.filter(person=request.person, end_month__isnull=True).update(
            end_month=request.effective_month
        )
    elif kind == Request.Kind.REVIEW:
        outcome = request.data.get("outcome")
        if outcome == "terminated":
            _end_case(case, request.effective_month)
        else:
            if outcome == "amount_changed":
                Household.objects.filter(pk=case.household_id).update(
                    income_per_capita=Decimal(request.data["income"]), version=F("version") + 1
                )
            case.next_review = P.next_review(case.program.code, case.category, request.effective_month)
            case.save(update_fields=["next_review"])


# ---------------------------------------------------------------- standards and back-pay


@transaction.atomic
def draft_standard(
    *, actor, program, category, amount, effective_from, document="", subsidy_level=None, note=""
):
    program = program_of(program)
    _check_section_staff(actor, "civaffairs.add_standard", program.section)
    cats = {c: basis for c, _label, basis in P.STANDARD_CATEGORIES.get(program.code, [])}
    if category not in cats:
        raise ValidationError({"category": "该项目没有此类别"})
    if amount is None or Decimal(amount) < 0:
        raise ValidationError({"amount": "标准须为非负数"})
    standard = Standard.objects.create(
        program=program,
        category=category,
        amount=amount,
        basis=cats[category],
        subsidy_level=subsidy_level,
        effective_from=effective_from,
        document=document,
        note=note,
        drafted_by=actor,
        status=ApprovalStatus.PENDING,
    )
    audit.record(
        actor,
        "standard.draft",
        standard,
        audit.snapshot(standard, ["program", "category", "amount", "effective_from", "document"]),
    )
    return standard


@transaction.atomic
def decide_standard(*, actor, standard, approve, comment=""):
    """Approving a standard effective in the past creates its back-pay batch (补发), once."""
    standard = Standard.objects.select_for_update(of=("self",)).select_related("program").get(pk=standard.pk)
    _check_decision(
        standard,
        actor=actor,
        approve=approve,
        comment=comment,
        what="该标准",
        perm="civaffairs.approve_standard",
        submitted_by_id=standard.drafted_by_id,
        section=standard.program.section,
    )
    if approve:
        blocking = Payroll.objects.filter(
            program=standard.program,
            kind=Payroll.Kind.MONTHLY,
            status=ApprovalStatus.PENDING,
            month__gte=month_start(standard.effective_from),
        ).first()
        if blocking:
            raise ValidationError(f"{blocking}尚待审批，它按旧标准计算。请先审批或退回该名册，再批准新标准。")
        if Standard.objects.filter(
            program=standard.program,
            category=standard.category,
            effective_from=standard.effective_from,
            status=ApprovalStatus.APPROVED,
        ).exists():
            raise ValidationError("同一项目、类别、生效日期已有批准的标准。")
    standard.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    standard.decided_by, standard.decided_at, standard.comment = actor, timezone.now(), comment
    standard.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    audit.record(
        actor,
        f"standard.{'approve' if approve else 'reject'}",
        standard,
        {"status": ["pending", standard.status], "comment": comment},
    )
    backpay = (
        generate_backpay(standard=standard, paid_month=month_start(timezone.localdate()), actor=actor)
        if approve
        else None
    )
    return standard, backpay


def _item_of(category):
    return PaymentLine.Item.CARE if category.startswith("care_") else PaymentLine.Item.BASIC


def compute_backpay(standard):
    """[(case_id, town_id, month, persons, income, amount)] owed for months already paid under an
    older standard: new entitlement − everything paid for that case, month and item. Pure of writes."""
    program = standard.program
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
    item = _item_of(standard.category)
    months = Q(month__gte=month_start(standard.effective_from))
    if later:
        months &= Q(month__lt=month_start(later))
    paid_lines = PaymentLine.objects.filter(months, program=program, item=item).exclude(
        payroll__status=ApprovalStatus.REJECTED
    )
    regular = list(
        paid_lines.filter(kind=PaymentLine.Kind.REGULAR, standard__category=standard.category).values_list(
            "case_id", "town_id", "month", "persons", "income"
        )
    )
    regular += _paid_nothing(standard, item, later, {(row[0], row[2]) for row in regular})
    # Corrections settle something else (an error, an overpayment recovered): not counted as paid here.
    totals = {
        (row["case_id"], row["month"]): row["total"]
        for row in paid_lines.exclude(kind=PaymentLine.Kind.CORRECTION)
        .values("case_id", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    owed = []
    for case_id, town_id, month, persons, income in regular:
        due = P.entitlement(
            program.code,
            standard_amount=standard.amount,
            basis=standard.basis,
            income=income,
            persons=persons,
        )
        diff = due - totals.get((case_id, month), Decimal(0))
        if diff > 0:  # a lower standard recovers nothing automatically
            owed.append((case_id, town_id, month, persons, income, diff))
    return owed


def _paid_nothing(standard, item, later, seen):
    """Case-months of approved payrolls where a case was in payment, was considered (approved
    before the payroll was generated) and got no line — a 低保 household whose income reached the
    old standard: the new standard may owe them. A case approved later is owed those months as
    arrears by the next payroll, at the standard then in force, so it is left out here. Income is
    the household's current one, persons those covered in that month."""
    program = standard.program
    months = Payroll.objects.filter(
        program=program,
        kind=Payroll.Kind.MONTHLY,
        status=ApprovalStatus.APPROVED,
        month__gte=month_start(standard.effective_from),
    )
    if later:
        months = months.filter(month__lt=month_start(later))
    out = []
    household = program.unit == Program.Unit.HOUSEHOLD
    for month, generated in months.values_list("month", "created_at"):
        # Records migrated without an approval time count as approved long ago.
        cases = cases_in_payment(program, month).filter(
            Q(approved_at__lt=generated) | Q(approved_at__isnull=True)
        )
        rows = [
            row
            for row in cases.values_list(
                "id", "town_id", "area", "category", "care_level", "household__income_per_capita"
            )
            if (row[0], month) not in seen
            and (item, standard.category)
            in P.payment_items(program.code, area=row[2], category=row[3], care_level=row[4])
        ]
        persons = (
            covered_persons(cases.filter(pk__in=[r[0] for r in rows]), [month]) if household and rows else {}
        )
        for case_id, town_id, *_rest, income in rows:
            out.append(
                (
                    case_id,
                    town_id,
                    month,
                    persons.get((case_id, month), 0) if household else 1,
                    income if household else None,
                )
            )
    return out


@transaction.atomic
def generate_backpay(*, standard, paid_month, actor=None):
    """Create (or top up) the back-pay batch of an approved standard; idempotent."""
    if standard.status != ApprovalStatus.APPROVED:
        raise ValidationError("只有已批准的标准才能生成补发。")
    owed = compute_backpay(standard)
    batches = (
        Payroll.objects.filter(standard=standard, kind=Payroll.Kind.BACKPAY)
        .exclude(status=ApprovalStatus.REJECTED)
        .order_by("-id")
    )
    if not owed:
        return batches.first()
    # Top up the pending batch; a locked one never changes, so what is still owed after it (or
    # after a rejected batch) goes into a batch of its own.
    payroll = batches.filter(status=ApprovalStatus.PENDING).first()
    if payroll is None:
        # The batch follows from the drafter's proposal, so the drafter stands as its submitter
        # and the chief who approved the standard may approve the batch.
        payroll = Payroll.objects.create(
            program=standard.program,
            kind=Payroll.Kind.BACKPAY,
            month=paid_month,
            standard=standard,
            created_by=standard.drafted_by,
        )
    item = _item_of(standard.category)
    PaymentLine.objects.bulk_create(
        [
            PaymentLine(
                payroll=payroll,
                case_id=case_id,
                program=standard.program,
                town_id=town_id,
                month=month,
                paid_month=payroll.month,
                kind=PaymentLine.Kind.BACKPAY,
                item=item,
                amount=amount,
                standard=standard,
                persons=persons,
                income=income,
            )
            for case_id, town_id, month, persons, income, amount in owed
        ],
        batch_size=2000,
    )
    _refresh_totals(payroll)
    audit.record(
        actor or standard.drafted_by,
        "backpay.generate",
        payroll,
        {"standard": standard.pk, "lines": len(owed)},
    )
    return payroll


@transaction.atomic
def regenerate_backpay(*, actor, standard):
    """重新计算补发: after a batch was rejected, or for months paid since; nothing owed → None."""
    standard = Standard.objects.select_for_update(of=("self",)).select_related("program").get(pk=standard.pk)
    _check_section_staff(actor, "civaffairs.add_payroll", standard.program.section)
    if standard.status != ApprovalStatus.APPROVED:
        raise ValidationError("只有已批准的标准才能计算补发。")
    before = set(
        Payroll.objects.filter(standard=standard, kind=Payroll.Kind.BACKPAY).values_list("id", "line_count")
    )
    payroll = generate_backpay(standard=standard, paid_month=month_start(timezone.localdate()), actor=actor)
    if payroll is None or (payroll.pk, payroll.line_count) in before:
        return None
    return payroll


def _refresh_totals(payroll):
    agg = payroll.lines.aggregate(total=Sum("amount"), n=Count("id"))
    payroll.total, payroll.line_count = Decimal(agg["total"] or 0).quantize(P.CENT), agg["n"]
    payroll.save(update_fields=["total", "line_count"])


# ---------------------------------------------------------------- payrolls


def cases_in_payment(program, month):
    """Cases paid for a month: approved, started, not yet stopped, the person not dead before it."""
    return (
        Case.objects.filter(program=program, status__in=IN_PAYMENT, start_month__lte=month)
        .filter(Q(end_month__isnull=True) | Q(end_month__gt=month))
        .filter(
            Q(person__isnull=True) | Q(person__death_date__isnull=True) | Q(person__death_date__gte=month)
        )
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


def _standards_by_month(program, months):
    """{(category, month): Standard} of approved standards in force, from one query."""
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


@transaction.atomic
def generate_payroll(*, actor, program, month):
    """The monthly payroll of a program from the cases in payment and the approved standards of
    that month, in bulk. Cases approved after earlier payrolls get those months as arrears."""
    program = program_of(program)
    month = month_start(month)
    _check_section_staff(actor, "civaffairs.add_payroll", program.section)
    if program.cadence != Program.Cadence.MONTHLY:
        raise ValidationError("一次性救助不生成月度名册。")
    if (
        Payroll.objects.filter(program=program, kind=Payroll.Kind.MONTHLY, month=month)
        .exclude(status=ApprovalStatus.REJECTED)
        .exists()
    ):
        raise ValidationError(f"{program.name}{month:%Y年%m月}的名册已生成，不能重复生成；更正请另行补发。")
    in_payment = cases_in_payment(program, month)
    rows = list(
        in_payment.values_list(
            "id", "town_id", "area", "category", "care_level", "household__income_per_capita"
        )
    )
    # Arrears: a case approved after earlier payrolls were generated was not in them; those of
    # its months are paid now, at the standard of each month, unless already paid as arrears.
    earlier = dict(
        Payroll.objects.filter(program=program, kind=Payroll.Kind.MONTHLY, month__lt=month)
        .exclude(status=ApprovalStatus.REJECTED)
        .values_list("month", "created_at")
    )
    arrears = {}
    if earlier:
        # Only cases approved since the latest of those payrolls: every later run has considered
        # the others, so a month that got no line then owed nothing and stays so.
        late = in_payment.filter(start_month__lt=month, approved_at__gt=max(earlier.values()))
        candidates = list(late.values_list("id", "start_month", "approved_at"))
        paid = set(
            PaymentLine.objects.filter(case__in=late.values("id"), kind=PaymentLine.Kind.REGULAR)
            .values_list("case_id", "month")
            .distinct()
        )
        for case_id, start, approved_at in candidates:
            months = [
                m
                for m, created in sorted(earlier.items())
                if m >= start and created < approved_at and (case_id, m) not in paid
            ]
            if months:
                arrears[case_id] = months
    # A month paid already (as arrears by a later payroll, before this one was rejected and is
    # generated again) is not paid twice.
    already = set(
        PaymentLine.objects.filter(program=program, month=month, kind=PaymentLine.Kind.REGULAR)
        .exclude(payroll__status=ApprovalStatus.REJECTED)
        .values_list("case_id", flat=True)
    )
    earlier_months = {m for months in arrears.values() for m in months}
    all_months = {month} | earlier_months
    standards = _standards_by_month(program, sorted(all_months))
    persons = {}
    if program.unit == Program.Unit.HOUSEHOLD:
        persons = covered_persons(in_payment, [month])
        if arrears:
            persons.update(covered_persons(Case.objects.filter(pk__in=arrears), sorted(earlier_months)))
    try:
        with transaction.atomic():
            payroll = Payroll.objects.create(
                program=program, kind=Payroll.Kind.MONTHLY, month=month, created_by=actor
            )
    except IntegrityError:
        # Someone generated the same month a moment ago.
        raise ValidationError(f"{program.name}{month:%Y年%m月}的名册已由他人生成，请刷新查看。") from None
    lines = []
    for case_id, town_id, area, category, care_level, income in rows:
        targets = arrears.get(case_id, []) + ([] if case_id in already else [month])
        for item, std_category in P.payment_items(
            program.code, area=area, category=category, care_level=care_level
        ):
            for m in targets:
                std = standards.get((std_category, m))
                if std is None:
                    continue
                n = persons.get((case_id, m), 0) if program.unit == Program.Unit.HOUSEHOLD else 1
                amount = P.entitlement(
                    program.code, standard_amount=std.amount, basis=std.basis, income=income, persons=n
                )
                if amount <= 0:
                    continue
                lines.append(
                    PaymentLine(
                        payroll=payroll,
                        case_id=case_id,
                        program=program,
                        town_id=town_id,
                        month=m,
                        paid_month=month,
                        kind=PaymentLine.Kind.REGULAR,
                        item=item,
                        amount=amount,
                        standard=std,
                        persons=n,
                        income=income if program.unit == Program.Unit.HOUSEHOLD else None,
                    )
                )
    PaymentLine.objects.bulk_create(lines, batch_size=2000)
    _refresh_totals(payroll)
    audit.record(
        actor, "payroll.generate", payroll, {"lines": payroll.line_count, "total": str(payroll.total)}
    )
    return payroll


@transaction.atomic
def submit_correction(*, actor, case, month, amount, reason):
    """更正: a line of its own for a month already paid (negative to recover an overpayment),
    in a batch approved like a payroll. The locked payroll of that month stays as it was."""
    month = month_start(month)
    _check_section_staff(actor, "civaffairs.add_payroll", case.program.section)
    amount = Decimal(amount)
    if amount == 0:
        raise ValidationError({"amount": "更正金额不能为零"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写更正原因"})
    if (
        case.status not in IN_PAYMENT
        or case.start_month > month
        or (case.end_month and case.end_month <= month)
    ):
        raise ValidationError({"month": f"该对象{month:%Y年%m月}不在保障期内"})
    paid = (
        case.payments.filter(month=month)
        .exclude(payroll__status=ApprovalStatus.REJECTED)
        .aggregate(t=Sum("amount"))["t"]
        or 0
    )
    if paid + amount < 0:
        raise ValidationError({"amount": f"扣回金额超过该月已发放的 {paid} 元"})
    payroll = Payroll.objects.create(
        program=case.program,
        kind=Payroll.Kind.CORRECTION,
        month=month_start(timezone.localdate()),
        created_by=actor,
        # No name here: payroll headers are seen district-wide, the person only through the case.
        note=f"对象编号{case.pk}，{month:%Y年%m月}：{reason}",
    )
    PaymentLine.objects.create(
        payroll=payroll,
        case=case,
        program=case.program,
        town_id=case.town_id,
        month=month,
        paid_month=payroll.month,
        kind=PaymentLine.Kind.CORRECTION,
        amount=amount,
    )
    _refresh_totals(payroll)
    audit.record(
        actor,
        "payroll.correction",
        payroll,
        {"case": case.pk, "month": str(month), "amount": str(amount), "reason": reason},
    )
    return payroll


@transaction.atomic
def decide_payroll(*, actor, payroll, approve, comment=""):
    """Approve (and lock) or reject a payroll or back-pay batch; a rejected one frees its month."""
    payroll = Payroll.objects.select_for_update(of=("self",)).select_related("program").get(pk=payroll.pk)
    _check_decision(
        payroll,
        actor=actor,
        approve=approve,
        comment=comment,
        what="该名册",
        perm="civaffairs.approve_payroll",
        submitted_by_id=payroll.created_by_id,
        section=payroll.program.section,
        reject_word="退回",
    )
    if not approve:
        payroll.lines.all().delete()
    payroll.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    payroll.decided_by, payroll.decided_at, payroll.comment = actor, timezone.now(), comment
    payroll.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    audit.record(
        actor,
        f"payroll.{'approve' if approve else 'reject'}",
        payroll,
        {"status": ["pending", payroll.status], "total": str(payroll.total), "comment": comment},
    )
    return payroll
