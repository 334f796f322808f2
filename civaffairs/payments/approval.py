"""The one decision check of every submit → approve object (Request, Standard, Payroll), and the
checks of who may submit, draft or generate."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civaffairs.models import ApprovalStatus, Section
from civaffairs.selectors import is_unbound_caseworker, user_section, user_town


def check_move(obj, new_status, what):
    if not obj.can_move_to(new_status):
        raise ValidationError(f"{what}当前状态为“{obj.get_status_display()}”，不能再审批。")


def check_decision(obj, *, actor, approve, comment, what, perm, section, reject_word="驳回"):
    """The checks every decision makes: the status move is allowed, the approver may decide it
    (the right permission, the object's section) and is not its author, and a rejection says why."""
    check_move(obj, ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED, what)
    check_approver(actor, perm, section, obj.author_id)
    if not approve and not (comment or "").strip():
        raise ValidationError({"comment": f"{reject_word}须填写意见"})


def check_approver(actor, perm, section, author_id):
    if not actor.has_perm(perm):
        raise PermissionDenied("您的角色无权审批此事项。")
    if user_section(actor) != section:
        raise PermissionDenied(f"只有{Section(section).label}股长可以审批此事项。")
    if author_id == actor.pk:
        raise PermissionDenied("不能审批自己提交、拟稿或生成的事项。")


def record_decision(obj, *, actor, approve, comment):
    obj.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    obj.decided_by, obj.decided_at, obj.comment = actor, timezone.now(), comment
    obj.save(update_fields=["status", "decided_by", "decided_at", "comment"])


def check_section_staff(actor, perm, section):
    """District staff of the section (not a town caseworker) holding the permission. Chiefs hold
    none of the drafting and generating permissions: they decide what their staff prepare."""
    if not actor.has_perm(perm) or user_town(actor) is not None or user_section(actor) != section:
        raise PermissionDenied(f"只有{Section(section).label}的经办人员可以办理此事项。")


def check_scope(actor, case_or_town):
    if is_unbound_caseworker(actor):
        raise PermissionDenied("该账号未绑定镇或股室，请联系系统管理员")
    town = user_town(actor)
    town_id = getattr(case_or_town, "town_id", getattr(case_or_town, "pk", None))
    if town is not None and town.pk != town_id:
        raise PermissionDenied("只能办理本镇的业务。")
