import axes.apps
from django.apps import AppConfig


class CivaffairsConfig(AppConfig):
    name = "civaffairs"
    verbose_name = "基础数据"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import auditdb, figures, signals  # noqa: F401  (figures, the login audit, audit triggers)

        post_migrate.connect(_install_audit_triggers, sender=self)


class AxesConfig(axes.apps.AppConfig):
    """django-axes under a Chinese heading in the admin site (its app label stays "axes")."""

    default = False  # civaffairs' own config stays the default of this module
    verbose_name = "账号锁定"


def _install_audit_triggers(sender, using, **kwargs):
    from django.db import connections

    from .auditdb import install_triggers

    install_triggers(connections[using])
