"""Accounts: who gets a role that reads beneficiary data (a request the director approves), the
password an admin sets (changed at the next login), password changes (audited, wrong old passwords
count toward the lockout) and the lockout itself (django-axes, by username and address)."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from . import audit
from .models import AccessGrant, AccountSecurity, ApprovalStatus, Region, Section, UserScope
from .roles import BENEFICIARY_ROLES, CASEWORKER, CHIEF, ROLES, TOWN_REVIEWER

# --- lockout ---------------------------------------------------------------------------------


class AxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, with the lockout on the (username, address) pair
    (AXES_LOCKOUT_PARAMETERS) and a throttle on an address that fails often whatever the usernames
    (AXES_ADDRESS_FAILURE_LIMIT within the cool-off), so nobody elsewhere can lock a caseworker out
    and nobody can try many accounts from one address."""

    def get_failures(self, request, credentials=None):
        failures = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if address:
            recent = AccessAttempt.objects.filter(ip_address=address)
            cool_off = get_cool_off(request)
            if cool_off is not None:
                recent = recent.filter(attempt_time__gte=timezone.now() - cool_off)
            total = recent.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if total >= settings.AXES_ADDRESS_FAILURE_LIMIT:
                failures = max(failures, settings.AXES_FAILURE_LIMIT)
        return failures


# --- passwords -------------------------------------------------------------------------------


def security_of(user):
    return AccountSecurity.objects.get_or_create(user=user)[0]


def must_change_password(user):
    return AccountSecurity.objects.filter(user=user, must_change_password=True).exists()


def require_password_change(user):
    AccountSecurity.objects.update_or_create(user=user, defaults={"must_change_password": True})


class ForcePasswordChangeMiddleware:
    """An account whose password an admin set must change it before doing anything else."""

    ALLOWED = ("password_change", "password_change_done", "logout", "login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
            and request.path not in {reverse(name) for name in self.ALLOWED}
            and must_change_password(user)
        ):
            messages.warning(request, "管理员为您设置了密码，请先修改密码再继续使用。")
            return redirect("password_change")
        return self.get_response(request)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view, plus: a wrong old password is a failed login for django-axes (five lock the
    account from this address, and the session ends); every change is audited; a change clears
    "must change at next login"."""

    success_url = reverse_lazy("password_change_done")

    def form_invalid(self, form):
        if "old_password" in form.errors:
            user = self.request.user
            user_login_failed.send(
                sender=type(self),
                credentials={"username": user.get_username()},
                request=self.request,
            )
            if getattr(self.request, "axes_locked_out", False):
                logout(self.request)
                return redirect("login")
        return super().form_invalid(form)

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            user = form.user
            AccountSecurity.objects.update_or_create(user=user, defaults={"must_change_password": False})
            audit.record(user, "account.password_change", user, {"password": "已修改"})
        return response


# --- access grants ---------------------------------------------------------------------------


def needs_director(*, user, role, town, section):
    """A role that reads beneficiary data, or a change of town or section, waits for the director."""
    if role in BENEFICIARY_ROLES:
        return True
    scope = UserScope.objects.filter(user=user).first()
    old_town = scope.town_id if scope else None
    old_section = scope.section if scope else ""
    return (town.pk if town else None) != old_town or (section or "") != old_section


def check_grant(*, role, town, section):
    if role and role not in ROLES:
        raise ValidationError({"role": "未知的角色"})
    if town is not None and town.level != Region.Level.TOWN:
        raise ValidationError({"town": "请选择镇"})
    if section and section not in Section.values:
        raise ValidationError({"section": "未知的业务股室"})
    if role == CASEWORKER and not (town or section):
        raise ValidationError({"town": "经办人须绑定一个镇或一个业务股室"})
    if role == CHIEF and (town or not section):
        raise ValidationError({"section": "股长须绑定一个业务股室，不绑定镇"})
    if role == TOWN_REVIEWER and (not town or section):
        raise ValidationError({"town": "镇民政办负责人须绑定一个镇，不绑定股室"})
    if role not in (CASEWORKER, CHIEF, TOWN_REVIEWER) and (town or section):
        raise ValidationError({"town": "该角色为全区范围，不绑定镇或股室"})


def _apply(grant):
    user = grant.user
    groups = list(Group.objects.filter(name=grant.role)) if grant.role else []
    user.groups.set(groups)
    user.__dict__.pop("_role_cache", None)
    if grant.town_id or grant.section:
        UserScope.objects.update_or_create(user=user, defaults={"town": grant.town, "section": grant.section})
    else:
        UserScope.objects.filter(user=user).delete()


@transaction.atomic
def request_access(*, actor, user, role, town=None, section="", reason):
    """The admin asks for an account's role and scope. A role without beneficiary data (系统管理员,
    or none) at an unchanged scope applies at once; anything else waits for the director, and the
    account keeps no beneficiary role meanwhile."""
    if not actor.has_perm("civaffairs.add_accessgrant"):
        raise PermissionDenied("您的角色无权申请账号授权。")
    if user.pk == actor.pk and not actor.is_superuser:
        raise PermissionDenied("不能为本人账号申请授权。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写申请理由"})
    check_grant(role=role, town=town, section=section)
    waits = needs_director(user=user, role=role, town=town, section=section)
    grant = AccessGrant.objects.create(
        user=user,
        role=role,
        town=town,
        section=section or "",
        reason=reason.strip(),
        requested_by=actor,
        status=ApprovalStatus.PENDING,
    )
    details = {"role": role or "无角色", "town": str(town) if town else "", "section": section or ""}
    audit.record(actor, "account.grant_request", grant, details)
    if waits:
        # Until the director approves, the account holds no role that reads beneficiary data.
        kept = user.groups.exclude(name__in=BENEFICIARY_ROLES)
        removed = list(user.groups.filter(name__in=BENEFICIARY_ROLES).values_list("name", flat=True))
        user.groups.set(list(kept))
        user.__dict__.pop("_role_cache", None)
        if removed:
            audit.record(actor, "account.grant_suspend", user, {"groups": "、".join(removed)})
    else:
        grant.status, grant.decided_by, grant.decided_at = ApprovalStatus.APPROVED, actor, timezone.now()
        grant.comment = "无需审批（不涉及救助对象数据）"
        grant.save(update_fields=["status", "decided_by", "decided_at", "comment"])
        _apply(grant)
        audit.record(actor, "account.grant_approve", grant, details)
    return grant


@transaction.atomic
def decide_access(*, actor, grant, approve, comment=""):
    grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.status != ApprovalStatus.PENDING:
        raise ValidationError(f"该申请当前状态为“{grant.get_status_display()}”，不能再审批。")
    if not actor.has_perm("civaffairs.approve_accessgrant"):
        raise PermissionDenied("只有局长可以审批账号授权。")
    if actor.pk in (grant.requested_by_id, grant.user_id):
        raise PermissionDenied("不能审批本人提交的申请或本人账号的授权。")
    if not approve and not (comment or "").strip():
        raise ValidationError({"comment": "驳回须填写意见"})
    grant.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    grant.decided_by, grant.decided_at, grant.comment = actor, timezone.now(), comment or ""
    grant.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    if approve:
        _apply(grant)
    details = {"role": grant.role or "无角色", "comment": comment or ""}
    if approve:
        audit.record(actor, "account.grant_approve", grant, details)
    else:
        audit.record(actor, "account.grant_reject", grant, details)
    return grant
