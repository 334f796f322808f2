import datetime

from django.core.exceptions import PermissionDenied, ValidationError

from civaffairs.idnumber import InvalidIdNumber, parse_id_number
from civaffairs.models import ApprovalStatus
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
