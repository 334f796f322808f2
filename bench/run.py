"""Benchmarks against their floors: `python -m bench --scale N [--quick]` (`make bench`).

    make bench                                        # SQLite under var/, ×1 and ×10
    python -m bench --quick                           # ×1 on SQLite, under a minute
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civ_bench python -m bench --scale 10

The database is emptied and the demo loaded (`load_demo`), then measured at ×1; then the
district's social-assistance caseload is copied (civaffairs/scale.py, as `load_demo --scale N`)
to ×10 and ×100 as asked, and measured again. A PostgreSQL database must hold nothing but demo
data (`load_demo --reset` refuses otherwise). Every item is set beside the floor it cannot beat:

- all figures of 2019H1: time and query count; the floor is hand-written SQL computing the same
  social-assistance aggregates (bench/floors.py, checked equal), plus the other sections' figures
  at their own time (they do not grow with the scale);
- the summary PDF, against WeasyPrint rendering the same finished HTML alone;
- July's payroll of every monthly program, against one INSERT … SELECT writing the same lines;
- the approval of the 2019 农村低保 standard with its back-pay, against the same SQL floor;
- a 10,000-row 低保 roster import, against openpyxl merely reading the file;
- pages (home, list, search, detail, figures, payroll) under 10 clients against gunicorn on
  loopback, p50/p95/errors, against a trivial view on the same server;
- load_demo at each scale.

Writes (rolled back) leave the database as it was. Prints one table and adds the run to
bench/RESULTS.md (date, machine, database, scale).
"""

import argparse
import datetime
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=int, default=10, help="largest multiple of the district (1, 10 or 100)"
    )
    parser.add_argument("--quick", action="store_true", help="×1 on SQLite, shorter runs: under a minute")
    parser.add_argument("--reuse", action="store_true", help="measure the loaded database as it is")
    parser.add_argument("--from-scale", type=int, default=1, help="with --reuse: the scale already loaded")
    parser.add_argument("--seconds", type=int, default=30, help="seconds of page load per run")
    parser.add_argument("--rows", type=int, default=10000, help="rows of the roster import")
    parser.add_argument(
        "--skip", default="", help="items to leave out, comma-separated: pages,import,pdf,payroll,backpay"
    )
    return parser.parse_args()


ARGS = parse_args()
if ARGS.quick:
    os.environ.pop("DATABASE_URL", None)
    ARGS.scale, ARGS.seconds, ARGS.rows = 1, 5, 2000
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civaffairs.settings")
SQLITE = ROOT / "var" / ("bench-quick.sqlite3" if ARGS.quick else "bench.sqlite3")
CACHE = ROOT / "var" / "bench-x1.sqlite3"  # the ×1 demo as the last full SQLite run loaded it
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE}"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from bench import floors  # noqa: E402
from bench import load as pages  # noqa: E402
from civaffairs import demo, figures, payments, scale  # noqa: E402
from civaffairs.models import Case, PaymentLine, Payroll, Person, Program, Region, Standard  # noqa: E402
from civaffairs.periods import Period  # noqa: E402

PERIOD = Period.parse("2019H1")
JULY = datetime.date(2019, 7, 1)
TZ = ZoneInfo("Asia/Shanghai")
ASSISTANCE_FUNCTIONS = {"dibao_households", "money", "person_stocks", "mental_covered"}


class Rollback(Exception):
    pass


def best_of(fn, repeat):
    best, value = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, value


def rolled_back(fn):
    """Run fn in a transaction that is rolled back; return (seconds, fn's value)."""
    out = {}
    try:
        with transaction.atomic():
            start = time.perf_counter()
            out["value"] = fn()
            out["time"] = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return out["time"], out["value"]


class Table:
    def __init__(self):
        self.rows = []

    def add(self, item, time_s, floor_s=None, note=""):
        ratio = f"{time_s / floor_s:.2f}" if floor_s else "—"
        row = (item, fmt(time_s), fmt(floor_s) if floor_s is not None else "—", ratio, note)
        self.rows.append(row)
        print(f"  {row[0]:52} {row[1]:>10} {row[2]:>10} {row[3]:>6}  {row[4]}", flush=True)


def fmt(seconds):
    if seconds is None:
        return "—"
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


# ---------------------------------------------------------------- items


