"""Payee accounts (issue #6 §3): person programs pay to the person's or their guardian's account;
lines record the account when generated; changing the account of a payee in a pending or
approved payroll waits for the section chief."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from assistance import programs as P
from civaffairs import payments
from civaffairs import services as core
from civaffairs.models import AccountChange, ApprovalStatus, AuditEvent, PaymentLine, Person
from civaffairs.validators import validate_bank_account
from tests.factories import World

D = datetime.date
JAN, FEB, MAR = D(2019, 1, 1), D(2019, 2, 1), D(2019, 3, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = World()
    world.standard(P.ORPHAN, P.DISPERSED, 950, D(2018, 1, 1))
    world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    return world


def orphan(w, account="6217000011112222333"):
    case = w.person_case(P.ORPHAN, category=P.DISPERSED, account=False)
    core.change_payee_account(
        actor=w.town_worker,
        person=case.person,
        account_holder="陈监护",
        bank_name="云浮农商银行",
        bank_account=account,
        reason="登记收款账户",
    )
    case.person.refresh_from_db()
    return case


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("62170000", "12至19位"),
        ("62170000111122223333", "12至19位"),
        ("6217-0000-1111", "只能由数字"),
        ("６２１７０００００１１１２２", "只能由数字"),
    ],
)
def test_an_account_number_is_12_to_19_digits_with_a_chinese_message(value, message):
    with pytest.raises(ValidationError, match=message):
        validate_bank_account(value)
    validate_bank_account("621700001111")


def test_a_person_program_pays_to_the_guardians_account_recorded_on_the_line(w, login):
    case = orphan(w)
    [payroll] = w.pay(P.ORPHAN, JAN)
    line = PaymentLine.objects.get(payroll=payroll, case=case)
    assert (line.payee, line.bank_name, line.bank_account) == (
        "陈监护",
        "云浮农商银行",
        "6217000011112222333",
    )
    response = login(w.chief).get(reverse("assistance:payroll_export", args=[payroll.pk]) + "?full=1")
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert any("6217000011112222333" in [str(v) for v in row] for row in rows[1:])


def test_a_payee_in_no_payroll_changes_account_at_once_audited_masked(w):
    case = w.person_case(P.ORPHAN, category=P.DISPERSED, account=False)
    change = core.change_payee_account(
        actor=w.town_worker,
        person=case.person,
        bank_name="农业银行",
        bank_account="6228 4800 1234 5678",
        reason="开户",
    )
    assert change.status == ApprovalStatus.APPROVED
    person = Person.objects.get(pk=case.person.pk)
    assert person.bank_account == "6228480012345678"  # spaces between groups dropped
    event = AuditEvent.objects.get(action="payee_account.change", object_id=str(person.pk))
    assert "6228480012345678" not in str(event.changes)


def test_a_payee_in_a_payroll_waits_for_the_chief_and_generated_lines_keep_their_account(w):
    case = orphan(w)
    [january] = w.pay(P.ORPHAN, JAN)
    change = core.change_payee_account(
        actor=w.town_worker,
        person=case.person,
        account_holder="陈监护",
        bank_name="工商银行",
        bank_account="6222020000000000001",
        reason="监护人更换银行卡",
    )
    assert change.status == ApprovalStatus.PENDING
    assert Person.objects.get(pk=case.person.pk).bank_account == "6217000011112222333"
    with pytest.raises(ValidationError, match="待审批的变更"):
        core.change_payee_account(
            actor=w.town_worker,
            person=case.person,
            bank_name="工商银行",
            bank_account="6222020000000000009",
            reason="再改",
        )
    with pytest.raises(PermissionDenied):  # a caseworker cannot approve, nor can its author
        core.decide_account_change(actor=w.town_worker, change=change, approve=True)
    [february] = w.pay(P.ORPHAN, FEB)
    assert february.lines.get().bank_account == "6217000011112222333"  # not yet approved
    core.decide_account_change(actor=w.chief, change=change, approve=True, comment="核实无误")
    [march] = w.pay(P.ORPHAN, MAR)
    assert march.lines.get().bank_account == "6222020000000000001"
    assert january.lines.get().bank_account == "6217000011112222333"  # approved payrolls unchanged


def test_a_rejection_says_why_and_changes_nothing(w):
    case = orphan(w)
    w.pay(P.ORPHAN, JAN)
    change = core.change_payee_account(
        actor=w.town_worker,
        person=case.person,
        bank_name="工商银行",
        bank_account="6222020000000000001",
        reason="换卡",
    )
    with pytest.raises(ValidationError):
        core.decide_account_change(actor=w.chief, change=change, approve=False, comment="")
    core.decide_account_change(actor=w.chief, change=change, approve=False, comment="户名与监护人不符")
    assert Person.objects.get(pk=case.person.pk).bank_account == "6217000011112222333"


def test_a_household_in_a_payroll_cannot_change_its_account_on_the_edit_form(w):
    case, _ = w.dibao(2, 200)
    w.pay(P.DIBAO, JAN)
    household = case.household
    household.refresh_from_db()
    with pytest.raises(ValidationError, match="须经股长审批"):
        core.update_household(
            actor=w.town_worker,
            household=household,
            expected_version=household.version,
            bank_account="6222020000000000001",
        )


def test_the_chief_approves_an_account_change_in_the_browser_pages(w, login):
    case = orphan(w)
    w.pay(P.ORPHAN, JAN)
    worker = login(w.town_worker)
    page = worker.get(reverse("person_detail", args=[case.person.pk])).content.decode()
    assert "变更收款账户" in page and "6217000011112222333" not in page
    response = worker.post(
        reverse("person_account", args=[case.person.pk]),
        {
            "account_holder": "陈监护",
            "bank_name": "工商银行",
            "bank_account": "6222020000000000001",
            "reason": "换卡",
        },
    )
    assert response.status_code == 302
    change = AccountChange.objects.get(status=ApprovalStatus.PENDING)
    chief = login(w.chief)
    inbox = chief.get(reverse("account_changes")).content.decode()
    assert "换卡" in inbox and "6222020000000000001" not in inbox
    chief.post(reverse("account_change_decide", args=[change.pk]), {"decision": "approve", "comment": "同意"})
    assert Person.objects.get(pk=case.person.pk).bank_account == "6222020000000000001"


def test_a_bad_account_on_the_form_is_told_and_nothing_saved(w, login):
    case = w.person_case(P.ORPHAN, category=P.DISPERSED, account=False)
    response = login(w.town_worker).post(
        reverse("person_account", args=[case.person.pk]),
        {"bank_name": "工商银行", "bank_account": "12345", "reason": "开户"},
    )
    assert response.status_code == 200 and "12至19位数字" in response.content.decode()
    assert Person.objects.get(pk=case.person.pk).bank_account == ""


def test_a_payroll_paying_a_payee_without_an_account_is_not_approved(w):
    """A transfer without an account bounces, or someone types one into the bank file outside the
    four-eyes rule: the payroll is refused at approval, naming the payee, until the account is
    registered and the payroll generated again."""
    case = w.person_case(P.ORPHAN, category=P.DISPERSED, account=False)
    payroll = payments.generate_payroll(actor=w.worker, program=P.ORPHAN, month=JAN)
    with pytest.raises(ValidationError, match=f"没有收款账户（{case.person.name}）"):
        payments.decide_payroll(actor=w.chief, payroll=payroll, approve=True, comment="同意")
    payments.decide_payroll(actor=w.chief, payroll=payroll, approve=False, comment="补登账户后重新生成")
    core.change_payee_account(
        actor=w.town_worker,
        person=case.person,
        bank_name="农业银行",
        bank_account="6228480012345678",
        reason="开户",
    )
    [again] = w.pay(P.ORPHAN, JAN)
    assert again.lines.get().bank_account == "6228480012345678"
