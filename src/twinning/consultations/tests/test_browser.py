"""A problem consultation and a field survey walked through in a real browser.

河南's member (the partner side) opens the new-problem form for 天津–河南, types a question like
one asked before and is shown the earlier one while typing (the htmx similar-problems box), then
asks. 天津's expert (the leading side), at another computer, answers; the asker accepts the
answer and rates it, and the Ministry sees the resolved count go up. 天津's coordinator then
records a 实地调研 (field survey) with a follow-up task: the task joins 天津–河南's plan in force
and is listed on the exchange's page, and the Ministry's exchange statistics count one more held
exchange.

Playwright drives Debian's chromium (`make browser-deps`) against pytest-django's live server.
Screenshots go to bench/results/screens/ (git-ignored) for a person to look at.
"""

import datetime as dt
import re
from collections.abc import Callable
from functools import partial

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from twinning.accounts.models import Organisation, Role, User
from twinning.accounts.tests.factories import make_user
from twinning.consultations import services
from twinning.consultations.models import Answer, Problem
from twinning.core.tests.browser import expect_message, log_in, save_screenshot
from twinning.exchanges.models import Exchange, FollowUp
from twinning.notifications.events import Event
from twinning.notifications.models import Notification
from twinning.pairings.models import Pairing
from twinning.plans.models import Plan, Task
from twinning.plans.queries import working_plan_of

pytestmark = pytest.mark.browser


EARLIER_TITLE = "厨余垃圾分出率低，怎样提高居民参与度？"
EARLIER_TEXT = "小区设置了定时定点投放，但居民参与度不高，厨余垃圾分出率只有一成。"
UNRELATED_TITLE = "建筑垃圾资源化利用项目审批流程不清楚"
NEW_TITLE = "如何提高居民参与度和厨余垃圾分出率"
NEW_TEXT = (
    "我市试点小区实行定时定点投放后，居民参与度不高，厨余垃圾分出率偏低。"
    "希望先行方介绍桶边督导和积分激励的经验。"
)
ANSWER_TEXT = (
    "建议分三步：一是在投放点安排桶边督导员，开展为期三个月的“定时定点＋督导”；"
    "二是推行积分兑换，分类正确的家庭每次积一分；三是每月公布各小区分出率排名。"
)
RATING_COMMENT = "经验具体，已在两个试点小区推开。"
SURVEY_TITLE = "天津市赴河南省开展生活垃圾分类实地调研"
FOLLOW_UP_TITLE = "编制郑州市垃圾分类示范片区建设方案"


# ---------------------------------------------------------------- browser fixtures


@pytest.fixture
def tianjin_expert(programme: object) -> User:
    """An expert of 天津, the leading side: answers 天津–河南's problems."""
    return make_user(
        Role.EXPERT, "120000", kind=Organisation.Kind.EXPERT_INSTITUTION, username="tianjin_expert"
    )


screenshot = partial(save_screenshot, prefix="consultations")


def choose_pair(page: Page, pairing: Pairing) -> None:
    """On a choose-a-pair page, follow the row of `pairing` (named exactly)."""
    row = page.get_by_role("row").filter(
        has=page.get_by_role("cell", name=str(pairing), exact=True)
    )
    expect(row).to_have_count(1)
    row.get_by_role("link").click()


# ---------------------------------------------------------------- what the Ministry sees


def problem_count(page: Page, status: str) -> int:
    """The count of one status in the list's summary (the links have no ids of their own)."""
    link = page.locator(f"#problems-by-status a.stat[href='?status={status}']")
    return int(link.locator("b").inner_text())


def kind_count(page: Page, label: str) -> int:
    row = page.locator("#by-kind tr").filter(has_text=label)
    if row.count() == 0:  # kinds with no exchange are left out of the table
        return 0
    return int(row.locator("td").nth(1).inner_text())


def ministry_numbers(page: Page) -> dict[str, int]:
    page.goto("/consultations/")
    numbers = {
        "open": problem_count(page, "open"),
        "answered": problem_count(page, "answered"),
        "resolved": problem_count(page, "resolved"),
    }
    page.goto("/exchanges/stats/")
    expect(page.locator("h1")).to_have_text("全国交流活动统计")
    numbers["held"] = int(page.locator("#total-held").inner_text())
    numbers["to_partner"] = int(page.locator("#visits-to-partner").inner_text())
    numbers["field_research"] = kind_count(page, "实地调研")
    return numbers


