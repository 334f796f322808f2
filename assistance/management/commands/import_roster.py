"""python manage.py import_roster FILE --by USERNAME [--approve-by USERNAME]
python manage.py import_roster --template FILE"""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from assistance import roster


class Command(BaseCommand):
    help = (
        "导入低保花名册（XLSX）：逐行校验后一次性写入，提交为待审批申请；"
        "指定 --approve-by 时作为存量对象迁移直接批准。--template FILE 输出导入模板。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="花名册 XLSX 文件")
        parser.add_argument("--by", dest="by", help="提交人（经办人）账号")
        parser.add_argument(
            "--approve-by", dest="approve_by", help="审批人（社会救助股股长）账号：导入即批准"
        )
        parser.add_argument("--template", metavar="FILE", help="把导入模板写到 FILE 后退出")

    def handle(self, *args, file=None, by=None, approve_by=None, template=None, **options):
        if template:
            with open(template, "wb") as f:
                f.write(roster.template_bytes())
            self.stdout.write(f"模板已写入 {template}")
            return
        if not file:
            raise CommandError("请指定花名册文件，或用 --template FILE 输出模板。")
        if not by:
            raise CommandError("请用 --by 指定提交人（经办人）账号。")
        if not os.path.isfile(file):
            raise CommandError(f"找不到文件：{file}")
        actor = self._user(by)
        approver = self._user(approve_by) if approve_by else None
        try:
            result = roster.import_roster(
                file, actor=actor, approver=approver, filename=os.path.basename(file)
            )
        except roster.RosterError as exc:
            lines = "\n".join(str(e) for e in exc.errors)
            raise CommandError(f"花名册有 {len(exc.errors)} 处错误，未导入任何数据：\n{lines}") from None
        state = f"已由{approver.username}批准（存量迁移）" if result.approved else "已提交，待股长审批"
        self.stdout.write(
            self.style.SUCCESS(f"已导入 {result.households} 户、{result.persons} 人的低保申请，{state}。")
        )

    def _user(self, username):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"账号不存在：{username}") from None
