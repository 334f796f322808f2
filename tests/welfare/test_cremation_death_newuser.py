"""What a new user met after a cremation: the town caseworker's home page counted one death still
to be reduced (有已死亡人员未核减 1), and its link opened an empty case list, since the list looked
for an open coverage and the death had ended it. Built through the services a click calls."""

import datetime
import re
from decimal import Decimal

from django.urls import reverse

from assistance import programs as P
from assistance import services as assistance
from civaffairs import payments
from civaffairs import services as core
from civaffairs.models import Section
from civaffairs.roles import CASEWORKER, CHIEF
from tests.factories import id_number_for, make_user, village
from welfare import services

D = datetime.date


def standards():
    worker = make_user(CASEWORKER, section=Section.ASSISTANCE)
    chief = make_user(CHIEF, section=Section.ASSISTANCE)
    for category, amount in (("rural", 590), ("care_half", 150)):
        standard = payments.draft_standard(
            actor=worker,
            program=P.TEKUN,
            category=category,
            amount=Decimal(amount),
            effective_from=D(2018, 1, 1),
        )
        payments.decide_standard(actor=chief, standard=standard, approve=True, comment="同意")
    return chief


def covered_person(town_worker, chief, name, number):
    person = core.create_person(actor=town_worker, name=name, id_number=number, region=village("石城镇"))
    request = assistance.submit_enrolment(
        actor=town_worker,
        program=P.TEKUN,
        person=person,
        start_month=D(2019, 1, 1),
        category=P.DISPERSED,
        care_level=P.CARE_HALF,
    )
    assistance.decide_request(actor=chief, request=request, approve=True, comment="同意")
    return person, request.case


def test_the_home_pages_deceased_to_do_opens_on_the_cases_it_counts(ww, login):
    town_worker = make_user(CASEWORKER, town="石城镇")
    chief = standards()
    person, case = covered_person(town_worker, chief, "黄老伯", id_number_for(7101))
    _other, alive = covered_person(town_worker, chief, "李阿婆", id_number_for(7102))
    services.record_cremation(
        actor=ww.staff,
        deceased_name="黄老伯",
        id_number=person.id_number,
        death_date=D(2019, 2, 10),
        date=D(2019, 2, 12),
        local=True,
        town=ww.shicheng,
        funds=1400,
    )
    client = login(town_worker)

    home = client.get(reverse("home")).content.decode()
    link = re.search(r'<a[^>]*href="([^"]*deceased=true[^"]*)"[^>]*>\s*<[^>]*>1<', home)
    assert link, "the to-do counts the one death"
    listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()

    assert "共 1 条" in listed
    assert f'href="{reverse("assistance:case_detail", args=[case.pk])}"' in listed
    assert f'href="{reverse("assistance:case_detail", args=[alive.pk])}"' not in listed
    others = client.get(reverse("assistance:case_list") + "?status=active&deceased=false").content.decode()
    assert f'href="{reverse("assistance:case_detail", args=[alive.pk])}"' in others
    assert f'href="{reverse("assistance:case_detail", args=[case.pk])}"' not in others
