"""Checking uploads by their content: allowed kinds, sizes, and unsafe ZIP packages."""

import io
import random
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from docx import Document
from openpyxl import Workbook

from twinning.core.errors import Invalid
from twinning.core.uploads import DOCUMENT_KINDS, SPREADSHEET_KINDS, check_upload

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4
RANDOM = random.Random(20210601).randbytes(4096)


def _png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _jpeg() -> bytes:
    """The start of a JFIF JPEG: what phones and scanners produce."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xdb\x00\x43\x00" + bytes(64) + b"\xff\xd9"


def _docx() -> bytes:
    document = Document()
    document.add_paragraph("天津—河南生活垃圾分类交流协作工作总结")
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def _xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["序号", "任务", "完成时限"])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return stream.getvalue()


OFFICE_SHELL = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
    "word/document.xml": b'<?xml version="1.0"?><document/>',
}


def _refused(data: bytes, **kw) -> Invalid:
    with pytest.raises(Invalid) as exc:
        check_upload(io.BytesIO(data), **kw)
    return exc.value


class TestAcceptedByContent:
    @pytest.mark.parametrize(
        ("make", "extension"),
        [
            (lambda: PDF, "pdf"),
            (_png, "png"),
            (_jpeg, "jpg"),
            (_docx, "docx"),
            (_xlsx, "xlsx"),
            (lambda: "工作进展：已完成示范片区验收。\n".encode(), "txt"),
            (lambda: b"plain ASCII notes\r\n", "txt"),
        ],
    )
    def test_allowed_kinds(self, make, extension):
        data = make()
        stream = io.BytesIO(data)
        checked = check_upload(stream)
        assert checked.extension == extension
        assert checked.content_type == DOCUMENT_KINDS[extension]
        assert checked.size == len(data)
        assert stream.tell() == 0  # ready to be stored from the start

    def test_text_cut_in_the_middle_of_a_character_is_still_text(self):
        # 8192 bytes are sampled: make a three-byte character straddle the boundary.
        data = b"a" * 8191 + "分类".encode() * 10
        assert check_upload(io.BytesIO(data)).extension == "txt"

    def test_a_renamed_file_is_judged_by_its_bytes(self):
        upload = SimpleUploadedFile("工作总结.pdf", _png(), content_type="application/pdf")
        checked = check_upload(upload)
        assert (checked.extension, checked.content_type) == ("png", "image/png")
        disguised = SimpleUploadedFile("名单.txt", _docx(), content_type="text/plain")
        assert check_upload(disguised).extension == "docx"

    def test_the_allowed_kinds_may_be_narrowed(self):
        assert check_upload(io.BytesIO(_xlsx()), allowed=SPREADSHEET_KINDS).extension == "xlsx"
        problem = _refused(PDF, allowed=SPREADSHEET_KINDS, field="workbook")
        assert problem.code == "unsupported_file_type"
        assert list(problem.fields) == ["workbook"]
        assert "XLSX" in problem.message


class TestRefused:
    @pytest.mark.parametrize("data", [EXE, RANDOM, b"\x00\x01\x02binary\x00"])
    def test_programs_and_unknown_binaries(self, data):
        problem = _refused(data)
        assert problem.code == "unsupported_file_type"
        assert "file" in problem.fields

    def test_a_program_renamed_as_a_pdf(self):
        upload = SimpleUploadedFile("报告.pdf", EXE, content_type="application/pdf")
        with pytest.raises(Invalid) as exc:
            check_upload(upload)
        assert exc.value.code == "unsupported_file_type"

    def test_an_empty_file(self):
        problem = _refused(b"")
        assert problem.code == "empty_file"
        assert "file" in problem.fields

    @override_settings(TWINNING_MAX_UPLOAD_BYTES=1024)
    def test_a_file_over_the_limit(self):
        assert check_upload(io.BytesIO(b"x" * 1024)).size == 1024  # the limit itself is fine
        problem = _refused(b"x" * 1025)
        assert problem.code == "file_too_large"
        assert "file" in problem.fields

    @override_settings(TWINNING_MAX_UPLOAD_BYTES=3 * 1024 * 1024)
    def test_the_limit_is_named_in_megabytes(self):
        problem = _refused(PDF + b"0" * (3 * 1024 * 1024))
        assert problem.code == "file_too_large"
        assert "3" in problem.message

    def test_a_zip_bomb_by_compression_ratio(self):
        # A docx-looking package whose one member unpacks a thousand times over.
        data = _zip({**OFFICE_SHELL, "word/media/fill.bin": bytes(2 * 1024 * 1024)})
        assert len(data) < 2 * 1024 * 1024 // 200
        problem = _refused(data)
        assert problem.code == "archive_too_large"
        assert "file" in problem.fields

    @override_settings(TWINNING_MAX_UNPACKED_BYTES=64 * 1024)
    def test_a_zip_unpacking_past_the_limit(self):
        # Random bytes hardly compress: the ratio is fine, the unpacked total is not.
        noise = random.Random(7).randbytes(100 * 1024)
        data = _zip({**OFFICE_SHELL, "word/media/noise.bin": noise}, zipfile.ZIP_STORED)
        problem = _refused(data)
        assert problem.code == "archive_too_large"

    @pytest.mark.parametrize("name", ["../evil.xml", "word/../../evil.xml", "/etc/evil.xml"])
    def test_a_member_path_leaving_the_package(self, name):
        data = _zip({**OFFICE_SHELL, name: b"<x/>"}, zipfile.ZIP_STORED)
        problem = _refused(data)
        assert problem.code == "unsafe_archive"
        assert "file" in problem.fields

    def test_a_plain_zip_is_not_an_office_document(self):
        data = _zip({"readme.txt": b"hello", "data.csv": b"a,b\n1,2\n"}, zipfile.ZIP_STORED)
        assert _refused(data).code == "unsupported_file_type"

    def test_an_office_package_of_another_kind(self):
        # A PowerPoint file (or anything with only the content-types part) is not allowed.
        data = _zip(
            {"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"},
            zipfile.ZIP_STORED,
        )
        assert _refused(data).code == "unsupported_file_type"

    def test_a_broken_zip(self):
        assert _refused(b"PK\x03\x04" + bytes(range(200))).code == "unsupported_file_type"

    def test_a_workbook_is_not_taken_where_only_documents_are(self):
        assert check_upload(io.BytesIO(_docx())).extension == "docx"
        assert _refused(_docx(), allowed=SPREADSHEET_KINDS).code == "unsupported_file_type"
