"""Money safeguards found in review: nothing is paid twice, nothing unowed is paid, paid months
are settled only by corrections, and one change at a time per case."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assistance import programs as P
from assistance import services
from civaffairs import payments
from civaffairs import services as core_services
from civaffairs.models import ApprovalStatus, HouseholdMember, PaymentLine
from civaffairs.roles import CASEWORKER
from civaffairs.selectors import cases_for
from tests.assistance.test_payroll import (  # noqa: F401  (fixtures)
    approve,
    dibao_case,
    generate,
    person_case,
    program,
    standards_2018,
    users,
)
from tests.factories import HouseholdFactory, id_number_for, make_user, village

D = datetime.date
JAN, FEB, MAR, APR, MAY, JUN = (D(2019, m, 1) for m in range(1, 7))


def paid_for(case, month):
    """What the case was paid for the month: lines of approved batches (rejected ones keep their
    lines, marked by the batch's status, and count for nothing)."""
    return sum(
        PaymentLine.objects.paid().filter(case=case, month=month).values_list("amount", flat=True),
        Decimal(0),
    )


def raise_rural_dibao(users, effective=JAN, amount=490):
    """The chief approves a raised rural 低保 standard; the section's caseworker then generates its
    back-pay batch (None when nothing is owed). Returns (standard, batch)."""
    s = payments.draft_standard(
        actor=users.worker,
        program=P.DIBAO,
        category="rural",
        amount=Decimal(amount),
        effective_from=effective,
    )
    standard = payments.decide_standard(actor=users.chief, standard=s, approve=True, comment="同意")
    return standard, payments.generate_backpay(actor=users.worker, standard=standard)


def test_a_late_approval_and_a_raised_standard_pay_each_month_once(users, standards_2018):
    for month in (JAN, FEB, MAR, APR):
        approve(users, generate(users, P.DIBAO, month))
    case = dibao_case(users, size=2, income=200, start=JAN)  # approved now, after the April payroll
    _standard, batch = raise_rural_dibao(users)
    assert batch is None  # the back-pay must leave the late case to the arrears
    approve(users, generate(users, P.DIBAO, MAY))
    for month in (JAN, FEB, MAR, APR, MAY):
        assert paid_for(case, month) == Decimal("580.00"), month  # (490 − 200) × 2, once


def test_months_a_household_was_owed_nothing_are_not_paid_later(users, standards_2018):
    case = dibao_case(users, size=2, income=470, start=JAN)  # above 450: nothing owed
    for month in (JAN, FEB, MAR):
        approve(users, generate(users, P.DIBAO, month))
    assert not PaymentLine.objects.filter(case=case).exists()
    request = services.submit_review(
        actor=users.worker, case=case, outcome="amount_changed", effective_month=APR, income=Decimal(300)
    )
    services.decide_request(actor=users.chief, request=request, approve=True, comment="同意")
    april = approve(users, generate(users, P.DIBAO, APR))
    assert list(april.lines.filter(case=case).values_list("month", "amount")) == [(APR, Decimal("300.00"))]


def test_changes_cannot_take_effect_in_months_already_in_a_payroll(users, standards_2018):
    case = dibao_case(users, size=2, income=200, start=JAN)
    approve(users, generate(users, P.DIBAO, JAN))
    approve(users, generate(users, P.DIBAO, FEB))
    with pytest.raises(ValidationError, match="2019年02月的名册已生成"):
        services.submit_termination(actor=users.worker, case=case, effective_month=FEB, reason="迁出")
    with pytest.raises(ValidationError, match="收入调整自下一个发放月份（2019年03月）起生效"):
        services.submit_review(
            actor=users.worker, case=case, outcome="amount_changed", effective_month=MAY, income=Decimal(100)
        )
    request = services.submit_termination(actor=users.worker, case=case, effective_month=APR, reason="迁出")
    approve(users, generate(users, P.DIBAO, MAR))
    approve(users, generate(users, P.DIBAO, APR))
    # April was paid meanwhile: the approval re-checks and refuses; the request stays pending.
    with pytest.raises(ValidationError, match="2019年04月的名册已生成"):
        services.decide_request(actor=users.chief, request=request, approve=True, comment="同意")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING


def test_one_change_at_a_time_so_a_case_never_ends_with_an_open_cover(users, standards_2018):
    case = dibao_case(users, size=2, income=200, start=JAN)
    newcomer = HouseholdFactory(region=case.household.region).head
    services.submit_termination(actor=users.worker, case=case, effective_month=MAR, reason="收入超标")
    HouseholdMember.objects.filter(person=newcomer).update(left_on=D(2019, 1, 1))
    core_services.add_member(
        actor=users.worker,
        household=case.household,
        person=newcomer,
        relation="other",
        joined_on=D(2019, 2, 1),
    )
    with pytest.raises(ValidationError, match="已有待审批的变更"):
        services.submit_member_change(
            actor=users.worker, case=case, person=newcomer, add=True, effective_month=MAR
        )


def test_income_of_a_household_in_payment_changes_only_through_a_review(users, standards_2018):
    case = dibao_case(users, size=2, income=200, start=JAN)
    household = case.household
    with pytest.raises(ValidationError) as info:
        core_services.update_household(
            actor=users.worker,
            household=household,
            expected_version=household.version,
            income_per_capita=Decimal(100),
        )
    assert "动态复核" in str(info.value)
    household.refresh_from_db()
    assert household.income_per_capita == Decimal(200)
    # Other fields may still be corrected.
    core_services.update_household(
        actor=users.worker, household=household, expected_version=household.version, bank_name="农商银行"
    )


def test_a_rejected_back_pay_can_be_computed_again_without_paying_twice(users, standards_2018):
    case = dibao_case(users, size=1, income=200, start=JAN)
    approve(users, generate(users, P.DIBAO, JAN))
    standard, batch = raise_rural_dibao(users)
    assert batch.total == Decimal("40.00")
    payments.decide_payroll(actor=users.chief, payroll=batch, approve=False, comment="数据有误")
    assert batch.lines.count() == 1  # the rejected batch keeps its line, paying nothing
    assert paid_for(case, JAN) == Decimal("250.00")
    again = payments.generate_backpay(actor=users.worker, standard=standard)
    assert again.total == Decimal("40.00") and again.pk != batch.pk
    approve(users, again)
    assert payments.generate_backpay(actor=users.worker, standard=standard) is None  # nothing more owed
    approve(users, generate(users, P.DIBAO, FEB))
    assert paid_for(case, JAN) == paid_for(case, FEB) == Decimal("290.00")


def test_a_correction_note_names_no_person(users, standards_2018):
    case = dibao_case(users, size=1, income=200, start=JAN)
    approve(users, generate(users, P.DIBAO, JAN))
    payroll = payments.submit_correction(
        actor=users.worker, case=case, month=JAN, amount=Decimal(10), reason="漏发"
    )
    assert case.household.head.name not in payroll.note
    assert f"对象编号{case.pk}" in payroll.note


def test_a_town_caseworker_learns_only_that_a_case_exists_in_another_town(users, standards_2018):
    other = dibao_case(users, size=1, income=200, start=JAN, town="六都镇")
    person = other.household.head
    worker = make_user(CASEWORKER, town="六都镇")
    shicheng = make_user(CASEWORKER, town="石城镇")
    tekun = program(P.TEKUN)
    [cover] = services.find_conflicts(tekun, [person], FEB)
    assert "编号" in services.conflict_message(cover, worker)  # own town: the case is named
    message = services.conflict_message(cover, shicheng)
    assert "编号" not in message and "六都镇" not in message and "其他镇" in message


def test_a_caseworker_bound_to_no_town_or_section_sees_nothing(users, standards_2018):
    dibao_case(users, size=1, start=JAN)
    unbound = make_user(CASEWORKER)
    assert not cases_for(unbound).exists()
    assert cases_for(make_user(CASEWORKER, town="石城镇")).exists()


def test_deceased_members_still_covered_show_as_a_to_do(users, standards_2018):
    from assistance.selectors import deceased_in_cover

    case = dibao_case(users, size=2, start=JAN)
    worker = make_user(CASEWORKER, town="石城镇")
    assert deceased_in_cover(worker) == 0
    member = case.coverages.order_by("id").last().person
    type(member).objects.filter(pk=member.pk).update(death_date=D(2019, 3, 5))
    assert deceased_in_cover(worker) == 1


def test_moving_a_covered_member_out_warns_that_the_reduction_is_still_to_be_submitted(
    users, standards_2018, caseworker, login
):
    from django.urls import reverse

    case = dibao_case(users, size=2, start=JAN)
    member = case.household.members.exclude(person=case.household.head).get()
    response = login(caseworker).post(
        reverse("household_remove_member", args=[case.household.pk, member.pk]),
        {"left_on": "2019-03-10"},
        follow=True,
    )
    page = response.content.decode()
    assert f"已将{member.person.name}移出家庭" in page
    assert "请在救助对象页面提交“减人”" in page
    assert case.coverages.filter(
        person=member.person, end_month__isnull=True
    ).exists()  # until 减人 is approved


def test_a_month_paid_as_arrears_is_not_paid_again_when_its_own_payroll_is_redone(users, standards_2018):
    january = generate(users, P.DIBAO, JAN)  # pending
    case = dibao_case(users, size=2, income=200, start=JAN)  # approved after it was generated
    approve(users, generate(users, P.DIBAO, FEB))  # pays January as arrears
    payments.decide_payroll(actor=users.chief, payroll=january, approve=False, comment="重做")
    approve(users, generate(users, P.DIBAO, JAN))
    assert paid_for(case, JAN) == Decimal("500.00")


def test_arrears_are_owed_only_by_the_first_payroll_after_the_approval(users, standards_2018):
    approve(users, generate(users, P.DIBAO, JAN))
    case = dibao_case(users, size=2, income=470, start=JAN)  # owes nothing at 450
    approve(users, generate(users, P.DIBAO, FEB))
    # Its arrears are settled (nothing): an income review now must not reach back to January.
    request = services.submit_review(
        actor=users.worker, case=case, outcome="amount_changed", effective_month=MAR, income=Decimal(300)
    )
    services.decide_request(actor=users.chief, request=request, approve=True, comment="同意")
    approve(users, generate(users, P.DIBAO, MAR))
    assert paid_for(case, JAN) == paid_for(case, FEB) == Decimal(0)
    assert paid_for(case, MAR) == Decimal("300.00")


def test_no_income_review_while_arrears_are_still_to_be_paid(users, standards_2018):
    approve(users, generate(users, P.DIBAO, JAN))
    case = dibao_case(users, size=2, income=200, start=JAN)  # January owed as arrears by February's payroll
    with pytest.raises(ValidationError, match="尚未进入名册"):
        services.submit_review(
            actor=users.worker, case=case, outcome="amount_changed", effective_month=FEB, income=Decimal(400)
        )


def test_a_recovered_overpayment_is_not_paid_back_by_a_new_standard(users, standards_2018):
    case = dibao_case(users, size=1, income=200, start=JAN)
    approve(users, generate(users, P.DIBAO, JAN))  # 250
    approve(
        users,
        payments.submit_correction(
            actor=users.worker, case=case, month=JAN, amount=Decimal(-100), reason="多发"
        ),
    )
    _standard, batch = raise_rural_dibao(users)
    assert batch.total == Decimal("40.00")  # (490 − 200) − 250; the correction is not undone


def test_the_income_of_a_household_with_months_still_to_be_paid_is_locked(users, standards_2018):
    case = dibao_case(users, size=1, income=200, start=JAN)
    approve(users, generate(users, P.DIBAO, JAN))
    request = services.submit_termination(actor=users.worker, case=case, effective_month=APR, reason="迁出")
    services.decide_request(actor=users.chief, request=request, approve=True, comment="同意")
    household = case.household
    household.refresh_from_db()
    with pytest.raises(ValidationError, match="动态复核"):
        core_services.update_household(
            actor=users.worker,
            household=household,
            expected_version=household.version,
            income_per_capita=Decimal(480),
        )


def test_an_unbound_caseworker_can_change_nothing(users, standards_2018):
    from django.core.exceptions import PermissionDenied

    case = dibao_case(users, size=1, start=JAN)
    unbound = make_user(CASEWORKER)
    with pytest.raises(PermissionDenied):
        services.submit_termination(actor=unbound, case=case, effective_month=MAR, reason="x")
    with pytest.raises(PermissionDenied):
        core_services.create_person(
            actor=unbound,
            name="某人",
            id_number=id_number_for(7777),
            region=village("六都镇"),
        )
