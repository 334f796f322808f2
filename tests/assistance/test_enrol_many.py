"""enrol_many, the bulk form of submit_enrolment + approval (the demo's go-live migration, and
any batch): the same checks as one application, all or nothing, and errors naming the application."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assistance import programs as P
from assistance import services
from civaffairs import payments
from civaffairs.models import ApprovalStatus, Area, AuditEvent, Case, Coverage, Request
from tests.factories import World

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = World()
    world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    world.standard(P.TEKUN, "rural", 590, D(2018, 1, 1))
    return world


def test_a_batch_is_approved_in_payment_with_its_coverage_requests_and_one_audit_row(w):
    a, b = w.person(), w.person()
    cases = services.enrol_many(
        actor=w.town_worker,
        approver=w.chief,
        program=P.TEKUN,
        applications=[
            dict(person=a, start_month=D(2018, 12, 1), category=P.DISPERSED, care_level=P.CARE_SELF),
            dict(person=b, start_month=D(2018, 12, 1), category=P.DISPERSED, care_level=P.CARE_SELF),
        ],
    )
    assert [c.status for c in cases] == [Case.Status.ACTIVE] * 2
    assert Coverage.objects.filter(case__in=cases).count() == 2
    assert set(Request.objects.filter(case__in=cases).values_list("status", "decided_by")) == {
        (ApprovalStatus.APPROVED, w.chief.pk)
    }
    assert AuditEvent.objects.filter(action="case.enrol_many").count() == 1
    # Paid by the engine like any approved case.
    payroll = payments.generate_payroll(actor=w.worker, program=P.TEKUN, month=D(2019, 1, 1))
    assert payroll.total == Decimal("1180.00")


def test_a_person_already_covered_refuses_the_whole_batch_naming_the_application(w):
    covered = w.person_case(P.TEKUN, category=P.DISPERSED, care_level=P.CARE_SELF).person
    fresh = w.person()
    household_case, _ = w.dibao(2, 200)
    with pytest.raises(ValidationError) as exc:
        services.enrol_many(
            actor=w.town_worker,
            approver=w.chief,
            program=P.TEKUN,
            applications=[
                dict(person=fresh, start_month=D(2018, 12, 1), category=P.DISPERSED),
                dict(person=covered, start_month=D(2018, 12, 1), category=P.DISPERSED),
                dict(person=household_case.household.head, start_month=D(2018, 12, 1), category=P.DISPERSED),
            ],
        )
    text = " ".join(exc.value.messages)
    assert f"第2条（{covered.name}）" in text and f"第3条（{household_case.household.head.name}）" in text
    assert "第1条" not in text
    assert not Case.objects.filter(person=fresh).exists()  # nothing half-written


def test_the_same_person_twice_in_one_batch_is_refused(w):
    p = w.person()
    app = dict(person=p, start_month=D(2018, 12, 1), category=P.DISPERSED)
    with pytest.raises(ValidationError, match="已在第1条中申请"):
        services.enrol_many(actor=w.town_worker, approver=w.chief, program=P.TEKUN, applications=[app, app])


def test_the_eligibility_checks_of_one_application_hold_in_bulk(w):
    with pytest.raises(ValidationError, match="第1条.*请选择类别"):
        services.enrol_many(
            actor=w.town_worker,
            approver=w.chief,
            program=P.TEKUN,
            applications=[dict(person=w.person(), start_month=D(2018, 12, 1))],
        )


def test_backdating_is_limited_except_for_a_migrated_ledger(w, settings):
    settings.ENROLMENT_MAX_BACKDATE_MONTHS = 3
    old = dict(person=w.person(), start_month=D(2015, 3, 1), category=P.DISPERSED)
    with pytest.raises(ValidationError, match="最早可追溯3个月"):
        services.enrol_many(actor=w.town_worker, approver=w.chief, program=P.TEKUN, applications=[old])
    [case] = services.enrol_many(
        actor=w.town_worker,
        approver=w.chief,
        program=P.TEKUN,
        applications=[dict(old, monthly_paid=Decimal("590.00"))],
        paid_through=D(2018, 12, 1),
    )
    # A migrated ledger owes no arrears and records what it paid a month.
    assert case.approved_at is None
    assert (case.migrated_paid_through, case.migrated_monthly) == (D(2018, 12, 1), Decimal("590.00"))


def test_nobody_approves_their_own_batch_and_only_a_chief_approves(w):
    app = [dict(person=w.person(), start_month=D(2018, 12, 1), category=P.DISPERSED)]
    with pytest.raises(PermissionDenied):
        services.enrol_many(actor=w.town_worker, approver=w.town_worker, program=P.TEKUN, applications=app)
    with pytest.raises(PermissionDenied):
        services.enrol_many(actor=w.worker, approver=w.worker, program=P.TEKUN, applications=app)


def test_a_town_caseworker_cannot_enrol_another_towns_household(w):
    from civaffairs.roles import CASEWORKER
    from tests.factories import make_user

    liudu = make_user(CASEWORKER, town="六都镇")
    case, _ = w.dibao(1, 200)
    case.household.cases.all()  # the household of 石城镇
    with pytest.raises(PermissionDenied):
        services.enrol_many(
            actor=liudu,
            approver=w.chief,
            program=P.DIBAO,
            applications=[
                dict(household=case.household, start_month=D(2019, 1, 1), category="A", area=Area.RURAL)
            ],
        )


def test_a_ledgers_monthly_amount_is_never_negative(w):
    app = dict(
        person=w.person(), start_month=D(2018, 6, 1), category=P.DISPERSED, monthly_paid=Decimal("-590")
    )
    with pytest.raises(ValidationError, match="月发放额不能为负数"):
        services.enrol_many(
            actor=w.town_worker,
            approver=w.chief,
            program=P.TEKUN,
            applications=[app],
            paid_through=D(2018, 12, 1),
        )
