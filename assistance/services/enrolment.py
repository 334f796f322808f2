"""Enrolment (申请): a caseworker's application, checked against the programs' exclusions, and the
new-household application. One function per state change, keyword-only, `actor=` the user, one
transaction, the audit event in the same transaction."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from civaffairs import audit
from civaffairs.bulk import bulk_insert
from civaffairs.models import (
    ApprovalStatus,
    Area,
    Case,
    Coverage,
    Household,
    HouseholdMember,
    Program,
    Request,
)
from civaffairs.money import TOO_LARGE, over_max, to_cent
from civaffairs.payments.approval import check_approver
from civaffairs.payments.approval import check_scope as _check_scope
from civaffairs.payments.payroll import program_of
from civaffairs.periods import add_months, month_start
from civaffairs.selectors import user_town
from civaffairs.services import set_household_income

from .. import programs as P


def _check_submitter(actor, case):
    """Who may submit a change to a case: a caseworker (add_request) of its town or the district."""
    if not actor.has_perm("civaffairs.add_request"):
        raise PermissionDenied("您的角色不能提交救助业务。")
    _check_scope(actor, case)


def find_conflicts(program, persons, start_month, exclude_case=None):
    """Open or pending covers that would overlap a new cover of `program` from start_month."""
    group = P.EXCLUSION_GROUPS.get(program.code, "")
    same = Q(program=program)
    if group:
        same |= Q(exclusion_group=group)
    qs = (
        Coverage.objects.filter(same, person__in=persons)
        .filter(Q(end_month__isnull=True) | Q(end_month__gt=start_month))
        .exclude(case__status=Case.Status.REJECTED)
        .select_related("case__program", "case__town", "person")
    )
    if exclude_case is not None:
        qs = qs.exclude(case=exclude_case)
    return list(qs)


def conflict_message(cov, actor=None):
    """Names the conflicting case — to a user who may see it. A town caseworker learns of another
    town's case only that one exists."""
    town = user_town(actor) if actor is not None else None
    if town is not None and cov.case.town_id != town.pk:
        return (
            f"{cov.person.name}（{cov.person.masked_id}）已在其他镇享受不能同时享受的救助，请联系区民政局核实"
        )
    return _conflict_detail(cov)


def _conflict_detail(cov):
    return (
        f"{cov.person.name}（{cov.person.masked_id}）已有{cov.case.get_status_display()}的"
        f"{cov.case.program.name}（编号{cov.case.pk}，{cov.case.town.name}，{cov.case.start_month:%Y年%m月}起），"
        f"{'与本项目不能同时享受' if cov.case.program_id else ''}"
    ).rstrip("，")


def find_conflicts_many(program, persons, start_month):
    """find_conflicts for many persons at once, in chunks: {person_id: [covers]}."""
    group = P.EXCLUSION_GROUPS.get(program.code, "")
    same = Q(program=program)
    if group:
        same |= Q(exclusion_group=group)
    ids = sorted({p.pk if hasattr(p, "pk") else p for p in persons})
    out = {}
    for i in range(0, len(ids), 900):
        covers = (
            Coverage.objects.filter(same, person_id__in=ids[i : i + 900])
            .filter(Q(end_month__isnull=True) | Q(end_month__gt=start_month))
            .exclude(case__status=Case.Status.REJECTED)
            .select_related("case__program", "case__town", "person")
        )
        for cov in covers:
            out.setdefault(cov.person_id, []).append(cov)
    return out


def current_members(household_ids):
    """{household id: {person id: person}} of the households' current members, in chunks."""
    out = {}
    ids = sorted(set(household_ids))
    for i in range(0, len(ids), 900):
        members = HouseholdMember.objects.filter(
            household_id__in=ids[i : i + 900], left_on__isnull=True
        ).select_related("person")
        for m in members:
            out.setdefault(m.household_id, {})[m.person_id] = m.person
    return out


