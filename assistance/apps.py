from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = "社会救助"

    def ready(self):
        from . import demo, figures  # noqa: F401  (registers the figures and the demo loader)
