"""State changes of the shared registry: one function each, one transaction, audited."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from . import audit
from .idnumber import InvalidIdNumber, mask_account, mask_id_number, parse_id_number
from .models import (
    AccountChange,
    ApprovalStatus,
    Case,
    Coverage,
    Household,
    HouseholdIncome,
    HouseholdMember,
    PaymentLine,
    Payroll,
    Person,
    Region,
    Relation,
    Section,
)
from .payments.approval import check_decision, record_decision
from .payments.income import per_capita  # total ÷ persons, to the cent (the one rule)
from .periods import add_months, month_start
from .selectors import covers_ended_by_death, is_unbound_caseworker, may_reveal, user_town
from .validators import validate_bank_account, validate_person_name, validate_phone


class ConflictError(Exception):
    """Someone else saved the same record since this user opened it."""


PERSON_FIELDS = [
    "name",
    "id_number",
    "phone",
    "region",
    "disability_grade",
    "severe_mental_disorder",
    "death_date",
]


def _person_audit(person):
    """The audit log is readable by the director and auditors: keep ID numbers masked in it, so
    the only way to a whole number stays the audited reveal."""
    data = audit.snapshot(person, PERSON_FIELDS)
    data["id_number"] = mask_id_number(person.id_number)
    return data


def _check_town(actor, region):
    if is_unbound_caseworker(actor):
        raise PermissionDenied("该账号未绑定镇或股室，请联系系统管理员")
    town = user_town(actor)
    if town is not None and region.town_id != town.pk:
        raise PermissionDenied("只能登记本镇的人员和家庭")


def _check_payee_scope(actor, *, person=None, household=None):
    """A payee's account is changed only by someone who sees the payee (selectors' town and
    section scope), or for a person no program pays yet: another section's staff never redirect
    a beneficiary's payments."""
    from .selectors import households_for, persons_for

    visible = households_for(actor) if household is not None else persons_for(actor)
    if visible.filter(pk=(household or person).pk).exists():
        return
    # A person no program pays or covers (registered, say, by a town): nobody else's payments move.
    if household is None and not (
        Case.objects.filter(person=person).exists() or Coverage.objects.filter(person=person).exists()
    ):
        return
    raise PermissionDenied(
        "该人员（家庭）不在您的业务范围内，不能变更其收款账户；请由负责其业务的股室或镇办理。"
    )


def validate_person_fields(*, name, id_number, region, death_date=None, exclude_pk=None, phone=None):
    """Field errors as {field: message}; nothing raised, so forms and imports report them all."""
    errors = {}
    number = None
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    if death_date and death_date > timezone.localdate():
        errors["death_date"] = "死亡日期不能晚于今天"
    try:
        validate_person_name(name)
    except ValidationError as exc:
        errors["name"] = exc.messages[0]
    try:
        number, birth, _sex = parse_id_number(id_number)
    except InvalidIdNumber as exc:
        errors["id_number"] = str(exc)
    else:
        clash = Person.objects.filter(id_number=number)
        if exclude_pk:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors["id_number"] = "该身份证号已登记"
        if death_date and death_date < birth:
            errors["death_date"] = "死亡日期早于出生日期"
    if region is None or region.level < Region.Level.VILLAGE:
        errors["region"] = "请选择村（居）委或自然村"
    return number, errors


@transaction.atomic
def create_person(
    *,
    actor,
    name,
    id_number,
    region,
    phone="",
    disability_grade=None,
    severe_mental_disorder=False,
    death_date=None,
):
    number, errors = validate_person_fields(
        name=name, id_number=id_number, region=region, death_date=death_date, phone=phone
    )
    if errors:
        raise ValidationError(errors)
    _check_town(actor, region)
    _, birth, sex = parse_id_number(number)
    try:
        with transaction.atomic():
            person = Person.objects.create(
                name=name.strip(),
                id_number=number,
                birth_date=birth,
                sex=sex,
                phone=phone,
                region=region,
                town=region.town,
                disability_grade=disability_grade,
                severe_mental_disorder=severe_mental_disorder,
                death_date=death_date,
            )
    except IntegrityError:
        raise ValidationError({"id_number": "该身份证号已登记"}) from None
    audit.record(actor, "person.create", person, _person_audit(person))
    return person


