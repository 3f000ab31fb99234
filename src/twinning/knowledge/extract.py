"""Checking knowledge-base files and reading their text.

`check_document_file` decides whether an upload may be stored: its bytes must be one of
`KNOWLEDGE_KINDS`, agree with the extension of its name, be neither empty nor too large, not be
a ZIP bomb, and (for PDF, Word and Excel) open — an encrypted PDF or a damaged file is refused
with its own message, before anything is written.

`extract` reads the text of a stored file (PDF pages, Word paragraphs and tables, every Excel
sheet, plain text in UTF-8 or GB18030). It never raises: a file without text is EMPTY (a scan,
most likely), a file that cannot be read is FAILED with the reason, and the file itself stays
downloadable either way.
"""

import io
import logging
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.core.errors import Invalid
from twinning.core.uploads import DOCUMENT_KINDS, CheckedUpload, check_upload, detect_kind
from twinning.knowledge.models import TextStatus

logger = logging.getLogger(__name__)

# Files of the knowledge base: extension → MIME type. Images are attachments (no text).
KNOWLEDGE_KINDS: dict[str, str] = {
    "pdf": DOCUMENT_KINDS["pdf"],
    "docx": DOCUMENT_KINDS["docx"],
    "xlsx": DOCUMENT_KINDS["xlsx"],
    "txt": "text/plain",
    "md": "text/markdown",
    "jpg": DOCUMENT_KINDS["jpg"],
    "png": DOCUMENT_KINDS["png"],
}
TEXT_KINDS = frozenset({"pdf", "docx", "xlsx", "txt", "md"})
IMAGE_KINDS = frozenset({"jpg", "png"})
# Other spellings of an allowed extension.
ALIASES = {"jpeg": "jpg", "markdown": "md", "text": "txt"}
# Content detection cannot tell Markdown from plain text: the name decides.
PLAIN_TEXT = frozenset({"txt", "md"})
FIELD = "file"
EMPTY_MESSAGE = gettext_noop("未找到可提取的文字，可能是扫描件。")


def name_extension(name: str) -> str:
    """The lower-case extension of a file name ("" if none), with aliases resolved."""
    suffix = Path(name or "").suffix.lower().lstrip(".")
    return ALIASES.get(suffix, suffix)


def _refuse(message: str, code: str) -> Invalid:
    return Invalid(message, code=code, fields={FIELD: [message]})


def _kinds_text() -> str:
    return "、".join(k.upper() for k in KNOWLEDGE_KINDS)


def _is_gb18030_text(stream: IO[bytes]) -> bool:
    head = stream.read(8192)
    stream.seek(0)
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("gb18030")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3
    return True


def _check_pdf(stream: IO[bytes]) -> None:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(max(0, size - 2048))
    tail = stream.read()
    stream.seek(0)
    corrupt = _refuse(_("PDF 文件已损坏或不完整，无法打开。"), "corrupt_file")
    if b"%%EOF" not in tail:
        raise corrupt
    encrypted = _refuse(
        _("PDF 文件已加密（需要密码才能打开），请上传未加密的文件。"), "encrypted_pdf"
    )
    try:
        reader = PdfReader(stream)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:  # an encryption this installation cannot undo
                raise encrypted from exc
            if not opened:
                raise encrypted
        if len(reader.pages) == 0:
            raise corrupt
    except Invalid:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise corrupt from exc
    except Exception as exc:  # pypdf raises many kinds of errors for a damaged file
        logger.info("PDF refused as corrupt: %r", exc)
        raise corrupt from exc
    finally:
        stream.seek(0)


def _check_office(stream: IO[bytes], extension: str) -> None:
    label = "Word" if extension == "docx" else "Excel"
    corrupt = _refuse(
        _("%(kind)s 文件已损坏，无法打开。") % {"kind": label},
        "corrupt_file",
    )
    try:
        if extension == "docx":
            import docx

            docx.Document(stream)
        else:
            from openpyxl import load_workbook

            workbook = load_workbook(stream, read_only=True, data_only=True)
            workbook.close()
    except Exception as exc:  # a damaged package fails in many ways inside the libraries
        raise corrupt from exc
    finally:
        stream.seek(0)


def check_document_file(upload: IO[bytes] | Any, name: str) -> CheckedUpload:
    """The upload's real kind, content type and size, or Invalid (field "file") saying why not.

    Codes: empty_file, file_too_large, unsupported_file_type, content_mismatch (the content is
    not what the name says, e.g. a program named .pdf), archive_too_large / unsafe_archive (a
    ZIP bomb), encrypted_pdf, corrupt_file. The stream is left at its start."""
    stream: IO[bytes] = upload
    claimed = name_extension(name)
    if claimed not in KNOWLEDGE_KINDS:
        message = _("不支持此文件类型；可上传：%(kinds)s。") % {"kinds": _kinds_text()}
        raise _refuse(message, "unsupported_file_type")
    try:
        checked = check_upload(stream, KNOWLEDGE_KINDS, field=FIELD)
    except Invalid as exc:
        if exc.code != "unsupported_file_type":
            raise
        if claimed in PLAIN_TEXT and _is_gb18030_text(stream):
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(0)
            return CheckedUpload(
                extension=claimed, content_type=KNOWLEDGE_KINDS[claimed], size=size
            )
        actual = detect_kind(stream)
        raise _mismatch(claimed, actual) from exc
    actual = checked.extension
    if actual == "txt" and claimed in PLAIN_TEXT:
        actual = claimed
    if actual != claimed:
        raise _mismatch(claimed, actual)
    if actual == "pdf":
        _check_pdf(stream)
    elif actual in ("docx", "xlsx"):
        _check_office(stream, actual)
    stream.seek(0)
    return CheckedUpload(extension=actual, content_type=KNOWLEDGE_KINDS[actual], size=checked.size)


