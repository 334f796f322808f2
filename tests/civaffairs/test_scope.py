"""A town's caseworker sees and edits only that town's people; the admin role sees no beneficiary data."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from civaffairs import services
from civaffairs.idnumber import make_id_number
from civaffairs.models import Household, Person
from tests.factories import HouseholdFactory, PersonFactory, id_number_for


@pytest.fixture
def people(shicheng_village, liudu_village):
    return {
        "石城甲": PersonFactory(name="石城甲", region=shicheng_village),
        "石城乙": PersonFactory(name="石城乙", region=shicheng_village),
        "六都丙": PersonFactory(name="六都丙", region=liudu_village),
    }


@pytest.fixture
def households(shicheng_village, liudu_village):
    return {
        "石城户": HouseholdFactory(region=shicheng_village, head__name="石城户主", members=1),
        "六都户": HouseholdFactory(region=liudu_village, members=1),
    }


def listed_names(response):
    return {row.record.name for row in response.context["table"].rows}


def listed_heads(response):
    return {row.record.head.name for row in response.context["table"].rows}


def test_a_town_caseworker_lists_only_the_own_towns_persons(caseworker, login, people):
    response = login(caseworker).get(reverse("person_list"))
    assert response.status_code == 200
    assert listed_names(response) == {"石城甲", "石城乙"}
    assert "六都丙" not in response.content.decode()
    assert "共 2 条" in response.content.decode()


def test_a_district_role_lists_every_towns_persons(director, login, people):
    response = login(director).get(reverse("person_list"))
    assert listed_names(response) == {"石城甲", "石城乙", "六都丙"}


def test_the_list_counts_every_visible_row_across_pages(caseworker, login, shicheng_village, liudu_village):
    PersonFactory.create_batch(27, region=shicheng_village)
    PersonFactory.create_batch(3, region=liudu_village)
    response = login(caseworker).get(reverse("person_list"))
    assert len(response.context["table"].page.object_list) == 25
    assert "共 27 条" in response.content.decode()
    second = login(caseworker).get(reverse("person_list"), {"page": 2})
    assert len(second.context["table"].page.object_list) == 2


@pytest.mark.parametrize("query", ["六都丙", "六都", "FULL_ID", "LAST_FOUR"])
def test_a_town_caseworker_finds_no_other_towns_person_by_search(caseworker, login, people, query):
    number = people["六都丙"].id_number
    query = {"FULL_ID": number, "LAST_FOUR": number[-4:]}.get(query, query)
    response = login(caseworker).get(reverse("person_list"), {"q": query})
    assert response.status_code == 200
    assert "六都丙" not in listed_names(response)


def test_a_town_caseworker_finds_own_towns_person_by_search(caseworker, login, people):
    client = login(caseworker)
    assert listed_names(client.get(reverse("person_list"), {"q": "石城甲"})) == {"石城甲"}
    number = people["石城乙"].id_number
    assert listed_names(client.get(reverse("person_list"), {"q": number})) == {"石城乙"}


def test_a_town_caseworker_filtering_by_another_town_gets_nothing(caseworker, login, people, liudu):
    response = login(caseworker).get(reverse("person_list"), {"town": liudu.pk})
    assert listed_names(response) == set()
    response = login(caseworker).get(reverse("household_list"), {"town": liudu.pk})
    assert listed_heads(response) == set()


def test_a_town_caseworker_lists_only_the_own_towns_households(caseworker, login, households, director):
    response = login(caseworker).get(reverse("household_list"))
    assert listed_heads(response) == {"石城户主"}
    other_head = households["六都户"].head.name
    searched = login(caseworker).get(reverse("household_list"), {"q": other_head})
    assert listed_heads(searched) == set()
    by_number = login(caseworker).get(reverse("household_list"), {"q": households["六都户"].head.id_number})
    assert listed_heads(by_number) == set()
    # The same search by a district-wide role does find it: the scope, not the search, hides it.
    assert listed_heads(login(director).get(reverse("household_list"), {"q": other_head})) == {other_head}


@pytest.mark.parametrize("view", ["person_detail", "person_edit"])
def test_another_towns_person_answers_404(caseworker, login, people, view):
    response = login(caseworker).get(reverse(view, args=[people["六都丙"].pk]))
    assert response.status_code == 404
    assert login(caseworker).get(reverse(view, args=[people["石城甲"].pk])).status_code == 200


@pytest.mark.parametrize("view", ["household_detail", "household_edit"])
def test_another_towns_household_answers_404(caseworker, login, households, view):
    response = login(caseworker).get(reverse(view, args=[households["六都户"].pk]))
    assert response.status_code == 404
    assert login(caseworker).get(reverse(view, args=[households["石城户"].pk])).status_code == 200


def test_it_refuses_an_edit_post_to_another_towns_person(caseworker, login, people, liudu_village):
    other = people["六都丙"]
    response = login(caseworker).post(
        reverse("person_edit", args=[other.pk]),
        {"name": "改名", "id_number": other.id_number, "region": liudu_village.pk, "version": other.version},
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name == "六都丙"


def test_it_refuses_adding_a_member_to_another_towns_household(caseworker, login, households):
    other = households["六都户"]
    members_before = other.members.count()
    response = login(caseworker).post(
        reverse("household_add_member", args=[other.pk]),
        {"name": "新成员", "id_number": id_number_for(9001), "relation": "child", "joined_on": "2019-05-01"},
    )
    assert response.status_code == 404
    assert other.members.count() == members_before
    assert not Person.objects.filter(name="新成员").exists()


def test_it_refuses_creating_a_person_in_another_towns_village(caseworker, login, liudu_village):
    before = Person.objects.count()
    response = login(caseworker).post(
        reverse("person_create"),
        {"name": "越界", "id_number": id_number_for(9002), "region": liudu_village.pk},
    )
    assert response.status_code == 200
    assert "未知的村（居），请从列表中选择" in response.content.decode()
    assert Person.objects.count() == before


def test_it_refuses_moving_a_person_to_another_towns_village(caseworker, login, people, liudu_village):
    own = people["石城甲"]
    response = login(caseworker).post(
        reverse("person_edit", args=[own.pk]),
        {"name": own.name, "id_number": own.id_number, "region": liudu_village.pk, "version": own.version},
    )
    assert "未知的村（居），请从列表中选择" in response.content.decode()
    own.refresh_from_db()
    assert own.town.name == "石城镇"


def test_it_refuses_registering_a_household_in_another_towns_village(caseworker, login, liudu_village):
    persons, households = Person.objects.count(), Household.objects.count()
    response = login(caseworker).post(
        reverse("household_create"),
        {
            "head_name": "越界户主",
            "head_id_number": id_number_for(9003),
            "region": liudu_village.pk,
            "area": "rural",
            "income_per_capita": "100",
            "m-TOTAL_FORMS": "0",
            "m-INITIAL_FORMS": "0",
        },
    )
    assert "未知的村（居），请从列表中选择" in response.content.decode()
    assert (Person.objects.count(), Household.objects.count()) == (persons, households)


def test_the_services_refuse_another_towns_village_whatever_the_caller(caseworker, liudu_village):
    # Imports and commands call the services directly: the scope holds there too.
    with pytest.raises(PermissionDenied):
        services.create_person(
            actor=caseworker, name="越界", id_number=id_number_for(9004), region=liudu_village
        )
    with pytest.raises(PermissionDenied):
        services.register_household(
            actor=caseworker,
            region=liudu_village,
            area="rural",
            income_per_capita=0,
            head={"name": "越界户主", "id_number": id_number_for(9005)},
            members=[],
        )
    assert not Person.objects.filter(name__startswith="越界").exists()
    assert not Household.objects.exists()


@pytest.mark.parametrize("view", ["person_list", "household_list", "person_create", "household_create"])
def test_the_admin_role_gets_403_on_beneficiary_lists(sysadmin, login, people, households, view):
    response = login(sysadmin).get(reverse(view))
    assert response.status_code == 403


def test_the_admin_role_sees_no_counts_and_cannot_reveal(sysadmin, login, people):
    client = login(sysadmin)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.context["counts"] is None
    reveal = client.post(reverse("person_reveal", args=[people["石城甲"].pk]))
    assert reveal.status_code in (403, 404)
    assert people["石城甲"].id_number not in reveal.content.decode()


def test_a_town_caseworker_registers_a_person_in_the_own_town(caseworker, login, shicheng_village):
    number = make_id_number("445323", datetime.date(1988, 8, 8), 17)
    response = login(caseworker).post(
        reverse("person_create"), {"name": "本镇人", "id_number": number, "region": shicheng_village.pk}
    )
    person = Person.objects.get(name="本镇人")
    assert response.status_code == 302
    assert response.url == reverse("person_detail", args=[person.pk])
    assert (person.id_number, person.town.name, person.region) == (number, "石城镇", shicheng_village)
    assert (person.birth_date, person.sex) == (datetime.date(1988, 8, 8), "M")


def test_it_refuses_registering_a_number_registered_in_another_town(
    caseworker, login, people, shicheng_village
):
    # The other town's person stays invisible, but the number is still taken.
    before = Person.objects.count()
    response = login(caseworker).post(
        reverse("person_create"),
        {"name": "重号", "id_number": people["六都丙"].id_number, "region": shicheng_village.pk},
    )
    assert response.status_code == 200
    assert "该身份证号已登记" in response.content.decode()
    assert "六都丙" not in response.content.decode()
    assert Person.objects.count() == before