@transaction.atomic
def update_person(*, actor, person, expected_version, **fields):
    current = Person.objects.select_for_update().get(pk=person.pk)
    if current.version != expected_version:
        raise ConflictError("该人员信息已被他人修改，请刷新页面查看最新内容后再保存。")
    region = fields.get("region", current.region)
    number, errors = validate_person_fields(
        name=fields.get("name", current.name),
        id_number=fields.get("id_number", current.id_number),
        region=region,
        death_date=fields.get("death_date", current.death_date),
        exclude_pk=current.pk,
        phone=fields.get("phone", current.phone),
    )
    if errors:
        raise ValidationError(errors)
    _check_town(actor, current.region)
    _check_town(actor, region)
    before = _person_audit(current)
    for key, value in fields.items():
        setattr(current, key, value)
    current.id_number = number
    _, current.birth_date, current.sex = parse_id_number(number)
    current.town = region.town
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    audit.record(actor, "person.update", current, audit.diff(before, _person_audit(current)))
    if current.death_date and str(current.death_date) != before.get("death_date"):
        end_cover_at_death(actor=actor, person=current)
    return current


def end_cover_at_death(*, actor, person):
    """A recorded death ends the person's cover from the month after it, in every program: no
    month after the month of death is paid, and stock figures stop counting the person. The
    caseworker still owes the paperwork (减人 or 核减), which the home page lists."""
    stop, covers = covers_ended_by_death(person, person.death_date)
    covers = covers.select_for_update()
    ended, households = [], set()
    for cover in covers.select_related("case__program"):
        if cover.case.household_id and cover.case.status == Case.Status.ACTIVE:
            households.add(cover.case.household_id)
        if cover.start_month >= stop:
            ended.append((cover.case_id, cover.case.program.name, str(cover.start_month), None))
            cover.delete()
            continue
        ended.append((cover.case_id, cover.case.program.name, str(cover.end_month or ""), str(stop)))
        cover.end_month, cover.ended_by_death = stop, True
        cover.save(update_fields=["end_month", "ended_by_death"])
    # The deceased's share of the household's income leaves with them: the per-capita income of
    # the living stays, and the total is theirs — so the 减人 paperwork, with no total stated,
    # derives the same per-capita income again (not the total ÷ fewer persons).
    # (When no one covered is left, the household leaves payment: its record stays as it was.)
    for household in Household.objects.filter(pk__in=households).order_by("pk"):
        living = _covered_count(household)
        if living:
            set_household_income(
                household,
                actor=actor,
                reason="成员死亡，其收入份额随之减除",
                total=household.income_per_capita * living,
            )
    if ended:
        audit.record(
            actor,
            "coverage.end_at_death",
            person,
            {
                "death_date": str(person.death_date),
                "covers": [f"编号{c}（{p}）停发于{s}" for c, p, _b, s in ended],
            },
        )
    return len(ended)


def _in_or_awaiting_payment(household):
    """A case of the household pending, active, or ended but with months still to be paid (its
    stop month lies after the month following the program's latest payroll)."""
    cases = list(
        Case.objects.filter(household=household)
        .exclude(status=Case.Status.REJECTED)
        .values_list("status", "end_month", "program_id")
    )
    for status, end_month, program_id in cases:
        if status != Case.Status.ENDED:
            return True
        last = (
            Payroll.objects.filter(program_id=program_id, kind=Payroll.Kind.MONTHLY)
            .exclude(status=ApprovalStatus.REJECTED)
            .aggregate(m=Max("month"))["m"]
        )
        if last is None or end_month > add_months(last, 1):
            return True
    return False


HOUSEHOLD_FIELDS = ["region", "area", "income_per_capita", "bank_account", "bank_name"]


def _household_audit(household):
    data = audit.snapshot(household, HOUSEHOLD_FIELDS)
    data["bank_account"] = mask_account(household.bank_account)
    return data