def measure_figures(t, x):
    """Computed from the records (the figures' cache off), then as kept (civaffairs/figures.py)."""
    with override_settings(RECORDS_CACHE_SECONDS=0):
        values = measure_figures_computed(t, x)
    cache.clear()
    figures.compute(PERIOD)
    with CaptureQueriesContext(connection) as ctx:
        kept_values = figures.compute(PERIOD)
    kept, _ = best_of(lambda: figures.compute(PERIOD), 3)
    note = f"{len(ctx.captured_queries)} query (the records' version); {'same' if kept_values == values else 'DIFFER'}"
    t.add(f"×{x} all figures 2019H1, kept (records unchanged)", kept, None, note)


def measure_figures_computed(t, x):
    keys_assist = sorted(k for k, s in figures.specs().items() if s.function.__name__ in ASSISTANCE_FUNCTIONS)
    others = sorted(k for k in figures.specs() if k not in keys_assist)
    with CaptureQueriesContext(connection) as ctx:
        values = figures.compute(PERIOD)
    queries = len(ctx.captured_queries)
    total, _ = best_of(lambda: figures.compute(PERIOD), 3)
    assist, _ = best_of(lambda: figures.compute(PERIOD, keys=keys_assist), 3)
    rest, _ = best_of(lambda: figures.compute(PERIOD, keys=others), 3)
    floor, floor_values = best_of(lambda: floors.assistance_figures(PERIOD), 3)
    wrong = [k for k, v in floor_values.items() if not floors.same(v, values[k])]
    check = "SQL floor agrees" if not wrong else "SQL floor DIFFERS: " + ", ".join(wrong)
    t.add(f"×{x} all figures 2019H1 ({len(values)}, {queries} queries)", total, floor + rest, check)
    t.add(f"×{x} social-assistance figures (5 statements)", assist, floor, "floor: 3 SQL statements")
    return values


def measure_pdf(t, x):
    from weasyprint import HTML

    from reports import exports

    exports.check_pdf_requirements()
    html = exports.html_string(exports.prepare(PERIOD))
    floor, _ = best_of(lambda: HTML(string=html).write_pdf(), 2)
    with override_settings(RECORDS_CACHE_SECONDS=0):
        total, _ = best_of(lambda: exports.pdf_bytes(exports.prepare(PERIOD)), 2)
    t.add(
        f"×{x} summary PDF 2019H1 (figures + HTML + PDF)",
        total,
        floor,
        "floor: WeasyPrint alone; figures computed",
    )
    cache.clear()
    exports.prepare(PERIOD)  # the figures kept, as after the preview the director looked at
    kept, _ = best_of(lambda: exports.pdf_bytes(exports.prepare(PERIOD)), 2)
    t.add(f"×{x} summary PDF 2019H1, figures kept", kept, floor, "floor: WeasyPrint alone")


def measure_payroll(t, x):
    worker = User.objects.get(username="jiuzhu")
    programs = list(Program.objects.filter(section="assistance", cadence="monthly").order_by("order"))

    def engine():
        made = [payments.generate_payroll(actor=worker, program=p, month=JULY) for p in programs]
        return sum(p.line_count for p in made), sum(p.total for p in made)

    def floor():
        made = {p.pk: Payroll.objects.create(program=p, month=JULY, created_by=worker) for p in programs}
        floors.monthly_payrolls(JULY, {k: v.pk for k, v in made.items()})
        amounts = list(PaymentLine.objects.filter(payroll__in=made.values()).values_list("amount", flat=True))
        return len(amounts), sum(amounts)

    time_e, (n_e, sum_e) = rolled_back(engine)
    time_f, (n_f, sum_f) = rolled_back(floor)
    same = n_e == n_f and floors.same(sum_e, sum_f)
    note = f"{n_e} lines; floor {'agrees' if same else f'DIFFERS: {n_f} lines, {sum_f} vs {sum_e}'}"
    t.add(f"×{x} July payroll, 6 programs (generate)", time_e, time_f, note)


