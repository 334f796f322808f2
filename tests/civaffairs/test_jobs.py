"""Background jobs (civaffairs/jobs.py): one live job per object, the progress page and its
status, who sees a job, and what a job that fails — or whose worker dies — leaves behind."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance import programs as P
from civaffairs import jobs, payments
from civaffairs.models import Job, PaymentLine, Payroll, Program, Section, Standard
from civaffairs.roles import CASEWORKER, CHIEF, DIRECTOR
from tests.factories import World, make_user

D = datetime.date
JAN = D(2019, 1, 1)
pytestmark = pytest.mark.django_db

QUEUE_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def w():
    """Three 低保 households of two persons, income 200, under a 450 standard: 500 元 each a month."""
    world = World()
    world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    for _ in range(3):
        world.dibao(2, 200)
    return world


def start_payroll(w, month=JAN):
    return jobs.start_payroll(
        actor=w.worker, program=P.DIBAO, month=month, result="assistance:payroll_detail"
    )


def payroll_state():
    return (
        list(Payroll.objects.values_list("program__code", "month", "status", "line_count", "total")),
        PaymentLine.objects.count(),
    )


GENERATED_ONCE = ([("dibao", JAN, "pending", 3, Decimal("1500.00"))], 3)


# --- one job per object -----------------------------------------------------------------------------


def test_a_second_job_for_the_same_month_is_refused_while_the_first_waits(w, settings):
    settings.TASKS = QUEUE_ONLY  # queued, no worker yet
    first = start_payroll(w)
    assert (first.status, first.target) == ("queued", "payroll:dibao:2019-01")
    other = make_user(CASEWORKER, section=Section.ASSISTANCE, first_name="另一经办人")
    with pytest.raises(jobs.JobBusy) as refused:
        jobs.start_payroll(actor=other, program=P.DIBAO, month=JAN, result="assistance:payroll_detail")
    assert refused.value.job == first
    [message] = refused.value.messages
    assert "生成最低生活保障（低保）2019年01月发放名册" in message and "正在进行" in message
    assert "不能同时办理两个任务" in message
    # Another month is another object.
    assert start_payroll(w, D(2019, 2, 1)).status == "queued"
    assert Job.objects.count() == 2


def test_the_submitter_is_named_family_name_first_as_everywhere_else(w, login, settings):
    settings.TASKS = QUEUE_ONLY
    huang = make_user(CASEWORKER, section=Section.ASSISTANCE, first_name="伟", last_name="黄")
    job = jobs.start_payroll(actor=huang, program=P.DIBAO, month=JAN, result="assistance:payroll_detail")
    with pytest.raises(jobs.JobBusy) as refused:
        start_payroll(w)
    assert "（黄伟于" in refused.value.messages[0]
    client = login(huang)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    listing = client.get(reverse("assistance:payroll_list")).content.decode()
    assert "黄伟" in page and "伟 黄" not in page
    assert "黄伟" in listing and "伟 黄" not in listing


def test_the_database_itself_refuses_two_live_jobs_for_one_object(w):
    def job(status):
        return Job.objects.create(
            kind=Job.Kind.PAYROLL,
            target="payroll:dibao:2019-01",
            label="x",
            created_by=w.worker,
            status=status,
        )

    job("failed")
    job("succeeded")
    job("queued")
    for status in ("queued", "running"):
        with pytest.raises(IntegrityError), transaction.atomic():
            job(status)
    assert Job.objects.filter(status__in=Job.LIVE).count() == 1


def test_a_finished_job_frees_its_object_and_the_service_still_refuses_a_second_payroll(w, login):
    first = start_payroll(w)
    assert first.status == "succeeded"
    with pytest.raises(ValidationError) as e:
        start_payroll(w)
    assert "不能重复生成" in " ".join(e.value.messages)
    assert payroll_state() == GENERATED_ONCE


# --- the page and its status ------------------------------------------------------------------------


def test_the_job_page_follows_the_job_to_its_result(w, login, settings):
    settings.TASKS = QUEUE_ONLY
    client = login(w.worker)
    dibao = Program.objects.get(code=P.DIBAO)
    response = client.post(reverse("assistance:payroll_generate"), {"program": dibao.pk, "month": "2019-01"})
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "排队中" in page and 'src="/static/js/job.js"' in page and "<script>" not in page
    assert 'data-live="1"' in page
    status = client.get(reverse("job_status", args=[job.pk])).json()
    assert status == {
        "status": "queued",
        "status_label": "排队中",
        "stage": "",
        "done": 0,
        "total": 0,
        "percent": 0,
        "live": True,
    }

    jobs.execute(job.pk)  # the worker takes it

    status = client.get(reverse("job_status", args=[job.pk])).json()
    assert (status["status"], status["live"], status["percent"], status["done"]) == (
        "succeeded",
        False,
        100,
        3,
    )
    assert status["total"] == 3
    page = client.get(response["Location"]).content.decode()
    payroll = Payroll.objects.get()
    assert "已生成最低生活保障（低保） 2019年01月月度发放：3 笔，合计 1,500.00 元，待股长审批。" in page
    assert f'href="{reverse("assistance:payroll_detail", args=[payroll.pk])}"' in page
    assert 'data-live="0"' in page
    jobs.execute(job.pk)  # a job is run once: a second delivery changes nothing
    assert payroll_state() == GENERATED_ONCE


def test_progress_is_told_batch_by_batch(w, monkeypatch):
    told = []
    monkeypatch.setattr("civaffairs.payments.payroll.LINE_BATCH", 1)
    monkeypatch.setattr("civaffairs.jobs.PROGRESS_EVERY", 0)
    real = jobs._side_update

    def record(job_id, **fields):
        told.append((fields["done"], fields["total"], fields["stage"]))
        real(job_id, **fields)

    monkeypatch.setattr("civaffairs.jobs._side_update", record)
    job = start_payroll(w)
    assert told == [
        (0, 0, "计算应发金额"),
        (1, 3, "写入发放明细"),
        (2, 3, "写入发放明细"),
        (3, 3, "写入发放明细"),
    ]
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == ("succeeded", 3, 3, 100)


# --- who sees a job ---------------------------------------------------------------------------------


def test_only_who_may_see_the_payrolls_of_its_section_sees_a_job(w, login):
    job = start_payroll(w)
    url, status_url = reverse("job_detail", args=[job.pk]), reverse("job_status", args=[job.pk])
    for user, code in (
        (w.worker, 200),
        (w.chief, 200),  # the section's chief
        (make_user(CASEWORKER, section=Section.ASSISTANCE), 200),  # the section's other staff
        (make_user(DIRECTOR), 200),
        (w.town_worker, 404),  # a town caseworker: not the district's payroll work
        (make_user(CHIEF, section=Section.WELFARE), 404),  # another section
        (make_user(CASEWORKER, section=Section.GRASSROOTS), 404),
    ):
        client = login(user)
        assert (client.get(url).status_code, client.get(status_url).status_code) == (code, code), user
    client.logout()
    assert client.get(status_url).status_code == 302  # to the login page


# --- failures change nothing ------------------------------------------------------------------------


def test_a_job_refused_by_the_service_says_why_in_chinese_and_changes_nothing(w, login, settings):
    settings.TASKS = QUEUE_ONLY
    job = start_payroll(w)
    # Between the request and the worker, someone generated the month by hand.
    w.pay(P.DIBAO, JAN)
    before = payroll_state()
    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "最低生活保障（低保）2019年01月的名册已生成，不能重复生成；更正请另行办理。"
    assert payroll_state() == before
    page = login(w.worker).get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "办理失败：最低生活保障（低保）2019年01月的名册已生成" in page
    assert "失败的任务不改变任何数据" in page
    assert f'id="job-back" href="{reverse("assistance:payroll_list")}"' in page  # to submit again


def _fail_after_first_batch(monkeypatch, exc):
    """The work raises after its first batch of lines is written (batches of one line)."""
    monkeypatch.setattr("civaffairs.payments.payroll.LINE_BATCH", 1)

    def progress(self, done, total, stage=""):
        if 0 < done < total:
            assert PaymentLine.objects.count() == done  # lines are written, uncommitted
            raise exc

    monkeypatch.setattr("civaffairs.jobs.Progress.__call__", progress)


def test_a_job_whose_work_breaks_midway_leaves_no_partial_batch_and_runs_again_once(w, monkeypatch):
    with monkeypatch.context() as m:
        _fail_after_first_batch(m, RuntimeError("disk full"))
        job = start_payroll(w)
    assert job.status == "failed"
    assert job.error == f"任务执行出错，未作任何更改；请重试，再次失败请联系系统管理员（任务编号 {job.pk}）。"
    assert payroll_state() == ([], 0)
    again = start_payroll(w)
    assert again.status == "succeeded"
    assert payroll_state() == GENERATED_ONCE


def test_a_worker_killed_midway_leaves_nothing_and_its_job_is_freed_once_stale(w, monkeypatch, settings):
    """A killed worker never reports: its transaction dies with it and its job stays "running".
    The object stays busy until JOB_STALE_MINUTES pass without news; then a new job runs once."""
    settings.TASKS = QUEUE_ONLY
    job = start_payroll(w)
    with monkeypatch.context() as m:
        _fail_after_first_batch(m, SystemExit(1))
        with pytest.raises(SystemExit):
            jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == "running"
    assert payroll_state() == ([], 0)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with pytest.raises(jobs.JobBusy):
        start_payroll(w)
    later = timezone.now() + datetime.timedelta(minutes=settings.JOB_STALE_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        again = start_payroll(w)
    assert again.status == "succeeded"
    job.refresh_from_db()
    assert job.status == "failed" and "任务中断" in job.error
    assert payroll_state() == GENERATED_ONCE


def test_a_failed_back_pay_job_changes_nothing_and_runs_again_once(w, monkeypatch):
    w.pay(P.DIBAO, JAN, D(2019, 2, 1))
    raised = payments.draft_standard(
        actor=w.worker, program=P.DIBAO, category="rural", amount=Decimal(490), effective_from=JAN
    )
    payments.decide_standard(actor=w.chief, standard=raised, approve=True, comment="同意")

    def start():
        return jobs.start_backpay(
            actor=w.worker,
            standard=Standard.objects.get(pk=raised.pk),
            result="assistance:payroll_detail",
            back="assistance:standard_detail",
        )

    with monkeypatch.context() as m:
        m.setattr("civaffairs.payments.payroll.LINE_BATCH", 1)

        def progress(self, done, total, stage=""):
            if stage == "写入补发明细" and 0 < done < total:
                raise RuntimeError("connection lost")

        m.setattr("civaffairs.jobs.Progress.__call__", progress)
        assert start().status == "failed"
    assert not Payroll.objects.filter(kind="backpay").exists()
    assert not PaymentLine.objects.filter(kind="backpay").exists()
    job = start()
    assert job.status == "succeeded"
    # (490 − 200) − (450 − 200) = 40 a person, 2 persons, 3 households, 2 months.
    batch = Payroll.objects.get(kind="backpay")
    assert (batch.line_count, batch.total) == (6, Decimal("480.00"))
    assert job.result_url == reverse("assistance:payroll_detail", args=[batch.pk])
    # Nothing is left owed: a second job finds nothing, and says so.
    again = start()
    assert (again.status, again.message) == ("succeeded", "按已发放的月份计算，没有需要补发的金额。")
    assert PaymentLine.objects.filter(kind="backpay").count() == 6


def test_a_job_that_cannot_be_queued_is_failed_with_a_message(w, monkeypatch):
    class Unreachable:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("redis down")

    monkeypatch.setattr(jobs, "run_job", Unreachable())
    job = start_payroll(w)
    assert job.status == "failed" and job.error.startswith("无法提交后台任务")
    assert payroll_state() == ([], 0)
    monkeypatch.undo()
    assert start_payroll(w).status == "succeeded"  # the object is free again


def test_a_payroll_job_refreshes_the_planner_statistics_of_the_payment_tables(w):
    with CaptureQueriesContext(connection) as queries:
        assert start_payroll(w).status == "succeeded"
    analyzed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    if connection.vendor == "postgresql":
        # So the payroll's page and the figures plan with the new lines, not wait for autovacuum.
        assert analyzed == ['ANALYZE "civaffairs_payroll"', 'ANALYZE "civaffairs_paymentline"']
    else:
        assert analyzed == []  # SQLite plans without such statistics


def test_the_payroll_list_and_the_standard_page_lead_back_to_their_jobs(w, login, settings):
    settings.TASKS = QUEUE_ONLY
    job = start_payroll(w)
    link = f'<a href="{reverse("job_detail", args=[job.pk])}">生成最低生活保障（低保）2019年01月发放名册</a>：排队中'
    assert link in login(w.chief).get(reverse("assistance:payroll_list")).content.decode()
    other_section = make_user(CHIEF, section=Section.WELFARE)
    assert (
        'id="recent-jobs"'
        not in login(other_section).get(reverse("assistance:payroll_list")).content.decode()
    )
    pending = payments.draft_standard(
        actor=w.worker, program=P.DIBAO, category="rural", amount=Decimal(490), effective_from=JAN
    )
    preview = jobs.start_backpay_preview(actor=w.chief, standard=pending, back="assistance:standard_detail")
    page = login(w.chief).get(reverse("assistance:standard_detail", args=[pending.pk])).content.decode()
    assert f'<a href="{reverse("job_detail", args=[preview.pk])}">计算应补发金额' in page
