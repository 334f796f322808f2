"""Pages under concurrent load: gunicorn on loopback (3 sync workers, DEBUG off, the bench's URLs
with a trivial view), driven by a small threaded client: each client logs in (5 as shicheng, 5 as
jiuzhu) and requests its pages in turn for the given seconds; then the same clients request only
the trivial view, the server's own floor."""

import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Demo@2019"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workers=3):
        self.port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        self.log = open(ROOT / "var" / "bench-gunicorn.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "civaffairs.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/login/", timeout=5).read()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not start: see var/bench-gunicorn.log")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base, username):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    page = opener.open(base + "/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(base + "/login/", data=data, headers={"Referer": base + "/login/"})
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as exc:  # the 302 to the home page
        if exc.code != 302:
            raise
    if not any(c.name == "sessionid" for c in jar):
        raise RuntimeError(f"login as {username} failed")
    return opener


def drive(base, clients, seconds):
    """clients: [(username, [(label, path)])]. Returns {label: [ms]}, {label: errors}, requests/s."""
    openers = [login(base, username) for username, _pages in clients]
    times, errors, lock = {}, {}, threading.Lock()
    deadline = time.monotonic() + seconds

    def run(opener, pages, offset):
        k = offset
        while time.monotonic() < deadline:
            label, path = pages[k % len(pages)]
            k += 1
            start = time.perf_counter()
            ok = False
            try:
                with opener.open(base + path, timeout=60) as r:
                    r.read()
                    ok = r.status == 200
            except Exception:  # noqa: BLE001 - an error is counted, whatever it is
                ok = False
            ms = (time.perf_counter() - start) * 1000
            with lock:
                times.setdefault(label, []).append(ms)
                if not ok:
                    errors[label] = errors.get(label, 0) + 1

    started = time.monotonic()
    threads = [
        threading.Thread(target=run, args=(opener, pages, i))
        for i, (opener, (_u, pages)) in enumerate(zip(openers, clients, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    total = sum(len(v) for v in times.values())
    return times, errors, total / elapsed


def percentile(values, p):
    values = sorted(values)
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(values):
    return {
        "n": len(values),
        "p50": statistics.median(values) if values else 0.0,
        "p95": percentile(values, 95),
    }
