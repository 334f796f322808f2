import json

from django.core.management.base import BaseCommand, CommandError

from civaffairs import figures
from civaffairs.models import Region
from civaffairs.periods import InvalidPeriod, Period


class Command(BaseCommand):
    help = "Print every registered figure for a period (2019H1, 2019Q2, 2019-03, 2019-01-01..2019-06-30)."

    def add_arguments(self, parser):
        parser.add_argument("period")
        parser.add_argument("--region", help="town code, e.g. 445303105 (石城镇)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, period, region=None, json=False, **options):
        try:
            p = Period.parse(period)
        except InvalidPeriod as exc:
            raise CommandError(str(exc)) from None
        town = None
        if region:
            town = Region.objects.filter(code=region).first()
            if town is None:
                raise CommandError(f"未知的区划代码：{region}")
            if town.level != Region.Level.TOWN:
                raise CommandError(f"--region 须为镇级代码：{region}（{town.name}）")
        values = figures.compute(p, town)
        out = {k: figures.to_json_value(k, v) for k, v in values.items()}
        if json:
            self.stdout.write(_json_dumps(out))
            return
        specs = figures.specs()
        for key, value in out.items():
            self.stdout.write(f"{key:45} {value!s:>16}  {specs[key].label}")


def _json_dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
