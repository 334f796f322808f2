import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from civaffairs import demo
from civaffairs import scale as scaling


class Command(BaseCommand):
    help = "Load the demo district (deterministic). --reset empties the database first."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="flush the database, then load")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when demo data is already loaded"
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="N copies of the district's social-assistance caseload (10: a city, 100: a province)",
        )

    def handle(self, *args, reset=False, if_empty=False, scale=1, **options):
        if scale < 1:
            raise CommandError("--scale 须为正整数。")
        if if_empty and demo.is_loaded():
            self.stdout.write("演示数据已存在，跳过。")
            return
        if reset:
            foreign = demo.not_demo_data()
            if foreign:
                raise CommandError(
                    "数据库中有非演示数据（" + "；".join(foreign) + "），--reset 会清空全部数据和审计日志，"
                    "已拒绝执行。请改用新的空数据库。"
                )
            call_command("flush", interactive=False, verbosity=0)
            call_command("migrate", verbosity=0)
        elif demo.is_loaded():
            self.stdout.write("演示数据已存在；如需重建请加 --reset。")
            return
        for loader in demo.loaders():
            started = time.monotonic()
            with transaction.atomic():
                loader(stdout=self.stdout)
            self.stdout.write(f"{loader.__module__}.{loader.__name__}: {time.monotonic() - started:.1f}s")
        if scale > 1:
            started = time.monotonic()
            scaling.scale_up(scale, stdout=self.stdout)
            self.stdout.write(f"civaffairs.scale.scale_up(×{scale}): {time.monotonic() - started:.1f}s")
        started = time.monotonic()
        scaling.analyze()  # planner statistics: no plan waits for autovacuum after a bulk load
        self.stdout.write(f"ANALYZE: {time.monotonic() - started:.1f}s")
        self.stdout.write(self.style.SUCCESS("演示数据已载入。演示账号密码均为 " + demo.DEMO_PASSWORD))