def measure_backpay(t, x):
    chief = User.objects.get(username="chief_assist")
    worker = User.objects.get(username="jiuzhu")

    def pending():
        return Standard.objects.get(program__code="dibao", category="rural", status="pending")

    def engine():
        s = payments.decide_standard(actor=chief, standard=pending(), approve=True, comment="bench")
        batch = payments.generate_backpay(actor=worker, standard=s)
        return batch.line_count, batch.total

    def floor():
        s = pending()
        Standard.objects.filter(pk=s.pk).update(status="approved", decided_by=chief)
        batch = Payroll.objects.create(
            program=s.program, kind=Payroll.Kind.BACKPAY, month=JULY, standard=s, created_by=worker
        )
        floors.backpay(s, batch.pk)
        amounts = list(PaymentLine.objects.filter(payroll=batch).values_list("amount", flat=True))
        return len(amounts), sum(amounts)

    time_e, (n_e, sum_e) = rolled_back(engine)
    time_f, (n_f, sum_f) = rolled_back(floor)
    same = n_e == n_f and floors.same(sum_e, sum_f)
    note = f"{n_e} lines; floor {'agrees' if same else f'DIFFERS: {n_f} lines, {sum_f} vs {sum_e}'}"
    t.add(f"×{x} approve 2019 农村低保 standard + back-pay", time_e, time_f, note)


def measure_import(t, x, rows):
    import time_machine
    from openpyxl import load_workbook

    from assistance import roster
    from bench.import_roster import generate

    # A ledger migrated into the system (存量迁移): submitted by the section, approved on import.
    actor, chief = User.objects.get(username="jiuzhu"), User.objects.get(username="chief_assist")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.xlsx"
        generate(path, rows)

        def read_only():
            wb = load_workbook(path, read_only=True, data_only=False)
            n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
            wb.close()
            return n

        floor, _ = best_of(read_only, 1)
        # As on the demo's last day (the roster's start months are 2019-01 … 06).
        with time_machine.travel(datetime.datetime(2019, 6, 28, 10, tzinfo=TZ), tick=True):
            took, result = rolled_back(
                lambda: roster.import_roster(str(path), actor=actor, approver=chief, filename="bench.xlsx")
            )
    t.add(
        f"×{x} roster import, {rows:,} rows",
        took,
        floor,
        f"{result.households} households, approved (存量迁移); floor: openpyxl reading the file",
    )


