from itertools import groupby

from dal import autocomplete
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import kept, services
from .context_processors import sees_assistance
from .filters import AuditFilter, HouseholdFilter, PersonFilter
from .forms import (
    AccountDecisionForm,
    AddMemberForm,
    ChangeHeadForm,
    HouseholdForm,
    HouseholdRegistrationForm,
    MemberFormSet,
    PayeeAccountForm,
    PersonForm,
    RemoveMemberForm,
    apply_errors,
    region_label,
)
from .home import panels_for, register_panel, widgets_for
from .models import ApprovalStatus, Coverage, Person, Section
from .roles import role_of
from .selectors import (
    account_changes_for,
    audit_events_for,
    cases_for,
    home_counts,
    households_for,
    payments_for,
    persons_for,
    user_section,
    villages_for,
)
from .tables import AuditTable, HouseholdTable, PersonTable, paginate

PAGE_SIZE = 25


def _paginate(request, table):
    paginate(request, table, PAGE_SIZE)
    return table


@login_required
def home(request):
    user = request.user

    def desk():
        counts = (
            home_counts(user) if user.has_perm("civaffairs.view_person") and sees_assistance(user) else None
        )
        return {"counts": counts, "panels": panels_for(user)}

    # The user's counts and to-dos, kept while the records do not change, for the day (overdue
    # reviews and deadlines count from today).
    kept_desk = kept.kept(("home", user.pk, timezone.localdate()), desk)
    return render(
        request,
        "civaffairs/home.html",
        {
            **kept_desk,
            "role": role_of(user),
            "widgets": widgets_for(request),
        },
    )


@login_required
@permission_required("civaffairs.view_person", raise_exception=True)
def person_list(request):
    f = PersonFilter(request.GET, request=request, queryset=persons_for(request.user))
    table = _paginate(request, PersonTable(f.qs))
    return render(
        request,
        "civaffairs/list.html",
        {
            "filter": f,
            "table": table,
            "title": "人员查询",
            "new_url": "person_create" if request.user.has_perm("civaffairs.add_person") else None,
        },
    )


