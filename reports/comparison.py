"""The periods a figure is compared with: the previous period of the same length and the same
period a year earlier. Pure functions on civaffairs.periods.Period."""

import datetime

from civaffairs import figures as registry
from civaffairs.periods import Period, add_months, month_end


def _label(start, end):
    """The shortest label the figures command accepts for start..end."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    whole = start.day == 1 and end == month_end(end)
    if whole and months == 12 and start.month == 1:
        return f"{start.year}"
    if whole and months == 6 and start.month in (1, 7):
        return f"{start.year}H{1 if start.month == 1 else 2}"
    if whole and months == 3 and start.month % 3 == 1:
        return f"{start.year}Q{start.month // 3 + 1}"
    if whole and months == 1:
        return f"{start:%Y-%m}"
    return f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"


def shift(period, months):
    """The period moved by whole months (its length kept when it is made of whole months)."""
    start = add_months(period.start, months)
    if period.start.day == 1 and period.end == month_end(period.end):
        n = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
        end = month_end(add_months(start, n))
    else:
        end = period.end + (datetime.date(start.year, start.month, 1) - period.start.replace(day=1))
        start = start.replace(day=min(period.start.day, month_end(start).day))
    return Period(start, end, _label(start, end))


def compare_periods(period):
    """(previous period, same period a year earlier)."""
    if period.start.day == 1 and period.end == month_end(period.end):
        months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
        previous = shift(period, -months)
    else:
        length = period.end - period.start + datetime.timedelta(days=1)
        start, end = period.start - length, period.start - datetime.timedelta(days=1)
        previous = Period(start, end, _label(start, end))
    return previous, shift(period, -12)


def units_label(key, unit):
    if unit == registry.MONEY:
        return "元"
    if unit == registry.RATE:
        return "元/人/年" if "annual" in key else "元/人/月"
    if unit == registry.PERCENT:
        return "%"
    return ""
