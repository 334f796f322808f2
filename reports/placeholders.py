"""Placeholders in a summary's text: `{dibao.households}`, `{dibao.paid:万元}`, `{tekun.care_paid:元}`,
`{elderly_care.fire_retrofit_funds:多万元}`, `{antigang.materials:多}份`, `{period.name}`.

Resolution is plain substitution: the text between braces is looked up as a key of the figures
registry, of the record-list registry or of the period words below, and replaced by the value
written in the format asked for. Nothing a user writes is ever evaluated. Pure functions: the
values come in a `Values` object (live from the registry or frozen with a finalized summary).

Formats (after a colon):
  (none)   counts and rates as numbers (3804, 705), money as 万元 (1205.42万元), a status by its
           label, a record list joined with 、
  数       the number alone (money in 元: 45082)
  元       money in 元, to the 元 when whole (45082元)
  万元     money in 万元, two places, zeros dropped (12054200 → 1205.42万元; FIGURES.md)
  多万元   the seed's approximation of money: 4630000 → 460多万元 (two significant figures, down)
  多       the same for a count: 3512 → 3500多 (the unit follows in the text: 3500多份)
  方案     a standard's approval status as the seed says it (方案已报区政府审核)
  个数     a record list's number of records
  和       a record list joined as a sentence lists places: 、 between, 和 before the last, a town
           named once for its villages in a row (富林镇民主村、寨塘村和石城镇五星村)
  (field)  a field of the records, for a list registered with fields ({welfare.rescue_station:进展})
"""

import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from civaffairs.figures import COUNT, MONEY, PERCENT, RATE, STATUS
from civaffairs.models import ApprovalStatus
from civaffairs.money import to_cent, to_decimal, wan_yuan

from .numbering import chinese_number

PLACEHOLDER = re.compile(r"\{([^{}\n]*)\}")
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
FIGURE_FORMATS = {"", "数", "元", "万元", "多万元", "多", "方案"}
RECORD_FORMATS = {"", "个数", "和"}
TOWN_PREFIX = re.compile(r"^(.+?镇)(.+)$")
PERIOD_KEYS = {
    "period.name": "期间名称（2019年上半年）",
    "period.half": "半年（上半年/下半年；其他期间为“本期”）",
    "period.next_name": "下一期间名称（2019年下半年）",
    "period.next": "下一期间简称（下半年/明年上半年）",
    "period.year": "年份（2019）",
    "period.months": "月份范围（1-6月）",
    "period.end_month": "期末月份（6）",
    "place.author": "总结单位（全区为“云安区民政局”，镇的总结为“云安区石城镇”）",
}
BUREAU = "云安区民政局"
STATUS_SENTENCES = {
    ApprovalStatus.PENDING: "方案已报区政府审核",
    ApprovalStatus.APPROVED: "方案已经区政府批准实施",
    ApprovalStatus.DRAFT: "方案正在制定",
    ApprovalStatus.REJECTED: "方案未获区政府批准，正在重新制定",
    ApprovalStatus.WITHDRAWN: "方案已撤回，正在重新制定",
}


class UnknownKey(LookupError):
    pass


@dataclass(frozen=True)
class Placeholder:
    key: str
    format: str
    source: str  # the text as written, braces included


def segments(text):
    """The text cut into literal strings and Placeholders, in order."""
    out, last = [], 0
    for m in PLACEHOLDER.finditer(text or ""):
        if m.start() > last:
            out.append(text[last : m.start()])
        key, _, fmt = m.group(1).partition(":")
        out.append(Placeholder(key.strip(), fmt.strip(), m.group(0)))
        last = m.end()
    if last < len(text or ""):
        out.append(text[last:])
    return out


def placeholders(text):
    return [s for s in segments(text) if isinstance(s, Placeholder)]