def measure_pages(t, x, seconds):
    shicheng_town = Region.objects.get(level=Region.Level.TOWN, name="石城镇")
    mine = list(
        Case.objects.filter(town=shicheng_town, program__section="assistance")
        .order_by("id")
        .values_list("id", flat=True)[:50:5]
    )
    anywhere = list(
        Case.objects.filter(program__section="assistance").order_by("-id").values_list("id", flat=True)[:50:5]
    )
    payroll = Payroll.objects.filter(kind="monthly", program__code="dibao").order_by("-month").first()
    common = [
        ("home", "/"),
        ("case list", "/assistance/cases/"),
        ("case list p50", "/assistance/cases/?page=50"),
        ("search 陈", "/assistance/cases/?q=%E9%99%88"),
        ("figures 2019H1", "/figures/?period=2019H1"),
    ]
    town_pages = common + [("case detail", f"/assistance/cases/{i}/") for i in mine[:2]]
    district_pages = (
        common
        + [("case detail", f"/assistance/cases/{i}/") for i in anywhere[:2]]
        + [("payroll detail", f"/assistance/payrolls/{payroll.pk}/")]
    )
    clients = [("shicheng", town_pages)] * 5 + [("jiuzhu", district_pages)] * 5
    server = pages.Server()
    try:
        times, errors, rps = pages.drive(server.base, clients, seconds)
        trivial = [(u, [("trivial", "/bench/trivial/")]) for u, _p in clients]
        t_times, t_errors, t_rps = pages.drive(server.base, trivial, max(5, seconds // 3))
    finally:
        server.stop()
    floor = pages.summary(t_times.get("trivial", []))
    everything = [v for values in times.values() for v in values]
    overall = pages.summary(everything)
    for label in sorted(times):
        s = pages.summary(times[label])
        t.add(
            f"×{x} page {label}, 10 clients: p95 (p50)",
            s["p95"] / 1000,
            floor["p95"] / 1000,
            f"p50 {s['p50']:.0f} ms; {s['n']} requests, {errors.get(label, 0)} errors",
        )
    t.add(
        f"×{x} pages, all: p95 at {rps:.1f} req/s",
        overall["p95"] / 1000,
        floor["p95"] / 1000,
        f"p50 {overall['p50']:.0f} ms; {sum(errors.values())} errors; trivial view {t_rps:.0f} req/s,"
        f" p50 {floor['p50']:.0f} ms, {sum(t_errors.values())} errors",
    )


def measure(t, x, skip, seconds, rows):
    print(
        f"×{x}: {Person.objects.count():,} persons, {Case.objects.count():,} cases,"
        f" {PaymentLine.objects.count():,} payment lines",
        flush=True,
    )
    measure_figures(t, x)
    if "pdf" not in skip:
        measure_pdf(t, x)
    if "payroll" not in skip:
        measure_payroll(t, x)
    if "backpay" not in skip:
        measure_backpay(t, x)
    if "import" not in skip:
        measure_import(t, x, rows)
    if "pages" not in skip:
        measure_pages(t, x, seconds)


# ---------------------------------------------------------------- run


def database_label():
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version} ({Path(s['NAME']).name})"
    with connection.cursor() as c:
        c.execute("SHOW server_version")
        return f"PostgreSQL {c.fetchone()[0]} ({s['NAME']})"


LOAD_BEFORE = os.getloadavg()[0]


def machine_label():
    return (
        f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; load average"
        f" {LOAD_BEFORE:.1f} before the run, {os.getloadavg()[0]:.1f} after (other work shares the cores)"
    )


def write_results(t, scales, started):
    out = ROOT / "bench" / "RESULTS.md"
    head = "# Benchmark results\n\nNewest run first. Produced by `python -m bench` (bench/run.py).\n"
    old = out.read_text() if out.exists() else head
    body = old[len(head) :] if old.startswith(head) else "\n" + old
    section = [
        f"\n## {started:%Y-%m-%d %H:%M} UTC · {database_label()} · ×{' ×'.join(map(str, scales))}\n",
        f"Machine: {machine_label()}.\n",
        "| item | time | floor | ratio | note |",
        "|---|---:|---:|---:|---|",
        *[f"| {' | '.join(row)} |" for row in t.rows],
        "",
    ]
    out.write_text(head + "\n".join(section) + body)
    print(f"results added to {out.relative_to(ROOT)}")


def main():
    args = ARGS
    skip = set(filter(None, args.skip.split(",")))
    started = datetime.datetime.now(datetime.UTC)
    scales = [s for s in (1, 10, 100) if s <= args.scale]
    if args.scale not in scales:
        scales.append(args.scale)
    t = Table()
    print(f"{database_label()} · {machine_label()}")
    print(f"  {'item':52} {'time':>10} {'floor':>10} {'ratio':>6}  note")
    loaded = 0.0
    if args.quick and CACHE.exists():
        connection.close()
        shutil.copyfile(CACHE, SQLITE)
        t.add("×1 load_demo", 0, None, "not timed: --quick copies the ×1 database a full run saved")
    elif not args.reuse:
        if connection.vendor == "sqlite":
            connection.close()
            SQLITE.unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        if demo.is_loaded():
            foreign = demo.not_demo_data()
            if foreign:
                sys.exit(
                    "数据库中有非演示数据（" + "；".join(foreign) + "），基准测试不清空它：请用一个空数据库。"
                )
            call_command("flush", interactive=False, verbosity=0)
            call_command("migrate", verbosity=0)
        start = time.perf_counter()
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        loaded = time.perf_counter() - start
        t.add("×1 load_demo (with ANALYZE)", loaded, None, "README's target on SQLite: ≤ 20 s")
        if connection.vendor == "sqlite":
            connection.close()
            shutil.copyfile(SQLITE, CACHE)  # --quick starts from this copy
    current = args.from_scale if args.reuse else 1
    scales = [x for x in scales if x >= current]
    for x in scales:
        if x > current:
            start = time.perf_counter()
            scale.scale_up(x // current)
            scale.analyze()
            copied = time.perf_counter() - start
            loaded += copied
            t.add(
                f"×{x} load_demo --scale {x} (×1 load + copies)"
                if loaded > copied
                else f"×{x} copies of the loaded ×{current} (--reuse: ×1 load not timed)",
                loaded,
                None,
                f"copies ×{current}→×{x} with ANALYZE: {fmt(copied)}",
            )
            current = x
        measure(t, x, skip, args.seconds, args.rows)
    write_results(t, scales, started)


if __name__ == "__main__":
    main()
