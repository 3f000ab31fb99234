"""The risk list in a real browser: the Ministry's supervisor recomputes, finds a red pair with
its reasons in words, filters to it and opens it.

Screenshots go to bench/results/screens/ (or $TWINNING_SCREENSHOTS) for a person to look at.
"""

import re
from functools import partial

import pytest
from playwright.sync_api import Page, expect

from twinning.accounts.models import User
from twinning.core.tests.browser import expect_message, log_in, save_screenshot
from twinning.health.models import PairHealth
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.browser

screenshot = partial(save_screenshot, prefix="health")


def test_the_supervisor_finds_a_red_pair_and_opens_it(
    page: Page, supervisor: User, tianjin_henan: Pairing, page_errors: list[str]
) -> None:
    log_in(page, supervisor)
    page.goto("/health/")
    expect(page.locator("#oversight-tabs")).to_contain_text("健康度")
    page.click("#recompute")
    expect_message(page, "已重新计算")
    expect(page.locator("#level-counts .health-red b")).not_to_have_text("0")
    screenshot(page, "risk-list")

    # The programme's 2021 records, judged today: 天津–河南's tasks are long overdue.
    page.fill("form.filters input[name=q]", "河南")
    page.press("form.filters input[name=q]", "Enter")
    expect(page).to_have_url(re.compile(r"q=%E6%B2%B3%E5%8D%97"))
    expect(page.locator("#results")).not_to_contain_text("上海市")
    row = page.locator(f"#pair-{tianjin_henan.pk}")
    expect(row.locator(".badge")).to_have_text("预警")
    expect(row).to_contain_text("项任务已逾期")

    row.get_by_role("link", name="天津市—河南省").click()
    expect(page).to_have_url(re.compile(rf"/health/pairs/{tianjin_henan.pk}/$"))
    expect(page.locator("#pair-level")).to_have_text("预警")
    reasons = page.locator("#health-reasons li")
    health = PairHealth.objects.get(pairing=tianjin_henan)
    expect(reasons).to_have_count(len(health.reasons))
    expect(page.locator("#health-history")).to_contain_text("预警")
    screenshot(page, "pair")

    # A reason links to the records behind it: the plan's overdue tasks.
    page.locator("#health-reasons a", has_text="任务已逾期").click()
    expect(page).to_have_url(re.compile(r"/plans/\d+/\?overdue=1$"))
    assert page_errors == []
