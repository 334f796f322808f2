"""{% load assistance_labels %}: {{ case|case_category }}, {{ standard|standard_category }},
{{ standard|standard_label }} — the labels of assistance/labels.py, never the codes."""

from django import template

from assistance import labels

register = template.Library()


@register.filter
def case_category(case):
    return labels.case_category_label(case.program.code, case.category)


@register.filter
def standard_category(standard):
    return labels.standard_category_label(standard.program.code, standard.category)


@register.filter
def standard_label(standard):
    return labels.standard_label(standard) if standard else ""
