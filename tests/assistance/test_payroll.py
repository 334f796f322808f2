"""Monthly payrolls (发放花名册): generated in bulk from the cases in payment and the approved
standards in force, once per program and month, approved (locked) or rejected (month freed) by the
chief, never by their author; exported for the bank with masked IDs unless asked and permitted."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assistance import programs as P
from assistance import services
from civaffairs import payments
from civaffairs.idnumber import mask_id_number
from civaffairs.models import (
    ApprovalStatus,
    Area,
    AuditEvent,
    Case,
    Coverage,
    PaymentLine,
    Payroll,
    Program,
    Section,
    Standard,
    UserScope,
)
from civaffairs.roles import CASEWORKER, CHIEF
from tests.factories import HouseholdFactory, PersonFactory, make_user, village

D = datetime.date
JUN18, NOV18, DEC18 = D(2018, 6, 1), D(2018, 11, 1), D(2018, 12, 1)
JAN, FEB, MAR, APR, MAY = (D(2019, m, 1) for m in range(1, 6))


# --- helpers ---------------------------------------------------------------------------------------


def program(code):
    return Program.objects.get(code=code)


def standard(code, category, amount, effective, users, status=ApprovalStatus.APPROVED):
    basis = {c: b for c, _label, b in P.STANDARD_CATEGORIES[code]}[category]
    return Standard.objects.create(
        program=program(code),
        category=category,
        amount=Decimal(amount),
        basis=basis,
        effective_from=effective,
        status=status,
        drafted_by=users.worker,
    )


def dibao_case(users, *, size=2, income=200, area=Area.RURAL, start=JUN18, end=None, town="石城镇", **hh):
    h = HouseholdFactory(region=village(town), members=size - 1, income_per_capita=income, area=area, **hh)
    case = Case.objects.create(
        program=program(P.DIBAO),
        household=h,
        town_id=h.town_id,
        area=area,
        category="A",
        start_month=start,
        end_month=end,
        status=Case.Status.ENDED if end else Case.Status.ACTIVE,
        approved_at=timezone.now(),  # as decide_request records it: payrolls after this consider the case
        submitted_by=users.worker,
    )
    for m in h.members.order_by("id"):
        Coverage.objects.create(
            case=case,
            person=m.person,
            program=case.program,
            exclusion_group="basic_living",
            start_month=start,
            end_month=end,
        )
    return case


def person_case(
    users, code, *, start=JUN18, end=None, category="", care_level="", town="石城镇", **person_fields
):
    p = PersonFactory(region=village(town), **person_fields)
    case = Case.objects.create(
        program=program(code),
        person=p,
        town_id=p.town_id,
        area=Area.RURAL,
        category=category,
        care_level=care_level,
        start_month=start,
        end_month=end,
        status=Case.Status.ENDED if end else Case.Status.ACTIVE,
        approved_at=timezone.now(),  # as decide_request records it: payrolls after this consider the case
        submitted_by=users.worker,
    )
    Coverage.objects.create(
        case=case,
        person=p,
        program=case.program,
        exclusion_group=P.EXCLUSION_GROUPS.get(code, ""),
        start_month=start,
    )
    return case


def generate(users, code, month):
    return payments.generate_payroll(actor=users.worker, program=code, month=month)


def approve(users, payroll):
    return payments.decide_payroll(actor=users.chief, payroll=payroll, approve=True, comment="同意")


def line_of(payroll, case, month=None, item="basic"):
    lines = list(
        PaymentLine.objects.filter(payroll=payroll, case=case, item=item, month=month or payroll.month)
    )
    assert len(lines) <= 1
    return lines[0] if lines else None


class Users:
    def __init__(self):
        self.worker = make_user(CASEWORKER, section=Section.ASSISTANCE, first_name="社会救助股经办人")
        self.chief = make_user(CHIEF, section=Section.ASSISTANCE, first_name="社会救助股股长")


@pytest.fixture
def users(db):
    return Users()


@pytest.fixture
def standards_2018(users):
    for code, category, amount in [
        (P.DIBAO, "urban", 650),
        (P.DIBAO, "rural", 450),
        (P.TEKUN, "rural", 590),
        (P.TEKUN, "care_half", 150),
        (P.DISABILITY_LIVING, "default", 1890),
        (P.DISABILITY_CARE, "default", 2520),
    ]:
        standard(code, category, amount, D(2018, 1, 1), users)


# --- what a payroll contains -------------------------------------------------------------------------


def test_a_payroll_pays_each_case_in_payment_its_entitlement(users, standards_2018):
    two = dibao_case(users, size=2, income=200)
    three = dibao_case(users, size=3, income=Decimal("150.50"), town="六都镇")
    urban = dibao_case(users, size=1, income=100, area=Area.URBAN)
    above = dibao_case(users, size=2, income=450)  # income at the standard: nothing to pay
    payroll = generate(users, P.DIBAO, JAN)
    assert (payroll.kind, payroll.status, payroll.month) == ("monthly", "pending", JAN)
    assert line_of(payroll, two).amount == Decimal("500.00")
    assert line_of(payroll, three).amount == Decimal("898.50")
    assert line_of(payroll, urban).amount == Decimal("550.00")
    assert line_of(payroll, above) is None
    assert (payroll.line_count, payroll.total) == (3, Decimal("1948.50"))
    line = line_of(payroll, three)
    assert (line.persons, line.income, line.paid_month, line.kind, line.town_id) == (
        3,
        Decimal("150.50"),
        JAN,
        "regular",
        three.town_id,
    )
    assert line.standard.amount == Decimal("450.00")


@pytest.mark.parametrize(
    ("start", "end", "paid"),
    [
        (D(2018, 6, 1), None, True),
        (JAN, None, True),
        (FEB, None, False),
        (D(2018, 6, 1), JAN, False),  # end_month is the first month not paid
        (D(2018, 6, 1), FEB, True),
    ],
)
def test_a_case_is_paid_in_the_months_from_its_start_to_before_its_end(
    users, standards_2018, start, end, paid
):
    case = dibao_case(users, start=start, end=end)
    assert (line_of(generate(users, P.DIBAO, JAN), case) is not None) is paid


@pytest.mark.parametrize("status", [Case.Status.PENDING, Case.Status.REJECTED])
def test_cases_not_approved_are_not_paid(users, standards_2018, status):
    case = dibao_case(users)
    Case.objects.filter(pk=case.pk).update(status=status)
    assert line_of(generate(users, P.DIBAO, JAN), case) is None


def test_covered_members_are_counted_in_the_month(users, standards_2018):
    case = dibao_case(users, size=3, income=200)
    third = case.coverages.order_by("id").last()
    Coverage.objects.filter(pk=third.pk).update(start_month=MAR)
    assert line_of(generate(users, P.DIBAO, FEB), case).persons == 2
    assert line_of(generate(users, P.DIBAO, MAR), case).persons == 3


def test_tekun_basic_and_care_are_separate_lines(users, standards_2018):
    case = person_case(users, P.TEKUN, category=P.DISPERSED, care_level=P.CARE_HALF)
    payroll = generate(users, P.TEKUN, JAN)
    assert line_of(payroll, case, item="basic").amount == Decimal("590.00")
    assert line_of(payroll, case, item="care").amount == Decimal("150.00")
    no_standard = person_case(users, P.TEKUN, category=P.DISPERSED, care_level=P.CARE_FULL)
    later = generate(users, P.TEKUN, FEB)
    assert line_of(later, no_standard, item="care") is None  # no 全失能 standard: no care line


def test_an_annual_standard_is_paid_monthly(users, standards_2018):
    case = person_case(users, P.DISABILITY_LIVING, disability_grade=3)
    assert line_of(generate(users, P.DISABILITY_LIVING, JAN), case).amount == Decimal("157.50")


def test_a_one_off_program_has_no_monthly_payroll(users):
    with pytest.raises(ValidationError):
        generate(users, P.TEMP_RELIEF, JAN)


# --- standards in force ------------------------------------------------------------------------------


def test_a_pending_standard_is_not_used(users, standards_2018):
    standard(P.DIBAO, "rural", 490, JAN, users, status=ApprovalStatus.PENDING)
    case = dibao_case(users, size=2, income=200)
    line = line_of(generate(users, P.DIBAO, MAR), case)
    assert line.amount == Decimal("500.00")
    assert line.standard.amount == Decimal("450.00")


def test_a_rejected_standard_is_not_used(users, standards_2018):
    standard(P.DIBAO, "rural", 490, JAN, users, status=ApprovalStatus.REJECTED)
    case = dibao_case(users, size=2, income=200)
    assert line_of(generate(users, P.DIBAO, MAR), case).amount == Decimal("500.00")


def test_the_newest_approved_standard_in_force_is_used(users, standards_2018):
    standard(P.DIBAO, "rural", 470, FEB, users)
    standard(P.DIBAO, "rural", 490, MAY, users)  # approved, not yet in force in March
    case = dibao_case(users, size=2, income=200)
    assert line_of(generate(users, P.DIBAO, JAN), case).amount == Decimal("500.00")
    assert line_of(generate(users, P.DIBAO, MAR), case).amount == Decimal("540.00")
    assert line_of(generate(users, P.DIBAO, MAY), case).amount == Decimal("580.00")


def test_a_program_without_a_standard_pays_nothing(users):
    case = dibao_case(users)
    payroll = generate(users, P.DIBAO, JAN)
    assert line_of(payroll, case) is None
    assert (payroll.line_count, payroll.total) == (0, Decimal("0"))


# --- arrears -----------------------------------------------------------------------------------------


def test_a_case_approved_after_the_december_payroll_gets_december_in_january(users, standards_2018):
    standard(P.DISABILITY_LIVING, "default", 1980, JAN, users)
    early = person_case(users, P.DISABILITY_LIVING, start=NOV18, disability_grade=3)
    approve(users, generate(users, P.DISABILITY_LIVING, DEC18))
    # Applied for December, approved in January after the December payroll.
    town_worker = make_user(CASEWORKER, town="石城镇")
    applicant = PersonFactory(region=village("石城镇"), disability_grade=4)
    request = services.submit_enrolment(
        actor=town_worker, program=P.DISABILITY_LIVING, person=applicant, start_month=DEC18
    )
    services.decide_request(actor=users.chief, request=request, approve=True)
    late = request.case
    january = generate(users, P.DISABILITY_LIVING, JAN)
    december_line = line_of(january, late, month=DEC18)
    assert december_line is not None
    assert (december_line.amount, december_line.paid_month, december_line.kind) == (
        Decimal("157.50"),
        JAN,
        "regular",
    )
    assert december_line.standard.amount == Decimal("1890.00")
    assert line_of(january, late, month=JAN).amount == Decimal("165.00")
    # The case already paid gets its January only.
    assert list(PaymentLine.objects.filter(payroll=january, case=early).values_list("month", flat=True)) == [
        JAN
    ]
    assert january.total == Decimal("157.50") + 2 * Decimal("165.00")


def test_arrears_only_cover_months_with_a_payroll(users, standards_2018):
    approve(users, generate(users, P.DISABILITY_LIVING, DEC18))
    late = person_case(users, P.DISABILITY_LIVING, start=D(2018, 9, 1), disability_grade=3)
    january = generate(users, P.DISABILITY_LIVING, JAN)
    assert sorted(PaymentLine.objects.filter(payroll=january, case=late).values_list("month", flat=True)) == [
        DEC18,
        JAN,
    ]


def test_a_case_already_paid_gets_no_arrears_again(users, standards_2018):
    case = person_case(users, P.DISABILITY_LIVING, start=DEC18, disability_grade=3)
    approve(users, generate(users, P.DISABILITY_LIVING, DEC18))
    january = generate(users, P.DISABILITY_LIVING, JAN)
    assert list(PaymentLine.objects.filter(payroll=january, case=case).values_list("month", flat=True)) == [
        JAN
    ]


def test_arrears_count_the_members_covered_in_the_arrears_month(users, standards_2018):
    """A household in payment from December with two members, a third covered from January, and
    no line yet when the January payroll runs: December is owed for two persons (500.00), January
    for three (750.00)."""
    approve(users, generate(users, P.DIBAO, DEC18))
    case = dibao_case(users, size=3, income=200, start=DEC18)
    third = case.coverages.order_by("id").last()
    Coverage.objects.filter(pk=third.pk).update(start_month=JAN)
    january = generate(users, P.DIBAO, JAN)
    december = line_of(january, case, month=DEC18)
    assert (december.persons, december.amount) == (2, Decimal("500.00"))
    assert (line_of(january, case, month=JAN).persons, line_of(january, case, month=JAN).amount) == (
        3,
        Decimal("750.00"),
    )


# --- deaths ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("death", "paid"),
    [
        (D(2019, 2, 10), {JAN: True, FEB: True, MAR: False, APR: False}),
        (D(2019, 3, 1), {JAN: True, FEB: True, MAR: True, APR: False}),
        (D(2019, 1, 31), {JAN: True, FEB: False, MAR: False, APR: False}),
    ],
)
def test_a_dead_person_is_not_paid_after_the_death_month(users, standards_2018, death, paid):
    case = person_case(users, P.TEKUN, category=P.DISPERSED, care_level=P.CARE_HALF, death_date=death)
    for month, expected in paid.items():
        payroll = generate(users, P.TEKUN, month)
        assert (line_of(payroll, case) is not None) is expected, month
        assert (line_of(payroll, case, item="care") is not None) is expected, month


def test_a_dead_member_of_a_dibao_household_is_not_counted_after_the_death_month(users, standards_2018):
    """The same rule for a household: a covered member who died in February is not paid for from
    March (the household's amount counts one person fewer), whether or not a 减人 was filed yet."""
    case = dibao_case(users, size=2, income=200)
    spouse = case.coverages.order_by("id").last().person
    spouse.death_date = D(2019, 2, 10)
    spouse.save(update_fields=["death_date"])
    assert line_of(generate(users, P.DIBAO, FEB), case).persons == 2
    march = line_of(generate(users, P.DIBAO, MAR), case)
    assert (march.persons, march.amount) == (1, Decimal("250.00"))


# --- once per month, approval and rejection ---------------------------------------------------------


def test_a_month_cannot_be_generated_twice(users, standards_2018):
    dibao_case(users)
    first = generate(users, P.DIBAO, JAN)
    with pytest.raises(ValidationError, match="已生成"):
        generate(users, P.DIBAO, D(2019, 1, 20))
    approve(users, first)
    with pytest.raises(ValidationError, match="已生成"):
        generate(users, P.DIBAO, JAN)
    assert Payroll.objects.filter(program__code=P.DIBAO, month=JAN).count() == 1
    generate(users, P.TEKUN, JAN)  # another program's January is its own


def test_approval_locks_the_payroll(users, standards_2018):
    case = dibao_case(users)
    payroll = approve(users, generate(users, P.DIBAO, JAN))
    payroll = Payroll.objects.get(pk=payroll.pk)
    assert payroll.locked
    assert (payroll.status, payroll.decided_by, payroll.comment) == ("approved", users.chief, "同意")
    for decision in (True, False):
        with pytest.raises(ValidationError, match="不能再审批"):
            payments.decide_payroll(actor=users.chief, payroll=payroll, approve=decision, comment="改")
    assert Payroll.objects.get(pk=payroll.pk).status == "approved"
    assert line_of(payroll, case).amount == Decimal("500.00")


def test_rejection_keeps_the_lines_marked_rejected_and_frees_the_month(users, standards_2018):
    case = dibao_case(users)
    payroll = generate(users, P.DIBAO, JAN)
    with pytest.raises(ValidationError) as exc:
        payments.decide_payroll(actor=users.chief, payroll=payroll, approve=False, comment="")
    assert "comment" in exc.value.message_dict
    payments.decide_payroll(actor=users.chief, payroll=payroll, approve=False, comment="名单有误")
    payroll = Payroll.objects.get(pk=payroll.pk)
    assert payroll.status == "rejected"
    # What was rejected can still be seen and audited, and counts as paid nowhere.
    assert line_of(payroll, case).amount == Decimal("500.00")
    assert not PaymentLine.objects.paid().filter(payroll=payroll).exists()
    again = generate(users, P.DIBAO, JAN)
    assert again.pk != payroll.pk
    assert line_of(again, case).amount == Decimal("500.00")
    with pytest.raises(ValidationError, match="不能再审批"):
        payments.decide_payroll(actor=users.chief, payroll=payroll, approve=True)


def test_a_rejected_earlier_month_is_not_an_arrears_month(users, standards_2018):
    december = generate(users, P.DISABILITY_LIVING, DEC18)
    payments.decide_payroll(actor=users.chief, payroll=december, approve=False, comment="重做")
    late = person_case(users, P.DISABILITY_LIVING, start=DEC18, disability_grade=3)
    january = generate(users, P.DISABILITY_LIVING, JAN)
    assert list(PaymentLine.objects.filter(payroll=january, case=late).values_list("month", flat=True)) == [
        JAN
    ]


# --- who generates and who approves ----------------------------------------------------------------


def test_a_chief_generates_no_payroll_so_none_waits_for_a_decider_who_does_not_exist(users, standards_2018):
    dibao_case(users)
    with pytest.raises(PermissionDenied, match="经办人员"):
        payments.generate_payroll(actor=users.chief, program=P.DIBAO, month=JAN)
    assert not Payroll.objects.exists()


def test_the_author_of_a_payroll_cannot_decide_it_but_may_withdraw_it(users, standards_2018):
    dibao_case(users)
    payroll = generate(users, P.DIBAO, JAN)
    # Give the author the chief's permissions too: still not their own batch.
    users.worker.user_permissions.add(*Permission.objects.filter(codename="approve_payroll"))
    worker = type(users.worker).objects.get(pk=users.worker.pk)
    with pytest.raises(PermissionDenied):
        payments.decide_payroll(actor=worker, payroll=payroll, approve=True)
    with pytest.raises(PermissionDenied, match="生成该名册"):
        payments.withdraw_payroll(actor=users.chief, payroll=payroll)
    payments.withdraw_payroll(actor=worker, payroll=payroll, comment="名单有误，重新生成")
    assert Payroll.objects.get(pk=payroll.pk).status == "withdrawn"
    again = generate(users, P.DIBAO, JAN)
    assert again.status == "pending"
    with pytest.raises(ValidationError, match="不能再审批"):
        payments.decide_payroll(actor=users.chief, payroll=payroll, approve=True)


def test_a_caseworker_or_another_sections_chief_cannot_approve_a_payroll(users, standards_2018):
    payroll = generate(users, P.DIBAO, JAN)
    for actor in (
        make_user(CASEWORKER, section=Section.ASSISTANCE),
        make_user(CHIEF, section=Section.WELFARE),
    ):
        with pytest.raises(PermissionDenied):
            payments.decide_payroll(actor=actor, payroll=payroll, approve=True)


@pytest.mark.parametrize("town", ["石城镇", None], ids=["a town caseworker", "an unscoped caseworker"])
def test_only_section_staff_generate_payrolls(users, town):
    actor = make_user(CASEWORKER, town=town)
    with pytest.raises(PermissionDenied):
        payments.generate_payroll(actor=actor, program=P.DIBAO, month=JAN)
    assert not Payroll.objects.exists()


def test_generating_and_deciding_write_audit_events(users, standards_2018):
    dibao_case(users)
    payroll = generate(users, P.DIBAO, JAN)
    [generated] = AuditEvent.objects.filter(action="payroll.generate")
    assert (generated.actor, generated.object_id, generated.changes) == (
        users.worker,
        str(payroll.pk),
        {"lines": 1, "total": "500.00"},
    )
    approve(users, payroll)
    [approved] = AuditEvent.objects.filter(action="payroll.approve")
    assert (approved.actor, approved.object_id) == (users.chief, str(payroll.pk))


# --- a fixed number of queries --------------------------------------------------------------------------


def _queries_to_generate(users, code, month):
    with CaptureQueriesContext(connection) as ctx:
        generate(users, code, month)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("code", [P.DIBAO, P.TEKUN])
def test_the_number_of_queries_does_not_grow_with_the_cases(users, standards_2018, code):
    def make(n, town, start):
        for i in range(n):
            if code == P.DIBAO:
                dibao_case(users, size=1 + i % 3, town=town, start=start)
            else:
                care = P.CARE_HALF if i % 2 else ""
                person_case(users, P.TEKUN, category=P.DISPERSED, care_level=care, town=town, start=start)

    # An earlier payroll exists for both sizes, so the arrears query runs in both.
    approve(users, generate(users, code, DEC18))
    make(3, "石城镇", JAN)
    small = _queries_to_generate(users, code, JAN)
    make(27, "六都镇", FEB)
    large = _queries_to_generate(users, code, FEB)
    assert PaymentLine.objects.filter(payroll__month=FEB, item="basic").count() == 30
    assert large == small


# --- the bank export ---------------------------------------------------------------------------------


def _rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.fixture
def exported(users, standards_2018):
    shicheng_case = dibao_case(
        users, size=2, income=200, bank_account="6230001234567890123", bank_name="云浮农商银行"
    )
    liudu_case = dibao_case(users, size=1, income=300, town="六都镇", bank_account="6230009876543210987")
    payroll = approve(users, generate(users, P.DIBAO, JAN))
    return payroll, shicheng_case, liudu_case


def test_the_export_masks_ids_and_accounts_by_default(users, exported, login):
    payroll, shicheng_case, _liudu_case = exported
    rows = _rows(login(users.chief).get(reverse("assistance:payroll_export", args=[payroll.pk])))
    header, *lines, footer = rows
    assert header[3] == "身份证号" and header[5] == "银行账号"
    head = shicheng_case.household.head
    [row] = [r for r in lines if r[2] == head.name]
    assert row[3] == mask_id_number(head.id_number) != head.id_number
    assert row[5] == "6230***********0123"
    assert (row[6], row[7], row[8]) == (500, "2019年01月", "2019年01月")
    assert len(lines) == 2
    assert footer[0] == "合计" and footer[6] == 650
    [event] = AuditEvent.objects.filter(action="export")
    assert (event.actor, event.changes["rows"], event.changes["full_ids"]) == (users.chief, 2, False)


def test_the_export_shows_full_ids_when_asked_by_a_permitted_user(users, exported, login):
    payroll, shicheng_case, _liudu_case = exported
    rows = _rows(login(users.chief).get(reverse("assistance:payroll_export", args=[payroll.pk]) + "?full=1"))
    head = shicheng_case.household.head
    [row] = [r for r in rows[1:-1] if r[2] == head.name]
    assert (row[3], row[5]) == (head.id_number, "6230001234567890123")
    [event] = AuditEvent.objects.filter(action="export")
    assert event.changes["full_ids"] is True


def test_the_export_stays_masked_for_a_user_without_the_permission(users, exported, login):
    payroll, shicheng_case, _liudu_case = exported
    reader = User.objects.create_user("payroll_reader", password="Test@2019pw")
    reader.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_payroll", "view_paymentline", "view_person"])
    )
    UserScope.objects.create(user=reader, section=Section.ASSISTANCE)
    rows = _rows(login(reader).get(reverse("assistance:payroll_export", args=[payroll.pk]) + "?full=1"))
    head = shicheng_case.household.head
    [row] = [r for r in rows[1:-1] if r[2] == head.name]
    assert row[3] == mask_id_number(head.id_number)
    assert AuditEvent.objects.get(action="export").changes["full_ids"] is False


