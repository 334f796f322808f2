"""花名册导入: upload page and template download. The work is assistance.roster.import_roster."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from civaffairs import jobs as civ_jobs
from civaffairs.job_views import refused
from civaffairs.spreadsheets import XLSX_CONTENT_TYPE, xlsx_response
from civaffairs.uploads import UploadRefused, error_report

from . import jobs, roster

TEMPLATE_NAME = "低保花名册导入模板.xlsx"


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label="花名册文件（XLSX）",
        help_text="每人一行；同一户主身份证号的各行为一户。请先下载模板，按模板的列填写。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
def roster_import(request):
    # Caseworkers only submit: the imported applications wait for the chief's approval like any
    # other (nobody approves their own submission). Approve-on-import (存量迁移) is the command's.
    form = RosterImportForm(*(request.POST, request.FILES) if request.method == "POST" else ())
    errors, more = [], 0
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if jobs.is_large(upload) and upload.size <= settings.UPLOAD_MAX_BYTES:
            # Thousands of rows: a background job, the request answers with the job's page (a
            # file over the upload limit is refused below, on this page, at once).
            try:
                job = jobs.start_import(actor=request.user, upload=upload)
            except (ValidationError, UploadRefused) as exc:
                return refused(request, exc, "导入失败：", reverse("assistance:roster_import"))
            return redirect("job_detail", job.pk)
        try:
            result = roster.import_roster(upload, actor=request.user, filename=upload.name)
        except roster.RosterError as exc:
            # The first 200, then a count: the page stays readable whatever the file.
            errors, more = error_report(exc.errors)
        else:
            messages.success(
                request,
                f"已导入 {result.households} 户、{result.persons} 人的低保申请，等待社会救助股股长审批。",
            )
            return redirect("assistance:request_list")
    return render(
        request,
        "assistance/roster_import.html",
        {
            "form": form,
            "errors": errors,
            "more_errors": more,
            "error_count": len(errors) + more,
            "title": "低保花名册导入",
            "columns": roster.columns(),
            # A large file's import runs as a job: whoever left its page finds it again here.
            "recent_jobs": civ_jobs.recent(request.user, kind="roster"),
        },
    )


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
def roster_template(request):
    return xlsx_response(roster.template_bytes(), TEMPLATE_NAME, fallback="roster-template.xlsx")
