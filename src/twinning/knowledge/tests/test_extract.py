"""Checking knowledge-base files by content, and reading their text."""

import io
import time

import pytest

from twinning.core.errors import Invalid
from twinning.knowledge.extract import (
    KNOWLEDGE_KINDS,
    Extracted,
    check_document_file,
    extract,
    name_extension,
)
from twinning.knowledge.models import TextStatus
from twinning.knowledge.tests import files


class TestAccepted:
    @pytest.mark.parametrize(
        ("data", "name", "extension"),
        [
            (files.pdf("生活垃圾分类"), "方案.pdf", "pdf"),
            (files.docx(), "方案.DOCX", "docx"),
            (files.xlsx(), "清单.xlsx", "xlsx"),
            (files.text(), "说明.txt", "txt"),
            (files.text("# 标题\n正文"), "说明.md", "md"),
            (files.text("# 标题"), "说明.markdown", "md"),
            (files.text("简体中文的国标编码", "gb18030"), "旧文件.txt", "txt"),
            (files.png(), "照片.png", "png"),
            (files.owner_only_pdf(), "有权限密码.pdf", "pdf"),
        ],
    )
    def test_kind_from_content_and_name(self, data: bytes, name: str, extension: str) -> None:
        stream = io.BytesIO(data)
        checked = check_document_file(stream, name)
        assert checked.extension == extension
        assert checked.content_type == KNOWLEDGE_KINDS[extension]
        assert checked.size == len(data)
        assert stream.tell() == 0  # left at the start for storing

    def test_markdown_has_its_own_type(self) -> None:
        assert KNOWLEDGE_KINDS["md"] == "text/markdown"
        assert set(KNOWLEDGE_KINDS) == {"pdf", "docx", "xlsx", "txt", "md", "jpg", "png"}

    def test_name_extension(self) -> None:
        assert name_extension("a/b/报告.PDF") == "pdf"
        assert name_extension("x.jpeg") == "jpg"
        assert name_extension("无扩展名") == ""


class TestRefused:
    @pytest.mark.parametrize("label", sorted(files.bad_uploads()))
    def test_each_bad_kind_has_its_code(self, label: str) -> None:
        data, name, code = files.bad_uploads()[label]
        with pytest.raises(Invalid) as exc:
            check_document_file(io.BytesIO(data), name)
        assert exc.value.code == code
        assert exc.value.fields["file"] == [exc.value.message]
        assert exc.value.message

    def test_executable_named_pdf_says_what_it_is(self) -> None:
        with pytest.raises(Invalid) as exc:
            check_document_file(io.BytesIO(files.EXECUTABLE), "通知.pdf")
        assert ".pdf" in exc.value.message and "EXE" in exc.value.message

    def test_text_named_pdf_is_a_mismatch(self) -> None:
        with pytest.raises(Invalid) as exc:
            check_document_file(io.BytesIO(files.text()), "通知.pdf")
        assert exc.value.code == "content_mismatch"

    def test_image_named_txt_is_a_mismatch(self) -> None:
        with pytest.raises(Invalid) as exc:
            check_document_file(io.BytesIO(files.png()), "说明.txt")
        assert exc.value.code == "content_mismatch"

    def test_encrypted_message_asks_for_an_unencrypted_file(self) -> None:
        with pytest.raises(Invalid) as exc:
            check_document_file(io.BytesIO(files.encrypted_pdf()), "a.pdf")
        assert "加密" in exc.value.message


