"""The dashboards in a real browser.

The Ministry's supervisor opens the national dashboard: the map draws the pairs coloured by
health, the risk list names the pairs at risk, and "可推广的成效" lists a closed notice and a
target met early. From each a case is proposed on the prefilled form and saved; it opens as a
draft with its origin, and the knowledge base lists it. 河南's coordinator then opens her own
dashboard and, from it, her pair's.
"""

import re
from functools import partial
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from twinning.accounts.models import User
from twinning.core.tests.browser import expect_message, log_in, save_screenshot
from twinning.indicators.models import Target
from twinning.knowledge.models import ModelCase
from twinning.pairings.models import Pairing
from twinning.supervision.models import Notice

pytestmark = pytest.mark.browser

screenshot = partial(save_screenshot, prefix="dashboards")


def propose_from(page: Page, origin: str, approach: str | None = None) -> None:
    page.goto("/dashboard/ministry/")
    page.locator(f'#candidates tr[data-origin="{origin}"] a.btn').click()
    expect(page.locator("#case-source")).to_be_visible()
    if approach is not None:
        page.fill("#id_approach", approach)
    page.click("#save-case")
    expect_message(page, "已据此编写典型案例草稿")
    expect(page.locator("#case-status")).to_have_text("草稿")
    expect(page.locator("#case-origin")).to_be_visible()


def test_ministry_dashboard_proposals_and_a_pair_dashboard(
    page: Page,
    open_browser: Any,
    page_errors: list[str],
    supervisor: User,
    henan: User,
    tianjin_henan: Pairing,
    health: None,
    closed_notice: Notice,
    early_target: Target,
) -> None:
    log_in(page, supervisor)
    page.goto("/dashboard/")
    expect(page).to_have_url(f"{page.url.split('/dashboard')[0]}/dashboard/ministry/")
    expect(page.locator("#map")).to_have_attribute("data-lines", re.compile(r"^[1-9]\d*$"))
    assert int(page.locator("#map").get_attribute("data-red-lines") or "0") > 0
    expect(page.locator("#map canvas").first).to_be_visible()
    expect(page.locator("#risk-list tr").first).to_be_visible()
    expect(page.locator("#candidates")).to_contain_text(closed_notice.number)
    screenshot(page, "ministry")

    propose_from(page, f"notice-{closed_notice.pk}")
    expect(page.locator("#case-origin")).to_contain_text(closed_notice.number)
    propose_from(page, f"target-{early_target.pk}", approach="全面推行撤桶并点、定时定点投放。")
    screenshot(page, "proposed-case")

    page.goto("/knowledge/cases/?status=draft")
    for case in ModelCase.objects.filter(origin_kind__in=["notice", "target"]):
        expect(page.locator("body")).to_contain_text(case.title)
    page.goto("/dashboard/ministry/")
    expect(
        page.locator(f'#candidates tr[data-origin="notice-{closed_notice.pk}"]')
    ).to_contain_text("已推荐")

    coordinator = open_browser()
    log_in(coordinator, henan)
    coordinator.goto("/dashboard/")
    expect(coordinator.locator("#my-pairs")).to_contain_text("天津市—河南省")
    coordinator.locator(f'#my-pairs a[href="/dashboard/pairs/{tianjin_henan.pk}/"]').click()
    expect(coordinator.locator("#pair-title")).to_have_text("天津市—河南省")
    expect(coordinator.locator("#pair-health")).not_to_contain_text("尚未计算")
    expect(coordinator.locator("#pair-targets")).to_contain_text("已达标")
    screenshot(coordinator, "pair")
    assert page_errors == []
