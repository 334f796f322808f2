"""The one XLSX import pipeline: read the first sheet within the size, row and cell limits, parse
every cell by its column, check every row (nothing written yet), and only when no row fails write
them all in one transaction. Any failure lists every failing row and column, in Chinese, and
writes nothing. Each import declares its columns and gives its checks and its writes:

- `prefetch(rows)`: what the row checks ask the database, read for every row at once (existing
  records by ID or certificate number, in chunks), so that `check` asks it nothing;
- `check(row, seen)`: {column header: message} for one parsed row (rows whose cells all parsed);
- `check_all(rows)`: [(row number, column header, message)] — the checks across rows (several
  rows forming one household, duplicates) and against the database, with batch lookups: a
  constant number of queries per import (or per chunk of ID numbers), never one per row;
- `write(row)`: save one row (normally through the per-record service, so imports and forms apply
  the same rules and write the same audit rows), or `write_all(rows, progress)`: save them all at
  once through a service's bulk form (the roster's enrol_many).

Used by the 低保 roster (assistance/roster.py, also as a background job with its progress), the
marriage-registration and cremation imports (welfare/imports.py) and the verification centre's
reply (assistance/verification_import.py). Files are read by civaffairs.uploads.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from . import uploads
from .money import MAX_AMOUNT
from .spreadsheets import Column, Sheet, is_formula_like, write_workbook

NOT_XLSX = "文件不是有效的 XLSX（如为 .xls 或 .csv，请在 Excel 中另存为 .xlsx 后再导入）"
HEADER_SEARCH_ROWS = 10  # exports often carry a title line or two above the header
EXAMPLE_MARK = "（示例）"


@dataclass(frozen=True, order=True)
class RowError:
    """One failing cell: row is the spreadsheet's row number (0 for the file as a whole)."""

    row: int
    order: int
    column: str
    message: str

    def __str__(self):
        where = f"第{self.row}行 " if self.row else ""
        return f"{where}{self.column}：{self.message}" if self.column else f"{where}{self.message}"


class ImportFailed(Exception):
    """The file cannot be imported; `errors` lists every failing row and column."""

    def __init__(self, errors):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class ImportColumn:
    """A column of an import: header, whether required, how a cell becomes a value (parse raises
    ValueError with the Chinese reason), its note in the template and an example value."""

    header: str
    required: bool = True
    parse: object = None
    note: str = ""
    example: object = None
    choices: tuple = ()
    text: bool = False
    width: float = 14
    # The reason given for a blank cell of a required column (default 必填，不能为空).
    blank: str = ""
    # False: the header is required but its cells may be blank, the import's own check deciding
    # (a roster's household columns are filled on the head's row, members may leave them blank).
    cells_required: bool = True
    # The template's 是否必填 text, where 必填/选填 does not say it (必填（户主行）).
    requirement: str = ""

    @property
    def cell_required(self):
        return self.required and self.cells_required


@dataclass
class Importer:
    title: str
    columns: list
    # (row: {header: value, "_row": row number}, seen: a dict shared by the rows, for duplicates
    # within the file) → {header: message}
    check: object = None
    write: object = None  # (row: dict) → saved object
    sheet_name: str = "数据"
    notes: list = field(default_factory=list)
    # (rows: every parsed row, failing cells None and named in row["_failed"]) → None: what the
    # checks will ask the database, read for all rows at once before check runs row by row.
    prefetch: object = None
    # (rows, as for prefetch) → [(row, header, message)]: checks across rows and against the
    # database, in batches.
    check_all: object = None
    # (rows, progress) → result: all rows written at once (instead of write per row).
    write_all: object = None
    # Template rows (default: one row of the columns' examples).
    examples: list = None
    # What a concurrent writer's unique constraint tells the user.
    conflict: str = "导入期间有人同时登记了相同的记录，未导入任何数据，请重新导入"

    @property
    def order(self):
        return {c.header: i for i, c in enumerate(self.columns)}

    def error(self, row, column, message):
        return RowError(row or 0, self.order.get(column, -1), column, message)


# ---------------------------------------------------------------- cell parsers


def blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def text(value):
    if blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_text(value):
    """A free-text cell. Text a spreadsheet reads as a formula (a leading =, +, -, @: a formula
    cell reads as its "=…" text here) is refused, so that no export carries it on to Excel."""
    raw = text(value)
    if is_formula_like(raw):
        raise ValueError("不能以 =、+、-、@ 开头（疑似公式）")
    return raw


def parse_date(value):
    """A cell typed as a date, or text such as 2019-03-08, 2019/3/8, 20190308 or 2019年3月8日."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d"):
        try:
            return datetime.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError("日期无效，应为如 2019-03-08 的日期")


# NaN, infinities and amounts beyond MAX_MONEY are a row's error, never a crash or an overflow.
MAX_MONEY = MAX_AMOUNT


def parse_money(value):
    try:
        amount = Decimal(text(value) or "0")
    except InvalidOperation:
        raise ValueError("金额无效，应为数字") from None
    if not amount.is_finite():
        raise ValueError("金额无效，应为数字")
    if amount > MAX_MONEY:
        raise ValueError(f"金额过大，不能超过{MAX_MONEY:,}元")
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("金额须为不小于0、最多两位小数的数字")
    return amount


def choice(mapping, what):
    """A parser for a cell holding one of the labels of mapping (label → value)."""

    def parse(value):
        raw = text(value)
        if raw not in mapping:
            raise ValueError(f"{what}应为{'、'.join(mapping)}之一")
        return mapping[raw]

    return parse


# ---------------------------------------------------------------- reading


def _header(value):
    return "".join(text(value).split())  # "身份 证号\n" → "身份证号"


def read(importer, file):
    """(rows, errors): the first sheet's data rows as (row number, {header: raw value}). The file
    is read through civaffairs.uploads — the one reader with the size, unpacked-size, row, column
    and cell limits (UPLOAD_MAX_*) — so every import refuses the same bad files the same way."""
    order = importer.order
    error = importer.error
    try:
        lines = list(uploads.iter_sheet(file))
    except uploads.UploadRefused as exc:
        return [], [error(None, "文件", str(exc))]
    required = [c.header for c in importer.columns if c.required]
    # The header is the line (of the first few) naming the most required columns — a title line
    # above it names none — else the first line with anything in it.
    header_number, header, best = None, None, 0
    for number, line in lines[:HEADER_SEARCH_ROWS]:
        cells = [_header(v) for v in line]
        named = sum(h in cells for h in required)
        if named > best or (header is None and any(cells)):
            header_number, header, best = number, cells, named
        if named == len(required):
            break
    if header is None:
        return [], [error(None, "文件", "文件为空，没有表头和数据")]
    errors, columns = [], {}
    for index, name in enumerate(header):
        if name in order:
            if name in columns:
                errors.append(error(header_number, name, "表头重复"))
            columns.setdefault(name, index)
    errors += [error(header_number, h, f"缺少必填列“{h}”") for h in required if h not in columns]
    if errors:
        return [], errors
    rows = []
    for number, line in lines:
        if number <= header_number:
            continue
        values = {name: (line[i] if i < len(line) else None) for name, i in columns.items()}
        if all(blank(v) for v in values.values()):
            continue
        rows.append((number, values))
    if not rows:
        return [], [error(None, "文件", "表头下没有数据行")]
    return rows, errors


def _formula_hint(reason, value):
    """A formula cell arrives as its text (=1+1, =DATE(2019,7,9)), not as what Excel shows: a
    number's or a date's refusal ("应为数字") then puzzles whoever sees 2 in the cell, so it says
    the cell is a formula and what to do. Refusals that already speak of formulas stay as they are."""
    if not (isinstance(value, str) and value.lstrip().startswith("=")) or "公式" in reason:
        return reason
    shown = value.strip()
    shown = shown if len(shown) <= 30 else shown[:30] + "…"
    return f"{reason}；该单元格是公式“{shown}”，导入不计算公式，请直接填写值（可在 Excel 中复制后“选择性粘贴→值”）"


def _parse(importer, rows):
    order = importer.order
    parsed, errors = [], []
    for number, values in rows:
        row, failed = {}, set()
        for column in importer.columns:
            value = values.get(column.header)
            if blank(value):
                if column.cell_required:
                    reason = column.blank or "必填，不能为空"
                    errors.append(RowError(number, order[column.header], column.header, reason))
                    failed.add(column.header)
                row[column.header] = None
                continue
            try:
                row[column.header] = (column.parse or parse_text)(value)
            except ValueError as exc:
                reason = _formula_hint(str(exc) or "格式有误", value)
                errors.append(RowError(number, order[column.header], column.header, reason))
                row[column.header] = None
                failed.add(column.header)
        row["_row"], row["_failed"] = number, frozenset(failed)
        parsed.append((number, row))
    return parsed, errors


def run(importer, file, *, progress=None):
    """Import the file: every row checked first; then all written in one transaction. Returns the
    saved objects (or write_all's result); raises ImportFailed (nothing written) or
    PermissionDenied. progress(done, total, stage), when given, hears how far the work is (a
    background job's progress bar)."""
    progress = progress or _no_progress
    progress(0, 0, "读取文件")
    rows, errors = read(importer, file)
    if errors:
        raise ImportFailed(errors)
    progress(0, len(rows), "校验")
    return save(importer, validate(importer, rows), progress=progress)


def _no_progress(done, total, stage=""):
    pass


def validate(importer, rows):
    """Parse and check every row read (no writes): the parsed rows, or ImportFailed listing every
    failing row and column."""
    parsed, errors = _parse(importer, rows)
    order = importer.order
    failed = {e.row for e in errors}
    seen = {}
    if importer.prefetch is not None:
        importer.prefetch([row for _n, row in parsed])
    if importer.check is not None:
        for number, row in parsed:
            if number in failed:
                continue
            for column, message in importer.check(row, seen).items():
                errors.append(RowError(number, order.get(column, -1), column, message))
    if importer.check_all is not None:
        errors += [importer.error(n, c, m) for n, c, m in importer.check_all([row for _n, row in parsed])]
    if errors:
        raise ImportFailed(errors)
    return parsed


def save(importer, parsed, *, progress=None):
    """Write the checked rows in one transaction (write_all, or write row by row)."""
    progress = progress or _no_progress
    progress(0, len(parsed), "写入")
    saved = []
    try:
        with transaction.atomic():
            if importer.write_all is not None:
                try:
                    saved = importer.write_all([row for _n, row in parsed], progress)
                except ValidationError as exc:
                    # A rule only the write sees (someone covered a person since the check).
                    raise ImportFailed([importer.error(None, "文件", m) for m in exc.messages]) from None
            else:
                for done, (number, row) in enumerate(parsed, start=1):
                    try:
                        saved.append(importer.write(row))
                    except ValidationError as exc:
                        # A rule only the write sees (another user saved the same record meanwhile).
                        raise ImportFailed([RowError(number, -1, "", "；".join(exc.messages))]) from None
                    if done % 500 == 0:
                        progress(done, len(parsed), "写入")
    except IntegrityError:
        raise ImportFailed([RowError(0, -1, "文件", importer.conflict)]) from None
    except PermissionDenied:
        raise
    progress(len(parsed), len(parsed), "完成")
    return saved


def template(importer):
    """The import template: the headers, one example row, list validations and a notes sheet."""
    from openpyxl.utils import get_column_letter  # openpyxl loads on use, not with the URLs
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = [Column(c.header, c.width, text=c.text) for c in importer.columns]
    examples = importer.examples or [[c.example for c in importer.columns]]
    validations = []
    for i, column in enumerate(importer.columns):
        if column.choices:
            letter = get_column_letter(i + 1)
            rule = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
            )
            rule.add(f"{letter}2:{letter}20000")
            validations.append(rule)
    notes = [
        [c.header, c.requirement or ("必填" if c.required else "选填"), c.note] for c in importer.columns
    ]
    notes += [[], ["只读取第一个工作表；列的顺序不限，其他列将被忽略。示例行请删除后再导入。"]]
    notes += [[n] for n in importer.notes]
    return write_workbook(
        Sheet(importer.sheet_name, columns, examples, validations=validations),
        Sheet("填写说明", [Column("列名", 16), Column("是否必填", 16), Column("说明", 70)], notes),
    )
