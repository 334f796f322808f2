"""Screens of 基层政权和社区建设股. Thin: access decorator → selector → form → service → message →
redirect. The allowance's standards and payrolls go through the one payments engine."""

import datetime
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from civaffairs import jobs
from civaffairs import payments as engine
from civaffairs import services as core_services
from civaffairs.forms import apply_errors
from civaffairs.home import register_bureau_todo, register_panel
from civaffairs.idnumber import mask_account
from civaffairs.job_views import refused
from civaffairs.models import ApprovalStatus, Payroll, Person, Region, Section
from civaffairs.money import format_money
from civaffairs.payments.bankfile import bank_file
from civaffairs.periods import add_months
from civaffairs.selectors import may_see_whole_numbers, payments_for
from civaffairs.spreadsheets import xlsx_response
from civaffairs.tables import paginate

from . import services
from .access import can_read, can_read_clues, is_grassroots_chief, is_grassroots_staff
from .filters import CouncilFilter, MemberFilter, OrganizationFilter, ProjectFilter, VillageRuleFilter
from .forms import (
    CancelForm,
    ClueFormForm,
    ClueStatusForm,
    CouncilForm,
    DecisionForm,
    EndTermForm,
    GuidanceForm,
    MemberForm,
    OpenStationForm,
    OrganizationForm,
    PayrollGenerateForm,
    ProjectForm,
    ProjectStatusForm,
    PublicityForm,
    StandardForm,
    StationForm,
    VillageRuleForm,
    WorkerForm,
)
from .labels import PROJECT_KINDS
from .models import VillageRule
from .programs import SUPERVISOR, SUPERVISOR_CATEGORY
from .selectors import (
    allowance_payrolls_for,
    allowance_standards_for,
    chief_inbox,
    clue_counts,
    clue_to_open,
    clues_for,
    councils_for,
    guidance_for,
    members_for,
    organizations_for,
    projects_for,
    publicity_for,
    stations_for,
    village_rules_for,
    workers_for,
)
from .tables import (
    ClueTable,
    CouncilTable,
    GuidanceTable,
    MemberTable,
    OrganizationTable,
    PaymentLineTable,
    PayrollTable,
    ProjectTable,
    PublicityTable,
    StandardTable,
    StationTable,
    VillageRuleTable,
    WorkerTable,
)

PAGE_SIZE = 25


def _require(check, message):
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


reader_required = _require(can_read, "您的账号无权查看基层政权和社区建设股的业务。")
staff_required = _require(is_grassroots_staff, "只有基层政权和社区建设股的经办人员可以办理此事项。")
chief_required = _require(is_grassroots_chief, "只有基层政权和社区建设股股长可以办理此事项。")


def _table(request, table):
    paginate(request, table, PAGE_SIZE)
    return table


def _list(request, title, table, *, new_url=None, filterset=None, extra=None):
    return render(
        request,
        "grassroots/list.html",
        {
            "title": title,
            "table": _table(request, table),
            "filter": filterset,
            "new_url": new_url if is_grassroots_staff(request.user) else None,
            **(extra or {}),
        },
    )


def _form_page(request, form, title, back):
    return render(request, "civaffairs/form.html", {"form": form, "title": title, "back": back})


def _errors(exc):
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


@register_panel
def home_panels(user):
    if is_grassroots_chief(user):
        c = chief_inbox(user)
        return [
            {
                "label": "待审批成员补贴标准",
                "count": c["standards"],
                "url": reverse("grassroots:standard_list"),
            },
            {"label": "待审批成员补贴名册", "count": c["monthly"], "url": reverse("grassroots:payroll_list")},
            {
                "label": "待审批成员补贴提标补发",
                "count": c["backpay"],
                "url": reverse("grassroots:payroll_list"),
            },
        ]
    if is_grassroots_staff(user):
        # 在任 this month as the member list's 补贴发放年月 reads it (a term may have an end date
        # ahead, or behind): the link lists exactly the members counted.
        month = f"{datetime.date.today():%Y-%m}"
        in_office = MemberFilter({"paid_in": month}, queryset=members_for(user)).qs
        return [
            {
                "label": "在任村务监督委员会成员",
                "count": in_office.count(),
                "url": reverse("grassroots:member_list") + f"?paid_in={month}",
            },
        ]
    return []


