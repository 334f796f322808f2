"""Every XLSX the system writes goes through write_workbook: headers, rows, column widths.

Text is always written as text. openpyxl makes any string beginning with "=" a live formula (and
"#N/A" an error value), so a 户主 named =HYPERLINK(...) became a link in the bank's file and a
masked name such as "=**1" an invalid formula Excel refuses to open; here the cell's type is set
to text after the value, and text a spreadsheet would read as a formula on editing (OWASP "CSV
injection": leading =, +, -, @, tab, CR) also carries Excel's quote prefix. Money stays Decimal
(written exactly, no float rounding) with the number format #,##0.00.
"""

import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse

# openpyxl (0.3 s to import) loads when the first workbook is written, not with the URLs: every
# process (each command, each web worker) would otherwise pay for it at start.
Workbook = WriteOnlyCell = Font = get_column_letter = None
# openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE: what XML cannot carry.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _load_openpyxl():
    global Workbook, WriteOnlyCell, Font, get_column_letter
    if Workbook is None:
        from openpyxl import Workbook as workbook
        from openpyxl.cell import WriteOnlyCell as cell
        from openpyxl.styles import Font as font
        from openpyxl.utils import get_column_letter as letter

        Workbook, WriteOnlyCell, Font, get_column_letter = workbook, cell, font, letter


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
TEXT_FORMAT = "@"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32767  # Excel's limit on the characters of a cell
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
_FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
NUMBERS = (int, float, Decimal)
DATES = (datetime.date, datetime.datetime, datetime.time)


@dataclass(frozen=True)
class Column:
    """A column: its header, width in characters, and what its cells hold. money: numbers shown
    as #,##0.00; text: the column formatted as text, so what a user types there later (an
    18-digit 身份证号) stays text."""

    header: str
    width: float = 12
    money: bool = False
    text: bool = False


@dataclass
class Sheet:
    """A worksheet to write: columns, rows (lists in column order, any iterable, consumed once),
    an optional footer row (totals), data validations (openpyxl DataValidation) and a frozen
    header. `written` is the number of rows written, footer not counted, once saved."""

    title: str
    columns: list
    rows: object = ()
    footer: list | None = None
    validations: list = field(default_factory=list)
    freeze_header: bool = True
    written: int = 0


def is_formula_like(text):
    return text.startswith(FORMULA_TRIGGERS)


def safe_text(value):
    """The text as a cell may hold it: characters XML cannot carry removed, Excel's length kept."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]


def _cell(ws, value, column, *, bold=False):
    if value is None or value == "":
        cell = WriteOnlyCell(ws)
    elif isinstance(value, bool):  # before the numbers: a bool is an int; 是/否 reads better than TRUE
        cell = WriteOnlyCell(ws, value="是" if value else "否")
        cell.data_type = "s"
    elif isinstance(value, NUMBERS):
        cell = WriteOnlyCell(ws, value=value)
        if column is not None and column.money:
            cell.number_format = MONEY_FORMAT
    elif isinstance(value, DATES):
        cell = WriteOnlyCell(ws, value=value)
    else:
        text = safe_text(str(value))
        cell = WriteOnlyCell(ws, value=text)
        # After the value: openpyxl has just typed "=…" a formula and "#N/A" an error.
        cell.data_type = "s"
        if is_formula_like(text):
            cell.quotePrefix = True  # Excel keeps it text even when someone edits the cell
    if column is not None and column.text and not isinstance(value, NUMBERS):
        cell.number_format = TEXT_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def sheet_title(title):
    """A valid worksheet name: none of \\ / * ? : [ ], at most 31 characters."""
    return _SHEET_TITLE_FORBIDDEN.sub("_", str(title)).strip("'")[:31] or "Sheet1"


def _write_sheet(wb, sheet):
    ws = wb.create_sheet(title=sheet_title(sheet.title))
    columns = list(sheet.columns)
    # Widths and column formats go before the first row in a write-only sheet.
    for index, column in enumerate(columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.text:
            dimension.number_format = TEXT_FORMAT
    if sheet.freeze_header:
        ws.freeze_panes = "A2"
    ws.append([_cell(ws, c.header, None, bold=True) for c in columns])
    count = 0
    for row in sheet.rows:
        ws.append(_row(ws, row, columns))
        count += 1
    if sheet.footer:
        ws.append(_row(ws, sheet.footer, columns, bold=True))
    for validation in sheet.validations:
        ws.data_validations.append(validation)  # a write-only sheet has no add_data_validation
    sheet.written = count


def _row(ws, values, columns, bold=False):
    return [
        _cell(ws, value, columns[i] if i < len(columns) else None, bold=bold)
        for i, value in enumerate(values)
    ]


def write_workbook(*sheets):
    """The XLSX bytes of the sheets, in order (streamed: memory does not grow with the rows)."""
    _load_openpyxl()
    wb = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(wb, sheet)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def download_filename(name):
    """A file name every system accepts: no path separators, reserved or control characters."""
    return _FILENAME_FORBIDDEN.sub("_", name).strip(" .") or "download"


def xlsx_response(data, filename, fallback="export.xlsx"):
    """An attachment named in Chinese (RFC 6266 / RFC 5987 filename*), with an ASCII name for
    clients that read only filename="…"."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    name = quote(download_filename(filename), safe="")
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{name}"
    return response
