"""The village picker and its choices: scoped to the user's town, searched by village or town name,
labelled with the town so that 新水村 of 石城镇 and 新水村 of 六都镇 can be told apart."""

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civaffairs.roles import CASEWORKER
from tests.factories import PersonFactory, id_number_for, make_user, natural_village, village

URL = reverse("village_autocomplete")


@pytest.fixture
def places(shicheng, liudu):
    shangdong = village(shicheng, name="上洞村")
    return {
        "石城镇·新水村": village(shicheng, name="新水村"),
        "石城镇·上洞村": shangdong,
        "石城镇·上洞村·大坪": natural_village(shangdong, name="大坪"),
        "六都镇·新水村": village(liudu, name="新水村"),
        "六都镇·大河村": village(liudu, name="大河村"),
    }


def labels(response):
    """The labels of every result, group by group (one group per town)."""
    return [child["text"] for group in response.json()["results"] for child in group["children"]]


def test_it_sends_anonymous_to_login_with_no_village_in_the_answer(client, places):
    response = client.get(URL, {"q": "新水"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "新水村" not in response.content.decode()


def test_it_refuses_the_admin_role(sysadmin, login, places):
    response = login(sysadmin).get(URL)
    assert response.status_code == 403
    assert "新水村" not in response.content.decode()


def test_it_refuses_a_post(caseworker, login, places):
    assert login(caseworker).post(URL, {"text": "新村"}).status_code == 405


def test_a_town_caseworker_gets_only_the_own_towns_villages(caseworker, login, places):
    response = login(caseworker).get(URL)
    assert response.status_code == 200
    assert sorted(labels(response)) == ["石城镇·上洞村", "石城镇·上洞村·大坪", "石城镇·新水村"]


def test_a_town_caseworker_gets_no_other_towns_village_by_its_name(caseworker, login, places):
    assert labels(login(caseworker).get(URL, {"q": "大河"})) == []
    assert labels(login(caseworker).get(URL, {"q": "六都"})) == []


def test_an_unbound_caseworker_gets_nothing(login, places):
    unbound = make_user(CASEWORKER)
    assert labels(login(unbound).get(URL)) == []


def test_it_finds_a_village_by_part_of_its_name(caseworker, login, places):
    response = login(caseworker).get(URL, {"q": "新水"})
    assert response.json()["results"][0]["children"] == [
        {"id": str(places["石城镇·新水村"].pk), "text": "石城镇·新水村", "selected_text": "石城镇·新水村"}
    ]


def test_a_village_name_also_finds_its_natural_villages(caseworker, login, places):
    assert sorted(labels(login(caseworker).get(URL, {"q": "上洞"}))) == [
        "石城镇·上洞村",
        "石城镇·上洞村·大坪",
    ]


def test_a_district_role_finds_both_villages_of_one_name_told_apart_by_town(director, login, places):
    response = login(director).get(URL, {"q": "新水村"})
    groups = response.json()["results"]
    assert [g["text"] for g in groups] == ["六都镇", "石城镇"]  # in code order, town by town
    assert sorted(labels(response)) == ["六都镇·新水村", "石城镇·新水村"]


def test_it_finds_a_towns_villages_by_the_town_name(director, login, places):
    assert labels(login(director).get(URL, {"q": "六都"})) == ["六都镇·新水村", "六都镇·大河村"]


def test_every_word_must_match_the_village_or_its_town(director, login, places):
    assert labels(login(director).get(URL, {"q": "六都 新水"})) == ["六都镇·新水村"]


def test_it_pages_the_results_in_a_fixed_number_of_queries(director, login, shicheng):
    client = login(director)
    for _ in range(25):
        village(shicheng)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(URL, {"q": "石城"})
    region_queries = [q for q in queries.captured_queries if "civaffairs_region" in q["sql"]]
    assert len(region_queries) == 2  # the count and the page, labels and groups included
    assert len(labels(first)) == 20
    assert first.json()["pagination"] == {"more": True}
    assert len(labels(client.get(URL, {"q": "石城", "page": 2}))) == 5


# --- the picker in the forms ----------------------------------------------------------------------


def test_the_household_form_carries_the_picker_not_every_village(caseworker, login, places):
    html = login(caseworker).get(reverse("household_create")).content.decode()
    assert f'data-autocomplete-light-url="{URL}"' in html
    assert "新水村" not in html and "上洞村" not in html


def test_the_person_form_shows_the_chosen_village_with_its_town(caseworker, login, places):
    person = PersonFactory(region=places["石城镇·新水村"])
    html = login(caseworker).get(reverse("person_edit", args=[person.pk])).content.decode()
    assert f'<option value="{places["石城镇·新水村"].pk}" selected>石城镇·新水村</option>' in html
    assert "上洞村" not in html


def test_a_form_sent_back_with_an_error_keeps_the_chosen_village(caseworker, login, places):
    place = places["石城镇·上洞村·大坪"]
    response = login(caseworker).post(reverse("household_create"), {"region": place.pk, "m-TOTAL_FORMS": "0"})
    assert f'<option value="{place.pk}" selected>石城镇·上洞村·大坪</option>' in response.content.decode()


def test_a_village_of_another_town_is_refused_in_chinese(caseworker, login, places):
    response = login(caseworker).post(
        reverse("person_create"),
        {"name": "甲", "id_number": id_number_for(7), "region": places["六都镇·新水村"].pk},
    )
    assert "未知的村（居），请从列表中选择" in response.content.decode()


def test_a_form_without_a_village_says_so_in_chinese(caseworker, login, places):
    response = login(caseworker).post(reverse("person_create"), {"name": "甲", "id_number": id_number_for(7)})
    assert response.context["form"].errors["region"] == ["请选择村（居）"]


def test_the_pickers_scripts_and_styles_are_static_files_not_inline(caseworker, login, places):
    form = login(caseworker).get(reverse("household_create")).context["form"]
    media = form.media
    paths = [*media._js, *(p for ps in media._css.values() for p in ps)]
    assert paths[0] == "admin/js/vendor/jquery/jquery.js"  # select2 needs it loaded first
    assert all(finders.find(p) for p in paths), [p for p in paths if not finders.find(p)]
    assert "<script>" not in str(form)
