"""A background job's page in real Chromium: the bar moves as the worker reports, without
reloading (static/js/job.js, no inline script), and the page ends with the link to the result."""

import contextlib
import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from assistance import programs as P
from civaffairs import jobs
from civaffairs.models import Job, Payroll
from tests.browser import CHROMIUM_ARGS
from tests.factories import TEST_PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@contextlib.contextmanager
def chromium():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def as_worker(work):
    """Run `work` in a thread of its own, as the worker process would, and wait for it."""
    failures = []

    def run():
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            failures.append(exc)
        finally:
            connections.close_all()

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=30)
    assert not t.is_alive() and not failures, failures


def test_the_progress_bar_moves_without_reloading_and_ends_with_the_payroll(live_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # no worker yet
    w = World()
    w.worker.username = "jiuzhu"
    w.worker.save()
    w.standard(P.DIBAO, "rural", 450, datetime.date(2018, 1, 1))
    for _ in range(3):
        w.dibao(2, 200)

    with chromium() as browser:
        context = browser.new_context(locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", "jiuzhu")
        page.fill("#id_password", TEST_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.goto(live_server.url + "/assistance/payrolls/")
        page.select_option("#id_program", label="最低生活保障（低保）")
        page.fill("#id_month", "2019-01")
        page.get_by_role("button", name="生成名册").click()
        expect(page.locator("h1")).to_have_text("生成最低生活保障（低保）2019年01月发放名册")
        expect(page.locator("#job-status")).to_have_text("排队中")
        url = page.url

        def report():
            job = Job.objects.get()
            Job.objects.filter(pk=job.pk).update(done=1, total=3, stage="写入发放明细")

        as_worker(report)
        expect(page.locator("#job-count")).to_have_text("1 / 3")
        expect(page.locator("#job-progress")).to_have_attribute("value", "33")
        expect(page.locator("#job-stage")).to_have_text("写入发放明细")
        assert page.url == url

        as_worker(lambda: jobs.execute(Job.objects.get().pk))
        expect(page.locator("#job-status")).to_have_text("已完成")
        expect(page.locator("#job-message")).to_contain_text("3 笔，合计 1,500.00 元，待股长审批")
        page.get_by_role("link", name="查看结果").click()
        expect(page.locator("#total")).to_have_text("1,500.00")
        context.close()

    assert Payroll.objects.get().total == Decimal("1500.00")
