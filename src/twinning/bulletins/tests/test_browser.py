"""A bulletin in a real browser: the Ministry's supervisor drafts the national bulletin for
2021H1 from the list, follows a number to the records it counts, edits a section, releases the
bulletin and downloads it as .docx, which opens with python-docx and carries the edit.

Playwright drives Debian's chromium (`make browser-deps`) against pytest-django's live server.
"""

import io
import re
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from twinning.accounts.models import User
from twinning.bulletins.models import Bulletin
from twinning.bulletins.tests.factories import seed
from twinning.core.tests.browser import expect_message, log_in, save_screenshot
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.browser

screenshot = partial(save_screenshot, prefix="bulletins")


@pytest.fixture
def browser_context_options() -> dict[str, Any]:
    return {"locale": "zh-CN", "viewport": {"width": 1280, "height": 900}, "accept_downloads": True}


def test_draft_edit_release_download(
    page: Page,
    supervisor: User,
    pair: Callable[[str, str], Pairing],
    page_errors: list[str],
) -> None:
    seed(pair("120000", "410000"), pair("310000", "360000"))
    log_in(page, supervisor)
    page.goto("/bulletins/")
    expect(page.locator("#oversight-tabs")).to_be_visible()

    # Draft the national bulletin for 2021H1.
    page.click("#draft-toggle")
    page.select_option("#id_scope", "national")
    page.fill("#id_period", "2021H1")
    page.click("#draft-submit")
    expect_message(page, "简报已起草")
    expect(page.locator("#bulletin-title")).to_have_text(
        "2021年上半年生活垃圾分类“1对1”交流协作工作简报"
    )
    held = page.locator('#figures a[data-figure="exchanges.held"]')
    expect(held).to_have_text("7")
    expect(page.locator("#chart-kinds canvas")).to_have_count(1)
    screenshot(page, "draft")

    # A number opens the records it counts.
    held.click()
    expect(page.locator("#trace-value")).to_have_text("7")
    expect(page.locator("#trace-table tbody tr")).to_have_count(7)
    page.go_back()

    # Edit a section and save.
    page.fill("#id_section_next", "一、加强对预警结对的专题指导。")
    page.click("#save-sections")
    expect_message(page, "已保存")
    expect(page.locator("#id_section_next")).to_have_value("一、加强对预警结对的专题指导。")

    # Release: the text is frozen.
    page.click("#release")
    expect_message(page, "简报已印发")
    expect(page.locator("#bulletin-status")).to_have_text("已印发")
    expect(page.locator("#sections-form")).to_have_count(0)
    expect(page.locator("#sections")).to_contain_text("一、加强对预警结对的专题指导。")
    screenshot(page, "released")

    # Download the Word file.
    with page.expect_download() as info:
        page.click("#export-docx")
    download = info.value
    assert re.search(r"\.docx$", download.suggested_filename)
    import docx

    document = docx.Document(io.BytesIO(download.path().read_bytes()))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "生活垃圾分类“1对1”交流协作工作简报"
    assert "一、加强对预警结对的专题指导。" in texts
    assert len(document.inline_shapes) >= 3
    assert Bulletin.objects.get().status == Bulletin.Status.RELEASED
    assert page_errors == []
