"""EXPLAIN of every query shape the figures and the payroll engine run (docs/scale.md).

    DATABASE_URL=postgres://… python -m bench.explain [--analyze] > plans.txt

Captures the SQL of figures.compute(2019H1) for the district and one town, of generating July's
payroll of every monthly program and of approving the 2019 农村低保 standard with its back-pay
(both rolled back), and prints each distinct statement's plan, with the tables it filters or
groups by town or program: the columns a distribution key by district would join.
"""

import datetime
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civaffairs.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from civaffairs import figures, payments  # noqa: E402
from civaffairs.models import Program, Region, Standard  # noqa: E402
from civaffairs.periods import Period  # noqa: E402


class Rollback(Exception):
    pass


def captured(fn):
    with CaptureQueriesContext(connection) as ctx:
        try:
            with transaction.atomic():
                fn()
                raise Rollback
        except Rollback:
            pass
    return [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]


def main():
    analyze = "--analyze" in sys.argv
    period = Period.parse("2019H1")
    town = Region.objects.get(level=Region.Level.TOWN, name="石城镇")
    worker, chief = User.objects.get(username="jiuzhu"), User.objects.get(username="chief_assist")

    def payroll():
        for p in Program.objects.filter(section="assistance", cadence="monthly"):
            payments.generate_payroll(actor=worker, program=p, month=datetime.date(2019, 7, 1))

    def backpay():
        s = Standard.objects.get(program__code="dibao", category="rural", status="pending")
        payments.generate_backpay(
            actor=worker, standard=payments.decide_standard(actor=chief, standard=s, approve=True)
        )

    groups = [
        ("figures 2019H1, district", lambda: figures.compute(period)),
        ("figures 2019H1, 石城镇", lambda: figures.compute(period, town)),
        ("July payroll, 6 programs", payroll),
        ("approve 2019 农村低保 standard + back-pay", backpay),
    ]
    for label, fn in groups:
        statements = captured(fn)
        shapes, seen = [], set()
        for sql in statements:
            shape = re.sub(r"\b\d+\b|'[^']*'", "?", sql)
            if shape not in seen:
                seen.add(shape)
                shapes.append(sql)
        print(f"\n#### {label}: {len(statements)} SELECTs, {len(shapes)} shapes\n")
        with connection.cursor() as c:
            for sql in shapes:
                c.execute(("EXPLAIN (ANALYZE, COSTS OFF) " if analyze else "EXPLAIN (COSTS OFF) ") + sql)
                plan = [row[0] for row in c.fetchall()]
                keys = sorted(set(re.findall(r'"(town_id|program_id|case_id|payroll_id|person_id)"', sql)))
                print(f"-- {sql[:300]}{' …' if len(sql) > 300 else ''}")
                print(f"-- filters/joins on: {', '.join(keys) or '—'}")
                print("\n".join(plan))
                print()


if __name__ == "__main__":
    main()
