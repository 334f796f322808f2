"""What the screens show for 社会救助's codes: category labels and a standard in one line.

The labels themselves are declared once in assistance/programs.py; this module only looks them up,
for the tables, the templates ({% load assistance_labels %}) and the audit log.
"""

from django.utils.formats import date_format

from civaffairs.audit_labels import register_reference_name
from civaffairs.money import format_money

from . import programs as P


def case_category_label(program_code, category):
    """A case's category (A, dispersed, …) as its program names it; "" for none."""
    if not category:
        return ""
    return dict(P.CASE_CATEGORIES.get(program_code, [])).get(category, category)


def standard_category_label(program_code, category):
    """A standard's category (rural, care_half, default, …) as its program names it."""
    return P.CATEGORY_LABELS.get((program_code, category), category)


def standard_label(standard):
    """最低生活保障（低保） · 农村 400.00 元/人/月，2019年7月1日起 (the program is read from standard)."""
    category = standard_category_label(standard.program.code, standard.category)
    return (
        f"{standard.program.name} · {category} {format_money(standard.amount)} "
        f"{standard.get_basis_display()}，{date_format(standard.effective_from)}起"
    )


# A standard named in the audit log (a back-pay batch's 补发依据标准) reads as on the screens.
register_reference_name("civaffairs.Standard", standard_label, select_related=("program",))
