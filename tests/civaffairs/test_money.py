"""Money on screen: 1,996,160.00 — thousands separators, two decimals (ROUND_HALF_UP), the minus
in front — whatever form the amount arrives in (SQLite's aggregates, JSON strings, floats)."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from civaffairs.money import format_money


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1996160.000000000000"), "1,996,160.00"),  # SQLite's Sum over a DecimalField
        (Decimal("1996160"), "1,996,160.00"),
        (Decimal("240.00"), "240.00"),
        (Decimal("999.99"), "999.99"),
        (Decimal("1000"), "1,000.00"),
        (Decimal("-1234.5"), "-1,234.50"),
        (Decimal("-50.00"), "-50.00"),
        (Decimal("0.005"), "0.01"),  # half up, not to even
        (Decimal("0.015"), "0.02"),
        (Decimal("2.675"), "2.68"),
        (Decimal("-0.005"), "-0.01"),
        (Decimal("-0.004"), "0.00"),  # no "-0.00"
        (Decimal("999999.995"), "1,000,000.00"),
        (Decimal("12345678901.234"), "12,345,678,901.23"),
        (0, "0.00"),
        (1250, "1,250.00"),
        (-7, "-7.00"),
        (2.675, "2.68"),  # a float by its shortest repr, not by its binary value 2.67499…
        (1996160.0, "1,996,160.00"),
        ("320.50", "320.50"),  # amounts kept as strings in JSON (audit log, request data)
        (" 1996160.000000000000 ", "1,996,160.00"),
    ],
)
def test_an_amount_reads_with_separators_and_two_decimals(value, shown):
    assert format_money(value) == shown


@pytest.mark.parametrize("value", [None, True, "", "按审批后首月名册", "NaN", "Infinity", object()])
def test_what_is_no_amount_is_refused(value):
    with pytest.raises(ValueError):
        format_money(value)


def test_the_result_does_not_depend_on_the_localisation_settings(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    settings.NUMBER_GROUPING = 4
    assert format_money(Decimal("1996160.000000000000")) == "1,996,160.00"
    assert render("{{ v|money }}", v=Decimal("1996160.000000000000")) == "1,996,160.00"


def render(text, **context):
    return Template("{% load display %}" + text).render(Context(context))


def test_the_template_filter_formats_and_leaves_nothing_and_notes_alone():
    assert render("{{ v|money }}", v=Decimal("1996160.000000000000")) == "1,996,160.00"
    assert render('{{ v|money|default:"—" }}', v=None) == "—"
    assert render("{{ v|default:0|money }}", v=None) == "0.00"
    assert render("{{ v|money }}", v="按审批后首月名册") == "按审批后首月名册"
