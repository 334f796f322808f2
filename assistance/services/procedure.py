"""The statutory procedure of a 低保 or 特困 application (assistance/models.py), one function per
step, keyword-only, `actor=` the user, one transaction, the audit event in the same transaction.

The deadlines (working days, civaffairs/workdays.py), as 民发〔2021〕57号 and Guangdong's rules set:
the town's steps up to its review within 15 working days of acceptance (once +15, with a reason);
the district's decision within 10 working days of the town's review, the notice's days excluded
(once +10); after an objection that reopens verification, the decision within 20 working days.
The final approval stays services.decide_request: `check_ready` refuses it until every step
owed is recorded; `on_decided` then issues the certificate number or the refusal."""

import datetime
import hashlib
import math
import random
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civaffairs import audit
from civaffairs.models import Case, Coverage, HouseholdMember, Request, Section
from civaffairs.payments.approval import check_scope
from civaffairs.periods import month_start
from civaffairs.selectors import user_section, user_town
from civaffairs.services import register_household
from civaffairs.uploads import UploadRefused, read_scan
from civaffairs.workdays import add_workdays, workdays_between

from .. import programs as P
from ..models import (
    Appraisal,
    Attachment,
    HomeVisit,
    Objection,
    Procedure,
    PublicNotice,
    RelativeRecord,
    SpotCheck,
    Stage,
    VerificationCheck,
)
from .enrolment import submit_enrolment

# The materials an application is accepted with (受理材料清单).
MATERIALS = [
    ("application", "申请书"),
    ("identity", "身份证和户口簿"),
    ("consent", "家庭经济状况核对授权书"),
    ("proof", "相关证明材料"),
]
TOWN_WORKDAYS = 15
DISTRICT_WORKDAYS = 10
OBJECTION_WORKDAYS = 20
NOTICE_MIN_DAYS = 7
SAMPLE_RATE = Decimal("0.30")
MIN_INVESTIGATORS = 2
# 急难型临时救助: paid first (先行救助), its papers completed within 5 working days.
URGENT_PAPERS_WORKDAYS = 5
DUE_SOON_WORKDAYS = 3
# The steps each program's rules have (特困: no separate verification record or appraisal).
PROGRAM_STEPS = {
    P.DIBAO: [
        Stage.VERIFICATION,
        Stage.VISIT,
        Stage.APPRAISAL,
        Stage.TOWN_REVIEW,
        Stage.DISTRICT,
        Stage.NOTICE,
    ],
    P.TEKUN: [Stage.VISIT, Stage.TOWN_REVIEW, Stage.DISTRICT, Stage.NOTICE],
}
TOWN_STAGES = [Stage.INCOMPLETE, Stage.VERIFICATION, Stage.VISIT, Stage.APPRAISAL, Stage.PAPERS]
CERTIFICATE_NAMES = {P.DIBAO: "最低生活保障证", P.TEKUN: "特困人员救助供养证"}
OPEN_STAGES = [
    Stage.INCOMPLETE,
    Stage.VERIFICATION,
    Stage.VISIT,
    Stage.APPRAISAL,
    Stage.TOWN_REVIEW,
    Stage.DISTRICT,
    Stage.NOTICE,
    Stage.PAPERS,
]


def today():
    return timezone.localdate()


def _lock(procedure):
    return (
        Procedure.objects.select_for_update(of=("self",))
        # The case's household head or person too: the audit event names the case (Case.__str__).
        .select_related("case__program", "case__town", "case__household__head", "case__person")
        .get(pk=procedure.pk)
    )


def _need_stage(procedure, *stages, what):
    if procedure.stage not in stages:
        raise ValidationError(f"该申请当前环节为“{procedure.get_stage_display()}”，不能{what}。")


def _check_town_worker(actor, case):
    if not actor.has_perm("civaffairs.add_request"):
        raise PermissionDenied("您的角色不能办理受理、核对、入户调查和民主评议。")
    check_scope(actor, case)


def _check_chief(actor):
    if not actor.has_perm("civaffairs.approve_case") or user_section(actor) != Section.ASSISTANCE:
        raise PermissionDenied("只有社会救助股股长可以办理区级审批环节。")


def _check_reviewer(actor, case):
    town = user_town(actor)
    if not actor.has_perm("assistance.review_procedure") or town is None or town.pk != case.town_id:
        raise PermissionDenied("只有本镇民政办负责人可以签署镇审核意见。")


def _steps(procedure):
    return PROGRAM_STEPS[procedure.case.program.code]


def _next_stage(procedure, after):
    steps = _steps(procedure)
    return steps[steps.index(after) + 1]


def town_due(procedure):
    if procedure.accepted_on is None:
        return None
    days = TOWN_WORKDAYS * (2 if procedure.town_extended_reason else 1)
    return add_workdays(procedure.accepted_on, days)


def notice_workdays(procedure):
    notice = procedure.case.notices.order_by("-starts_on").first()
    if notice is None:
        return 0
    return workdays_between(notice.starts_on - datetime.timedelta(days=1), notice.ends_on)


def district_due(procedure):
    if procedure.town_reviewed_on is None:
        return None
    days = DISTRICT_WORKDAYS * (2 if procedure.district_extended_reason else 1)
    return add_workdays(procedure.town_reviewed_on, days + notice_workdays(procedure))


