"""A background job's page (progress bar, then its outcome and a link to the result) and the
status it polls (static/js/job.js). Only who may see the job's object sees the job."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from .middleware import not_activity
from .selectors import jobs_for


@login_required
def job_detail(request, pk):
    job = get_object_or_404(jobs_for(request.user), pk=pk)
    return render(
        request,
        "civaffairs/job.html",
        {"job": job, "title": job.label, "back": back_url(job), **import_errors(job)},
    )


def import_errors(job):
    """A failed import job's errors as the import pages list them (_import_errors.html: row,
    column, reason). Rows are kept as {"row", "column", "message"} (imports.errors_as_data); a job
    failed before that kept lines of text, listed as reasons alone."""
    result = job.result or {}
    if job.status != job.Status.FAILED or not result.get("errors"):
        return {}
    errors = [
        e if isinstance(e, dict) else {"row": 0, "column": "", "message": str(e)} for e in result["errors"]
    ]
    more = result.get("more_errors") or 0
    return {"errors": errors, "more_errors": more, "error_count": len(errors) + more}


def back_url(job):
    """The page the job was started from, to submit it again after a failure: `back` of its
    params (a standard's page, the import page), else for a payroll its section's payroll list."""
    from django.urls import NoReverseMatch, reverse

    params = job.params or {}
    try:
        if job.kind == job.Kind.EXPORT:
            return reverse(params["back"], args=[params["payroll"]])
        if params.get("back"):
            return reverse(params["back"], args=[job.standard_id] if job.standard_id else [])
        if job.kind == job.Kind.PAYROLL and ":" in params.get("result", ""):
            return reverse(params["result"].split(":")[0] + ":payroll_list")
    except NoReverseMatch:
        pass
    return ""


@not_activity
@login_required
def job_status(request, pk):
    job = get_object_or_404(jobs_for(request.user), pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "stage": job.stage,
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "live": job.live,
        }
    )


def refused(request, exc, prefix, fallback):
    """A job that could not be started: its reason in a message; when another job for the same
    object is running and the user may follow it, its page, else `fallback` (a URL)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from .jobs import JobBusy

    words = "；".join(getattr(exc, "messages", None) or [str(exc)])
    messages.error(request, prefix + words)
    if (
        isinstance(exc, JobBusy)
        and exc.job is not None
        and jobs_for(request.user).filter(pk=exc.job.pk).exists()
    ):
        return redirect("job_detail", exc.job.pk)
    return redirect(fallback)


@login_required
def job_download(request, pk):
    """The file of an export job: for its starter alone (the file holds what the starter's scope
    showed when it was written), while the starter still may see the payroll and, for whole
    numbers, still may see them whole; every download is audited as the direct export is."""
    import datetime

    from django.conf import settings
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from django.shortcuts import redirect
    from django.utils import timezone

    from .models import Job
    from .selectors import may_see_whole_numbers, payrolls_for
    from .services import record_export
    from .spreadsheets import xlsx_response

    job = get_object_or_404(
        jobs_for(request.user).filter(kind=Job.Kind.EXPORT, status=Job.Status.SUCCEEDED), pk=pk
    )
    if job.created_by_id != request.user.pk:
        raise Http404
    payroll = payrolls_for(request.user).filter(pk=job.result.get("payroll")).first()
    full = bool(job.result.get("full_ids"))
    if payroll is None or (full and not may_see_whole_numbers(request.user)):
        raise PermissionDenied("无权下载该文件。")
    kept = datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    data = Job.objects.filter(pk=job.pk).values_list("output", flat=True).first()
    if data is None or job.finished_at < timezone.now() - kept:
        messages.error(
            request, f"文件已超过保留期（{settings.EXPORT_KEEP_HOURS} 小时）并已删除，请重新导出。"
        )
        Job.objects.filter(pk=job.pk).update(output=None)
        return redirect("job_detail", job.pk)
    record_export(
        actor=request.user, what=f"{payroll}（银行代发）", rows=job.result.get("rows", 0), full_ids=full
    )
    return xlsx_response(bytes(data), job.output_name, fallback=f"payroll-{payroll.pk}.xlsx")
