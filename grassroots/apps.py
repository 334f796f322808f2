from django.apps import AppConfig


class GrassrootsConfig(AppConfig):
    name = "grassroots"
    verbose_name = "基层政权和社区建设"

    def ready(self):
        # Registers the allowance program's payment rules, the figures, the record lists and the
        # demo loader.
        from . import demo, figures, programs  # noqa: F401