def objection_due(procedure):
    if procedure.reopened_on is None:
        return None
    return add_workdays(procedure.reopened_on, OBJECTION_WORKDAYS)


def _set_stage(procedure, stage):
    procedure.stage = stage
    if stage in (Stage.VERIFICATION, Stage.VISIT, Stage.APPRAISAL, Stage.TOWN_REVIEW):
        procedure.due_on = objection_due(procedure) or town_due(procedure)
    elif stage in (Stage.DISTRICT, Stage.NOTICE):
        procedure.due_on = objection_due(procedure) or district_due(procedure)
    elif stage == Stage.PAPERS:
        pass  # set by start_urgent_relief
    else:
        procedure.due_on = None


def _save(procedure, *fields):
    procedure.save(update_fields=["stage", "due_on", *fields])


# ------------------------------------------------------------------ 受理


def _store_scans(actor, case, scans):
    """scans: [(kind, uploaded file)]. Every file is checked before any is stored."""
    checked = []
    for kind, file in scans:
        if kind not in Attachment.Kind.values:
            raise ValidationError({"scans": "未知的材料类型"})
        try:
            data, content_type, name = read_scan(file)
        except UploadRefused as exc:
            raise ValidationError({"scans": str(exc)}) from None
        checked.append((kind, data, content_type, name))
    out = []
    for kind, data, content_type, name in checked:
        out.append(
            Attachment.objects.create(
                case=case,
                kind=kind,
                name=name,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                uploaded_by=actor,
            )
        )
    return out


def missing_materials(materials):
    return [label for key, label in MATERIALS if not materials.get(key)]


def _notice_text(missing):
    return (
        "申请材料不全，请一次性补齐以下材料："
        + "、".join(missing)
        + "。补齐之日起受理，办理时限自受理之日起计算。"
    )


@transaction.atomic
def accept_application(*, actor, program, received_on, materials, scans=(), **application):
    """受理: the application with its materials checklist and scans. Complete, it is accepted on
    received_on and its clock starts; incomplete, the applicant is told at once what is missing
    (一次性告知) and the clock waits for complete_materials."""
    code = getattr(program, "code", program)
    if code not in PROGRAM_STEPS:
        raise ValidationError({"program": "审核确认程序适用于低保和特困人员供养"})
    subject = application.get("household") or application.get("person")
    if subject is None:
        if not actor.has_perm("civaffairs.add_request"):
            raise PermissionDenied("您的角色不能办理受理、核对、入户调查和民主评议。")
    else:
        _check_town_worker(actor, subject)
    if received_on is None:
        raise ValidationError({"received_on": "请填写收件日期"})
    if received_on > today():
        raise ValidationError({"received_on": "收件日期不能晚于今天"})
    materials = {key: bool(materials.get(key)) for key, _ in MATERIALS}
    application.setdefault("start_month", month_start(received_on))
    request = submit_enrolment(actor=actor, program=code, **application)
    case = request.case
    _store_scans(actor, case, scans)
    missing = missing_materials(materials)
    procedure = Procedure(
        case=case,
        request=request,
        received_on=received_on,
        accepted_on=None if missing else received_on,
        materials=materials,
        missing_notice=_notice_text(missing) if missing else "",
        created_by=actor,
    )
    procedure.case = case
    _set_stage(procedure, Stage.INCOMPLETE if missing else _steps(procedure)[0])
    procedure.save()
    audit.record(
        actor,
        "procedure.accept",
        case,
        {"received_on": str(received_on), "accepted": not missing, "missing": missing},
    )
    return procedure


@transaction.atomic
def accept_new_household(
    *,
    actor,
    received_on,
    materials,
    scans=(),
    region,
    area,
    income_per_capita,
    head,
    members,
    category,
    reason="",
    bank_account="",
    bank_name="",
):
    """低保申请（新家庭）: register the household and accept its application (受理, as
    accept_application), all or nothing."""
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
    return accept_application(
        actor=actor,
        program=P.DIBAO,
        received_on=received_on,
        materials=materials,
        scans=scans,
        household=household,
        category=category,
        reason=reason,
    )


@transaction.atomic
def complete_materials(*, actor, procedure, on, materials, scans=()):
    procedure = _lock(procedure)
    _check_town_worker(actor, procedure.case)
    _need_stage(procedure, Stage.INCOMPLETE, what="补齐材料")
    merged = {key: bool(procedure.materials.get(key) or materials.get(key)) for key, _ in MATERIALS}
    missing = missing_materials(merged)
    if missing:
        raise ValidationError({"materials": "仍缺少：" + "、".join(missing)})
    if on < procedure.received_on or on > today():
        raise ValidationError({"on": "受理日期须在收件日期之后且不晚于今天"})
    _store_scans(actor, procedure.case, scans)
    procedure.materials, procedure.accepted_on = merged, on
    _set_stage(procedure, _steps(procedure)[0])
    _save(procedure, "materials", "accepted_on")
    audit.record(actor, "procedure.complete_materials", procedure.case, {"accepted_on": str(on)})
    return procedure