def test_a_town_caseworker_exports_only_the_own_towns_lines(users, exported, login):
    """A caseworker of a town sees only that town's people (DESIGN); the payroll's page lists only
    them (payments_for), and the bank export must not hand over the other towns' names, IDs and
    accounts."""
    payroll, shicheng_case, liudu_case = exported
    town_worker = make_user(CASEWORKER, town="石城镇")
    response = login(town_worker).get(reverse("assistance:payroll_export", args=[payroll.pk]) + "?full=1")
    if response.status_code == 200:
        names = [r[2] for r in _rows(response)[1:-1]]
        assert liudu_case.household.head.name not in names
        assert shicheng_case.household.head.name in names
    else:
        assert response.status_code in (403, 404)


def test_anonymous_export_redirects_to_login(exported, client):
    payroll, *_ = exported
    response = client.get(reverse("assistance:payroll_export", args=[payroll.pk]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action="export").exists()


# --- corrections (更正) ----------------------------------------------------------------------------


def test_a_correction_is_a_line_of_its_own_and_leaves_the_locked_payroll_as_it_was(users, standards_2018):
    case = dibao_case(users, size=2, income=200)
    january = approve(users, generate(users, P.DIBAO, JAN))
    correction = payments.submit_correction(
        actor=users.worker, case=case, month=JAN, amount=Decimal("-100"), reason="收入核实有误"
    )
    assert correction.kind == Payroll.Kind.CORRECTION
    assert correction.status == ApprovalStatus.PENDING
    assert correction.total == Decimal("-100.00")
    assert "收入核实有误" in correction.note
    [line] = correction.lines.all()
    assert (line.kind, line.month, line.amount) == (PaymentLine.Kind.CORRECTION, JAN, Decimal("-100.00"))
    january.refresh_from_db()
    assert january.total == Decimal("500.00")  # (450 − 200) × 2, untouched
    assert january.lines.count() == 1
    with pytest.raises(PermissionDenied):
        payments.decide_payroll(actor=users.worker, payroll=correction, approve=True)
    approve(users, correction)
    assert AuditEvent.objects.filter(action="payroll.correction", object_id=str(correction.pk)).exists()


def test_a_correction_cannot_recover_more_than_was_paid_nor_fall_outside_the_cover(users, standards_2018):
    case = dibao_case(users, size=1, income=200, start=JAN, end=MAR)
    approve(users, generate(users, P.DIBAO, JAN))
    with pytest.raises(ValidationError, match="扣回金额超过"):
        payments.submit_correction(
            actor=users.worker, case=case, month=JAN, amount=Decimal("-250.01"), reason="多发"
        )
    with pytest.raises(ValidationError, match="不在保障期内"):
        payments.submit_correction(
            actor=users.worker, case=case, month=MAR, amount=Decimal("10"), reason="漏发"
        )
    with pytest.raises(ValidationError, match="不能为零"):
        payments.submit_correction(actor=users.worker, case=case, month=JAN, amount=Decimal("0"), reason="无")
    assert not Payroll.objects.filter(kind=Payroll.Kind.CORRECTION).exists()


def test_a_town_caseworker_cannot_submit_corrections(users, standards_2018):
    case = dibao_case(users)
    town_worker = make_user(CASEWORKER, town="石城镇")
    with pytest.raises(PermissionDenied):
        payments.submit_correction(
            actor=town_worker, case=case, month=JAN, amount=Decimal("10"), reason="漏发"
        )
