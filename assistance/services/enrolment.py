"""Enrolment (申请): a caseworker's application, checked against the programs' exclusions, and the
new-household application. One function per state change, keyword-only, `actor=` the user, one
transaction, the audit event in the same transaction."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from civaffairs import audit
from civaffairs.models import Area, Case, Coverage, Program, Request
from civaffairs.payments.approval import check_scope as _check_scope
from civaffairs.payments.payroll import program_of
from civaffairs.periods import add_months, month_start
from civaffairs.selectors import user_town
from civaffairs.services import register_household

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


@transaction.atomic
def submit_enrolment(
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
):
    """A caseworker's application; the chief's approval puts it in payment from start_month."""
    program = program_of(program)
    if not actor.has_perm("civaffairs.add_request"):
        raise PermissionDenied("您的角色不能提交救助申请。")
    errors = {}
    if start_month is None and program.cadence == Program.Cadence.MONTHLY:
        raise ValidationError({"start_month": "请填写起始年月"})
    start_month = month_start(start_month or event_date or datetime.date.today())
    if program.unit == Program.Unit.HOUSEHOLD:
        if household is None:
            raise ValidationError({"household": "低保须以家庭为单位申请"})
        _check_scope(actor, household)
        members = {
            m.person_id: m.person
            for m in household.members.filter(left_on__isnull=True).select_related("person")
        }
        covered = list(covered) if covered is not None else list(members.values())
        if not covered:
            errors["covered"] = "至少须有一名保障人员"
        outside = [p.name for p in covered if p.pk not in members]
        if outside:
            errors["covered"] = f"{'、'.join(outside)}不是该家庭的在册成员"
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
        if amount is None or Decimal(amount) <= 0:
            errors["amount"] = "请填写救助金额"
        if event_date is None:
            errors["event_date"] = "请填写救助日期"
        else:
            start_month = month_start(event_date)
    if errors:
        raise ValidationError(errors)
    if program.cadence == Program.Cadence.MONTHLY:
        conflicts = find_conflicts(program, covered, start_month)
        if conflicts:
            raise ValidationError({"covered": [conflict_message(c, actor) for c in conflicts]})
    if program.cadence == Program.Cadence.MONTHLY:
        # Backdating is limited (a setting): arrears for years would bypass every review. Ledgers
        # migrated by the roster import carry their own history and are the exception.
        limit = settings.ENROLMENT_MAX_BACKDATE_MONTHS
        earliest = add_months(month_start(timezone.localdate()), -limit)
        if start_month < earliest:
            raise ValidationError(
                {
                    "start_month": f"起始年月最早可追溯{limit}个月（{earliest:%Y年%m月}），更早的请按历史台账迁移导入"
                }
            )
    if income is not None:
        try:
            income = Decimal(income)
        except (ArithmeticError, TypeError, ValueError):
            raise ValidationError({"income": "请填写家庭月人均收入"}) from None
        if income < 0:
            raise ValidationError({"income": "家庭月人均收入不能为负数"})
    case = Case.objects.create(
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
    if program.cadence == Program.Cadence.MONTHLY:
        group = P.EXCLUSION_GROUPS.get(program.code, "")
        try:
            with transaction.atomic():
                Coverage.objects.bulk_create(
                    [
                        Coverage(
                            case=case,
                            person=p,
                            program=program,
                            exclusion_group=group,
                            start_month=start_month,
                        )
                        for p in covered
                    ]
                )
        except IntegrityError:
            raise ValidationError({"covered": "保障人员已有未结束的同类救助，不能重复享受"}) from None
    request = Request.objects.create(
        kind=Request.Kind.ENROL,
        case=case,
        effective_month=start_month,
        data={"covered": [p.pk for p in covered], "income": str(income) if income is not None else None},
        reason=reason,
        submitted_by=actor,
    )
    audit.record(
        actor,
        "case.submit",
        case,
        {"program": program.name, "start_month": str(start_month), "covered": [p.name for p in covered]},
    )
    return request


@transaction.atomic
def apply_new_household(
    *,
    actor,
    region,
    area,
    income_per_capita,
    head,
    members,
    start_month,
    category,
    reason="",
    bank_account="",
    bank_name="",
):
    """低保申请（新家庭）: register the household and submit its application, all or nothing."""
    household = register_household(
        actor=actor,
        region=region,
        area=area,
        income_per_capita=income_per_capita,
        head=head,
        members=members,
        bank_account=bank_account,
        bank_name=bank_name,
    )
    return submit_enrolment(
        actor=actor,
        program=P.DIBAO,
        household=household,
        start_month=start_month,
        category=category,
        reason=reason,
    )
