from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civaffairs.models import Region
from civaffairs.periods import InvalidPeriod, Period
from reports import exports


class Command(BaseCommand):
    help = (
        "Export the period's summary (its finalized version if there is one, else the draft; "
        "without a summary, the shipped template) as .pdf, .docx, .xlsx or .html by the file's extension."
    )

    def add_arguments(self, parser):
        parser.add_argument("period", help="2019H1, 2019H2, 2019, 2019Q2, 2019-03 …")
        parser.add_argument("--output", required=True, help="summary.pdf / .docx / .xlsx / .html")
        parser.add_argument("--region", help="town code, e.g. 445303105 (石城镇)")

    def handle(self, *args, period, output, region=None, **options):
        try:
            p = Period.parse(period)
        except InvalidPeriod as exc:
            raise CommandError(str(exc)) from None
        town = None
        if region:
            town = Region.objects.filter(code=region, level=Region.Level.TOWN).first()
            if town is None:
                raise CommandError(f"--region 须为镇级区划代码：{region}")
        path = Path(output)
        kind = path.suffix.lower()
        if kind not in (".pdf", ".docx", ".xlsx", ".html"):
            raise CommandError(f"不支持的文件类型“{kind or path.name}”：请用 .pdf、.docx、.xlsx 或 .html")
        try:
            if kind == ".xlsx":
                data = exports.xlsx_bytes(p, town)
            else:
                prepared = exports.prepare(p, town)
                if kind == ".pdf":
                    data = exports.pdf_bytes(prepared)
                elif kind == ".docx":
                    data = exports.docx_bytes(prepared)
                else:
                    data = exports.html_string(prepared).encode("utf-8")
        except exports.ExportError as exc:
            raise CommandError(str(exc)) from None
        path.write_bytes(data)
        self.stdout.write(f"已导出 {path}（{len(data)} 字节）")
