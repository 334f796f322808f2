"""Pages of the 低保 / 特困 procedure: the application's timeline with each step's due date and
status, the form of the step now owed for the role that owns it, the notice and the refusal as
PDF, scans downloaded through an audited view, the monthly spot check and the relatives register.
Every read is scoped through assistance/selectors.py; every write is a service call."""

import datetime
import functools
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from civaffairs import audit
from civaffairs.home import register_panel
from civaffairs.idnumber import mask_name
from civaffairs.selectors import households_for, persons_for

from . import procedure_forms as F
from . import programs as P
from .models import Attachment, RelativeRecord, SpotCheck, Stage
from .selectors import is_assistance_chief, procedures_for
from .services import procedure as proc


def _pdf(html, filename):
    from weasyprint import HTML

    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    return response


def _errors(request, exc_or_form):
    if isinstance(exc_or_form, ValidationError):
        text = "；".join(exc_or_form.messages)
    else:
        text = "；".join(
            (f"{exc_or_form.fields[f].label}：" if f in exc_or_form.fields else "") + m
            for f, ms in exc_or_form.errors.items()
            for m in ms
        )
    messages.error(request, "未保存：" + text)


def may_do(user, procedure):
    """The steps of this procedure the user may record now, by role."""
    stage = procedure.stage
    out = set()
    if user.has_perm("civaffairs.add_request") and not is_assistance_chief(user):
        out |= {
            Stage.INCOMPLETE: {"materials"},
            Stage.VERIFICATION: {"verification", "extend_town"},
            Stage.VISIT: {"visit", "extend_town", "recheck"},
            Stage.APPRAISAL: {"appraisal", "extend_town", "recheck"},
            Stage.TOWN_REVIEW: {"extend_town", "recheck"},
            Stage.NOTICE: {"objection"},
            Stage.PAPERS: {"papers"},
        }.get(stage, set())
        out.add("scan")
    if user.has_perm("assistance.review_procedure") and stage == Stage.TOWN_REVIEW:
        out |= {"town_review", "extend_town"}
    if is_assistance_chief(user):
        if stage == Stage.DISTRICT:
            out |= {"notice", "extend_district"}
        if stage in (Stage.DISTRICT, Stage.NOTICE) and procedure.sampled:
            if not procedure.case.home_visits.filter(district=True).exists():
                out.add("district_visit")
        if stage == Stage.NOTICE:
            out |= {"objection", "extend_district"}
    return out


# In the order the page shows them: the step owed first, then re-checks and extensions.
STEP_FORMS = {
    "materials": (F.MaterialsForm, "补齐材料，正式受理"),
    "scan": (None, "上传扫描件"),
    "verification": (F.VerificationForm, "家庭经济状况核对"),
    "visit": (F.HomeVisitForm, "入户调查（家庭经济状况核查表）"),
    "appraisal": (F.AppraisalForm, "民主评议"),
    "town_review": (F.TownReviewForm, "镇审核意见"),
    "district_visit": (F.HomeVisitForm, "区级抽查入户核查"),
    "notice": (F.NoticeStartForm, "发布公示（不少于7天）"),
    "objection": (F.ObjectionForm, "登记公示异议"),
    "papers": (F.MaterialsForm, "补齐临时救助手续"),
    "recheck": (F.VerificationForm, "复查（申请人对核对结果有异议）"),
    "extend_town": (F.ReasonForm, "延长镇审核期限（15个工作日，限一次）"),
    "extend_district": (F.ReasonForm, "延长区审批期限（10个工作日，限一次）"),
}


# A service error's key → the field of the step's form it is shown under.
FORM_FIELD = {"investigators": "investigator_2"}


