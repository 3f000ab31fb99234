"""The issue's acceptance flow in a real browser.

On 2021-03-05 天津–河南 has five tasks past their due date, so its health is red. The Ministry's
supervisor opens the risk list and sees the pair with its reasons, opens the pair's health page
and issues a notice from it (the reasons are prefilled). 河南's coordinator, in another window,
acknowledges the notice and answers with a rectification plan whose task joins the pair's plan.
The overdue tasks are then done, 河南 reports progress with evidence, the supervisor verifies
and closes the notice, recomputes the pair's health and the pair is green (正常).

The server's clock is 2021-03-05 (time-machine, ticking); cookies are session cookies so that the
real-time browser does not drop them as expired.
"""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from functools import partial
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from playwright.sync_api import Page, expect

from twinning.accounts.models import User
from twinning.core.tests.browser import expect_message, log_in, save_screenshot
from twinning.health.services import recompute
from twinning.pairings.models import Pairing
from twinning.plans import tasks as plan_tasks
from twinning.plans.models import ResponsibleSide, Task
from twinning.supervision.models import Notice
from twinning.supervision.tests.factories import PDF

pytestmark = pytest.mark.browser
screenshot = partial(save_screenshot, prefix="supervision")
NOW = dt.datetime(2021, 3, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


@pytest.fixture
def in_march_2021() -> Iterator[None]:
    with (
        time_machine.travel(NOW, tick=True),
        override_settings(SESSION_EXPIRE_AT_BROWSER_CLOSE=True, CSRF_COOKIE_AGE=None),
    ):
        yield


def overdue_tasks(pairing: Pairing) -> list[Task]:
    return list(Task.objects.filter(plan__pairing=pairing, number__lte=5).order_by("number"))


def make_red(pairing: Pairing) -> None:
    """Five tasks past their due date: red (the threshold is five)."""
    Task.objects.filter(pk__in=[t.pk for t in overdue_tasks(pairing)]).update(
        start_date=None, due_date=TODAY - dt.timedelta(days=3), status=Task.Status.NOT_STARTED
    )
    health = recompute(pairing_ids=[pairing.pk], today=TODAY)[0]
    assert health.level == "red", health.reasons


def finish(tasks: list[Task], tianjin: User, henan: User) -> None:
    """Each side's coordinator marks its tasks done (joint tasks: either)."""
    for task in tasks:
        actor = tianjin if task.side == ResponsibleSide.LEADING else henan
        plan_tasks.set_status(actor=actor, task_id=task.pk, status=Task.Status.DONE)


def test_red_pair_notice_rectification_closure_and_green(
    in_march_2021: None,
    open_browser: Callable[[], Page],
    supervisor: User,
    tianjin: User,
    henan: User,
    tianjin_henan: Pairing,
    page_errors: list[str],
) -> None:
    make_red(tianjin_henan)
    ministry = open_browser()
    log_in(ministry, supervisor)

    # The risk list shows the pair red with its reasons.
    ministry.goto("/health/")
    row = ministry.locator(f"#pair-{tianjin_henan.pk}")
    expect(row).to_contain_text("预警")
    expect(row).to_contain_text("项任务已逾期")
    screenshot(ministry, "risk-list")

    # The notice is issued from the pair's health page, its reasons prefilled.
    row.get_by_role("link", name=str(tianjin_henan)).click()
    ministry.click("#issue-notice")
    expect(ministry.locator("#id_reasons")).to_have_value(re.compile("项任务已逾期"))
    expect(ministry.locator("#id_number")).to_have_value("建办城督〔2021〕1号")
    ministry.fill("#id_required_actions", "一、立即完成逾期任务；二、报送整改方案和佐证材料。")
    screenshot(ministry, "issue")
    ministry.click("#submit-notice")
    expect_message(ministry, "已下发")
    expect(ministry.locator("#notice-status")).to_have_text("已下发")
    notice = Notice.objects.get()
    assert notice.health_level == "red" and notice.health_reasons

    # 河南's coordinator acknowledges and answers with a rectification plan.
    pair = open_browser()
    log_in(pair, henan)
    pair.goto("/notices/")
    pair.get_by_role("link", name=notice.number).click()
    pair.click("#acknowledge-notice")
    expect_message(pair, "已签收")
    pair.fill("#id_text", "成立整改专班，两周内完成全部逾期任务。")
    pair.fill("#id_task_1_title", "召开整改专题会，逐项落实逾期任务")
    pair.fill("#id_task_1_due_date", (TODAY + dt.timedelta(days=14)).isoformat())
    pair.select_option("#id_task_1_side", "partner")
    pair.click("#submit-rectification")
    expect_message(pair, "整改方案已报送")
    expect(pair.locator("#notice-status")).to_have_text("整改中")
    expect(pair.locator("#notice-tasks")).to_contain_text("召开整改专题会")
    rectification = Task.objects.get(origin=f"督办 {notice.number}")
    assert rectification.plan.pairing == tianjin_henan

    # The overdue tasks are done; 河南 reports progress with evidence.
    finish(overdue_tasks(tianjin_henan) + [rectification], tianjin, henan)
    pair.fill("#id_progress_text", "逾期任务和整改任务均已完成，附会议纪要。")
    pair.set_input_files(
        "#progress-files",
        files=[{"name": "会议纪要.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    pair.click("#report-progress")
    expect_message(pair, "整改进展已报送")
    expect(pair.locator("#notice-status")).to_have_text("已报送整改情况")
    expect(pair.locator("#timeline")).to_contain_text("会议纪要.pdf")
    screenshot(pair, "reported")

    # The supervisor verifies and closes; the pair's health is green again.
    ministry.goto(f"/notices/{notice.pk}/")
    ministry.fill("#id_note", "整改到位，同意办结。")
    ministry.click("#close-notice")
    expect_message(ministry, "已核验并办结")
    expect(ministry.locator("#notice-status")).to_have_text("已办结")
    screenshot(ministry, "closed")
    ministry.goto(f"/health/pairs/{tianjin_henan.pk}/")
    ministry.click("#recompute-pair")
    expect(ministry.locator("#pair-level")).to_have_text("正常")
    screenshot(ministry, "green")
    assert page_errors == []
