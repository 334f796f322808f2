"""Welfare's screens: selector → form → service → message → redirect."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from civaffairs.forms import apply_errors
from civaffairs.home import register_bureau_todo, register_panel
from civaffairs.imports import ImportFailed
from civaffairs.models import ApprovalStatus, Section
from civaffairs.spreadsheets import XLSX_CONTENT_TYPE, xlsx_response
from civaffairs.tables import paginate
from civaffairs.uploads import error_report

from . import imports, services
from .access import (
    can_read_welfare,
    chief_required,
    is_welfare_chief,
    is_welfare_staff,
    reader_required,
    staff_required,
)
from .filters import (
    REJECTED,
    UNCLOSED,
    AdoptionFilter,
    CremationFilter,
    HazardFilter,
    InspectionFilter,
    InstitutionFilter,
    MarriageFilter,
    ProjectFilter,
    PublicityFilter,
    RetrofitFilter,
)
from .forms import (
    AdoptionForm,
    ClosureForm,
    CremationForm,
    DecisionForm,
    HazardForm,
    InspectionForm,
    InstitutionForm,
    MarriageForm,
    MilestoneForm,
    ProjectForm,
    ProjectFundsForm,
    PublicityForm,
    RetrofitForm,
)
from .labels import PROJECT_KIND_LABELS
from .models import Hazard, InstitutionProfile
from .selectors import (
    adoptions_for,
    benefits_a_cremation_stops,
    closures_for,
    cremations_for,
    hazards_for,
    inspections_for,
    institutions_for,
    marriages_for,
    milestone_reports_for,
    overdue_hazards,
    pending_counts,
    projects_awaiting_decision,
    projects_for,
    publicity_for,
    rejected_hazards,
    rejected_milestones,
    residents_on,
    retrofits_for,
)
from .tables import (
    AdoptionTable,
    CremationTable,
    HazardTable,
    InspectionTable,
    InstitutionTable,
    MarriageTable,
    ProjectTable,
    PublicityTable,
    RetrofitTable,
)

PAGE_SIZE = 25


@register_panel
def home_panels(user):
    if not (is_welfare_chief(user) or is_welfare_staff(user)):
        return []
    items = [
        {
            "label": "逾期未整改安全隐患",
            "count": overdue_hazards(user).count(),
            "url": reverse("welfare:hazard_list") + "?overdue=true",
        }
    ]
    if is_welfare_staff(user):
        # What the chief sent back: 驳回 leaves the hazard 整改中 and the milestone 未完成.
        items += [
            {
                "label": "销号申请被驳回的隐患",
                "count": rejected_hazards(hazards_for(user)).count(),
                "url": reverse("welfare:hazard_list") + "?status=" + REJECTED,
            },
            {
                "label": "被驳回的项目节点",
                "count": rejected_milestones(user).count(),
                "url": reverse("welfare:project_list") + "?rejected=true",
            },
        ]
    if is_welfare_chief(user):
        c = pending_counts(user)
        items += [
            {"label": "待审批隐患销号", "count": c["closures"], "url": reverse("welfare:inbox")},
            {"label": "待审批项目节点", "count": c["milestones"], "url": reverse("welfare:inbox")},
        ]
    return items


@register_bureau_todo
def bureau_todos(user, today):
    """The director's desk: the section's approvals waiting (hazard closures, milestone reports)
    and its hazards not yet closed, each opening on the list of exactly the records counted."""
    if not can_read_welfare(user):
        return []
    hazards = hazards_for(user)
    url = reverse("welfare:hazard_list")
    return [
        {
            "section": Section.WELFARE,
            "label": "待审批隐患销号",
            # One pending closure per hazard, and a hazard is 待审批销号 exactly while it has one.
            "count": hazards.filter(status=Hazard.Status.CLOSING).count(),
            "url": url + "?status=" + Hazard.Status.CLOSING,
        },
        {
            "section": Section.WELFARE,
            "label": "有待审批节点的项目",
            "count": projects_awaiting_decision(user).count(),
            "url": reverse("welfare:project_list") + "?pending=true",
        },
        {
            "section": Section.WELFARE,
            "label": "未销号安全隐患",
            "count": hazards.exclude(status=Hazard.Status.CLOSED).count(),
            "url": url + "?status=" + UNCLOSED,
        },
        {
            "section": Section.WELFARE,
            "label": "其中逾期未整改",
            "count": overdue_hazards(user, today).count(),
            "url": url + "?overdue=true",
        },
    ]


def _list(request, title, queryset, filter_class, table_class, new_url=None, extra=None):
    f = filter_class(request.GET, request=request, queryset=queryset)
    table = table_class(f.qs)
    paginate(request, table, PAGE_SIZE)
    context = {
        "title": title,
        "filter": f,
        "table": table,
        "new_url": new_url if is_welfare_staff(request.user) else None,
        **(extra or {}),
    }
    return render(request, "welfare/list.html", context)


def _form(request, form, title, back, save, success):
    """POST: the service on the form's data; its errors go back onto the form's fields."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, success)
            return obj
    return render(request, "civaffairs/form.html", {"form": form, "title": title, "back": back})