def _prepare(
    *,
    actor,
    program,
    start_month=None,
    household=None,
    person=None,
    covered=None,
    category="",
    care_level="",
    institution=None,
    area=None,
    income=None,
    amount=None,
    event_date=None,
    flags=(),
    reason="",
    migrated=False,
    check_conflicts=True,
    members=None,
):
    """Every check of an application, no writes: (Case fields, covered persons, income).
    Raises ValidationError {field: message}. The one rule book of submit_enrolment and enrol_many
    (which hands over each household's current members, read for the whole batch at once)."""
    errors = {}
    if start_month is None and program.cadence == Program.Cadence.MONTHLY:
        raise ValidationError({"start_month": "请填写起始年月"})
    start_month = month_start(start_month or event_date or datetime.date.today())
    if program.unit == Program.Unit.HOUSEHOLD:
        if household is None:
            raise ValidationError({"household": "低保须以家庭为单位申请"})
        _check_scope(actor, household)
        if members is None:
            members = current_members([household.pk]).get(household.pk, {})
        covered = list(covered) if covered is not None else list(members.values())
        if not covered:
            errors["covered"] = "至少须有一名保障人员"
        outside = [p.name for p in covered if p.pk not in members]
        if outside:
            errors["covered"] = f"{'、'.join(outside)}不是该家庭的在册成员"
        # As recorded now: a member who died before the start month is never covered (an open
        # cover of the dead would be counted in the stock and share the household's income).
        dead = [
            f"{members[p.pk].name}已于{members[p.pk].death_date}死亡"
            for p in covered
            if p.pk in members and members[p.pk].death_date and members[p.pk].death_date < start_month
        ]
        if dead and not outside:
            errors["covered"] = "，".join(dead) + "，不能纳入保障"
        town_id, case_area = household.town_id, household.area
    else:
        if person is None:
            raise ValidationError({"person": "请选择人员"})
        _check_scope(actor, person)
        covered = [person]
        town_id = person.town_id
        case_area = area or person.region.area or Area.RURAL
        if person.death_date and person.death_date < start_month:
            errors["person"] = f"{person.name}已于{person.death_date}死亡"
    if program.code == P.DISABILITY_CARE and (person.disability_grade not in (1, 2)):
        errors["person"] = "重度残疾人护理补贴须为一级或二级残疾"
    if program.code == P.DISABILITY_LIVING and not person.disability_grade:
        errors["person"] = "困难残疾人生活补贴须持有残疾人证"
    if program.code in P.CASE_CATEGORIES and category not in dict(P.CASE_CATEGORIES[program.code]):
        errors["category"] = "请选择类别"
    if program.code == P.TEKUN and category == P.CENTRALIZED and institution is None:
        errors["institution"] = "集中供养须选择供养机构"
    if program.code == P.TEMP_RELIEF:
        try:
            amount = to_cent(amount)  # the one rounding rule, whatever the database would do
        except ValueError:
            amount = None
        if amount is None or amount <= 0:
            errors["amount"] = "请填写救助金额"
        elif over_max(amount):
            errors["amount"] = f"救助{TOO_LARGE}"
        if event_date is None:
            errors["event_date"] = "请填写救助日期"
        else:
            start_month = month_start(event_date)
    if errors:
        raise ValidationError(errors)
    if program.cadence == Program.Cadence.MONTHLY and check_conflicts:
        conflicts = find_conflicts(program, covered, start_month)
        if conflicts:
            raise ValidationError({"covered": [conflict_message(c, actor) for c in conflicts]})
    if program.cadence == Program.Cadence.MONTHLY and not migrated:
        # Backdating is limited (a setting): arrears for years would bypass every review. Ledgers
        # migrated from before the system carry their own history and are the exception.
        limit = settings.ENROLMENT_MAX_BACKDATE_MONTHS
        earliest = add_months(month_start(timezone.localdate()), -limit)
        if start_month < earliest:
            raise ValidationError(
                {
                    "start_month": f"起始年月最早可追溯{limit}个月（{earliest:%Y年%m月}）；更早开始享受的存量对象须由系统管理员按历史台账迁移导入（命令 import_roster --approver）"
                }
            )
    if income is not None:
        try:
            income = to_cent(income)
        except (ArithmeticError, TypeError, ValueError):
            raise ValidationError({"income": "请填写家庭月人均收入"}) from None
        if income < 0:
            raise ValidationError({"income": "家庭月人均收入不能为负数"})
        if over_max(income):
            raise ValidationError({"income": f"家庭月人均收入{TOO_LARGE}"})
    fields = dict(
        program=program,
        household=household,
        person=person if household is None else None,
        town_id=town_id,
        area=case_area,
        category=category,
        care_level=care_level,
        institution=institution,
        start_month=start_month,
        end_month=add_months(start_month, 1) if program.cadence == Program.Cadence.ONE_OFF else None,
        amount=amount,
        event_date=event_date,
        flags=list(flags),
        mental_disorder="mental" in flags,
        reason=reason,
        submitted_by=actor,
    )
    return fields, covered, income


