"""A month of indicators reported in a real browser, from the grid to the locked chart.

河南's member (the partner side) opens this year's grid and fills the current month: a coverage
over 100 % is refused beside its cell and nothing is saved; fixed, the month saves; a doubled
回收利用量 then asks for a comment under the cell; with it, the month saves and is submitted.
The Ministry approves it at another computer, which locks the month: the inputs are gone. The
region page draws the month in the series with the target line and the forecast band (eight
approved months before it and a target make a forecast).

Playwright drives Debian's chromium (`make browser-deps`) against pytest-django's live server.
Screenshots go to bench/results/screens/ (or $TWINNING_SCREENSHOTS) for a person to look at.
"""

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from twinning.accounts.models import User
from twinning.core.tests.browser import expect_message, log_in, save_screenshot
from twinning.indicators import calc
from twinning.indicators.models import Indicator, Report, Target, Value
from twinning.indicators.tests.reports_factory import make_report

pytestmark = pytest.mark.browser

HENAN = "410000"
HISTORY_MONTHS = 8


# ---------------------------------------------------------------- browser fixtures


@pytest.fixture
def browser_context_options() -> dict[str, Any]:
    """Chinese windows, wide enough for the grid's month columns."""
    return {"locale": "zh-CN", "viewport": {"width": 1440, "height": 900}}


screenshot = partial(save_screenshot, prefix="indicators")


# ---------------------------------------------------------------- the data before the flow


def months_before(code: str, count: int) -> list[str]:
    """The `count` months before `code`, oldest first."""
    months = [code]
    for _step in range(count):
        months.insert(0, calc.previous_period(months[0]))
    return months[:-1]


@pytest.fixture
def this_month() -> str:
    return calc.period_code_of(timezone.localdate(), "month")


@pytest.fixture
def history(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    this_month: str,
    supervisor: User,
) -> list[Report]:
    """Eight approved months before this one, 回收利用率 rising from 31 % to 34.5 %, and a
    target of 40 % in two years: enough for a progress status and a forecast."""
    reports = [
        make_report(
            HENAN,
            code,
            month_values(recovery_utilised_t=9300 + 150 * step),
            status=Report.Status.APPROVED,
        )
        for step, code in enumerate(months_before(this_month, HISTORY_MONTHS))
    ]
    today = timezone.localdate()
    Target.objects.create(
        region_id=HENAN,
        indicator=catalogue["recovery_rate"],
        baseline_value=Decimal(30),
        baseline_date=today - dt.timedelta(days=365),
        target_value=Decimal(40),
        due_date=dt.date(today.year + 2, 12, 31),
        source="测试目标",
        created_by=supervisor,
    )
    return reports


# ---------------------------------------------------------------- steps of the flow


def cell(page: Page, period: str, code: str) -> Any:
    return page.locator(f'td[data-cell="{period}:{code}"]')


def fill_month(page: Page, period: str, values: dict[str, Decimal]) -> None:
    for code, value in values.items():
        page.fill(f'input[name="v:{period}:{code}"]', str(value))


def open_grid(page: Page) -> None:
    """From the navigation to this year's grid of 河南."""
    page.get_by_role("link", name="指标与目标").click()
    expect(page.locator("h1")).to_contain_text("年填报日历")
    page.locator(f'tr[data-region="{HENAN}"] a.grid-link').click()
    year = timezone.localdate().year
    expect(page.locator("#grid-title")).to_have_text(f"河南省 {year} 年指标填报")


def refused_then_saved(page: Page, period: str, values: dict[str, Decimal]) -> None:
    """Coverage over 100 %: refused beside the cell, nothing saved; fixed, saved."""
    fill_month(page, period, {**values, "communities_sorting": Decimal(1050)})
    page.click("#save-grid")
    errors = cell(page, period, "communities_sorting").locator(".cell-errors")
    expect(errors).to_contain_text("1,050")
    expect(errors).to_contain_text("100%")
    expect(cell(page, period, "communities_total").locator(".cell-errors")).to_have_count(0)
    # What was typed stays, so only the bad cell needs retyping.
    expect(page.locator(f'input[name="v:{period}:msw_generated_t"]')).to_have_value("30000")
    screenshot(page, "grid-refused")
    assert not Report.objects.filter(region_id=HENAN, period__code=period).exists()

    page.fill(f'input[name="v:{period}:communities_sorting"]', "880")
    page.click("#save-grid")
    expect_message(page, "已保存。")
    expect(page.locator(f"#status-{period}")).to_have_text("填报中")
    expect(cell(page, period, "recovery_rate")).to_contain_text("35")
    expect(page.locator(".cell-warnings")).to_have_count(0)


