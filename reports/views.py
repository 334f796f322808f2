"""Summary screens: list, preview, section editor with preview, versions, finalize, exports."""

import difflib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from civaffairs import services as core_services
from civaffairs.models import Region
from civaffairs.periods import InvalidPeriod, Period
from civaffairs.spreadsheets import xlsx_response

from . import document, exports, services
from .models import PlanItem, SectionVersion, Summary

view_required = permission_required("reports.view_summary", raise_exception=True)


def _errors(exc):
    return "；".join(exc.messages)


class NewSummaryForm(forms.Form):
    period = forms.CharField(label="期间", max_length=30, initial="2019H1", help_text="如 2019H1、2019H2")
    region = forms.ModelChoiceField(
        label="镇",
        queryset=Region.objects.filter(level=Region.Level.TOWN).order_by("code"),
        required=False,
        empty_label="全区",
    )

    def clean_period(self):
        try:
            return Period.parse(self.cleaned_data["period"]).label
        except InvalidPeriod as exc:
            raise forms.ValidationError(str(exc)) from None


class SectionForm(forms.Form):
    heading = forms.CharField(label="标题（不含序号）", max_length=200)
    body = forms.CharField(
        label="正文（每段一行）", required=False, widget=forms.Textarea(attrs={"rows": 16, "class": "editor"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class HeadForm(forms.Form):
    title = forms.CharField(label="标题（换行分两行）", widget=forms.Textarea(attrs={"rows": 2}))
    intro = forms.CharField(label="导语", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(widget=forms.HiddenInput)


@login_required
@view_required
def summary_list(request):
    summaries = Summary.objects.select_related("region", "finalized_by").order_by("-period", "region__code")
    form = NewSummaryForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("reports.add_summary"):
            raise PermissionDenied("只有局长可以新建工作总结")
        if form.is_valid():
            try:
                summary = services.create_summary(
                    actor=request.user, period=form.cleaned_data["period"], region=form.cleaned_data["region"]
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, f"已由模板新建{summary}。")
                return redirect("reports:detail", summary.pk)
    return render(
        request,
        "reports/list.html",
        {"summaries": summaries, "form": form if request.user.has_perm("reports.add_summary") else None},
    )


def _summary(request, pk):
    return get_object_or_404(Summary.objects.select_related("region"), pk=pk)


@login_required
@view_required
def summary_detail(request, pk):
    summary = _summary(request, pk)
    doc = document.summary_doc(summary)
    values = document.summary_values(summary, doc)
    rendered = document.render(doc, values)
    sections = {s.pk: s for s in summary.sections.all()}
    editable = {
        pk
        for pk, s in sections.items()
        if not summary.is_final and services.can_edit_section(request.user, s)
    }
    return render(
        request,
        "reports/detail.html",
        {
            "summary": summary,
            "doc": rendered,
            "editable": editable,
            "is_director": request.user.has_perm("reports.finalize_summary"),
            "can_export": _may_export(request.user, summary),
            "missing": sorted(rendered.missing_keys()),
            "notes": _comparison_notes(summary, values),
            "drill": _drill(request.user, summary, rendered),
        },
    )


def _drill(user, summary, rendered):
    """{key: URL of the records behind the figure} for the figures the rendered text shows and
    whose list the user may open (the list scopes and masks them as always)."""
    from civaffairs import figures as registry

    keys = {r.key for runs in rendered._all_runs() for r in runs if r.key and not r.missing}
    return registry.drilldown_urls(Period.parse(summary.period), summary.region, user, keys=keys)


def _comparison_notes(summary, values):
    """{key: "上期 2018年下半年：…；上年同期 2018年上半年：…"} for the preview's figures (their tooltips)."""
    from civaffairs import figures as registry

    from .comparison import compare_periods
    from .placeholders import format_figure

    period = Period.parse(summary.period)
    notes = {}
    others = [(p, registry.compute(p, summary.region)) for p in compare_periods(period)]
    for key, unit in values.units.items():
        parts = []
        for label, (p, computed) in zip(("上期", "上年同期"), others, strict=True):
            if key in computed:
                parts.append(
                    f"{label} {p.name}：{format_figure(registry.to_json_value(key, computed[key]), unit)}"
                )
        notes[key] = "；".join(parts)
    return notes


@login_required
@view_required
def section_edit(request, pk, section_pk):
    summary = _summary(request, pk)
    section = get_object_or_404(summary.sections, pk=section_pk)
    if not services.can_edit_section(request.user, section):
        raise PermissionDenied("只能编辑本股室负责的章节")
    if summary.is_final:
        messages.error(request, "工作总结已定稿，不能修改。")
        return redirect("reports:detail", summary.pk)
    initial = {"heading": section.heading, "body": section.body, "version": section.version}
    form = SectionForm(request.POST or None, initial=initial)
    conflict = None
    preview = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if "preview" in request.POST:
            preview = _preview(summary, d["heading"], d["body"], request.user)
        else:
            try:
                services.save_section(
                    actor=request.user,
                    section=section,
                    heading=d["heading"],
                    body=d["body"],
                    expected_version=d["version"],
                )
            except services.ConflictError as exc:
                conflict = exc.current
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, f"已保存“{d['heading']}”（第{section.version + 1}版）。")
                return redirect(f"{_detail_url(summary)}#s{section.pk}")
    if preview is None:
        data = form.data if form.is_bound else initial
        preview = _preview(summary, data.get("heading", ""), data.get("body", ""), request.user)
    return render(
        request,
        "reports/section_edit.html",
        {
            "summary": summary,
            "section": section,
            "form": form,
            "preview": preview,
            "conflict": conflict,
            "keys": _key_hints(),
        },
    )


def _detail_url(summary):
    from django.urls import reverse

    return reverse("reports:detail", args=[summary.pk])


def _preview(summary, heading, body, user):
    """The section as it will print, with the draft's live figures, each linked to its records
    where the user may open them; problems named."""
    doc = document.Doc(title="", intro="", sections=[document.Node(heading=heading or "", body=body or "")])
    values = document.live_values(summary.period, summary.region, doc)
    rendered = document.render(doc, values)
    return {
        "doc": rendered,
        "problems": document.key_problems([heading or "", body or ""]),
        "drill": _drill(user, summary, rendered),
    }


@login_required
@view_required
@require_POST
def section_preview(request, pk, section_pk):
    """The preview pane's HTML for the editor's text (the page's script asks as the user types)."""
    summary = _summary(request, pk)
    section = get_object_or_404(summary.sections, pk=section_pk)
    if not services.can_edit_section(request.user, section):
        raise PermissionDenied
    preview = _preview(summary, request.POST.get("heading", ""), request.POST.get("body", ""), request.user)
    return HttpResponse(render_to_string("reports/_preview.html", {"preview": preview}, request=request))


def _key_hints():
    from civaffairs import figures as registry

    from .placeholders import PERIOD_KEYS

    hints = [(k, s.label) for k, s in sorted(registry.specs().items())]
    hints += [(k, s.label) for k, s in sorted(registry.record_specs().items())]
    hints += sorted(PERIOD_KEYS.items())
    return hints


@login_required
@view_required
def section_versions(request, pk, section_pk):
    summary = _summary(request, pk)
    section = get_object_or_404(summary.sections, pk=section_pk)
    versions = list(section.versions.select_related("saved_by"))
    by_number = {v.number: v for v in versions}
    a = by_number.get(_int(request.GET.get("a")))
    b = by_number.get(_int(request.GET.get("b")))
    diff = None
    if a and b:
        diff = difflib.HtmlDiff(wrapcolumn=40).make_table(
            [a.heading, *a.body.splitlines()],
            [b.heading, *b.body.splitlines()],
            f"第{a.number}版",
            f"第{b.number}版",
        )
    return render(
        request,
        "reports/versions.html",
        {
            "summary": summary,
            "section": section,
            "versions": versions,
            "a": a,
            "b": b,
            "diff": diff,
            "can_restore": not summary.is_final and services.can_edit_section(request.user, section),
        },
    )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@view_required
@require_POST
def section_restore(request, pk, section_pk, number):
    summary = _summary(request, pk)
    section = get_object_or_404(summary.sections, pk=section_pk)
    version = get_object_or_404(SectionVersion, section=section, number=number)
    try:
        services.restore_version(
            actor=request.user,
            section=section,
            version=version,
            expected_version=_int(request.POST.get("version")),
        )
    except services.ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"已恢复第{number}版（保存为新版本）。")
    return redirect("reports:versions", summary.pk, section.pk)


@login_required
@permission_required("reports.finalize_summary", raise_exception=True)
def head_edit(request, pk):
    summary = _summary(request, pk)
    form = HeadForm(
        request.POST or None,
        initial={"title": summary.title, "intro": summary.intro, "version": summary.version},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.save_head(
                actor=request.user,
                summary=summary,
                title=d["title"].replace("\r", ""),
                intro=d["intro"].replace("\r", ""),
                expected_version=d["version"],
            )
        except (services.ConflictError, ValidationError) as exc:
            form.add_error(None, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, "已保存标题和导语。")
            return redirect("reports:detail", summary.pk)
    return render(request, "reports/head_edit.html", {"summary": summary, "form": form})


@login_required
@permission_required("reports.finalize_summary", raise_exception=True)
@require_POST
def section_structure(request, pk, section_pk=None):
    """Insert (under a section or at the top), move up/down, or delete a section."""
    summary = _summary(request, pk)
    section = get_object_or_404(summary.sections, pk=section_pk) if section_pk else None
    action = request.POST.get("action")
    try:
        if action == "add":
            parent = (
                section if request.POST.get("where") == "child" else (section.parent if section else None)
            )
            after = section if section and request.POST.get("where") == "after" else None
            new = services.add_section(
                actor=request.user,
                summary=summary,
                parent=parent,
                after=after,
                heading=request.POST.get("heading", ""),
            )
            messages.success(request, f"已新增章节“{new.heading}”，序号已重排。")
        elif action in ("up", "down") and section:
            services.move_section(actor=request.user, section=section, offset=-1 if action == "up" else 1)
            messages.success(request, "已移动，序号已重排。")
        elif action == "delete" and section:
            services.delete_section(actor=request.user, section=section)
            messages.success(request, f"已删除章节“{section.heading}”及其下级，序号已重排。")
        else:
            messages.error(request, "无效的操作")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("reports:detail", summary.pk)


@login_required
@permission_required("reports.finalize_summary", raise_exception=True)
@require_POST
def finalize(request, pk):
    summary = _summary(request, pk)
    try:
        services.finalize_summary(actor=request.user, summary=summary)
    except ValidationError as exc:
        messages.error(request, "定稿失败：" + _errors(exc))
    else:
        messages.success(request, "已定稿：数据已随文冻结，此后业务数据的变化不影响本稿。")
    return redirect("reports:detail", summary.pk)


@login_required
@permission_required("reports.finalize_summary", raise_exception=True)
@require_POST
def reopen(request, pk):
    summary = _summary(request, pk)
    try:
        services.reopen_summary(actor=request.user, summary=summary, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "重新打开失败：" + _errors(exc))
    else:
        messages.success(request, "已重新打开为草稿（已记入审计日志），数据恢复为实时计算。")
    return redirect("reports:detail", summary.pk)


@login_required
@view_required
def recompute(request, pk):
    """For a draft: which figures moved since this page was last looked at, old and new."""
    summary = _summary(request, pk)
    if summary.is_final:
        messages.info(request, "已定稿的工作总结数据已冻结，无需重新计算。")
        return redirect("reports:detail", summary.pk)
    first = summary.seen is None
    changes, values = services.moved_figures(summary)
    if request.user.has_perm("reports.edit_summary"):  # a reader (the auditor) changes nothing
        services.mark_seen(summary=summary, values=values)
    return render(request, "reports/recompute.html", {"summary": summary, "changes": changes, "first": first})


def _may_export(user, summary):
    """The director exports any summary; chiefs export drafts (DESIGN.md: the director exports)."""
    if user.has_perm("reports.finalize_summary"):
        return True
    return user.has_perm("reports.edit_summary") and not summary.is_final


@login_required
@view_required
def export(request, pk, fmt):
    summary = _summary(request, pk)
    if not _may_export(request.user, summary):
        raise PermissionDenied("已定稿的工作总结由局长导出")
    name = f"{summary.period_name}{summary.region.name if summary.region_id else '云安区'}工作总结"
    try:
        if fmt == "xlsx":
            data = exports.xlsx_bytes(summary.period, summary.region)
        else:
            prepared = exports.prepare(summary.period, summary.region, summary)
            if fmt == "pdf":
                data = exports.pdf_bytes(prepared)
            elif fmt == "docx":
                data = exports.docx_bytes(prepared)
            else:
                return HttpResponse(exports.html_string(prepared))
    except exports.ExportError as exc:
        messages.error(request, f"导出失败：{exc}")
        return redirect("reports:detail", summary.pk)
    core_services.record_export(actor=request.user, what=f"{name}.{fmt}", rows=0)
    if fmt == "xlsx":
        return xlsx_response(data, f"{name}_统计数据.xlsx", fallback="summary.xlsx")
    types = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    from urllib.parse import quote

    response = HttpResponse(data, content_type=types[fmt])
    response["Content-Disposition"] = (
        f"attachment; filename=\"summary.{fmt}\"; filename*=UTF-8''{quote(name)}.{fmt}"
    )
    return response


class PlanItemForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=PlanItem.Status.choices)
    progress = forms.CharField(label="进展情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))


@login_required
@view_required
def plan_list(request):
    """The plan items of every period, the user's section first; the owner reports progress."""
    from django.utils import timezone

    from civaffairs.selectors import user_section

    own = user_section(request.user)
    if request.method == "POST":
        item = get_object_or_404(PlanItem, pk=_int(request.POST.get("item")))
        form = PlanItemForm(request.POST)
        if form.is_valid():
            try:
                services.update_plan_item(
                    actor=request.user,
                    item=item,
                    status=form.cleaned_data["status"],
                    progress=form.cleaned_data["progress"],
                )
            except ValidationError as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, f"已更新“{item.text}”。")
        else:
            messages.error(request, "请选择有效的状态")
        return redirect("reports:plan")
    items = sorted(PlanItem.objects.all(), key=lambda i: (i.section != own, i.deadline, i.pk))
    today = timezone.localdate()
    rows = [
        {
            "item": item,
            "overdue": item.status == PlanItem.Status.OPEN and item.deadline < today,
            "editable": request.user.has_perm("reports.finalize_summary")
            or (request.user.has_perm("reports.edit_summary") and own == item.section),
            "form": PlanItemForm(initial={"status": item.status, "progress": item.progress}),
        }
        for item in items
    ]
    return render(request, "reports/plan.html", {"rows": rows})


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def figures_page(request):
    """统计数据: every registered figure for a period and (optionally) a town, grouped as the
    summary is, in Chinese with units, beside the previous period and a year earlier; XLSX too.
    A town caseworker sees the own town's. The same numbers as `manage.py figures` and the summary."""
    from civaffairs.selectors import user_town

    towns = Region.objects.filter(level=Region.Level.TOWN).order_by("code")
    own = user_town(request.user)
    text = request.GET.get("period") or "2019年上半年"
    region = own
    if own is None and request.GET.get("region"):
        region = towns.filter(code=request.GET["region"]).first()
    error, groups, previous, year_ago, period = None, [], None, None, None
    try:
        period = Period.parse(text)
    except InvalidPeriod as exc:
        error = str(exc)
    else:
        if request.GET.get("format") == "xlsx":
            place = region.name if region else "全区"
            data = exports.xlsx_bytes(period, region)
            core_services.record_export(actor=request.user, what=f"{period.name}{place}统计数据", rows=0)
            return xlsx_response(data, f"{period.name}{place}统计数据.xlsx", fallback="figures.xlsx")
        from civaffairs import figures as registry

        rows, previous, year_ago = exports.figure_rows(period, region)
        drill = registry.drilldown_urls(period, region, request.user)
        for row in rows:
            row.update(_figure_display(row))
            row["drill"] = drill.get(row["key"])
            if not groups or groups[-1][0] != row["group"]:
                groups.append((row["group"], []))
            groups[-1][1].append(row)
    return render(
        request,
        "reports/figures.html",
        {
            "groups": groups,
            "error": error,
            "text": text,
            "period": period,
            "previous": previous,
            "year_ago": year_ago,
            "region": region,
            "towns": towns if own is None else None,
        },
    )


def _figure_display(row):
    from civaffairs import figures as registry
    from civaffairs.money import format_money

    def show(value):
        if value is None:
            return "—"
        if row["is_money"]:
            return format_money(value)
        return str(registry.display_value(row["key"], value))

    def change(value):
        if value is None:
            return ""
        if value == 0:
            return "持平"
        sign, d = ("+" if value > 0 else "−"), abs(value)
        if row["is_money"]:
            return sign + format_money(d)
        return sign + (str(int(d)) if d == d.to_integral_value() else f"{d.normalize():f}")

    return {
        "shown": show(row["value"]),
        "shown_previous": show(row["previous"]),
        "shown_year_ago": show(row["year_ago"]),
        "shown_change_previous": change(row["change_previous"]),
        "shown_change_year": change(row["change_year"]),
    }