# ---------------------------------------------------------------- steps of the flow


def ask_with_suggestion(page: Page, pairing: Pairing, earlier: Problem, unrelated: Problem) -> int:
    """河南's member opens the form for 天津–河南, sees the earlier problem suggested, asks."""
    page.goto("/consultations/")
    page.click("#new-problem")
    if "pairing=" not in page.url:  # more than one pair to ask in: choose 天津–河南
        expect(page.locator("h1")).to_contain_text("选择结对")
        choose_pair(page, pairing)
    expect(page).to_have_url(re.compile(rf"/consultations/new/\?pairing={pairing.pk}$"))
    expect(page.locator("h1")).to_contain_text(str(pairing))
    expect(page.locator("#similar-problems")).to_have_count(0)

    # Typing (keyup events, which `fill` alone does not send) asks for similar problems.
    page.fill("#id_title", NEW_TITLE)
    page.press("#id_title", "End")
    box = page.locator("#similar-problems")
    expect(box).to_be_visible()
    expect(box).to_contain_text("类似的难题")
    expect(box.get_by_role("link", name=EARLIER_TITLE)).to_have_attribute(
        "href", f"/consultations/{earlier.pk}/"
    )
    expect(box).not_to_contain_text(UNRELATED_TITLE)
    page.fill("#id_description", NEW_TEXT)
    page.press("#id_description", "End")
    page.select_option("#id_topic", label="分类投放")
    expect(box.get_by_role("link", name=EARLIER_TITLE)).to_be_visible()
    screenshot(page, "new-similar")

    page.select_option("#id_urgency", label="紧急")
    page.fill("#id_response_days", "10")
    page.click("#create-problem")
    expect(page).to_have_url(re.compile(r"/consultations/\d+/$"))
    expect_message(page, "难题已提出")
    expect(page.locator("h1")).to_have_text(NEW_TITLE)
    expect(page.locator("#problem-status")).to_have_text("待指派")
    return int(re.search(r"/consultations/(\d+)/$", page.url).group(1))  # type: ignore[union-attr]


def answer_as_expert(page: Page, problem_id: int) -> None:
    page.goto(f"/consultations/{problem_id}/")
    expect(page.locator("h1")).to_have_text(NEW_TITLE)
    expect(page.locator("#description")).to_contain_text("桶边督导")
    # An expert answers; accepting and rating are the asker's.
    expect(page.locator("#verdict")).to_have_count(0)
    page.fill("#answer-form textarea[name=body]", ANSWER_TEXT)
    page.locator("#answer-form").get_by_role("button", name="发布解答").click()
    expect_message(page, "解答已发布")
    expect(page.locator("#problem-status")).to_have_text("已解答")
    expect(page.locator("#answers article")).to_have_count(1)
    expect(page.locator("#answers article")).to_contain_text("桶边督导员")
    screenshot(page, "answered")


def accept_and_rate(page: Page, problem_id: int, answer_id: int) -> None:
    page.goto(f"/consultations/{problem_id}/")
    expect(page.locator("#problem-status")).to_have_text("已解答")
    answer = page.locator(f"#answer-{answer_id}")
    answer.get_by_role("button", name="采纳此解答").click()
    expect_message(page, "已采纳该解答")
    expect(page.locator("#problem-status")).to_have_text("已解决")
    expect(page.locator(f"#answer-{answer_id}")).to_contain_text("已采纳")
    expect(
        page.locator(f"#answer-{answer_id}").get_by_role("button", name="采纳此解答")
    ).to_have_count(0)

    page.select_option("#rate-form select[name=rating]", "4")
    page.fill("#rate-form textarea[name=comment]", RATING_COMMENT)
    page.locator("#rate-form").get_by_role("button", name="提交评价").click()
    expect_message(page, "感谢评价")
    expect(page.locator("#facts")).to_contain_text("评分：4/5")
    expect(page.locator("#facts")).to_contain_text(RATING_COMMENT)
    screenshot(page, "resolved")


