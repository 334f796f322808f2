import io
import subprocess
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from openpyxl import load_workbook

from civaffairs import figures
from reports import document, exports, services
from tests.factories import village

TEMPLATE = "标题：云安区民政局{period.name}工作总结\n导语。\n= 基层政权\n== 村规民约。 @grassroots\n=== 指导推进村规民约修订工作。\n全区{villages.committees}个村（居）委{villages.natural}个自然村。"


@pytest.fixture
def small(director):
    for _ in range(3):
        village("石城镇")
    return services.create_summary(
        actor=director, period="2019H1", template=document.parse_template(TEMPLATE)
    )


def _pdf_text(data, tmp_path):
    path = tmp_path / "s.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return text, fonts.splitlines()[2:]


def test_the_pdf_holds_the_figures_in_embedded_chinese_fonts(small, tmp_path):
    data = exports.pdf_bytes(exports.prepare("2019H1", summary=small))
    text, fonts = _pdf_text(data, tmp_path)
    flat = text.replace("\n", "")
    assert "云安区民政局2019年上半年工作总结" in flat
    assert "一、基层政权" in flat and "（一）村规民约。" in flat
    assert "全区3个村（居）委0个自然村" in flat
    assert "— 1 —" in text or "—1—" in text.replace(" ", "")
    assert "云浮市云安区民政局" in flat
    assert "附图" in flat and "低保户数和人数（各月末）" in flat  # the dashboard's charts, appended
    names = {line.split()[0].split("+")[-1] for line in fonts}
    assert {"FandolFang", "FandolHei", "FandolKai"} <= names
    assert all(" yes yes " in f" {' '.join(line.split()[-5:])} " for line in fonts)  # embedded, subset


def test_missing_fonts_are_named_with_what_to_install(small, monkeypatch):
    monkeypatch.setattr(exports, "_installed_families", lambda: {"Noto Sans CJK SC", "Noto Serif CJK SC"})
    with pytest.raises(exports.ExportError, match="FandolFang.*setup-system.sh"):
        exports.pdf_bytes(exports.prepare("2019H1", summary=small))


def test_the_docx_has_the_same_headings_numbers_and_fonts(small):
    doc = Document(io.BytesIO(exports.docx_bytes(exports.prepare("2019H1", summary=small))))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[0] == "云安区民政局2019年上半年工作总结"
    assert "一、基层政权" in texts and "（一）村规民约。" in texts
    assert "1.指导推进村规民约修订工作。全区3个村（居）委0个自然村。" in texts
    heading = next(p for p in doc.paragraphs if p.text == "一、基层政权")
    east_asia = heading.runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    )
    assert east_asia == "黑体"
    footer = doc.sections[0].footer.paragraphs[0]
    assert footer.text == "— 1 —" and "PAGE" in footer._element.xml  # a page-number field


def test_the_docx_appends_the_pdfs_charts_as_pictures(small):
    from PIL import Image

    prepared = exports.prepare("2019H1", summary=small)
    doc = Document(io.BytesIO(exports.docx_bytes(prepared)))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert "附图" in texts and "2019年上半年月度数据" in texts
    assert texts.index("附图") > texts.index("云浮市云安区民政局")  # after the closing, as in the PDF
    blobs = [part.blob for part in doc.part.package.parts if part.content_type == "image/png"]
    assert len(blobs) == len(prepared.charts) == 2
    for blob in blobs:
        image = Image.open(io.BytesIO(blob))
        assert image.size[0] >= 1500  # drawn at 3× for print
        # Drawn, not blank: the chart's colours are there.
        assert len(image.getcolors(maxcolors=1 << 16) or []) > 10
    from docx.shared import Mm

    assert [shape.width for shape in doc.inline_shapes] == [Mm(156)] * 2


