"""Attacks on the payments work of issue #6: each test is a hole found by probing the landed code
as an attacker would (hand-made POSTs, forged form values, absurd inputs, other towns), asserting
the behaviour the issue promises. Worlds are built through the services (tests.factories.World)."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook

from assistance import exports, roster, services
from assistance import programs as P
from civaffairs import payments
from civaffairs import services as core
from civaffairs.idnumber import make_id_number
from civaffairs.models import Area, Case, PaymentLine, Relation
from tests.factories import World, submit

D = datetime.date
JAN, FEB, MAR, JUN = D(2019, 1, 1), D(2019, 2, 1), D(2019, 3, 1), D(2019, 6, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = World()
    world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    world.standard(P.TEKUN, "rural", 590, D(2018, 1, 1))
    return world


def roster_file(start, town="石城镇", village_name=None, paid_through=None, monthly=None):
    head = make_id_number("445303", D(1968, 4, 12), 15)
    wb = Workbook()
    ws = wb.active
    ws.append(roster.TEMPLATE_HEADERS)
    ws.append(
        [town, village_name, head, "黄大明", head, "户主", "农村", 180, start, "A", paid_through, monthly]
    )
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "花名册.xlsx"
    return buf


# --- (5) roster import: the backdating limit ------------------------------------------------------


def test_a_roster_uploaded_on_screen_keeps_the_backdating_limit(w, settings, login):
    """A caseworker's upload makes pending applications, not a migration (only the command, naming
    an approver, migrates): an application backdated years owes years of arrears once approved."""
    settings.ENROLMENT_MAX_BACKDATE_MONTHS = 3
    with time_machine.travel(datetime.datetime(2019, 7, 10, 10), tick=False):
        response = login(w.town_worker).post(
            reverse("assistance:roster_import"), {"file": roster_file("2015-01", village_name=w.village.name)}
        )
        assert response.status_code == 200  # the form again, with the errors
        assert "最早可追溯3个月" in response.content.decode()
    assert not Case.objects.filter(program__code=P.DIBAO).exists()


def test_a_roster_uploaded_on_screen_cannot_state_a_ledger_it_would_then_pay_again(w, settings, login):
    """已发放至 is a migration's history: on a pending application it was silently dropped, and the
    approval then paid the months the ledger says were paid, as arrears."""
    settings.ENROLMENT_MAX_BACKDATE_MONTHS = 3
    with time_machine.travel(datetime.datetime(2019, 7, 10, 10), tick=False):
        response = login(w.town_worker).post(
            reverse("assistance:roster_import"),
            {
                "file": roster_file(
                    "2019-04", village_name=w.village.name, paid_through="2019-06", monthly=270
                )
            },
        )
        assert response.status_code == 200
        assert "仅用于存量对象迁移" in response.content.decode()
    assert not Case.objects.filter(program__code=P.DIBAO).exists()


# --- (4) corrections: never after death, never for a month not yet paid ---------------------------


def test_a_correction_never_pays_a_month_after_the_persons_death(w):
    case = w.person_case(P.TEKUN, category=P.DISPERSED)
    w.pay(P.TEKUN, JAN, FEB, MAR)
    w.die(case.person, D(2019, 1, 20))  # recorded late: February and March were overpaid
    with pytest.raises(ValidationError) as exc:
        payments.submit_correction(actor=w.worker, case=case, month=MAR, amount=Decimal("590"), reason="补发")
    assert "死亡" in str(exc.value)
    # Recovering the overpayment stays possible.
    payments.submit_correction(
        actor=w.worker, case=case, month=MAR, amount=Decimal("-590"), reason="死亡后多发"
    )


def test_a_correction_is_for_a_month_already_in_a_payroll_not_an_advance(w):
    """A positive correction for a month no payroll has reached, then that month's payroll: the
    month is paid twice (the payroll does not count corrections as paid)."""
    case = w.person_case(P.TEKUN, category=P.DISPERSED)
    w.pay(P.TEKUN, JAN)
    with pytest.raises(ValidationError) as exc:
        payments.submit_correction(actor=w.worker, case=case, month=JUN, amount=Decimal("590"), reason="预发")
    assert "month" in exc.value.message_dict


# --- (2) enrolment and 增人: never covering a person already dead ---------------------------------


def test_a_dibao_application_cannot_cover_a_member_already_dead(w):
    people = [w.person() for _ in range(3)]
    household = core.create_household(
        actor=w.town_worker,
        head=people[0],
        region=w.village,
        area=Area.RURAL,
        income_per_capita=Decimal(100),
        members=[(p, Relation.CHILD) for p in people[1:]],
        joined_on=D(2018, 1, 1),
    )
    w.die(people[2], D(2018, 12, 5))
    with pytest.raises(ValidationError) as exc:
        submit(
            actor=w.town_worker,
            program=P.DIBAO,
            household=household,
            start_month=JAN,
            category="A",
            income=100,
        )
    assert "死亡" in str(exc.value)


def test_a_dead_member_cannot_be_added_to_a_dibao_household(w):
    case, people = w.dibao(2, income=100, start=JAN)
    late = w.person()
    core.add_member(
        actor=w.town_worker, household=case.household, person=late, relation="child", joined_on=D(2019, 1, 2)
    )
    w.die(late, D(2019, 1, 20))
    with pytest.raises(ValidationError) as exc:
        services.submit_member_change(
            actor=w.town_worker, case=case, person=late, add=True, effective_month=FEB
        )
    assert "死亡" in str(exc.value)


# --- (3) member changes: absurd totals --------------------------------------------------------------


@pytest.mark.parametrize("total", ["NaN", "Infinity", "9999999999.99"])
def test_an_absurd_income_total_is_refused_at_submission_not_a_crash_at_approval(w, total):
    case, people = w.dibao(2, income=100, start=JAN)
    with pytest.raises(ValidationError) as exc:
        services.submit_member_change(
            actor=w.town_worker,
            case=case,
            person=people[1],
            add=False,
            effective_month=FEB,
            income_total=total,
        )
    assert "income_total" in exc.value.message_dict


# --- (4) only approved lines are paid: the 公示 and the case page ---------------------------------


def test_the_notice_never_shows_the_amount_of_a_rejected_payroll(w):
    case, _people = w.dibao(2, income=100, start=MAR)
    payroll = payments.generate_payroll(actor=w.worker, program=P.DIBAO, month=MAR)
    payments.decide_payroll(actor=w.chief, payroll=payroll, approve=False, comment="人数有误")
    [row] = list(exports.notice_rows(w.village, MAR, w.town_worker))
    assert row[5] == "按审批后首月名册"


def test_the_case_page_does_not_list_a_rejected_payroll_as_paid(w, login):
    case = w.person_case(P.TEKUN, category=P.DISPERSED)
    w.pay(P.TEKUN, JAN)
    feb = payments.generate_payroll(actor=w.worker, program=P.TEKUN, month=FEB)
    payments.decide_payroll(actor=w.chief, payroll=feb, approve=False, comment="退回")
    html = login(w.town_worker).get(reverse("assistance:case_detail", args=[case.pk])).content.decode()
    record = html.split("发放记录", 1)[1]
    assert "2019年2月" not in record


# --- (1) payee accounts: the household form ------------------------------------------------------


def test_the_household_edit_form_never_shows_the_whole_account_nor_changes_it(w, login):
    case, _people = w.dibao(1, income=100, start=JAN)
    household = case.household
    client = login(w.town_worker)
    url = reverse("household_edit", args=[household.pk])
    html = client.get(url).content.decode()
    assert "6230000000000001" not in html
    # A forged POST of the form with a new account changes nothing: 变更收款账户 is the one way.
    client.post(
        url,
        {
            "region": household.region_id,
            "area": household.area,
            "income_per_capita": "100",
            "bank_name": "某银行",
            "bank_account": "6230999999999999",
            "version": household.version,
        },
    )
    household.refresh_from_db()
    assert household.bank_account == "6230000000000001"


# --- (3)/(4) an income change approved while a payroll waits, then that payroll regenerated --------


def test_a_regenerated_payroll_pays_the_income_of_its_month_not_a_later_change(w):
    """February's payroll waits; a review raising the income from March is approved (the
    household's income changes at once); February is sent back and generated again: it paid
    February at March's income (50 instead of 250)."""
    case, _people = w.dibao(1, income=200, start=JAN)
    w.pay(P.DIBAO, JAN)
    feb = payments.generate_payroll(actor=w.worker, program=P.DIBAO, month=FEB)
    assert feb.total == Decimal("250.00")
    review = services.submit_review(
        actor=w.town_worker, case=case, outcome="amount_changed", effective_month=MAR, income=Decimal(400)
    )
    try:
        services.decide_request(actor=w.chief, request=review, approve=True, comment="同意")
    except ValidationError:
        return  # refused while February waits: no payroll can read the new income for February
    payments.decide_payroll(actor=w.chief, payroll=feb, approve=False, comment="重做")
    again = payments.generate_payroll(actor=w.worker, program=P.DIBAO, month=FEB)
    assert again.total == Decimal("250.00")


