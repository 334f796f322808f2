"""The grassroots section's paid program and its rules, registered with the payments engine.

村（居）务监督委员会成员补贴: a fixed monthly allowance per member (one item, the allowance; one
person, the member), at the standard the section chief approves. The seed: 600 → 625 元/人/月
from January 2019 (云安区2019年上半年工作总结 （四）2).
"""

from civaffairs.payments.rules import Category, ProgramRules, flat_amount, register

SUPERVISOR = "supervisor_allowance"
SUPERVISOR_NAME = "村（居）务监督委员会成员补贴"
SUPERVISOR_CATEGORY = "default"

# code, name, unit, cadence, order (after the assistance programs)
PROGRAMS = [(SUPERVISOR, SUPERVISOR_NAME, "person", "monthly", 110)]

CATEGORY_LABELS = {(SUPERVISOR, SUPERVISOR_CATEGORY): "成员补贴"}


def allowance_items(facts):
    """Every member in payment is paid the one allowance, whatever the case's facts."""
    return [("allowance", SUPERVISOR_CATEGORY)]


def allowance_amount(*, standard_amount, basis, income=None, persons=1):
    """The standard itself for the one member: no income test, no household."""
    return flat_amount(standard_amount=standard_amount, basis=basis, persons=1)


SUPERVISOR_RULES = register(
    ProgramRules(
        code=SUPERVISOR,
        categories=(Category(SUPERVISOR_CATEGORY, "成员补贴", "monthly", "allowance"),),
        items=allowance_items,
        amount=allowance_amount,
        per_household=False,
    )
)


def ensure_programs():
    """The program row (the data migration makes it; a flushed test database has lost it)."""
    from civaffairs.models import Program

    for code, name, unit, cadence, order in PROGRAMS:
        Program.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "cadence": cadence,
                "order": order,
                "section": "grassroots",
            },
        )