@register_bureau_todo
def bureau_todos(user, today):
    """The director's desk: the allowance's standards and payrolls waiting for the chief, each
    opening on its list filtered to exactly those (?status=pending)."""
    if not can_read(user):
        return []
    pending = ApprovalStatus.PENDING
    return [
        {
            "section": Section.GRASSROOTS,
            "label": "待审批成员补贴标准",
            "count": allowance_standards_for(user).filter(status=pending).count(),
            "url": reverse("grassroots:standard_list") + "?status=" + pending,
        },
        {
            "section": Section.GRASSROOTS,
            "label": "待审批成员补贴发放名册",
            "count": allowance_payrolls_for(user).filter(status=pending).count(),
            "url": reverse("grassroots:payroll_list") + "?status=" + pending,
        },
    ]


def _status(request, qs, title):
    """?status=pending (the director's desk links so): only the rows of that approval status."""
    status = request.GET.get("status")
    if status in ApprovalStatus.values:
        return qs.filter(status=status), f"{title}（{ApprovalStatus(status).label}）"
    return qs, title


@reader_required
def index(request):
    return render(
        request,
        "grassroots/index.html",
        {"clues": clue_counts(request.user), "staff": is_grassroots_staff(request.user)},
    )


# ------------------------------------------------------------------ supervision-committee members


@reader_required
def member_list(request):
    f = MemberFilter(request.GET, request=request, queryset=members_for(request.user))
    return _list(
        request,
        "村（居）务监督委员会成员",
        MemberTable(f.qs),
        new_url="grassroots:member_create",
        filterset=f,
    )


