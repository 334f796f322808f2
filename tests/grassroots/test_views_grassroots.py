"""Each screen: anonymous → login, a wrong role → 403, success, invalid input; the clue page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from civaffairs import payments, roles
from civaffairs.models import AuditEvent, Section
from grassroots import services
from grassroots.creditcode import make_credit_code
from grassroots.models import SocialOrganization, SupervisorMember
from tests.factories import id_number_for, make_user

D = datetime.date

LISTS = [
    "grassroots:index",
    "grassroots:member_list",
    "grassroots:standard_list",
    "grassroots:payroll_list",
    "grassroots:station_list",
    "grassroots:project_list",
    "grassroots:village_rule_list",
    "grassroots:org_list",
    "grassroots:council_list",
    "grassroots:clue_list",
]
FORMS = [
    "grassroots:member_create",
    "grassroots:standard_create",
    "grassroots:station_create",
    "grassroots:worker_create",
    "grassroots:project_create",
    "grassroots:village_rule_set",
    "grassroots:guidance_create",
    "grassroots:org_create",
    "grassroots:council_create",
    "grassroots:clue_create",
    "grassroots:publicity_create",
]


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", LISTS + FORMS)
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("name", LISTS)
def test_a_town_caseworker_is_refused(client, db, name):
    login(client, make_user(roles.CASEWORKER, town="石城镇"))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("role", ["staff", "chief", "director", "auditor"])
def test_readers_see_every_list(client, gr_staff, gr_chief, committee, name, role):
    services.record_clue(actor=gr_staff, village=committee, received_on=D(2019, 4, 1), summary="机密内容甲")
    user = {"staff": gr_staff, "chief": gr_chief}.get(role) or make_user(
        roles.DIRECTOR if role == "director" else roles.AUDITOR
    )
    response = login(client, user).get(reverse(name))
    assert response.status_code == 200
    assert "机密内容甲" not in response.content.decode()


@pytest.mark.parametrize("name", FORMS)
def test_forms_are_section_staff_work(client, gr_staff, gr_chief, name):
    assert login(client, gr_chief).get(reverse(name)).status_code == 403
    client.logout()
    assert login(client, gr_staff).get(reverse(name)).status_code == 200


def test_staff_register_a_member_and_the_chief_sees_the_account_masked(client, gr_staff, gr_chief, committee):
    data = {
        "name": "陈志明",
        "id_number": id_number_for(4242),
        "committee": committee.pk,
        "role": "chair",
        "term_start": "2017-03-01",
        "term_end": "2021-02-28",
        "bank_name": "云浮农商银行",
        "bank_account": "6217000011112222333",
    }
    response = login(client, gr_staff).post(reverse("grassroots:member_create"), data)
    member = SupervisorMember.objects.get()
    assert response.status_code == 302
    client.logout()
    page = login(client, gr_chief).get(reverse("grassroots:member_detail", args=[member.pk])).content.decode()
    assert "6217***********2333" in page and "6217000011112222333" not in page


def test_a_term_ending_before_it_starts_is_shown_at_the_field(client, gr_staff, committee):
    data = {
        "name": "陈志明",
        "id_number": id_number_for(4243),
        "committee": committee.pk,
        "role": "member",
        "term_start": "2019-03-01",
        "term_end": "2019-01-01",
        "bank_name": "云浮农商银行",
        "bank_account": "6217000011112222333",
    }
    response = login(client, gr_staff).post(reverse("grassroots:member_create"), data)
    assert response.status_code == 200
    assert "任期结束日期早于任期开始日期" in response.content.decode()
    assert not SupervisorMember.objects.exists()


def test_a_wrong_credit_code_is_refused_with_its_reason(client, gr_staff):
    good = make_credit_code("1", 77)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    data = {
        "name": "云安区书画协会",
        "credit_code": bad,
        "kind": "1",
        "registered_on": "2019-03-01",
        "legal_representative": "陈志明",
    }
    response = login(client, gr_staff).post(reverse("grassroots:org_create"), data)
    assert "校验码错误" in response.content.decode()
    assert not SocialOrganization.objects.exists()
    response = client.post(reverse("grassroots:org_create"), {**data, "credit_code": good})
    assert response.status_code == 302 and SocialOrganization.objects.get().credit_code == good


def test_payroll_pages_through_the_engine(client, gr_staff, gr_chief, gr_program, committee):
    s = payments.draft_standard(
        actor=gr_staff,
        program=gr_program,
        category="default",
        amount=Decimal(625),
        effective_from=D(2019, 1, 1),
    )
    login(client, gr_chief).post(reverse("grassroots:standard_decide", args=[s.pk]), {"decision": "approve"})
    client.logout()
    login(client, gr_staff)
    response = client.post(reverse("grassroots:payroll_generate"), {"month": "2019-01"})
    assert response.status_code == 302
    again = client.post(reverse("grassroots:payroll_generate"), {"month": "2019-01"}, follow=True)
    assert "不能重复生成" in again.content.decode()


def test_a_clue_is_opened_by_the_chief_and_refused_to_the_auditor_in_words(
    client, gr_staff, gr_chief, committee
):
    clue = services.record_clue(
        actor=gr_staff, village=committee, received_on=D(2019, 4, 1), summary="机密内容乙"
    )
    url = reverse("grassroots:clue_detail", args=[clue.pk])
    response = login(client, make_user(roles.AUDITOR)).get(url)
    assert response.status_code == 403 and "线索内容保密" in response.content.decode()
    client.logout()
    assert "机密内容乙" in login(client, gr_chief).get(url).content.decode()
    assert AuditEvent.objects.filter(action="clue.open", actor=gr_chief).count() == 1


def test_another_sections_chief_cannot_decide_the_allowance(client, gr_staff, gr_program):
    s = payments.draft_standard(
        actor=gr_staff,
        program=gr_program,
        category="default",
        amount=Decimal(625),
        effective_from=D(2019, 1, 1),
    )
    chief_assist = make_user(roles.CHIEF, section=Section.ASSISTANCE)
    response = login(client, chief_assist).post(
        reverse("grassroots:standard_decide", args=[s.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    s.refresh_from_db()
    assert s.status == "pending"


def test_a_members_person_page_links_the_allowance_to_the_member_page(client, gr_staff, gr_chief, committee):
    from tests.factories import PersonFactory

    m = services.register_member(
        actor=gr_staff,
        person=PersonFactory(region=committee),
        committee=committee,
        role="member",
        term_start=D(2019, 1, 1),
        bank_name="云浮农商银行",
        bank_account="621700001111222233",
    )
    page = login(client, gr_chief).get(reverse("person_detail", args=[m.person_id])).content.decode()
    assert reverse("grassroots:member_detail", args=[m.pk]) in page
    # Not an assistance case: the home page's 在保救助对象 does not count it.
    assert login(client, make_user(roles.DIRECTOR)).get("/").context["counts"]["active"] == 0
