"""The knowledge base in a real browser: the issue's acceptance flow.

天津's coordinator uploads a PDF and a Word file through the upload form; the text of each is
read in the background (the immediate task backend runs it at the commit). From the search box
at the top of every page each file is found by a word that is only inside it (not in its title),
with the word highlighted in the snippet, and opened from the result. A compilation of three
documents is then built on its page and downloaded as .docx, which opens with python-docx and
lists the three titles.

Playwright drives Debian's chromium (`make browser-deps`) against pytest-django's live server.
Screenshots go to bench/results/screens/ (or $TWINNING_SCREENSHOTS) for a person to look at.
"""

import io
import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect

from twinning.accounts.models import User
from twinning.core.tests.browser import expect_message, log_in, save_screenshot
from twinning.knowledge.models import Compilation, Document, TextStatus
from twinning.knowledge.tests import files

pytestmark = pytest.mark.browser

screenshot = partial(save_screenshot, prefix="knowledge")

# Words that are only inside the files' text, never in a title or in the starting data.
PDF_WORD = "翡翠湖"
DOCX_WORD = "玛瑙巷"
PDF_TITLE = "滨海新区厨余垃圾收运规范"
DOCX_TITLE = "和平区撤桶并点实施方案"
TXT_TITLE = "定时定点投放宣传要点"


@pytest.fixture
def browser_context_options() -> dict[str, Any]:
    """Chinese windows that may download files."""
    return {
        "locale": "zh-CN",
        "viewport": {"width": 1280, "height": 900},
        "accept_downloads": True,
    }


def upload(page: Page, *, data: bytes, name: str, mime: str, title: str, kind: str) -> None:
    """From the documents list through the upload form to the new document's page."""
    page.goto("/knowledge/")
    page.click("#new-document")
    payload: FilePayload = {"name": name, "mimeType": mime, "buffer": data}
    page.set_input_files("#id_file", files=[payload])
    page.fill("#id_title", title)
    page.select_option("#id_kind", kind)
    page.click("#save-document")
    expect(page.locator("#document-title")).to_have_text(title)
    expect_message(page, "文档已上传")
    version = page.locator('#version-table tr[data-version="1"]')
    expect(version).to_contain_text(name)
    expect(version).to_contain_text(str(TextStatus.DONE.label))


def find_and_open(page: Page, word: str, title: str) -> None:
    """Search from the box at the top; the hit shows the word highlighted; open it."""
    page.goto("/knowledge/")
    page.fill("#topsearch-q", word)
    page.press("#topsearch-q", "Enter")
    expect(page).to_have_url(re.compile(r"/search/\?"))
    hit = page.locator(".search-hit").filter(has_text=title)
    expect(hit).to_have_count(1)
    expect(hit.locator(".search-snippet mark").first).to_have_text(re.compile(word[:2]))
    expect(hit.locator(".search-snippet")).to_contain_text(word)
    screenshot(page, f"search-{word}")
    hit.locator("a.search-title").click()
    expect(page.locator("#document-title")).to_have_text(title)
    expect(page.locator("#text-preview")).to_contain_text(word)


def test_upload_find_open_and_compile(
    page: Page, tianjin: User, page_errors: list[str], tmp_path: Path
) -> None:
    log_in(page, tianjin)
    page.get_by_role("navigation").get_by_role("link", name="知识库").click()
    expect(page).to_have_url(re.compile(r"/knowledge/$"))

    # (a) A program renamed to .pdf is refused beside the file field, nothing stored.
    page.click("#new-document")
    payload: FilePayload = {
        "name": "通知.pdf",
        "mimeType": files.PDF_MIME,
        "buffer": files.EXECUTABLE,
    }
    page.set_input_files("#id_file", files=[payload])
    page.fill("#id_title", "伪装的程序")
    page.click("#save-document")
    expect(page.locator("#id_file_errors")).to_contain_text("文件内容与扩展名不符")
    expect(page.locator("#id_title")).to_have_value("伪装的程序")
    screenshot(page, "refused-upload")
    assert not Document.objects.exists()

    # (b) A PDF and a Word file, each with a word found nowhere else.
    upload(
        page,
        data=files.pdf(
            [
                "第一章 总则。为规范厨余垃圾收集运输，制定本规范。",
                f"第二章 收运路线。{PDF_WORD}片区的收运车辆每日两次定时收运，做到日产日清。",
            ]
        ),
        name="收运规范.pdf",
        mime=files.PDF_MIME,
        title=PDF_TITLE,
        kind="standard",
    )
    upload(
        page,
        data=files.docx(
            ["一、工作目标", f"在{DOCX_WORD}社区试点撤桶并点，设置四个定时定点投放点。"],
            table=[["投放点", "开放时间"], ["东门", "7:00-9:00"]],
        ),
        name="实施方案.docx",
        mime=files.DOCX_MIME,
        title=DOCX_TITLE,
        kind="work_plan",
    )
    upload(
        page,
        data=files.text("早晚两次定时定点投放，志愿者桶边值守。"),
        name="宣传要点.txt",
        mime="text/plain",
        title=TXT_TITLE,
        kind="course",
    )
    screenshot(page, "document")

    # (c) Each is found by its inner word from the search box, highlighted, and opened.
    find_and_open(page, PDF_WORD, PDF_TITLE)
    find_and_open(page, DOCX_WORD, DOCX_TITLE)

    # (d) A compilation of the three documents, downloaded as Word.
    page.goto("/knowledge/compilations/")
    page.click("#new-compilation")
    page.fill("#id_title", "天津市垃圾分类政策文件汇编")
    page.fill("#id_preface", "本汇编收录天津市垃圾分类的规范、方案和宣传材料，供河南参考。")
    page.click("#save-compilation")
    expect(page.locator("#compilation-title")).to_have_text("天津市垃圾分类政策文件汇编")
    for title in (PDF_TITLE, DOCX_TITLE, TXT_TITLE):
        page.select_option("#add-document", label=title)
        page.click("#add-document-button")
        expect_message(page, "已添加文档。")
    rows = page.locator("#item-table tbody tr")
    expect(rows).to_have_count(3)
    # The text material goes first.
    page.locator("#item-table tbody tr").nth(2).get_by_role("button", name="上移").click()
    page.locator("#item-table tbody tr").nth(1).get_by_role("button", name="上移").click()
    expect(rows.nth(0)).to_contain_text(TXT_TITLE)
    screenshot(page, "compilation")

    with page.expect_download() as download_info:
        page.click("#export-docx")
    download = download_info.value
    assert download.suggested_filename == "天津市垃圾分类政策文件汇编.docx"
    saved = tmp_path / "compilation.docx"
    download.save_as(saved)
    import docx as python_docx

    document = python_docx.Document(io.BytesIO(saved.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    positions = [text.find(title) for title in (TXT_TITLE, PDF_TITLE, DOCX_TITLE)]
    assert all(p >= 0 for p in positions), text[:500]
    assert PDF_WORD in text and DOCX_WORD in text  # every document's text is in it

    compilation = Compilation.objects.get(title="天津市垃圾分类政策文件汇编")
    assert list(
        compilation.items.order_by("position").values_list("document__title", flat=True)
    ) == [TXT_TITLE, PDF_TITLE, DOCX_TITLE]
    assert Document.objects.filter(created_by=tianjin).count() == 3
    assert page_errors == []