def jump_commented(page: Page, period: str) -> None:
    """回收利用量 doubled against last month: a comment is asked for under the cell."""
    page.fill(f'input[name="v:{period}:recovery_utilised_t"]', "21000")
    page.click("#save-grid")
    expect_message(page, "需要说明原因")
    warned = cell(page, period, "recovery_utilised_t")
    expect(warned.locator(".cell-warnings")).to_contain_text("10,350")
    comment = warned.locator(f'textarea[name="c:{period}:recovery_utilised_t"]')
    expect(comment).to_be_visible()
    expect(cell(page, period, "recovery_rate")).to_contain_text("70")
    screenshot(page, "grid-warning")

    comment.fill("新建厨余垃圾处理厂投产，回收利用量翻番")
    page.click("#save-grid")
    expect_message(page, "已保存。")
    expect(warned.locator("textarea")).to_have_value("新建厨余垃圾处理厂投产，回收利用量翻番")
    expect(warned.locator("textarea.needs-comment")).to_have_count(0)


def submit_month(page: Page, period: str) -> None:
    page.click(f"#submit-{period}")
    expect_message(page, "已报送。")
    expect(page.locator(f"#status-{period}")).to_have_text("已报送")
    expect(page.locator(f'input[name="v:{period}:msw_generated_t"]')).to_have_count(0)
    expect(page.locator(f"#withdraw-{period}")).to_be_visible()


def approve(page: Page, period: str) -> None:
    page.goto(f"/indicators/regions/{HENAN}/{period}/")
    expect(page.locator("#report-status")).to_have_text("已报送")
    row = page.locator('#values tr[data-indicator="recovery_utilised_t"]')
    expect(row).to_contain_text("新建厨余垃圾处理厂投产")
    page.click("#approve-report")
    expect_message(page, "已审核通过，该期数据已锁定。")
    expect(page.locator("#report-status")).to_have_text("已审核锁定")
    expect(page.locator("#unlock-form")).to_be_visible()


def chart_data(page: Page) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(page.locator("#chart-data").text_content() or "{}")
    return data


# ---------------------------------------------------------------- the test


def test_a_partner_city_reports_a_month_and_the_ministry_locks_it(
    open_browser: Callable[[], Page],
    henan_member: User,
    supervisor: User,
    history: list[Report],
    month_values: Callable[..., dict[str, Decimal]],
    this_month: str,
    page_errors: list[str],
) -> None:
    # (a) 河南's member fills the month: refused, fixed, saved; the jump is explained.
    member = open_browser()
    log_in(member, henan_member)
    open_grid(member)
    refused_then_saved(member, this_month, month_values())
    jump_commented(member, this_month)
    value = Value.objects.get(
        report__region_id=HENAN,
        report__period__code=this_month,
        indicator__code="recovery_utilised_t",
    )
    assert value.value == Decimal(21000) and value.warnings and not value.needs_comment

    # (b) Submitted: the month's inputs are gone.
    submit_month(member, this_month)
    report = Report.objects.get(region_id=HENAN, period__code=this_month)
    assert report.status == Report.Status.SUBMITTED and report.submitted_by == henan_member

    # (c) The Ministry approves at another computer: the month is locked.
    ministry = open_browser()
    log_in(ministry, supervisor)
    approve(ministry, this_month)
    member.reload()
    expect(member.locator(f"#status-{this_month}")).to_have_text("已审核锁定")
    expect(member.locator(f'input[name^="v:{this_month}:"]')).to_have_count(0)
    expect(member.locator(f"#submit-{this_month}")).to_have_count(0)
    expect(member.locator(f"#withdraw-{this_month}")).to_have_count(0)
    member.goto(f"/indicators/regions/{HENAN}/{this_month}/")
    expect(member.locator("#locked-note")).to_be_visible()
    expect(member.locator("#edit-values")).to_have_count(0)
    report.refresh_from_db()
    assert report.status == Report.Status.APPROVED and report.approved_by == supervisor

    # (d) The region page: the month in the series, the target line, the forecast band.
    member.goto(f"/indicators/regions/{HENAN}/")
    expect(member.locator("#region-chart canvas").first).to_be_visible()
    expect(member.locator("#region-chart")).to_have_attribute(
        "data-points", str(HISTORY_MONTHS + 1)
    )
    chart = chart_data(member)
    assert chart["indicator"]["code"] == "recovery_rate"
    last_day = calc.period_bounds(this_month)[2].isoformat()
    assert chart["series"][-1] == [last_day, 70.0]
    [target] = chart["targets"]
    assert target["value"] == 40.0 and target["current"]
    assert chart["forecast"] is not None and chart["band"]
    assert chart["band"][-1][0] == target["due"]
    target_row = member.locator("#targets tbody tr").first
    expect(target_row).to_contain_text("生活垃圾回收利用率")
    expect(target_row.locator(".explanation")).not_to_be_empty()
    expect(target_row.locator("[data-verdict]")).to_have_count(1)
    screenshot(member, "region-chart")

    assert page_errors == []