def record_field_survey(page: Page, pairing: Pairing, due: dt.date) -> int:
    """天津's coordinator records a held 实地调研 with one follow-up task; the exchange's id."""
    page.goto("/exchanges/")
    page.click("#new-exchange")
    if "pairing=" not in page.url:  # 天津 leads several pairs: choose 天津–河南
        expect(page.locator("h1")).to_contain_text("选择结对")
        choose_pair(page, pairing)
    expect(page.locator("h1")).to_contain_text(str(pairing))
    expect(page.locator("#no-plan-hint")).to_have_count(0)  # the pair has a plan in force

    held_on = timezone.localdate() - dt.timedelta(days=1)
    page.fill("#id_title", SURVEY_TITLE)
    page.select_option("#id_kind", label="实地调研")
    page.select_option("#id_direction", label="先行方赴结对方")
    page.select_option("#id_status", label="已举办")
    page.fill("#id_start_date", held_on.isoformat())
    page.fill("#id_end_date", held_on.isoformat())
    page.fill("#id_place", "郑州市金水区")
    page.get_by_label("分类投放", exact=True).check()
    page.get_by_label("示范片区", exact=True).check()
    page.fill(
        "#id_delegates",
        "李明 | 天津市城市管理委员会 | 处长 | 先行方\n"
        "王芳 | 河南省住房和城乡建设厅 | 副处长 | 结对方",
    )
    page.fill("#id_summary", "实地察看郑州市金水区三个小区的定时定点投放和桶边督导。")
    page.fill("#id_agreements", "双方商定由郑州市编制示范片区建设方案，天津市提供技术指导。")
    page.fill("#id_follow_ups", f"{FOLLOW_UP_TITLE} | 结对方 | {due.isoformat()}")
    screenshot(page, "exchange-new")
    page.click("#save-exchange")

    expect(page).to_have_url(re.compile(r"/exchanges/\d+/$"))
    expect_message(page, "交流活动已记录")
    expect(page.locator("#exchange-title")).to_have_text(SURVEY_TITLE)
    expect(page.locator("#exchange-status")).to_have_text("已举办")
    facts = page.locator("#exchange-facts")
    expect(facts).to_contain_text("实地调研")
    expect(facts).to_contain_text("先行方赴结对方")
    expect(facts).to_contain_text("郑州市金水区")
    expect(facts).to_contain_text("2")  # participants, counted from the delegates
    expect(page.locator("#delegates tbody tr")).to_have_count(2)
    follow_ups = page.locator("#follow-ups tbody tr")
    expect(follow_ups).to_have_count(1)
    expect(follow_ups).to_contain_text(FOLLOW_UP_TITLE)
    expect(follow_ups).to_contain_text("结对方")
    expect(follow_ups).to_contain_text(due.isoformat())
    screenshot(page, "exchange-detail")
    return int(re.search(r"/exchanges/(\d+)/$", page.url).group(1))  # type: ignore[union-attr]


def follow_up_in_plan(page: Page, plan: Plan, task: Task, due: dt.date) -> None:
    """From the exchange page, through the link to the plan, to the task's row there."""
    page.locator("#follow-ups").get_by_role("link", name=plan.title).click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan.pk}/$"))
    expect(page.locator("#plan-status")).to_have_text("执行中")
    row = page.locator(f"#task-rows tr[data-task='{task.number}']")
    if row.count() == 0:  # beyond the table's first page: newest numbers last
        page.goto(f"/plans/{plan.pk}/?sort=-number")
    expect(row).to_contain_text(FOLLOW_UP_TITLE)
    expect(row).to_contain_text("结对方")
    expect(row).to_contain_text(due.isoformat())
    screenshot(page, "plan-follow-up")
    row.get_by_role("link", name=re.compile(FOLLOW_UP_TITLE)).click()
    expect(page.locator("body")).to_contain_text(f"交流活动：{SURVEY_TITLE}")


# ---------------------------------------------------------------- the test


