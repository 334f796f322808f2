from django.contrib import admin

from .models import AuditEvent, Institution, Program, Region, UserScope


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "area", "is_demo"]
    list_filter = ["level", "area", "is_demo"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "town"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    raw_id_fields = ["region"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "section", "unit", "cadence"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserScope)
class UserScopeAdmin(admin.ModelAdmin):
    list_display = ["user", "town", "section"]


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
