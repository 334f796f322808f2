"""A background job's page (progress bar, then its outcome and a link to the result) and the
status it polls (static/js/job.js). Only who may see the job's object sees the job."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from .selectors import jobs_for


@login_required
def job_detail(request, pk):
    job = get_object_or_404(jobs_for(request.user), pk=pk)
    return render(request, "civaffairs/job.html", {"job": job, "title": job.label, "back": back_url(job)})


def back_url(job):
    """The page the job was started from, to submit it again after a failure: `back` of its
    params (a standard's page, the import page), else for a payroll its section's payroll list."""
    from django.urls import NoReverseMatch, reverse

    params = job.params or {}
    try:
        if params.get("back"):
            return reverse(params["back"], args=[job.standard_id] if job.standard_id else [])
        if job.kind == job.Kind.PAYROLL and ":" in params.get("result", ""):
            return reverse(params["result"].split(":")[0] + ":payroll_list")
    except NoReverseMatch:
        pass
    return ""


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
