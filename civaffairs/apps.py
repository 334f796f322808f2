from django.apps import AppConfig


class CivaffairsConfig(AppConfig):
    name = "civaffairs"
    verbose_name = "基础数据"

    def ready(self):
        from . import figures, signals  # noqa: F401  (registers figures and the login audit)
