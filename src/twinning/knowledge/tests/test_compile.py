"""Exporting compilations: the Word file's structure and text, the ZIP of originals, the PDF."""

import datetime as dt
import io
import zipfile
from typing import Any

import docx
import pytest

from twinning.knowledge import compile as exports
from twinning.knowledge import services
from twinning.knowledge.models import DocumentKind, Visibility
from twinning.knowledge.tests import files
from twinning.knowledge.tests.factories import make_compilation, make_document

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def compilation(henan: Any) -> Any:
    first = make_document(
        henan,
        title="河南省生活垃圾分类管理办法",
        data=files.pdf(["第一条 为了推进生活垃圾分类", "第二条 厨余垃圾就地处理"]),
        name="管理办法.pdf",
        kind=DocumentKind.REGULATION,
        issuing_body="河南省人民政府",
        number="豫政〔2021〕5号",
        issued_on=dt.date(2021, 5, 1),
    )
    second = make_document(
        henan,
        title="许昌市撤桶并点工作方案",
        data=files.docx(["一、撤桶并点"], table=[["小区", "投放点"], ["建安小区", "3"]]),
        name="方案.docx",
    )
    third = make_document(
        henan,
        title="分类投放要点",
        data=files.text("# 要点\n## 定时定点\n早晚各两小时"),
        name="要点/../md说明.md",
    )
    scanned = make_document(
        henan, title="扫描的通知", data=files.scanned_pdf(), name="扫描/通知.pdf"
    )
    return make_compilation(
        henan,
        [second, first, third, scanned],
        title="河南省生活垃圾分类政策文件汇编",
        preface="为便于学习借鉴，汇编如下。\n第二段前言。",
    )