@transaction.atomic
def create_household(
    *,
    actor,
    head,
    region,
    area,
    income_per_capita=0,
    bank_account="",
    bank_name="",
    members=(),
    joined_on=None,
):
    """members: [(person, relation)] besides the head."""
    _check_town(actor, region)
    _check_account(bank_account)
    joined_on = joined_on or timezone.localdate()
    seen = {head.pk}
    errors = []
    for person, _relation in members:
        if person.pk in seen:
            errors.append(f"{person.name}（{person.masked_id}）重复添加")
        seen.add(person.pk)
    busy = HouseholdMember.objects.filter(person_id__in=seen, left_on__isnull=True).select_related("person")
    for m in busy:
        errors.append(f"{m.person.name}（{m.person.masked_id}）已是其他家庭的在册成员")
    if errors:
        raise ValidationError({"members": errors})
    household = Household.objects.create(
        head=head,
        region=region,
        town=region.town,
        area=area,
        income_per_capita=income_per_capita,
        income_total=Decimal(income_per_capita or 0) * (1 + len(members)),
        bank_account=bank_account,
        bank_name=bank_name,
    )
    rows = [HouseholdMember(household=household, person=head, relation=Relation.HEAD, joined_on=joined_on)]
    rows += [
        HouseholdMember(household=household, person=p, relation=r, joined_on=joined_on) for p, r in members
    ]
    HouseholdMember.objects.bulk_create(rows)
    audit.record(
        actor,
        "household.create",
        household,
        {**_household_audit(household), "members": [p.name for p, _ in members]},
    )
    return household


