"""Exports of a summary: HTML, PDF (WeasyPrint, GB/T 9704 layout), DOCX (python-docx) and the
figures as XLSX. They all lay out the same rendered document and the same figures."""

import functools
import io
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from civaffairs import figures as registry
from civaffairs.money import to_cent
from civaffairs.periods import Period
from civaffairs.spreadsheets import MONEY_FORMAT, Column, Sheet, sheet_title, write_workbook

from . import document
from .comparison import compare_periods, units_label
from .models import Summary, closing_name_for

# The faces the layout names (templates/reports/summary_print.html) and where they come from.
REQUIRED_FONTS = {
    "FandolFang": "仿宋（正文）：以 root 运行 bash scripts/setup-system.sh（从 texlive-lang-chinese 取出 Fandol 字体）",
    "FandolKai": "楷体（二级标题）：以 root 运行 bash scripts/setup-system.sh（从 texlive-lang-chinese 取出 Fandol 字体）",
    "Noto Sans CJK SC": "黑体（一级标题）：sudo apt-get install fonts-noto-cjk",
    "Noto Serif CJK SC": "小标宋（标题）：sudo apt-get install fonts-noto-cjk",
}


class ExportError(RuntimeError):
    pass


@dataclass
class Prepared:
    """What every export lays out: the rendered document, its title and its closing."""

    rendered: object
    title: str
    closing: dict
    period: Period
    region: object
    summary: object = None
    charts: list = None


def _date_cn(d):
    return f"{d.year}年{d.month}月{d.day}日"


def prepare(period, region=None, summary=None):
    """The summary of the period (its finalized version if it is final), or, without one, the
    shipped template rendered with the period's live figures."""
    period = period if isinstance(period, Period) else Period.parse(period)
    if summary is None:
        summary = Summary.objects.filter(period=period.label, region=region).first()
    if summary is not None:
        doc = document.summary_doc(summary)
        values = document.summary_values(summary, doc)
        name = summary.closing_name
        when = timezone.localtime(summary.finalized_at).date() if summary.is_final else timezone.localdate()
    else:
        doc = document.load_template()
        values = document.live_values(period, region, doc)
        name, when = closing_name_for(region), timezone.localdate()
    rendered = document.render(doc, values)
    title = "".join("".join(r.text for r in line) for line in rendered.title_lines)
    if summary is not None and summary.is_final and summary.frozen:
        charts = summary.frozen.get("charts", [])
    else:
        from .dashboard import monthly_charts

        charts = monthly_charts(period, region)
    return Prepared(
        rendered,
        title,
        {"name": name, "date": _date_cn(when)},
        period,
        region,
        summary,
        [mark_safe(c) for c in charts],
    )


def html_string(prepared):
    return render_to_string(
        "reports/summary_print.html",
        {
            "doc": prepared.rendered,
            "title": prepared.title,
            "closing": prepared.closing,
            "charts": prepared.charts,
            "period_name": document.period_words(prepared.period)["period.name"],
        },
    )


@functools.lru_cache(maxsize=1)
def _installed_families():
    """The font families fontconfig knows (asked once per process: fc-list takes seconds on a
    busy machine, and fonts are installed by setup, not while the server runs)."""
    if shutil.which("fc-list") is None:
        raise ExportError("缺少 fontconfig（fc-list）：sudo apt-get install fontconfig")
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",")}


def check_pdf_requirements():
    """Missing fonts or libraries are named, with what to install: never a PDF of empty boxes."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        raise ExportError(
            "WeasyPrint 无法加载（缺少 Pango 等系统库）：sudo apt-get install libpango-1.0-0 "
            f"libpangoft2-1.0-0 libharfbuzz-subset0（{exc}）"
        ) from None
    families = _installed_families()
    missing = [f"{font}——{hint}" for font, hint in REQUIRED_FONTS.items() if font not in families]
    if missing:
        raise ExportError("缺少公文字体：" + "；".join(missing))


def pdf_bytes(prepared):
    check_pdf_requirements()
    from weasyprint import HTML

    return HTML(string=html_string(prepared)).write_pdf()


# --- DOCX ------------------------------------------------------------------------------------

# Word and WPS name the official faces so; the PDF uses their free equivalents.
DOCX_FONTS = {"title": "方正小标宋简体", "body": "仿宋", "h1": "黑体", "h2": "楷体"}


def docx_bytes(prepared):
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _page_numbers(section, Pt)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    normal.font.name = DOCX_FONTS["body"]
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), DOCX_FONTS["body"])
    normal.paragraph_format.line_spacing = Pt(28.95)
    normal.paragraph_format.space_after = Pt(0)

    def run(paragraph, text, face="body", size=16, bold=False):
        r = paragraph.add_run(text)
        r.font.size, r.font.bold, r.font.name = Pt(size), bold, DOCX_FONTS[face]
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), DOCX_FONTS[face])
        return r

    def text(runs):
        return "".join(r.text for r in runs)

    def body(runs_list, first_prefix=None):
        for i, runs in enumerate(runs_list):
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(32)
            if i == 0 and first_prefix:
                run(p, first_prefix)
            run(p, text(runs))

    r = prepared.rendered
    for line in r.title_lines:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run(p, text(line), "title", 22, bold=True)
    doc.add_paragraph()
    body(r.intro)
    for b in r.printed():
        head = b.number + text(b.heading)
        if b.depth >= 2:
            if b.paragraphs:
                body(b.paragraphs, first_prefix=head)
            else:
                body([[document.Run(head)]])
            continue
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        run(p, head, "h1" if b.depth == 0 else "h2")
        body(b.paragraphs)
    doc.add_paragraph()
    for line in (prepared.closing["name"], prepared.closing["date"]):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(64)
        run(p, line)
    _chart_appendix(doc, prepared, run)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _chart_appendix(doc, prepared, run):
    """附图 as in the PDF: a new page, the label in 黑体, the title, each chart the text block wide
    (the chart's own drawing as PNG: Word and WPS do not all show SVG)."""
    if not prepared.charts:
        return
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Mm

    from .charts import ChartFontMissing, svg_png

    try:
        pictures = [svg_png(str(svg)) for svg in prepared.charts]
    except ChartFontMissing as exc:
        raise ExportError(str(exc)) from None
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    run(doc.add_paragraph(), "附图", "h1")
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, f"{document.period_words(prepared.period)['period.name']}月度数据", "title", 22, bold=True)
    for picture in pictures:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing = 1.0  # the body's fixed 28.95 pt would crop the picture
        p.add_run().add_picture(io.BytesIO(picture), width=Mm(156))