def problems(text, figure_units, record_keys):
    """Every placeholder of the text that cannot be resolved, as Chinese messages naming it:
    unknown keys, unknown formats, formats that do not suit the key. figure_units: {key: unit};
    record_keys: the record lists, a set or {key: its fields}."""
    errors = []
    for p in placeholders(text):
        if not KEY.match(p.key):
            errors.append(f"占位符 {p.source} 不是有效的指标代码")
        elif p.key in PERIOD_KEYS:
            if p.format:
                errors.append(f"占位符 {p.source}：期间用语不带格式")
        elif p.key in record_keys:
            fields = record_keys.get(p.key, ()) if isinstance(record_keys, dict) else ()
            if p.format not in RECORD_FORMATS and p.format not in fields:
                allowed = "、".join(["个数", "和", *fields])
                errors.append(f"占位符 {p.source}：记录列表“{p.key}”没有“{p.format}”（可用：{allowed}）")
        elif p.key in figure_units:
            unit = figure_units[p.key]
            if p.format not in FIGURE_FORMATS:
                errors.append(
                    f"占位符 {p.source}：未知的格式“{p.format}”（可用：数、元、万元、多万元、多、方案）"
                )
            elif p.format in ("元", "万元", "多万元") and unit not in (MONEY, RATE):
                errors.append(f"占位符 {p.source}：“{p.format}”只用于金额")
            elif p.format == "方案" and unit != STATUS:
                errors.append(f"占位符 {p.source}：“方案”只用于审批状态")
            elif p.format in ("多", "数") and unit == STATUS:
                errors.append(f"占位符 {p.source}：审批状态不是数值")
        else:
            errors.append(f"未知的指标 {p.key}（占位符 {p.source}）")
    return errors


# --- values ----------------------------------------------------------------------------------


def period_words(period):
    """The period placeholders of a periods.Period."""
    start, end = period.start, period.end
    year = end.year
    half = None
    if start.day == 1 and start.month in (1, 7) and (end.month - start.month) == 5 and start.year == year:
        half = "上半年" if start.month == 1 else "下半年"
    if half:
        name = f"{year}年{half}"
        next_name = f"{year}年下半年" if half == "上半年" else f"{year + 1}年上半年"
    elif start.month == 1 and end.month == 12 and start.year == year and start.day == 1:
        name, next_name = f"{year}年", f"{year + 1}年"
    elif start.year == year and start.month == end.month:
        name, next_name = f"{year}年{end.month}月", "下一期间"
    elif start.year == year and (end.month - start.month) == 2 and start.month % 3 == 1:
        name, next_name = f"{year}年第{chinese_number(end.month // 3)}季度", "下一季度"
    else:
        name, next_name = f"{start:%Y年%-m月%-d日}至{end:%Y年%-m月%-d日}", "下一期间"
    months = f"{start.month}-{end.month}月" if start.year == year else f"{start:%Y年%-m月}至{end.month}月"
    return {
        "period.name": name,
        "period.half": half or "本期",
        "period.next_name": next_name,
        "period.next": {"上半年": "下半年", "下半年": "明年上半年"}.get(half, "下一阶段"),
        "period.year": str(year),
        "period.months": months,
        "period.end_month": str(end.month),
    }


def place_words(region):
    """The place placeholders: who writes the summary, the bureau or a town (a town Region)."""
    if region is None:
        return {"place.author": BUREAU}
    return {"place.author": f"{BUREAU.removesuffix('民政局')}{region.name}"}


@dataclass
class Values:
    """What placeholders resolve to: figure values as the figures command's JSON prints them
    (counts int, money "12054200.00", statuses "pending"), their units, record lists (lists of
    phrases) and the period words."""

    figures: dict
    units: dict
    records: dict = field(default_factory=dict)
    words: dict = field(default_factory=dict)
    # A town's summary: what its record lists name nothing of (a project in another town) is left
    # out (drop_empty_records). The district's keeps its — where a record is missing: there it
    # means data not yet entered, which the director should see.
    town: bool = False

    def resolve(self, placeholder):
        key, fmt = placeholder.key, placeholder.format
        if key in self.words:
            return self.words[key]
        if key in self.records:
            return format_records(self.records[key], fmt)
        if key not in self.figures or key not in self.units:
            raise UnknownKey(key)
        return format_figure(self.figures[key], self.units[key], fmt)


