"""Every spreadsheet import reads its file through here, so no upload can exhaust the server.

Before openpyxl sees a byte: the upload's size (settings.UPLOAD_MAX_BYTES, 20 MB), that it is a
ZIP at all, and what it unpacks to (the whole, and the shared-strings part openpyxl keeps in
memory: a decompression bomb or one huge shared string is refused unread). Then the first sheet is
streamed (openpyxl read-only mode) row by row; more rows than settings.UPLOAD_MAX_ROWS (50,000,
blank ones included) or a cell longer than settings.UPLOAD_MAX_CELL_CHARS stops the reading at
once. Formulas are read as their text (data_only=False), never as what they computed, so the
importer's checks of each field refuse them at their row and column.
Errors are UploadRefused, with a Chinese message saying what and where."""

import io
import zipfile

from django.conf import settings

NOT_XLSX = "文件不是有效的 XLSX（如为 .xls 或 .csv，请在 Excel 中另存为 .xlsx 后再导入）"


MAX_COLUMNS = 256


class UploadRefused(Exception):
    """The file is refused as a whole; the message says why, in Chinese."""


def _mb(n):
    return f"{n / 1024 / 1024:.1f} MB"


def limits():
    return {
        "bytes": settings.UPLOAD_MAX_BYTES,
        "rows": settings.UPLOAD_MAX_ROWS,
        "cell": settings.UPLOAD_MAX_CELL_CHARS,
        # What the ZIP may unpack to: plenty for 50,000 rows of a register, far below a bomb.
        "unzipped": getattr(settings, "UPLOAD_MAX_UNZIPPED_BYTES", 8 * settings.UPLOAD_MAX_BYTES),
        "strings": getattr(settings, "UPLOAD_MAX_SHARED_STRINGS_BYTES", 2 * settings.UPLOAD_MAX_BYTES),
    }


def read_bytes(file, max_bytes):
    """The upload's bytes, refused past max_bytes without reading more than that."""
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise UploadRefused(f"文件过大（{_mb(size)}），上限为 {_mb(max_bytes)}")
    if hasattr(file, "read"):
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    else:
        with open(file, "rb") as f:
            data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRefused(f"文件过大，上限为 {_mb(max_bytes)}")
    return data


def check_zip(data, lim):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRefused(NOT_XLSX) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
        raise UploadRefused(NOT_XLSX)
    total = sum(m.file_size for m in members)
    if total > lim["unzipped"]:
        raise UploadRefused(
            f"文件解压后过大（{_mb(total)}，上限 {_mb(lim['unzipped'])}），可能是压缩炸弹或含有大量无用内容，已拒绝"
        )
    for m in members:
        if m.filename.lower().endswith("sharedstrings.xml") and m.file_size > lim["strings"]:
            raise UploadRefused(
                f"文件中的文字内容过大（{_mb(m.file_size)}，上限 {_mb(lim['strings'])}），已拒绝"
            )


def iter_sheet(file):
    """(row number, values tuple) of the first sheet, streamed; raises UploadRefused."""
    lim = limits()
    data = read_bytes(file, lim["bytes"])
    check_zip(data, lim)
    try:
        from openpyxl import load_workbook  # loads on use, not with the URLs

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on foreign files; all mean the same to the user
        raise UploadRefused(NOT_XLSX) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # other tools write wrong <dimension>; read every row
        for number, line in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > lim["rows"]:
                raise UploadRefused(f"行数超过上限（{lim['rows']} 行），请分成几个文件导入")
            if len(line) > MAX_COLUMNS:
                raise UploadRefused(f"第{number}行超过 {MAX_COLUMNS} 列，请删除多余的列后再导入")
            for column, value in enumerate(line, start=1):
                if isinstance(value, str) and len(value) > lim["cell"]:
                    raise UploadRefused(
                        f"第{number}行第{column}列的内容超过 {lim['cell']} 个字符，请检查该单元格"
                    )
            yield number, line
    finally:
        workbook.close()


def error_report(errors):
    """The first UPLOAD_MAX_ERRORS_SHOWN errors and how many more there are: a page that stays
    readable whatever the file."""
    shown = settings.UPLOAD_MAX_ERRORS_SHOWN
    errors = list(errors)
    return errors[:shown], max(0, len(errors) - shown)


# Scanned papers (申请书, 核对授权书, signatures, …): PDF, JPG or PNG, checked by name *and* by
# their first bytes, at most settings.SCAN_MAX_BYTES (10 MB).
SCAN_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}


def read_scan(file):
    """(bytes, content type, clean file name) of a scanned paper; raises UploadRefused."""
    import os

    name = os.path.basename(getattr(file, "name", "") or "")[:200]
    ext = os.path.splitext(name)[1].lower()
    if ext not in SCAN_TYPES:
        raise UploadRefused(f"“{name or '未命名文件'}”不是 PDF、JPG 或 PNG 文件，只能上传这三种扫描件")
    limit = getattr(settings, "SCAN_MAX_BYTES", 10 * 1024 * 1024)
    data = read_bytes(file, limit)
    content_type, magics = SCAN_TYPES[ext]
    if not data:
        raise UploadRefused(f"“{name}”是空文件")
    if not any(data.startswith(m) for m in magics):
        raise UploadRefused(f"“{name}”的内容不是{ext[1:].upper()}格式（文件可能已损坏或扩展名被改过）")
    return data, content_type, name
