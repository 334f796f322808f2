"""统一社会信用代码 of social organizations (GB 32100-2015), with a Chinese reason for each refusal.

18 characters from 0-9 and the capitals without I O S V Z: 1 registration authority (5 = 民政),
2 organization type (民政: 1 社会团体, 2 民办非企业单位, 3 基金会), 3-8 the administrative division
code of the registering authority, 9-17 the organization code, 18 the check character
(weights 3^i mod 31, check = (31 − sum mod 31) mod 31).
"""

from django.core.exceptions import ValidationError

from civaffairs.idnumber import USCC_CHARS, uscc_check_char

CIVIL_AFFAIRS = "5"
TYPES = {"1": "社会团体", "2": "民办非企业单位", "3": "基金会"}
# Codes the bureau registers under: 云安区 (445303) and, before 2014, 云安县 (445323).
REGION_CODES = {"445303": "云安区", "445323": "云安县（2014年前）"}


def normalize(value):
    return (value or "").strip().upper()


def validate_credit_code(value, *, kind=None):
    """The code, normalized; or ValidationError naming what is wrong. kind: the type digit the
    organization's type requires ("1", "2" or "3"), checked when given."""
    code = normalize(value)
    if not code:
        raise ValidationError("请填写统一社会信用代码", code="required")
    if len(code) != 18:
        raise ValidationError(f"统一社会信用代码应为18位，现为{len(code)}位", code="length")
    bad = [c for c in code if c not in USCC_CHARS]
    if bad:
        raise ValidationError(
            f"统一社会信用代码含有不允许的字符“{bad[0]}”（只能是数字和除I、O、S、V、Z以外的大写字母）",
            code="character",
        )
    if code[0] != CIVIL_AFFAIRS:
        raise ValidationError(
            f"统一社会信用代码第1位登记管理部门代码应为5（民政），现为“{code[0]}”", code="authority"
        )
    if code[1] not in TYPES:
        raise ValidationError(
            f"统一社会信用代码第2位机构类别代码应为1（社会团体）、2（民办非企业单位）或3（基金会），现为“{code[1]}”",
            code="type",
        )
    if kind is not None and code[1] != kind:
        raise ValidationError(
            f"统一社会信用代码第2位为{code[1]}（{TYPES[code[1]]}），与所选类型“{TYPES.get(kind, kind)}”不符",
            code="type_mismatch",
        )
    if code[2:8] not in REGION_CODES:
        raise ValidationError(
            f"统一社会信用代码第3至8位登记管理机关行政区划码应为445303（云安区），现为“{code[2:8]}”",
            code="region",
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError("统一社会信用代码校验码错误，请核对是否录入有误", code="checksum")
    return code


def make_credit_code(kind, serial, region="445303"):
    """A valid code of a 民政-registered organization (demo data and tests)."""
    body = f"{CIVIL_AFFAIRS}{kind}{region}"
    digits, n = [], serial
    for _ in range(9):
        n, r = divmod(n, len(USCC_CHARS))
        digits.append(USCC_CHARS[r])
    first17 = body + "".join(reversed(digits))
    return first17 + uscc_check_char(first17)
