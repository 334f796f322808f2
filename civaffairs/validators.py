"""Checks on what people type, shared by the forms' services and the imports."""

import unicodedata

from django.core.exceptions import ValidationError

# A spreadsheet starts a formula with these (OWASP "CSV injection"); a name never begins with one.
FORMULA_STARTS = ("=", "+", "-", "@")
# 间隔号 between the parts of a minority or foreign name (GB/T 15834 标点符号用法 4.14): the
# middle dot, and the katakana middle dot some input methods produce for it.
NAME_SEPARATORS = {"\u00b7", "\u30fb"}
NAME_SPACES = {" ", "\u3000"}  # an ideographic space is what a Chinese input method types
# Look-alikes of the middle dot people type instead: refused, with the right one named.
DOT_LOOKALIKES = {".", "\uff0e", "\u3002", "\u2022", "\u2027", "\u2219", "\u22c5", "\u02d9"}
NAME_RULE = "姓名只能由汉字、字母、间隔号“·”和空格组成"


def validate_person_name(value):
    """A person's name as registered (GB 11643 holders, minority and foreign names included):
    letters of any script (汉字 of every CJK block), combining marks, 间隔号 and spaces.
    Nothing a spreadsheet reads as a formula, no control characters. Raises ValidationError
    with a Chinese message; returns None."""
    value = value or ""
    name = value.strip()
    if not name:
        raise ValidationError("请填写姓名", code="required")
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf") and char not in NAME_SPACES:
            raise ValidationError("姓名不能包含换行、制表符等控制字符", code="control")
    if name.startswith(FORMULA_STARTS):
        raise ValidationError(f"姓名不能以“{name[0]}”开头（电子表格会把它当作公式）", code="formula")
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("L") or char in NAME_SEPARATORS or char in NAME_SPACES:
            continue
        if category.startswith("M"):  # a combining accent, as in a decomposed "é"
            continue
        if char in DOT_LOOKALIKES:
            raise ValidationError(f"姓名中的间隔号请使用“·”，而不是“{char}”", code="separator")
        if category == "Zs":
            raise ValidationError("姓名中的空格请使用普通空格", code="space")
        if category.startswith("N"):
            raise ValidationError(f"姓名不能包含数字“{char}”", code="digit")
        raise ValidationError(f"{NAME_RULE}，不能含有“{char}”", code="character")
    if not any(unicodedata.category(c).startswith("L") for c in name):
        raise ValidationError("姓名须含有汉字或字母", code="letters")


def validate_bank_account(value):
    """A bank card or account number: digits only, 12 to 19 of them (spaces typed between groups
    are dropped by the caller). Raises ValidationError in Chinese."""
    value = value or ""
    if not value.isdigit() or not value.isascii():
        raise ValidationError("银行账号只能由数字组成", code="digits")
    if not 12 <= len(value) <= 19:
        raise ValidationError(f"银行账号须为12至19位数字，现为{len(value)}位", code="length")


def validate_phone(value):
    """A phone number: digits, "+" and "-", 7 to 15 characters (landlines 0766-1234567, mobiles,
    +86 …). Raises ValidationError in Chinese."""
    value = (value or "").strip()
    if not value:
        return
    if any(c not in "0123456789+-" for c in value):
        raise ValidationError("联系电话只能由数字、“+”和“-”组成", code="phone_chars")
    if not 7 <= len(value) <= 15:
        raise ValidationError("联系电话应为7至15位", code="phone_length")
    if not any(c.isdigit() for c in value):
        raise ValidationError("联系电话须含有数字", code="phone_digits")


def past_date_errors(errors, **dates):
    """A date of something that has happened (a record's date: received, registered, opened, issued)
    may not lie in the future; each such date gets its field's Chinese message in errors.
    dates: field=(value, label)."""
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    for field, (value, label) in dates.items():
        if isinstance(value, datetime.date) and value > today and field not in errors:
            errors[field] = f"{label}不能晚于今天"
    return errors


def refuse_future_dates(**dates):
    """past_date_errors, raised: ValidationError({field: message}) when any date is in the future."""
    errors = past_date_errors({}, **dates)
    if errors:
        raise ValidationError(errors)
