"""Soak: minutes of mixed traffic against gunicorn on loopback — reads, enrolments, approvals,
exports — counting every error and watching the web workers' memory.

    DATABASE_URL=postgres://… python -m bench soak --minutes 5      # the issue's soak (not in make test)
    python -m bench.soak --short                                     # 30 s, to try it

The database must hold the loaded demo (`load_demo`); the soak writes to it as users would (new
households and their 低保 applications, the chief's approvals), so use a database of its own.
The server is bench/load.py's (gunicorn, 3 sync workers, DEBUG off); the clients are its
threaded client, logged in as the demo's users:

- readers: 3 × shicheng (town pages) and 3 × jiuzhu (district pages: lists, search, case and
  payroll detail, figures, home), as `python -m bench` measures them;
- enrolments: 2 × shicheng submit 低保申请（新家庭） through the form, a new household each time;
- approvals: 1 × chief_assist approves the applications the enrollers submitted (and reads the
  inbox while none waits);
- exports: 1 × jiuzhu downloads the masked XLSX of an approved 低保 payroll (the bank file's
  layout) in turn with the 公示 notice of a village.

An enrolment is timed as two requests (the form, its POST), an approval as three (the request's
page, the POST, the page again to check it is approved). A request counts as an error when it does not answer 200 (a form's 302 where one is due), or the
enrolment or approval did not happen. The resident memory (RSS) of each gunicorn worker is read
from /proc after a warm-up and every 30 s after; the soak passes when there is no error and the
workers' total RSS at the end is within 10% of the start. Prints one table and adds it to
bench/RESULTS.md.
"""

import argparse
import datetime
import itertools
import os
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5, help="minutes of traffic (the issue: 5)")
    parser.add_argument("--short", action="store_true", help="30 s of traffic, 10 s of warm-up")
    parser.add_argument("--warmup", type=float, default=60, help="seconds of traffic before the first RSS")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave RESULTS.md alone")
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civaffairs.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'civaffairs.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench import load  # noqa: E402
from civaffairs.idnumber import make_id_number  # noqa: E402
from civaffairs.models import ApprovalStatus, Case, Payroll, Region  # noqa: E402

SURNAMES = "陈李黄张梁林何吴刘罗郑杨"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
SAMPLE_EVERY = 30  # seconds between RSS readings
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REQUEST_URL = re.compile(r"/assistance/requests/(\d+)/$")


# ---------------------------------------------------------------- memory of the web workers


