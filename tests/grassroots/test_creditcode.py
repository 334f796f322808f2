"""统一社会信用代码 (GB 32100-2015) of social organizations: a table of real-format cases and a
property test (every generated valid code passes; any one-character change fails)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from civaffairs.idnumber import USCC_CHARS, uscc_check_char
from grassroots.creditcode import make_credit_code, validate_credit_code


def code(body):
    return body + uscc_check_char(body)


VALID = code("51445303MJ0000012")  # 社会团体 registered by 云安区民政局
CASES = [
    (VALID, None, None),
    (VALID.lower(), None, None),  # typed in lower case: normalized
    (code("52445303MJ0000013"), "2", None),
    (code("53445323MJ0000014"), "3", None),  # 云安县 before 2014
    (VALID[:17], None, "length"),
    (VALID[:17] + ("0" if VALID[17] != "0" else "1"), None, "checksum"),
    (code("91445303MA4UABCD1"), None, "authority"),  # a company (市场监管)
    (code("54445303MJ0000012"), None, "type"),
    (VALID, "2", "type_mismatch"),
    (code("51440000MJ0000012"), None, "region"),
    ("51445303MJ000001IX", None, "character"),
    ("", None, "required"),
]


@pytest.mark.parametrize(("value", "kind", "error"), CASES)
def test_credit_codes_as_the_standard_reads(value, kind, error):
    if error is None:
        assert validate_credit_code(value, kind=kind) == value.upper()
    else:
        with pytest.raises(ValidationError) as exc:
            validate_credit_code(value, kind=kind)
        assert exc.value.code == error
        assert "统一社会信用代码" in exc.value.messages[0]


def test_the_messages_say_what_is_wrong():
    with pytest.raises(ValidationError, match="校验码错误"):
        validate_credit_code(VALID[:17] + ("0" if VALID[17] != "0" else "1"))
    with pytest.raises(ValidationError, match="第1位登记管理部门代码应为5"):
        validate_credit_code(code("91445303MA4UABCD1"))
    with pytest.raises(ValidationError, match="第2位机构类别代码"):
        validate_credit_code(code("59445303MJ0000012"))


@given(kind=st.sampled_from("123"), serial=st.integers(min_value=0, max_value=31**9 - 1))
def test_every_generated_code_passes(kind, serial):
    value = make_credit_code(kind, serial)
    assert validate_credit_code(value, kind=kind) == value


@given(
    kind=st.sampled_from("123"),
    serial=st.integers(min_value=0, max_value=31**9 - 1),
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from(USCC_CHARS),
)
def test_any_one_character_change_fails(kind, serial, position, replacement):
    value = make_credit_code(kind, serial)
    if value[position] == replacement:
        replacement = USCC_CHARS[(USCC_CHARS.index(replacement) + 1) % len(USCC_CHARS)]
    changed = value[:position] + replacement + value[position + 1 :]
    with pytest.raises(ValidationError):
        validate_credit_code(changed, kind=kind)
