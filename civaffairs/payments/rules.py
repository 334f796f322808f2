"""The payment rules each program's app registers, the way figures are registered.

A program's rules say which items (基本生活, 护理补贴, 补贴 …) a case is paid each month, under
which standard category, and how a month's amount follows from the standard and the persons
covered. The engine (payroll, back-pay, corrections) knows no program by name: a program without
registered rules is refused, never paid an empty payroll.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from civaffairs.money import CENT, to_cent  # noqa: F401  (the one rounding rule, re-exported)


def monthly_rate(amount, basis):
    """Annual standards are paid monthly: 1980/12 = 165.00, 1890/12 = 157.50."""
    amount = Decimal(amount)
    if basis == "annual":
        amount = amount / 12
    return to_cent(amount)


def flat_amount(*, standard_amount, basis, income=None, persons=1):
    """A fixed monthly rate per person covered."""
    return to_cent(monthly_rate(standard_amount, basis) * persons)


@dataclass(frozen=True)
class Category:
    """A standard category of a program: its code, label, basis (monthly/annual) and the item
    of the payment lines it prices."""

    code: str
    label: str
    basis: str = "monthly"
    item: str = "basic"


@dataclass(frozen=True)
class CaseFacts:
    area: str
    category: str
    care_level: str


@dataclass(frozen=True)
class ProgramRules:
    code: str
    categories: tuple[Category, ...]
    # (item, standard category) pairs a case is paid each month.
    items: Callable[[CaseFacts], list[tuple[str, str]]]
    # Amount of one item for one case and month: (standard_amount, basis, income, persons) → Decimal.
    amount: Callable[..., Decimal] = flat_amount
    # Household programs price by the household's income and the persons covered in the month.
    per_household: bool = False
    labels: dict = field(default_factory=dict)

    def category(self, code):
        for c in self.categories:
            if c.code == code:
                return c
        raise ValidationError({"category": "该项目没有此类别"})

    def item_of(self, category_code):
        return self.category(category_code).item


_RULES = {}


def register(rules):
    if rules.code in _RULES and _RULES[rules.code] is not rules:
        raise ValueError(f"payment rules of {rules.code} registered twice")
    _RULES[rules.code] = rules
    return rules


def rules_for(program):
    """The registered rules of a program (a Program or its code), or a clear refusal."""
    code = getattr(program, "code", program)
    try:
        return _RULES[code]
    except KeyError:
        name = getattr(program, "name", code)
        raise ValidationError(f"项目“{name}”没有登记发放规则，不能生成名册或标准。") from None


def registered():
    return dict(_RULES)
