from decimal import Decimal

import pytest

from civaffairs import figures
from civaffairs.periods import Period
from reports.placeholders import (
    Values,
    approximate,
    format_figure,
    period_words,
    placeholders,
    problems,
)

UNITS = {
    "dibao.households": figures.COUNT,
    "dibao.paid": figures.MONEY,
    "dibao.standard_status": figures.STATUS,
}


@pytest.mark.parametrize(
    "value, fmt, text",
    [
        # FIGURES.md: money reads in 万元, two places, trailing zeros dropped.
        ("12054200.00", "万元", "1205.42万元"),
        ("2185950.00", "万元", "218.6万元"),
        ("108000.00", "万元", "10.8万元"),
        ("37500.00", "万元", "3.75万元"),
        ("12054249.99", "", "1205.42万元"),
        ("45082.00", "元", "45082元"),
        ("45082.50", "元", "45082.5元"),
        # The seed's approximations: 460多万元, 3500多份 (two significant figures, rounded down).
        ("4600000.00", "多万元", "460多万元"),
        ("4689999.00", "多万元", "460多万元"),
        ("12054200.00", "数", "12054200"),
    ],
)
def test_money_formats(value, fmt, text):
    assert format_figure(value, figures.MONEY, fmt) == text


@pytest.mark.parametrize(
    "n, approx", [(3500, 3500), (3512, 3500), (3599, 3500), (463, 460), (33, 30), (8, 8)]
)
def test_approximations_round_down_to_two_significant_figures(n, approx):
    assert approximate(n) == approx


def test_counts_rates_and_statuses():
    assert format_figure(3804, figures.COUNT) == "3804"
    assert format_figure(3512, figures.COUNT, "多") == "3500多"
    assert format_figure(Decimal("705"), figures.RATE) == "705"
    assert format_figure(Decimal("157.50"), figures.RATE) == "157.5"
    assert format_figure("pending", figures.STATUS) == "待审批"
    assert format_figure("pending", figures.STATUS, "方案") == "方案已报区政府审核"
    assert format_figure(None, figures.COUNT) == "—"


def test_an_unknown_key_is_named():
    errors = problems("全区{dibao.households}户，{dibao.famlies}人", UNITS, set())
    assert errors == ["未知的指标 dibao.famlies（占位符 {dibao.famlies}）"]


@pytest.mark.parametrize(
    "text",
    [
        "{__import__('os').system('true')}",
        "{1+1}",
        "{dibao.households.__class__}",
        "{dibao.households:{x}}",
        "{ }",
    ],
)
def test_anything_in_braces_that_is_not_a_plain_key_is_refused(text):
    assert problems(text, UNITS, set())


def test_substitution_never_evaluates():
    values = Values(figures={"dibao.households": 3804}, units=UNITS)
    for p in placeholders("{1+1}{dibao.households}"):
        if p.key == "dibao.households":
            assert values.resolve(p) == "3804"
        else:
            with pytest.raises(LookupError):
                values.resolve(p)


@pytest.mark.parametrize(
    "text, error",
    [
        ("{dibao.households:万元}", "只用于金额"),
        ("{dibao.paid:亿元}", "未知的格式"),
        ("{dibao.households:方案}", "只用于审批状态"),
        ("{period.name:万元}", "不带格式"),
    ],
)
def test_formats_that_do_not_suit_the_key_are_refused(text, error):
    (message,) = problems(text, UNITS, set())
    assert error in message


def test_record_lists_are_joined_or_counted():
    values = Values(figures={}, units={}, records={"test.villages": ["大河村", "上洞村", "石坳村"]})
    (joined, count) = placeholders("{test.villages}{test.villages:个数}")
    assert values.resolve(joined) == "大河村、上洞村、石坳村"
    assert values.resolve(count) == "3"
    assert problems("{test.villages:万元}", {}, {"test.villages"})


@pytest.mark.parametrize(
    "label, name, half, months, end_month, nxt",
    [
        ("2019H1", "2019年上半年", "上半年", "1-6月", "6", "下半年"),
        ("2019H2", "2019年下半年", "下半年", "7-12月", "12", "明年上半年"),
        ("2019", "2019年", "本期", "1-12月", "12", "下一阶段"),
        ("2019Q2", "2019年第二季度", "本期", "4-6月", "6", "下一阶段"),
        ("2019-03", "2019年3月", "本期", "3-3月", "3", "下一阶段"),
    ],
)
def test_period_words(label, name, half, months, end_month, nxt):
    words = period_words(Period.parse(label))
    assert (words["period.name"], words["period.half"], words["period.months"]) == (name, half, months)
    assert (words["period.end_month"], words["period.next"]) == (end_month, nxt)


def test_a_record_list_joins_places_as_a_sentence_naming_each_town_once():
    values = Values(
        figures={},
        units={},
        records={
            "test.villages": ["富林镇民主村", "富林镇寨塘村", "石城镇五星村", "镇安镇幌伞村", "六都镇六都村"]
        },
    )
    (joined,) = placeholders("{test.villages:和}")
    assert values.resolve(joined) == "富林镇民主村、寨塘村、石城镇五星村、镇安镇幌伞村和六都镇六都村"
    sites = Values(
        figures={}, units={}, records={"test.sites": ["区福利中心", "镇安镇河西村", "镇安镇河东村"]}
    )
    assert sites.resolve(placeholders("{test.sites:和}")[0]) == "区福利中心、镇安镇河西村和河东村"
    one = Values(figures={}, units={}, records={"test.sites": ["石城镇上洞村"]})
    assert one.resolve(placeholders("{test.sites:和}")[0]) == "石城镇上洞村"


def test_a_record_list_with_fields_gives_the_field_asked_for_and_refuses_others():
    records = {"test.projects": [{"": "救助站改造", "土地面积": "400", "进展": "正在进行图纸设计"}]}
    values = Values(figures={}, units={}, records=records)
    area, progress, name = placeholders("{test.projects:土地面积}{test.projects:进展}{test.projects}")
    assert (values.resolve(area), values.resolve(progress), values.resolve(name)) == (
        "400",
        "正在进行图纸设计",
        "救助站改造",
    )
    assert problems("{test.projects:进展}", {}, {"test.projects": ("土地面积", "进展")}) == []
    (message,) = problems("{test.projects:面积}", {}, {"test.projects": ("土地面积", "进展")})
    assert "test.projects" in message and "面积" in message and "土地面积" in message


def test_an_empty_record_list_reads_as_a_dash_not_as_nothing():
    values = Values(figures={}, units={}, records={"test.projects": []})
    assert values.resolve(placeholders("{test.projects:进展}")[0]) == "—"
    assert values.resolve(placeholders("{test.projects:个数}")[0]) == "0"