def _coverages(case, covered):
    group = P.EXCLUSION_GROUPS.get(case.program.code, "")
    return [
        Coverage(
            case=case, person=p, program=case.program, exclusion_group=group, start_month=case.start_month
        )
        for p in covered
    ]


def _request_data(covered, income):
    return {"covered": [p.pk for p in covered], "income": str(income) if income is not None else None}


@transaction.atomic
def submit_enrolment(*, actor, program, **application):
    """A caseworker's application; the chief's approval puts it in payment from start_month."""
    program = program_of(program)
    if not actor.has_perm("civaffairs.add_request"):
        raise PermissionDenied("您的角色不能提交救助申请。")
    fields, covered, income = _prepare(actor=actor, program=program, **application)
    case = Case.objects.create(**fields)
    if program.cadence == Program.Cadence.MONTHLY:
        try:
            with transaction.atomic():
                Coverage.objects.bulk_create(_coverages(case, covered))
        except IntegrityError:
            raise ValidationError({"covered": "保障人员已有未结束的同类救助，不能重复享受"}) from None
    request = Request.objects.create(
        kind=Request.Kind.ENROL,
        case=case,
        effective_month=case.start_month,
        data=_request_data(covered, income),
        reason=fields["reason"],
        submitted_by=actor,
    )
    audit.record(
        actor,
        "case.submit",
        case,
        {"program": program.name, "start_month": str(case.start_month), "covered": [p.name for p in covered]},
    )
    return request


BATCH = 1000