def _open(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


class TestDocx:
    def test_title_preface_and_documents_in_order(self, compilation: Any) -> None:
        word = _open(exports.compilation_docx(compilation))
        texts = [p.text for p in word.paragraphs]
        assert "河南省生活垃圾分类政策文件汇编" in texts
        assert "为便于学习借鉴，汇编如下。" in texts and "第二段前言。" in texts
        headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
        assert headings == [
            "前言",
            "许昌市撤桶并点工作方案",
            "河南省生活垃圾分类管理办法",
            "分类投放要点",
            "扫描的通知",
        ]
        assert word.core_properties.title == "河南省生活垃圾分类政策文件汇编"

    def test_metadata_line_and_text(self, compilation: Any) -> None:
        word = _open(exports.compilation_docx(compilation))
        texts = [p.text for p in word.paragraphs]
        start = texts.index("河南省生活垃圾分类管理办法", texts.index("目录") + 5)
        assert (
            texts[start + 1]
            == "发文机关：河南省人民政府　文号：豫政〔2021〕5号　发布日期：2021-05-01"
        )
        assert "第一条 为了推进生活垃圾分类" in texts
        assert "第二条 厨余垃圾就地处理" in texts
        assert "小区\t投放点" in texts and "建安小区\t3" in texts
        # Markdown headings become Word headings below the document's title.
        subheadings = [(p.style.name, p.text) for p in word.paragraphs if p.text == "定时定点"]
        assert subheadings == [("Heading 3", "定时定点")]
        assert any("未能收录正文" in t and "扫描件" in t for t in texts)

    def test_toc_field(self, compilation: Any) -> None:
        word = _open(exports.compilation_docx(compilation))
        body = word.element.body
        instructions = [t.text for t in body.iter(f"{W}instrText")]
        assert instructions == ['TOC \\o "1-3" \\h \\z \\u']
        kinds = [c.get(f"{W}fldCharType") for c in body.iter(f"{W}fldChar")]
        assert kinds == ["begin", "separate", "end"]
        # The field's result lists the titles until the word processor refreshes it.
        texts = [p.text for p in word.paragraphs]
        toc = texts.index("目录")
        assert texts[toc + 1 : toc + 5] == [
            "许昌市撤桶并点工作方案",
            "河南省生活垃圾分类管理办法",
            "分类投放要点",
            "扫描的通知",
        ]
        settings = word.settings.element
        assert settings.find(f"{W}updateFields").get(f"{W}val") == "true"

    def test_leaves_out_documents_the_reader_may_not_see(
        self, henan: Any, jiangxi: Any, tianjin_henan: Any
    ) -> None:
        shown = make_document(henan, title="公开的")
        hidden = make_document(henan, title="后来收窄的")
        compilation = make_compilation(henan, [shown, hidden])
        services.update_document(
            henan, hidden, lock_version=1, visibility=Visibility.PAIR, pairing=tianjin_henan
        )
        texts = [p.text for p in _open(exports.compilation_docx(compilation, jiangxi)).paragraphs]
        assert "公开的" in texts and "后来收窄的" not in texts
        texts = [p.text for p in _open(exports.compilation_docx(compilation, henan)).paragraphs]
        assert "后来收窄的" in texts

    def test_empty_compilation_still_opens(self, henan: Any) -> None:
        compilation = make_compilation(henan, [])
        word = _open(exports.compilation_docx(compilation))
        assert any("更新域" in p.text for p in word.paragraphs)

    def test_control_characters_do_not_break_the_file(self, henan: Any) -> None:
        document = make_document(henan, title="控制字符")
        # Text with characters XML cannot hold (as an older extraction might have stored).
        document.versions.update(text="甲\x01乙\x02丙")
        word = _open(exports.compilation_docx(make_compilation(henan, [document])))
        assert "甲乙丙" in [p.text for p in word.paragraphs]


class TestZip:
    def test_numbered_safe_names_and_original_bytes(self, henan: Any) -> None:
        pdf = files.pdf("原件一")
        first = make_document(henan, title="一号/文件:草案?", data=pdf, name="a.pdf")
        second = make_document(henan, title="二号文件", data=files.text("原件二"), name="b.txt")
        services.add_version(henan, second, file=files.upload(files.docx(["新版"]), "b.docx"))
        compilation = make_compilation(henan, [second, first])
        archive = zipfile.ZipFile(io.BytesIO(exports.compilation_zip(compilation)))
        assert archive.namelist() == ["01-二号文件.docx", "02-一号_文件_草案_.pdf"]
        assert archive.read("02-一号_文件_草案_.pdf") == pdf
        assert archive.testzip() is None

    def test_missing_file_is_listed(self, henan: Any) -> None:
        document = make_document(henan, title="丢失的")
        version = document.versions.get()
        version.file.storage.delete(version.file.name)
        archive = zipfile.ZipFile(
            io.BytesIO(exports.compilation_zip(make_compilation(henan, [document])))
        )
        assert archive.namelist() == ["缺失文件.txt"]
        assert archive.read("缺失文件.txt").decode() == "01-丢失的.txt"

    def test_safe_name(self) -> None:
        name = exports.safe_name("../../etc/passwd")
        assert "/" not in name and not name.startswith(".") and name.endswith("etc_passwd")
        assert exports.safe_name('a\\b:c*d?e"f<g>h|i') == "a_b_c_d_e_f_g_h_i"
        assert exports.safe_name("  ") == "文档"
        assert exports.export_filename(type("C", (), {"title": "汇编/2021"})(), "docx") == (
            "汇编_2021.docx"
        )


class TestPdf:
    def test_none_without_libreoffice(
        self, compilation: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(exports, "soffice_path", lambda: None)
        assert exports.compilation_pdf(compilation) is None

    @pytest.mark.skipif(exports.soffice_path() is None, reason="LibreOffice is not installed")
    def test_converted_by_libreoffice(self, compilation: Any) -> None:
        from pypdf import PdfReader

        data = exports.compilation_pdf(compilation)
        assert data is not None and data.startswith(b"%PDF")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        assert "许昌市撤桶并点工作方案" in text

    def test_failed_conversion_gives_none(
        self, compilation: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
    ) -> None:
        fake = tmp_path / "soffice"
        fake.write_text("#!/bin/sh\nexit 3\n")
        fake.chmod(0o755)
        monkeypatch.setattr(exports, "soffice_path", lambda: str(fake))
        assert exports.compilation_pdf(compilation) is None
