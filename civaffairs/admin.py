import datetime

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.utils import timezone

from . import accounts, audit
from .models import AccessGrant, AuditEvent, Institution, Program, Region, Section, UserScope
from .roles import ROLES

admin.site.site_header = "云安区民政业务系统 · 系统管理"
admin.site.site_title = "系统管理"
admin.site.index_title = "账号和基础数据"


# --- accounts ------------------------------------------------------------------------------------
# The 系统管理员 role is staff but not superuser. Django's stock UserAdmin would let it tick
# is_superuser or hand itself any permission; here only a superuser may, nobody but a superuser
# edits their own account or a superuser's, and every change is in the audit log (等保 2.0:
# 账号与权限变更须可审计).

_SECRET = "password"  # password, password1, password2, usable_password: never logged


def _shown(obj, name):
    """A field's value as the audit log keeps it: codes for choices, names for related rows."""
    field = obj._meta.get_field(name)
    if field.many_to_many:
        return "、".join(sorted(str(o) for o in getattr(obj, name).all()))
    value = getattr(obj, name)
    if field.is_relation:
        return str(value) if value is not None else None
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}"
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _model_fields(form):
    names = {f.name for f in form._meta.model._meta.get_fields()}
    return [n for n in form.changed_data if n in names and _SECRET not in n]


