from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from civaffairs.audit import verify_chain
from civaffairs.auditdb import triggers_present


class Command(BaseCommand):
    help = "Walk the audit log's hash chain; name the first event altered or removed (exit 1 then)."

    def handle(self, *args, **options):
        checked, problem = verify_chain()
        if not triggers_present(connection):
            self.stderr.write("警告：审计日志表的防篡改触发器不存在或已停用。")
        if problem is not None:
            event, reason = problem
            raise CommandError(
                f"审计日志校验失败：第 {event.pk} 号记录（{timezone.localtime(event.at):%Y-%m-%d %H:%M:%S} "
                f"{event.actor_name} {event.action}）：{reason}。此前 {checked} 条记录完好。"
            )
        if not triggers_present(connection):
            raise CommandError("审计日志表的防篡改触发器不存在或已停用。")
        self.stdout.write(self.style.SUCCESS(f"审计日志完好：共 {checked} 条记录，哈希链完整。"))
