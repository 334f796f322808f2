"""The one XLSX writer: text is never a formula, money is an exact number shown as #,##0.00."""

import datetime
import io
import zipfile
from decimal import Decimal
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from civaffairs.spreadsheets import (
    MONEY_FORMAT,
    XLSX_CONTENT_TYPE,
    Column,
    Sheet,
    download_filename,
    sheet_title,
    write_workbook,
    xlsx_response,
)

# Text a spreadsheet would run or misread (OWASP "CSV injection" and Excel's error values).
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "=**1",  # a masked name of "=abc": an invalid formula Excel refuses to open
    "+86 138 0000 0000",
    "-1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "#N/A",
    "#REF!",
    "=",
]

COLUMNS = [Column("姓名", 20), Column("金额（元）", 14, money=True), Column("身份证号", 22, text=True)]


def reload(data):
    return load_workbook(io.BytesIO(data))


def sheet_xml(data, number=1):
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{number}.xml").decode()


def test_hostile_text_is_written_as_text_unchanged():
    data = write_workbook(Sheet("表", COLUMNS, [[text, Decimal("1.00"), text] for text in HOSTILE]))
    ws = reload(data).active
    for row, text in zip(ws.iter_rows(min_row=2), HOSTILE, strict=True):
        for cell in (row[0], row[2]):
            assert (cell.value, cell.data_type) == (text, "s")
    assert "<f>" not in sheet_xml(data)
    assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)


def test_text_a_spreadsheet_would_run_on_editing_keeps_the_quote_prefix():
    ws = reload(write_workbook(Sheet("表", COLUMNS, [["=1+1"], ["@x"], ["黄大明"]]))).active
    assert [ws.cell(row=r, column=1).quotePrefix for r in (2, 3, 4)] == [True, True, False]


def test_a_carriage_return_at_the_start_stays_text():
    # XML carries CR as a line break, so the text comes back with LF; it is text all the same.
    ws = reload(write_workbook(Sheet("表", COLUMNS, [["\r=1+1"]]))).active
    assert ws["A2"].data_type == "s"
    assert ws["A2"].value.endswith("=1+1")


def test_characters_xml_cannot_carry_are_dropped_instead_of_failing_the_export():
    ws = reload(write_workbook(Sheet("表", COLUMNS, [["黄\x01大\x1b明"]]))).active
    assert ws["A2"].value == "黄大明"


def test_money_is_an_exact_number_with_the_money_format():
    amounts = [Decimal("1234567.89"), Decimal("0.10"), Decimal("-80.00"), 5]
    sheet = Sheet("表", COLUMNS, [["某", a] for a in amounts], footer=["合计", sum(amounts)])
    data = write_workbook(sheet)
    ws = reload(data).active
    cells = [ws.cell(row=r, column=2) for r in range(2, 7)]
    assert all(c.data_type == "n" and c.number_format == MONEY_FORMAT for c in cells)
    assert [c.value for c in cells] == [1234567.89, 0.1, -80, 5, 1234492.99]
    # Written from the Decimal's digits, not through a float.
    assert "<v>1234567.89</v>" in sheet_xml(data)
    assert "<v>1234492.99</v>" in sheet_xml(data)
    assert sheet.written == 4  # the footer is not a data row


def test_text_in_a_money_column_stays_text():
    ws = reload(write_workbook(Sheet("表", COLUMNS, [["某", "按审批后首月名册"]]))).active
    assert (ws["B2"].value, ws["B2"].data_type) == ("按审批后首月名册", "s")


def test_headers_widths_text_columns_and_the_frozen_header():
    ws = reload(write_workbook(Sheet("表", COLUMNS, [["黄大明", Decimal(1), "445303197005010011"]]))).active
    assert [c.value for c in ws[1]] == ["姓名", "金额（元）", "身份证号"]
    assert all(c.font.bold for c in ws[1])
    assert [ws.column_dimensions[x].width for x in "ABC"] == [20, 14, 22]
    assert ws["C2"].number_format == "@" and ws.column_dimensions["C"].number_format == "@"
    assert ws.freeze_panes == "A2"


def test_numbers_dates_and_blanks():
    row = [None, 3, "", datetime.date(2019, 3, 1)]
    columns = [Column("a"), Column("b"), Column("c"), Column("d")]
    ws = reload(write_workbook(Sheet("表", columns, [row]))).active
    assert [c.value for c in ws[2]] == [None, 3, None, datetime.datetime(2019, 3, 1)]


def test_several_sheets_and_data_validations():
    rule = DataValidation(type="list", formula1='"城镇,农村"', allow_blank=True)
    rule.add("A2:A100")
    wb = reload(
        write_workbook(
            Sheet("花名册", [Column("城乡类别")], [["农村"]], validations=[rule]),
            Sheet("说明", [Column("列名")], [["城乡类别"]], freeze_header=False),
        )
    )
    assert wb.sheetnames == ["花名册", "说明"]
    [validation] = wb["花名册"].data_validations.dataValidation
    assert str(validation.sqref) == "A2:A100"
    assert wb["说明"].freeze_panes is None


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("低保 2019年07月月度发放", "低保 2019年07月月度发放"),
        ("a/b\\c*d?e:f[g]h", "a_b_c_d_e_f_g_h"),
        ("公" * 40, "公" * 31),
        ("", "Sheet1"),
    ],
)
def test_sheet_titles_are_valid(title, expected):
    assert sheet_title(title) == expected


def test_the_response_names_the_file_in_chinese_with_an_ascii_fallback():
    response = xlsx_response(b"data", "低保_2019年07月_发放名册.xlsx", fallback="payroll-1.xlsx")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename=\"payroll-1.xlsx\"; filename*=UTF-8''"
        + quote("低保_2019年07月_发放名册.xlsx", safe="")
    )


def test_file_names_lose_path_and_reserved_characters():
    assert download_filename('../石城镇/上洞村:"公示"\n.xlsx') == "_石城镇_上洞村__公示__.xlsx"
