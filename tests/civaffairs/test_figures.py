"""`manage.py figures`: the registry's numbers for a period, district-wide or for one town."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civaffairs import demo
from civaffairs.models import Region
from civaffairs.reference import TOWNS

# Hand count from the seed and the demo list: 114 村（居）委 and 1178 自然村 in the district. Each
# town has one urban 社区居委会 with no natural villages; the 107 rural committees get 11 natural
# villages each (1177) and the first in code order (六都镇's) one more.
COMMITTEES = {
    "六都镇": 18,
    "高村镇": 12,
    "白石镇": 14,
    "镇安镇": 20,
    "富林镇": 16,
    "石城镇": 22,
    "都杨镇": 12,
}
NATURAL = {name: (n - 1) * 11 for name, n in COMMITTEES.items()} | {"六都镇": 17 * 11 + 1}


@pytest.fixture
def regions(db):
    demo.load_regions()


def figures(*args):
    out = StringIO()
    call_command("figures", *args, stdout=out)
    return out.getvalue()


def figures_json(*args):
    return json.loads(figures(*args, "--json"))


def test_the_hand_count_matches_the_seed():
    assert sum(COMMITTEES.values()) == 114
    assert sum(NATURAL.values()) == 1178


def test_it_prints_the_districts_village_counts(regions):
    values = figures_json("2019H1")
    assert values["villages.committees"] == 114
    assert values["villages.natural"] == 1178


def test_it_prints_one_towns_values(regions):
    values = figures_json("2019H1", "--region", "445303105")
    assert values["villages.committees"] == 22
    assert values["villages.natural"] == 231


@pytest.mark.parametrize(("code", "name"), TOWNS)
def test_every_towns_values_match_the_hand_count(regions, code, name):
    values = figures_json("2019H1", "--region", code)
    assert (values["villages.committees"], values["villages.natural"]) == (COMMITTEES[name], NATURAL[name])


def test_town_values_sum_to_the_districts(regions):
    district = figures_json("2019H1")
    towns = [figures_json("2019H1", "--region", code) for code, _name in TOWNS]
    for key in ("villages.committees", "villages.natural"):
        assert sum(t[key] for t in towns) == district[key]


def test_loading_the_regions_twice_changes_nothing(regions):
    demo.load_regions()
    assert figures_json("2019H1")["villages.committees"] == 114
    assert Region.objects.filter(level=Region.Level.TOWN).count() == 7


def test_every_period_form_is_accepted(regions):
    for period in ("2019H2", "2019", "2019Q2", "2019-03", "2019-01-01..2019-06-30"):
        assert figures_json(period)["villages.committees"] == 114


def test_the_plain_output_names_each_figure(regions):
    text = figures("2019H1")
    line = next(line for line in text.splitlines() if line.startswith("villages.committees"))
    assert "114" in line
    assert "村（居）委数" in line


@pytest.mark.parametrize("period", ["2019H3", "2019-13", "2019-06-30..2019-01-01", "last year"])
def test_it_refuses_a_bad_period(regions, period):
    with pytest.raises(CommandError, match="期间|月份|日期"):
        figures(period, "--json")


def test_it_refuses_an_unknown_region(regions):
    with pytest.raises(CommandError, match="未知的区划代码：445303999"):
        figures("2019H1", "--region", "445303999")


def test_it_refuses_a_region_that_is_not_a_town(regions):
    with pytest.raises(CommandError, match="须为镇级代码"):
        figures("2019H1", "--region", "445303105001")
    with pytest.raises(CommandError, match="须为镇级代码"):
        figures("2019H1", "--region", "445303")
