"""Background jobs: work that grows with the data (a month's payroll, a back-pay batch, its
preview, a large roster import, a large payroll's bank file) runs in a worker, not in the web
request, through Django's task API (DEP 14; the `django_tasks` backport on Django 5.2,
`django.tasks` from Django 6).

The request starts a job (`start`): one row of `Job`, then the task `run_job` enqueued on the
configured backend (settings.TASKS: the database by default and `manage.py db_worker`, RQ on Redis
when REDIS_URL is set, immediate in the tests). The user is sent to the job's page, which polls its
status and ends with a link to the result.

- One live job per object: `target` names it ("payroll:dibao:2019-03", "standard:12"); the
  database refuses a second queued or running job for it (constraint one_live_job_per_target).
- A job calls the one service that does the work (civaffairs.payments, the roster import): its
  work is one transaction, so a failed or killed job has changed nothing and may be started again;
  the service's own checks (one payroll per month, back-pay owes only what is unpaid) keep a rerun
  from doubling anything.
- A job whose worker died stays "running" without progress; after JOB_STALE_MINUTES it counts as
  interrupted and the next start for its object marks it failed and runs anew.
- Progress (done / total) is written beside the work's transaction: on PostgreSQL through a second
  connection (the "jobs" database alias), so the page sees it while the work is uncommitted; on
  SQLite the page shows the job running until it ends.
"""

import datetime
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from . import payments
from .models import Job, PaymentLine, Payroll, Standard
from .money import format_money
from .names import person_name
from .periods import month_start

log = logging.getLogger(__name__)

PROGRESS_ALIAS = "jobs"
PROGRESS_EVERY = 0.5  # seconds between progress writes


class JobFailed(ValidationError):
    """A refusal that comes with details for the job's page (`data`, e.g. an import's errors)."""

    def __init__(self, message, data=None):
        super().__init__(message)
        self.data = data or {}


class JobBusy(ValidationError):
    """A job for the same object is queued or running: `job` is that job."""

    def __init__(self, message, job=None):
        super().__init__(message)
        self.job = job


@dataclass
class Outcome:
    message: str
    url: str = ""
    data: dict = field(default_factory=dict)


HANDLERS = {}


def handler(kind):
    """Register the function that does a kind of job: fn(job, progress) -> Outcome. Domain apps
    register theirs from their AppConfig.ready (the worker loads no URLs)."""

    def register(fn):
        HANDLERS[kind] = fn
        return fn

    return register


def stale_before():
    return timezone.now() - datetime.timedelta(minutes=settings.JOB_STALE_MINUTES)


def reap(target):
    """Mark failed the live jobs of a target whose worker stopped giving news (killed, machine
    restarted): their work was one transaction, rolled back with the worker, so nothing of it
    stays and the object is free for a new job."""
    cutoff = stale_before()
    return (
        Job.objects.filter(
            target=target,
            status__in=Job.LIVE,
            created_at__lt=cutoff,
        )
        .exclude(heartbeat__gte=cutoff)
        .update(
            status=Job.Status.FAILED,
            error="任务中断（后台工作进程已停止），未作任何更改；可以重新提交。",
            finished_at=timezone.now(),
            payload=None,
        )
    )


def start(*, kind, target, label, actor, program=None, standard=None, params=None, payload=None):
    """Queue a job for an object and return it; JobBusy when one is queued or running for it.
    Called outside a transaction (a view, a command), so the job's row is committed before a
    worker can look for it."""
    reap(target)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                target=target,
                label=label,
                program=program,
                standard=standard,
                params=params or {},
                payload=payload,
                created_by=actor,
            )
    except IntegrityError:
        live = Job.objects.filter(target=target, status__in=Job.LIVE).select_related("created_by").first()
        who = ""
        if live is not None:
            name = person_name(live.created_by)
            who = f"（{name}于{timezone.localtime(live.created_at):%H:%M}提交）"
        raise JobBusy(
            f"“{live.label if live else label}”正在进行{who}，同一对象不能同时办理两个任务，请等它完成后再查看结果。",
            job=live,
        ) from None
    try:
        run_job.enqueue(job.pk)
    except Exception:
        log.exception("job %s: enqueue failed", job.pk)
        _finish(
            job.pk,
            Job.Status.FAILED,
            error="无法提交后台任务（任务队列不可用），未作任何更改；请稍后重试或联系系统管理员。",
        )
    job.refresh_from_db()
    return job


@task()
def run_job(job_id):
    execute(job_id)
    return job_id


