"""Checking uploaded files by their content, never by their name or the browser's word.

A file is accepted when its bytes are one of the allowed kinds, it is not larger than the limit
and, for ZIP-based formats (Word, Excel), it unpacks to a sane size with no odd member paths.
"""

import zipfile
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

from twinning.core.errors import Invalid

# Kinds people attach as evidence or import: extension → MIME type.
DOCUMENT_KINDS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
    "txt": "text/plain",
}
SPREADSHEET_KINDS = {"xlsx": DOCUMENT_KINDS["xlsx"]}
# A ZIP whose members unpack to this many times its size is treated as a bomb.
MAX_COMPRESSION_RATIO = 200


@dataclass(frozen=True)
class CheckedUpload:
    extension: str
    content_type: str
    size: int


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def _office_kind(stream: IO[bytes]) -> str | None:
    """'docx' or 'xlsx' for a safe Office Open XML package, None for anything else."""
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            unpacked = sum(m.file_size for m in members)
            packed = max(1, sum(m.compress_size for m in members))
            names = {m.filename for m in members}
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        stream.seek(0)
    if unpacked > settings.TWINNING_MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
        raise Invalid(_("压缩包解压后过大，已拒绝。"), code="archive_too_large")
    if any(name.startswith("/") or ".." in name.split("/") for name in names):
        raise Invalid(_("文件包含不安全的路径，已拒绝。"), code="unsafe_archive")
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off at the end of the sample is still text.
        if exc.start < len(head) - 3:
            return False
    return b"\x00" not in head


def detect_kind(stream: IO[bytes]) -> str | None:
    """The file's real kind by its content ("pdf", "docx", "txt", "exe" …), None if unknown.

    Raises Invalid for a ZIP package that is a bomb or has unsafe member paths."""
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(stream)
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.extension)
    return "txt" if head and _is_text(head) else None


def check_upload(
    stream: IO[bytes], allowed: dict[str, str] = DOCUMENT_KINDS, field: str = "file"
) -> CheckedUpload:
    """The file's real kind and size, or Invalid with a message for people."""
    size = _size(stream)
    limit = settings.TWINNING_MAX_UPLOAD_BYTES
    if size == 0:
        message = _("文件是空的。")
        raise Invalid(message, code="empty_file", fields={field: [message]})
    if size > limit:
        message = _("文件过大：最大 %(mb)s MB。") % {"mb": limit // (1024 * 1024)}
        raise Invalid(message, code="file_too_large", fields={field: [message]})
    try:
        extension = detect_kind(stream)
    except Invalid as exc:
        raise Invalid(exc.message, code=exc.code, fields={field: [exc.message]}) from exc
    if extension not in allowed:
        message = _("不支持此文件类型；可上传：%(kinds)s。") % {
            "kinds": "、".join(k.upper() for k in allowed)
        }
        raise Invalid(message, code="unsupported_file_type", fields={field: [message]})
    return CheckedUpload(extension=extension, content_type=allowed[extension], size=size)
