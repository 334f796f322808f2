"""Programs of 社会救助 and their benefit rules. Pure functions on Decimal, explicit rounding."""

from decimal import Decimal

from civaffairs.payments.rules import (
    CENT,
    Category,
    ProgramRules,
    flat_amount,
    monthly_rate,
    register,
    to_cent,
)
from civaffairs.periods import add_months

DIBAO = "dibao"
TEKUN = "tekun"
ORPHAN = "orphan"
CHILD = "child_difficulty"
DISABILITY_LIVING = "disability_living"
DISABILITY_CARE = "disability_care"
TEMP_RELIEF = "temp_relief"

# code, name, unit, cadence, order
PROGRAMS = [
    (DIBAO, "最低生活保障（低保）", "household", "monthly", 10),
    (TEKUN, "特困人员供养", "person", "monthly", 20),
    (ORPHAN, "孤儿基本生活保障", "person", "monthly", 30),
    (CHILD, "困境儿童救助", "person", "monthly", 40),
    (DISABILITY_LIVING, "困难残疾人生活补贴", "person", "monthly", 50),
    (DISABILITY_CARE, "重度残疾人护理补贴", "person", "monthly", 60),
    (TEMP_RELIEF, "临时救助", "person", "one_off", 70),
]
PROGRAM_NAMES = {code: name for code, name, *_ in PROGRAMS}

# 低保 and 特困 exclude each other; 孤儿 and 困境儿童 exclude each other (one open cover per group).
EXCLUSION_GROUPS = {DIBAO: "basic_living", TEKUN: "basic_living", ORPHAN: "child", CHILD: "child"}

CENTRALIZED, DISPERSED = "centralized", "dispersed"
CASE_CATEGORIES = {
    TEKUN: [(DISPERSED, "分散供养"), (CENTRALIZED, "集中供养")],
    ORPHAN: [(DISPERSED, "散居"), (CENTRALIZED, "集中供养")],
    # 低保 review classes (动态管理): A 基本稳定 yearly, B 半年, C 季度.
    DIBAO: [("A", "A类（基本稳定，每年复核）"), ("B", "B类（每半年复核）"), ("C", "C类（每季度复核）")],
}
REVIEW_MONTHS = {
    (DIBAO, "A"): 12,
    (DIBAO, "B"): 6,
    (DIBAO, "C"): 3,
    (TEKUN, CENTRALIZED): 12,
    (TEKUN, DISPERSED): 12,
}

CARE_SELF, CARE_HALF, CARE_FULL = "self", "half", "full"
CARE_LEVELS = [(CARE_SELF, "全自理"), (CARE_HALF, "半失能"), (CARE_FULL, "全失能")]

# Standard categories per program: (category, label, basis).
STANDARD_CATEGORIES = {
    DIBAO: [("urban", "城镇", "monthly"), ("rural", "农村", "monthly")],
    TEKUN: [
        ("urban", "城镇基本生活", "monthly"),
        ("rural", "农村基本生活", "monthly"),
        ("care_self", "护理·全自理", "monthly"),
        ("care_half", "护理·半失能", "monthly"),
        ("care_full", "护理·全失能", "monthly"),
    ],
    ORPHAN: [(CENTRALIZED, "集中供养", "monthly"), (DISPERSED, "散居", "monthly")],
    CHILD: [("default", "困境儿童", "monthly")],
    DISABILITY_LIVING: [("default", "生活补贴", "annual")],
    DISABILITY_CARE: [("default", "护理补贴", "annual")],
}
CATEGORY_LABELS = {(p, c): label for p, cats in STANDARD_CATEGORIES.items() for c, label, _ in cats}

__all__ = ["CENT", "monthly_rate"]


def dibao_amount(standard, income_per_capita, persons):
    """低保: (standard − per-capita income) × covered members, never below zero."""
    gap = Decimal(standard) - Decimal(income_per_capita)
    if gap <= 0 or persons <= 0:
        return Decimal("0.00")
    return to_cent(gap * persons)


def payment_items(program_code, *, area, category, care_level):
    """(item, standard category) pairs a case of the program is paid each month."""
    if program_code == DIBAO:
        return [("basic", area)]
    if program_code == TEKUN:
        items = [("basic", area)]
        if care_level:
            items.append(("care", f"care_{care_level}"))
        return items
    if program_code == ORPHAN:
        return [("basic", category or DISPERSED)]
    if program_code in (CHILD, DISABILITY_LIVING, DISABILITY_CARE):
        return [("basic", "default")]
    return []


def entitlement(program_code, *, standard_amount, basis, income=None, persons=1):
    """Monthly amount of one item for one case."""
    if program_code == DIBAO:
        return dibao_amount(monthly_rate(standard_amount, basis), income or 0, persons)
    return flat_amount(standard_amount=standard_amount, basis=basis, persons=persons)


def next_review(program_code, category, from_month):
    months = REVIEW_MONTHS.get((program_code, category))
    return add_months(from_month, months) if months else None


# ------------------------------------------------------------ registered with the payments engine


def _register(code):
    categories = tuple(
        Category(c, label, basis, "care" if c.startswith("care_") else "basic")
        for c, label, basis in STANDARD_CATEGORIES[code]
    )

    def items(facts):
        return payment_items(code, area=facts.area, category=facts.category, care_level=facts.care_level)

    def amount(**kwargs):
        return entitlement(code, **kwargs)

    register(
        ProgramRules(
            code=code, categories=categories, items=items, amount=amount, per_household=code == DIBAO
        )
    )


for _code in STANDARD_CATEGORIES:
    _register(_code)