class TestExtract:
    def test_pdf_pages_and_chinese_text(self) -> None:
        data = files.pdf(["第一页：撤桶并点", "第二页：厨余垃圾就地处理"])
        result = extract(io.BytesIO(data), "pdf")
        assert result.status == TextStatus.DONE
        assert result.pages == 2
        assert "撤桶并点" in result.text and "厨余垃圾就地处理" in result.text
        assert result.error == ""

    def test_a_word_deep_inside_a_100_page_pdf(self) -> None:
        data = files.long_pdf(100, needle="蒲公英计划", needle_page=87)
        started = time.perf_counter()
        result = extract(io.BytesIO(data), "pdf")
        elapsed = time.perf_counter() - started
        assert result.status == TextStatus.DONE
        assert result.pages == 100
        assert result.text.count("蒲公英计划") == 1
        assert "第87页" in result.text
        assert elapsed < 5, f"extracting 100 pages took {elapsed:.2f}s"

    def test_chinese_wrapped_across_lines_is_joined(self) -> None:
        # One long line wraps in the PDF; the word across the wrap is found again.
        line = "甲" * 37 + "居民小区" + "乙" * 30
        result = extract(io.BytesIO(files.pdf(line)), "pdf")
        assert "居民小区" in result.text

    def test_scanned_pdf_is_empty_with_a_reason(self) -> None:
        result = extract(io.BytesIO(files.scanned_pdf(3)), "pdf")
        assert result.status == TextStatus.EMPTY
        assert result.pages == 3
        assert result.text == ""
        assert "扫描件" in result.error

    def test_corrupt_pdf_fails_with_a_reason_and_never_raises(self) -> None:
        result = extract(io.BytesIO(files.corrupt_pdf()), "pdf")
        assert result.status == TextStatus.FAILED
        assert result.error.startswith("无法读取文件")

    def test_docx_paragraphs_and_table_in_order(self) -> None:
        data = files.docx(
            ["一、总体要求", "二、主要任务"],
            table=[["任务", "责任单位"], ["撤桶并点", "许昌市城管局"]],
            heading="许昌市工作方案",
        )
        result = extract(io.BytesIO(data), "docx")
        assert result.status == TextStatus.DONE
        assert result.pages is None
        lines = result.text.splitlines()
        assert lines[:3] == ["许昌市工作方案", "一、总体要求", "二、主要任务"]
        assert "任务\t责任单位" in lines
        assert "撤桶并点\t许昌市城管局" in lines

    def test_xlsx_every_sheet_with_cells_joined_by_tabs(self) -> None:
        data = files.xlsx(
            {
                "进度": [["地区", "分出率"], ["许昌市", 0.35]],
                "设施": [["类型", "数量"], ["厨余垃圾处理厂", 2], [None, None]],
            }
        )
        result = extract(io.BytesIO(data), "xlsx")
        assert result.status == TextStatus.DONE
        assert result.text.splitlines() == [
            "进度",
            "地区\t分出率",
            "许昌市\t0.35",
            "设施",
            "类型\t数量",
            "厨余垃圾处理厂\t2",
        ]

    @pytest.mark.parametrize(("encoding", "extension"), [("utf-8", "txt"), ("gb18030", "md")])
    def test_plain_text_in_utf8_or_gb18030(self, encoding: str, extension: str) -> None:
        body = "# 干垃圾与湿垃圾\n湿垃圾即厨余垃圾。"
        result = extract(io.BytesIO(body.encode(encoding)), extension)
        assert result == Extracted(status=TextStatus.DONE, text=body)

    def test_text_in_no_known_encoding_fails(self) -> None:
        result = extract(io.BytesIO(b"\x81\x30\xff\xfe\xff" * 10), "txt")
        assert result.status == TextStatus.FAILED
        assert "UTF-8" in result.error

    def test_images_are_not_read(self) -> None:
        assert extract(io.BytesIO(files.png()), "png").status == TextStatus.NOT_TEXT

    def test_nul_characters_are_dropped(self) -> None:
        result = extract(io.BytesIO("甲\x00乙".encode()), "txt")
        assert result.text == "甲乙"

    def test_from_a_path(self, tmp_path: object) -> None:
        path = tmp_path / "a.docx"  # type: ignore[operator]
        path.write_bytes(files.docx(["路径读取"]))
        assert extract(str(path), "docx").text == "路径读取"


def test_control_characters_are_dropped() -> None:
    result = extract(io.BytesIO("甲\x01乙\x0b丙\t丁".encode()), "txt")
    assert result.text == "甲乙丙\t丁"
