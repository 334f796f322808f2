"""Effective-dated standards (保障标准): drafted by section staff, approved by the section chief.
A standard takes effect from the first day of a month, so that payroll and back-pay read it the
same way. Approving one whose month is already paid makes back-pay due; section staff generate
the batch (backpay.generate_backpay) and the chief approves it: nobody approves their own work."""

from django.core.exceptions import ValidationError
from django.db import transaction

from civaffairs import audit
from civaffairs.models import ApprovalStatus, Payroll, Standard
from civaffairs.money import TOO_LARGE, over_max, to_cent

from .approval import check_decision, check_section_staff, record_decision
from .payroll import program_of
from .rules import rules_for


@transaction.atomic
def draft_standard(
    *, actor, program, category, amount, effective_from, document="", subsidy_level=None, note=""
):
    program = program_of(program)
    check_section_staff(actor, "civaffairs.add_standard", program.section)
    rules = rules_for(program)
    cat = rules.category(category)
    try:
        amount = to_cent(amount)  # the one rounding rule, whatever the database would do
    except ValueError:
        raise ValidationError({"amount": "标准须为非负数"}) from None
    if amount < 0:
        raise ValidationError({"amount": "标准须为非负数"})
    if over_max(amount):
        raise ValidationError({"amount": f"标准{TOO_LARGE}"})
    if effective_from is None:
        raise ValidationError({"effective_from": "请填写生效年月"})
    if effective_from.day != 1:
        raise ValidationError({"effective_from": "标准自某月1日起生效，请选择生效年月"})
    standard = Standard.objects.create(
        program=program,
        category=category,
        amount=amount,
        basis=cat.basis,
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
    """Approve or reject a drafted standard. Back-pay for months already paid then falls due."""
    standard = Standard.objects.select_for_update(of=("self",)).select_related("program").get(pk=standard.pk)
    check_decision(
        standard,
        actor=actor,
        approve=approve,
        comment=comment,
        what="该标准",
        perm="civaffairs.approve_standard",
        section=standard.program.section,
    )
    if approve:
        blocking = Payroll.objects.filter(
            program=standard.program,
            kind=Payroll.Kind.MONTHLY,
            status=ApprovalStatus.PENDING,
            month__gte=standard.effective_from,
        ).first()
        if blocking:
            raise ValidationError(f"{blocking}尚待审批，它按旧标准计算。请先审批或退回该名册，再批准新标准。")
        if Standard.objects.filter(
            program=standard.program,
            category=standard.category,
            effective_from=standard.effective_from,
            status=ApprovalStatus.APPROVED,
        ).exists():
            raise ValidationError("同一项目、类别、生效年月已有批准的标准。")
    record_decision(standard, actor=actor, approve=approve, comment=comment)
    audit.record(
        actor,
        f"standard.{'approve' if approve else 'reject'}",
        standard,
        {"status": ["pending", standard.status], "comment": comment},
    )
    return standard