def _call(step, request, procedure, form):
    user, d, case = request.user, form.cleaned_data if form else {}, procedure.case
    if step == "materials":
        proc.complete_materials(
            actor=user,
            procedure=procedure,
            on=d["on"],
            materials=dict.fromkeys(d["materials"], True),
            scans=form.scans(),
        )
    elif step == "papers":
        proc.complete_papers(
            actor=user,
            procedure=procedure,
            on=d["on"],
            materials=dict.fromkeys(d["materials"], True),
            scans=form.scans(),
        )
    elif step in ("verification", "recheck"):
        proc.record_verification(
            actor=user, case=case, checks=form.checks(), recheck=step == "recheck" or d["recheck"]
        )
    elif step in ("visit", "district_visit"):
        proc.record_home_visit(
            actor=user,
            case=case,
            visited_on=d["visited_on"],
            investigators=form.investigators(),
            income=form.income(),
            property=d["property"],
            living=d["living"],
            applicant_signed=d["applicant_signed"],
            signature=d.get("signature"),
            district=step == "district_visit",
        )
    elif step == "appraisal":
        proc.record_appraisal(actor=user, case=case, **d)
    elif step == "extend_town":
        proc.extend_town_review(actor=user, procedure=procedure, reason=d["reason"])
    elif step == "extend_district":
        proc.extend_district(actor=user, procedure=procedure, reason=d["reason"])
    elif step == "town_review":
        proc.town_review(
            actor=user, procedure=procedure, opinion=d["opinion"], recommends=d["recommends"] == "yes"
        )
    elif step == "notice":
        proc.start_notice(actor=user, procedure=procedure, starts_on=d["starts_on"], ends_on=d["ends_on"])
    elif step == "objection":
        proc.record_objection(actor=user, procedure=procedure, **d)


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def procedure_list(request):
    qs = procedures_for(request.user).select_related(
        "case__program", "case__household__head", "case__person", "case__town"
    )
    stage, due = request.GET.get("stage", ""), request.GET.get("due", "")
    today = proc.today()
    if stage in Stage.values:
        qs = qs.filter(stage=stage)
    mine = proc.owner_filter(request.user)
    if due in ("overdue", "soon") and mine is not None:
        qs = qs.filter(mine)
        if due == "overdue":
            qs = qs.filter(due_on__lt=today)
        else:
            qs = qs.filter(due_on__gte=today, due_on__lte=proc.add_workdays(today, proc.DUE_SOON_WORKDAYS))
    qs, counted = _figure_scope(request.GET, qs)
    return render(
        request,
        "assistance/procedure_list.html",
        {
            "rows": qs[:500],
            "count": qs.count(),
            "counted": counted,
            "stages": Stage.choices,
            "stage": stage,
            "today": today,
            "due": due,
        },
    )


