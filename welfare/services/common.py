import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from civaffairs.idnumber import InvalidIdNumber, parse_id_number
from civaffairs.models import ApprovalStatus
from civaffairs.money import MAX_AMOUNT, to_cent
from civaffairs.payments.approval import check_move, record_decision

from ..access import check_chief


def decide(obj, *, actor, approve, comment, what):
    """The decision checks of the core (allowed status move, never the author, a rejection says
    why), with the welfare chief as the one who decides; then the decision is recorded."""
    check_move(obj, ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED, what)
    check_chief(actor)
    if obj.author_id == actor.pk:
        raise PermissionDenied("不能审批自己提交的事项。")
    if not approve and not (comment or "").strip():
        raise ValidationError({"comment": "驳回须填写意见"})
    record_decision(obj, actor=actor, approve=approve, comment=(comment or "").strip())


def not_in_future(errors, field, value, label):
    if value and value > datetime.date.today():
        errors[field] = f"{label}不能晚于今天"


def id_card(errors, field, value, label):
    """A GB 11643 number, normalized; the error names the field and the reason."""
    try:
        return parse_id_number(value)[0]
    except InvalidIdNumber as exc:
        errors[field] = f"{label}无效：{exc}"
        return (value or "").strip()


def required(errors, field, value, label):
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[field] = f"请填写{label}"
        return False
    return True


def raise_if(errors):
    if errors:
        raise ValidationError(errors)


def person_name(errors, field, value, label):
    from civaffairs.validators import validate_person_name

    try:
        validate_person_name(value)
    except ValidationError as exc:
        errors[field] = f"{label}：{exc.messages[0]}"
    return (value or "").strip()


def money(errors, field, value, label, *, blank=None):
    """An amount of money from a form or an import: a number of yuan (Decimal, int or text; a
    float by its shortest repr), never negative, rounded by the one rule (civaffairs/money.py: to
    the fen, half up). Blank → `blank` (None: required)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if blank is None:
            errors[field] = f"请填写{label}"
            return Decimal("0.00")
        return to_cent(blank)
    try:
        amount = to_cent(value)
    except ValueError:
        errors[field] = f"{label}须为金额（元）"
        return Decimal("0.00")
    if amount < 0:
        errors[field] = f"{label}不能为负数"
    elif amount > MAX_AMOUNT:
        errors[field] = f"{label}无效，应为不超过{MAX_AMOUNT:,}元的金额"
        return Decimal("0.00")
    return amount