# --- (4) a death recorded while the payroll waits ---------------------------------------------------


def test_a_payroll_waiting_when_a_death_is_recorded_is_not_approved_paying_after_it(w):
    case = w.person_case(P.TEKUN, category=P.DISPERSED)
    w.pay(P.TEKUN, JAN, FEB)
    mar = payments.generate_payroll(actor=w.worker, program=P.TEKUN, month=MAR)
    w.die(case.person, D(2019, 2, 10))  # recorded while March waits
    try:
        payments.decide_payroll(actor=w.chief, payroll=mar, approve=True, comment="同意")
    except ValidationError as exc:
        assert "死亡" in str(exc)
    assert not PaymentLine.objects.paid().filter(case=case, month=MAR).exists()


def test_a_household_payroll_waiting_when_a_member_dies_is_not_approved_for_the_dead(w):
    case, people = w.dibao(3, income=100, start=JAN)
    w.pay(P.DIBAO, JAN, FEB)
    mar = payments.generate_payroll(actor=w.worker, program=P.DIBAO, month=MAR)
    assert mar.total == Decimal("1050.00")  # (450 − 100) × 3
    w.die(people[2], D(2019, 2, 10))
    try:
        payments.decide_payroll(actor=w.chief, payroll=mar, approve=True, comment="同意")
    except ValidationError as exc:
        assert "死亡" in str(exc)
    paid = PaymentLine.objects.paid().filter(case=case, month=MAR)
    assert all(line.persons <= 2 for line in paid)