def _mismatch(claimed: str, actual: str | None) -> Invalid:
    if actual:
        message = _("文件内容与扩展名不符：文件名为 .%(claimed)s，内容却是 %(actual)s。") % {
            "claimed": claimed,
            "actual": actual.upper(),
        }
    else:
        message = _("文件内容与扩展名不符：文件名为 .%(claimed)s，内容却无法识别。") % {
            "claimed": claimed
        }
    return _refuse(message, "content_mismatch")


# ---------------------------------------------------------------- extraction


@dataclass(frozen=True)
class Extracted:
    """The outcome of reading a file's text."""

    status: str
    text: str = ""
    pages: int | None = None
    error: str = ""


# Control characters (but tab and line breaks): PostgreSQL cannot store NUL, Word none of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    lines = (line.rstrip() for line in _CONTROL.sub("", text).splitlines())
    return "\n".join(lines).strip()


# A PDF has one line per printed line, and Chinese wraps anywhere, even inside a word: a single
# line break between two Chinese characters (or CJK punctuation) is dropped so that the words
# can be found again. A blank line (a paragraph break) is kept.
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_WRAPPED = re.compile(rf"(?<=[{_CJK}，。、；：！？）》」』”])\n(?=[{_CJK}（《「『“])")


def _join_wrapped(text: str) -> str:
    return _WRAPPED.sub("", text)


def _pdf(stream: IO[bytes]) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(stream)
    if reader.is_encrypted:
        reader.decrypt("")
    texts = []
    for page in reader.pages:
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # one bad page does not lose the others
            logger.info("PDF page not readable: %r", exc)
            texts.append("")
    return "\n\n".join(_join_wrapped(t.strip()) for t in texts), len(reader.pages)


def _docx(stream: IO[bytes]) -> str:
    import docx
    from docx.table import Table

    document = docx.Document(stream)
    parts: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell appears once per grid column
                        continue
                    seen.add(id(cell._tc))
                    cells.append(cell.text.strip())
                if any(cells):
                    parts.append("\t".join(cells))
        elif block.text.strip():
            parts.append(block.text)
    return "\n".join(parts)


def _xlsx(stream: IO[bytes]) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(stream, read_only=True, data_only=True)
    parts: list[str] = []
    try:
        for sheet in workbook.worksheets:
            rows = []
            for row in sheet.iter_rows(values_only=True):
                cells = ["" if value is None else str(value) for value in row]
                while cells and not cells[-1]:
                    cells.pop()
                if any(cells):
                    rows.append("\t".join(cells))
            if rows:
                parts.append(str(sheet.title))
                parts.extend(rows)
    finally:
        workbook.close()
    return "\n".join(parts)


def _plain(stream: IO[bytes]) -> str:
    data = stream.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("文本文件的编码无法识别（应为 UTF-8 或 GB18030）。"))


def _reason(exc: Exception) -> str:
    if isinstance(exc, zipfile.BadZipFile):
        return _("文件已损坏，无法打开。")
    text = str(exc).strip() or exc.__class__.__name__
    return (_("无法读取文件：%(reason)s") % {"reason": text})[:300]


def extract(source: str | os.PathLike[str] | IO[bytes], extension: str) -> Extracted:
    """Read the text of a file of the given kind; never raises."""
    extension = ALIASES.get(extension.lower(), extension.lower())
    if extension in IMAGE_KINDS:
        return Extracted(status=TextStatus.NOT_TEXT)
    if extension not in TEXT_KINDS:
        return Extracted(status=TextStatus.FAILED, error=_("不支持的文件类型。"))
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as handle:
                stream: IO[bytes] = io.BytesIO(handle.read())
        else:
            source.seek(0)
            stream = source
        pages: int | None = None
        if extension == "pdf":
            text, pages = _pdf(stream)
        elif extension == "docx":
            text = _docx(stream)
        elif extension == "xlsx":
            text = _xlsx(stream)
        else:
            text = _plain(stream)
    except Exception as exc:  # whatever goes wrong is recorded, not raised
        logger.info("Text extraction failed: %r", exc)
        return Extracted(status=TextStatus.FAILED, error=_reason(exc))
    text = _clean(text)
    if not text:
        return Extracted(status=TextStatus.EMPTY, pages=pages, error=_(EMPTY_MESSAGE))
    return Extracted(status=TextStatus.DONE, text=text, pages=pages)
