import datetime
import functools
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from civaffairs import jobs, kept
from civaffairs import payments as engine
from civaffairs import services as core_services
from civaffairs.context_processors import sees_assistance
from civaffairs.forms import apply_errors
from civaffairs.home import register_bureau_todo, register_panel
from civaffairs.job_views import refused
from civaffairs.models import ApprovalStatus, Case, Payroll, Person, Region, Request, Section
from civaffairs.money import format_money
from civaffairs.selectors import (
    account_changes_for,
    households_for,
    may_see_whole_numbers,
    payments_for,
    persons_for,
    regions_for,
    scope_of,
)
from civaffairs.spreadsheets import xlsx_response
from civaffairs.tables import paginate

from . import exports, services
from . import programs as P
from .filters import CaseFilter, RequestFilter, StandardFilter
from .forms import (
    CorrectionForm,
    DecisionForm,
    MemberChangeForm,
    NoticeForm,
    PayrollGenerateForm,
    PersonApplicationForm,
    ReviewForm,
    StandardForm,
    TerminationForm,
)
from .models import Procedure, Stage
from .selectors import (
    assistance_cases_for,
    assistance_payrolls_for,
    assistance_requests_for,
    deceased_in_cover,
    inbox_counts,
    is_assistance_chief,
    is_assistance_staff,
    pending_in_procedure,
    pending_ready,
    reviews_due,
    standards_of,
)
from .services import procedure as procedure_services
from .tables import CaseTable, PaymentLineTable, PayrollTable, RequestTable, StandardTable

PAGE_SIZE = 25


