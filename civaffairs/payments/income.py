"""The household income a month is priced with (低保 and any program priced per household): the
per-capita income in force that month (HouseholdIncome, effective-dated). So a month is priced the
same by its payroll, by a later payroll's arrears and by a back-pay years on — with that month's
income, not today's. A death changes no one's per-capita income: the deceased's share of the
total leaves with them (services.end_cover_at_death), as when the 减人 paperwork states it."""

from bisect import bisect_right
from collections import defaultdict
from decimal import Decimal

from civaffairs.models import Case, HouseholdIncome
from civaffairs.money import to_cent


def per_capita(total, persons):
    return to_cent(Decimal(total) / max(persons, 1))


def households_of(case_ids):
    """{case_id: household_id} of the household cases among them."""
    return dict(
        Case.objects.filter(pk__in=list(case_ids), household__isnull=False).values_list("id", "household_id")
    )


def monthly_incomes(keys, fallback):
    """{(case_id, month): per-capita income in force that month} for (case_id, month) keys of
    household cases (the earliest recorded for a month before the first record). A household with
    no income history (recorded before it was kept) is priced with fallback[case_id], its
    per-capita income now."""
    keys = list(keys)
    household = households_of({case_id for case_id, _m in keys})
    history = defaultdict(lambda: ([], []))
    for household_id, month, income in (
        HouseholdIncome.objects.filter(household_id__in=set(household.values()))
        .order_by("household_id", "effective_month")
        .values_list("household_id", "effective_month", "income_per_capita")
        .iterator(chunk_size=5000)
    ):
        months, incomes = history[household_id]
        months.append(month)
        incomes.append(income)
    out = {}
    for case_id, month in keys:
        if case_id not in household:
            continue
        months, incomes = history.get(household[case_id], ([], []))
        out[(case_id, month)] = (
            incomes[max(bisect_right(months, month) - 1, 0)] if months else fallback.get(case_id)
        )
    return out
