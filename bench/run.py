"""Benchmarks at district scale (the demo district) and ×10.

    make bench                                   # SQLite, var/bench.sqlite3 (rebuilt)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civaffairs_bench make bench   # a throwaway database

Measures, at ×1 and ×10: computing every figure for 2019H1 (district and one town), the number
of queries that takes, generating and approving one monthly payroll of every program, the
approval of a standard effective in the past with its back-pay, and the district's summary PDF
against WeasyPrint rendering the same finished HTML alone. ×10 copies persons, households,
cases, coverages and payment lines nine more times in SQL (INSERT … SELECT), so that the
aggregates run over ten districts' rows. Results are appended to bench/results.md.
"""

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civaffairs.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    (ROOT / "var" / "bench.sqlite3").unlink(missing_ok=True)

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from civaffairs import figures, payments  # noqa: E402
from civaffairs.models import Case, Coverage, PaymentLine, Person, Program, Region, Standard  # noqa: E402
from civaffairs.periods import Period  # noqa: E402


def timed(label, fn, results, repeat=1):
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    results.append((label, best))
    print(f"  {label:55} {best * 1000:10.1f} ms", flush=True)
    return value


def copy_district(times):
    """Copy the demo's beneficiary rows `times` more times with shifted ids (benchmark only)."""
    tables = {m: m._meta.db_table for m in (Person, Case, Coverage, PaymentLine)}
    hh = "civaffairs_household"
    with connection.cursor() as c:

        def max_id(table):
            c.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            return c.fetchone()[0] + 1

        offsets = {t: max_id(t) for t in [*tables.values(), hh]}
        for k in range(1, times + 1):
            letter = "ABCDEFGHJKLMNPQRTUWY"[k]
            P, H, C = (offsets[tables[Person]] * k, offsets[hh] * k, offsets[tables[Case]] * k)
            c.execute(
                f"INSERT INTO {tables[Person]} (id, name, id_number, birth_date, sex, phone, region_id, town_id, disability_grade,"
                f" severe_mental_disorder, death_date, created_at, version) SELECT id + {P}, name, '{letter}' || SUBSTR(id_number, 2),"
                f" birth_date, sex, phone, region_id, town_id, disability_grade, severe_mental_disorder, death_date, created_at, version"
                f" FROM {tables[Person]} WHERE id < {offsets[tables[Person]]}"
            )
            c.execute(
                f"INSERT INTO {hh} (id, head_id, region_id, town_id, area, income_per_capita, bank_account, bank_name, created_at, version)"
                f" SELECT id + {H}, head_id + {P}, region_id, town_id, area, income_per_capita, bank_account, bank_name, created_at, version"
                f" FROM {hh} WHERE id < {offsets[hh]}"
            )
            c.execute(
                f"INSERT INTO {tables[Case]} (id, program_id, household_id, person_id, town_id, area, category, care_level, institution_id,"
                f" start_month, end_month, status, reason, amount, event_date, flags, mental_disorder, next_review, submitted_by_id, created_at, version)"
                f" SELECT id + {C}, program_id, household_id + {H}, person_id + {P}, town_id, area, category, care_level, institution_id,"
                f" start_month, end_month, status, reason, amount, event_date, flags, mental_disorder, next_review, submitted_by_id, created_at, version"
                f" FROM {tables[Case]} WHERE id < {offsets[tables[Case]]}"
            )
            c.execute(
                f"INSERT INTO {tables[Coverage]} (case_id, person_id, program_id, exclusion_group, start_month, end_month)"
                f" SELECT case_id + {C}, person_id + {P}, program_id, exclusion_group, start_month, end_month"
                f" FROM {tables[Coverage]} WHERE case_id < {offsets[tables[Case]]}"
            )
            c.execute(
                f"INSERT INTO {tables[PaymentLine]} (payroll_id, case_id, program_id, town_id, month, paid_month, kind, item, amount,"
                f" standard_id, persons, income) SELECT payroll_id, case_id + {C}, program_id, town_id, month, paid_month, kind, item,"
                f" amount, standard_id, persons, income FROM {tables[PaymentLine]} WHERE case_id < {offsets[tables[Case]]}"
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            for table in [*tables.values(), hh]:
                c.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
            c.execute("ANALYZE")
    elif connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("ANALYZE")


def measure(scale, results):
    period = Period.parse("2019H1")
    town = Region.objects.get(code="445303105")
    print(
        f"scale ×{scale}: {PaymentLine.objects.count()} payment lines, {Case.objects.count()} cases, {Person.objects.count()} persons"
    )
    with CaptureQueriesContext(connection) as ctx:
        values = figures.compute(period)
    results.append((f"×{scale} queries for all figures", len(ctx.captured_queries)))
    print(f"  queries for all {len(values)} figures: {len(ctx.captured_queries)}")
    timed(f"×{scale} figures 2019H1, district", lambda: figures.compute(period), results, repeat=3)
    timed(f"×{scale} figures 2019H1, 石城镇", lambda: figures.compute(period, town), results, repeat=3)
    worker, chief = User.objects.get(username="jiuzhu"), User.objects.get(username="chief_assist")
    month = datetime.date(2019, 7, 1)

    def payrolls():
        with transaction.atomic():
            for program in Program.objects.filter(section="assistance", cadence="monthly"):
                p = payments.generate_payroll(actor=worker, program=program, month=month)
                payments.decide_payroll(actor=chief, payroll=p, approve=True, comment="bench")
            transaction.set_rollback(True)

    timed(f"×{scale} generate + approve July payrolls (6 programs)", payrolls, results)

    def backpay():
        with transaction.atomic():
            s = Standard.objects.get(program__code="dibao", category="rural", status="pending")
            _, bp = payments.decide_standard(actor=chief, standard=s, approve=True, comment="bench")
            print(f"    back-pay lines: {bp.line_count}, total {bp.total}")
            transaction.set_rollback(True)

    timed(f"×{scale} approve 2019 农村低保 standard with back-pay", backpay, results)

    # The target: the district's summary PDF within 1.3× of WeasyPrint rendering the same
    # finished HTML alone, and under 2 s.
    from weasyprint import HTML

    from reports import exports

    html = exports.html_string(exports.prepare(period))
    timed(
        f"×{scale} WeasyPrint alone, summary HTML → PDF",
        lambda: HTML(string=html).write_pdf(),
        results,
        repeat=2,
    )
    timed(
        f"×{scale} summary 2019H1 PDF (figures + render + PDF)",
        lambda: exports.pdf_bytes(exports.prepare(period)),
        results,
        repeat=2,
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10, help="largest multiple of the district (default 10)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Case.objects.exists():
        start = time.perf_counter()
        call_command("load_demo", verbosity=0)
        print(f"load_demo: {time.perf_counter() - start:.1f} s")
    results = []
    measure(1, results)
    if args.scale > 1:
        start = time.perf_counter()
        copy_district(args.scale - 1)
        print(f"copy to ×{args.scale}: {time.perf_counter() - start:.1f} s")
        measure(args.scale, results)
    out = ROOT / "bench" / "results.md"
    with out.open("a") as f:
        f.write(
            f"\n## {datetime.datetime.now():%Y-%m-%d %H:%M} · {connection.vendor} · {platform.node()} ({os.cpu_count()} cores)\n\n"
        )
        f.write("| measure | value |\n|---|---|\n")
        for label, value in results:
            f.write(
                f"| {label} | {value * 1000:.1f} ms |\n"
                if isinstance(value, float)
                else f"| {label} | {value} |\n"
            )
    print(f"results appended to {out}")


if __name__ == "__main__":
    main()
