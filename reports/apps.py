from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "工作总结"

    def ready(self):
        # Registers the demo's summary loader and the home page's plan and summary panels.
        from . import dashboard, demo, figures, home  # noqa: F401
