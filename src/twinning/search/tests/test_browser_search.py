"""The search box walked through in a real browser.

河南's coordinator types into the top bar's box and is offered matches while typing (htmx);
pressing Enter opens the results page with highlighted snippets and facets; a facet narrows the
results and the chosen filter is removed again. 江西, at another computer, searches the same words
and never sees 天津–河南's pair-private document. The platform admin opens the vocabulary page.

Screenshots go to bench/results/screens/ (git-ignored) for a person to look at.
"""

import datetime as dt
import re
from collections.abc import Callable
from functools import partial

import pytest
from playwright.sync_api import Page, expect

from twinning.accounts.models import User
from twinning.core.tests.browser import log_in, save_screenshot
from twinning.knowledge.models import DocumentKind, Visibility
from twinning.pairings.models import Pairing
from twinning.search import segment
from twinning.search.tests.test_views import make_case, make_document
from twinning.search.vocabulary import load_vocabulary

pytestmark = pytest.mark.browser

shot = partial(save_screenshot, prefix="search")
PRIVATE_TITLE = "天津河南结对蒲公英计划内部推进表"


def test_searching_from_the_top_bar_with_facets_and_scoping(
    open_browser: Callable[[], Page],
    henan: User,
    jiangxi: User,
    admin_user: User,
    tianjin_henan: Pairing,
    page_errors: list[str],
) -> None:
    load_vocabulary()
    segment.reload_vocabulary()
    make_document(
        "内江市蒲公英计划实施方案",
        "内江市推行蒲公英计划，组织中小学生担任垃圾分类宣传员，带动家庭参与分类投放。",
        kind=DocumentKind.WORK_PLAN,
        region="510000",
        issued=dt.date(2021, 3, 1),
    )
    make_document(
        "蒲公英计划宣传员培训教材",
        "蒲公英计划宣传员的培训内容：四分类标准、桶边督导要点。",
        kind=DocumentKind.COURSE,
        region="510000",
        issued=dt.date(2022, 9, 1),
    )
    make_case("内江市“蒲公英计划”小手拉大手", region="510000", approach="蒲公英计划进校园。")
    make_document(
        PRIVATE_TITLE,
        "结对双方商定的蒲公英计划推进表。",
        kind=DocumentKind.REPORT,
        visibility=Visibility.PAIR,
        pairing=tianjin_henan,
    )

    page = open_browser()
    log_in(page, henan)
    page.wait_for_load_state()  # htmx is ready before the first key is typed
    box = page.locator("#topsearch-q")
    box.fill("蒲公英计划")
    suggestions = page.locator("#topsearch-suggest .search-suggest")
    expect(suggestions).to_contain_text("内江市蒲公英计划实施方案")
    expect(suggestions).to_contain_text(PRIVATE_TITLE)
    shot(page, "1-top-bar-suggestions")
    box.press("Enter")

    expect(page.locator("#search-count")).to_contain_text("4")
    expect(page.locator(".search-hit")).to_have_count(4)
    expect(page.locator(".search-snippet mark").first).to_have_text("蒲公英计划")
    shot(page, "2-results")

    page.locator("#facet-kind a", has_text="典型案例").click()
    expect(page.locator(".search-hit")).to_have_count(1)
    expect(page.locator(".search-hit")).to_contain_text("小手拉大手")
    expect(page.locator(".facet-chosen")).to_contain_text("典型案例")
    shot(page, "3-facet")
    page.locator(".facet-chosen a.facet-remove").click()
    expect(page.locator(".search-hit")).to_have_count(4)

    page.locator(".search-hit a.search-title", has_text="培训教材").click()
    expect(page).to_have_url(re.compile(r"/knowledge/documents/\d+/$"))

    # Answers before asking: typing a problem offers the case and the documents.
    page.goto(f"/consultations/new/?pairing={tianjin_henan.pk}")
    page.wait_for_load_state()
    # Typing: keyup events, which `fill` alone does not send.
    page.fill("#id_title", "怎样借鉴蒲公英计划发动学生")
    page.press("#id_title", "End")
    related = page.locator("#related-knowledge")
    expect(related).to_contain_text("相关典型案例和文档")
    expect(related).to_contain_text("小手拉大手")
    shot(page, "4-consultation-suggestions")

    outsider = open_browser()
    log_in(outsider, jiangxi)
    outsider.goto("/search/?q=蒲公英计划")
    expect(outsider.locator(".search-hit")).to_have_count(3)
    expect(outsider.locator(".search-main")).not_to_contain_text(PRIVATE_TITLE)
    expect(outsider.locator("#facet-subkind")).not_to_contain_text("报告")
    outsider.fill("#search-q", "！？。")
    outsider.press("#search-q", "Enter")
    expect(outsider.locator(".search-error")).to_have_text("请输入要查找的词语。")
    shot(outsider, "5-bad-query")

    admin = open_browser()
    log_in(admin, admin_user)
    admin.goto("/search/vocabulary/")
    admin.fill("#id_word-word", "小手拉大手")
    admin.click("#add-word")
    expect(admin.locator("ul.messages")).to_contain_text("领域词已添加")
    expect(admin.locator("#dictionary")).to_contain_text("小手拉大手")
    shot(admin, "6-vocabulary")
    assert page_errors == []
