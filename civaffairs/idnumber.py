"""身份证号 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015): pure functions."""

import datetime
import functools
import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


class InvalidIdNumber(ValueError):
    pass


def check_char(first17):
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize(value):
    return (value or "").strip().upper().replace("x", "X")


def parse_id_number(value, today=None):
    """Validate a GB 11643 number; return (normalized, birth_date, sex 'M'/'F') or raise InvalidIdNumber."""
    number = normalize(value)
    if len(number) != 18:
        raise InvalidIdNumber("身份证号应为18位")
    if not _ID_RE.match(number):
        raise InvalidIdNumber("身份证号前17位须为数字，末位为数字或X")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("身份证号中的出生日期不存在") from None
    today = today or datetime.date.today()
    if birth > today:
        raise InvalidIdNumber("身份证号中的出生日期晚于今天")
    if birth.year < 1880:
        raise InvalidIdNumber("身份证号中的出生日期早于1880年")
    if check_char(number[:17]) != number[17]:
        raise InvalidIdNumber("身份证号校验位错误")
    if not address_code_possible(number[:6], birth):
        raise InvalidIdNumber("身份证号前6位不是出生后仍在使用的县级行政区划代码（GB/T 2260）")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return number, birth, sex


def address_code_possible(code, birth):
    """Whether a number of someone born on `birth` can carry this address code: a county-level
    code of GB/T 2260 (python-stdnum's table of codes and the years each was in use) that was
    still in use in the birth year or later. A number is issued where the person is registered,
    often years after birth (a child's first card, a late registration), so a code created after
    the birth year is possible (a 1990 birth registered in 云安区 since 2014 holds 445303); a code
    abolished before the person was born, or one that never existed (990426), is not."""
    ends = _county_ends(code)
    return ends is not None and any(end is None or end >= birth.year for end in ends)


@functools.lru_cache(maxsize=8192)
def _county_ends(code):
    """The years a county-level code of GB/T 2260 went out of use (None: still in use), or None
    when the code is no county's. Read once per code: a district's roster repeats a few codes
    ten thousand times, and the table lookup is the slow part of checking a number."""
    from stdnum import numdb

    found = numdb.get("cn/loc").info(code)
    if sum(len(part) for part, _props in found) != 6:
        return None
    counties = found[-1][1].get("county")
    if not counties:
        return None
    ends = []
    for county in counties.split(","):
        if not county.startswith("["):
            ends.append(None)
            continue
        span = county[1:].split("]")[0]
        _start, _, end = span.partition("-")
        ends.append(int(end) if end else None)
    return tuple(ends)


def make_id_number(address, birth, sequence):
    """Build a valid number (demo data and tests): address code, birth date, 3-digit sequence."""
    first17 = f"{address}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def mask_id_number(number):
    """445303********0016: address code and last four kept (PIPL minimum necessary)."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_account(account):
    if not account:
        return ""
    if len(account) <= 8:
        return "*" * len(account)
    return account[:4] + "*" * (len(account) - 8) + account[-4:]


def mask_name(name):
    """张*三 / 张* for public notices (公示)."""
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def uscc_check_char(first17):
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def is_valid_uscc(code):
    code = (code or "").strip().upper()
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]
