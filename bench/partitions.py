"""Payment lines partitioned by month, measured against the plain table (docs/scale.md).

    DATABASE_URL=postgres://… python -m bench.partitions

PostgreSQL only. Copies civaffairs_paymentline into bench_part.paymentline, declared
PARTITION BY RANGE (paid_month) with one partition per month (and a default one), with the same
indexes; analyzes both; then times the query shapes the figures, pages and payrolls run on each
(best of 5) and counts the partitions each plan touches. The copy is dropped at the end; the
application's tables are only read.
"""

import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civaffairs.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from civaffairs.models import Payroll, Program, Region  # noqa: E402

PLAIN = "civaffairs_paymentline"
PARTED = "bench_part.paymentline"


def shapes():
    ids = dict(Program.objects.values_list("code", "id"))
    town = Region.objects.get(level=Region.Level.TOWN, name="石城镇").pk
    payroll = Payroll.objects.filter(kind="monthly", program__code="dibao").order_by("-month").first().pk
    with connection.cursor() as c:
        c.execute(
            f"SELECT case_id FROM {PLAIN} WHERE program_id = %s ORDER BY id DESC LIMIT 1", [ids["dibao"]]
        )
        case = c.fetchone()[0]
    money = """SELECT COALESCE(SUM(l.amount) FILTER (WHERE l.program_id = {dibao}), 0),
          COALESCE(SUM(l.amount) FILTER (WHERE l.program_id = {tekun} AND l.item = 'basic'), 0),
          COUNT(DISTINCT c.person_id) FILTER (WHERE l.program_id = {living}),
          COUNT(*) FILTER (WHERE l.program_id = {temp})
        FROM {{pl}} l LEFT JOIN civaffairs_payroll r ON r.id = l.payroll_id JOIN civaffairs_case c ON c.id = l.case_id
        WHERE l.paid_month >= '{first}' AND l.paid_month <= '{last}' {town}
          AND (l.payroll_id IS NULL OR r.status = 'approved')"""
    base = dict(
        dibao=ids["dibao"], tekun=ids["tekun"], living=ids["disability_living"], temp=ids["temp_relief"]
    )
    return [
        (
            "money figures, 2019H1, district",
            money.format(**base, first="2019-01-01", last="2019-06-01", town=""),
        ),
        (
            "money figures, 2019-06, district",
            money.format(**base, first="2019-06-01", last="2019-06-01", town=""),
        ),
        (
            "money figures, 2019H1, one town",
            money.format(**base, first="2019-01-01", last="2019-06-01", town=f"AND l.town_id = {town}"),
        ),
        (
            "back-pay: what was paid per case-month (低保, since 2019-01)",
            f"SELECT case_id, month, SUM(amount) FROM {{pl}} WHERE program_id = {ids['dibao']}"
            " AND item = 'basic' AND month >= '2019-01-01' AND kind <> 'correction' GROUP BY case_id, month",
        ),
        (
            "payroll detail: one page of a payroll's lines",
            f"SELECT l.id FROM {{pl}} l JOIN civaffairs_region t ON t.id = l.town_id WHERE l.payroll_id = {payroll}"
            " ORDER BY t.code, l.case_id, l.month LIMIT 25 OFFSET 1000",
        ),
        (
            "payroll generation: lines already live for the month (低保, 2019-06)",
            f"SELECT case_id FROM {{pl}} WHERE program_id = {ids['dibao']} AND month = '2019-06-01' AND kind = 'regular'",
        ),
        (
            "case detail: one case's lines",
            f"SELECT * FROM {{pl}} WHERE case_id = {case} ORDER BY paid_month DESC",
        ),
    ]


def timed(c, sql, repeat=5):
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        c.execute(sql)
        c.fetchall()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def partitions_touched(c, sql):
    c.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
    plan = "\n".join(row[0] for row in c.fetchall())
    scanned = set(re.findall(r"\bpaymentline_(\d{6}|default)\b(?!_)", plan))  # tables, not their indexes
    return len(scanned), plan


def main():
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only (DATABASE_URL=postgres://…).")
    with connection.cursor() as c:
        c.execute(f"SELECT COUNT(*), MIN(paid_month), MAX(paid_month) FROM {PLAIN}")
        rows, first, last = c.fetchone()
        print(f"{rows:,} payment lines, paid {first:%Y-%m} … {last:%Y-%m}")
        c.execute("DROP SCHEMA IF EXISTS bench_part CASCADE")
        c.execute("CREATE SCHEMA bench_part")
        c.execute(f"CREATE TABLE {PARTED} (LIKE {PLAIN} INCLUDING DEFAULTS) PARTITION BY RANGE (paid_month)")
        month = first
        while month <= last:
            following = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
            c.execute(
                f"CREATE TABLE bench_part.paymentline_{month:%Y%m} PARTITION OF {PARTED}"
                f" FOR VALUES FROM ('{month}') TO ('{following}')"
            )
            month = following
        c.execute(f"CREATE TABLE bench_part.paymentline_default PARTITION OF {PARTED} DEFAULT")
        start = time.perf_counter()
        c.execute(f"INSERT INTO {PARTED} SELECT * FROM {PLAIN}")
        copy = time.perf_counter() - start
        for cols in [
            "program_id, paid_month",
            "case_id, month",
            "town_id, program_id, paid_month",
            "payroll_id",
        ]:
            c.execute(f"CREATE INDEX ON {PARTED} ({cols})")
        c.execute(f"ANALYZE {PARTED}")
        c.execute(f"ANALYZE {PLAIN}")
        print(
            f"copied into {PARTED} ({(last.year - first.year) * 12 + last.month - first.month + 1} months) in {copy:.1f} s\n"
        )
        print("| query shape | plain table | partitioned by month | partitions read |\n|---|---:|---:|---:|")
        plans = []
        for label, sql in shapes():
            plain = timed(c, sql.format(pl=PLAIN))
            parted = timed(c, sql.format(pl=PARTED))
            touched, plan = partitions_touched(c, sql.format(pl=PARTED))
            plans.append((label, plan))
            print(f"| {label} | {plain * 1000:.0f} ms | {parted * 1000:.0f} ms | {touched} |", flush=True)
        if "--plans" in sys.argv:
            for label, plan in plans:
                print(f"\n-- {label}\n{plan}")
        c.execute("DROP SCHEMA bench_part CASCADE")


if __name__ == "__main__":
    main()