@transaction.atomic
def upload_scan(*, actor, case, kind, file):
    _check_town_worker(actor, case)
    (attachment,) = _store_scans(actor, case, [(kind, file)])
    audit.record(
        actor,
        "procedure.upload",
        case,
        {"material": attachment.get_kind_display(), "name": attachment.name, "size": attachment.size},
    )
    return attachment


# ------------------------------------------------------------------ 核对


def _amount(value, where):
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"checks": f"{where}：金额不是数字"}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"checks": f"{where}：金额不能为负数"})
    return amount.quantize(Decimal("0.01"))


def _clean_checks(checks):
    out = []
    items = dict(VerificationCheck.Item.choices)
    for n, check in enumerate(checks, start=1):
        where = f"第{n}项"
        item = check.get("item")
        if item not in items:
            raise ValidationError({"checks": f"{where}：请选择核对项目"})
        where = f"第{n}项（{items[item]}）"
        if not (check.get("source") or "").strip():
            raise ValidationError({"checks": f"{where}：请填写数据来源"})
        if not isinstance(check.get("checked_on"), datetime.date):
            raise ValidationError({"checks": f"{where}：请填写核对日期"})
        if check["checked_on"] > today():
            raise ValidationError({"checks": f"{where}：核对日期不能晚于今天"})
        if check.get("verdict") not in VerificationCheck.Verdict.values:
            raise ValidationError({"checks": f"{where}：请选择核对结论"})
        out.append(
            dict(
                item=item,
                source=check["source"].strip()[:100],
                checked_on=check["checked_on"],
                amount=_amount(check.get("amount"), where),
                verdict=check["verdict"],
                note=(check.get("note") or "").strip()[:200],
            )
        )
    if not out:
        raise ValidationError({"checks": "请至少填写一项核对结果"})
    return out


def _verified(procedure):
    if procedure.stage == Stage.VERIFICATION:
        if procedure.reopened_on:
            _set_stage(procedure, Stage.NOTICE)  # re-checked after the objection: back to the decision
        else:
            _set_stage(procedure, _next_stage(procedure, Stage.VERIFICATION))
        _save(procedure)


@transaction.atomic
def verified(procedure):
    """The verification of an application is complete (after an import of several rows)."""
    _verified(_lock(procedure))


@transaction.atomic
def record_verification(*, actor, case, checks, recheck=False, review=None, advance=True):
    """家庭经济状况核对 of an application (or of a review, review=the 复核 Request): the checks
    made. recheck: the applicant contested a result and it was checked again."""
    case = Case.objects.select_related("program", "household__head", "person").get(pk=case.pk)
    _check_town_worker(actor, case)
    procedure = None
    if review is None:
        procedure = _lock(case.procedure) if hasattr(case, "procedure") else None
        if procedure is None:
            raise ValidationError("该对象没有审核确认程序，复核请从复核申请中记录。")
        if not recheck:
            _need_stage(procedure, Stage.VERIFICATION, what="记录经济状况核对")
        elif procedure.stage in (Stage.APPROVED, Stage.REFUSED, Stage.INCOMPLETE):
            _need_stage(procedure, Stage.VERIFICATION, what="记录复查")
    rows = VerificationCheck.objects.bulk_create(
        [
            VerificationCheck(case=case, review=review, recheck=recheck, recorded_by=actor, **check)
            for check in _clean_checks(checks)
        ]
    )
    if procedure is not None and advance:
        _verified(procedure)
    audit.record(
        actor,
        "procedure.verification",
        case,
        {"checks": len(rows), "recheck": recheck, "review": review.pk if review else None},
    )
    return rows


# ------------------------------------------------------------------ 入户调查


def _clean_income(income):
    out = {}
    for source, value in (income or {}).items():
        amount = _amount(value, f"收入“{source}”")
        if amount is not None:
            out[str(source)[:30]] = str(amount)
    return out


@transaction.atomic
def record_home_visit(
    *,
    actor,
    case,
    visited_on,
    investigators,
    income=None,
    property="",
    living="",
    applicant_signed=False,
    signature=None,
    district=False,
    review=None,
):
    """入户调查 by the town (district=False) or the district's own visit of a sampled application
    (district=True, by the chief). At least two investigators; the applicant's signature confirmed
    (and its scan, if given)."""
    case = Case.objects.select_related("program", "household__head", "person").get(pk=case.pk)
    if district:
        _check_chief(actor)
    else:
        _check_town_worker(actor, case)
    names = [n.strip() for n in investigators if (n or "").strip()]
    if len(set(names)) < MIN_INVESTIGATORS:
        raise ValidationError({"investigators": "入户调查须有至少两名调查人员，一人入户的调查无效"})
    if visited_on is None or visited_on > today():
        raise ValidationError({"visited_on": "请填写调查日期（不能晚于今天）"})
    if not applicant_signed:
        raise ValidationError({"applicant_signed": "家庭经济状况核查表须经申请人签字确认"})
    procedure = None
    if review is None:
        procedure = _lock(case.procedure) if hasattr(case, "procedure") else None
        if procedure is None:
            raise ValidationError("该对象没有审核确认程序，复核请从复核申请中记录。")
        if district:  # during the notice too: a relative registered then is visited before approval
            _need_stage(procedure, Stage.DISTRICT, Stage.NOTICE, what="记录区级入户核查")
        else:
            _need_stage(procedure, Stage.VISIT, what="记录入户调查")
    scan = _store_scans(actor, case, [(Attachment.Kind.SIGNATURE, signature)])[0] if signature else None
    visit = HomeVisit.objects.create(
        case=case,
        review=review,
        district=district,
        visited_on=visited_on,
        investigators=sorted(set(names), key=names.index),
        income=_clean_income(income),
        property=property,
        living=living,
        applicant_signed=True,
        signature=scan,
        recorded_by=actor,
    )
    if procedure is not None and not district:
        _set_stage(procedure, _next_stage(procedure, Stage.VISIT))
        _save(procedure)
    audit.record(
        actor,
        f"procedure.{'district_visit' if district else 'home_visit'}",
        case,
        {"visited_on": str(visited_on), "investigators": visit.investigators},
    )
    return visit


