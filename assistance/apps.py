from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = "社会救助"

    def ready(self):
        # Registers the figures, the demo loader, the audit log's name of a standard and the
        # roster import's background job, and the procedure's figures.
        from . import demo, figures, jobs, labels, procedure_figures  # noqa: F401