def section_staff_required(view):
    """Standards and payrolls are district work of 社会救助股: town caseworkers get 403."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_assistance_staff(request.user):
            raise PermissionDenied("只有社会救助股的工作人员可以办理此事项。")
        return view(request, *args, **kwargs)

    return wrapped


def _table(request, table):
    paginate(request, table, PAGE_SIZE)
    return table


def _decide(request, decide):
    """The one path behind every 批准/驳回 button: DecisionForm → service → message.
    Returns (approve, the service's result), or None after putting the reason in a message."""
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或驳回。")
        return None
    approve = form.cleaned_data["decision"] == "approve"
    try:
        return approve, decide(approve=approve, comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        messages.error(request, "审批失败：" + "；".join(exc.messages))
        return None


@register_panel
def home_panels(user):
    items = []
    if is_assistance_chief(user):
        c = inbox_counts(user)
        url = reverse("assistance:inbox")
        items += [
            {"label": "待审批新申请（审核确认各环节已完成）", "count": c["enrol"], "url": url},
            {
                "label": "办理中的新申请（审核确认环节未完成）",
                "count": c["in_procedure"],
                "url": url + "#in-procedure",
            },
            {"label": "待审批核减、增减人和复核", "count": c["changes"], "url": url},
            {"label": "待审批保障标准", "count": c["standards"], "url": url},
            {"label": "待审批发放名册", "count": c["monthly"], "url": url},
            {"label": "待审批提标补发", "count": c["backpay"], "url": url},
        ]
    elif user.has_perm("civaffairs.add_request") and sees_assistance(user):
        # A caseworker of 社会救助股 or of a town; the other sections' staff have to-dos of their own.
        due = reviews_due(user)
        today = datetime.date.today()
        cases = reverse("assistance:case_list")
        mine = assistance_requests_for(user).filter(submitted_by=user)
        items += [
            {
                "label": "有已死亡人员未核减",
                "count": deceased_in_cover(user),
                "url": f"{cases}?status=active&deceased=true",
            },
            {
                "label": "逾期未复核",
                "count": due["overdue"],
                "url": f"{cases}?status=active&review_due={today - datetime.timedelta(days=1)}",
            },
            {
                "label": "30天内到期复核",
                "count": due["due"],
                # Due from today on, as reviews_due counts them: not the overdue ones as well.
                "url": f"{cases}?status=active&review_from={today}"
                f"&review_due={today + datetime.timedelta(days=30)}",
            },
            {
                "label": "我提交待审批",
                "count": mine.filter(status=ApprovalStatus.PENDING).count(),
                "url": reverse("assistance:request_list") + "?status=pending",
            },
            {
                "label": "被驳回的申请",
                "count": mine.filter(status=ApprovalStatus.REJECTED).count(),
                "url": reverse("assistance:request_list") + "?status=rejected",
            },
        ]
    return items


@register_bureau_todo
def bureau_todos(user, today):
    """The director's desk: 社会救助股's approvals waiting (applications and changes, standards,
    payrolls) and its cases past their review date, each counted through the selector and the
    filter of the list it opens, so that the number is the number of rows listed."""
    if not user.has_perm("civaffairs.view_request") or not sees_assistance(user):
        return []
    pending = ApprovalStatus.PENDING
    yesterday = today - datetime.timedelta(days=1)
    return [
        {
            "section": Section.ASSISTANCE,
            "label": "待审批业务申请",
            "count": assistance_requests_for(user).filter(status=pending).count(),
            "url": reverse("assistance:request_list") + "?status=" + pending,
        },
        {
            "section": Section.ASSISTANCE,
            "label": "待审批保障标准",
            "count": standards_of(user).filter(status=pending).count(),
            "url": reverse("assistance:standard_list") + "?status=" + pending,
        },
        {
            "section": Section.ASSISTANCE,
            "label": "待审批发放名册",
            "count": assistance_payrolls_for(user).filter(status=pending).count(),
            "url": reverse("assistance:payroll_list") + "?status=" + pending,
        },
        {
            "section": Section.ASSISTANCE,
            "label": "逾期未复核",
            # As the case list's 复核到期（不晚于） filter reads it: a review date before today.
            "count": assistance_cases_for(user)
            .filter(status=Case.Status.ACTIVE, next_review__lte=yesterday)
            .count(),
            "url": f"{reverse('assistance:case_list')}?status=active&review_due={yesterday}",
        },
    ]


# ------------------------------------------------------------------ cases and applications


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def case_list(request):
    f = CaseFilter(request.GET, request=request, queryset=assistance_cases_for(request.user))
    table = _table(request, CaseTable(f.qs))
    return render(request, "civaffairs/list.html", {"filter": f, "table": table, "title": "救助对象"})


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def case_detail(request, pk):
    case = get_object_or_404(assistance_cases_for(request.user), pk=pk)
    # What was paid, and what a pending batch will pay (marked so); never a rejected or withdrawn one.
    payments = (
        payments_for(request.user)
        .live()
        .filter(case=case)
        .select_related("payroll")
        .order_by("-paid_month", "-month")
    )
    coverages = case.coverages.select_related("person").order_by("start_month", "id")
    can_submit = request.user.has_perm("civaffairs.add_request") and case.status == case.Status.ACTIVE
    return render(
        request,
        "assistance/case_detail.html",
        {
            "case": case,
            "payments": payments[:120],
            # 累计发放: approved lines only; a batch awaiting approval has paid nothing yet.
            "paid_total": engine.paid_total(payments),
            "coverages": coverages,
            "procedure": Procedure.objects.filter(case=case).first(),
            # Approved without an approval time: a ledger migrated by enrol_many (roster import).
            "migrated": case.approved_at is None and case.status in (case.Status.ACTIVE, case.Status.ENDED),
            "requests": case.requests.select_related("submitted_by", "decided_by"),
            "category_label": dict(P.CASE_CATEGORIES.get(case.program.code, [])).get(case.category, ""),
            "care_label": dict(P.CARE_LEVELS).get(case.care_level, ""),
            "termination_form": TerminationForm(auto_id="terminate_%s")
            if can_submit and case.program.cadence == "monthly"
            else None,
            "member_form": MemberChangeForm(case=case, auto_id="member_%s")
            if can_submit and case.household_id
            else None,
            "review_form": ReviewForm(household=case.household, auto_id="review_%s")
            if can_submit and case.program.code in (P.DIBAO, P.TEKUN)
            else None,
            "correction_form": CorrectionForm(items=engine.items_of(case), auto_id="correction_%s")
            if is_assistance_staff(request.user)
            and request.user.has_perm("civaffairs.add_payroll")
            and case.status != case.Status.PENDING
            and case.program.cadence == "monthly"  # 临时救助 is paid once, on approval: no payroll to correct
            else None,
        },
    )


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
@require_POST
def case_change(request, pk, what):
    case = get_object_or_404(assistance_cases_for(request.user), pk=pk)
    form = {"terminate": TerminationForm, "review": ReviewForm}.get(what)
    form = (
        MemberChangeForm(request.POST, case=case)
        if what == "member"
        else form(request.POST)
        if form
        else None
    )
    if form is None:
        raise PermissionDenied("未知的变更类型")
    if form.is_valid():
        d = form.cleaned_data
        try:
            if what == "terminate":
                label = "核减（终止）申请"
                services.submit_termination(
                    actor=request.user, case=case, effective_month=d["effective_month"], reason=d["reason"]
                )
            elif what == "review":
                label = "复核结论"
                services.submit_review(
                    actor=request.user,
                    case=case,
                    outcome=d["outcome"],
                    effective_month=d["effective_month"],
                    income_total=d.get("income_total"),
                    reason=d.get("reason", ""),
                )
            else:
                person = get_object_or_404(persons_for(request.user), pk=d["person"])
                label = f"{'增人' if d['change'] == 'add' else '减人'}申请（{person.name}）"
                services.submit_member_change(
                    actor=request.user,
                    case=case,
                    person=person,
                    add=d["change"] == "add",
                    effective_month=d["effective_month"],
                    reason=d.get("reason", ""),
                    income_total=d.get("income_total"),
                )
        except ValidationError as exc:
            messages.error(request, "提交失败：" + _named_errors(form, exc))
        else:
            messages.success(request, f"已提交{label}，等待社会救助股股长审批。")
    else:
        messages.error(request, "提交失败：" + _named_errors(form))
    return redirect("assistance:case_detail", case.pk)


def _named_errors(form, exc=None):
    """Each error after the label of its field (生效年月：这个字段是必填项。), so that a message
    above the page says which field is wrong and why."""
    if exc is not None and not hasattr(exc, "error_dict"):
        return "；".join(exc.messages)
    errors = exc.message_dict if exc is not None else form.errors
    return "；".join(
        f"{form.fields[k].label}：{' '.join(m.rstrip('。') for m in v)}"
        if k in form.fields
        else " ".join(m.rstrip("。") for m in v)
        for k, v in errors.items()
    )


@login_required
@permission_required("civaffairs.add_payroll", raise_exception=True)
@section_staff_required
@require_POST
def case_correction(request, pk):
    case = get_object_or_404(assistance_cases_for(request.user), pk=pk)
    form = CorrectionForm(request.POST, items=engine.items_of(case))
    if form.is_valid():
        d = form.cleaned_data
        try:
            payroll = engine.submit_correction(
                actor=request.user,
                case=case,
                month=d["month"],
                amount=d["amount"],
                reason=d["reason"],
                item=d["item"],
            )
        except ValidationError as exc:
            messages.error(request, "更正失败：" + "；".join(exc.messages))
        else:
            messages.success(request, f"已提交更正 {format_money(payroll.total)} 元，待股长审批。")
            return redirect("assistance:payroll_detail", payroll.pk)
    else:
        messages.error(request, "更正失败：" + _named_errors(form))
    return redirect("assistance:case_detail", case.pk)


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
def apply_dibao(request):
    """A new household and the acceptance (受理) of its 低保 application in one step: the
    application then goes through the statutory procedure like every other."""
    from civaffairs.forms import MemberFormSet

    from .procedure_forms import NewHouseholdAcceptForm

    form = NewHouseholdAcceptForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial={"received_on": procedure_services.today()},
    )
    formset = MemberFormSet(request.POST or None, prefix="m")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = form.cleaned_data
        data = form.household_data(formset)
        try:
            procedure = procedure_services.accept_new_household(
                actor=request.user,
                **data,
                received_on=d["received_on"],
                materials=dict.fromkeys(d["materials"], True),
                scans=form.scans(),
                category=d["category"],
                reason=d["reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            who = f"{procedure.case.household.head.name}户（{len(data['members']) + 1}人）"
            if procedure.stage == Stage.INCOMPLETE:
                messages.warning(request, f"已登记{who}的低保申请，材料不全：{procedure.missing_notice}")
            else:
                messages.success(request, f"已受理{who}的低保申请，办理时限自受理之日起计算。")
            return redirect("assistance:procedure_detail", procedure.pk)
    return render(
        request,
        "assistance/apply_dibao.html",
        {"form": form, "formset": formset, "title": "受理低保申请（新家庭）", "submit_label": "受理"},
    )


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
def apply_household(request, household_pk):
    """An existing household's 低保 application is accepted through the procedure's one form."""
    household = get_object_or_404(households_for(request.user), pk=household_pk)
    return redirect("assistance:procedure_accept", P.DIBAO, household.pk)


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
def apply_person(request, person_pk):
    """特困 goes through the procedure (受理特困申请); the other person programs are applied for
    here, 急难型临时救助 with its 先行救助."""
    person = get_object_or_404(persons_for(request.user), pk=person_pk)
    if request.GET.get("program") == P.TEKUN:
        return redirect("assistance:procedure_accept", P.TEKUN, person.pk)
    form = PersonApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        application = dict(
            actor=request.user,
            person=person,
            start_month=d["start_month"],
            category=d["category"] or "",
            care_level=d["care_level"] or "",
            institution=d["institution"],
            amount=d["amount"],
            event_date=d["event_date"],
            flags=["mental"] if d["mental"] else [],
            reason=d["reason"],
        )
        try:
            if d["urgent"]:
                req = procedure_services.apply_urgent_relief(**application)
            else:
                req = services.submit_enrolment(program=d["program"], **application)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if d["urgent"]:
                messages.success(
                    request,
                    f"已提交{person.name}的急难型临时救助（先行救助），股长批准即发放；"
                    f"手续须在{procedure_services.URGENT_PAPERS_WORKDAYS}个工作日内补齐。",
                )
            else:
                messages.success(request, f"已提交{person.name}的{d['program'].name}申请，等待股长审批。")
            return redirect("assistance:request_detail", req.pk)
    return render(
        request,
        "civaffairs/form.html",
        {"form": form, "title": f"救助申请：{person.name}", "back": "person_list"},
    )


@login_required
@permission_required("civaffairs.view_request", raise_exception=True)
def request_list(request):
    f = RequestFilter(request.GET, request=request, queryset=assistance_requests_for(request.user))
    table = _table(request, RequestTable(f.qs))
    return render(request, "civaffairs/list.html", {"filter": f, "table": table, "title": "业务申请"})


@login_required
@permission_required("civaffairs.view_request", raise_exception=True)
def request_detail(request, pk):
    req = get_object_or_404(assistance_requests_for(request.user), pk=pk)
    covered = (
        Person.objects.filter(pk__in=req.data.get("covered") or []) if req.kind == Request.Kind.ENROL else []
    )
    can_decide = req.status == ApprovalStatus.PENDING and is_assistance_chief(request.user)
    pays, income, above = None, None, False
    if req.kind == Request.Kind.ENROL and req.case.program.cadence == "monthly":
        # What approving pays a month, from the engine's own rules and the standard in force.
        if req.case.household_id:
            raw = req.data.get("income")
            income = Decimal(raw) if raw is not None else req.case.household.income_per_capita
        pays = engine.preview_month(req.case, income=income, persons=len(covered) or 1)
        above = income is not None and any(std and income >= std.amount for _l, std, _n, _a in pays)
    member_income = _member_change_income(req)
    procedure = Procedure.objects.filter(request=req).first()
    review_income = None
    if req.kind == Request.Kind.REVIEW and req.data.get("income_total") is not None and req.case.household_id:
        persons = core_services.household_persons(req.case.household)
        total = Decimal(req.data["income_total"])
        review_income = {
            "total": total,
            "persons": persons,
            "per_capita": core_services.per_capita(total, persons),
        }
    return render(
        request,
        "assistance/request_detail.html",
        {
            "req": req,
            "pays": pays,
            "income": income,
            "income_above_standard": above,
            "outcome_label": dict(services.REVIEW_OUTCOMES).get(req.data.get("outcome"), ""),
            "case": req.case,
            "covered": covered,
            "form": DecisionForm() if can_decide else None,
            "own": req.submitted_by_id == request.user.pk,
            "member_income": member_income,
            "procedure": procedure,
            "review_checks": req.verification_checks.all() if req.kind == Request.Kind.REVIEW else [],
            "review_visits": req.home_visits.all() if req.kind == Request.Kind.REVIEW else [],
            "review_forms": _review_forms(request.user, req),
            "procedure_missing": procedure_services.missing_steps(procedure)
            if procedure is not None and req.status == ApprovalStatus.PENDING
            else [],
            "review_income": review_income,
            # A 低保 or 特困 application without a procedure: the steps it owes, or a migrated ledger.
            "procedure_owed": procedure_services.steps_owed_without_procedure(req)
            if procedure is None and req.kind == Request.Kind.ENROL and req.status == ApprovalStatus.PENDING
            else None,
            "migrated_ledger": procedure is None
            and req.kind == Request.Kind.ENROL
            and procedure_services.is_migrated(req),
        },
    )


def _review_forms(user, req):
    """A pending review's home visit and verification, for the town's caseworker to record."""
    from .procedure_forms import HomeVisitForm, VerificationForm

    if req.kind != Request.Kind.REVIEW or req.status != ApprovalStatus.PENDING:
        return []
    if not user.has_perm("civaffairs.add_request") or is_assistance_chief(user):
        return []
    today = datetime.date.today()
    return [
        ("verification", "复核：家庭经济状况核对", VerificationForm(initial={"checked_on": today})),
        ("visit", "复核：入户调查", HomeVisitForm(initial={"visited_on": today})),
    ]


def _member_change_income(req):
    """What a 增人/减人 does to the household's income, for the chief deciding it: the total stated
    with the change (变更后家庭月总收入) or the recorded one, and while it waits, the per-capita
    income it gives the persons covered after the change."""
    if req.kind not in (Request.Kind.ADD_MEMBER, Request.Kind.REMOVE_MEMBER) or not req.case.household_id:
        return None
    household = req.case.household
    stated = req.data.get("income_total")
    out = {"current": household.income_total, "stated": Decimal(stated) if stated is not None else None}
    if req.status == ApprovalStatus.PENDING:
        persons = core_services.household_persons(household)
        persons += 1 if req.kind == Request.Kind.ADD_MEMBER else -1
        total = out["stated"] if out["stated"] is not None else household.income_total
        out["persons"] = max(persons, 1)
        out["per_capita"] = core_services.per_capita(total, out["persons"])
    return out


@login_required
@permission_required("civaffairs.approve_case", raise_exception=True)
@require_POST
def request_decide(request, pk):
    req = get_object_or_404(assistance_requests_for(request.user), pk=pk)
    outcome = _decide(request, lambda **kw: services.decide_request(actor=request.user, request=req, **kw))
    if outcome is None:
        return redirect("assistance:request_detail", req.pk)
    approve, _ = outcome
    messages.success(request, f"已{'批准' if approve else '驳回'}：{req}")
    return redirect("assistance:inbox")


# ------------------------------------------------------------------ inbox


@login_required
@permission_required("civaffairs.view_request", raise_exception=True)
def inbox(request):
    user = request.user
    today = procedure_services.today()
    pending_requests = pending_ready(user, today).order_by("submitted_at")
    # Applications still going through the procedure: listed apart, with the step they are at.
    in_procedure = [
        _procedure_row(r, today)
        for r in pending_in_procedure(user, today)
        .select_related("case__program", "case__town", "case__household__head", "case__person", "procedure")
        .order_by("submitted_at")[:200]
    ]
    pending_standards = standards_of(user).filter(status=ApprovalStatus.PENDING).select_related("program")
    pending_payrolls = assistance_payrolls_for(user).filter(status=ApprovalStatus.PENDING)
    return render(
        request,
        "assistance/inbox.html",
        {
            "requests": _table(request, RequestTable(pending_requests, prefix="r-")),
            "standards": pending_standards,
            "payrolls": pending_payrolls,
            "is_chief": is_assistance_chief(user),
            "counts": inbox_counts(user, today),
            "in_procedure": in_procedure,
            # Decided on their own page; counted here so that the inbox shows all that waits.
            "account_changes": account_changes_for(user).filter(status=ApprovalStatus.PENDING).count(),
        },
    )


def _procedure_row(req, today):
    """An application in the procedure as the inbox lists it: its current step, the step's
    deadline and whether it is past it (逾期), or — without a procedure — the 受理 it lacks."""
    procedure = getattr(req, "procedure", None)
    if procedure is None:
        return {"req": req, "procedure": None, "step": "未受理（须经审核确认程序受理）", "due": None}
    step = procedure.get_stage_display()
    if procedure.stage == Stage.NOTICE:
        step = "公示（未满7天）"
    return {
        "req": req,
        "procedure": procedure,
        "step": step,
        "due": procedure.due_on,
        "overdue": procedure.due_on is not None and procedure.due_on < today,
    }


# ------------------------------------------------------------------ standards


@login_required
@permission_required("civaffairs.view_standard", raise_exception=True)
def standard_list(request):
    qs = standards_of(request.user).order_by("program__order", "category", "-effective_from")
    f = StandardFilter(request.GET, request=request, queryset=qs)
    table = _table(request, StandardTable(f.qs))
    can_draft = request.user.has_perm("civaffairs.add_standard") and is_assistance_staff(request.user)
    return render(
        request,
        "civaffairs/list.html",
        {
            "filter": f,
            "table": table,
            "title": "保障标准",
            "new_url": "assistance:standard_create" if can_draft else None,
        },
    )


@login_required
@permission_required("civaffairs.add_standard", raise_exception=True)
@section_staff_required
def standard_create(request):
    form = StandardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        code, category = d["key"].split(":")
        try:
            s = engine.draft_standard(
                actor=request.user,
                program=code,
                category=category,
                amount=d["amount"],
                effective_from=d["effective_from"],
                document=d["document"],
                subsidy_level=d["subsidy_level"],
                note=d["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "标准已提交，等待股长审批；批准前发放仍按现行标准。")
            return redirect("assistance:standard_detail", s.pk)
    return render(
        request,
        "civaffairs/form.html",
        {"form": form, "title": "拟定保障标准", "back": "assistance:standard_list"},
    )


@login_required
@permission_required("civaffairs.view_standard", raise_exception=True)
def standard_detail(request, pk):
    s = get_object_or_404(standards_of(request.user).select_related("program"), pk=pk)
    versions = (
        standards_of(request.user).filter(program=s.program, category=s.category).order_by("-effective_from")
    )
    batches = (
        assistance_payrolls_for(request.user).filter(standard=s, kind=Payroll.Kind.BACKPAY).order_by("-id")
    )
    can_decide = (
        s.status == ApprovalStatus.PENDING
        and request.user.has_perm("civaffairs.approve_standard")
        and scope_of(request.user)
        and scope_of(request.user).section == s.program.section
    )
    # The whole district's back-pay: computed for the one who decides, by a background job.
    preview = jobs.latest_preview(s) if can_decide else None
    can_regenerate = (
        s.status == ApprovalStatus.APPROVED
        and request.user.has_perm("civaffairs.add_payroll")
        and is_assistance_staff(request.user)
        and not batches.filter(status=ApprovalStatus.PENDING).exists()
    )
    return render(
        request,
        "assistance/standard_detail.html",
        {
            "s": s,
            "label": P.CATEGORY_LABELS.get((s.program.code, s.category)),
            "versions": versions,
            "batches": batches,
            "can_regenerate": can_regenerate,
            "preview": preview,
            "form": DecisionForm() if can_decide else None,
            "own": s.drafted_by_id == request.user.pk,
            "recent_jobs": jobs.recent(request.user, standard=s),
        },
    )


@login_required
@permission_required("civaffairs.approve_standard", raise_exception=True)
@require_POST
def standard_preview(request, pk):
    """计算应补发金额 of a pending standard, for its chief: a background job."""
    s = get_object_or_404(standards_of(request.user).select_related("program"), pk=pk)
    scope = scope_of(request.user)
    if s.status != ApprovalStatus.PENDING or not (scope and scope.section == s.program.section):
        raise PermissionDenied("只有本股股长可以为待审批的标准计算应补发金额。")
    back = reverse("assistance:standard_detail", args=[s.pk])
    try:
        job = jobs.start_backpay_preview(actor=request.user, standard=s, back="assistance:standard_detail")
    except ValidationError as exc:
        return refused(request, exc, "计算失败：", back)
    return redirect("job_detail", job.pk)


@login_required
@permission_required("civaffairs.add_payroll", raise_exception=True)
@section_staff_required
@require_POST
def standard_backpay(request, pk):
    """生成补发: a background job; the request answers at once with the job's page."""
    s = get_object_or_404(standards_of(request.user).select_related("program"), pk=pk)
    try:
        job = jobs.start_backpay(
            actor=request.user,
            standard=s,
            result="assistance:payroll_detail",
            back="assistance:standard_detail",
        )
    except (ValidationError, PermissionDenied) as exc:
        return refused(request, exc, "计算失败：", reverse("assistance:standard_detail", args=[s.pk]))
    return redirect("job_detail", job.pk)


@login_required
@permission_required("civaffairs.approve_standard", raise_exception=True)
@require_POST
def standard_decide(request, pk):
    s = get_object_or_404(standards_of(request.user), pk=pk)
    outcome = _decide(request, lambda **kw: engine.decide_standard(actor=request.user, standard=s, **kw))
    if outcome is None:
        return redirect("assistance:standard_detail", s.pk)
    approve, _ = outcome
    if approve and s.effective_from <= (
        engine.last_paid_month(s.program) or s.effective_from.replace(year=1)
    ):
        messages.success(
            request, "标准已批准。已发放月份应补发提标差额，由社会救助股经办人生成补发名册后报审。"
        )
    else:
        messages.success(request, "标准已批准。" if approve else "标准已驳回。")
    return redirect("assistance:standard_detail", s.pk)


# ------------------------------------------------------------------ payrolls


@login_required
@permission_required("civaffairs.view_payroll", raise_exception=True)
def payroll_list(request):
    qs = assistance_payrolls_for(request.user)
    kind = request.GET.get("kind")
    if kind in dict(Payroll.Kind.choices):
        qs = qs.filter(kind=kind)
    # The director's desk opens the payrolls waiting for approval here (?status=pending).
    status = request.GET.get("status")
    if status in ApprovalStatus.values:
        qs = qs.filter(status=status)
    table = _table(request, PayrollTable(qs))
    can_generate = request.user.has_perm("civaffairs.add_payroll") and is_assistance_staff(request.user)
    return render(
        request,
        "assistance/payroll_list.html",
        {
            "table": table,
            "title": "发放名册"
            + (f"（{ApprovalStatus(status).label}）" if status in ApprovalStatus.values else ""),
            "form": PayrollGenerateForm() if can_generate else None,
            "recent_jobs": jobs.recent(request.user, kind="payroll", program__section=Section.ASSISTANCE),
        },
    )


@login_required
@permission_required("civaffairs.add_payroll", raise_exception=True)
@section_staff_required
@require_POST
def payroll_generate(request):
    form = PayrollGenerateForm(request.POST)
    if form.is_valid():
        # A background job: the request answers at once with the job's page.
        try:
            job = jobs.start_payroll(
                actor=request.user,
                program=form.cleaned_data["program"],
                month=form.cleaned_data["month"],
                result="assistance:payroll_detail",
            )
        except (ValidationError, PermissionDenied) as exc:
            return refused(request, exc, "生成失败：", reverse("assistance:payroll_list"))
        return redirect("job_detail", job.pk)
    else:
        messages.error(request, "生成失败：" + _named_errors(form))
    return redirect("assistance:payroll_list")


@login_required
@permission_required("civaffairs.view_payroll", raise_exception=True)
def payroll_detail(request, pk):
    payroll = get_object_or_404(assistance_payrolls_for(request.user), pk=pk)
    # By town, case and month, read from the payroll's own index (towns are numbered in the
    # order of their codes): sorting by the town's code joined the regions first and took 15 s
    # for one page of a province's 380,400-line payroll.
    lines = payments_for(request.user).filter(payroll=payroll).order_by("town_id", "case_id", "month")
    table = _table(request, PaymentLineTable(lines))
    can_decide = (
        payroll.status == ApprovalStatus.PENDING
        and request.user.has_perm("civaffairs.approve_payroll")
        and scope_of(request.user)
        and scope_of(request.user).section == payroll.program.section
    )
    by_town = kept.rows(lines.values("town__name").annotate(total=Sum("amount")).order_by("town__code"))
    large_export = jobs.is_large_export(payroll)
    return render(
        request,
        "assistance/payroll_detail.html",
        {
            "payroll": payroll,
            "table": table,
            "by_town": by_town,
            "form": DecisionForm() if can_decide else None,
            "own": payroll.created_by_id == request.user.pk,
            "can_withdraw": payroll.status == ApprovalStatus.PENDING
            and payroll.created_by_id == request.user.pk,
            "large_export": large_export,
            # The user's exports of this payroll (written by jobs when it is large).
            "recent_jobs": jobs.recent(request.user, kind="export", params__payroll=payroll.pk)
            if large_export
            else [],
        },
    )


@login_required
@permission_required("civaffairs.add_payroll", raise_exception=True)
@require_POST
def payroll_withdraw(request, pk):
    payroll = get_object_or_404(assistance_payrolls_for(request.user), pk=pk)
    try:
        engine.withdraw_payroll(actor=request.user, payroll=payroll, comment=request.POST.get("comment", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "撤回失败：" + "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "名册已撤回，该月可重新生成。")
    return redirect("assistance:payroll_detail", payroll.pk)


@login_required
@permission_required("civaffairs.approve_payroll", raise_exception=True)
@require_POST
def payroll_decide(request, pk):
    payroll = get_object_or_404(assistance_payrolls_for(request.user), pk=pk)
    outcome = _decide(request, lambda **kw: engine.decide_payroll(actor=request.user, payroll=payroll, **kw))
    if outcome is not None:
        approve, _ = outcome
        if approve:
            messages.success(request, "名册已批准并锁定。")
        elif payroll.kind == Payroll.Kind.MONTHLY:
            messages.success(request, "名册已退回，该月可重新生成。")
        elif payroll.kind == Payroll.Kind.BACKPAY:
            messages.success(request, "补发已退回，可在标准页面“重新计算补发”。")
        else:
            messages.success(request, "更正已退回。")
    return redirect("assistance:payroll_detail", payroll.pk)


@login_required
@permission_required("civaffairs.view_payroll", raise_exception=True)
def payroll_export(request, pk):
    payroll = get_object_or_404(assistance_payrolls_for(request.user), pk=pk)
    full = may_see_whole_numbers(request.user) and request.GET.get("full") == "1"
    if payroll.status == ApprovalStatus.APPROVED and jobs.is_large_export(payroll):
        # A city's month (4.3 s in the request at ×10): written by a background job.
        try:
            job = jobs.start_bank_file(
                actor=request.user, payroll=payroll, full_ids=full, back="assistance:payroll_detail"
            )
        except (ValidationError, PermissionDenied) as exc:
            return refused(
                request, exc, "导出失败：", reverse("assistance:payroll_detail", args=[payroll.pk])
            )
        return redirect("job_detail", job.pk)
    # A town caseworker exports the town's lines only; the total is of the rows exported.
    lines = payments_for(request.user).filter(payroll=payroll)
    data, count, filename = exports.bank_file(payroll, lines, full_ids=full)  # approved ones only
    core_services.record_export(actor=request.user, what=f"{payroll}（银行代发）", rows=count, full_ids=full)
    return xlsx_response(data, filename, fallback=f"payroll-{payroll.pk}.xlsx")


# ------------------------------------------------------------------ public notice


def _notice_villages(user):
    return regions_for(user).filter(level=Region.Level.VILLAGE).order_by("code")


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def notice(request):
    form = NoticeForm(request.GET or None, villages=_notice_villages(request.user))
    rows = None
    if form.is_valid():
        village, month = form.cleaned_data["village"], form.cleaned_data["month"]
        rows = list(exports.notice_rows(village, month, request.user))
        fmt = request.GET.get("format")
        title = f"{village.full_name}{month:%Y年%m月}最低生活保障对象公示"
        if fmt in ("pdf", "xlsx"):
            core_services.record_export(actor=request.user, what=title, rows=len(rows))
        if fmt == "xlsx":
            data, filename = exports.notice_file(title, rows)
            return xlsx_response(data, filename, fallback="notice.xlsx")
        if fmt == "pdf":
            from weasyprint import HTML

            html = render_to_string(
                "assistance/notice_print.html",
                {
                    "title": title,
                    "rows": rows,
                    "headers": exports.NOTICE_HEADERS,
                },
            )
            response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
            response["Content-Disposition"] = "inline; filename*=UTF-8''notice.pdf"
            return response
    return render(
        request,
        "assistance/notice.html",
        {"form": form, "rows": rows, "headers": exports.NOTICE_HEADERS, "query": request.GET.urlencode()},
    )
