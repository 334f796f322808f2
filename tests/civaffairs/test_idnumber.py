"""身份证号 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015)."""

import datetime

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from civaffairs.idnumber import (
    InvalidIdNumber,
    address_code_possible,
    is_valid_uscc,
    make_id_number,
    mask_account,
    mask_id_number,
    mask_name,
    parse_id_number,
)

# Checked by hand: for 445303195001190016 the weighted sum of the first 17 digits is 248,
# 248 % 11 = 6, "10X98765432"[6] = "6".
VALID = [
    # number, normalized, birth date, sex
    ("445303195001190016", "445303195001190016", datetime.date(1950, 1, 19), "M"),
    ("445323197501080221", "445323197501080221", datetime.date(1975, 1, 8), "F"),  # 云安县, before 2014
    ("440524188001010014", "440524188001010014", datetime.date(1880, 1, 1), "M"),  # GB 11643 example
    ("11010519491231002X", "11010519491231002X", datetime.date(1949, 12, 31), "F"),  # X check, upper
    ("11010519491231002x", "11010519491231002X", datetime.date(1949, 12, 31), "F"),  # x check, lower
    (" 445303195001190016\n", "445303195001190016", datetime.date(1950, 1, 19), "M"),  # pasted with spaces
]

INVALID = [
    # number, the Chinese message it must give
    ("445303195001190017", "校验位错误"),
    ("11010519491231002", "应为18位"),  # 17 characters
    ("4453031950011900166", "应为18位"),  # 19 characters
    ("44530319500119001A", "前17位须为数字"),
    ("4453031950O1190016", "前17位须为数字"),  # letter O for zero
    ("X45303195001190016", "前17位须为数字"),
    ("445303199902300016", "出生日期不存在"),  # 1999-02-30
    (make_id_number("445303", datetime.date(2099, 1, 1), 1), "晚于今天"),
    (make_id_number("445303", datetime.date(1870, 1, 1), 1), "早于1880年"),
    ("445303 19500119 0016", "应为18位"),  # whitespace inside
    ("", "应为18位"),
    (None, "应为18位"),
    # The address code (GB/T 2260, as python-stdnum's cn.ric knows it), issue 12:
    ("990426199112010074", "行政区划代码"),  # no such county; accepted before
    (make_id_number("445399", datetime.date(1991, 12, 1), 7), "行政区划代码"),  # no such county in 云浮
    (make_id_number("445323", datetime.date(2016, 3, 1), 7), "行政区划代码"),  # 云安县 gone since 2014
    (make_id_number("442827", datetime.date(1995, 3, 1), 7), "行政区划代码"),  # 云浮县 (肇庆) gone in 1988
]


@pytest.mark.parametrize(("raw", "number", "birth", "sex"), VALID)
def test_it_accepts_real_format_numbers_and_derives_birth_date_and_sex(raw, number, birth, sex):
    assert parse_id_number(raw) == (number, birth, sex)


@pytest.mark.parametrize(("raw", "message"), INVALID)
def test_it_refuses_malformed_numbers_with_a_chinese_reason(raw, message):
    with pytest.raises(InvalidIdNumber, match=message):
        parse_id_number(raw)


def test_it_refuses_a_birth_date_after_the_given_today():
    number = make_id_number("445303", datetime.date(2019, 7, 1), 1)
    with pytest.raises(InvalidIdNumber, match="晚于今天"):
        parse_id_number(number, today=datetime.date(2019, 6, 30))
    assert parse_id_number(number, today=datetime.date(2019, 7, 1))[1] == datetime.date(2019, 7, 1)


addresses = st.one_of(
    st.sampled_from(["445303", "445323", "110105", "440524"]),
    # Mostly codes of real counties (GB/T 2260): the leading four digits of a real city.
    st.tuples(st.sampled_from(["4453", "4401", "1101", "4405", "5101"]), st.integers(0, 99)).map(
        lambda t: f"{t[0]}{t[1]:02d}"
    ),
)
births = st.dates(min_value=datetime.date(1880, 1, 1), max_value=datetime.date.today())
sequences = st.integers(min_value=0, max_value=999)


@given(address=addresses, birth=births, sequence=sequences)
@example(address="445303", birth=datetime.date(1950, 1, 19), sequence=1)
@example(address="445323", birth=datetime.date(2000, 2, 29), sequence=998)
def test_every_generated_number_is_accepted_with_its_birth_date_and_sex(address, birth, sequence):
    assume(address_code_possible(address, birth))
    number = make_id_number(address, birth, sequence)
    assert len(number) == 18
    assert parse_id_number(number) == (number, birth, "M" if sequence % 2 else "F")
    assert parse_id_number(number.lower()) == (number, birth, "M" if sequence % 2 else "F")


@given(
    address=addresses,
    birth=births,
    sequence=sequences,
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from("0123456789X"),
)
def test_any_single_character_change_of_a_valid_number_is_refused(
    address, birth, sequence, position, replacement
):
    assume(address_code_possible(address, birth))
    number = make_id_number(address, birth, sequence)
    if number[position] == replacement:
        replacement = "0" if number[position] != "0" else "1"
    changed = number[:position] + replacement + number[position + 1 :]
    assert changed != number
    with pytest.raises(InvalidIdNumber):
        parse_id_number(changed)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("445303195001190016", "445303********0016"),
        ("11010519491231002X", "110105********002X"),
        ("", ""),
        (None, ""),
        ("123456789", "*********"),  # too short to keep anything
    ],
)
def test_it_masks_id_numbers_keeping_the_address_code_and_last_four(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("张小三", "张*三"), ("欧阳小明", "欧**明"), ("李", "李"), ("", ""), (None, "")],
)
def test_it_masks_names_for_public_notices(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("account", "masked"),
    [
        ("6228480012345678901", "6228***********8901"),
        ("622848001234", "6228****1234"),
        ("12345678", "********"),
        ("", ""),
    ],
)
def test_it_masks_bank_accounts_keeping_first_and_last_four(account, masked):
    assert mask_account(account) == masked


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91350100M000100Y43", True),  # the example of GB 32100-2015
        ("91110000600037341L", True),
        ("91350100m000100y43", True),  # lower case is normalized
        (" 91350100M000100Y43 ", True),
        ("91350100M000100Y44", False),  # wrong check character
        ("91350100M000100Y4", False),  # 17 characters
        ("91350100M000100Y433", False),  # 19 characters
        ("91350100I000100Y43", False),  # I is not in the GB 32100 alphabet
        ("9135010OM000100Y43", False),  # nor O
        ("91350100M000100Z43", False),  # nor Z
        ("", False),
        (None, False),
    ],
)
def test_it_checks_unified_social_credit_codes(code, valid):
    assert is_valid_uscc(code) is valid


@given(
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"),
)
def test_any_single_character_change_of_a_valid_uscc_is_refused(position, replacement):
    code = "91350100M000100Y43"
    if code[position] == replacement:
        return
    assert not is_valid_uscc(code[:position] + replacement + code[position + 1 :])
