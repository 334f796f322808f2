"""What every response carries (issue 12): a Content-Security-Policy with no inline script and
pages without inline scripts; Chinese error pages with no debug output; SQLite writers that wait
for each other instead of failing."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from civaffairs.models import Program
from tests.factories import CaseFactory, HouseholdFactory, make_user

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_the_policy_forbids_inline_script(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(
    "name", ["home", "person_list", "person_detail", "household_detail", "household_create", "person_edit"]
)
def test_pages_have_no_inline_script(caseworker, login, shicheng_village, name):
    household = HouseholdFactory(region=shicheng_village, members=1)
    args = {
        "person_detail": [household.head.pk],
        "person_edit": [household.head.pk],
        "household_detail": [household.pk],
    }.get(name, [])
    response = login(caseworker).get(reverse(name, args=args))
    html = response.content.decode()
    assert response.status_code == 200
    assert INLINE_SCRIPT.findall(html) == []
    assert EVENT_HANDLER.findall(html) == []
    assert "Content-Security-Policy" in response


def test_another_towns_case_answers_a_chinese_404_without_debug_output(
    liudu_caseworker, login, shicheng_village
):
    case = CaseFactory(
        household=HouseholdFactory(region=shicheng_village), program=Program.objects.get(code="dibao")
    )
    response = login(liudu_caseworker).get(reverse("assistance:case_detail", args=[case.pk]))
    html = response.content.decode()
    assert response.status_code == 404
    assert "未找到" in html
    assert "URLconf" not in html and "Traceback" not in html


def test_the_500_page_is_chinese_and_plain(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统错误" in html and "Server Error" not in html


def test_a_failing_view_shows_the_chinese_500(caseworker, monkeypatch):
    from civaffairs import views

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "home_counts", boom)
    client = Client(raise_request_exception=False)
    client.force_login(caseworker)
    response = client.get(reverse("home"))
    assert response.status_code == 500
    assert "系统错误" in response.content.decode()
    assert "boom" not in response.content.decode()


def test_sqlite_writers_queue_for_the_lock():
    assert settings.SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE"
    assert settings.SQLITE_OPTIONS["timeout"] >= 20
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert settings.DATABASES["default"]["OPTIONS"] == settings.SQLITE_OPTIONS


def test_two_simultaneous_writers_both_succeed(tmp_path, django_db_blocker):
    """Two Django connections to one SQLite file with the project's settings, as two requests of
    `make run`: each reads, then writes, in a transaction begun as Django's atomic() begins one. With
    deferred transactions the second writer fails at once with "database is locked"; with
    IMMEDIATE ones it waits for the first and succeeds."""
    import sqlite3
    import threading

    from django.db.backends.sqlite3.base import DatabaseWrapper

    path = tmp_path / "w.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE t (n INTEGER)")
    setup.commit()
    setup.close()
    config = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": settings.SQLITE_OPTIONS,
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {},
    }
    both_read = threading.Barrier(2, timeout=5)
    errors = []

    def writer(n):
        wrapper = DatabaseWrapper(config, alias="default")
        try:
            wrapper.ensure_connection()
            wrapper._start_transaction_under_autocommit()
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM t")
                total = cursor.fetchone()[0]
                try:
                    both_read.wait(timeout=1)
                except threading.BrokenBarrierError:
                    pass  # IMMEDIATE: the other waits at BEGIN, before its read
                cursor.execute("INSERT INTO t VALUES (%s)", [total + n])
                cursor.execute("COMMIT")
        except Exception as exc:  # what a request would have answered with a 500
            errors.append(str(exc))
        finally:
            wrapper.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(2)]
    with django_db_blocker.unblock():  # a file of its own, not the test database
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sqlite3.connect(path).execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_a_write_that_waited_too_long_answers_a_chinese_503(caseworker, monkeypatch):
    from django.db import OperationalError

    from civaffairs import views

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views, "home_counts", locked)
    client = Client(raise_request_exception=False)
    client.force_login(caseworker)
    response = client.get(reverse("home"))
    assert response.status_code == 503
    assert "系统繁忙" in response.content.decode()


def test_make_user_unaffected(db):
    assert make_user("局长").groups.count() == 1