# ------------------------------------------------------------------ 民主评议


def quorum(due, attended, agreed):
    """None when the appraisal counts, else the rule it breaks (in Chinese)."""
    if due <= 0:
        return "应到人数须大于0"
    if attended > due:
        return "实到人数不能多于应到人数"
    if agreed > attended:
        return "同意人数不能多于实到人数"
    if attended * 3 < due * 2:
        return f"民主评议须有三分之二以上应到人员参加（应到{due}人，至少{math.ceil(due * 2 / 3)}人，实到{attended}人），本次评议无效"
    if agreed * 3 < attended * 2:
        return f"民主评议须经三分之二以上到会人员同意（实到{attended}人，至少{math.ceil(attended * 2 / 3)}人同意，同意{agreed}人），本次评议无效"
    return None


@transaction.atomic
def record_appraisal(*, actor, case, held_on, due, attended, agreed, minutes):
    case = Case.objects.select_related("program", "household__head", "person").get(pk=case.pk)
    _check_town_worker(actor, case)
    procedure = _lock(case.procedure)
    _need_stage(procedure, Stage.APPRAISAL, what="记录民主评议")
    broken = quorum(due, attended, agreed)
    if broken:
        raise ValidationError({"attended": broken})
    if held_on is None or held_on > today():
        raise ValidationError({"held_on": "请填写评议日期（不能晚于今天）"})
    if not (minutes or "").strip():
        raise ValidationError({"minutes": "请填写评议记录"})
    appraisal = Appraisal.objects.create(
        case=case,
        held_on=held_on,
        due=due,
        attended=attended,
        agreed=agreed,
        minutes=minutes,
        recorded_by=actor,
    )
    _set_stage(procedure, Stage.TOWN_REVIEW)
    _save(procedure)
    audit.record(
        actor,
        "procedure.appraisal",
        case,
        {"held_on": str(held_on), "due": due, "attended": attended, "agreed": agreed},
    )
    return appraisal


# ------------------------------------------------------------------ 镇审核


