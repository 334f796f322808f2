"""PIPL: lists show 身份证号 masked; the whole number only on an audited reveal, with the permission."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from civaffairs.models import AuditEvent
from tests.factories import HouseholdFactory

MASKED = re.compile(r"\d{6}\*{8}\d{3}[\dX]")


@pytest.fixture
def household(shicheng_village):
    return HouseholdFactory(region=shicheng_village, members=2, bank_account="6228480012345678901")


def full_numbers(household):
    return [m.person.id_number for m in household.members.select_related("person")]


@pytest.mark.parametrize("role", ["caseworker", "chief", "director", "auditor"])
def test_the_person_list_shows_masked_numbers_only(role, request, login, household):
    html = login(request.getfixturevalue(role)).get(reverse("person_list")).content.decode()
    for number in full_numbers(household):
        assert number not in html
        assert f"{number[:6]}********{number[-4:]}" in html
    assert len(MASKED.findall(html)) == 3


@pytest.mark.parametrize("role", ["caseworker", "chief", "director", "auditor"])
def test_the_household_list_shows_the_heads_number_masked_only(role, request, login, household):
    html = login(request.getfixturevalue(role)).get(reverse("household_list")).content.decode()
    head = household.head.id_number
    assert f"{head[:6]}********{head[-4:]}" in html
    for number in full_numbers(household):
        assert number not in html


@pytest.mark.parametrize("view", ["household_detail", "person_detail"])
def test_detail_pages_show_numbers_and_accounts_masked(caseworker, login, household, view):
    pk = household.pk if view == "household_detail" else household.head.pk
    html = login(caseworker).get(reverse(view, args=[pk])).content.decode()
    assert household.head.masked_id in html
    for number in full_numbers(household):
        assert number not in html
    assert "6228480012345678901" not in html
    if view == "household_detail":
        assert "6228***********8901" in html


def test_a_reveal_returns_the_whole_number_and_is_audited(caseworker, login, household):
    person = household.head
    response = login(caseworker).post(reverse("person_reveal", args=[person.pk]))
    assert response.status_code == 200
    assert response.json() == {"id_number": person.id_number}
    event = AuditEvent.objects.get(action="person.reveal_id")
    assert (event.actor, event.object_id, event.object_repr) == (caseworker, str(person.pk), person.name)


def test_each_reveal_is_audited_again(auditor, login, household):
    client = login(auditor)
    for _ in range(3):
        client.post(reverse("person_reveal", args=[household.head.pk]))
    assert AuditEvent.objects.filter(action="person.reveal_id", actor=auditor).count() == 3


def test_the_admin_role_cannot_reveal(sysadmin, login, household):
    response = login(sysadmin).post(reverse("person_reveal", args=[household.head.pk]))
    assert response.status_code in (403, 404)
    assert household.head.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()


def test_a_user_who_may_view_persons_but_not_whole_numbers_gets_403(login, household):
    user = User.objects.create_user("viewer", password="x")
    user.user_permissions.add(Permission.objects.get(codename="view_person"))
    response = login(user).post(reverse("person_reveal", args=[household.head.pk]))
    assert response.status_code == 403
    assert household.head.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()
    # and the reveal button is not offered
    html = login(user).get(reverse("person_detail", args=[household.head.pk])).content.decode()
    assert household.head.masked_id in html
    assert reverse("person_reveal", args=[household.head.pk]) not in html


def test_another_towns_caseworker_cannot_reveal(liudu_caseworker, login, household):
    response = login(liudu_caseworker).post(reverse("person_reveal", args=[household.head.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()


def test_a_reveal_must_be_a_post(caseworker, login, household):
    response = login(caseworker).get(reverse("person_reveal", args=[household.head.pk]))
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()
