"""A phase evaluation in a real browser: the issue's acceptance flow.

The Ministry's supervisor writes a rubric (two dimensions, 60/40), puts it in force and opens a
round for 天津–河南 and 上海–江西. 天津 and 河南 self-assess on their pages with evidence (a score
over the maximum is refused beside its cell first); each comments on the other (河南 in the
browser, 天津 through the service). The supervisor closes self-assessment, scores 天津–河南 in the
browser (上海–江西 through the service) and publishes; 河南 appeals once; the supervisor upholds it
in part and raises one score; the ranking shows the new score.

Playwright drives Debian's chromium (`make browser-deps`) against pytest-django's live server.
"""

import re
from functools import partial
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect

from twinning.accounts.models import User
from twinning.core.tests.browser import expect_message, log_in, save_screenshot
from twinning.evaluation import services
from twinning.evaluation.models import Appeal, Assessment, EvaluationRound
from twinning.pairings.models import Pairing, Side

pytestmark = pytest.mark.browser

screenshot = partial(save_screenshot, prefix="evaluation")


@pytest.fixture
def browser_context_options() -> dict[str, Any]:
    return {"locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


def write_rubric(page: Page) -> None:
    page.goto("/evaluations/")
    page.click("#rubrics-link")
    page.click("#new-rubric")
    page.fill("#id_name", "2021年阶段评估细则（试行）")
    rows = page.locator("#dimension-rows tbody tr")
    for index, (code, name, weight, points, evidence) in enumerate(
        [
            ("work", "协作工作", "60", "30", "工作方案、交流活动记录"),
            ("result", "工作成效", "40", "20", ""),
        ]
    ):
        row = rows.nth(index)
        row.locator("input[name=dim_code]").fill(code)
        row.locator("input[name=dim_name]").fill(name)
        row.locator("input[name=dim_weight]").fill(weight)
        row.locator("input[name=dim_max_points]").fill(points)
        row.locator("textarea[name=dim_evidence_required]").fill(evidence)
    page.click("#save-rubric")
    expect(page.locator("#rubric-status")).to_have_text("草稿")
    expect(page.locator("#weight-total")).to_have_text("100")
    page.click("#activate-rubric")
    expect(page.locator("#rubric-status")).to_have_text("启用")


def open_a_round(page: Page, pairs: list[Pairing]) -> None:
    page.goto("/evaluations/")
    page.click("#new-round")
    page.fill("#id_name", "2021年上半年阶段工作实效评估")
    page.select_option("#id_rubric", label="2021年阶段评估细则（试行）（v1）")
    page.fill("#id_period_start", "2021-02-07")
    page.fill("#id_period_end", "2021-06-30")
    page.fill("#id_self_due", "2021-07-15")
    page.eval_on_selector_all(
        "input[name=pairings]", "boxes => boxes.forEach(b => b.checked = false)"
    )
    for pairing in pairs:
        page.check(f"input[name=pairings][value='{pairing.pk}']")
    page.click("#save-round")
    expect(page.locator("#round-status")).to_have_text("草稿")
    page.click("#open-round")
    expect_message(page, "已开始自评")
    expect(page.locator("#progress-table tbody tr")).to_have_count(4)


def self_assess(page: Page, work: str, result: str) -> None:
    """From the round page to the side's own assessment; submit scores with evidence."""
    page.goto("/evaluations/")
    page.get_by_role("link", name="2021年上半年阶段工作实效评估").click()
    page.locator("#my-assessments a.my-assessment").first.click()
    page.fill("#id_score_work", work)
    page.fill("#id_evidence_work", "已签订工作方案，开展交流活动3次。")
    page.fill("#id_score_result", result)
    page.click("#submit-assessment")
    expect_message(page, "自评已提交")


def test_a_round_end_to_end(
    open_browser: Any, supervisor: User, tianjin: User, henan: User, page_errors: list[str],
    tianjin_henan: Pairing, pair: Any,
) -> None:  # fmt: skip
    shanghai_jiangxi = pair("310000", "360000")
    ministry = open_browser()
    log_in(ministry, supervisor)
    write_rubric(ministry)
    open_a_round(ministry, [tianjin_henan, shanghai_jiangxi])
    screenshot(ministry, "round-open")
    evaluation_round = EvaluationRound.objects.get(name="2021年上半年阶段工作实效评估")

    # 天津: a score over the maximum is refused beside the cell; then submitted with a file.
    tj = open_browser()
    log_in(tj, tianjin)
    tj.goto("/evaluations/")
    tj.get_by_role("link", name="2021年上半年阶段工作实效评估").click()
    tj.locator("#my-assessments a.my-assessment").first.click()
    tj.fill("#id_score_work", "31")
    tj.fill("#id_evidence_work", "已签订工作方案。")
    tj.fill("#id_score_result", "18")
    tj.click("#submit-assessment")
    expect(tj.locator("#id_score_work_errors")).to_contain_text("0 到 30")
    expect(tj.locator("#id_score_work")).to_have_value("31")
    payload: FilePayload = {"name": "交流记录.txt", "mimeType": "text/plain",
                            "buffer": "2021年5月赴郑州调研".encode()}  # fmt: skip
    tj.select_option("#id_dimension", "work")
    tj.set_input_files("#id_file", files=[payload])
    tj.click("#upload-evidence")
    expect_message(tj, "佐证材料已上传")
    expect(tj.locator("tr[data-dimension=work] .evidence-files")).to_contain_text("交流记录.txt")
    self_assess(tj, "27", "18")
    screenshot(tj, "self-assessment")

    # 河南 self-assesses and comments on 天津.
    hn = open_browser()
    log_in(hn, henan)
    self_assess(hn, "21", "12")
    tianjin_side = Assessment.objects.get(
        round=evaluation_round, pairing=tianjin_henan, side=Side.LEADING
    )
    henan_side = Assessment.objects.get(
        round=evaluation_round, pairing=tianjin_henan, side=Side.PARTNER
    )
    hn.goto(f"/evaluations/assessments/{tianjin_side.pk}/")
    expect(hn.locator("tr[data-dimension=work] .self-score")).to_have_text("27.0")
    hn.fill("#id_comment_work", "天津派专家三次来豫指导，属实。")
    hn.click("#submit-assessment")
    expect_message(hn, "互评意见已提交")
    services.comment_on_peer(actor=tianjin, assessment_id=henan_side.pk,
                             comments={"result": "许昌试点成效明显。"})  # fmt: skip

    # The Ministry: close self-assessment, score, publish.
    ministry.goto(f"/evaluations/rounds/{evaluation_round.pk}/")
    ministry.click("#close-self")
    expect(ministry.locator("#round-status")).to_have_text("评分中")
    for assessment, (work, result) in ((tianjin_side, ("27", "18")), (henan_side, ("18", "10"))):
        ministry.goto(f"/evaluations/assessments/{assessment.pk}/")
        ministry.fill("#id_score_work", work)
        ministry.fill("#id_score_result", result)
        ministry.click("#submit-assessment")
        expect_message(ministry, "评分已保存")
    for assessment in evaluation_round.assessments.filter(pairing=shanghai_jiangxi):
        services.score_assessment(
            actor=supervisor,
            assessment_id=assessment.pk,
            items={"work": {"score": 28}, "result": {"score": 19}},
        )
    # 河南 cannot see the Ministry's scores before publication.
    hn.goto(f"/evaluations/assessments/{henan_side.pk}/")
    expect(hn.locator("#scores-hidden")).to_be_visible()
    ministry.goto(f"/evaluations/rounds/{evaluation_round.pk}/")
    ministry.click("#publish-round")
    expect(ministry.locator("#round-status")).to_have_text("已发布")
    ministry.click("#rankings-link")
    pair_row = ministry.locator(f"#pair-ranking tr[data-pair='{tianjin_henan.pk}']")
    # 天津 27/30×60 + 18/20×40 = 90; 河南 18/30×60 + 10/20×40 = 56; the pair 73.
    expect(pair_row.locator(".score")).to_have_text("73.0")
    expect(pair_row.locator(".rank")).to_have_text("2")
    expect(pair_row.locator(".change")).to_have_text("新")

    # 河南 appeals once.
    hn.goto(f"/evaluations/assessments/{henan_side.pk}/")
    expect(hn.locator("#ministry-total")).to_contain_text("56.0")
    hn.fill("#id_reasons", "成效一项漏计了许昌市示范片区建设。")
    hn.click("#file-appeal")
    expect_message(hn, "申诉已提交")
    expect(hn.locator("#appeal-form")).to_have_count(0)  # once only
    screenshot(hn, "appeal")

    # The Ministry upholds it in part and raises one score; the ranking follows.
    ministry.goto(f"/evaluations/assessments/{henan_side.pk}/")
    ministry.select_option("#id_decision", "partly")
    ministry.fill("#id_note", "示范片区建设属实，成效分调整为16分。")
    ministry.fill("#id_score_result", "16")
    ministry.click("#decide-appeal")
    expect_message(ministry, "申诉决定已记录")
    expect(ministry.locator("#appeal-decision")).to_have_text("部分成立")
    expect(ministry.locator("#appeal-changes")).to_contain_text("10.0 → 16.0")
    hn.goto(f"/evaluations/rounds/{evaluation_round.pk}/rankings/")
    pair_row = hn.locator(f"#pair-ranking tr[data-pair='{tianjin_henan.pk}']")
    # 河南 now 36 + 32 = 68; the pair (90 + 68) / 2 = 79.
    expect(pair_row.locator(".score")).to_have_text("79.0")
    expect(hn.locator("#partner-ranking tr[data-region='410000'] .score")).to_have_text("68.0")
    screenshot(hn, "rankings")

    appeal = Appeal.objects.get()
    assert appeal.decision == "partly" and appeal.changes == {"result": ["10.0", "16.0"]}
    assert re.search(r"/rankings/$", hn.url)
    assert page_errors == []