def test_problem_answered_and_field_survey_with_follow_up(
    open_browser: Callable[[], Page],
    tianjin_henan: Pairing,
    tianjin: User,
    henan: User,
    henan_member: User,
    tianjin_expert: User,
    supervisor: User,
    page_errors: list[str],
) -> None:
    # Asked before, through the services: the one to suggest, and one about something else.
    earlier = services.create_problem(
        actor=henan,
        pairing_id=tianjin_henan.pk,
        title=EARLIER_TITLE,
        description=EARLIER_TEXT,
        topic="sorted_disposal",
    )
    unrelated = services.create_problem(
        actor=henan,
        pairing_id=tianjin_henan.pk,
        title=UNRELATED_TITLE,
        description="立项、环评和用地手续分别由哪个部门负责？",
        topic="treatment_capacity",
    )
    plan = working_plan_of(tianjin_henan.pk)
    assert plan is not None and plan.status == Plan.Status.IN_FORCE
    due = timezone.localdate() + dt.timedelta(days=90)

    # (a) The Ministry's numbers before.
    ministry = open_browser()
    log_in(ministry, supervisor)
    before = ministry_numbers(ministry)
    assert before["open"] >= 2
    screenshot(ministry, "ministry-stats-before")

    # (b) 河南's member asks and is shown the earlier problem while typing.
    asker = open_browser()
    log_in(asker, henan_member)
    problem_id = ask_with_suggestion(asker, tianjin_henan, earlier, unrelated)
    problem = Problem.objects.get(pk=problem_id)
    assert problem.asked_by == henan_member and problem.pairing == tianjin_henan
    assert problem.topic is not None and problem.topic.code == "sorted_disposal"
    assert problem.urgency == "urgent"
    assert (problem.response_due - problem.asked_at) == dt.timedelta(days=10)
    assert Notification.objects.filter(
        recipient=tianjin_expert, event=Event.PROBLEM_NEW, url=f"/consultations/{problem_id}/"
    ).exists()

    # (c) 天津's expert, at another computer, answers.
    expert = open_browser()
    log_in(expert, tianjin_expert)
    answer_as_expert(expert, problem_id)
    answer = Answer.objects.get(problem_id=problem_id)
    assert answer.author == tianjin_expert
    assert Notification.objects.filter(
        recipient=henan_member, event=Event.ANSWER_NEW, pairing=tianjin_henan
    ).exists()

    # (d) The asker accepts the answer and rates the help.
    accept_and_rate(asker, problem_id, answer.pk)
    problem.refresh_from_db()
    assert problem.status == Problem.Status.RESOLVED
    assert problem.rating == 4 and problem.rating_comment == RATING_COMMENT
    assert Notification.objects.filter(
        recipient=tianjin_expert, event=Event.ANSWER_ACCEPTED, url=f"/consultations/{problem_id}/"
    ).exists()

    # (e) The Ministry sees one more resolved problem (and the open ones as before).
    middle = ministry_numbers(ministry)
    assert middle["resolved"] == before["resolved"] + 1, (before, middle)
    assert middle["open"] == before["open"], (before, middle)
    assert middle["held"] == before["held"]
    ministry.goto("/consultations/?status=resolved")
    expect(ministry.locator("#problem-table")).to_contain_text(NEW_TITLE)
    ministry.goto("/consultations/")
    screenshot(ministry, "ministry-problems")

    # (f) 天津's coordinator records a field survey with a follow-up task.
    coordinator = open_browser()
    log_in(coordinator, tianjin)
    exchange_id = record_field_survey(coordinator, tianjin_henan, due)
    exchange = Exchange.objects.get(pk=exchange_id)
    assert exchange.kind == "field_research" and exchange.status == Exchange.Status.HELD
    assert exchange.participant_count == 2
    assert sorted(exchange.topics.values_list("code", flat=True)) == [
        "demonstration_areas",
        "sorted_disposal",
    ]
    link = FollowUp.objects.select_related("task").get(exchange=exchange)
    task = link.task
    assert task.plan_id == plan.pk and task.title == FOLLOW_UP_TITLE
    assert task.side == "partner" and task.due_date == due
    assert task.origin == f"交流活动：{SURVEY_TITLE}"
    follow_up_in_plan(coordinator, plan, task, due)
    assert Notification.objects.filter(
        recipient=henan, event=Event.EXCHANGE_NEW, url=f"/exchanges/{exchange_id}/"
    ).exists()

    # (g) The Ministry's exchange statistics count it.
    after = ministry_numbers(ministry)
    assert after["held"] == before["held"] + 1, (before, after)
    assert after["to_partner"] == before["to_partner"] + 1, (before, after)
    assert after["field_research"] == before["field_research"] + 1, (before, after)
    assert after["resolved"] == middle["resolved"]
    pair_row = ministry.locator("#by-pair tr").filter(has_text=str(tianjin_henan))
    expect(pair_row.first).to_be_visible()
    screenshot(ministry, "ministry-stats-after")
    ministry.goto("/exchanges/?kind=field_research&status=held&province=410000")
    expect(ministry.locator("#exchange-table")).to_contain_text(SURVEY_TITLE)
    screenshot(ministry, "ministry-exchange-list")

    assert page_errors == []