def execute(job_id):
    """Run a queued job once: a job already taken (or reaped) is left alone."""
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat=now
    )
    if not taken:
        return
    job = Job.objects.select_related("created_by", "program", "standard").get(pk=job_id)
    progress = Progress(job.pk)
    try:
        outcome = HANDLERS[job.kind](job, progress)
    except (ValidationError, PermissionDenied) as exc:
        words = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _finish(job.pk, Job.Status.FAILED, error=words or "不能办理。", result=getattr(exc, "data", {}))
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(
            job.pk,
            Job.Status.FAILED,
            error=f"任务执行出错，未作任何更改；请重试，再次失败请联系系统管理员（任务编号 {job.pk}）。",
        )
    else:
        _finish(
            job.pk,
            Job.Status.SUCCEEDED,
            done=progress.total,
            total=progress.total,
            message=outcome.message,
            result_url=outcome.url,
            result=outcome.data,
        )


def _finish(job_id, status, **fields):
    now = timezone.now()
    Job.objects.filter(pk=job_id, status__in=Job.LIVE).update(
        status=status, finished_at=now, heartbeat=now, payload=None, **fields
    )


class Progress:
    """progress(done, total, stage): written at most every PROGRESS_EVERY seconds, beside the
    work's transaction (see the module's note); a failure to write it never stops the work."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.last = 0.0
        self.done = self.total = 0

    def __call__(self, done, total, stage=""):
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY and done < total:
            return
        self.last = now
        _side_update(self.job_id, done=done, total=total, stage=stage[:40], heartbeat=timezone.now())


def _side_update(job_id, **fields):
    if not connection.in_atomic_block:
        Job.objects.filter(pk=job_id).update(**fields)
        return
    if PROGRESS_ALIAS not in connections.databases:
        return  # SQLite: one writer; the job's page shows it running until it ends
    try:
        Job.objects.using(PROGRESS_ALIAS).filter(pk=job_id).update(**fields)
    except Exception:  # noqa: BLE001 - progress is news, not work
        log.debug("job %s: progress not written", job_id, exc_info=True)


def analyze(*models):
    """Planner statistics for tables a job has just filled in bulk (PostgreSQL), so the pages that
    read them next do not wait for autovacuum to notice."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')


# ------------------------------------------------------------------ payrolls and back-pay


def start_payroll(*, actor, program, month, result):
    """生成发放名册 as a job; `result` is the URL name of the payroll page (assistance or
    grassroots). Refused at once, in words, when the service would refuse it."""
    program = payments.program_of(program)
    month = month_start(month)
    payments.check_payroll_generation(actor=actor, program=program, month=month)
    return start(
        kind=Job.Kind.PAYROLL,
        target=f"payroll:{program.code}:{month:%Y-%m}",
        label=f"生成{program.name}{month:%Y年%m月}发放名册",
        actor=actor,
        program=program,
        params={"month": month.isoformat(), "result": result},
    )


def start_backpay(*, actor, standard, result, back):
    """生成提标补发 of an approved standard as a job; `result` the payroll page's URL name, `back`
    the standard page's."""
    payments.check_backpay_generation(actor=actor, standard=standard)
    return start(
        kind=Job.Kind.BACKPAY,
        target=f"standard:{standard.pk}",
        label=f"生成提标补发（{standard.program.name}标准 {format_money(standard.amount)} 元，自{standard.effective_from:%Y年%m月}起）",
        actor=actor,
        program=standard.program,
        standard=standard,
        params={"result": result, "back": back},
    )


def start_backpay_preview(*, actor, standard, back):
    """计算应补发金额 of a pending standard, for the chief who decides it."""
    return start(
        kind=Job.Kind.BACKPAY_PREVIEW,
        target=f"standard:{standard.pk}",
        label=f"计算应补发金额（{standard.program.name}标准 {format_money(standard.amount)} 元，自{standard.effective_from:%Y年%m月}起）",
        actor=actor,
        program=standard.program,
        standard=standard,
        params={"back": back},
    )


def recent(user, **filters):
    """The jobs a page lists for the user (those it may see): live ones, and those finished in the
    last day, newest first — so whoever left a job's page finds it again."""
    from .selectors import jobs_for

    since = timezone.now() - datetime.timedelta(days=1)
    return (
        jobs_for(user)
        .filter(**filters)
        .filter(Q(status__in=Job.LIVE) | Q(finished_at__gte=since))
        .order_by("-created_at", "-id")[:5]
    )


