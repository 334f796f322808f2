from django.apps import AppConfig


class WelfareConfig(AppConfig):
    name = "welfare"
    verbose_name = "社会福利和社会事务"

    def ready(self):
        # Registers the figures, the record lists, the demo loader and the home-page panels.
        from . import demo, figures, views  # noqa: F401
