"""A work plan walked through in a real browser, from the first draft to the Excel round trip.

河南's coordinator (the partner side) drafts a plan from the 八个一 template, adds a goal and an
evidence-required task, submits it and signs for 河南; 天津's coordinator signs at another
computer; the Ministry files it; a coordinator puts it in force. 河南's member then reports the
task done (refused until evidence is uploaded) and watches the progress move, exports the table,
changes it in Excel and imports it back; a file with a bad date changes nothing.

Playwright drives Debian's chromium (`make browser-deps`) against pytest-django's live server.
Screenshots go to bench/results/screens/ (git-ignored) for a person to look at.
"""

import datetime as dt
import io
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from twinning.accounts.models import User
from twinning.core.tests.browser import expect_message, log_in, save_screenshot
from twinning.pairings.models import Pairing
from twinning.plans.models import Evidence, Plan, Task

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

TASK_TITLE = "河南省建设分类投放示范小区并报送验收材料"
GOAL_TEXT = "到期末，河南省城市生活垃圾回收利用率达到35%以上"


# ---------------------------------------------------------------- browser fixtures


screenshot = partial(save_screenshot, prefix="plans")


# ---------------------------------------------------------------- steps of the flow


def plan_url(plan_id: int) -> str:
    return f"/plans/{plan_id}/"


def create_plan_from_template(page: Page, pairing: Pairing) -> int:
    """河南's coordinator drafts a plan from 八个一, with a goal and an evidence-required task."""
    page.goto(f"/plans/new/?pairing={pairing.pk}")
    expect(page.locator("h1")).to_contain_text("新建工作方案")
    page.get_by_label("八个一", exact=True).check()
    screenshot(page, "new")
    page.click("#create-plan")
    expect(page).to_have_url(re.compile(r"/plans/\d+/$"))
    expect_message(page, "方案已创建（草稿）")
    expect(page.locator("#plan-status")).to_have_text("草稿")
    plan_id = int(re.search(r"/plans/(\d+)/$", page.url).group(1))  # type: ignore[union-attr]
    # The template's eight tasks and its goal came along.
    expect(page.locator("#task-rows tbody tr")).to_have_count(8)
    expect(page.locator("#goals li")).to_have_count(1)

    page.click("#add-goal")
    expect(page.locator("h1")).to_have_text("添加目标")
    page.fill("#id_text", GOAL_TEXT)
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}/$"))
    expect(page.locator("#goals")).to_contain_text(GOAL_TEXT)

    page.click("#add-task")
    expect(page.locator("h1")).to_have_text("添加任务")
    page.fill("#id_title", TASK_TITLE)
    page.select_option("#id_side", label="结对方")
    page.check("#id_evidence_required")
    due = timezone.localdate() + dt.timedelta(days=120)
    page.fill("#id_due_date", due.isoformat())
    page.fill("#id_deliverable", "验收材料")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}/$"))
    expect_message(page, "任务已添加")
    row = page.locator("#task-rows tr[data-task='9']")
    expect(row).to_contain_text(TASK_TITLE)
    expect(row).to_contain_text("须佐证")
    expect(row).to_contain_text("结对方")
    expect(row).to_contain_text(due.isoformat())
    return plan_id


def submit_and_sign_as_partner(page: Page) -> None:
    page.click("#submit-plan")
    expect_message(page, "已提交，等待双方协调员确认")
    expect(page.locator("#plan-status")).to_have_text("待双方确认")
    # Submitting is not signing: 河南 signs for its own side explicitly.
    expect(page.locator("#sign-partner")).not_to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("#submit-plan")).to_have_count(0)
    page.click("#sign-plan")
    expect_message(page, "已确认")
    expect(page.locator("#sign-partner")).to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("#sign-leading")).not_to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("#plan-status")).to_have_text("待双方确认")
    expect(page.locator("#sign-plan")).to_have_count(0)  # nothing left for 河南 to sign


def progress_texts(page: Page) -> tuple[str, str]:
    """The plan's overall progress and the 未分阶段 row (八个一 has no phases)."""
    overall = page.locator("#plan-progress").inner_text().strip()
    unphased = page.locator("#phases tr").filter(has_text="未分阶段").inner_text()
    return overall, " ".join(unphased.split())


