import datetime

import pytest

from civaffairs.periods import InvalidPeriod, Period, add_months, describe_months, months_between, parse_month

D = datetime.date


@pytest.mark.parametrize(
    ("text", "start", "end", "label", "months"),
    [
        ("2019H1", D(2019, 1, 1), D(2019, 6, 30), "2019H1", 6),
        ("2019h2", D(2019, 7, 1), D(2019, 12, 31), "2019H2", 6),
        ("2019", D(2019, 1, 1), D(2019, 12, 31), "2019", 12),
        ("2019Q2", D(2019, 4, 1), D(2019, 6, 30), "2019Q2", 3),
        ("2019Q1", D(2019, 1, 1), D(2019, 3, 31), "2019Q1", 3),
        ("2019-03", D(2019, 3, 1), D(2019, 3, 31), "2019-03", 1),
        ("2020-02", D(2020, 2, 1), D(2020, 2, 29), "2020-02", 1),  # leap year
        ("2019-02", D(2019, 2, 1), D(2019, 2, 28), "2019-02", 1),
        ("2019-01-01..2019-06-30", D(2019, 1, 1), D(2019, 6, 30), "2019-01-01..2019-06-30", 6),
        ("2019-03-15..2019-03-15", D(2019, 3, 15), D(2019, 3, 15), "2019-03-15..2019-03-15", 1),
        (" 2019H1 ", D(2019, 1, 1), D(2019, 6, 30), "2019H1", 6),
    ],
)
def test_it_parses_every_period_form(text, start, end, label, months):
    period = Period.parse(text)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert len(period.months()) == months
    assert period.first_month == start.replace(day=1)
    assert period.last_month == end.replace(day=1)


@pytest.mark.parametrize(
    "text",
    [
        "2019H3",
        "2019H0",
        "2019Q5",
        "2019-13",
        "2019-00",
        "2019-06-30..2019-01-01",  # reversed range
        "2019-02-30..2019-03-01",  # impossible date
        "2019-1",
        "H1",
        "",
        None,
    ],
)
def test_it_refuses_invalid_periods(text):
    with pytest.raises(InvalidPeriod):
        Period.parse(text)


def test_it_refuses_a_reversed_range_saying_why():
    with pytest.raises(InvalidPeriod, match="结束日期早于开始日期"):
        Period.parse("2019-06-30..2019-01-01")


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (D(2019, 1, 31), 1, D(2019, 2, 1)),
        (D(2019, 12, 15), 1, D(2020, 1, 1)),
        (D(2019, 1, 1), -1, D(2018, 12, 1)),
        (D(2019, 1, 1), 0, D(2019, 1, 1)),
        (D(2019, 7, 1), -7, D(2018, 12, 1)),
        (D(2019, 1, 1), 24, D(2021, 1, 1)),
        (D(2019, 6, 30), -18, D(2017, 12, 1)),
    ],
)
def test_add_months_returns_the_first_of_the_target_month(d, n, expected):
    assert add_months(d, n) == expected


def test_months_between_lists_every_month_inclusive():
    assert months_between(D(2018, 11, 20), D(2019, 2, 1)) == [
        D(2018, 11, 1),
        D(2018, 12, 1),
        D(2019, 1, 1),
        D(2019, 2, 1),
    ]
    assert months_between(D(2019, 3, 5), D(2019, 3, 31)) == [D(2019, 3, 1)]
    assert months_between(D(2019, 4, 1), D(2019, 3, 31)) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-03", D(2019, 3, 1)),
        ("2019-03-17", D(2019, 3, 1)),
        ("201903", D(2019, 3, 1)),
        ("2019年3月", D(2019, 3, 1)),
    ],
)
def test_parse_month_accepts_the_usual_spellings(value, expected):
    assert parse_month(value) == expected


@pytest.mark.parametrize("value", ["2019-13", "201913", "三月", "", None])
def test_parse_month_refuses_nonsense(value):
    with pytest.raises(InvalidPeriod):
        parse_month(value)


@pytest.mark.parametrize(
    ("months", "words"),
    [
        ([D(2019, 7, 1)], "2019年07月"),
        ([D(2019, m, 1) for m in range(1, 7)], "2019年01月—2019年06月"),
        ([D(2019, 1, 1), D(2019, 3, 1)], "2019年01月、03月"),
        ([D(2019, 1, 1), D(2019, 2, 1)], "2019年01月、02月"),  # two in a row are listed
        ([D(2019, 3, 1), D(2019, 1, 1), D(2019, 3, 1)], "2019年01月、03月"),  # any order, once each
        ([D(2018, 11, 1), D(2018, 12, 1), D(2019, 1, 1)], "2018年11月—2019年01月"),
        ([D(2018, 12, 1), D(2019, 2, 1)], "2018年12月、2019年02月"),
        (
            [D(2019, 1, 1), D(2019, 3, 1), D(2019, 4, 1), D(2019, 5, 1), D(2019, 7, 1)],
            "2019年01月、2019年03月—2019年05月、07月",
        ),
        ([D(2019, 3, 15)], "2019年03月"),
        ([], ""),
    ],
)
def test_months_are_described_as_a_remark_says_them(months, words):
    assert describe_months(months) == words


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2019年上半年", "2019H1"),
        ("2019年下半年", "2019H2"),
        ("2019年", "2019"),
        ("2019年度", "2019"),
        ("2019年第二季度", "2019Q2"),
        ("2019年第4季度", "2019Q4"),
        ("2019年3月", "2019-03"),
        ("2019年12月", "2019-12"),
        ("2019年1月1日至2019年6月30日", "2019-01-01..2019-06-30"),
        ("2019-01-01 至 2019-06-30", "2019-01-01..2019-06-30"),
    ],
)
def test_it_reads_the_chinese_forms_as_their_labels(text, label):
    assert Period.parse(text).label == label


@pytest.mark.parametrize("text", ["2019年中", "2019年第五季度", "2019年13月", "2019年2月30日至2019年3月1日"])
def test_bad_chinese_forms_are_refused(text):
    with pytest.raises(InvalidPeriod):
        Period.parse(text)