@staff_required
def member_create(request):
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            # The person and the membership together, or neither: a refused membership (a term
            # that ends before it starts) leaves no person behind in the registry.
            with transaction.atomic():
                person = Person.objects.filter(id_number=d["id_number"].strip().upper()).first()
                if person is None:
                    person = core_services.create_person(
                        actor=request.user,
                        name=d["name"],
                        id_number=d["id_number"],
                        region=d["committee"],
                        phone=d["phone"],
                    )
                elif person.name != d["name"].strip():
                    # Never the registered name: this form is no look-up of other sections' persons.
                    raise ValidationError({"name": "姓名与人员库中该身份证号登记的姓名不一致，请核对"})
                member = services.register_member(
                    actor=request.user,
                    person=person,
                    committee=d["committee"],
                    role=d["role"],
                    term_start=d["term_start"],
                    term_end=d["term_end"],
                    bank_name=d["bank_name"],
                    bank_account=d["bank_account"],
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("bank_account", str(exc))
        else:
            messages.success(
                request,
                f"已登记成员{member.person.name}，自{member.case.start_month:%Y年%m月}起按月发放补贴。",
            )
            return redirect("grassroots:member_detail", member.pk)
    return _form_page(request, form, "登记村（居）务监督委员会成员", "grassroots:member_list")


@reader_required
def member_detail(request, pk):
    member = get_object_or_404(members_for(request.user), pk=pk)
    lines = payments_for(request.user).filter(case=member.case).order_by("-month", "kind")
    paid = engine.paid_total(lines)
    return render(
        request,
        "grassroots/member_detail.html",
        {
            "m": member,
            "account": mask_account(member.person.bank_account),
            "paid_through": add_months(member.case.end_month, -1) if member.case.end_month else None,
            "table": _table(request, PaymentLineTable(lines)),
            "paid": paid,
            "form": EndTermForm() if is_grassroots_staff(request.user) else None,
        },
    )


@staff_required
@require_POST
def member_end_term(request, pk):
    member = get_object_or_404(members_for(request.user), pk=pk)
    form = EndTermForm(request.POST)
    if not form.is_valid():
        messages.error(request, "登记失败：" + "；".join(" ".join(v) for v in form.errors.values()))
    else:
        try:
            services.end_term(actor=request.user, member=member, term_end=form.cleaned_data["term_end"])
        except ValidationError as exc:
            messages.error(request, "登记失败：" + _errors(exc))
        else:
            messages.success(request, "已登记任期结束，此后月份不再发放补贴。")
    return redirect("grassroots:member_detail", member.pk)


# ------------------------------------------------------------------ the allowance: standards


@reader_required
def standard_list(request):
    qs, title = _status(
        request, allowance_standards_for(request.user).order_by("-effective_from", "-id"), "成员补贴标准"
    )
    return _list(request, title, StandardTable(qs), new_url="grassroots:standard_create")


@staff_required
def standard_create(request):
    form = StandardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            s = engine.draft_standard(
                actor=request.user,
                program=SUPERVISOR,
                category=SUPERVISOR_CATEGORY,
                amount=d["amount"],
                effective_from=d["effective_from"],
                document=d["document"],
                note=d["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "标准已提交，等待股长审批；批准前发放仍按现行标准。")
            return redirect("grassroots:standard_detail", s.pk)
    return _form_page(request, form, "拟定成员补贴标准", "grassroots:standard_list")


@reader_required
def standard_detail(request, pk):
    s = get_object_or_404(allowance_standards_for(request.user), pk=pk)
    batches = (
        allowance_payrolls_for(request.user).filter(standard=s, kind=Payroll.Kind.BACKPAY).order_by("-id")
    )
    can_decide = s.status == ApprovalStatus.PENDING and is_grassroots_chief(request.user)
    # What approving it back-pays: computed for the one who decides, by a background job.
    preview = jobs.latest_preview(s) if can_decide else None
    can_backpay = (
        s.status == ApprovalStatus.APPROVED
        and is_grassroots_staff(request.user)
        and not batches.filter(status=ApprovalStatus.PENDING).exists()
    )
    versions = allowance_standards_for(request.user).order_by("-effective_from", "-id")
    return render(
        request,
        "grassroots/standard_detail.html",
        {
            "s": s,
            "versions": versions,
            "batches": batches,
            "preview": preview,
            "recent_jobs": jobs.recent(request.user, standard=s),
            "can_backpay": can_backpay,
            "form": DecisionForm() if can_decide else None,
            "own": s.drafted_by_id == request.user.pk,
        },
    )


def _decide(request, decide):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或驳回。")
        return None
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decide(approve=approve, comment=form.cleaned_data["comment"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "审批失败：" + _errors(exc))
        return None
    return approve


@chief_required
@require_POST
def standard_decide(request, pk):
    s = get_object_or_404(allowance_standards_for(request.user), pk=pk)
    approve = _decide(request, lambda **kw: engine.decide_standard(actor=request.user, standard=s, **kw))
    if approve:
        last = engine.last_paid_month(s.program)
        if last and s.effective_from <= last:
            messages.success(request, "标准已批准。已发放月份应补发提标差额，由经办人员生成补发名册后报审。")
        else:
            messages.success(request, "标准已批准。")
    elif approve is False:
        messages.success(request, "标准已驳回。")
    return redirect("grassroots:standard_detail", s.pk)


@chief_required
@require_POST
def standard_preview(request, pk):
    """计算应补发金额 of a pending standard, for the chief: a background job."""
    s = get_object_or_404(allowance_standards_for(request.user).select_related("program"), pk=pk)
    if s.status != ApprovalStatus.PENDING:
        raise PermissionDenied("只有待审批的标准需要计算应补发金额。")
    try:
        job = jobs.start_backpay_preview(actor=request.user, standard=s, back="grassroots:standard_detail")
    except ValidationError as exc:
        return refused(request, exc, "计算失败：", reverse("grassroots:standard_detail", args=[s.pk]))
    return redirect("job_detail", job.pk)


@staff_required
@require_POST
def standard_backpay(request, pk):
    """生成补发: a background job; the request answers at once with the job's page."""
    s = get_object_or_404(allowance_standards_for(request.user).select_related("program"), pk=pk)
    try:
        job = jobs.start_backpay(
            actor=request.user,
            standard=s,
            result="grassroots:payroll_detail",
            back="grassroots:standard_detail",
        )
    except (ValidationError, PermissionDenied) as exc:
        return refused(request, exc, "计算失败：", reverse("grassroots:standard_detail", args=[s.pk]))
    return redirect("job_detail", job.pk)


# ------------------------------------------------------------------ the allowance: payrolls


@reader_required
def payroll_list(request):
    qs, title = _status(
        request, allowance_payrolls_for(request.user).order_by("-month", "-id"), "成员补贴发放名册"
    )
    form = PayrollGenerateForm() if is_grassroots_staff(request.user) else None
    return render(
        request,
        "grassroots/payroll_list.html",
        {
            "title": title,
            "table": _table(request, PayrollTable(qs)),
            "form": form,
            "recent_jobs": jobs.recent(request.user, kind="payroll", program__code=SUPERVISOR),
        },
    )


@staff_required
@require_POST
def payroll_generate(request):
    form = PayrollGenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "生成失败：" + "；".join(" ".join(v) for v in form.errors.values()))
        return redirect("grassroots:payroll_list")
    # A background job: the request answers at once with the job's page.
    try:
        job = jobs.start_payroll(
            actor=request.user,
            program=SUPERVISOR,
            month=form.cleaned_data["month"],
            result="grassroots:payroll_detail",
        )
    except (ValidationError, PermissionDenied) as exc:
        return refused(request, exc, "生成失败：", reverse("grassroots:payroll_list"))
    return redirect("job_detail", job.pk)


@reader_required
def payroll_detail(request, pk):
    payroll = get_object_or_404(allowance_payrolls_for(request.user), pk=pk)
    lines = payments_for(request.user).filter(payroll=payroll).order_by("town__code", "case_id", "month")
    by_town = lines.values("town__name").annotate(total=Sum("amount")).order_by("town__code")
    return render(
        request,
        "grassroots/payroll_detail.html",
        {
            "payroll": payroll,
            "table": _table(
                request, PaymentLineTable(lines.select_related("case__supervisor_member__committee"))
            ),
            "by_town": by_town,
            "form": DecisionForm()
            if payroll.status == ApprovalStatus.PENDING and is_grassroots_chief(request.user)
            else None,
            "own": payroll.created_by_id == request.user.pk,
            "can_withdraw": payroll.status == ApprovalStatus.PENDING
            and payroll.created_by_id == request.user.pk,
        },
    )


@chief_required
@require_POST
def payroll_decide(request, pk):
    payroll = get_object_or_404(allowance_payrolls_for(request.user), pk=pk)
    approve = _decide(request, lambda **kw: engine.decide_payroll(actor=request.user, payroll=payroll, **kw))
    if approve:
        messages.success(request, "名册已批准并锁定。")
    elif approve is False:
        messages.success(request, "名册已退回，该月可重新生成。")
    return redirect("grassroots:payroll_detail", payroll.pk)


@staff_required
@require_POST
def payroll_withdraw(request, pk):
    payroll = get_object_or_404(allowance_payrolls_for(request.user), pk=pk)
    try:
        engine.withdraw_payroll(actor=request.user, payroll=payroll, comment=request.POST.get("comment", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "撤回失败：" + _errors(exc))
    else:
        messages.success(request, "名册已撤回，该月可重新生成。")
    return redirect("grassroots:payroll_detail", payroll.pk)


@reader_required
def payroll_export(request, pk):
    payroll = get_object_or_404(allowance_payrolls_for(request.user), pk=pk)
    full = may_see_whole_numbers(request.user) and request.GET.get("full") == "1"
    lines = payments_for(request.user).filter(payroll=payroll)
    data, count, filename = bank_file(payroll, lines, full_ids=full)  # approved ones only
    core_services.record_export(actor=request.user, what=f"{payroll}（银行代发）", rows=count, full_ids=full)
    return xlsx_response(data, filename, fallback=f"allowance-{payroll.pk}.xlsx")


# ------------------------------------------------------------------ social work


@reader_required
def station_list(request):
    workers = workers_for(request.user).order_by("-hired_on", "id")
    return render(
        request,
        "grassroots/stations.html",
        {
            "title": "社工站与社工",
            "table": _table(request, StationTable(stations_for(request.user).order_by("established_on"))),
            "workers": _table(request, WorkerTable(workers, prefix="w-")),
            "staff": is_grassroots_staff(request.user),
            "open_form": OpenStationForm(),
        },
    )


@staff_required
def station_create(request):
    form = StationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_station(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "社工站已登记（筹建）。")
            return redirect("grassroots:station_list")
    return _form_page(request, form, "新建社工站", "grassroots:station_list")


@staff_required
@require_POST
def station_open(request, pk):
    station = get_object_or_404(stations_for(request.user), pk=pk)
    form = OpenStationForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("请填写投入运营日期")
        services.open_station(actor=request.user, station=station, opened_on=form.cleaned_data["opened_on"])
    except ValidationError as exc:
        messages.error(request, "登记失败：" + _errors(exc))
    else:
        messages.success(request, f"{station.name}已投入运营。")
    return redirect("grassroots:station_list")


@staff_required
def worker_create(request):
    form = WorkerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.recruit_worker(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "社工已登记。")
            return redirect("grassroots:station_list")
    return _form_page(request, form, "登记招聘社工", "grassroots:station_list")


# ------------------------------------------------------------------ funded projects


@reader_required
def project_list(request):
    f = ProjectFilter(
        request.GET, request=request, queryset=projects_for(request.user).order_by("kind", "started_on", "id")
    )
    totals = f.qs.aggregate(total=Sum("funds_secured"))
    return _list(
        request,
        "基层建设资金项目",
        ProjectTable(f.qs),
        new_url="grassroots:project_create",
        filterset=f,
        extra={"summary": f"资金合计 {format_money(totals['total'] or 0)} 元"},
    )


@staff_required
def project_create(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "项目已登记。")
            return redirect("grassroots:project_detail", project.pk)
    return _form_page(request, form, "登记资金项目", "grassroots:project_list")


@reader_required
def project_detail(request, pk):
    project = get_object_or_404(projects_for(request.user), pk=pk)
    form = None
    if is_grassroots_staff(request.user):
        form = ProjectStatusForm()
        if request.method == "POST":
            form = ProjectStatusForm(request.POST)
            if form.is_valid():
                try:
                    services.set_project_status(
                        actor=request.user, project=project, status=form.cleaned_data["status"]
                    )
                except ValidationError as exc:
                    messages.error(request, "变更失败：" + _errors(exc))
                else:
                    messages.success(request, "项目状态已变更。")
                return redirect("grassroots:project_detail", project.pk)
    return render(
        request,
        "grassroots/project_detail.html",
        {"p": project, "kind": PROJECT_KINDS.get(project.kind, project.kind), "form": form},
    )


# ------------------------------------------------------------------ village rules


def _rule_completion(rules):
    """村规民约 completion over every village committee and natural village of the district, as
    of today: counted from the records, never typed. Two queries."""
    totals = dict(
        Region.objects.filter(level__in=[Region.Level.VILLAGE, Region.Level.NATURAL])
        .values_list("level")
        .annotate(n=Count("id"))
    )
    S = VillageRule.Status
    by_level = {
        row["region__level"]: row
        for row in rules.values("region__level").annotate(
            done=Count("id", filter=Q(status__in=[S.ADOPTED, S.FILED])),
            filed=Count("id", filter=Q(status=S.FILED)),
            drafting=Count("id", filter=Q(status=S.DRAFTING)),
        )
    }
    out = []
    for level, label in ((Region.Level.VILLAGE, "村（居）委"), (Region.Level.NATURAL, "自然村")):
        total, row = totals.get(level, 0), by_level.get(level, {})
        done = row.get("done", 0)
        rate = f"{done * 100 / total:.1f}%" if total else "—"
        out.append(
            {
                "label": label,
                "total": total,
                "done": done,
                "filed": row.get("filed", 0),
                "drafting": row.get("drafting", 0),
                "rate": rate,
            }
        )
    return out


@reader_required
def village_rule_list(request):
    f = VillageRuleFilter(
        request.GET, request=request, queryset=village_rules_for(request.user).order_by("region__code")
    )
    return _list(
        request,
        "村规民约",
        VillageRuleTable(f.qs),
        new_url="grassroots:village_rule_set",
        filterset=f,
        extra={
            "guidance": GuidanceTable(guidance_for(request.user)),
            "guidance_new": is_grassroots_staff(request.user),
            "completion": _rule_completion(village_rules_for(request.user)),
        },
    )


@staff_required
def village_rule_set(request):
    form = VillageRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_village_rule(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "村规民约状态已登记。")
            return redirect("grassroots:village_rule_list")
    return _form_page(request, form, "登记村规民约状态", "grassroots:village_rule_list")


@staff_required
def guidance_create(request):
    form = GuidanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_guidance_document(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "指导文件已登记。")
            return redirect("grassroots:village_rule_list")
    return _form_page(request, form, "登记指导文件", "grassroots:village_rule_list")


# ------------------------------------------------------------------ social organizations


@reader_required
def org_list(request):
    f = OrganizationFilter(request.GET, request=request, queryset=organizations_for(request.user))
    return _list(request, "社会组织", OrganizationTable(f.qs), new_url="grassroots:org_create", filterset=f)


@staff_required
def org_create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.register_organization(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"社会组织“{org.name}”已登记。")
            return redirect("grassroots:org_detail", org.pk)
    return _form_page(request, form, "登记社会组织", "grassroots:org_list")


@reader_required
def org_detail(request, pk):
    org = get_object_or_404(organizations_for(request.user), pk=pk)
    form = CancelForm() if is_grassroots_staff(request.user) and org.status == "registered" else None
    if form is not None and request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                services.cancel_organization(
                    actor=request.user, org=org, cancelled_on=form.cleaned_data["cancelled_on"]
                )
            except ValidationError as exc:
                messages.error(request, "注销失败：" + _errors(exc))
            else:
                messages.success(request, "已登记注销。")
            return redirect("grassroots:org_detail", org.pk)
    return render(request, "grassroots/org_detail.html", {"org": org, "form": form})


@reader_required
def council_list(request):
    f = CouncilFilter(
        request.GET, request=request, queryset=councils_for(request.user).order_by("town__code", "name")
    )
    return _list(request, "乡贤理事会", CouncilTable(f.qs), new_url="grassroots:council_create", filterset=f)


@staff_required
def council_create(request):
    form = CouncilForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["status"] == "registered":
                services.register_council(
                    actor=request.user,
                    credit_code=d["credit_code"],
                    registered_on=d["date"],
                    name=d["name"],
                    village=d["village"],
                )
            else:
                services.file_council(
                    actor=request.user, name=d["name"], village=d["village"], filed_on=d["date"]
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "乡贤理事会已登记。")
            return redirect("grassroots:council_list")
    return _form_page(request, form, "乡贤理事会备案或核名登记", "grassroots:council_list")


# ------------------------------------------------------------------ anti-gang: clues and publicity


@reader_required
def clue_list(request):
    readable = can_read_clues(request.user)
    table = _table(request, ClueTable(clues_for(request.user))) if readable else None
    return render(
        request,
        "grassroots/clue_list.html",
        {
            "title": "扫黑除恶线索排查",
            "table": table,
            "counts": clue_counts(request.user),
            "staff": is_grassroots_staff(request.user),
            "publicity": _table(request, PublicityTable(publicity_for(request.user), prefix="p-")),
            "publicity_total": publicity_for(request.user).aggregate(t=Sum("quantity"))["t"] or 0,
        },
    )


@staff_required
def clue_create(request):
    form = ClueFormForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_clue(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "线索排查表已登记。内容保密，仅股长和局长可查看。")
            return redirect("grassroots:clue_list")
    return _form_page(request, form, "登记线索排查表", "grassroots:clue_list")


@login_required
def clue_detail(request, pk):
    clue = get_object_or_404(clue_to_open(), pk=pk)
    services.open_clue(actor=request.user, clue=clue)  # refuses (403) all but the chief and the director
    form = ClueStatusForm(initial={"status": clue.status}) if is_grassroots_chief(request.user) else None
    return render(request, "grassroots/clue_detail.html", {"clue": clue, "form": form})


@chief_required
@require_POST
def clue_status(request, pk):
    clue = get_object_or_404(clues_for(request.user), pk=pk)
    form = ClueStatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("请选择跟进状态")
        services.set_clue_status(actor=request.user, clue=clue, status=form.cleaned_data["status"])
    except ValidationError as exc:
        messages.error(request, "变更失败：" + _errors(exc))
    else:
        messages.success(request, "跟进状态已变更。")
    return redirect("grassroots:clue_detail", clue.pk)


@staff_required
def publicity_create(request):
    form = PublicityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_publicity(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "宣传资料发放已登记。")
            return redirect("grassroots:clue_list")
    return _form_page(request, form, "登记宣传资料发放", "grassroots:clue_list")
