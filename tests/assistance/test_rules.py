"""The pure benefit rules of assistance/programs.py, as tables of cases from policy text.

Sources: 低保 = (保障标准 − 家庭月人均收入) × 保障人数 (《社会救助暂行办法》第十条, 粤民发〔2019〕
低保标准); 残疾人两项补贴 annual standards paid monthly (1980/12 = 165, 2640/12 = 220 in 2019);
动态管理 review intervals A 每年 / B 每半年 / C 每季度; 特困 basic living plus care subsidy by
self-care level.
"""

import datetime
from decimal import Decimal

import pytest

from assistance import programs as P

D = datetime.date


@pytest.mark.parametrize(
    ("standard", "income", "persons", "expected"),
    [
        # the seed's 2019 urban standard 705 and a per-capita income below the 补差水平 554
        ("705", "554.37", 1, "150.63"),
        ("705", "554.37", 3, "451.89"),
        ("705", "554.99", 2, "300.02"),
        # half a fen rounds half up, after multiplying by the members
        ("705", "554.555", 1, "150.45"),
        ("705", "554.555", 3, "451.34"),
        ("490", "251", 2, "478.00"),
        ("490", "0", 1, "490.00"),
        ("450", "200", 2, "500.00"),
        # never below zero: income at or above the standard pays nothing
        ("490", "490", 2, "0.00"),
        ("490", "490.01", 4, "0.00"),
        ("490", "1000", 1, "0.00"),
        # nobody covered, nothing paid
        ("490", "200", 0, "0.00"),
    ],
)
def test_dibao_amount_is_the_gap_times_the_covered_members(standard, income, persons, expected):
    amount = P.dibao_amount(Decimal(standard), Decimal(income), persons)
    assert amount == Decimal(expected)
    assert amount.as_tuple().exponent == -2


def test_dibao_amount_accepts_strings_and_integers():
    assert P.dibao_amount("490", 200, 2) == Decimal("580.00")


@pytest.mark.parametrize(
    ("amount", "basis", "expected"),
    [
        (1980, "annual", "165.00"),
        (1890, "annual", "157.50"),
        (2640, "annual", "220.00"),
        (2520, "annual", "210.00"),
        (1000, "annual", "83.33"),
        (1001, "annual", "83.42"),
        (50, "annual", "4.17"),
        (705, "monthly", "705.00"),
        ("784.5", "monthly", "784.50"),
        (0, "annual", "0.00"),
    ],
)
def test_monthly_rate_divides_annual_standards_by_twelve(amount, basis, expected):
    rate = P.monthly_rate(amount, basis)
    assert rate == Decimal(expected)
    assert rate.as_tuple().exponent == -2


def test_the_disability_increase_of_2019_is_seven_fifty_a_month():
    assert P.monthly_rate(1980, "annual") - P.monthly_rate(1890, "annual") == Decimal("7.50")
    assert P.monthly_rate(2640, "annual") - P.monthly_rate(2520, "annual") == Decimal("10.00")


@pytest.mark.parametrize(
    ("program", "amount", "basis", "income", "persons", "expected"),
    [
        (P.DIBAO, 490, "monthly", Decimal("200"), 2, "580.00"),
        (P.DIBAO, 450, "monthly", Decimal("200"), 2, "500.00"),
        (P.DIBAO, 705, "monthly", Decimal("554.37"), 3, "451.89"),
        (P.DIBAO, 490, "monthly", None, 1, "490.00"),  # no income recorded counts as none
        (P.DIBAO, 490, "monthly", Decimal("495"), 3, "0.00"),
        (P.TEKUN, 784, "monthly", None, 1, "784.00"),
        (P.TEKUN, 1128, "monthly", None, 1, "1128.00"),
        (P.TEKUN, 201, "monthly", None, 1, "201.00"),  # 护理·半失能
        (P.ORPHAN, 1685, "monthly", None, 1, "1685.00"),
        (P.ORPHAN, 1025, "monthly", None, 1, "1025.00"),
        (P.CHILD, 450, "monthly", None, 1, "450.00"),
        (P.DISABILITY_LIVING, 1980, "annual", None, 1, "165.00"),
        (P.DISABILITY_LIVING, 1890, "annual", None, 1, "157.50"),
        (P.DISABILITY_CARE, 2640, "annual", None, 1, "220.00"),
        (P.DISABILITY_CARE, 2520, "annual", None, 1, "210.00"),
        # income is a 低保 notion only: other programs ignore it
        (P.TEKUN, 784, "monthly", Decimal("300"), 1, "784.00"),
    ],
)
def test_entitlement_of_each_program(program, amount, basis, income, persons, expected):
    due = P.entitlement(program, standard_amount=amount, basis=basis, income=income, persons=persons)
    assert due == Decimal(expected)