def test_the_docx_names_the_missing_chart_font(small, monkeypatch):
    from reports import charts

    def missing():
        raise charts.ChartFontMissing("缺少图表用的中文字体（黑体）：sudo apt-get install fonts-noto-cjk")

    monkeypatch.setattr(charts, "_font_file", missing)
    charts._font.cache_clear()
    try:
        with pytest.raises(exports.ExportError, match="fonts-noto-cjk"):
            exports.docx_bytes(exports.prepare("2019H1", summary=small))
    finally:
        charts._font.cache_clear()


def test_a_town_summary_is_signed_and_titled_by_the_town(director, tmp_path):
    from tests.factories import town as town_named

    shicheng = town_named("石城镇")
    town = services.create_summary(actor=director, period="2019H1", region=shicheng)
    assert town.closing_name == "云浮市云安区石城镇人民政府"
    prepared = exports.prepare("2019H1", shicheng, summary=town)
    assert prepared.closing["name"] == "云浮市云安区石城镇人民政府"
    assert prepared.title.startswith("云安区石城镇2019年上半年工作总结")
    html = exports.html_string(prepared)
    assert "云浮市云安区石城镇人民政府" in html and "云浮市云安区民政局" not in html
    # Without a summary, the command renders the template signed by the town as well.
    out = tmp_path / "s.html"
    call_command(
        "export_summary", "2019H2", "--output", str(out), "--region", shicheng.code, stdout=io.StringIO()
    )
    html = out.read_text(encoding="utf-8")
    assert "云浮市云安区石城镇人民政府" in html and "云安区石城镇2019年下半年工作总结" in html
    # The district's stays the bureau's.
    assert services.create_summary(actor=director, period="2019H1").closing_name == "云浮市云安区民政局"


def test_the_xlsx_has_every_figure_with_label_unit_and_comparison(small):
    village("六都镇")
    wb = load_workbook(io.BytesIO(exports.xlsx_bytes("2019H1")))
    ws = wb.active
    assert "2019年上半年" in ws.title
    header = [c.value for c in ws[1]]
    assert (
        header[3] == "2019年上半年"
        and header[4] == "上期 2018年下半年"
        and header[6] == "上年同期 2018年上半年"
    )
    rows = {r[8]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == set(figures.specs())
    committees = rows["villages.committees"]
    assert committees[1] == "村（居）委数"
    # The villages exist now and "existed" a year ago as well: a stock of regions has no dates.
    assert committees[3] == 4 and committees[5] == 0
    money_key = next(k for k, s in figures.specs().items() if s.unit == figures.MONEY)
    money_row = next(r for r in ws.iter_rows(min_row=2) if r[8].value == money_key)
    assert money_row[2].value == "元" and money_row[3].number_format == "#,##0.00"
    assert Decimal(str(money_row[3].value)) == Decimal("0")


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".xlsx", ".html"])
def test_the_command_exports_by_the_files_extension(small, tmp_path, suffix):
    out = tmp_path / f"summary{suffix}"
    call_command("export_summary", "2019H1", "--output", str(out), stdout=io.StringIO())
    assert out.stat().st_size > 1000
    if suffix == ".html":
        assert ">3</span>个村（居）委" in out.read_text(encoding="utf-8")


def test_without_a_summary_the_command_renders_the_shipped_template(db, tmp_path):
    out = tmp_path / "s.html"
    call_command("export_summary", "2019H2", "--output", str(out), stdout=io.StringIO())
    html = out.read_text(encoding="utf-8")
    assert "云安区民政局2019年下半年工作总结" in html and "二、2020年上半年工作计划" in html


@pytest.mark.parametrize(
    "args, error",
    [
        (["2019H3", "--output", "x.pdf"], "无法识别的期间"),
        (["2019H1", "--output", "x.txt"], "不支持的文件类型"),
        (["2019H1", "--output", "x.pdf", "--region", "445303"], "镇级"),
    ],
)
def test_the_command_refuses_bad_input(db, args, error):
    with pytest.raises(CommandError, match=error):
        call_command("export_summary", *args, stdout=io.StringIO())
