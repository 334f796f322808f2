from django.apps import AppConfig


class GrassrootsConfig(AppConfig):
    name = "grassroots"
    verbose_name = "基层政权和社区建设"
