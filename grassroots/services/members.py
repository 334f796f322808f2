"""村（居）务监督委员会 members: registered with their term and account; the allowance is paid
through the payments engine by a person case of the allowance program, which stops with the
month the term ends in (no allowance after the term)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from civaffairs import audit
from civaffairs.idnumber import mask_account
from civaffairs.models import Area, Case, Coverage, Person, Program, Region
from civaffairs.periods import add_months, month_start
from civaffairs.services import change_payee_account
from civaffairs.validators import validate_bank_account

from ..access import require_staff
from ..models import SupervisorMember
from ..programs import SUPERVISOR


def _end_month(term_end):
    """The first month not paid: the month after the one the term ends in."""
    return add_months(month_start(term_end), 1) if term_end else None


def _overlapping_term(person, start, end, exclude_case=None):
    """Another membership of the person whose paid months meet [start, end) (end None: open):
    two memberships of one month would pay that month twice."""
    qs = Coverage.objects.filter(person=person, program__code=SUPERVISOR)
    qs = qs.filter(Q(end_month__isnull=True) | Q(end_month__gt=start))
    if end is not None:
        qs = qs.filter(start_month__lt=end)
    if exclude_case is not None:
        qs = qs.exclude(case=exclude_case)
    return qs.select_related("case").first()


def _audit_data(member):
    return {
        "person": member.person_id,
        "committee": member.committee_id,
        "role": member.role,
        "term_start": str(member.term_start),
        "term_end": str(member.term_end) if member.term_end else None,
        "bank_account": mask_account(member.person.bank_account),
    }


@transaction.atomic
def register_member(
    *, actor, person, committee, role, term_start, term_end=None, bank_name="", bank_account=""
):
    require_staff(actor)
    errors = {}
    if committee is None or committee.level != Region.Level.VILLAGE:
        errors["committee"] = "请选择村（居）委"
    if role not in SupervisorMember.Role.values:
        errors["role"] = "请选择职务"
    if term_start is None:
        errors["term_start"] = "请填写任期开始日期"
    elif term_end is not None and term_end < term_start:
        errors["term_end"] = "任期结束日期早于任期开始日期"
    bank_account = "".join((bank_account or "").split())
    try:
        validate_bank_account(bank_account)
    except ValidationError as exc:
        errors["bank_account"] = exc.messages
    if not (bank_name or "").strip():
        errors["bank_name"] = "请填写开户银行"
    if person is not None and person.death_date and term_start and person.death_date < term_start:
        errors["person"] = "该人员已死亡，不能登记为成员"
    if errors:
        raise ValidationError(errors)
    program = Program.objects.get(code=SUPERVISOR)
    # The person's row, locked: two registrations submitted at once are taken one after the other.
    person = Person.objects.select_for_update().get(pk=person.pk)
    start, end = month_start(term_start), _end_month(term_end)
    if _overlapping_term(person, start, end) is not None:
        raise ValidationError(
            {"term_start": "该人员已是在任的村（居）务监督委员会成员（任期重叠），同一月份不能重复计发补贴"}
        )
    if not person.bank_account:
        Person.objects.filter(pk=person.pk).update(
            bank_name=bank_name.strip(), bank_account=bank_account, version=F("version") + 1
        )
    elif (person.bank_account, person.bank_name) != (bank_account, bank_name.strip()):
        # A payee's account changes only through the one service: at once when they are in no
        # payroll, after the chief's approval when they are (another program pays them).
        change_payee_account(
            actor=actor,
            person=person,
            bank_account=bank_account,
            bank_name=bank_name,
            account_holder=person.account_holder,
            reason="登记为村（居）务监督委员会成员",
        )
    person.refresh_from_db()
    case = Case.objects.create(
        program=program,
        person=person,
        town_id=committee.town_id,
        area=committee.area or Area.RURAL,
        category="default",
        start_month=start,
        end_month=end,
        status=Case.Status.ENDED if end else Case.Status.ACTIVE,
        reason="村（居）务监督委员会成员",
        # Registered by the section: in payment from its start month, and considered by every
        # payroll generated from now on (payrolls generated before it owe it arrears).
        approved_at=timezone.now(),
        submitted_by=actor,
    )
    try:
        with transaction.atomic():
            Coverage.objects.create(
                case=case, person=person, program=program, start_month=start, end_month=end
            )
    except IntegrityError:
        raise ValidationError({"person": "该人员已是在任的村（居）务监督委员会成员"}) from None
    member = SupervisorMember.objects.create(
        person=person,
        committee=committee,
        town_id=committee.town_id,
        role=role,
        term_start=term_start,
        term_end=term_end,
        case=case,
        created_by=actor,
    )
    audit.record(actor, "supervisor.register", member, _audit_data(member))
    return member


@transaction.atomic
def end_term(*, actor, member, term_end):
    """任期结束: the allowance stops after the month the term ends in."""
    require_staff(actor)
    member = (
        SupervisorMember.objects.select_for_update()
        .select_related("case", "person", "committee")
        .get(pk=member.pk)
    )
    if term_end is None:
        raise ValidationError({"term_end": "请填写任期结束日期"})
    if term_end < member.term_start:
        raise ValidationError({"term_end": "任期结束日期早于任期开始日期"})
    before = _audit_data(member)
    end = _end_month(term_end)
    if (
        _overlapping_term(member.person, month_start(member.term_start), end, exclude_case=member.case)
        is not None
    ):
        raise ValidationError({"term_end": "延长后的任期与该人员的另一任期重叠，同一月份不能重复计发补贴"})
    member.term_end = term_end
    member.save(update_fields=["term_end"])
    Case.objects.filter(pk=member.case_id).update(
        end_month=end, status=Case.Status.ENDED, version=F("version") + 1
    )
    Coverage.objects.filter(case_id=member.case_id).update(end_month=end)
    audit.record(actor, "supervisor.end_term", member, audit.diff(before, _audit_data(member)))
    return member
