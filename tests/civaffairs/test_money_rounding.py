"""One rounding rule for money (civaffairs/money.py: to the fen, half up), checked as properties
against an oracle in integer arithmetic: the engine's amounts, the reports' 万元 / 多万元 / 元,
the figures' JSON and the welfare funds (retrofits, facility projects, cremations) recorded and
summed (tests/welfare/test_money_welfare.py) — Decimal all the way, whatever form an amount
arrives in (text, int, float)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civaffairs import figures
from civaffairs.money import format_money, to_cent, wan_yuan
from civaffairs.payments.rules import monthly_rate
from reports.placeholders import format_figure


def cents_half_up(x):
    """Oracle: x (Decimal) to whole fen, half away from zero, in integer arithmetic."""
    sign = -1 if x < 0 else 1
    scaled = abs(x) * 100
    whole = int(scaled)  # truncates
    if scaled - whole >= Decimal("0.5"):
        whole += 1
    return sign * whole


def oracle_wan(amount):
    """Oracle: an amount of whole fen in 万元 at 0.01万元 (100 元), half up, zeros dropped."""
    fen = cents_half_up(amount)
    hundreds, rest = divmod(abs(fen), 10000)  # 1 unit of 0.01万元 = 100 元 = 10000 fen
    if rest >= 5000:
        hundreds += 1
    if hundreds == 0:
        return "0"
    whole, dec = divmod(hundreds, 100)
    text = f"{whole}.{dec:02d}".rstrip("0").rstrip(".")
    return ("-" if fen < 0 else "") + text


amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=3, allow_nan=False)
cents = st.integers(0, 10**11).map(lambda n: Decimal(n) / 100)


@pytest.mark.parametrize(
    "amount, text",
    [
        # FIGURES.md
        (Decimal("12054200"), "1205.42"),
        (Decimal("2185950"), "218.6"),
        (Decimal("108000"), "10.8"),
        (Decimal("37500"), "3.75"),
        # half up at 0.01万元: 50 元 rounds up, 49.99 down
        (Decimal("12054250.00"), "1205.43"),
        (Decimal("12054249.99"), "1205.42"),
        (Decimal("1000000"), "100"),
        (Decimal("0"), "0"),
        (Decimal("49.99"), "0"),
    ],
)
def test_wan_yuan_reads_as_the_seed(amount, text):
    assert wan_yuan(amount) == text
    assert format_figure(amount, figures.MONEY, "万元") == f"{text}万元"
    assert format_figure(amount, figures.MONEY, "") == f"{text}万元"


@given(amounts)
def test_to_cent_is_half_up_to_the_fen(x):
    assert to_cent(x) == Decimal(cents_half_up(x)) / 100
    assert format_money(x).replace(",", "") == f"{to_cent(x) + 0:.2f}".replace("-0.00", "0.00")


@given(amounts)
def test_wan_yuan_is_the_one_rule_at_100_yuan(x):
    # The rule applied to an amount already in fen: as the figures hand it (sums of lines).
    x = to_cent(x)
    assert wan_yuan(x) == oracle_wan(x)
    assert format_figure(x, figures.MONEY, "万元") == f"{oracle_wan(x)}万元"


@given(cents)
def test_an_amount_reads_the_same_as_decimal_text_or_float(x):
    """A float (an aggregate on another database, a JSON number) rounds by its shortest repr, not
    by its binary value; text as the JSON of the figures keeps it."""
    for form in (x, str(x), float(x)):
        assert to_cent(form) == x
        assert wan_yuan(form) == wan_yuan(x)
        assert format_figure(form, figures.MONEY, "元") == format_figure(x, figures.MONEY, "元")


@given(st.decimals(min_value=0, max_value=Decimal("1e6"), places=3))
def test_yuan_format_rounds_by_the_one_rule(x):
    """{x:元}: to the fen by the one rule (half up, not the context's half even), zeros dropped."""
    text = format_figure(x, figures.MONEY, "元")
    assert Decimal(text.removesuffix("元")) == to_cent(x)


@given(cents)
def test_many_wan_yuan_is_rounded_down_never_above_the_amount(x):
    """{x:多万元}: 4630000 → 460多万元 — the seed's approximation, from the whole 万元 down to two
    significant figures (one below 100: 33万 → 30多万), never more than the amount."""
    n = int(x // 10000)
    shown = int(format_figure(x, figures.MONEY, "多万元").removesuffix("多万元"))
    assert shown <= n
    step = 1 if n < 10 else 10 if n < 100 else 10 ** (len(str(n)) - 2)
    assert shown == n // step * step


@given(st.integers(0, 10**7).map(lambda n: Decimal(n) / 100))
def test_an_annual_standard_is_paid_monthly_by_the_one_rule(annual):
    """残疾人两项补贴: annual/12 to the fen, half up (1980 → 165.00, 1890 → 157.50)."""
    assert monthly_rate(annual, "annual") == Decimal(cents_half_up(annual / 12)) / 100
    assert monthly_rate(annual, "monthly") == annual