def workers_of(master_pid):
    """The gunicorn workers: the master's child processes."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    try:
        return [int(p) for p in children.read_text().split()]
    except OSError:
        return []


def rss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_of(master_pid):
    return {pid: rss_kb(pid) for pid in workers_of(master_pid)}


# ---------------------------------------------------------------- the traffic


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts, self.errors, self.times, self.examples = {}, {}, {}, {}

    def add(self, label, ms, ok, why=""):
        with self.lock:
            self.counts[label] = self.counts.get(label, 0) + 1
            self.times.setdefault(label, []).append(ms)
            if not ok:
                self.errors[label] = self.errors.get(label, 0) + 1
                self.examples.setdefault(label, why[:200])


def timed(tally, label, fn):
    """fn() -> (ok, why); any exception is an error of that request."""
    start = time.perf_counter()
    try:
        ok, why = fn()
    except urllib.error.HTTPError as exc:
        ok, why = False, f"HTTP {exc.code} {exc.url}"
    except Exception as exc:  # noqa: BLE001 - an error is counted, whatever it is
        ok, why = False, f"{type(exc).__name__}: {exc}"
    tally.add(label, (time.perf_counter() - start) * 1000, ok, why)
    return ok


def get(opener, base, path):
    with opener.open(base + path, timeout=120) as r:
        body = r.read()
        return r.status, body


def post(opener, base, path, form_path, fields):
    """POST a form as the browser would: the CSRF token from its page. Returns the redirect's
    Location (the form's 302), or raises with the page's first error."""
    _status, page = get(opener, base, form_path)
    token = CSRF.search(page.decode()).group(1)
    data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(base + path, data=data, headers={"Referer": base + form_path})
    try:
        with opener.open(request, timeout=120) as r:
            body = r.read().decode()
            found = re.search(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', body, re.S)
            raise RuntimeError(f"{path}: 200 with the form again: {found.group(1) if found else body[:200]}")
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise
        return exc.headers["Location"]


class World:
    """What the clients work on, read once from the database before the server starts."""

    def __init__(self):
        town = Region.objects.get(level=Region.Level.TOWN, name="石城镇")
        self.villages = list(
            Region.objects.filter(parent=town, level=Region.Level.VILLAGE).values_list("pk", flat=True)
        )
        self.town_cases = list(
            Case.objects.filter(town=town, program__section="assistance")
            .order_by("id")
            .values_list("id", flat=True)[:200:20]
        )
        self.cases = list(
            Case.objects.filter(program__section="assistance")
            .order_by("-id")
            .values_list("id", flat=True)[:200:20]
        )
        approved = Payroll.objects.filter(
            kind="monthly", program__code="dibao", status=ApprovalStatus.APPROVED
        )
        self.payroll = approved.order_by("-month").values_list("pk", flat=True).first()
        self.notice_village = self.villages[0]
        # New persons' ID numbers: 云安区 born 1960–1999, a sequence no demo person has.
        self.seq = itertools.count(random.Random().randrange(100, 800))
        self.born = random.Random()
        self.lock = threading.Lock()

    def id_number(self):
        with self.lock:
            n = next(self.seq) % 1000
            birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=self.born.randrange(14600))
        return make_id_number("445303", birth, n)

    def name(self):
        with self.lock:
            return self.born.choice(SURNAMES) + "".join(self.born.choices(GIVEN, k=self.born.choice((1, 2))))

    def reads(self, district):
        pages = [
            ("home", "/"),
            ("case list", "/assistance/cases/"),
            ("case list p50", "/assistance/cases/?page=50"),
            ("search 陈", "/assistance/cases/?q=%E9%99%88"),
            ("figures 2019H1", "/figures/?period=2019H1"),
            ("requests", "/assistance/requests/"),
        ]
        cases = self.cases if district else self.town_cases
        pages += [("case detail", f"/assistance/cases/{i}/") for i in cases[:4]]
        if district:
            pages.append(("payroll detail", f"/assistance/payrolls/{self.payroll}/"))
        return pages


def reader(tally, opener, base, pages, offset, stop):
    k = offset
    while not stop.is_set():
        label, path = pages[k % len(pages)]
        k += 1
        timed(tally, label, lambda path=path: ((get(opener, base, path)[0] == 200), path))


def enroller(tally, opener, base, world, pending, stop):
    form = "/assistance/apply/dibao/"
    while not stop.is_set():

        def apply():
            fields = {
                "head_name": world.name(),
                "head_id_number": world.id_number(),
                "region": random.choice(world.villages),
                "area": "rural",
                "income_per_capita": "150",
                "bank_name": "农村信用社",
                "bank_account": f"62{random.randrange(10**15, 10**16)}",
                "category": "B",
                "start_month": datetime.date.today().strftime("%Y-%m"),
                "reason": "压测",
                "m-TOTAL_FORMS": "1",
                "m-INITIAL_FORMS": "0",
                "m-MIN_NUM_FORMS": "0",
                "m-MAX_NUM_FORMS": "1000",
                "m-0-name": world.name(),
                "m-0-id_number": world.id_number(),
                "m-0-relation": "spouse",
            }
            location = post(opener, base, form, form, fields)
            found = REQUEST_URL.search(location)
            if not found:
                return False, f"enrolment answered {location}"
            pending.append(int(found.group(1)))
            return True, ""

        timed(tally, "enrolment (POST)", apply)


def approver(tally, opener, base, pending, stop):
    while not stop.is_set():
        try:
            pk = pending.pop(0)
        except IndexError:
            timed(tally, "inbox", lambda: (get(opener, base, "/assistance/inbox/")[0] == 200, "inbox"))
            continue

        def approve(pk=pk):
            page = f"/assistance/requests/{pk}/"
            location = post(
                opener, base, f"{page}decide/", page, {"decision": "approve", "comment": "压测批准"}
            )
            if not location.endswith("/assistance/inbox/"):
                return False, f"approval of request {pk} answered {location}"
            _status, body = get(opener, base, page)
            return "已批准" in body.decode(), f"request {pk} not approved after the decision"

        timed(tally, "approval (POST)", approve)


def exporter(tally, opener, base, world, stop):
    month = "2019-06"
    exports = [
        ("payroll XLSX export", f"/assistance/payrolls/{world.payroll}/export/"),
        (
            "notice XLSX export",
            f"/assistance/notice/?village={world.notice_village}&month={month}&format=xlsx",
        ),
    ]
    k = 0
    while not stop.is_set():
        label, path = exports[k % len(exports)]
        k += 1

        def download(path=path):
            status, body = get(opener, base, path)
            return status == 200 and body[:2] == b"PK", f"{path}: not an XLSX"

        timed(tally, label, download)


def run(seconds, warmup):
    world = World()
    if world.payroll is None:
        sys.exit("没有已批准的低保名册：请先加载演示数据（load_demo）。")
    connection.close()
    server = load.Server()
    tally, stop, pending = Tally(), threading.Event(), []
    samples = []
    try:
        base = server.base
        threads = []
        for i in range(3):
            threads.append((reader, (tally, load.login(base, "shicheng"), base, world.reads(False), i, stop)))
            threads.append((reader, (tally, load.login(base, "jiuzhu"), base, world.reads(True), i, stop)))
        for _ in range(2):
            threads.append((enroller, (tally, load.login(base, "shicheng"), base, world, pending, stop)))
        threads.append((approver, (tally, load.login(base, "chief_assist"), base, pending, stop)))
        threads.append((exporter, (tally, load.login(base, "jiuzhu"), base, world, stop)))
        idle = rss_of(server.proc.pid)
        print(f"       0 s  workers' RSS {fmt_rss(idle)} (idle, before any traffic)", flush=True)
        started = time.monotonic()
        running = [threading.Thread(target=fn, args=args, daemon=True) for fn, args in threads]
        for t in running:
            t.start()
        time.sleep(warmup)
        samples.append((time.monotonic() - started, rss_of(server.proc.pid)))
        print(f"  {samples[-1][0]:6.0f} s  workers' RSS {fmt_rss(samples[-1][1])}", flush=True)
        end = started + warmup + seconds
        while time.monotonic() < end:
            time.sleep(min(SAMPLE_EVERY, max(0.0, end - time.monotonic())))
            samples.append((time.monotonic() - started, rss_of(server.proc.pid)))
            done = sum(tally.counts.values())
            print(
                f"  {samples[-1][0]:6.0f} s  workers' RSS {fmt_rss(samples[-1][1])}  {done} requests,"
                f" {sum(tally.errors.values())} errors",
                flush=True,
            )
        stop.set()
        for t in running:
            t.join(timeout=180)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        server.stop()
    return tally, [(0.0, idle), *samples], elapsed, len(pending)


def fmt_rss(rss):
    return (
        " + ".join(f"{kb / 1024:.0f}" for _pid, kb in sorted(rss.items()))
        + f" = {sum(rss.values()) / 1024:.0f} MB"
    )


def report(tally, samples, elapsed, left, seconds):
    idle, first, last = samples[0][1], samples[1][1], samples[-1][1]
    start_mb, end_mb = sum(first.values()) / 1024, sum(last.values()) / 1024
    growth = (end_mb - start_mb) / start_mb if start_mb else 0.0
    same_workers = sorted(first) == sorted(last)
    errors = sum(tally.errors.values())
    requests = sum(tally.counts.values())
    ok = errors == 0 and abs(growth) <= 0.10 and same_workers
    rows = []
    for label in sorted(tally.counts):
        values = tally.times[label]
        s = load.summary(values)
        rows.append((label, tally.counts[label], tally.errors.get(label, 0), s["p50"], s["p95"]))
    print(f"\n  {'request':28} {'n':>6} {'errors':>6} {'p50':>8} {'p95':>8}")
    for label, n, e, p50, p95 in rows:
        print(f"  {label:28} {n:>6} {e:>6} {p50:>6.0f}ms {p95:>6.0f}ms")
    for label, why in tally.examples.items():
        print(f"  first error of {label}: {why}")
    verdict = (
        f"{'PASS' if ok else 'FAIL'}: {requests} requests in {elapsed:.0f} s ({requests / elapsed:.1f} req/s),"
        f" {errors} errors, {left} applications left unapproved; workers' RSS {sum(idle.values()) / 1024:.0f} MB"
        f" idle, {start_mb:.0f} MB after the warm-up, {end_mb:.0f} MB at the end"
        f" ({growth:+.1%}){'' if same_workers else ' — a worker was replaced (crashed or timed out)'}"
    )
    print("\n" + verdict)
    return ok, verdict, rows, first, last, samples


def database_label():
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version} ({Path(s['NAME']).name})"
    with connection.cursor() as c:
        c.execute("SHOW server_version")
        return f"PostgreSQL {c.fetchone()[0].split()[0]} ({s['NAME']})"


def write_results(started, minutes, verdict, rows, first, last, samples, uptime_before):
    import platform

    out = ROOT / "bench" / "RESULTS.md"
    head = "# Benchmark results\n\nNewest run first. Produced by `python -m bench` (bench/run.py).\n"
    old = out.read_text()
    body = old[len(head) :] if old.startswith(head) else "\n" + old
    pids = sorted(first)
    section = [
        f"\n## {started:%Y-%m-%d %H:%M} UTC · soak, {minutes:g} min · {database_label()} · ×1\n",
        f"`python -m bench.soak --minutes {minutes:g}` (bench/soak.py). Machine: {platform.node()},"
        f" {os.cpu_count()} cores, shared with other sessions' work (absolute times are a loaded"
        f" machine's): load average {uptime_before.split('load average:')[-1].strip()} (1, 5, 15 min)"
        f" before the run, {os.getloadavg()[0]:.1f} after.\n",
        f"**{verdict}.** Workers' RSS (MB) after the warm-up → at the end: "
        + ", ".join(f"{first[p] / 1024:.0f} → {last.get(p, 0) / 1024:.0f}" for p in pids)
        + ". Total by time: "
        + ", ".join(f"{t:.0f} s {sum(r.values()) / 1024:.0f} MB" for t, r in samples)
        + ".\n",
        "| request | n | errors | p50 | p95 |",
        "|---|---:|---:|---:|---:|",
        *[f"| {label} | {n} | {e} | {p50:.0f} ms | {p95:.0f} ms |" for label, n, e, p50, p95 in rows],
        "",
    ]
    out.write_text(head + "\n".join(section) + body)
    print(f"results added to {out.relative_to(ROOT)}")


def main():
    import subprocess

    args = ARGS
    seconds, warmup = (30, 10) if args.short else (args.minutes * 60, args.warmup)
    started = datetime.datetime.now(datetime.UTC)
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"{database_label()} · {uptime_before}")
    print(f"soak: {warmup:g} s of warm-up, then {seconds:g} s of mixed traffic (RSS every {SAMPLE_EVERY} s)")
    tally, samples, elapsed, left = run(seconds, warmup)
    ok, verdict, rows, first, last, samples = report(tally, samples, elapsed, left, seconds)
    if not args.no_write and not args.short:
        write_results(started, seconds / 60, verdict, rows, first, last, samples, uptime_before)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
