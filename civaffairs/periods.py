"""Periods: 2019H1, 2019H2, 2019, 2019Q2, 2019-03, 2019-01-01..2019-06-30. Pure functions."""

import calendar
import datetime
import re
from dataclasses import dataclass


class InvalidPeriod(ValueError):
    pass


def month_start(d):
    return d.replace(day=1)


def month_end(d):
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d, n):
    """First day of the month n months after d's month."""
    index = d.year * 12 + d.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first, last):
    """Every month start from first's month to last's month, inclusive."""
    m = month_start(first)
    out = []
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


def describe_months(months):
    """The months in words, as a remark says them: runs of three or more as 2019年01月—2019年06月,
    others listed as 2019年01月、03月 (the year written once while it stays the same). Any order;
    a month given twice is said once."""
    runs = []
    for m in sorted({month_start(m) for m in months}):
        if runs and add_months(runs[-1][-1], 1) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    parts, year = [], None
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{run[0]:%Y年%m月}—{run[-1]:%Y年%m月}")
            year = run[-1].year
            continue
        for m in run:
            parts.append(f"{m:%m月}" if m.year == year else f"{m:%Y年%m月}")
            year = m.year
    return "、".join(parts)


MIN_YEAR, MAX_YEAR = 1900, 2100  # the years a month or a period may name


def parse_month(value):
    """'2019-03' or '2019-03-01' or '201903' → date(2019, 3, 1)."""
    value = (str(value) if value is not None else "").strip()
    for pattern in (
        r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?$",
        r"^(\d{4})(\d{2})$",
        r"^(\d{4})年(\d{1,2})月$",
        r"^(\d{4})/(\d{1,2})$",
    ):
        m = re.match(pattern, value)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12 and MIN_YEAR <= year <= MAX_YEAR:
                return datetime.date(year, month, 1)
    raise InvalidPeriod(f"无法识别的年月“{value}”，应写作 2019-03")


_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _cn_date(text):
    m = re.match(r"^(\d{4})[年/-](\d{1,2})[月/-](\d{1,2})日?$", text.strip())
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else text.strip()


def _canonical(text):
    """2019年上半年 → 2019H1, 2019年 → 2019, 2019年第二季度 → 2019Q2, 2019年3月 → 2019-03,
    2019年1月1日至2019年6月30日 (or 2019-01-01 至 2019-06-30, ~) → 2019-01-01..2019-06-30."""
    text = text.replace(" ", "")
    m = re.match(r"^(\d{4})年?(上|下)半年$", text)
    if m:
        return f"{m.group(1)}H{1 if m.group(2) == '上' else 2}"
    m = re.match(r"^(\d{4})年(?:全年|度)?$", text)
    if m:
        return m.group(1)
    m = re.match(r"^(\d{4})年?第?([一二三四1-4])季度$", text)
    if m:
        return f"{m.group(1)}Q{_QUARTERS[m.group(2)]}"
    m = re.match(r"^(\d{4})年(\d{1,2})月(?:份)?$", text)
    if m:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    for separator in ("至", "到", "~", "—", "～"):
        if separator in text:
            first, _, last = text.partition(separator)
            return f"{_cn_date(first)}..{_cn_date(last)}"
    return text


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    label: str

    @classmethod
    def parse(cls, text):
        """A period as the command and the pages take it; the Chinese forms the summary writes
        (2019年上半年, 2019年, 2019年第二季度, 2019年3月, 2019年1月1日至2019年6月30日) read as their
        canonical label (2019H1 …). Years run from 1900 to 2100, as parse_month's do: year 1 or
        9999 have no previous period or year to compare with."""
        period = cls._parse(text)
        if period.start.year < MIN_YEAR or period.end.year > MAX_YEAR:
            raise InvalidPeriod(f"年份应在{MIN_YEAR}年至{MAX_YEAR}年之间：{period.label}")
        return period

    @classmethod
    def _parse(cls, text):
        text = _canonical((text or "").strip())
        m = re.match(r"^(\d{4})$", text)
        if m:
            y = int(m.group(1))
            return cls(datetime.date(y, 1, 1), datetime.date(y, 12, 31), text)
        m = re.match(r"^(\d{4})H([12])$", text, re.I)
        if m:
            y, h = int(m.group(1)), int(m.group(2))
            start = datetime.date(y, 1 if h == 1 else 7, 1)
            return cls(start, month_end(add_months(start, 5)), text.upper())
        m = re.match(r"^(\d{4})Q([1-4])$", text, re.I)
        if m:
            y, q = int(m.group(1)), int(m.group(2))
            start = datetime.date(y, 3 * q - 2, 1)
            return cls(start, month_end(add_months(start, 2)), text.upper())
        m = re.match(r"^(\d{4})-(\d{2})$", text)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            if not 1 <= mo <= 12:
                raise InvalidPeriod(f"月份无效：{text}")
            start = datetime.date(y, mo, 1)
            return cls(start, month_end(start), text)
        m = re.match(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$", text)
        if m:
            try:
                start = datetime.date.fromisoformat(m.group(1))
                end = datetime.date.fromisoformat(m.group(2))
            except ValueError:
                raise InvalidPeriod(f"日期无效：{text}") from None
            if end < start:
                raise InvalidPeriod(f"结束日期早于开始日期：{text}")
            return cls(start, end, text)
        raise InvalidPeriod(
            f"无法识别的期间“{text}”：可用 2019年上半年（2019H1）、2019年、2019年第二季度（2019Q2）、"
            "2019年3月（2019-03）或 2019年1月1日至2019年6月30日（2019-01-01..2019-06-30）"
        )

    @property
    def first_month(self):
        return month_start(self.start)

    @property
    def last_month(self):
        """The month of the period's last day: stock figures are taken there."""
        return month_start(self.end)

    @property
    def year(self):
        return self.end.year

    def months(self):
        return months_between(self.start, self.end)

    @property
    def name(self):
        """The period as the bureau writes it: 2019年上半年, 2019年, 2019年第二季度, 2019年3月,
        2019年1月1日至2019年6月30日. Pages and exports show this; `label` (2019H1) is the key."""
        start, end, year = self.start, self.end, self.end.year
        whole_months = start.day == 1 and end == month_end(end) and start.year == year
        if whole_months and start.month in (1, 7) and end.month - start.month == 5:
            return f"{year}年{'上半年' if start.month == 1 else '下半年'}"
        if whole_months and start.month == 1 and end.month == 12:
            return f"{year}年"
        if whole_months and start.month == end.month:
            return f"{year}年{end.month}月"
        if whole_months and end.month - start.month == 2 and start.month % 3 == 1:
            return f"{year}年第{'一二三四'[end.month // 3 - 1]}季度"
        return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"

    def __str__(self):
        return self.label


def period_name(label):
    """2019H1 → 2019年上半年; a label that does not parse is shown as it is."""
    try:
        return Period.parse(label).name
    except InvalidPeriod:
        return label