class AuditedAdmin(admin.ModelAdmin):
    """Writes the audit event of an admin add, change or delete in the admin's own transaction.

    Fields are compared in save_related, after the many-to-many fields (groups) are saved."""

    audit_create = audit_change = audit_delete = ""

    def save_model(self, request, obj, form, change):
        if change:
            old = type(obj)._default_manager.get(pk=obj.pk)
            form.audit_before = {n: _shown(old, n) for n in _model_fields(form)}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        obj, names = form.instance, _model_fields(form)
        before = getattr(form, "audit_before", {})
        # Groups are still the old ones in the database until super() saves them.
        before.update({n: _shown(obj, n) for n in names if obj._meta.get_field(n).many_to_many})
        super().save_related(request, form, formsets, change)
        if change:
            changes = {n: [before[n], _shown(obj, n)] for n in names}
            changes = {n: pair for n, pair in changes.items() if pair[0] != pair[1]}
        else:
            changes = {n: _shown(obj, n) for n in names}
        if changes or not change:
            audit.record(
                request.user,
                self.audit_change if change else self.audit_create,
                obj,
                changes,
            )

    def delete_model(self, request, obj):
        self._record_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The delete_selected action runs outside the admin's transaction; open one.
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self._record_delete(request, obj)
            super().delete_queryset(request, queryset)

    def _record_delete(self, request, obj):
        fields = [f.name for f in obj._meta.concrete_fields if f.name != "id" and _SECRET not in f.name]
        audit.record(request.user, self.audit_delete, obj, {n: _shown(obj, n) for n in fields})


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    audit_create, audit_change, audit_delete = "account.create", "account.change", "account.delete"
    # Recorded by Django, not typed in (the form would also drop their microseconds on every save).
    readonly_fields = ["last_login", "date_joined"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # The form is built from these fieldsets, so a hidden field cannot be posted either.
        # Roles (groups) are given by access requests (账号授权申请) the director approves.
        hidden = {"is_superuser", "user_permissions", "groups"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def _refused(self, request, obj):
        return (
            obj is not None
            and not request.user.is_superuser
            and (obj.pk == request.user.pk or obj.is_superuser)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._refused(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._refused(request, obj)

    def get_deleted_objects(self, objs, request):
        # AuditEvent.actor is PROTECT: the delete page then says the log cannot be deleted;
        # say also what to do instead.
        found = super().get_deleted_objects(objs, request)
        if AuditEvent.objects.filter(actor__in=objs).exists():
            messages.warning(
                request, "已有操作记录的账号不能删除（审计日志须完整保存），请取消勾选“有效”以停用账号。"
            )
        return found

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and (obj.is_superuser or self._refused(request, obj)):
            raise PermissionDenied("只有超级管理员可以修改本人账号、超级管理员账号或授予超级管理员权限")
        super().save_model(request, obj, form, change)
        if not change:
            # The admin typed this password: the account's owner sets their own at the first login.
            accounts.require_password_change(obj)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic(using=router.db_for_write(self.model)):
            user = self.get_object(request, unquote(id))
            before = user.password if user is not None else None
            response = super().user_change_password(request, id, form_url)
            if user is not None:
                user.refresh_from_db(fields=["password"])
                if user.password != before:
                    done = "已重置" if user.has_usable_password() else "已停用"
                    audit.record(request.user, "account.password", user, {"password": done})
                    if user.has_usable_password():
                        accounts.require_password_change(user)
        return response


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdmin, DjangoGroupAdmin):
    """A role's permissions (civaffairs/roles.py declares them; only a superuser edits them here):
    recorded like an account's change, which also moves the home pages kept for the role's users
    (civaffairs/kept.py), whose counts and to-dos follow their permissions."""

    audit_create, audit_change, audit_delete = (
        "account.role_create",
        "account.role_change",
        "account.role_delete",
    )


@admin.register(UserScope)
class UserScopeAdmin(AuditedAdmin):
    list_display = ["user", "town", "section"]
    audit_create = audit_change = "account.scope"
    # No row means district-wide (UserScope), so deleting one widens the account's scope.
    audit_delete = "account.scope_delete"

    def _own(self, request, obj):
        return obj is not None and not request.user.is_superuser and obj.user_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._own(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._own(request, obj)

    def save_model(self, request, obj, form, change):
        if self._own(request, obj):
            raise PermissionDenied("不能修改本人账号的范围")
        super().save_model(request, obj, form, change)


class AccessGrantForm(forms.ModelForm):
    role = forms.ChoiceField(
        label="角色", choices=[("", "无角色（撤销全部角色）")] + [(r, r) for r in ROLES], required=False
    )
    section = forms.ChoiceField(label="业务股室", choices=[("", "—")] + list(Section.choices), required=False)

    class Meta:
        model = AccessGrant
        fields = ["user", "role", "town", "section", "reason"]

    def clean(self):
        data = super().clean()
        accounts.check_grant(
            role=data.get("role") or "", town=data.get("town"), section=data.get("section") or ""
        )
        return data


@admin.register(AccessGrant)
class AccessGrantAdmin(admin.ModelAdmin):
    """The admin asks; roles that read beneficiary data and changes of town or section wait for the
    director's approval (账号授权 page), others apply at once. Requests are never edited."""

    form = AccessGrantForm
    list_display = ["user", "role", "town", "section", "status", "requested_by", "decided_by", "requested_at"]
    list_filter = ["status"]
    raw_id_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        try:
            grant = accounts.request_access(
                actor=request.user,
                user=d["user"],
                role=d.get("role") or "",
                town=d.get("town"),
                section=d.get("section") or "",
                reason=d.get("reason") or "",
            )
        except Exception as exc:  # shown on the page, nothing saved
            from django.core.exceptions import ValidationError

            if isinstance(exc, ValidationError | PermissionDenied):
                raise PermissionDenied("；".join(getattr(exc, "messages", [str(exc)]))) from None
            raise
        obj.pk = grant.pk
        if grant.status == "pending":
            messages.info(request, "已提交，须经局长在“账号授权”页面批准后生效。")

    def save_related(self, request, form, formsets, change):
        pass

    def log_addition(self, request, obj, message):
        pass


# django-axes registers its own admin; this one only adds the audit event of an unlock, which is
# deleting the account's access attempts (templates/registration/locked.html).
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    def _record_unlock(self, request, attempt):
        user = User.objects.filter(username=attempt.username).first()
        audit.record(
            request.user,
            "account.unlock",
            user,
            {"username": attempt.username, "failures": attempt.failures_since_start},
            object_type="auth.User",
            object_repr=attempt.username or "",
        )

    def delete_model(self, request, obj):
        self._record_unlock(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            for attempt in queryset:
                self._record_unlock(request, attempt)
            super().delete_queryset(request, queryset)


if admin.site.is_registered(AccessAttempt):  # unless AXES_ENABLE_ADMIN is off
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Browse only: nobody adds, changes or deletes audit events, superusers included."""

    list_display = ["at", "actor_name", "action", "object_type", "object_repr", "address"]
    list_filter = ["action"]
    search_fields = ["actor_name", "object_repr"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    audit_create, audit_change, audit_delete = "reference.create", "reference.change", "reference.delete"
    list_display = ["code", "name", "level", "parent", "area", "is_demo"]
    list_filter = ["level", "area", "is_demo"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "town"]


@admin.register(Program)
class ProgramAdmin(AuditedAdmin):
    # Audited like the other reference data: a program's name or section is read by the figures,
    # which are kept until the next recorded change (civaffairs/kept.py).
    audit_create, audit_change, audit_delete = "reference.create", "reference.change", "reference.delete"
    list_display = ["code", "name", "section", "unit", "cadence"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Institution)
class InstitutionAdmin(AuditedAdmin):
    audit_create, audit_change, audit_delete = "reference.create", "reference.change", "reference.delete"
    list_display = ["name", "kind", "region"]
    raw_id_fields = ["region"]