def _record_texts(items, fmt):
    field_name = "" if fmt == "和" else fmt
    texts = [
        item.get(field_name, "") if isinstance(item, dict) else (item if not field_name else "")
        for item in items
    ]
    return [t for t in texts if t]


def format_records(items, fmt=""):
    """A record list (phrases, or dicts of fields whose "" is the phrase) as the text asks."""
    if fmt == "个数":
        return str(len(items))
    texts = _record_texts(items, fmt)
    if not texts:
        return "—"
    if fmt != "和":
        return "、".join(texts)
    return join_places(texts)


# A sentence, or a clause of one (…；), with its closing mark.
CLAUSE = re.compile(r"[^。；！？]*[。；！？]|[^。；！？]+$")


def names_nothing(values, placeholder):
    """The placeholder asks a record list for text it has not got for this region: a town's
    summary and a project in another town ({welfare.rescue_station:土地面积} → —). A count (个数)
    always says something, 0 included."""
    items = values.records.get(placeholder.key)
    return items is not None and placeholder.format != "个数" and not _record_texts(items, placeholder.format)


def drop_empty_records(text, values):
    """A town's paragraph without the sentences (…。) or clauses (…；) whose record list names
    nothing for the town, as an official document would leave them out rather than print 约—平方米.
    None when nothing of the paragraph's facts is left (every sentence with a placeholder
    dropped): the paragraph was about the absent project, its background goes with it."""
    if not values.town:
        return text
    clauses = CLAUSE.findall(text)
    dropped = [any(names_nothing(values, p) for p in placeholders(c)) for c in clauses]
    if not any(dropped):
        return text
    kept = []
    for clause, drop in zip(clauses, dropped, strict=True):
        if not drop:
            kept.append(clause)
        elif clause.endswith("。") and kept and kept[-1].endswith("；"):
            kept[-1] = kept[-1][:-1] + "。"  # the sentence now ends at the clause before
    if not any(placeholders(c) for c in kept):
        return None
    return "".join(kept)


def join_places(texts):
    """民主村, 寨塘村 of 富林镇 and 五星村 of 石城镇 → 富林镇民主村、寨塘村和石城镇五星村."""
    out, town = [], None
    for text in texts:
        m = TOWN_PREFIX.match(text)
        if m and m.group(1) == town:
            out.append(m.group(2))
        else:
            out.append(text)
            town = m.group(1) if m else None
    if len(out) == 1:
        return out[0]
    return "、".join(out[:-1]) + "和" + out[-1]


def _number(value):
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(int(d))
    return f"{d.normalize():f}"


def approximate(n):
    """Down to two significant figures: 3512 → 3500, 463 → 460, 33 → 30, 8 → 8."""
    n = int(Decimal(str(n)).to_integral_value(ROUND_DOWN))
    if n < 100:
        return n if n < 10 else n // 10 * 10
    step = 10 ** (len(str(n)) - 2)
    return n // step * step


def format_figure(value, unit, fmt=""):
    if value is None:
        return "—"
    if unit == STATUS:
        if fmt == "方案":
            return STATUS_SENTENCES.get(value, str(value))
        return dict(ApprovalStatus.choices).get(value, str(value))
    if fmt == "元":
        return f"{_number(to_cent(value))}元"
    if fmt == "万元" or (fmt == "" and unit == MONEY):
        return f"{wan_yuan(value)}万元"
    if fmt == "多万元":
        return f"{approximate(to_decimal(value) / 10000)}多万元"
    if fmt == "多":
        return f"{approximate(value)}多"
    if unit in (COUNT, RATE, PERCENT, MONEY):
        return _number(value)
    return str(value)