def _figure_scope(query, qs):
    """The summary's procedure figures link here (assistance/procedure_figures.py) with the dates
    they count: accepted or decided in a range of days, open and past the deadline on a day, in a
    town. Returns the narrowed queryset and the Chinese words for what was narrowed."""

    def day(name):
        try:
            return datetime.date.fromisoformat(query.get(name, ""))
        except ValueError:
            return None

    words = []
    for field, label in (("accepted_on", "受理"), ("decided_on", "作出决定")):
        since, until = day(f"{field.split('_')[0]}_from"), day(f"{field.split('_')[0]}_to")
        if since:
            qs = qs.filter(**{f"{field}__gte": since})
        if until:
            qs = qs.filter(**{f"{field}__lte": until})
        if since or until:
            words.append(f"{since or ''}至{until or ''}{label}")
    overdue_on = day("overdue_on")
    if overdue_on:
        qs = qs.filter(
            Q(due_on__lt=overdue_on, accepted_on__lte=overdue_on)
            & (Q(decided_on__isnull=True) | Q(decided_on__gt=overdue_on))
        )
        words.append(f"{overdue_on}仍未办结且已逾期")
    town = query.get("town", "")
    if town.isdigit():
        qs = qs.filter(case__town_id=int(town))
        words.append("所选镇")
    return qs, "，".join(words)


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
def procedure_accept(request, program, pk):
    if program == P.DIBAO:
        subject = get_object_or_404(households_for(request.user), pk=pk)
        kwargs = {"household": subject}
    elif program == P.TEKUN:
        subject = get_object_or_404(persons_for(request.user), pk=pk)
        kwargs = {"person": subject}
    else:
        raise Http404
    form = F.AcceptForm(
        request.POST or None,
        request.FILES or None,
        program=program,
        household=kwargs.get("household"),
        initial={"received_on": proc.today()},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        extra = {"category": d["category"], "reason": d["reason"]}
        if program == P.DIBAO:
            extra["covered"] = list(persons_for(request.user).filter(pk__in=d["covered"]))
            extra["income"] = d["income"]
        else:
            extra["care_level"] = d["care_level"]
            extra["institution"] = d["institution"]
        try:
            procedure = proc.accept_application(
                actor=request.user,
                program=program,
                received_on=d["received_on"],
                materials=dict.fromkeys(d["materials"], True),
                scans=form.scans(),
                **kwargs,
                **extra,
            )
        except ValidationError as exc:
            from civaffairs.forms import apply_errors

            apply_errors(form, exc)
        else:
            if procedure.stage == Stage.INCOMPLETE:
                messages.warning(request, "已登记，材料不全：" + procedure.missing_notice)
            else:
                messages.success(request, "已受理，办理时限自受理之日起计算。")
            return redirect("assistance:procedure_detail", procedure.pk)
    title = f"受理{'低保' if program == P.DIBAO else '特困人员供养'}申请：{subject}"
    return render(request, "civaffairs/form.html", {"form": form, "title": title})


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def procedure_detail(request, pk):
    procedure = get_object_or_404(
        procedures_for(request.user).select_related("case__program", "request"), pk=pk
    )
    return _detail(request, procedure)


def _detail(request, procedure, bound=None, status=200):
    """The application's page; `bound` is (step, form) of a step refused, shown with what was
    typed and each error under its field, in place of that step's empty form."""
    case = procedure.case
    allowed = may_do(request.user, procedure)
    today = proc.today()
    forms = [
        (
            step,
            label,
            bound[1] if bound and bound[0] == step else cls(initial=_initial(step, procedure, today)),
        )
        for step, (cls, label) in STEP_FORMS.items()
        if step in allowed and cls is not None
    ]
    return render(
        request,
        "assistance/procedure_detail.html",
        {
            "p": procedure,
            "case": case,
            "timeline": proc.timeline(procedure, today),
            "missing": proc.missing_steps(procedure, today) if procedure.stage in proc.OPEN_STAGES else [],
            "forms": forms,
            "may_scan": "scan" in allowed,
            "scan_kinds": Attachment.Kind.choices,
            "checks": case.verification_checks.filter(review__isnull=True),
            "visits": case.home_visits.filter(review__isnull=True),
            "appraisals": case.appraisals.all(),
            "notices": case.notices.prefetch_related("objections"),
            "attachments": case.attachments.defer("data"),
            "materials": [(label, procedure.materials.get(key)) for key, label in proc.MATERIALS],
            "town_due": proc.town_due(procedure),
            "district_due": proc.district_due(procedure),
            "is_chief": is_assistance_chief(request.user),
        },
        status=status,
    )


def _initial(step, procedure, today):
    if step in ("verification", "recheck"):
        return {"checked_on": today}
    if step in ("visit", "district_visit"):
        return {"visited_on": today}
    if step == "appraisal":
        return {"held_on": today}
    if step in ("materials", "papers"):
        # What was received already stays ticked: only what the 一次性告知 asked for is added.
        return {"on": today, "materials": [k for k, _ in proc.MATERIALS if procedure.materials.get(k)]}
    if step == "notice":
        return {
            "starts_on": today,
            "ends_on": today + datetime.timedelta(days=proc.NOTICE_MIN_DAYS - 1),
            "amount": proc.proposed_amount(procedure),
        }
    if step == "objection":
        return {"received_on": today, "reopens": True}
    return {}


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
@require_POST
def procedure_step(request, pk, step):
    procedure = get_object_or_404(procedures_for(request.user), pk=pk)
    if step not in STEP_FORMS:
        raise Http404
    if step not in may_do(request.user, procedure):
        raise PermissionDenied("您的角色不能办理该环节，或该申请当前不在该环节。")
    cls, label = STEP_FORMS[step]
    try:
        if step == "scan":
            kind, file = request.POST.get("kind", ""), request.FILES.get("file")
            if file is None:
                raise ValidationError("请选择要上传的文件")
            proc.upload_scan(actor=request.user, case=procedure.case, kind=kind, file=file)
        else:
            form = cls(request.POST, request.FILES)
            if not form.is_valid():
                _errors(request, form)
                return _detail(request, procedure, (step, form), status=400)
            try:
                _call(step, request, procedure, form)
            except ValidationError as exc:
                # What was typed stays in the form, each service error under its field.
                from civaffairs.forms import apply_errors

                _errors(request, exc)
                if hasattr(exc, "error_dict"):
                    # The service's names for what the form asks in several fields.
                    exc = ValidationError({FORM_FIELD.get(k, k): v for k, v in exc.error_dict.items()})
                apply_errors(form, exc)
                procedure.refresh_from_db()
                return _detail(request, procedure, (step, form), status=400)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"已保存：{label}")
    return redirect("assistance:procedure_detail", procedure.pk)


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def attachment_download(request, pk):
    attachment = get_object_or_404(
        Attachment.objects.filter(case__in=procedures_for(request.user).values("case")), pk=pk
    )
    audit.record(
        request.user,
        "procedure.download",
        attachment.case,
        {"attachment": attachment.pk, "name": attachment.name},
    )
    response = HttpResponse(bytes(attachment.data), content_type=attachment.content_type)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + _quote(attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(name):
    from urllib.parse import quote

    return quote(name)


def _notice_context(procedure):
    case = procedure.case
    notice = case.notices.order_by("-starts_on").first()
    if notice is None:
        raise Http404
    persons = case.coverages.count()
    head = case.household.head.name if case.household_id else case.person.name
    income = case.household.income_per_capita if case.household_id else None
    raw = procedure.request.data.get("income")
    return {
        "title": f"{notice.village.full_name}{case.program.name}拟批准对象公示",
        "notice": notice,
        "head": mask_name(head),
        "persons": persons,
        "income": raw if raw is not None else income,
        "amount": notice.amount,
        "program": case.program.name,
    }


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def procedure_notice_pdf(request, pk):
    procedure = get_object_or_404(
        procedures_for(request.user).select_related("case__program", "request"), pk=pk
    )
    context = _notice_context(procedure)
    audit.record(
        request.user,
        "export",
        None,
        {"what": context["title"], "rows": 1},
        object_type="export",
        object_repr=context["title"],
    )
    return _pdf(render_to_string("assistance/procedure_notice_print.html", context), "notice.pdf")


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def procedure_refusal_pdf(request, pk):
    procedure = get_object_or_404(
        procedures_for(request.user).select_related("case__program", "request"), pk=pk
    )
    if procedure.stage != Stage.REFUSED:
        raise Http404
    case = procedure.case
    title = "不予批准通知书"
    context = {
        "title": title,
        "name": case.subject_name,
        "program": case.program.name,
        "received_on": procedure.received_on,
        "decided_on": procedure.decided_on,
        "reasons": procedure.refusal_reasons,
        "number": f"云安民救〔{procedure.decided_on:%Y}〕{procedure.pk}号",
    }
    audit.record(
        request.user,
        "export",
        None,
        {"what": f"{title}（{case}）", "rows": 1},
        object_type="export",
        object_repr=title,
    )
    return _pdf(render_to_string("assistance/procedure_refusal_print.html", context), "refusal.pdf")


def _check_assistance_reader(user):
    """社会救助's registers: not for another section's staff."""
    from civaffairs.models import Section
    from civaffairs.selectors import user_sections

    sections = user_sections(user)
    if sections is not None and Section.ASSISTANCE not in sections:
        raise PermissionDenied("这是社会救助股的业务。")


def chief_required(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_assistance_chief(request.user):
            raise PermissionDenied("只有社会救助股股长可以办理区级抽查。")
        return view(request, *args, **kwargs)

    return wrapped


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def spot_checks(request):
    from civaffairs.selectors import user_town

    _check_assistance_reader(request.user)
    if user_town(request.user) is not None:
        # The district's draws list applications of every town: district-wide readers only.
        raise PermissionDenied("区级抽查由区民政局办理，镇级账号不能查看。")
    form = F.SpotCheckForm(request.POST or None, initial={"month": f"{proc.today():%Y-%m}"})
    if request.method == "POST":
        if not is_assistance_chief(request.user):
            raise PermissionDenied("只有社会救助股股长可以抽取抽查样本。")
        if form.is_valid():
            # A typed seed is kept beside the server's randomness (recorded whole, so anyone
            # re-draws): a seed the chief chose alone would let them choose the sample.
            typed = form.cleaned_data["seed"].strip()[:47]
            seed = f"{typed}-{secrets.token_hex(8)}" if typed else None
            try:
                check = proc.draw_spot_check(actor=request.user, month=form.cleaned_data["month"], seed=seed)
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(
                    request,
                    f"已抽取：{len(check.population)}件中随机抽中{len(check.drawn)}件，近亲属备案{len(check.relatives)}件（种子 {check.seed}）",
                )
                return redirect("assistance:spot_checks")
    checks = SpotCheck.objects.all()[:50]
    rows = [
        {
            "check": c,
            "sampled": len(set(c.drawn) | set(c.relatives)),
            "rate": f"{len(set(c.drawn) | set(c.relatives)) / len(c.population):.0%}"
            if c.population
            else "—",
            "reproduced": proc.redraw(c) == c.drawn,
        }
        for c in checks
    ]
    return render(
        request,
        "assistance/spot_checks.html",
        {"form": form if is_assistance_chief(request.user) else None, "rows": rows},
    )


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def relatives(request):
    _check_assistance_reader(request.user)
    may_add = request.user.has_perm("civaffairs.add_request") or is_assistance_chief(request.user)
    form = F.RelativeForm(request.POST or None)
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            person = persons_for(request.user).filter(id_number=d["id_number"].strip().upper()).first()
            if person is None:
                form.add_error("id_number", "在您的范围内没有该身份证号的人员，请先登记人员")
            else:
                try:
                    proc.register_relative(
                        actor=request.user,
                        person=person,
                        official_name=d["official_name"],
                        official_role=d["official_role"],
                        relation=d["relation"],
                    )
                except ValidationError as exc:
                    _errors(request, exc)
                else:
                    messages.success(request, f"已备案：{person.name}")
                    return redirect("assistance:relatives")
    rows = RelativeRecord.objects.filter(person__in=persons_for(request.user)).select_related("person")[:500]
    return render(request, "assistance/relatives.html", {"form": form if may_add else None, "rows": rows})


@register_panel
def procedure_panels(user):
    counts = proc.due_counts(user)
    if counts is None:
        return []
    url = reverse("assistance:procedure_list")
    return [
        {"label": "审核确认：逾期环节", "count": counts["overdue"], "url": f"{url}?due=overdue"},
        {"label": "审核确认：3个工作日内到期", "count": counts["soon"], "url": f"{url}?due=soon"},
    ]


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
def verification_import(request):
    """导入核对中心反馈 (XLSX through the one import pipeline); ?template=1 gives the template."""
    from civaffairs import imports
    from civaffairs.spreadsheets import xlsx_response

    from .verification_import import import_verification, importer

    if request.GET.get("template"):
        spec, _ = importer(request.user)
        return xlsx_response(
            imports.template(spec), "家庭经济状况核对报告模板.xlsx", fallback="verification.xlsx"
        )
    form = F.VerificationImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            moved = import_verification(actor=request.user, file=form.cleaned_data["file"])
        except imports.ImportFailed as exc:
            errors = [str(e) for e in exc.errors]
        else:
            messages.success(request, f"已导入核对结果，{len(moved)}件申请进入入户调查。")
            return redirect("assistance:procedure_list")
    return render(request, "assistance/verification_import.html", {"form": form, "errors": errors})


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
@require_POST
def review_record(request, pk, what):
    """复核: the home visit and the verification checks of a pending review, recorded in the same
    tables (and by the same services) as an application's."""
    from civaffairs.models import ApprovalStatus, Request

    from .selectors import assistance_requests_for

    req = get_object_or_404(
        assistance_requests_for(request.user).filter(kind=Request.Kind.REVIEW, status=ApprovalStatus.PENDING),
        pk=pk,
    )
    forms = {"verification": F.VerificationForm, "visit": F.HomeVisitForm}
    if what not in forms:
        raise Http404
    form = forms[what](request.POST, request.FILES)
    if not form.is_valid():
        _errors(request, form)
        return redirect("assistance:request_detail", req.pk)
    d = form.cleaned_data
    try:
        if what == "verification":
            proc.record_verification(actor=request.user, case=req.case, checks=form.checks(), review=req)
        else:
            proc.record_home_visit(
                actor=request.user,
                case=req.case,
                review=req,
                visited_on=d["visited_on"],
                investigators=form.investigators(),
                income=form.income(),
                property=d["property"],
                living=d["living"],
                applicant_signed=d["applicant_signed"],
                signature=d.get("signature"),
            )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, "已保存复核的" + ("家庭经济状况核对" if what == "verification" else "入户调查")
        )
    return redirect("assistance:request_detail", req.pk)