def complete_with_evidence(page: Page, plan_id: int) -> None:
    """河南's member: refused without evidence, uploads a PDF, then closes the task."""
    page.goto(plan_url(plan_id))
    before = progress_texts(page)
    assert before[0] == "0%"
    page.locator("#task-rows tr[data-task='9']").get_by_role("link", name=TASK_TITLE).click()
    expect(page.locator("#task-title")).to_have_text(f"9. {TASK_TITLE}")
    expect(page.locator("#task-status")).to_have_text("未开始")
    # The plan is in force: what the task is stays frozen, its progress does not.
    expect(page.locator("#id_title")).to_be_disabled()
    expect(page.locator("#id_status")).to_be_enabled()

    page.select_option("#id_status", label="已完成")
    page.click("#save-task")
    status_field = page.locator(".field.has-error").filter(has=page.locator("#id_status"))
    expect(status_field.locator(".field-errors")).to_contain_text("佐证")
    expect(page.locator("#task-status")).to_have_text("未开始")
    screenshot(page, "task-refused")

    page.set_input_files(
        "#id_file", files=[{"name": "验收材料.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.fill("#id_description", "示范小区验收材料")
    page.click("#upload-evidence")
    expect_message(page, "佐证材料已上传")
    expect(page.locator("#evidence")).to_contain_text("验收材料.pdf")

    page.select_option("#id_status", label="已完成")
    page.click("#save-task")
    expect_message(page, "已保存")
    expect(page.locator("#task-status")).to_have_text("已完成")
    expect(page.locator("#task-progress")).to_have_text("100%")

    page.get_by_role("link", name=re.compile(r"^←")).first.click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}/(#tasks)?$"))
    after = progress_texts(page)
    # Nine tasks of weight 1, one of them done: round(100 / 9) = 11%.
    assert after[0] == "11%", after
    assert after != before
    assert "1/9" in after[1], after
    expect(page.locator("#task-rows tr[data-task='9']")).to_contain_text("已完成")


def export_table(page: Page) -> bytes:
    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    path = download.path()
    assert path is not None
    return Path(path).read_bytes()


def edit_workbook(data: bytes, changes: dict[tuple[int, str], Any]) -> bytes:
    """Set cells by (task number, header text) in the exported table; the workbook as bytes."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    columns = {str(cell.value): cell.column for cell in sheet[1] if cell.value}
    rows = {sheet.cell(row=r, column=columns["编号"]).value: r for r in range(2, sheet.max_row + 1)}
    for (number, header), value in changes.items():
        sheet.cell(row=rows[number], column=columns[header], value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def column_letter(data: bytes, header: str) -> str:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cell = next(c for c in sheet[1] if c.value == header)
    return str(cell.column_letter)


def task_row(data: bytes, number: int) -> int:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return next(
        r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == number
    )


def import_file(page: Page, plan_id: int, data: bytes, name: str) -> None:
    page.goto(plan_url(plan_id))
    page.click("#import-xlsx")
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}/import/$"))
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.click("#import-button")


def task_values(plan_id: int) -> list[dict[str, Any]]:
    return list(
        Task.objects.filter(plan_id=plan_id)
        .order_by("number")
        .values("number", "status", "notes", "completed_on", "due_date", "lock_version")
    )


# ---------------------------------------------------------------- the tests


def test_plan_from_draft_to_excel_round_trip(
    open_browser: Callable[[], Page],
    tianjin_henan: Pairing,
    tianjin: User,
    henan: User,
    henan_member: User,
    supervisor: User,
    page_errors: list[str],
) -> None:
    # (a) 河南's coordinator, the partner side, drafts, submits and signs for 河南.
    henan_page = open_browser()
    log_in(henan_page, henan)
    plan_id = create_plan_from_template(henan_page, tianjin_henan)
    submit_and_sign_as_partner(henan_page)
    plan = Plan.objects.get(pk=plan_id)
    assert plan.status == Plan.Status.SUBMITTED
    assert plan.partner_signed_by == henan and plan.leading_signed_at is None

    # (b) 天津's coordinator, at another computer, signs for the leading side.
    tianjin_page = open_browser()
    log_in(tianjin_page, tianjin)
    tianjin_page.goto(plan_url(plan_id))
    expect(tianjin_page.locator("#plan-status")).to_have_text("待双方确认")
    tianjin_page.click("#sign-plan")
    expect(tianjin_page.locator("#plan-status")).to_have_text("双方已确认，待备案")
    expect(tianjin_page.locator("#sign-leading")).to_have_class(re.compile(r"\bdone\b"))
    expect(tianjin_page.locator("#file-plan")).to_have_count(0)  # filing is the Ministry's

    # (c) The Ministry files it; a coordinator puts it in force.
    ministry_page = open_browser()
    log_in(ministry_page, supervisor)
    ministry_page.goto(plan_url(plan_id))
    expect(ministry_page.locator("#sign-plan")).to_have_count(0)
    ministry_page.click("#file-plan")
    expect_message(ministry_page, "已备案")
    expect(ministry_page.locator("#plan-status")).to_have_text("已备案")
    expect(ministry_page.locator("#in-force")).to_have_count(0)
    tianjin_page.reload()
    tianjin_page.click("#in-force")
    expect_message(tianjin_page, "方案已生效")
    expect(tianjin_page.locator("#plan-status")).to_have_text("执行中")
    expect(tianjin_page.locator("#submit-plan")).to_have_count(0)
    expect(tianjin_page.locator("#add-task")).to_have_count(0)  # frozen
    screenshot(tianjin_page, "in-force")

    # (d) 河南's member closes the evidence-required task and sees the progress move.
    member_page = open_browser()
    log_in(member_page, henan_member)
    complete_with_evidence(member_page, plan_id)
    task = Task.objects.get(plan_id=plan_id, number=9)
    assert task.status == Task.Status.DONE and task.completed_on == timezone.localdate()
    assert Evidence.objects.filter(task=task, archived_at__isnull=True).count() == 1

    # (e) Export, change a status and a note offline, import, see the changes.
    exported = export_table(member_page)
    edited = edit_workbook(
        exported,
        {(1, "状态"): "进行中", (7, "备注"): "已与河南省住房和城乡建设厅对接，11月启动"},
    )
    import_file(member_page, plan_id, edited, "任务分解表.xlsx")
    expect(member_page).to_have_url(re.compile(rf"/plans/{plan_id}/$"))
    expect_message(member_page, "导入完成：新增 0 项，更新 2 项。")
    expect(member_page.locator("#task-rows tr[data-task='1']")).to_contain_text("进行中")
    expect(member_page.locator("#task-rows tr[data-task='1']")).to_contain_text("50%")
    expect(member_page.locator("#task-rows tr[data-task='7']")).to_contain_text("未开始")
    member_page.locator("#task-rows tr[data-task='7'] td a").first.click()
    expect(member_page.locator("#id_notes")).to_have_value(
        "已与河南省住房和城乡建设厅对接，11月启动"
    )
    member_page.goto(plan_url(plan_id))
    expect(member_page.locator("#plan-progress")).to_have_text("17%")  # (100 + 50) / 9

    # (f) A bad date in 完成日期 (beside a valid status change): listed, and nothing changed.
    fresh = export_table(member_page)
    before = task_values(plan_id)
    bad = edit_workbook(fresh, {(2, "状态"): "进行中", (5, "完成日期"): "2025-02-30"})
    import_file(member_page, plan_id, bad, "有错误的任务表.xlsx")
    expect(member_page).to_have_url(re.compile(rf"/plans/{plan_id}/import/$"))
    expect(member_page.locator(".form-errors")).to_contain_text("导入失败：发现 1 处错误")
    errors = member_page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    cells = errors.first.locator("td").all_inner_texts()
    letter = column_letter(fresh, "完成日期")
    assert cells[1] == str(task_row(fresh, 5)), cells
    assert cells[2] == f"{letter}（完成日期）", cells
    assert "2025-02-30" in cells[3], cells
    screenshot(member_page, "import-errors")
    assert task_values(plan_id) == before
    member_page.goto(plan_url(plan_id))
    expect(member_page.locator("#task-rows tr[data-task='2']")).to_contain_text("未开始")
    screenshot(member_page, "member-plan")

    assert page_errors == []


def test_outsider_gets_404_for_a_plan_of_others(
    page: Page, jiangxi: User, tianjin_henan: Pairing, henan: User
) -> None:
    from twinning.plans import services

    plan = services.create_plan(
        actor=henan,
        pairing_id=tianjin_henan.pk,
        title="天津—河南交流协作工作方案（外人不可见）",
        period_start=timezone.localdate(),
        period_end=timezone.localdate() + dt.timedelta(days=365),
    )
    log_in(page, jiangxi)
    response = page.goto(plan_url(plan.pk))
    assert response is not None
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    expect(page.locator("body")).not_to_contain_text("外人不可见")
    expect(page.locator("body")).not_to_contain_text("河南省")