@transaction.atomic
def enrol_many(*, actor, approver, program, applications, migrated=False, paid_through=None, note="批量办理"):
    """The bulk form of submit_enrolment + decide_request(approve): the same checks for every
    application (scope, eligibility, exclusions against the records and within the batch, the
    backdating limit), then bulk writes, all or nothing. Errors name the application:
    {"applications": ["第3条（陈志伟）：…"]}.

    approver None: the applications wait in the chief's inbox, as if submitted one by one.
    migrated (存量迁移, the roster import): ledgers from before the system. They may start before
    the backdating limit and, approved, owe no arrears (approved_at stays empty: their months were
    paid elsewhere). paid_through (for the batch, or per application) is the month up to which a
    ledger was paid outside the system, monthly_paid what it paid a month: back-pay then owes
    those months only the difference. members (per application, optional): {person id: person},
    the household's current members when the caller has just written them in this transaction;
    otherwise every household's members are read at once, never one query per application."""
    program = program_of(program)
    if program.cadence != Program.Cadence.MONTHLY:
        raise ValidationError("一次性救助请逐笔申请。")
    if not actor.has_perm("civaffairs.add_request"):
        raise PermissionDenied("您的角色不能提交救助申请。")
    if approver is not None:
        check_approver(approver, "civaffairs.approve_case", program.section, actor.pk)
    migrated = migrated or paid_through is not None
    # The same actor's scope and role are checked for every application: read them once (a
    # 10,000-row roster spent a quarter of its time re-reading the actor's groups).
    actor = get_user_model().objects.select_related("scope").prefetch_related("groups").get(pk=actor.pk)
    applications = [dict(a) for a in applications]
    # Every household's members in one query per chunk, not one query per application (an
    # application may carry them: the roster import has just written the households).
    members = current_members(
        a["household"].pk for a in applications if a.get("household") is not None and "members" not in a
    )
    errors, prepared = [], []
    for i, application in enumerate(applications, start=1):
        if application.get("household") is not None and "members" not in application:
            application["members"] = members.get(application["household"].pk, {})
        ledger = (application.pop("paid_through", paid_through), application.pop("monthly_paid", None))
        who = getattr(
            application.get("person") or getattr(application.get("household"), "head", None), "name", ""
        )
        if ledger[1] is not None and Decimal(ledger[1]) < 0:
            errors.append(f"第{i}条（{who}）：月发放额不能为负数")
            continue
        try:
            fields, covered, income = _prepare(
                actor=actor, program=program, migrated=migrated, check_conflicts=False, **application
            )
        except ValidationError as exc:
            errors += [f"第{i}条（{who}）：{m}" for m in exc.messages]
            continue
        prepared.append((i, who, fields, covered, income, ledger))
    # Exclusions: against the records (in chunks), and within the batch itself. The records are
    # read once for the whole batch, from its earliest start month; each start month then keeps
    # the covers it overlaps (a go-live's ledgers start in some fifty different months).
    seen = {}
    starts = sorted({f["start_month"] for _, _, f, *_ in prepared})
    found = (
        find_conflicts_many(program, [p for *_, covered, _i, _l in prepared for p in covered], starts[0])
        if starts
        else {}
    )
    for start in starts:
        for p in (p for _, _, f, covered, *_ in prepared if f["start_month"] == start for p in covered):
            covers = [c for c in found.get(p.pk, []) if c.end_month is None or c.end_month > start]
            if covers:
                seen.setdefault(p.pk, covers)
    for i, who, _f, covered, *_ in prepared:
        for p in covered:
            for cov in seen.get(p.pk, []):
                errors.append(f"第{i}条（{who}）：{conflict_message(cov, actor)}")
    first = {}
    for i, who, _f, covered, *_ in prepared:
        for p in covered:
            if p.pk in first:
                errors.append(f"第{i}条（{who}）：{p.name}已在第{first[p.pk]}条中申请，同一人不能重复享受")
            first.setdefault(p.pk, i)
    if errors:
        raise ValidationError({"applications": errors})
    now = timezone.now()
    cases = []
    for _i, _who, fields, _covered, _income, (through, monthly) in prepared:
        approved = approver is not None
        case = Case(
            **fields,
            status=Case.Status.ACTIVE if approved else Case.Status.PENDING,
            next_review=P.next_review(program.code, fields["category"], fields["start_month"])
            if approved
            else None,
            approved_at=now if approved and not migrated else None,
            migrated_paid_through=month_start(through) if approved and migrated and through else None,
            migrated_monthly=monthly if approved and migrated and through else None,
        )
        cases.append(case)
    bulk_insert(cases, batch_size=BATCH)
    bulk_insert(
        [
            cov
            for case, (*_, covered, _income, _m) in zip(cases, prepared, strict=True)
            for cov in _coverages(case, covered)
        ],
        batch_size=BATCH,
    )
    bulk_insert(
        [
            Request(
                kind=Request.Kind.ENROL,
                case=case,
                effective_month=case.start_month,
                # A ledger brought in by the roster import (or the demo's go-live): migrated, it
                # owes none of the procedure's steps (procedure.check_ready).
                data={**_request_data(covered, income), "source": "enrol_many", "migrated": True},
                reason=note,
                submitted_by=actor,
                **(
                    {
                        "status": ApprovalStatus.APPROVED,
                        "decided_by": approver,
                        "decided_at": now,
                        "comment": note,
                    }
                    if approver is not None
                    else {"status": ApprovalStatus.PENDING}
                ),
            )
            for case, (*_, covered, income, _m) in zip(cases, prepared, strict=True)
        ],
        batch_size=BATCH,
    )
    # The incomes the applications state take effect on approval, as in decide_request.
    incomes = [
        (case.household_id, income, case.start_month)
        for case, (*_, income, _m) in zip(cases, prepared, strict=True)
        if income is not None and case.household_id and approver is not None
    ]
    for household_id, income, start in incomes:
        set_household_income(
            Household(pk=household_id),
            actor=approver,
            reason="批量办理批准",
            per_capita_income=income,
            effective_month=start,
        )
    audit.record(
        actor,
        "case.enrol_many",
        None,
        {
            "program": program.name,
            "cases": len(cases),
            "approved_by": approver.username if approver is not None else None,
            "migrated": migrated,
            "case_ids": [c.pk for c in cases],
            "incomes_set": len(incomes),
        },
        object_type="case",
        object_repr=f"{program.name}批量办理{len(cases)}件（{note}）",
    )
    return cases
