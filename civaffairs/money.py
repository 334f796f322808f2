"""Money as every screen shows it: 1,996,160.00 — thousands separators, two decimals, -1,234.50;
and the one rounding rule of money (to the fen, half up: to_cent), which the payments engine, the
welfare records, the figures and the reports' 万元 all use.

One function, used by the `money` template filter (civaffairs/templatetags/display.py), the
tables' MoneyColumn (civaffairs/tables.py), the audit log and the views' messages. It does not
go through Django's localisation: USE_THOUSAND_SEPARATOR stays off (ids, years and counts are
not grouped), so the grouping here is explicit and the same whatever the settings.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
# The largest single amount a user may enter (a form field, an import cell): what the narrowest
# money column stores (10 digits, two places). Beyond it is an input error, never an overflow.
MAX_AMOUNT = Decimal("99999999.99")


def to_decimal(value):
    """Decimal of an amount: Decimal, int, float (by its shortest repr) or a numeric string.

    SQLite's aggregates come back as Decimal('1996160.000000000000'); JSON keeps amounts as
    strings ("320.50"). Anything else — None, bool, text, NaN — is a ValueError."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount


def to_cent(value):
    """The one rounding rule for money: to the fen, half up (2.345 → 2.35, -2.345 → -2.35).
    An amount too large to hold to the fen (1e26) is a ValueError, as any other non-amount."""
    try:
        return to_decimal(value).quantize(CENT, ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None


def over_max(amount):
    """An entered amount (a standard, a correction, a relief) beyond what a money column holds:
    the service refuses it, naming the field, rather than the database overflowing."""
    return abs(amount) > MAX_AMOUNT


TOO_LARGE = f"金额过大，不能超过{MAX_AMOUNT:,}元"


def wan_yuan(value):
    """An amount in 万元 as the seed writes it: the one rule at 0.01万元 (100 元), trailing zeros
    dropped. 12054200 → '1205.42'; 2185950 → '218.6'; 108000 → '10.8'; 37500 → '3.75'."""
    text = f"{to_cent(to_decimal(value) / 10000):f}"
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_money(value):
    """1996160.000000000000 → '1,996,160.00'; -1234.5 → '-1,234.50'; 0.005 → '0.01' (half up)."""
    amount = to_cent(value)
    if amount.is_zero():
        amount = abs(amount)  # -0.001 rounds to 0.00, not -0.00
    return f"{amount:,.2f}"
