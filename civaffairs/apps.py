import axes.apps
from django.apps import AppConfig


class CivaffairsConfig(AppConfig):
    name = "civaffairs"
    verbose_name = "基础数据"

    def ready(self):
        from . import figures, signals  # noqa: F401  (registers figures and the login audit)


class AxesConfig(axes.apps.AppConfig):
    """django-axes under a Chinese heading in the admin site (its app label stays "axes")."""

    default = False  # civaffairs' own config stays the default of this module
    verbose_name = "账号锁定"