@login_required
@permission_required("civaffairs.add_person", raise_exception=True)
def person_create(request):
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            person = services.create_person(actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已登记{person.name}。")
            return redirect("person_detail", person.pk)
    return render(request, "civaffairs/form.html", {"form": form, "title": "登记人员", "back": "person_list"})


def _pending_account_change(payee):
    """The payee's account change still waiting for the chief, shown beside the account in use:
    until it is approved the payroll pays the old one."""
    return payee.account_changes.filter(status=ApprovalStatus.PENDING).select_related("submitted_by").first()


@login_required
@permission_required("civaffairs.view_person", raise_exception=True)
def person_detail(request, pk):
    person = get_object_or_404(persons_for(request.user), pk=pk)
    cases = cases_for(request.user).filter(Q(person=person) | Q(coverages__person=person)).distinct()
    payments = (
        payments_for(request.user)
        .filter(Q(case__person=person) | Q(case__coverages__person=person))
        .distinct()[:60]
    )
    memberships = person.memberships.select_related("household__head").order_by("-joined_on")
    return render(
        request,
        "civaffairs/person_detail.html",
        {
            "person": person,
            "cases": cases,
            "payments": payments,
            "memberships": memberships,
            "pending_account": _pending_account_change(person),
        },
    )


@login_required
@permission_required("civaffairs.change_person", raise_exception=True)
def person_edit(request, pk):
    person = get_object_or_404(persons_for(request.user), pk=pk)
    form = PersonForm(request.POST or None, instance=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.update_person(
                actor=request.user,
                person=person,
                expected_version=form.cleaned_data.get("version") or 0,
                **data,
            )
        except services.ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("person_detail", person.pk)
    return render(
        request,
        "civaffairs/form.html",
        {"form": form, "title": f"修改人员：{person.name}", "back": "person_list"},
    )


@login_required
@require_POST
def person_reveal(request, pk):
    person = get_object_or_404(persons_for(request.user), pk=pk)
    number = services.reveal_id_number(actor=request.user, person=person)
    return JsonResponse({"id_number": number})


@login_required
@permission_required("civaffairs.view_household", raise_exception=True)
def household_list(request):
    qs = households_for(request.user).annotate(
        member_count=Count("members", filter=Q(members__left_on__isnull=True))
    )
    f = HouseholdFilter(request.GET, request=request, queryset=qs)
    table = _paginate(request, HouseholdTable(f.qs))
    return render(
        request,
        "civaffairs/list.html",
        {
            "filter": f,
            "table": table,
            "title": "家庭",
            "new_url": "household_create" if request.user.has_perm("civaffairs.add_household") else None,
        },
    )


@login_required
@permission_required("civaffairs.add_household", raise_exception=True)
def household_create(request):
    form = HouseholdRegistrationForm(request.POST or None, user=request.user)
    formset = MemberFormSet(request.POST or None, prefix="m")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.household_data(formset)
        members = data["members"]
        try:
            household = services.register_household(actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已登记{household.head.name}户，共{len(members) + 1}人。")
            return redirect("household_detail", household.pk)
    return render(
        request, "civaffairs/household_form.html", {"form": form, "formset": formset, "title": "登记家庭"}
    )


@login_required
@permission_required("civaffairs.view_household", raise_exception=True)
def household_detail(request, pk):
    household = get_object_or_404(households_for(request.user), pk=pk)
    members = household.members.select_related("person").order_by("left_on", "joined_on", "id")
    cases = cases_for(request.user).filter(household=household)
    payments = payments_for(request.user).filter(case__household=household)[:60]
    return render(
        request,
        "civaffairs/household_detail.html",
        {
            "household": household,
            "members": members,
            "cases": cases,
            "payments": payments,
            "add_form": AddMemberForm(),
            "remove_form": RemoveMemberForm(),
            "pending_account": _pending_account_change(household),
        },
    )


@login_required
@permission_required("civaffairs.change_household", raise_exception=True)
def household_edit(request, pk):
    household = get_object_or_404(households_for(request.user), pk=pk)
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.update_household(
                actor=request.user,
                household=household,
                expected_version=form.cleaned_data.get("version") or 0,
                **data,
            )
        except services.ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已保存。")
            return redirect("household_detail", household.pk)
    return render(
        request,
        "civaffairs/form.html",
        {"form": form, "title": f"修改家庭：{household}", "back": "household_list"},
    )


@login_required
@permission_required("civaffairs.change_household", raise_exception=True)
@require_POST
def household_add_member(request, pk):
    household = get_object_or_404(households_for(request.user), pk=pk)
    form = AddMemberForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.register_member(
                actor=request.user,
                household=household,
                name=d["name"],
                id_number=d["id_number"],
                relation=d["relation"],
                joined_on=d["joined_on"],
            )
        except ValidationError as exc:
            messages.error(request, "添加失败：" + "；".join(exc.messages))
        else:
            messages.success(request, f"已添加成员{d['name']}。")
    else:
        messages.error(
            request,
            "添加失败："
            + "；".join(f"{form.fields[k].label}：{' '.join(v)}" for k, v in form.errors.items()),
        )
    return redirect("household_detail", household.pk)


@login_required
@permission_required("civaffairs.change_household", raise_exception=True)
@require_POST
def household_remove_member(request, pk, member_pk):
    household = get_object_or_404(households_for(request.user), pk=pk)
    member = get_object_or_404(household.members.select_related("person"), pk=member_pk)
    form = RemoveMemberForm(request.POST)
    if form.is_valid():
        try:
            services.remove_member(actor=request.user, member=member, left_on=form.cleaned_data["left_on"])
        except ValidationError as exc:
            messages.error(request, "移出失败：" + "；".join(exc.messages))
        else:
            messages.success(request, f"已将{member.person.name}移出家庭。")
            if Coverage.objects.filter(
                person=member.person, end_month__isnull=True, case__household=household
            ).exists():
                messages.warning(
                    request,
                    f"{member.person.name}仍在该户的救助保障范围内，请在救助对象页面提交“减人”，否则仍会按其计发。",
                )
    else:
        messages.error(request, "移出失败：请填写有效的离开日期")
    return redirect("household_detail", household.pk)


@login_required
@permission_required("civaffairs.change_household", raise_exception=True)
def household_change_head(request, pk):
    """变更户主: the usual case a head who has died; payroll lines generated afterwards name the
    new head as payee."""
    household = get_object_or_404(households_for(request.user).select_related("head"), pk=pk)
    today = timezone.localdate()
    form = ChangeHeadForm(request.POST or None, household=household, on=today, initial={"on": today})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        old_head = household.head
        try:
            household = services.change_head(
                actor=request.user,
                household=household,
                new_head=Person.objects.get(pk=d["new_head"]),
                old_head_relation=d["old_head_relation"],
                on=d["on"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已将户主由{old_head.name}变更为{household.head.name}。")
            return redirect("household_detail", household.pk)
    return render(request, "civaffairs/household_change_head.html", {"form": form, "household": household})


class VillageAutocomplete(autocomplete.Select2QuerySetView):
    """The village picker's choices: the villages and natural villages the user may pick, found by
    their own, their village's or their town's name ("石城 新水": every word must match one), listed
    under their town."""

    http_method_allowed = ("GET",)
    search_fields = ["name", "parent__name", "town__name"]
    split_words = "and"
    paginate_by = 20

    def get_queryset(self):
        return self.get_search_results(villages_for(self.request.user), self.q)

    def get_result_label(self, result):
        return region_label(result)

    def get_results(self, context):
        # Code order keeps each town's villages together: one Select2 group per town.
        results_of = super().get_results
        return [
            {"text": town.name, "children": results_of({"object_list": rows})}
            for town, rows in groupby(context["object_list"], key=lambda region: region.town)
        ]


village_autocomplete = login_required(
    permission_required("civaffairs.view_person", raise_exception=True)(VillageAutocomplete.as_view())
)


@login_required
@permission_required("civaffairs.view_auditevent", raise_exception=True)
def audit_log(request):
    f = AuditFilter(request.GET, request=request, queryset=audit_events_for(request.user))
    table = _paginate(request, AuditTable(f.qs))
    return render(request, "civaffairs/list.html", {"filter": f, "table": table, "title": "审计日志"})


def _payee_account(request, *, person=None, household=None):
    payee = person or household
    form = PayeeAccountForm(request.POST or None, household=household is not None)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.change_payee_account(
                actor=request.user, person=person, household=household, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if change.status == ApprovalStatus.PENDING:
                messages.success(request, "该对象在发放名册中，账户变更已提交股长审批，批准后生效。")
            else:
                messages.success(request, "收款账户已变更。")
            return redirect(*(("person_detail", person.pk) if person else ("household_detail", household.pk)))
    pending = payee.account_changes.filter(status=ApprovalStatus.PENDING).first()
    return render(
        request,
        "civaffairs/payee_account.html",
        {"form": form, "payee": payee, "person": person, "household": household, "pending": pending},
    )


@login_required
@permission_required("civaffairs.view_accessgrant", raise_exception=True)
def access_grants(request):
    """Access requests: the director approves or rejects the pending ones; the admin and auditors
    read them. Approved roles take effect only here (civaffairs/accounts.py)."""
    from .models import AccessGrant, ApprovalStatus

    grants = AccessGrant.objects.select_related("user", "town", "requested_by", "decided_by")
    return render(
        request,
        "civaffairs/access_grants.html",
        {
            "pending": grants.filter(status=ApprovalStatus.PENDING),
            "decided": grants.exclude(status=ApprovalStatus.PENDING)[:50],
            "can_decide": request.user.has_perm("civaffairs.approve_accessgrant"),
            "title": "账号授权审批",
        },
    )


@login_required
@permission_required("civaffairs.approve_accessgrant", raise_exception=True)
@require_POST
def access_grant_decide(request, pk):
    from . import accounts
    from .models import AccessGrant

    grant = get_object_or_404(AccessGrant, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        accounts.decide_access(
            actor=request.user, grant=grant, approve=approve, comment=request.POST.get("comment", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已{'批准' if approve else '驳回'}{grant.user}的授权申请。")
    return redirect("access_grants")


@login_required
@permission_required("civaffairs.change_person", raise_exception=True)
def person_account(request, pk):
    return _payee_account(request, person=get_object_or_404(persons_for(request.user), pk=pk))


@login_required
@permission_required("civaffairs.change_household", raise_exception=True)
def household_account(request, pk):
    return _payee_account(request, household=get_object_or_404(households_for(request.user), pk=pk))


@register_panel
def account_change_panel(user):
    """A chief's to-do: account changes wait on their own page (账户变更审批), so the count is
    shown beside the section's other approvals."""
    if not user.has_perm("civaffairs.approve_case") or user_section(user) == Section.WELFARE:
        return []  # the welfare section pays no one
    pending = account_changes_for(user).filter(status=ApprovalStatus.PENDING).count()
    return [{"label": "待审批收款账户变更", "count": pending, "url": reverse("account_changes")}]


@login_required
@permission_required("civaffairs.approve_case", raise_exception=True)
def account_changes(request):
    changes = account_changes_for(request.user).select_related(
        "person", "household__head", "submitted_by", "decided_by"
    )
    pending = [c for c in changes if c.status == ApprovalStatus.PENDING]
    decided = [c for c in changes if c.status != ApprovalStatus.PENDING][:50]
    return render(request, "civaffairs/account_changes.html", {"pending": pending, "decided": decided})


@login_required
@require_POST
@permission_required("civaffairs.approve_case", raise_exception=True)
def account_change_decide(request, pk):
    change = get_object_or_404(account_changes_for(request.user), pk=pk)
    form = AccountDecisionForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_account_change(
            actor=request.user, change=change, approve=approve, comment=form.cleaned_data.get("comment", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"已{'批准' if approve else '驳回'}{change.payee_name}的收款账户变更。")
    return redirect("account_changes")
