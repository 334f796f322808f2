"""The cross-section link: a cremation of a person in the registry records the death, and a
death known to the welfare section stops payment in the assistance section."""

import datetime
from decimal import Decimal

from assistance import programs as P
from assistance import services as assistance
from assistance.selectors import deceased_in_cover
from civaffairs import payments
from civaffairs import services as core
from civaffairs.models import AuditEvent, PaymentLine, Person, Section
from civaffairs.roles import CASEWORKER, CHIEF
from tests.factories import id_number_for, make_user, submit, village
from welfare import services

D = datetime.date
JAN, FEB, MAR = D(2019, 1, 1), D(2019, 2, 1), D(2019, 3, 1)


def test_a_cremation_of_a_covered_person_stops_the_next_payrolls_line(ww):
    worker = make_user(CASEWORKER, section=Section.ASSISTANCE)
    chief = make_user(CHIEF, section=Section.ASSISTANCE)
    town_worker = make_user(CASEWORKER, town="石城镇")
    for category, amount in (("rural", 590), ("care_half", 150)):
        standard = payments.draft_standard(
            actor=worker,
            program=P.TEKUN,
            category=category,
            amount=Decimal(amount),
            effective_from=D(2018, 1, 1),
        )
        payments.decide_standard(actor=chief, standard=standard, approve=True, comment="同意")
    person = core.create_person(
        actor=town_worker, name="黄老伯", id_number=id_number_for(7001), region=village("石城镇")
    )
    core.change_payee_account(
        actor=town_worker,
        person=person,
        bank_name="云浮农商银行",
        bank_account="6217000000007001",
        reason="登记收款账户",
    )
    request = submit(
        actor=town_worker,
        program=P.TEKUN,
        person=person,
        start_month=JAN,
        category=P.DISPERSED,
        care_level=P.CARE_HALF,
    )
    assistance.decide_request(actor=chief, request=request, approve=True, comment="同意")

    def pay(month):
        payroll = payments.generate_payroll(actor=worker, program=P.TEKUN, month=month)
        return payments.decide_payroll(actor=chief, payroll=payroll, approve=True, comment="同意")

    pay(JAN)
    cremation = services.record_cremation(
        actor=ww.staff,
        deceased_name="黄老伯",
        id_number=person.id_number,
        death_date=D(2019, 2, 10),
        date=D(2019, 2, 12),
        local=True,
        town=ww.shicheng,
        funds=1400,
    )
    assert cremation.person_id == person.pk
    assert Person.objects.get(pk=person.pk).death_date == D(2019, 2, 10)
    february, march = pay(FEB), pay(MAR)
    assert PaymentLine.objects.filter(
        payroll=february, case=request.case
    ).exists()  # the month of death is paid
    assert not PaymentLine.objects.filter(payroll=march, case=request.case).exists()
    assert deceased_in_cover(town_worker) == 1  # the caseworker's 核减 to-do
    assert AuditEvent.objects.filter(action="coverage.end_at_death").exists()
