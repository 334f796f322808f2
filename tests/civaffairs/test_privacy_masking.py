"""Masking that cannot be undone (issue 12): no full birth date beside a masked ID number, edit
forms that show numbers masked and keep them unless a new one is typed, no-store on every page
and download with personal data."""

import datetime
import re

import pytest
from django.urls import reverse

from civaffairs import services
from civaffairs.idnumber import make_id_number
from civaffairs.models import AuditEvent, Household, Person
from tests.factories import HouseholdFactory, PersonFactory

BIRTH = datetime.date(1991, 12, 1)
NUMBER = make_id_number("445303", BIRTH, 7)
ACCOUNT = "6228480012345678901"


def birth_date_shown(html):
    """Any way of writing 1991-12-01, the date the mask hides."""
    patterns = [
        r"1991\s*-\s*12\s*-\s*0?1\b",
        r"1991年\s*12月\s*0?1日",
        r"19911201",
        r"1991/12/0?1",
        r"12月1日",
    ]
    return [p for p in patterns if re.search(p, html)]


@pytest.fixture
def person(shicheng_village):
    household = HouseholdFactory(
        region=shicheng_village, head__id_number=NUMBER, head__name="陈明", bank_account=ACCOUNT
    )
    return household.head


@pytest.mark.parametrize("role", ["caseworker", "chief", "director", "auditor"])
def test_the_person_list_shows_the_birth_year_not_the_date(role, request, login, person):
    html = login(request.getfixturevalue(role)).get(reverse("person_list")).content.decode()
    assert person.masked_id in html
    assert birth_date_shown(html) == []
    assert "1991年" in html


def test_the_person_page_shows_the_birth_year_not_the_date(caseworker, login, person):
    html = login(caseworker).get(reverse("person_detail", args=[person.pk])).content.decode()
    assert person.masked_id in html
    assert birth_date_shown(html) == []
    assert "1991年" in html


def test_the_list_sorts_by_birth_still(caseworker, login, person, shicheng_village):
    PersonFactory(region=shicheng_village, id_number=make_id_number("445303", datetime.date(1950, 3, 3), 9))
    response = login(caseworker).get(reverse("person_list"), {"sort": "birth_year"})
    years = [row.get_cell("birth_year") for row in response.context["table"].rows]
    assert years == ["1950年", "1991年"]


def test_the_person_edit_form_carries_no_whole_number(caseworker, login, person):
    html = login(caseworker).get(reverse("person_edit", args=[person.pk])).content.decode()
    assert NUMBER not in html
    assert person.masked_id in html


def edit_person(client, person, **changes):
    data = {
        "name": person.name,
        "id_number": person.masked_id,
        "phone": person.phone,
        "region": person.region_id,
        "version": person.version,
        **changes,
    }
    return client.post(reverse("person_edit", args=[person.pk]), data)


def test_saving_the_form_with_the_masked_number_keeps_the_number(caseworker, login, person):
    response = edit_person(login(caseworker), person, phone="0766-1234567")
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.id_number, person.phone) == (NUMBER, "0766-1234567")
    [event] = AuditEvent.objects.filter(action="person.update")
    assert "id_number" not in event.changes


def test_a_newly_typed_number_replaces_the_stored_one(caseworker, login, person):
    new = make_id_number("445303", datetime.date(1991, 12, 2), 7)
    response = edit_person(login(caseworker), person, id_number=new)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.id_number == new
    [event] = AuditEvent.objects.filter(action="person.update")
    assert NUMBER not in str(event.changes) and new not in str(event.changes)


def test_a_wrong_new_number_is_refused_at_the_field(caseworker, login, person):
    response = edit_person(login(caseworker), person, id_number="445303199112010000")
    assert response.status_code == 200
    assert "校验位" in str(response.context["form"].errors["id_number"])
    assert Person.objects.get(pk=person.pk).id_number == NUMBER


def test_the_household_edit_form_carries_no_account_at_all(caseworker, login, person):
    """The account is changed only through 变更收款账户 (a reason; the chief's approval for a payee
    in a payroll): the edit form neither shows it nor takes it."""
    household = Household.objects.get(head=person)
    client = login(caseworker)
    html = client.get(reverse("household_edit", args=[household.pk])).content.decode()
    assert ACCOUNT not in html and 'name="bank_account"' not in html
    data = {
        "region": household.region_id,
        "area": household.area,
        "income_per_capita": household.income_per_capita,
        "bank_account": "6230111122223333",
        "version": household.version,
    }
    assert client.post(reverse("household_edit", args=[household.pk]), data).status_code == 302
    household.refresh_from_db()
    assert household.bank_account == ACCOUNT  # a forged field changes nothing


def test_the_account_form_keeps_the_number_unseen_and_refuses_letters_in_chinese(caseworker, login, person):
    household = Household.objects.get(head=person)
    client = login(caseworker)
    html = client.get(reverse("household_account", args=[household.pk])).content.decode()
    assert ACCOUNT not in html and household.masked_account in html
    response = client.post(
        reverse("household_account", args=[household.pk]),
        {"bank_name": "农商银行", "bank_account": "6230-ABC", "reason": "换卡"},
    )
    assert response.status_code == 200 and "只能由数字组成" in response.content.decode()
    household.refresh_from_db()
    assert household.bank_account == ACCOUNT


def test_the_reveal_stays_the_one_audited_way_to_a_whole_number(caseworker, login, person):
    client = login(caseworker)
    for name in ("person_detail", "person_edit", "person_list"):
        url = reverse(name, args=[person.pk]) if name != "person_list" else reverse(name)
        assert NUMBER not in client.get(url).content.decode()
    assert AuditEvent.objects.filter(action="person.reveal_id").count() == 0
    assert client.post(reverse("person_reveal", args=[person.pk])).json() == {"id_number": NUMBER}
    assert AuditEvent.objects.filter(action="person.reveal_id").count() == 1


@pytest.mark.parametrize(
    "name", ["home", "person_list", "person_detail", "person_edit", "household_list", "audit_log"]
)
def test_pages_with_personal_data_are_never_stored(director, caseworker, login, person, name):
    user = director if name == "audit_log" else caseworker
    url = reverse(name, args=[person.pk]) if name in ("person_detail", "person_edit") else reverse(name)
    response = login(user).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_reveal_answer_is_never_stored(caseworker, login, person):
    response = login(caseworker).post(reverse("person_reveal", args=[person.pk]))
    assert "no-store" in response["Cache-Control"]


def test_phone_and_death_date_checks(caseworker, person):
    from django.core.exceptions import ValidationError

    for phone, message in [("12345", "7至15位"), ("0766 123 4567", "只能由数字"), ("=1+2", "只能由数字")]:
        with pytest.raises(ValidationError) as caught:
            services.update_person(
                actor=caseworker, person=person, expected_version=person.version, phone=phone
            )
        assert message in caught.value.message_dict["phone"][0]
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.update_person(
            actor=caseworker, person=person, expected_version=person.version, death_date=tomorrow
        )
    assert "不能晚于今天" in caught.value.message_dict["death_date"][0]
    assert Person.objects.get(pk=person.pk).death_date is None