def _page_numbers(section, Pt):
    """Footer "— 1 —" (4号), the page number a PAGE field that Word and WPS fill in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def text(value):
        r = paragraph.add_run(value)
        r.font.size = Pt(14)
        return r

    text("— ")
    run = text("")
    for kind, instr in (("begin", None), (None, "PAGE"), ("separate", None), (None, None), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
        else:
            el = OxmlElement("w:t")
            el.text = "1"
        run._element.append(el)
    text(" —")


# --- XLSX ------------------------------------------------------------------------------------


def figure_rows(period, region=None):
    """Every registered figure with label, unit, the summary's section it appears in, and the
    previous period's and the year-earlier values with the changes."""
    previous, year_ago = compare_periods(period)
    now = registry.compute(period, region)
    before = registry.compute(previous, region)
    last_year = registry.compute(year_ago, region)
    groups = section_of_keys()
    specs = registry.specs()
    rows = []
    for key in sorted(now, key=lambda k: (*groups.get(k, (99, "其他指标", 0))[::2], k)):
        unit = specs[key].unit
        rows.append(
            {
                "key": key,
                "label": specs[key].label,
                "unit": units_label(key, unit),
                "group": groups.get(key, (99, "其他指标"))[1],
                "value": now[key],
                "previous": before[key],
                "year_ago": last_year[key],
                "change_previous": _change(now[key], before[key], unit),
                "change_year": _change(now[key], last_year[key], unit),
                "is_money": unit == registry.MONEY,
                "is_number": unit != registry.STATUS,
                "display": registry.display_value(key, now[key]),
                "wan": f"{registry.wan_yuan(now[key])}万元" if unit == registry.MONEY else "",
            }
        )
    return rows, previous, year_ago


def _change(new, old, unit):
    if unit == registry.STATUS or new is None or old is None:
        return None
    return Decimal(str(new)) - Decimal(str(old))


def section_of_keys():
    """{key: (order, group heading, position)}: the second-level heading of the shipped template
    where the key first appears, and its place in the text, so the figures page follows the
    summary's structure."""
    doc = document.load_template()
    out, order = {}, 0

    def walk(nodes, depth, group):
        nonlocal order
        for n in nodes:
            g = group
            if depth == 1:
                order += 1
                g = (order, n.heading.rstrip("。"))
            for t in (n.heading, n.body):
                for p in document.placeholders(t):
                    if g and p.key not in out:
                        out[p.key] = (*g, len(out))
            walk(n.children, depth + 1, g)

    walk(doc.sections, 0, None)
    return out


def xlsx_bytes(period, region=None):
    period = period if isinstance(period, Period) else Period.parse(period)
    rows, previous, year_ago = figure_rows(period, region)
    place = region.name if region else "全区"
    columns = [
        Column("分组", 26),
        Column("指标", 30),
        Column("单位", 10),
        Column(period.name, 16),
        Column(f"上期 {previous.name}", 16),
        Column("较上期增减", 14),
        Column(f"上年同期 {year_ago.name}", 16),
        Column("较上年同期增减", 14),
        Column("指标代码", 36, text=True),
    ]

    def cell(row, value):
        if value is None:
            return ""
        if row["is_money"]:
            return to_cent(value)
        if not row["is_number"]:
            return registry.display_value(row["key"], value)
        return value

    def lines():
        for row in rows:
            yield [
                row["group"],
                row["label"],
                row["unit"],
                cell(row, row["value"]),
                cell(row, row["previous"]),
                cell(row, row["change_previous"]),
                cell(row, row["year_ago"]),
                cell(row, row["change_year"]),
                row["key"],
            ]

    sheet = Sheet(title=sheet_title(f"{period.name}{place}统计数据"), columns=columns, rows=lines())
    return _money_formats(write_workbook(sheet), [r["is_money"] for r in rows])


def _money_formats(data, money_rows):
    """The sheet mixes counts and amounts column by column; amounts get #,##0.00 row by row."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    for index, is_money in enumerate(money_rows, start=2):
        if is_money:
            for col in range(4, 9):
                ws.cell(row=index, column=col).number_format = MONEY_FORMAT
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
