"""The figures page shows the registry's numbers; a town caseworker only the own town's."""

from django.urls import reverse

from civaffairs.demo import load_regions


def test_the_director_sees_district_and_town_figures(director, login, db):
    load_regions()
    client = login(director)
    page = client.get(reverse("figures"), {"period": "2019H1"}).content.decode()
    assert "村（居）委数" in page and ">114<" in page and ">1178<" in page
    town = client.get(reverse("figures"), {"period": "2019H1", "region": "445303105"}).content.decode()
    assert "石城镇" in town and ">22<" in town


def test_a_town_caseworker_gets_the_own_towns_figures_whatever_is_asked(caseworker, login, db):
    load_regions()
    page = (
        login(caseworker)
        .get(reverse("figures"), {"period": "2019H1", "region": "445303100"})
        .content.decode()
    )
    assert "石城镇" in page
    assert ">22<" in page  # 石城镇's 22 committees, not 六都镇's 18 nor the district's 114
    assert ">114<" not in page


def test_a_bad_period_is_explained_in_chinese(director, login, db):
    page = login(director).get(reverse("figures"), {"period": "2019H3"}).content.decode()
    assert "无法识别的期间" in page