@transaction.atomic
def update_household(*, actor, household, expected_version, **fields):
    """Optimistic lock: the second of two concurrent saves gets ConflictError and changes nothing."""
    _check_town(actor, household.region)
    if "region" in fields:
        _check_town(actor, fields["region"])
    _check_account(fields.get("bank_account"))
    current = Household.objects.get(pk=household.pk)
    before = _household_audit(current)
    if (
        "income_per_capita" in fields
        and fields["income_per_capita"] != current.income_per_capita
        and _in_or_awaiting_payment(household)
    ):
        # The amount paid depends on it: a change goes through a review (复核) and its approval.
        raise ValidationError(
            {"income_per_capita": "该家庭正在申请或享受救助，收入变化须通过救助对象页面的“动态复核”办理"}
        )
    for field in ("bank_name", "bank_account"):
        if field in fields and fields[field] != getattr(current, field):
            if fields.get("bank_account"):
                _check_account(fields["bank_account"], "bank_account")
            if _in_a_payroll(household=household):
                raise ValidationError(
                    {
                        field: "该家庭在待审批或已批准的发放名册中，收款账户变更须经股长审批：请使用“变更收款账户”"
                    }
                )
    values = dict(fields)
    if "region" in values:
        values["town"] = values["region"].town
    if "income_per_capita" in values:
        values["income_total"] = Decimal(values["income_per_capita"]) * household_persons(household)
    updated = Household.objects.filter(pk=household.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise ConflictError("该家庭信息已被他人修改并保存，您的修改未保存。请刷新页面查看最新内容后再修改。")
    current = Household.objects.get(pk=household.pk)
    audit.record(actor, "household.update", current, audit.diff(before, _household_audit(current)))
    return current


@transaction.atomic
def add_member(*, actor, household, person, relation, joined_on):
    _check_town(actor, household.region)
    if HouseholdMember.objects.filter(person=person, left_on__isnull=True).exists():
        raise ValidationError({"person": f"{person.name}已是在册家庭成员，不能重复添加"})
    if relation == Relation.HEAD:
        raise ValidationError({"relation": "一户只能有一名户主"})
    member = HouseholdMember.objects.create(
        household=household, person=person, relation=relation, joined_on=joined_on
    )
    Household.objects.filter(pk=household.pk).update(version=F("version") + 1)
    audit.record(
        actor,
        "household.add_member",
        household,
        {"person": person.name, "relation": relation, "joined_on": str(joined_on)},
    )
    return member


@transaction.atomic
def register_member(*, actor, household, name, id_number, relation, joined_on):
    """Add a member by ID number: the registered person of the actor's scope, or a new one."""
    try:
        number = parse_id_number(id_number)[0]
    except InvalidIdNumber as exc:
        raise ValidationError({"id_number": str(exc)}) from None
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        person = create_person(actor=actor, name=name, id_number=number, region=household.region)
    elif user_town(actor) is not None and person.town_id != user_town(actor).pk:
        raise ValidationError({"id_number": "该身份证号已在其他镇登记，请联系该镇或区民政局办理"})
    return add_member(actor=actor, household=household, person=person, relation=relation, joined_on=joined_on)


@transaction.atomic
def remove_member(*, actor, member, left_on):
    _check_town(actor, member.household.region)
    member = HouseholdMember.objects.select_for_update().get(pk=member.pk)
    if member.left_on is not None:
        raise ValidationError({"left_on": "该成员已离开家庭"})
    if member.relation == Relation.HEAD:
        raise ValidationError({"left_on": "户主不能移出，请先在家庭页面“变更户主”"})
    if left_on < member.joined_on:
        raise ValidationError({"left_on": "离开日期早于加入日期"})
    member.left_on = left_on
    member.save(update_fields=["left_on"])
    Household.objects.filter(pk=member.household_id).update(version=F("version") + 1)
    audit.record(
        actor,
        "household.remove_member",
        member.household,
        {"person": member.person.name, "left_on": str(left_on)},
    )
    return member


def is_adult_on(person, on):
    """18 or older on the day, by the birth date the ID number carries."""
    birth = parse_id_number(person.id_number)[1]
    try:
        eighteenth = birth.replace(year=birth.year + 18)
    except ValueError:  # born on 29 February: of age on 1 March
        eighteenth = birth.replace(year=birth.year + 18, month=3, day=1)
    return eighteenth <= on


@transaction.atomic
def change_head(*, actor, household, new_head, old_head_relation=Relation.OTHER, on):
    """变更户主: a current, living, adult member becomes the head (Household.head and their
    relation HEAD); the old head stays a member with `old_head_relation`. A head who has died is
    the usual reason. Payroll lines generated afterwards name the new head as payee; the account
    stays the household's."""
    _check_town(actor, household.region)
    household = Household.objects.select_for_update().select_related("head").get(pk=household.pk)
    errors = {}
    if on is None:
        errors["on"] = "请填写变更日期"
    elif on > timezone.localdate():
        errors["on"] = "变更日期不能晚于今天"
    if old_head_relation not in Relation.values:
        errors["old_head_relation"] = "请选择原户主与新户主的关系"
    elif old_head_relation == Relation.HEAD:
        errors["old_head_relation"] = "一户只能有一名户主：请选择原户主与新户主的关系"
    member = (
        HouseholdMember.objects.select_for_update()
        .select_related("person")
        .filter(household=household, person=new_head)
        .order_by("left_on", "-joined_on")
        .first()
        if new_head is not None
        else None
    )
    if new_head is None:
        errors["new_head"] = "请选择新户主"
    elif new_head.pk == household.head_id:
        errors["new_head"] = f"{new_head.name}已是该户户主"
    elif member is None:
        errors["new_head"] = f"{new_head.name}不是该户成员"
    elif member.left_on is not None:
        errors["new_head"] = f"{new_head.name}已于{member.left_on}离开该户，不能担任户主"
    else:
        person = member.person
        if person.death_date:  # dead now, whatever the change's date: a dead head is never made
            errors["new_head"] = f"{person.name}已于{person.death_date}死亡，不能担任户主"
        elif on is not None and not is_adult_on(person, on):
            errors["new_head"] = f"{person.name}未满18周岁，不能担任户主；请选择成年家庭成员"
        elif on is not None and "on" not in errors and on < member.joined_on:
            errors["on"] = f"变更日期早于{person.name}加入该户的日期（{member.joined_on}）"
    if errors:
        raise ValidationError(errors)
    old_head = household.head
    HouseholdMember.objects.filter(household=household, relation=Relation.HEAD, left_on__isnull=True).update(
        relation=old_head_relation
    )
    member.relation = Relation.HEAD
    member.save(update_fields=["relation"])
    Household.objects.filter(pk=household.pk).update(head=member.person, version=F("version") + 1)
    household.refresh_from_db()
    audit.record(
        actor,
        "household.change_head",
        household,
        {
            "old_head": old_head.name,
            "new_head": member.person.name,
            "old_head_relation": Relation(old_head_relation).label,
            "on": str(on),
        },
    )
    return household


def reveal_id_number(*, actor, person):
    """One click shows the whole number; every reveal is audited (PIPL). The single way to a whole
    number on screen for anyone: edit forms show it masked too."""
    if not may_reveal(actor):
        raise PermissionDenied("无权查看完整身份证号")
    with transaction.atomic():
        audit.record(actor, "person.reveal_id", person)
    return person.id_number


def record_export(*, actor, what, rows, full_ids=False):
    with transaction.atomic():
        audit.record(
            actor,
            "export",
            None,
            {"what": what, "rows": rows, "full_ids": full_ids},
            object_type="export",
            object_repr=what,
        )


@transaction.atomic
def register_household(
    *, actor, region, area, income_per_capita, head, members, bank_account="", bank_name="", joined_on=None
):
    """Register a new household and its not-yet-registered persons at once.

    head: {"name", "id_number"}; members: [{"name", "id_number", "relation"}]. Every row is checked
    before anything is written; errors come back as {field or "members": [...]} in Chinese.
    """
    _check_town(actor, region)
    errors = {}
    rows = [("head", head)] + [(f"member{i}", m) for i, m in enumerate(members, start=1)]
    seen = {}
    for label, row in rows:
        _, row_errors = validate_person_fields(
            name=row.get("name"), id_number=row.get("id_number"), region=region
        )
        who = "户主" if label == "head" else f"第{label[6:]}名成员"
        try:
            number = parse_id_number(row.get("id_number"))[0]
        except InvalidIdNumber:
            number = None
        if number and number in seen:
            row_errors["id_number"] = f"与{seen[number]}的身份证号重复，同一人不能重复添加"
        if number:
            seen.setdefault(number, who)
        for field, message in row_errors.items():
            if label == "head":
                errors.setdefault(f"head_{field}" if field != "region" else "region", []).append(message)
            else:
                errors.setdefault("members", []).append(
                    f"{who}（{row.get('name') or '未填姓名'}）：{message}"
                )
    if errors:
        raise ValidationError(errors)
    head_person = create_person(actor=actor, name=head["name"], id_number=head["id_number"], region=region)
    member_pairs = [
        (create_person(actor=actor, name=m["name"], id_number=m["id_number"], region=region), m["relation"])
        for m in members
    ]
    return create_household(
        actor=actor,
        head=head_person,
        region=region,
        area=area,
        income_per_capita=income_per_capita,
        bank_account=bank_account,
        bank_name=bank_name,
        members=member_pairs,
        joined_on=joined_on,
    )


# ---------------------------------------------------------------- payee accounts


def _check_account(number, field="bank_account"):
    """An account typed on a form: empty (none recorded) or 12–19 digits."""
    if not number:
        return
    try:
        validate_bank_account(number)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _in_a_payroll(*, person=None, household=None):
    """The payee has lines in a pending or approved payroll."""
    lines = PaymentLine.objects.live().exclude(payroll__isnull=True)
    if household is not None:
        return lines.filter(case__household=household).exists()
    return lines.filter(case__person=person).exists()


def _payee_section(*, person=None, household=None):
    """Whose chief decides: the section of the payee's latest program (社会救助 by default)."""
    cases = Case.objects.filter(household=household) if household else Case.objects.filter(person=person)
    section = cases.order_by("-start_month").values_list("program__section", flat=True).first()
    return section or Section.ASSISTANCE


def _account_of(payee):
    return {
        "account_holder": getattr(payee, "account_holder", ""),
        "bank_name": payee.bank_name,
        "bank_account": mask_account(payee.bank_account),
    }


def _apply_account(change, actor):
    payee = change.household or change.person
    model = Household if change.household_id else Person
    values = {"bank_name": change.bank_name, "bank_account": change.bank_account}
    if change.person_id:
        values["account_holder"] = change.account_holder
    model.objects.filter(pk=payee.pk).update(version=F("version") + 1, **values)
    changes = {
        "bank_account": [change.previous.get("bank_account", ""), change.masked_account],
        "bank_name": [change.previous.get("bank_name", ""), change.bank_name],
    }
    if change.person_id:  # a household's account has no holder of its own
        changes["account_holder"] = [change.previous.get("account_holder", ""), change.account_holder]
    audit.record(actor, "payee_account.change", payee, {**changes, "reason": change.reason})


@transaction.atomic
def change_payee_account(
    *, actor, person=None, household=None, bank_account, bank_name, account_holder="", reason
):
    """变更收款账户. Applied at once for a payee in no payroll; for one in a pending or approved
    payroll it waits for the section chief (the lines already generated keep the account they
    recorded). Returns the AccountChange (status approved when applied at once)."""
    payee = household or person
    perm = "civaffairs.change_household" if household else "civaffairs.change_person"
    if not actor.has_perm(perm):
        raise PermissionDenied("您的角色不能变更收款账户。")
    _check_town(actor, payee.region)
    _check_payee_scope(actor, person=person, household=household)
    bank_account = "".join((bank_account or "").split())
    errors = {}
    try:
        validate_bank_account(bank_account)
    except ValidationError as exc:
        errors["bank_account"] = exc.messages
    if not (bank_name or "").strip():
        errors["bank_name"] = "请填写开户银行"
    if account_holder:
        try:
            validate_person_name(account_holder)
        except ValidationError as exc:
            errors["account_holder"] = exc.messages
    if not (reason or "").strip():
        errors["reason"] = "请填写变更原因"
    if errors:
        raise ValidationError(errors)
    # The payee's row, locked: two changes submitted at once are taken one after the other, and
    # the second finds the first pending.
    (Household if household is not None else Person).objects.select_for_update().filter(pk=payee.pk).first()
    if AccountChange.objects.filter(
        status=ApprovalStatus.PENDING, **({"household": household} if household else {"person": person})
    ).exists():
        raise ValidationError("该收款账户已有待审批的变更，请等待审批后再提交。")
    change = AccountChange(
        person=person if household is None else None,
        household=household,
        section=_payee_section(person=person, household=household),
        account_holder=(account_holder or "").strip() if household is None else "",
        bank_name=bank_name.strip(),
        bank_account=bank_account,
        previous=_account_of(payee),
        reason=reason.strip(),
        submitted_by=actor,
    )
    if _in_a_payroll(person=person, household=household):
        change.save()
        audit.record(
            actor, "payee_account.submit", change, {"bank_account": change.masked_account, "reason": reason}
        )
        return change
    change.status, change.decided_at = ApprovalStatus.APPROVED, timezone.now()
    change.comment = "不在发放名册中，直接生效"
    change.save()
    _apply_account(change, actor)
    return change


@transaction.atomic
def decide_account_change(*, actor, change, approve, comment=""):
    change = AccountChange.objects.select_for_update(of=("self",)).get(pk=change.pk)
    check_decision(
        change,
        actor=actor,
        approve=approve,
        comment=comment,
        what="该账户变更",
        perm="civaffairs.approve_case",
        section=change.section,
    )
    record_decision(change, actor=actor, approve=approve, comment=comment)
    if approve:
        _apply_account(change, actor)
    audit.record(
        actor,
        f"payee_account.{'approve' if approve else 'reject'}",
        change,
        {"status": ["pending", change.status], "comment": comment},
    )
    return change


# ---------------------------------------------------------------- household income


def _covered_count(household):
    """Persons covered, open-ended, by the household's case in payment (or pending)."""
    return (
        Coverage.objects.filter(case__household=household, end_month__isnull=True)
        .exclude(case__status__in=[Case.Status.REJECTED, Case.Status.ENDED])
        .values("person")
        .distinct()
        .count()
    )


def household_persons(household):
    """Persons the household's income is shared by: those covered by its case in payment (or
    pending), else its current members."""
    return _covered_count(household) or household.members.filter(left_on__isnull=True).count() or 1


def set_household_income(
    household, *, actor, reason, per_capita_income=None, total=None, effective_month=None
):
    """The one way a household's income changes once it applies for assistance: a stated
    per-capita income (application, review) sets the total for the persons it is shared by; with
    none, the per-capita figure is derived again from the total — the recorded one, or a new
    total stated with the change (增人/减人 approved). With an effective month, the total is also
    recorded in force from that month (HouseholdIncome): the payments engine prices every month
    with the total of that month (payments/income.py). Audited."""
    current = Household.objects.select_for_update().get(pk=household.pk)
    persons = household_persons(current)
    if per_capita_income is not None:
        total, derived = Decimal(per_capita_income) * persons, Decimal(per_capita_income)
    else:
        total = Decimal(total) if total is not None else current.income_total
        derived = per_capita(total, persons)
    if effective_month is not None:
        effective_month = month_start(effective_month)
        if not HouseholdIncome.objects.filter(household=current).exists():
            # The first change recorded: the months before it keep the income they were paid at.
            first = Case.objects.filter(household=current).aggregate(m=Min("start_month"))["m"]
            if first is not None and first < effective_month:
                HouseholdIncome.objects.create(
                    household=current,
                    effective_month=first,
                    income_total=current.income_total,
                    income_per_capita=current.income_per_capita,
                    persons=persons,
                    reason="变更前的收入",
                )
        HouseholdIncome.objects.update_or_create(
            household=current,
            effective_month=month_start(effective_month),
            defaults={
                "income_total": total,
                "income_per_capita": derived,
                "persons": persons,
                "reason": reason[:100],
            },
        )
    if (total, derived) == (current.income_total, current.income_per_capita):
        return current
    Household.objects.filter(pk=current.pk).update(
        income_total=total, income_per_capita=derived, version=F("version") + 1
    )
    audit.record(
        actor,
        "household.income",
        current,
        {
            "income_total": [str(current.income_total), str(total)],
            "income_per_capita": [str(current.income_per_capita), str(derived)],
            "persons": persons,
            "reason": reason,
        },
    )
    return current
