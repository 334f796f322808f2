"""Working days (工作日) by China's public holidays and make-up working days (调休), from the kept
`chinesecalendar` library, never a hand-typed table. Every deadline counted in working days (the
assistance procedure's 15 + 15, 10 + 10 and 20 days, …) is counted here.

A year the library does not yet cover (it is updated as the State Council publishes each year's
arrangement) counts Monday–Friday as working days, so a deadline is still shown; `covered(year)`
tells whether the year's holidays are known."""

import datetime
import functools

import chinese_calendar

ONE_DAY = datetime.timedelta(days=1)


def covered(year):
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@functools.lru_cache(maxsize=8192)  # deadlines walk the same weeks day by day, call after call
def is_workday(day):
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_workdays(start, days):
    """The `days`-th working day after `start` (start itself not counted): a step due within
    15 working days of an acceptance on `start` is due on add_workdays(start, 15)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += ONE_DAY
        if is_workday(day):
            left -= 1
    return day


def workdays_between(start, end):
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if is_workday(day):
            count += 1
    return count
