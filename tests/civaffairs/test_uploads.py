"""Uploads that cannot exhaust the server (issue 12): a corpus of bad files built here, each
refused by the roster import within its limit, with a Chinese message and nothing written; and an
error report that stays readable."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook

from assistance import roster
from civaffairs import uploads
from civaffairs.idnumber import make_id_number
from civaffairs.models import AuditEvent, Case, Household, Person, Request
from tests.assistance.test_roster_import import HEADERS

HEAD = make_id_number("445303", __import__("datetime").date(1968, 4, 12), 15)


def counts():
    return {m.__name__: m.objects.count() for m in (Person, Household, Case, Request, AuditEvent)}


def row(**overrides):
    values = {
        "所属镇": "石城镇",
        "所在村（居）": "上洞村",
        "户主身份证号": HEAD,
        "姓名": "黄大明",
        "身份证号": HEAD,
        "与户主关系": "户主",
        "城乡类别": "农村",
        "家庭月人均收入": 200,
        "起始年月": "2019-03",
        "复核类别": "B",
    }
    values.update(overrides)
    return [values.get(h) for h in HEADERS]


def workbook_bytes(rows, *, extra=None):
    wb = Workbook()
    ws = wb.active
    ws.append(list(HEADERS))
    for r in rows:
        ws.append(r)
    if extra:
        extra(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def hand_made_xlsx(members):
    """An XLSX written part by part, so a test can put what it likes in each."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
        ),
        "xl/sharedStrings.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'count="1" uniqueCount="1"><si><t>身份证号</t></si></sst>'
        ),
    }
    parts.update(members)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode() if isinstance(text, str) else text)
    return buf.getvalue()


def refused(caseworker, data):
    """Import through the service: refused with one file-level error, nothing written."""
    before = counts()
    with pytest.raises(roster.RosterError) as caught:
        roster.import_roster(io.BytesIO(data), actor=caseworker)
    assert counts() == before
    [error] = caught.value.errors
    return error.message


@pytest.fixture
def small_limits(settings):
    settings.UPLOAD_MAX_BYTES = 200_000
    settings.UPLOAD_MAX_ROWS = 100
    settings.UPLOAD_MAX_CELL_CHARS = 1000


def test_the_defaults(settings):
    assert settings.UPLOAD_MAX_BYTES == 20 * 1024 * 1024
    assert settings.UPLOAD_MAX_ROWS == 50_000
    assert settings.UPLOAD_MAX_ERRORS_SHOWN == 200


def test_an_oversized_file_is_refused_unread(caseworker, shicheng_village, small_limits):
    import secrets

    noise = [row(姓名=secrets.token_hex(400)[:900]) for _ in range(600)]
    data = workbook_bytes(noise)
    assert len(data) > 200_000
    assert "文件过大" in refused(caseworker, data)


def test_the_page_refuses_an_oversized_upload(caseworker, login, small_limits):
    upload = io.BytesIO(b"PK" + b"\0" * 300_000)
    upload.name = "花名册.xlsx"
    response = login(caseworker).post(reverse("assistance:roster_import"), {"file": upload})
    assert "文件过大" in response.content.decode()
    assert Person.objects.count() == 0


def test_too_many_rows_are_refused(caseworker, shicheng_village, small_limits):
    data = workbook_bytes([row() for _ in range(150)])
    assert "行数超过上限（100 行）" in refused(caseworker, data)


def test_a_million_blank_rows_are_refused_without_reading_them_all(caseworker, shicheng_village):
    def far_away(ws):
        ws.cell(row=1_000_000, column=1, value="x")

    assert "行数超过上限（50000 行）" in refused(caseworker, workbook_bytes([row()], extra=far_away))


def test_one_huge_shared_string_is_refused_before_it_is_loaded(caseworker, settings):
    settings.UPLOAD_MAX_BYTES = 1_000_000  # shared strings may unpack to twice that
    huge = "<si><t>" + "a" * 5_000_000 + "</t></si>"
    sst = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="2" uniqueCount="2"><si><t>身份证号</t></si>{huge}</sst>'
    )
    data = hand_made_xlsx({"xl/sharedStrings.xml": sst})
    assert len(data) < 1_000_000
    assert "文字内容过大" in refused(caseworker, data)