@transaction.atomic
def extend_town_review(*, actor, procedure, reason):
    procedure = _lock(procedure)
    if not (actor.has_perm("assistance.review_procedure") or actor.has_perm("civaffairs.add_request")):
        raise PermissionDenied("您的角色不能延长镇审核期限。")
    check_scope(actor, procedure.case)
    if procedure.stage not in (Stage.VERIFICATION, Stage.VISIT, Stage.APPRAISAL, Stage.TOWN_REVIEW):
        raise ValidationError("只有镇级环节未完成的申请可以延长镇审核期限。")
    if procedure.town_extended_reason:
        raise ValidationError("镇审核期限只能延长一次。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "延长期限须填写理由"})
    procedure.town_extended_reason = reason.strip()[:200]
    _set_stage(procedure, procedure.stage)
    _save(procedure, "town_extended_reason")
    audit.record(
        actor, "procedure.extend_town", procedure.case, {"reason": reason, "due_on": str(procedure.due_on)}
    )
    return procedure


@transaction.atomic
def town_review(*, actor, procedure, opinion, recommends, on=None):
    """镇审核: the town reviewer's written opinion; the application goes up to the district."""
    procedure = _lock(procedure)
    _check_reviewer(actor, procedure.case)
    _need_stage(procedure, Stage.TOWN_REVIEW, what="签署镇审核意见")
    if procedure.request.submitted_by_id == actor.pk:
        raise PermissionDenied("镇审核人不能审核自己受理的申请。")
    if not (opinion or "").strip():
        raise ValidationError({"opinion": "请填写审核意见"})
    on = on or today()
    procedure.town_reviewer, procedure.town_opinion = actor, opinion.strip()
    procedure.town_recommends, procedure.town_reviewed_on = bool(recommends), on
    procedure.relative = is_relative(procedure.case)
    _set_stage(procedure, Stage.DISTRICT)
    _save(procedure, "town_reviewer", "town_opinion", "town_recommends", "town_reviewed_on", "relative")
    audit.record(
        actor, "procedure.town_review", procedure.case, {"recommends": bool(recommends), "opinion": opinion}
    )
    return procedure


# ------------------------------------------------------------------ 区审批：抽查


def case_persons(case):
    ids = set(Coverage.objects.filter(case=case).values_list("person_id", flat=True))
    if case.person_id:
        ids.add(case.person_id)
    if case.household_id:
        ids |= set(
            HouseholdMember.objects.filter(household_id=case.household_id, left_on__isnull=True).values_list(
                "person_id", flat=True
            )
        )
    return ids


def is_relative(case):
    return RelativeRecord.objects.filter(person_id__in=case_persons(case)).exists()


def sample(population, seed, rate=SAMPLE_RATE):
    """The random part of a draw: ceil(rate × n) of the ids, from the seed alone (sorted first,
    so the same ids and seed give the same sample on any machine)."""
    ids = sorted(population)
    k = math.ceil(Decimal(len(ids)) * rate)
    return sorted(random.Random(f"civaffairs-spotcheck:{seed}").sample(ids, k))


@transaction.atomic
def draw_spot_check(*, actor, month, seed=None):
    """This month's draw over the applications the towns have sent up (reviewed by today) and no
    draw has covered yet: at least 30% at random from a recorded seed, and every registered
    relative."""
    _check_chief(actor)
    month = month_start(month)
    nxt = month_start(month + datetime.timedelta(days=32))
    waiting = list(
        Procedure.objects.select_for_update(of=("self",))
        .filter(
            stage=Stage.DISTRICT,
            spot_check__isnull=True,
            town_reviewed_on__gte=month,
            town_reviewed_on__lt=nxt,
            town_reviewed_on__lte=today(),
        )
        .select_related("case")
    )
    if not waiting:
        raise ValidationError(f"{month:%Y年%m月}没有待抽查的申请。")
    seed = seed or secrets.token_hex(8)
    population = [p.pk for p in waiting]
    drawn = sample(population, seed)
    relatives = []
    for p in waiting:
        p.relative = is_relative(p.case)
        if p.relative:
            relatives.append(p.pk)
    check = SpotCheck.objects.create(
        month=month,
        seed=seed,
        rate=SAMPLE_RATE,
        population=population,
        drawn=drawn,
        relatives=sorted(relatives),
        drawn_by=actor,
    )
    chosen = set(drawn) | set(relatives)
    for p in waiting:
        p.spot_check, p.sampled = check, p.pk in chosen
        p.save(update_fields=["spot_check", "sampled", "relative"])
    audit.record(
        actor,
        "procedure.spot_check",
        check,
        {"month": str(month), "seed": seed, "population": len(population), "sampled": len(chosen)},
    )
    return check


def redraw(check):
    """The sample a SpotCheck's seed gives: equal to check.drawn, for anyone who checks."""
    return sample(check.population, check.seed, check.rate)


@transaction.atomic
def extend_district(*, actor, procedure, reason):
    _check_chief(actor)
    procedure = _lock(procedure)
    _need_stage(procedure, Stage.DISTRICT, Stage.NOTICE, what="延长区审批期限")
    if procedure.district_extended_reason:
        raise ValidationError("区审批期限只能延长一次。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "延长期限须填写理由"})
    procedure.district_extended_reason = reason.strip()[:200]
    _set_stage(procedure, procedure.stage)
    _save(procedure, "district_extended_reason")
    audit.record(actor, "procedure.extend_district", procedure.case, {"reason": reason})
    return procedure


# ------------------------------------------------------------------ 公示


def _notice_village(case):
    """The village committee (村（居）委) the household lives in: a natural village's parent."""
    from civaffairs.models import Region

    region = case.household.region if case.household_id else case.person.region
    return region.parent if region.level == Region.Level.NATURAL else region


def proposed_amount(procedure):
    """What approval would pay a month (the payments engine's preview): the amount the notice
    posts. None when no standard is in force for it."""
    from civaffairs import payments as engine

    case, data = procedure.case, procedure.request.data
    raw = data.get("income")
    # The income the application states, else the household's recorded one: never "no income",
    # which would post the full standard.
    if raw is not None:
        income = Decimal(raw)
    else:
        income = case.household.income_per_capita if case.household_id else None
    persons = len(data.get("covered") or []) or case.coverages.count() or None
    amounts = [
        a for _l, _s, _n, a in engine.preview_month(case, income=income, persons=persons) if a is not None
    ]
    return sum(amounts) if amounts else None


@transaction.atomic
def start_notice(*, actor, procedure, starts_on, ends_on):
    """公示 in the household's village, at least 7 days, once the district's checks are done. The
    amount posted is what approval would pay, computed here: nobody types it, so the notice
    cannot understate it."""
    _check_chief(actor)
    procedure = _lock(procedure)
    _need_stage(procedure, Stage.DISTRICT, what="发布公示")
    if procedure.spot_check_id is None:
        raise ValidationError("本月抽查尚未抽取，请先抽取抽查样本。")
    if procedure.sampled and not procedure.case.home_visits.filter(district=True).exists():
        raise ValidationError("该申请被抽中区级入户核查，须先记录区级入户核查。")
    if starts_on is None or ends_on is None:
        raise ValidationError({"starts_on": "请填写公示起止日期"})
    if starts_on < today():  # a notice dated back would let approval skip the 7 days
        raise ValidationError({"starts_on": "公示须自今天或以后开始，不能补登已过去的日期"})
    days = (ends_on - starts_on).days + 1
    if days < NOTICE_MIN_DAYS:
        raise ValidationError({"ends_on": f"公示期不得少于{NOTICE_MIN_DAYS}天（所填为{max(days, 0)}天）"})
    case = procedure.case
    notice = PublicNotice.objects.create(
        case=case,
        village=_notice_village(
            Case.objects.select_related("household__region", "person__region").get(pk=case.pk)
        ),
        starts_on=starts_on,
        ends_on=ends_on,
        amount=proposed_amount(procedure),
        started_by=actor,
    )
    _set_stage(procedure, Stage.NOTICE)
    _save(procedure)
    audit.record(actor, "procedure.notice", case, {"starts_on": str(starts_on), "ends_on": str(ends_on)})
    return notice


@transaction.atomic
def record_objection(*, actor, procedure, received_on, content, reopens=True):
    """An objection during the notice; reopens=True sends the application back to verification,
    its decision then due within 20 working days."""
    procedure = _lock(procedure)
    if not (actor.has_perm("civaffairs.approve_case") or actor.has_perm("civaffairs.add_request")):
        raise PermissionDenied("您的角色不能登记公示异议。")
    check_scope(actor, procedure.case)
    _need_stage(procedure, Stage.NOTICE, what="登记公示异议")
    if not (content or "").strip():
        raise ValidationError({"content": "请填写异议内容"})
    notice = procedure.case.notices.order_by("-starts_on").first()
    if received_on is None or received_on > today() or (notice and received_on < notice.starts_on):
        raise ValidationError({"received_on": "收到日期须在公示开始之后且不晚于今天"})
    objection = Objection.objects.create(
        notice=notice, received_on=received_on, content=content.strip(), reopens=reopens, recorded_by=actor
    )
    if reopens:
        procedure.reopened_on = received_on
        _set_stage(procedure, Stage.VERIFICATION)
        _save(procedure, "reopened_on")
    audit.record(actor, "procedure.objection", procedure.case, {"reopens": reopens, "content": content})
    return objection


# ------------------------------------------------------------------ 决定 (the hook of decide_request)


def _day(d):
    return f"{d.year}年{d.month}月{d.day}日"


def missing_steps(procedure, on=None):
    """What still stands between the application and its approval (Chinese, one line each)."""
    on = on or today()
    out = []
    if procedure.stage in (Stage.PAPERS, Stage.PAPERS_DONE):
        return out
    if procedure.reopened_on and procedure.stage == Stage.VERIFICATION:
        out.append(f"公示期间有异议（{_day(procedure.reopened_on)}），正在重新核对家庭经济状况")
        return out
    if procedure.stage in TOWN_STAGES or procedure.stage == Stage.TOWN_REVIEW:
        out.append(f"尚在“{procedure.get_stage_display()}”环节，镇级审核未完成")
        return out
    if procedure.spot_check_id is None:
        out.append("本月区级抽查尚未抽取")
    elif procedure.sampled and not procedure.case.home_visits.filter(district=True).exists():
        out.append("该申请被抽中区级入户核查，尚未记录区级入户核查")
    notice = procedure.case.notices.order_by("-starts_on").first()
    if notice is None:
        out.append("尚未公示")
    else:
        allowed = notice.starts_on + datetime.timedelta(days=NOTICE_MIN_DAYS)
        if on < allowed:
            out.append(
                f"公示须满{NOTICE_MIN_DAYS}天（{_day(notice.starts_on)}起，今天为第{(on - notice.starts_on).days + 1}天），"
                f"{_day(allowed)}起方可批准"
            )
    return out


def is_migrated(request):
    """A ledger brought in by enrol_many (roster import, go-live): marked `migrated`, or — written
    before the mark — by its source."""
    return bool(request.data.get("migrated")) or request.data.get("source") == "enrol_many"


def steps_owed_without_procedure(request):
    """The refusal of a 低保 or 特困 application that never went through 受理: every new one owes
    the steps (民发〔2021〕57号); only the ledgers migrated by the roster import (enrol_many marks
    them) owe none. None when nothing is owed."""
    program = request.case.program
    if program.code not in PROGRAM_STEPS or is_migrated(request):
        return None
    steps = "、".join(["受理", *(Stage(s).label for s in PROGRAM_STEPS[program.code])])
    where = "家庭页面“受理低保申请”" if program.code == P.DIBAO else "人员页面“受理特困申请”"
    return (
        f"该{program.name}申请未经审核确认程序受理，缺少{steps}环节；"
        f"请由镇经办人从{where}受理，办完各环节后再审批"
    )


def check_ready(request):
    """Called by decide_request before approving an enrolment: an application in the procedure is
    approved only when every step owed is recorded; a 低保 or 特困 application without one only
    when it is a migrated ledger. Other programs pass (临时救助 keeps its urgent path)."""
    procedure = Procedure.objects.filter(request=request).select_related("case__program").first()
    if procedure is None:
        owed = steps_owed_without_procedure(request)
        if owed:
            raise ValidationError("不能批准：" + owed)
        return
    missing = missing_steps(procedure)
    if missing:
        raise ValidationError("不能批准：" + "；".join(missing))


def _certificate_no(case, on):
    prefix = f"{'DB' if case.program.code == P.DIBAO else 'TK'}{case.town.code}{on:%Y}"
    last = (
        Procedure.objects.filter(certificate_no__startswith=prefix)
        .order_by("-certificate_no")
        .values_list("certificate_no", flat=True)
    ).first()
    n = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def payment_start(procedure):
    """The month payment starts from, once approved: the month the application was accepted
    (its clock started, materials complete), never earlier than the month applied for. A
    decision after that month's payroll pays the months before as arrears, as the engine does
    for every late approval."""
    return month_start(procedure.accepted_on)


def on_decided(request, *, approve, comment, actor):
    """Called by decide_request after its decision, in its transaction."""
    procedure = Procedure.objects.select_for_update(of=("self",)).filter(request=request).first()
    if procedure is None or procedure.stage in (Stage.PAPERS, Stage.PAPERS_DONE):
        return
    case = Case.objects.select_related("program", "town", "household__head", "person").get(pk=request.case_id)
    on = today()
    procedure.decided_on = on
    if approve:
        procedure.certificate_no = _certificate_no(case, on)
        _set_stage(procedure, Stage.APPROVED)
    else:
        procedure.refusal_reasons = comment
        _set_stage(procedure, Stage.REFUSED)
    _save(procedure, "decided_on", "certificate_no", "refusal_reasons")
    audit.record(
        actor,
        "procedure.decided",
        case,
        {
            "approved": approve,
            "certificate_no": procedure.certificate_no,
            "reasons": procedure.refusal_reasons,
        },
    )


def start_month_for(request):
    """The start month approval sets for an application in the procedure, or None to keep it."""
    procedure = Procedure.objects.filter(request=request).first()
    if (
        procedure is None
        or procedure.accepted_on is None
        or procedure.stage in (Stage.PAPERS, Stage.PAPERS_DONE)
    ):
        return None
    return payment_start(procedure)


# ------------------------------------------------------------------ 临时救助（急难型）


@transaction.atomic
def start_urgent_relief(*, actor, request, event_date):
    """先行救助: the relief is paid first; its papers are then completed within 5 working days,
    tracked as a step."""
    request = Request.objects.select_related("case__program").get(pk=request.pk)
    if request.case.program.code != P.TEMP_RELIEF:
        raise ValidationError("先行救助仅适用于急难型临时救助。")
    _check_town_worker(actor, request.case)
    procedure = Procedure(
        case=request.case,
        request=request,
        received_on=event_date,
        accepted_on=event_date,
        materials={},
        created_by=actor,
        stage=Stage.PAPERS,
        due_on=add_workdays(event_date, URGENT_PAPERS_WORKDAYS),
    )
    procedure.save()
    audit.record(actor, "procedure.urgent", request.case, {"due_on": str(procedure.due_on)})
    return procedure


@transaction.atomic
def apply_urgent_relief(*, actor, event_date, **application):
    """急难型临时救助 in one step: the application (submit_enrolment) and its 先行救助, the chief's
    approval then pays it at once and the papers are owed within 5 working days."""
    request = submit_enrolment(actor=actor, program=P.TEMP_RELIEF, event_date=event_date, **application)
    start_urgent_relief(actor=actor, request=request, event_date=event_date)
    return request


@transaction.atomic
def complete_papers(*, actor, procedure, on, materials, scans=()):
    procedure = _lock(procedure)
    _check_town_worker(actor, procedure.case)
    _need_stage(procedure, Stage.PAPERS, what="补齐手续")
    missing = missing_materials(materials)
    if missing:
        raise ValidationError({"materials": "仍缺少：" + "、".join(missing)})
    _store_scans(actor, procedure.case, scans)
    procedure.materials = {key: True for key, _ in MATERIALS}
    procedure.decided_on = on
    _set_stage(procedure, Stage.PAPERS_DONE)
    _save(procedure, "materials", "decided_on")
    audit.record(actor, "procedure.papers", procedure.case, {"on": str(on)})
    return procedure


# ------------------------------------------------------------------ 近亲属备案


@transaction.atomic
def register_relative(*, actor, person, official_name, official_role, relation, recorded_on=None):
    if not (actor.has_perm("civaffairs.add_request") or actor.has_perm("civaffairs.approve_case")):
        raise PermissionDenied("您的角色不能办理近亲属备案。")
    check_scope(actor, person)
    if not (official_name or "").strip() or not (relation or "").strip():
        raise ValidationError({"official_name": "请填写工作人员（干部）姓名和亲属关系"})
    if official_role not in RelativeRecord.Role.values:
        raise ValidationError({"official_role": "请选择职务类别"})
    record = RelativeRecord.objects.create(
        person=person,
        official_name=official_name.strip(),
        official_role=official_role,
        relation=relation.strip(),
        recorded_on=recorded_on or today(),
        recorded_by=actor,
    )
    # Applications already drawn and left out are sampled now: a relative is always visited.
    drawn = Procedure.objects.filter(
        stage__in=(Stage.DISTRICT, Stage.NOTICE), spot_check__isnull=False, sampled=False
    )
    for p in drawn.filter(Q(case__person=person) | Q(case__household__members__person=person)).distinct():
        if is_relative(p.case):
            Procedure.objects.filter(pk=p.pk).update(sampled=True, relative=True)
    audit.record(
        actor,
        "procedure.relative",
        person,
        {"official_role": record.get_official_role_display(), "kinship": record.relation},
    )
    return record


# ------------------------------------------------------------------ timeline


def timeline(procedure, on=None):
    """Each step: name, owner, due date, done date, status (完成 / 办理中 / 逾期 / 未开始 / 不适用)."""
    on = on or today()
    if procedure.stage in (Stage.PAPERS, Stage.PAPERS_DONE):
        # 急难型临时救助: paid first, its papers the one step owed.
        done = procedure.decided_on if procedure.stage == Stage.PAPERS_DONE else None
        status = "已完成" if done else "逾期" if procedure.due_on < on else "办理中"
        return [
            {
                "name": f"补齐手续（先行救助后{URGENT_PAPERS_WORKDAYS}个工作日内）",
                "owner": "镇经办人",
                "due": procedure.due_on,
                "done": done,
                "status": status,
                "overdue": status == "逾期",
            }
        ]
    case = procedure.case
    code = case.program.code
    steps = PROGRAM_STEPS.get(code, [])
    t_due, d_due = town_due(procedure), district_due(procedure)
    last_check = case.verification_checks.filter(review__isnull=True).order_by("-checked_on").first()
    visit = case.home_visits.filter(review__isnull=True, district=False).order_by("-visited_on").first()
    district_visit = case.home_visits.filter(district=True).order_by("-visited_on").first()
    appraisal = case.appraisals.order_by("-held_on").first()
    notice = case.notices.order_by("-starts_on").first()
    rows = [("受理", "镇经办人", None, procedure.accepted_on, procedure.stage == Stage.INCOMPLETE)]
    if Stage.VERIFICATION in steps:
        checked = last_check.checked_on if last_check else None
        if procedure.reopened_on:
            # An objection reopened it: the checks before it no longer count, the new one is owed.
            if procedure.stage == Stage.VERIFICATION and checked and checked < procedure.reopened_on:
                checked = None
            rows.append(
                ("家庭经济状况核对（异议后重新核对）", "镇经办人", objection_due(procedure), checked, False)
            )
        else:
            rows.append(("家庭经济状况核对", "镇经办人", t_due, checked, False))
    rows.append(("入户调查", "镇经办人", t_due, visit.visited_on if visit else None, False))
    if Stage.APPRAISAL in steps:
        rows.append(("民主评议", "镇经办人", t_due, appraisal.held_on if appraisal else None, False))
    rows.append(("镇审核", "镇民政办负责人", t_due, procedure.town_reviewed_on, False))
    if procedure.spot_check_id and procedure.sampled:
        rows.append(
            ("区级抽查入户", "股长", d_due, district_visit.visited_on if district_visit else None, False)
        )
    elif procedure.spot_check_id:
        rows.append(("区级抽查入户", "股长", None, None, "not_sampled"))
    else:
        rows.append(("区级抽查入户", "股长", d_due, None, False))
    # The notice runs within the district's deadline (its days added to it): past that deadline
    # and not over, the step is 逾期 like any other.
    rows.append(
        (
            "公示（不少于7天）",
            "股长",
            objection_due(procedure) or d_due,
            notice.ends_on if notice and notice.ends_on < on else None,
            False,
        )
    )
    rows.append(("审批决定", "股长", objection_due(procedure) or d_due, procedure.decided_on, False))
    out = []
    open_seen = False
    for name, owner, due, done, special in rows:
        if special == "not_sampled":
            status = "未抽中，无需区级入户"
        elif done and special is not True:
            status = "已完成"
        elif procedure.stage in (Stage.REFUSED, Stage.APPROVED):
            status = "—"
        elif special is True:
            status = "材料不全，已一次性告知"
            open_seen = True  # nothing after acceptance is under way before the materials are in
        elif not open_seen:
            open_seen = True
            status = "逾期" if due and due < on else "办理中"
        else:
            status = "未开始"
        out.append({"name": name, "owner": owner, "due": due, "done": done, "status": status})
    if notice and notice.ends_on >= on:
        for row in out:
            if row["name"].startswith("公示"):
                running = f"公示中（{notice.starts_on.month}月{notice.starts_on.day}日—{notice.ends_on.month}月{notice.ends_on.day}日）"
                row["status"] = "逾期，" + running if row["status"] == "逾期" else running
    for row in out:
        row["overdue"] = row["status"].startswith("逾期")
    return out


def owner_filter(user):
    """Which open procedures' current step this user owns: Q over Procedure, or None."""
    from civaffairs.roles import CASEWORKER, role_of

    town = user_town(user)
    if user.has_perm("assistance.review_procedure") and town is not None:
        return Q(case__town=town, stage=Stage.TOWN_REVIEW)
    if user.has_perm("civaffairs.approve_case") and user_section(user) == Section.ASSISTANCE:
        return Q(stage__in=[Stage.DISTRICT, Stage.NOTICE])
    if role_of(user) == CASEWORKER and town is not None:
        return Q(case__town=town, stage__in=[Stage.VERIFICATION, Stage.VISIT, Stage.APPRAISAL, Stage.PAPERS])
    return None


def due_counts(user, on=None):
    on = on or today()
    q = owner_filter(user)
    if q is None:
        return None
    soon = add_workdays(on, DUE_SOON_WORKDAYS)
    qs = Procedure.objects.filter(q)
    return {
        "overdue": qs.filter(due_on__lt=on).count(),
        "soon": qs.filter(due_on__gte=on, due_on__lte=soon).count(),
    }
