from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = "社会救助"

    def ready(self):
        # Registers the figures, the demo loader and the audit log's name of a standard.
        from . import demo, figures, labels, procedure_figures  # noqa: F401