def _saved(result):
    return not hasattr(result, "status_code")


def _decision(request, obj, decide, back):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或驳回。")
        return redirect(back)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decide(actor=request.user, approve=approve, comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        messages.error(request, "审批失败：" + "；".join(exc.messages))
    else:
        messages.success(request, "已批准。" if approve else "已驳回。")
    return redirect(back)


# ------------------------------------------------------------------ institutions


@login_required
@reader_required
def institution_list(request):
    qs = institutions_for(request.user)
    return _list(request, "福利机构", qs, InstitutionFilter, InstitutionTable, "welfare:institution_create")


@login_required
@reader_required
def institution_detail(request, pk):
    institution = get_object_or_404(institutions_for(request.user), pk=pk)
    try:
        on = datetime.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        on = datetime.date.today()
    profile = InstitutionProfile.objects.filter(institution=institution).first()
    return render(
        request,
        "welfare/institution_detail.html",
        {
            "institution": institution,
            "profile": profile,
            "on": on,
            "residents": residents_on(request.user, institution, on),
            "inspections": inspections_for(request.user).filter(institution=institution),
            "hazards": hazards_for(request.user).filter(institution=institution),
            "retrofits": retrofits_for(request.user).filter(institution=institution),
            "can_edit": is_welfare_staff(request.user),
        },
    )


@login_required
@staff_required
def institution_create(request):
    form = InstitutionForm(request.POST or None)
    result = _form(
        request,
        form,
        "新增福利机构",
        "welfare:institution_list",
        lambda d: services.save_institution(actor=request.user, **d),
        "机构已登记。",
    )
    return redirect("welfare:institution_detail", result.pk) if _saved(result) else result


@login_required
@staff_required
def institution_edit(request, pk):
    institution = get_object_or_404(institutions_for(request.user), pk=pk)
    profile, _ = InstitutionProfile.objects.get_or_create(institution=institution)
    initial = {f: getattr(profile, f) for f in services.institutions.PROFILE_FIELDS}
    form = InstitutionForm(request.POST or None, initial=initial, editing=True)
    result = _form(
        request,
        form,
        f"修改机构概况：{institution.name}",
        "welfare:institution_list",
        lambda d: services.save_institution(actor=request.user, institution=institution, **d),
        "机构概况已保存。",
    )
    return redirect("welfare:institution_detail", institution.pk) if _saved(result) else result


# ------------------------------------------------------------------ inspections and hazards


@login_required
@reader_required
def inspection_list(request):
    qs = inspections_for(request.user)
    return _list(request, "安全检查", qs, InspectionFilter, InspectionTable, "welfare:inspection_create")


@login_required
@staff_required
def inspection_create(request):
    form = InspectionForm(request.POST or None, institutions=institutions_for(request.user))
    fields = ("institution", "date", "kind", "inspectors", "note")
    result = _form(
        request,
        form,
        "登记安全检查",
        "welfare:inspection_list",
        lambda d: services.record_inspection(
            actor=request.user, hazards=form.hazards(), **{k: d[k] for k in fields}
        ),
        "检查已登记。",
    )
    return redirect("welfare:inspection_detail", result.pk) if _saved(result) else result


@login_required
@reader_required
def inspection_detail(request, pk):
    inspection = get_object_or_404(inspections_for(request.user), pk=pk)
    return _inspection_page(request, inspection)


def _inspection_page(request, inspection, *, hazard_form=None, closure_form=None, closure_hazard=None):
    """The inspection's page; after a refused hazard or closure, with that form bound: its errors
    at its fields and what was typed kept (a redirect lost both)."""
    closures = closures_for(request.user).order_by("-submitted_at")
    hazards = (
        hazards_for(request.user)
        .filter(inspection=inspection)
        .prefetch_related(Prefetch("closures", queryset=closures))
    )
    staff = is_welfare_staff(request.user)
    return render(
        request,
        "welfare/inspection_detail.html",
        {
            "inspection": inspection,
            "hazards": hazards,
            "today": datetime.date.today(),
            "is_staff": staff,
            "is_chief": is_welfare_chief(request.user),
            "hazard_form": hazard_form or (HazardForm() if staff else None),
            "closure_form": closure_form,
            "closure_hazard_id": closure_hazard.pk if closure_hazard else None,
        },
    )


@login_required
@staff_required
@require_POST
def hazard_close(request, pk):
    hazard = get_object_or_404(hazards_for(request.user), pk=pk)
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            services.submit_hazard_closure(actor=request.user, hazard=hazard, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "整改情况已提交，等待股长审批销号。")
            return redirect("welfare:inspection_detail", hazard.inspection_id)
    return _inspection_page(request, hazard.inspection, closure_form=form, closure_hazard=hazard)


@login_required
@staff_required
@require_POST
def hazard_add(request, pk):
    inspection = get_object_or_404(inspections_for(request.user), pk=pk)
    form = HazardForm(request.POST)
    if form.is_valid():
        try:
            services.add_hazard(actor=request.user, inspection=inspection, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "隐患已登记。")
            return redirect("welfare:inspection_detail", inspection.pk)
    return _inspection_page(request, inspection, hazard_form=form)


@login_required
@chief_required
@require_POST
def closure_decide(request, pk):
    closure = get_object_or_404(closures_for(request.user), pk=pk)

    def decide(**kwargs):
        return services.decide_hazard_closure(closure=closure, **kwargs)

    return _decision(
        request, closure, decide, reverse("welfare:inspection_detail", args=[closure.hazard.inspection_id])
    )


@login_required
@reader_required
def hazard_list(request):
    qs = hazards_for(request.user)
    return _list(request, "安全隐患", qs, HazardFilter, HazardTable)


@login_required
@reader_required
def retrofit_list(request):
    qs = retrofits_for(request.user)
    return _list(request, "消防改造", qs, RetrofitFilter, RetrofitTable, "welfare:retrofit_create")


@login_required
@staff_required
def retrofit_create(request):
    form = RetrofitForm(request.POST or None, institutions=institutions_for(request.user))
    result = _form(
        request,
        form,
        "登记消防改造",
        "welfare:retrofit_list",
        lambda d: services.record_retrofit(actor=request.user, **d),
        "消防改造已登记。",
    )
    return redirect("welfare:retrofit_list") if _saved(result) else result


# ------------------------------------------------------------------ facility projects


@login_required
@reader_required
def project_list(request):
    qs = projects_for(request.user)
    return _list(request, "设施建设项目", qs, ProjectFilter, ProjectTable, "welfare:project_create")


@login_required
@staff_required
def project_create(request):
    form = ProjectForm(request.POST or None)
    result = _form(
        request,
        form,
        "新增设施建设项目",
        "welfare:project_list",
        lambda d: services.create_facility_project(actor=request.user, **d),
        "项目已登记。",
    )
    return redirect("welfare:project_detail", result.pk) if _saved(result) else result


@login_required
@reader_required
def project_detail(request, pk):
    project = get_object_or_404(projects_for(request.user), pk=pk)
    return _project_page(request, project)


def _project_page(request, project, *, milestone_form=None, funds_form=None):
    """The project's page; after a refused milestone report or funds update, with that form
    bound: its errors at its fields and what was typed kept."""
    milestones = project.milestones.order_by("id")
    staff = is_welfare_staff(request.user)
    if staff and milestone_form is None:
        milestone_form = MilestoneForm(milestones=milestones.filter(done_on__isnull=True))
    if staff and funds_form is None:
        funds_form = ProjectFundsForm(
            initial={"funds_secured": project.funds_secured, "funds_spent": project.funds_spent}
        )
    return render(
        request,
        "welfare/project_detail.html",
        {
            "project": project,
            "kind_label": PROJECT_KIND_LABELS.get(project.kind, project.kind),
            "milestones": milestones,
            "reports": milestone_reports_for(request.user).filter(milestone__project=project),
            "is_chief": is_welfare_chief(request.user),
            "milestone_form": milestone_form,
            "funds_form": funds_form,
        },
    )


@login_required
@staff_required
@require_POST
def milestone_submit(request, pk):
    project = get_object_or_404(projects_for(request.user), pk=pk)
    form = MilestoneForm(request.POST, milestones=project.milestones.filter(done_on__isnull=True))
    if form.is_valid():
        try:
            services.submit_milestone(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "节点已报告，等待股长审批。")
            return redirect("welfare:project_detail", project.pk)
    return _project_page(request, project, milestone_form=form)


@login_required
@staff_required
@require_POST
def project_funds(request, pk):
    project = get_object_or_404(projects_for(request.user), pk=pk)
    form = ProjectFundsForm(request.POST)
    if form.is_valid():
        try:
            services.update_project_funds(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "项目资金已更新。")
            return redirect("welfare:project_detail", project.pk)
    return _project_page(request, project, funds_form=form)


@login_required
@chief_required
@require_POST
def milestone_decide(request, pk):
    report = get_object_or_404(milestone_reports_for(request.user), pk=pk)

    def decide(**kwargs):
        return services.decide_milestone(report=report, **kwargs)

    return _decision(
        request, report, decide, reverse("welfare:project_detail", args=[report.milestone.project_id])
    )


@login_required
@chief_required
def inbox(request):
    return render(
        request,
        "welfare/inbox.html",
        {
            "closures": closures_for(request.user)
            .filter(status=ApprovalStatus.PENDING)
            .order_by("submitted_at"),
            "reports": milestone_reports_for(request.user)
            .filter(status=ApprovalStatus.PENDING)
            .order_by("submitted_at"),
            "overdue": overdue_hazards(request.user).order_by("deadline"),
        },
    )


# ------------------------------------------------------------------ registrations, funerals


@login_required
@reader_required
def marriage_list(request):
    qs = marriages_for(request.user)
    return _list(
        request,
        "婚姻登记",
        qs,
        MarriageFilter,
        MarriageTable,
        "welfare:marriage_create",
        {"import_kind": "marriages"},
    )


@login_required
@staff_required
def marriage_create(request):
    form = MarriageForm(request.POST or None)
    result = _form(
        request,
        form,
        "婚姻登记录入",
        "welfare:marriage_list",
        lambda d: services.register_marriage(actor=request.user, **d),
        "婚姻登记已录入。",
    )
    return redirect("welfare:marriage_list") if _saved(result) else result


@login_required
@reader_required
def adoption_list(request):
    qs = adoptions_for(request.user)
    return _list(request, "收养登记", qs, AdoptionFilter, AdoptionTable, "welfare:adoption_create")


@login_required
@staff_required
def adoption_create(request):
    form = AdoptionForm(request.POST or None)
    result = _form(
        request,
        form,
        "收养登记录入",
        "welfare:adoption_list",
        lambda d: services.register_adoption(actor=request.user, **d),
        "收养登记已录入。",
    )
    return redirect("welfare:adoption_list") if _saved(result) else result


@login_required
@reader_required
def cremation_list(request):
    qs = cremations_for(request.user)
    return _list(
        request,
        "火化记录",
        qs,
        CremationFilter,
        CremationTable,
        "welfare:cremation_create",
        {"import_kind": "cremations"},
    )


@login_required
@staff_required
def cremation_create(request):
    """A cremation of a registered person covered by a benefit records their death, which stops
    their benefits: the form first asks to confirm, naming (masked) whom and which programs stop
    from which month; 返回修改 brings the form back as typed."""
    form = CremationForm(request.POST or None)
    if request.method == "POST" and "edit" in request.POST:
        form.is_valid()
        return render(
            request,
            "civaffairs/form.html",
            {"form": form, "title": "火化登记", "back": "welfare:cremation_list"},
        )
    if request.method == "POST" and "confirmed" not in request.POST and form.is_valid():
        d = form.cleaned_data
        stops = benefits_a_cremation_stops(d["id_number"], d["death_date"], d["deceased_name"])
        if stops:
            return render(request, "welfare/cremation_confirm.html", {"form": form, "deceased": stops})
    result = _form(
        request,
        form,
        "火化登记",
        "welfare:cremation_list",
        lambda d: services.record_cremation(actor=request.user, **d),
        "火化记录已登记。",
    )
    return redirect("welfare:cremation_list") if _saved(result) else result


@login_required
@reader_required
def publicity_list(request):
    qs = publicity_for(request.user)
    return _list(request, "殡葬改革宣传", qs, PublicityFilter, PublicityTable, "welfare:publicity_create")


@login_required
@staff_required
def publicity_create(request):
    form = PublicityForm(request.POST or None)
    result = _form(
        request,
        form,
        "登记殡葬改革宣传",
        "welfare:publicity_list",
        lambda d: services.record_publicity(actor=request.user, **d),
        "宣传记录已登记。",
    )
    return redirect("welfare:publicity_list") if _saved(result) else result


# ------------------------------------------------------------------ imports

IMPORTS = {
    "marriages": ("婚姻登记导入", "婚姻登记导入模板.xlsx", "welfare:marriage_list", "条婚姻登记"),
    "cremations": ("火化记录导入", "火化记录导入模板.xlsx", "welfare:cremation_list", "条火化记录"),
}


class ImportForm(forms.Form):
    file = forms.FileField(
        label="文件（XLSX）",
        help_text="请先下载模板，按模板的列填写；只读取第一个工作表。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )


@login_required
@staff_required
def import_upload(request, kind):
    if kind not in IMPORTS:
        raise Http404
    title, _template, back, noun = IMPORTS[kind]
    form = ImportForm(*(request.POST, request.FILES) if request.method == "POST" else ())
    errors, more = [], 0
    if request.method == "POST" and form.is_valid():
        try:
            saved = imports.import_file(kind, form.cleaned_data["file"], actor=request.user)
        except ImportFailed as exc:
            # The first errors and a count: a page that stays readable whatever the file.
            errors, more = error_report(exc.errors)
        else:
            messages.success(request, f"已导入 {len(saved)} {noun}。")
            return redirect(back)
    columns = imports.IMPORTERS[kind](None).columns
    return render(
        request,
        "welfare/import.html",
        {
            "form": form,
            "errors": errors,
            "more_errors": more,
            "error_count": len(errors) + more,
            "title": title,
            "kind": kind,
            "back": back,
            "columns": columns,
        },
    )


@login_required
@staff_required
def import_template(request, kind):
    if kind not in IMPORTS:
        raise Http404
    return xlsx_response(imports.template_bytes(kind), IMPORTS[kind][1], fallback=f"{kind}-template.xlsx")
