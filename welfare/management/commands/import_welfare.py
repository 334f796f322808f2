"""python manage.py import_welfare {marriages,cremations} FILE --by USERNAME
python manage.py import_welfare {marriages,cremations} --template FILE"""

import os

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from civaffairs.imports import ImportFailed
from welfare import imports

WHAT = {"marriages": "婚姻登记", "cremations": "火化记录"}


class Command(BaseCommand):
    help = "导入婚姻登记或火化记录（XLSX）：逐行校验后一次性写入；--template FILE 输出导入模板。"

    def add_arguments(self, parser):
        parser.add_argument(
            "kind", choices=sorted(WHAT), help="marriages（婚姻登记）或 cremations（火化记录）"
        )
        parser.add_argument("file", nargs="?", help="XLSX 文件")
        parser.add_argument("--by", dest="by", help="录入人账号（社会福利和社会事务股经办人员）")
        parser.add_argument("--template", metavar="FILE", help="把导入模板写到 FILE 后退出")

    def handle(self, *args, kind, file=None, by=None, template=None, **options):
        if template:
            with open(template, "wb") as f:
                f.write(imports.template_bytes(kind))
            self.stdout.write(f"模板已写入 {template}")
            return
        if not file or not os.path.isfile(file):
            raise CommandError(f"找不到文件：{file or '（未指定）'}")
        if not by:
            raise CommandError("请用 --by 指定录入人账号。")
        try:
            actor = get_user_model().objects.get(username=by)
        except get_user_model().DoesNotExist:
            raise CommandError(f"没有账号 {by}") from None
        try:
            saved = imports.import_file(kind, file, actor=actor)
        except ImportFailed as exc:
            lines = "\n".join(str(e) for e in exc.errors)
            raise CommandError(f"文件有 {len(exc.errors)} 处错误，未导入任何数据：\n{lines}") from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"已导入 {len(saved)} 条{WHAT[kind]}。"))