def test_a_decompression_bomb_is_refused(caseworker, settings):
    settings.UPLOAD_MAX_BYTES = 1_000_000  # the whole may unpack to eight times that
    filler = "<!--" + " " * 20_000_000 + "-->"
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{filler}<sheetData/></worksheet>"
    )
    data = hand_made_xlsx({"xl/worksheets/sheet1.xml": sheet})
    assert len(data) < 1_000_000
    assert "解压后过大" in refused(caseworker, data)


def test_formula_cells_are_refused_at_their_row_and_column(caseworker, shicheng_village):
    data = workbook_bytes([row(家庭月人均收入="=100+100", 姓名='=HYPERLINK("http://x")')])
    before = counts()
    with pytest.raises(roster.RosterError) as caught:
        roster.import_roster(io.BytesIO(data), actor=caseworker)
    assert counts() == before
    where = {(e.row, e.column) for e in caught.value.errors}
    assert {(2, "姓名"), (2, "家庭月人均收入")} <= where


def test_a_cell_over_the_cap_is_refused(caseworker, shicheng_village, small_limits):
    message = refused(caseworker, workbook_bytes([row(姓名="黄" * 1001)]))
    assert "超过 1000 个字符" in message


@pytest.mark.parametrize(
    "data",
    [b"\xd0\xcf\x11\xe0 an old .xls", "姓名,身份证号\n张三,1\n".encode(), b""],
    ids=["xls", "csv", "empty"],
)
def test_a_file_that_is_not_xlsx_is_refused(caseworker, data):
    assert "不是有效的 XLSX" in refused(caseworker, data)


def test_a_zip_that_is_not_a_workbook_is_refused(caseworker):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    assert "不是有效的 XLSX" in refused(caseworker, buf.getvalue())


def test_the_error_report_lists_200_errors_then_a_count(caseworker, login, shicheng_village):
    bad = [row(户主身份证号=f"44530319680412{i:04d}", 身份证号=f"44530319680412{i:04d}") for i in range(300)]
    upload = io.BytesIO(workbook_bytes(bad))
    upload.name = "花名册.xlsx"
    client = login(caseworker)
    before = counts()
    response = client.post(reverse("assistance:roster_import"), {"file": upload})
    html = response.content.decode()
    assert len(response.context["errors"]) == 200
    assert "另有" in html and f"另有 {response.context['more_errors']} 处错误未列出" in html
    assert response.context["error_count"] == 200 + response.context["more_errors"]
    assert counts() == before


def test_the_reader_streams_a_good_file(caseworker, shicheng_village):
    lines = list(uploads.iter_sheet(io.BytesIO(workbook_bytes([row(), row()]))))
    assert [n for n, _ in lines] == [1, 2, 3]


def peak_memory(function):
    import tracemalloc

    tracemalloc.start()
    try:
        function()
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_at_the_default_limits_memory_stays_bounded(caseworker, shicheng_village):
    """The attacks of issue 12 at the real limits: one shared string just over its bound (the one
    that used 3.4 GB), and a million blank rows. Python's allocations while refusing each stay far
    below 300 MB."""
    sst = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'count="2" uniqueCount="2"><si><t>身份证号</t></si><si><t>' + "a" * 42_000_000 + "</t></si></sst>"
    )
    huge = hand_made_xlsx({"xl/sharedStrings.xml": sst})
    del sst

    def far_away(ws):
        ws.cell(row=1_000_000, column=1, value="x")

    blank = workbook_bytes([row()], extra=far_away)
    for data in (huge, blank):
        found = []
        peak = peak_memory(lambda d=data, out=found: out.append(refused(caseworker, d)))
        assert found and ("文字内容过大" in found[0] or "行数超过上限" in found[0])
        assert peak < 300 * 1024 * 1024
