"""Test (and demo) files for the knowledge base, built in memory: good ones of every kind and
every kind of bad input the upload check refuses.

Every builder returns bytes; `upload(data, name)` wraps them as a Django uploaded file. Chinese
text in PDFs uses the STSong-Light CID font built into reportlab (pypdf reads it back as the
same characters), so a word written into a generated PDF can be searched for.
"""

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Sequence

from django.core.files.uploadedfile import SimpleUploadedFile

CJK_FONT = "STSong-Light"
PDF_MIME = "application/pdf"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The start of a Windows program ("MZ" header): what an .exe renamed to .pdf looks like.
EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\xb8\x00\x00\x00\x00\x00\x00\x00\x40"
    + bytes(35)
    + b"\x80\x00\x00\x00"
    + bytes(range(256)) * 4
)


def upload(
    data: bytes, name: str, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    """An uploaded file as a form or the API would hand it to a service."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _wrap(line: str, width: int = 38) -> list[str]:
    return [line[i : i + width] for i in range(0, len(line), width)] or [""]


def pdf(pages: Sequence[str] | str, *, title: str = "") -> bytes:
    """A text PDF with one page per item of `pages` (Chinese allowed; long lines wrap)."""
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

    _register_font()
    if isinstance(pages, str):
        pages = [pages]
    stream = io.BytesIO()
    sheet = canvas.Canvas(stream, pagesize=A4, invariant=True)
    if title:
        sheet.setTitle(title)
    for text in pages:
        sheet.setFont(CJK_FONT, 12)
        y = 800.0
        for paragraph in text.splitlines() or [""]:
            for line in _wrap(paragraph):
                if y < 60:
                    break
                sheet.drawString(56, y, line)
                y -= 18
        sheet.showPage()
    sheet.save()
    return stream.getvalue()


def long_pdf(page_count: int = 100, *, needle: str = "蒲公英计划", needle_page: int = 73) -> bytes:
    """A PDF of `page_count` pages of filler text with `needle` only on page `needle_page`."""
    filler = "生活垃圾分类工作要坚持党建引领，推动居民源头分类投放，完善收运处理体系。"
    pages = []
    for number in range(1, page_count + 1):
        body = f"第{number}页\n" + "\n".join(filler for _ in range(12))
        if number == needle_page:
            body += f"\n本页介绍内江市{needle}的做法。"
        pages.append(body)
    return pdf(pages)


def scanned_pdf(page_count: int = 2) -> bytes:
    """A PDF whose pages carry only drawings, no text: what a scan looks like to extraction."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    stream = io.BytesIO()
    sheet = canvas.Canvas(stream, pagesize=A4, invariant=True)
    for number in range(page_count):
        sheet.rect(50 + number * 5, 50, 400, 600, fill=1)
        sheet.showPage()
    sheet.save()
    return stream.getvalue()


def encrypted_pdf(text: str = "加密文件", password: str = "secret") -> bytes:  # noqa: S107
    """A PDF that needs a user password to open."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf(text))))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


def owner_only_pdf(text: str = "仅设置了权限密码的文件") -> bytes:
    """A PDF encrypted with an empty user password (opens without one: not refused)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf(text))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


def corrupt_pdf() -> bytes:
    """A PDF cut off in the middle (a broken download)."""
    data = pdf(["被截断的文件" * 20, "第二页" * 30])
    return data[: len(data) // 2]


def docx(
    paragraphs: Sequence[str] = ("生活垃圾分类工作方案",),
    *,
    table: Sequence[Sequence[str]] = (),
    heading: str = "",
) -> bytes:
    """A Word file with an optional heading, the paragraphs and an optional table."""
    import docx as python_docx

    document = python_docx.Document()
    if heading:
        document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=max(len(r) for r in table))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=False):
                cell.text = value
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def xlsx(sheets: dict[str, Sequence[Sequence[object]]] | None = None) -> bytes:
    """An Excel workbook; `sheets` maps sheet names to rows."""
    from openpyxl import Workbook

    sheets = sheets or {"任务清单": [["序号", "任务", "完成时限"], [1, "撤桶并点", "2021-12-31"]]}
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def text(body: str = "定时定点投放，撤桶并点。", encoding: str = "utf-8") -> bytes:
    return body.encode(encoding)


def _zip(members: dict[str, bytes]) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return stream.getvalue()


def zip_bomb_docx(unpacked_mb: int = 16) -> bytes:
    """A Word package whose document.xml inflates from a few KB to `unpacked_mb` MB."""
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "word/document.xml": b"<w:document>" + b"\x20" * (unpacked_mb * 1024 * 1024),
        }
    )


def zip_bomb_xlsx(unpacked_mb: int = 16) -> bytes:
    """An Excel package whose first sheet inflates from a few KB to `unpacked_mb` MB."""
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "xl/workbook.xml": b'<?xml version="1.0"?><workbook/>',
            "xl/worksheets/sheet1.xml": b"0" * (unpacked_mb * 1024 * 1024),
        }
    )


def corrupt_docx() -> bytes:
    """A ZIP that looks like a Word package but whose document part is not XML."""
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "word/document.xml": b"this is not xml <<<",
        }
    )


def corrupt_xlsx() -> bytes:
    """A ZIP that looks like an Excel package but cannot be opened as a workbook."""
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "xl/workbook.xml": b"not a workbook",
        }
    )


def png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def random_bytes(size: int = 4096, seed: int = 5) -> bytes:
    return random.Random(seed).randbytes(size)


# name → (bytes, expected error code): every bad upload the knowledge base refuses.
def bad_uploads() -> dict[str, tuple[bytes, str, str]]:
    """Cases of bad input: label → (bytes, file name, expected Invalid code)."""
    return {
        "empty": (b"", "空文件.pdf", "empty_file"),
        "executable_named_pdf": (EXECUTABLE, "通知.pdf", "content_mismatch"),
        "pdf_named_docx": (pdf("这其实是PDF"), "方案.docx", "content_mismatch"),
        "random_named_xlsx": (random_bytes(), "数据.xlsx", "content_mismatch"),
        "encrypted_pdf": (encrypted_pdf(), "加密.pdf", "encrypted_pdf"),
        "corrupt_pdf": (corrupt_pdf(), "损坏.pdf", "corrupt_file"),
        "corrupt_docx": (corrupt_docx(), "损坏.docx", "corrupt_file"),
        "corrupt_xlsx": (corrupt_xlsx(), "损坏.xlsx", "corrupt_file"),
        "zip_bomb_docx": (zip_bomb_docx(), "炸弹.docx", "archive_too_large"),
        "zip_bomb_xlsx": (zip_bomb_xlsx(), "炸弹.xlsx", "archive_too_large"),
        "unsupported_name": (text(), "脚本.exe", "unsupported_file_type"),
    }