def latest_preview(standard):
    """The newest finished preview of a standard's back-pay, or None."""
    return (
        Job.objects.filter(kind=Job.Kind.BACKPAY_PREVIEW, standard=standard, status=Job.Status.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )


@handler(Job.Kind.PAYROLL)
def _payroll(job, progress):
    payroll = payments.generate_payroll(
        actor=job.created_by,
        program=job.program,
        month=datetime.date.fromisoformat(job.params["month"]),
        progress=progress,
    )
    analyze(Payroll, PaymentLine)
    return Outcome(
        f"已生成{payroll}：{payroll.line_count} 笔，合计 {format_money(payroll.total)} 元，待股长审批。",
        reverse(job.params["result"], args=[payroll.pk]),
        {"payroll": payroll.pk},
    )


@handler(Job.Kind.BACKPAY)
def _backpay(job, progress):
    standard = Standard.objects.get(pk=job.standard_id)
    payroll = payments.generate_backpay(actor=job.created_by, standard=standard, progress=progress)
    back = reverse(job.params["back"], args=[standard.pk])
    if payroll is None:
        return Outcome("按已发放的月份计算，没有需要补发的金额。", back)
    analyze(Payroll, PaymentLine)
    return Outcome(
        f"已生成提标补发 {payroll.line_count} 笔，合计 {format_money(payroll.total)} 元，待股长审批。",
        reverse(job.params["result"], args=[payroll.pk]),
        {"payroll": payroll.pk},
    )


def is_large_export(payroll):
    return payroll.line_count > settings.EXPORT_BACKGROUND_LINES


def start_bank_file(*, actor, payroll, full_ids, back):
    """导出银行代发表 of a large payroll as a job (settings.EXPORT_BACKGROUND_LINES): the file is
    written of the lines the actor's scope shows, kept with the job and downloaded from its page
    by the actor alone (job_views.job_download, audited). `back` is the payroll page's URL name.
    Refused at once when the payroll is not approved, as the direct export is."""
    from .payments.bankfile import check_exportable

    check_exportable(payroll)
    # Files past their keeping time are let go whenever another export starts.
    kept = timezone.now() - datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    Job.objects.filter(kind=Job.Kind.EXPORT, finished_at__lt=kept, output__isnull=False).update(output=None)
    which = "完整号码" if full_ids else "脱敏"
    return start(
        kind=Job.Kind.EXPORT,
        target=f"export:payroll:{payroll.pk}:{actor.pk}:{'full' if full_ids else 'masked'}",
        label=f"导出{payroll}银行代发表（{which}）",
        actor=actor,
        program=payroll.program,
        params={"payroll": payroll.pk, "full": bool(full_ids), "back": back},
    )


@handler(Job.Kind.EXPORT)
def _bank_file(job, progress):
    from .payments.bankfile import bank_file
    from .selectors import may_see_whole_numbers, payments_for, payrolls_for

    user = job.created_by
    # The starter's scope as it is now: a town caseworker's file holds the town's lines only.
    payroll = payrolls_for(user).filter(pk=job.params["payroll"]).first()
    if payroll is None:
        raise PermissionDenied("无权查看该名册，未生成文件。")
    full = bool(job.params.get("full")) and may_see_whole_numbers(user)
    lines = payments_for(user).filter(payroll=payroll)
    data, count, filename = bank_file(payroll, lines, full_ids=full, progress=progress)
    Job.objects.filter(pk=job.pk).update(output=data, output_name=filename)
    hours = settings.EXPORT_KEEP_HOURS
    return Outcome(
        f"已生成{filename}：{count} 笔转账。文件保留 {hours} 小时，仅提交人可以下载，每次下载记入审计。",
        reverse("job_download", args=[job.pk]),
        {"rows": count, "full_ids": full, "payroll": payroll.pk},
    )


@handler(Job.Kind.BACKPAY_PREVIEW)
def _backpay_preview(job, progress):
    standard = Standard.objects.select_related("program").get(pk=job.standard_id)
    owed = payments.compute_backpay(standard, progress=progress)
    total = sum((o[-1] for o in owed), start=0)
    return Outcome(
        f"若现在批准：对已发放月份应补发 {len(owed)} 笔，合计 {format_money(total)} 元。",
        reverse(job.params["back"], args=[standard.pk]),
        {"lines": len(owed), "total": str(total)},
    )


__all__ = [
    "Job",
    "JobBusy",
    "JobFailed",
    "Outcome",
    "analyze",
    "execute",
    "handler",
    "is_large_export",
    "latest_preview",
    "reap",
    "recent",
    "run_job",
    "start",
    "start_backpay",
    "start_backpay_preview",
    "start_bank_file",
    "start_payroll",
]
