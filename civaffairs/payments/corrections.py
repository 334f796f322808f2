"""Corrections (更正): a line of its own for a month already paid, naming its item (基本生活 or
护理补贴 …), negative to recover an overpayment, in a batch approved like a payroll. The locked
payroll of that month stays as it was."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from civaffairs import audit
from civaffairs.models import ApprovalStatus, Case, PaymentLine, Payroll
from civaffairs.money import TOO_LARGE, over_max
from civaffairs.periods import month_start

from .approval import check_section_staff
from .payroll import IN_PAYMENT, covered_persons, refresh_totals
from .rules import CaseFacts, rules_for, to_cent


def items_of(case):
    """[(item, label)] a case is paid, from its program's rules."""
    rules = rules_for(case.program)
    labels = dict(PaymentLine.Item.choices)
    items = rules.items(CaseFacts(case.area, case.category, case.care_level))
    return [(item, labels.get(item, item)) for item, _category in items]


@transaction.atomic
def submit_correction(*, actor, case, month, amount, reason, item=PaymentLine.Item.BASIC):
    month = month_start(month)
    # As recorded now (a death recorded since the caller read the case counts).
    case = Case.objects.select_related("program", "person", "household__head").get(pk=case.pk)
    check_section_staff(actor, "civaffairs.add_payroll", case.program.section)
    try:
        amount = to_cent(amount)  # the one rounding rule, whatever the database would do
    except ValueError:
        raise ValidationError({"amount": "请填写更正金额"}) from None
    if amount == 0:
        raise ValidationError({"amount": "更正金额不能为零"})
    if over_max(amount):
        raise ValidationError({"amount": f"更正{TOO_LARGE}"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写更正原因"})
    if item not in dict(items_of(case)):
        raise ValidationError({"item": "该对象没有此发放项目"})
    if (
        case.status not in IN_PAYMENT
        or case.start_month > month
        or (case.end_month and case.end_month <= month)
    ):
        raise ValidationError({"month": f"该对象{month:%Y年%m月}不在保障期内"})
    # A correction settles a month already paid: a month no approved payroll has reached is paid
    # by its payroll (which does not count corrections as paid), so a correction there pays twice.
    paid_up_to = Payroll.objects.filter(
        program=case.program, kind=Payroll.Kind.MONTHLY, status=ApprovalStatus.APPROVED
    ).aggregate(m=Max("month"))["m"]
    if paid_up_to is None or month > paid_up_to:
        raise ValidationError(
            {"month": f"{month:%Y年%m月}的名册尚未批准发放，更正只能针对已发放的月份；该月随当月名册发放"}
        )
    if amount > 0:
        # No month after the month of death is ever paid (recovering what was paid stays possible).
        if case.person_id and case.person.death_date and month > month_start(case.person.death_date):
            raise ValidationError(
                {
                    "month": f"{case.person.name}已于{case.person.death_date.year}年{case.person.death_date.month}月{case.person.death_date.day}日死亡，此后的月份不能补发"
                }
            )
        if case.household_id and not covered_persons(Case.objects.filter(pk=case.pk), [month]):
            raise ValidationError({"month": f"该户{month:%Y年%m月}没有在世的保障人员，不能补发"})
    paid = (
        PaymentLine.objects.live().filter(case=case, month=month, item=item).aggregate(t=Sum("amount"))["t"]
        or 0
    )
    if paid + amount < 0:
        raise ValidationError({"amount": f"扣回金额超过该月该项目已发放的 {to_cent(paid)} 元"})
    payroll = Payroll.objects.create(
        program=case.program,
        kind=Payroll.Kind.CORRECTION,
        month=month_start(timezone.localdate()),
        created_by=actor,
        # No name here: payroll headers are seen district-wide, the person only through the case.
        note=f"对象编号{case.pk}，{month:%Y年%m月}：{reason}",
    )
    household = case.household
    PaymentLine.objects.create(
        payroll=payroll,
        case=case,
        program=case.program,
        town_id=case.town_id,
        month=month,
        paid_month=payroll.month,
        kind=PaymentLine.Kind.CORRECTION,
        item=item,
        amount=amount,
        payee=household.head.name if household else (case.person.account_holder or case.person.name),
        bank_name=household.bank_name if household else case.person.bank_name,
        bank_account=household.bank_account if household else case.person.bank_account,
    )
    refresh_totals(payroll)
    audit.record(
        actor,
        "payroll.correction",
        payroll,
        {"case": case.pk, "month": str(month), "item": item, "amount": str(amount), "reason": reason},
    )
    return payroll