@pytest.mark.parametrize(
    ("program", "area", "category", "care_level", "expected"),
    [
        (P.DIBAO, "rural", "A", "", [("basic", "rural")]),
        (P.DIBAO, "urban", "C", "", [("basic", "urban")]),
        (P.TEKUN, "rural", P.DISPERSED, "", [("basic", "rural")]),
        (P.TEKUN, "urban", P.CENTRALIZED, "", [("basic", "urban")]),
        (P.TEKUN, "rural", P.DISPERSED, P.CARE_HALF, [("basic", "rural"), ("care", "care_half")]),
        (P.TEKUN, "rural", P.CENTRALIZED, P.CARE_FULL, [("basic", "rural"), ("care", "care_full")]),
        (P.TEKUN, "rural", P.DISPERSED, P.CARE_SELF, [("basic", "rural"), ("care", "care_self")]),
        (P.ORPHAN, "rural", P.CENTRALIZED, "", [("basic", P.CENTRALIZED)]),
        (P.ORPHAN, "rural", P.DISPERSED, "", [("basic", P.DISPERSED)]),
        (P.ORPHAN, "rural", "", "", [("basic", P.DISPERSED)]),
        (P.CHILD, "rural", "", "", [("basic", "default")]),
        (P.DISABILITY_LIVING, "urban", "", "", [("basic", "default")]),
        (P.DISABILITY_CARE, "rural", "", "", [("basic", "default")]),
        (P.TEMP_RELIEF, "rural", "", "", []),
    ],
)
def test_payment_items_name_the_standard_each_item_is_paid_at(program, area, category, care_level, expected):
    assert P.payment_items(program, area=area, category=category, care_level=care_level) == expected


def test_every_payment_item_category_has_a_standard_category():
    for program, categories in P.STANDARD_CATEGORIES.items():
        known = {c for c, _label, _basis in categories}
        for area in ("urban", "rural"):
            for category in ("", P.CENTRALIZED, P.DISPERSED):
                for care in ("", P.CARE_HALF, P.CARE_FULL, P.CARE_SELF):
                    items = P.payment_items(program, area=area, category=category, care_level=care)
                    assert {c for _item, c in items} <= known, (program, area, category, care)


@pytest.mark.parametrize(
    ("program", "category", "from_month", "expected"),
    [
        (P.DIBAO, "A", D(2019, 3, 1), D(2020, 3, 1)),
        (P.DIBAO, "B", D(2019, 3, 1), D(2019, 9, 1)),
        (P.DIBAO, "C", D(2019, 3, 1), D(2019, 6, 1)),
        (P.DIBAO, "C", D(2019, 11, 1), D(2020, 2, 1)),
        (P.DIBAO, "B", D(2019, 7, 1), D(2020, 1, 1)),
        (P.TEKUN, P.CENTRALIZED, D(2019, 3, 1), D(2020, 3, 1)),
        (P.TEKUN, P.DISPERSED, D(2019, 12, 1), D(2020, 12, 1)),
        (P.DIBAO, "", D(2019, 3, 1), None),
        (P.ORPHAN, P.DISPERSED, D(2019, 3, 1), None),
        (P.DISABILITY_CARE, "", D(2019, 3, 1), None),
    ],
)
def test_next_review_follows_the_review_class(program, category, from_month, expected):
    assert P.next_review(program, category, from_month) == expected


@pytest.mark.parametrize(
    ("program", "group"),
    [
        (P.DIBAO, "basic_living"),
        (P.TEKUN, "basic_living"),
        (P.ORPHAN, "child"),
        (P.CHILD, "child"),
        (P.DISABILITY_LIVING, None),
        (P.DISABILITY_CARE, None),
        (P.TEMP_RELIEF, None),
    ],
)
def test_exclusion_groups_pair_dibao_with_tekun_and_orphans_with_children_in_difficulty(program, group):
    assert P.EXCLUSION_GROUPS.get(program) == group
