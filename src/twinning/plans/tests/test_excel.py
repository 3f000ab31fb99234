"""The division-of-labour table in Excel: export layout, round trip, all-or-nothing import."""

import datetime as dt
import io
import time
import zipfile
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from twinning.accounts.models import User
from twinning.core.errors import Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.pairings.models import Pairing
from twinning.plans import excel, services, tasks
from twinning.plans.models import Plan, Task, Topic

DAY = dt.date(2025, 3, 31)


@pytest.fixture
def plan(tianjin_henan: Pairing, tianjin: User) -> Plan:
    plan = services.create_plan(
        actor=None,
        pairing_id=tianjin_henan.pk,
        title="天津—河南生活垃圾分类结对协作工作方案",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2027, 12, 31),
    )
    services.add_phase(
        actor=tianjin,
        plan_id=plan.pk,
        values={
            "name": "试点阶段",
            "start_date": dt.date(2025, 1, 1),
            "end_date": dt.date(2025, 12, 31),
        },
    )
    for n in range(1, 6):
        tasks.add_task(
            actor=tianjin,
            plan_id=plan.pk,
            values={"title": f"任务{n}", "side": "joint", "due_date": dt.date(2025, n, 28)},
        )
    return plan


def export(plan: Plan) -> Workbook:
    return load_workbook(io.BytesIO(excel.tasks_workbook(plan)))


def upload(workbook: Workbook) -> io.BytesIO:
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)
    return stream


def letter(sheet: Any, header: str) -> str:
    """The column letter of a header (given as its Chinese msgid)."""
    for cell in sheet[1]:
        if cell.value == gettext(header):
            return str(cell.column_letter)
    raise AssertionError(f"no column {header}")


def row_of(sheet: Any, number: int) -> int:
    column = letter(sheet, "编号")
    for row in range(2, sheet.max_row + 1):
        if sheet[f"{column}{row}"].value == number:
            return row
    raise AssertionError(f"no row for task {number}")


def put(sheet: Any, number: int, header: str, value: Any) -> None:
    sheet[f"{letter(sheet, header)}{row_of(sheet, number)}"] = value


def db_state(plan: Plan) -> dict[str, Any]:
    """Every task value of the plan, their co-owners, and the size of the audit trail."""
    rows = Task.objects.filter(plan=plan).order_by("number")
    return {
        "tasks": list(rows.values()),
        "co_owners": list(
            Task.co_owners.through.objects.filter(task__plan=plan)
            .order_by("task_id", "user_id")
            .values_list("task_id", "user_id")
        ),
        "audit_entries": AuditEntry.objects.count(),
    }


def import_file(actor: User, plan: Plan, workbook: Workbook) -> excel.ImportResult:
    return excel.import_tasks(actor=actor, plan_id=plan.pk, stream=upload(workbook))


def refused(actor: User, plan: Plan, workbook: Workbook) -> excel.SpreadsheetInvalid:
    before = db_state(plan)
    with pytest.raises(excel.SpreadsheetInvalid) as caught:
        import_file(actor, plan, workbook)
    assert db_state(plan) == before, "a refused import must change nothing"
    assert caught.value.code == "import_invalid"
    assert len(caught.value.fields["file"]) == len(caught.value.cells)
    return caught.value


def where(error: excel.SpreadsheetInvalid) -> list[tuple[int, str, str]]:
    return [(c.row, c.column, c.header) for c in error.cells]


# ---------------------------------------------------------------- export


@pytest.mark.django_db
def test_export_layout(plan: Plan, tianjin: User) -> None:
    tasks.add_task(
        actor=tianjin, plan_id=plan.pk, values={"title": "子任务", "parent": 1, "side": "leading"}
    )
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == [gettext(c.header) for c in excel.COLUMNS]
    assert sheet[1][0].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:S7"
    # Sub-task 6 comes right after its parent 1, with the parent's number.
    numbers = [sheet[f"A{r}"].value for r in range(2, 8)]
    assert numbers == [1, 6, 2, 3, 4, 5]
    assert sheet[f"{letter(sheet, '上级编号')}3"].value == 1
    due = sheet[f"{letter(sheet, '完成时限')}2"]
    assert due.is_date and due.value.date() == dt.date(2025, 1, 28)
    assert due.number_format == "yyyy-mm-dd"
    assert sheet[f"{letter(sheet, '状态')}2"].value == "未开始"
    assert sheet[f"{letter(sheet, '责任方')}2"].value == "双方共同"
    assert sheet[f"{letter(sheet, '完成须上传佐证')}2"].value == "否"
    assert sheet[f"{letter(sheet, '逾期')}2"].value == "是"  # due 2025-01-28, not closed
    lists = {
        str(v.sqref).split(":")[0][0]: v.formula1 for v in sheet.data_validations.dataValidation
    }
    assert lists[letter(sheet, "责任方")] == '"先行方,结对方,双方共同"'
    assert "进行中" in lists[letter(sheet, "状态")]
    assert workbook.sheetnames == ["任务分解表", "说明"]
    assert any("编号" in str(c.value) for c in workbook["说明"]["B"])


@pytest.mark.django_db
def test_export_keeps_text_that_looks_like_a_formula(plan: Plan, tianjin: User) -> None:
    Task.objects.filter(plan=plan, number=1).update(title="=HYPERLINK(1)", notes="a\x01b")
    sheet = export(plan).worksheets[0]
    cell = sheet[f"{letter(sheet, '任务')}2"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"
    assert sheet[f"{letter(sheet, '备注')}2"].value == "ab"


@pytest.mark.django_db
def test_english_export_has_english_headers_and_imports_back(plan: Plan, tianjin: User) -> None:
    with translation.override("en"):
        workbook = export(plan)
        expected = [gettext(c.header) for c in excel.COLUMNS]
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == expected
    assert sheet["A1"].value == "ID" and sheet["L1"].value == "Status"
    sheet["L3"] = "in_progress"  # the raw value is accepted as well as either label
    result = import_file(tianjin, plan, workbook)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    assert Task.objects.get(plan=plan, number=2).status == "in_progress"


# ---------------------------------------------------------------- round trip


@pytest.mark.django_db
def test_unchanged_file_changes_nothing(plan: Plan, tianjin: User) -> None:
    before = db_state(plan)
    result = import_file(tianjin, plan, export(plan))
    assert result == excel.ImportResult(created=0, updated=0, unchanged=5)
    assert db_state(plan) == before


@pytest.mark.django_db
def test_round_trip_applies_changed_cells(plan: Plan, tianjin: User) -> None:
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    put(sheet, 2, "完成时限", dt.datetime(2025, 9, 30))  # noqa: DTZ001 (Excel has no zones)
    put(sheet, 4, "状态", "进行中")
    entries = AuditEntry.objects.count()
    result = import_file(tianjin, plan, workbook)
    assert result == excel.ImportResult(created=0, updated=2, unchanged=3)
    changed = {t.number: t for t in Task.objects.filter(plan=plan)}
    assert changed[2].due_date == dt.date(2025, 9, 30)
    assert changed[4].status == "in_progress" and changed[4].progress == 50
    assert changed[1].due_date == dt.date(2025, 1, 28) and changed[1].status == "not_started"
    # One entry per changed row plus one for the import.
    assert AuditEntry.objects.count() == entries + 3
    entry = AuditEntry.objects.filter(action="import").latest("pk")
    assert entry.target_id == str(plan.pk) and entry.changes == {
        "created": [0, 0],
        "updated": [0, 2],
    }


@pytest.mark.django_db
def test_new_row_gets_the_next_number(plan: Plan, tianjin: User, henan_member: User) -> None:
    Topic.objects.create(code="facilities", name="设施建设")
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    row = sheet.max_row + 1
    cells = {
        "任务": "建设示范小区",
        "协作内容": "facilities",  # by code; the name works too
        "阶段": "试点阶段",
        "责任方": "结对方",
        "负责人": "henan_member",
        "协同人": "tianjin、henan_member",
        "开始日期": "2025/4/1",
        "完成时限": "2025年6月30日",
        "权重": 3,
        "完成须上传佐证": "是",
        "进度（%）": 99,  # read-only: ignored
    }
    for header, value in cells.items():
        sheet[f"{letter(sheet, header)}{row}"] = value
    result = import_file(tianjin, plan, workbook)
    assert result == excel.ImportResult(created=1, updated=0, unchanged=5)
    task = Task.objects.get(plan=plan, number=6)
    assert task.title == "建设示范小区" and task.topic is not None
    assert task.topic.code == "facilities" and task.phase is not None
    assert task.phase.name == "试点阶段" and task.side == "partner"
    assert task.owner == henan_member
    assert set(task.co_owners.all()) == {tianjin, henan_member}
    assert (task.start_date, task.due_date) == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert task.weight == 3 and task.evidence_required and task.progress == 0


@pytest.mark.django_db
def test_people_by_full_name_and_blank_cells_clear(
    plan: Plan, tianjin: User, henan_member: User
) -> None:
    User.objects.filter(pk=henan_member.pk).update(full_name="王芳")
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    put(sheet, 1, "负责人", "王芳")
    put(sheet, 1, "完成时限", None)
    import_file(tianjin, plan, workbook)
    first = Task.objects.get(plan=plan, number=1)
    assert first.owner == henan_member and first.due_date is None
    exported = export(plan).worksheets[0]
    assert exported[f"{letter(exported, '负责人')}2"].value == "王芳"


@pytest.mark.django_db
def test_columns_may_be_reordered_and_dropped(plan: Plan, tianjin: User) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["备注", "状态", "任务", "编号"])
    sheet.append(["已对接", "进行中", "任务3", 3])
    sheet.append([None, None, None, None])  # blank rows are skipped
    sheet.append(["新增", None, "新任务", None])
    result = import_file(tianjin, plan, workbook)
    assert result == excel.ImportResult(created=1, updated=1, unchanged=0)
    third = Task.objects.get(plan=plan, number=3)
    assert (third.notes, third.status, third.due_date) == (
        "已对接",
        "in_progress",
        dt.date(2025, 3, 28),
    )
    assert Task.objects.get(plan=plan, number=6).notes == "新增"


@pytest.mark.django_db
def test_parent_number_makes_a_subtask_and_rolls_up(plan: Plan, tianjin: User) -> None:
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    put(sheet, 2, "上级编号", 1)
    put(sheet, 2, "状态", "已完成")
    import_file(tianjin, plan, workbook)
    child = Task.objects.get(plan=plan, number=2)
    assert child.parent is not None and child.parent.number == 1
    assert child.status == "done" and child.completed_on is not None
    assert Task.objects.get(plan=plan, number=1).progress == 100


# ---------------------------------------------------------------- refusals


@pytest.mark.django_db
def test_bad_date_in_row_3_changes_nothing(plan: Plan, tianjin: User) -> None:
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    put(sheet, 1, "状态", "进行中")  # a good change in another row is not kept either
    due = letter(sheet, "完成时限")
    sheet[f"{due}3"] = "下个月底"
    error = refused(tianjin, plan, workbook)
    assert where(error) == [(3, due, "完成时限")]
    assert error.cells[0].sheet == "任务分解表"
    assert "日期格式不正确" in error.cells[0].message
    assert error.fields["file"][0].startswith(f"第 3 行 {due} 列（完成时限）：日期格式不正确")
    assert error.message == "导入失败：发现 1 处错误，未做任何修改。"
    assert isinstance(error, Invalid) and error.status == 422


@pytest.mark.django_db
def test_every_bad_cell_is_reported(plan: Plan, tianjin: User) -> None:
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    put(sheet, 1, "开始日期", "2025-02-30")
    put(sheet, 2, "权重", 0)
    put(sheet, 3, "完成须上传佐证", "也许")
    put(sheet, 4, "责任方", "第三方")
    put(sheet, 5, "开始日期", dt.date(2025, 12, 1))  # after its due date: the service refuses
    error = refused(tianjin, plan, workbook)
    assert where(error) == [
        (2, letter(sheet, "开始日期"), "开始日期"),
        (3, letter(sheet, "权重"), "权重"),
        (4, letter(sheet, "完成须上传佐证"), "完成须上传佐证"),
        (5, letter(sheet, "责任方"), "责任方"),
        (6, letter(sheet, "完成时限"), "完成时限"),
    ]
    assert "不存在" in error.cells[0].message
    assert "先行方、结对方、双方共同" in error.cells[3].message
    assert error.cells[4].message == "完成时限不能早于开始日期。"
    assert error.message == "导入失败：发现 5 处错误，未做任何修改。"


@pytest.mark.django_db
def test_unknown_number(plan: Plan, tianjin: User) -> None:
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    sheet["A4"] = 99
    error = refused(tianjin, plan, workbook)
    assert where(error) == [(4, "A", "编号")]
    assert error.cells[0].message == "该方案中没有编号为 99 的任务。"


@pytest.mark.django_db
def test_duplicate_number(plan: Plan, tianjin: User) -> None:
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    sheet["A5"] = 2
    error = refused(tianjin, plan, workbook)
    assert where(error) == [(5, "A", "编号")]
    assert error.cells[0].message == "编号 2 与第 3 行重复。"


@pytest.mark.django_db
def test_unknown_phase_and_person(plan: Plan, tianjin: User, jiangxi: User) -> None:
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    put(sheet, 2, "阶段", "推广阶段")
    put(sheet, 2, "负责人", "jiangxi")  # not a user of either side
    error = refused(tianjin, plan, workbook)
    assert where(error) == [
        (3, letter(sheet, "阶段"), "阶段"),
        (3, letter(sheet, "负责人"), "负责人"),
    ]
    assert error.cells[0].message == "该方案中没有名为“推广阶段”的阶段。"
    assert error.cells[1].message == "“jiangxi”不是该结对双方的用户。"


@pytest.mark.django_db
def test_wrong_status_text(plan: Plan, tianjin: User) -> None:
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    put(sheet, 3, "状态", "快完成了")
    error = refused(tianjin, plan, workbook)
    assert where(error) == [(4, letter(sheet, "状态"), "状态")]
    assert "未开始、进行中、已完成、受阻、已取消" in error.cells[0].message


@pytest.mark.django_db
def test_done_without_required_evidence_is_reported_on_the_status_cell(
    plan: Plan, tianjin: User
) -> None:
    Task.objects.filter(plan=plan, number=2).update(evidence_required=True)
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    put(sheet, 2, "状态", "已完成")
    error = refused(tianjin, plan, workbook)
    assert where(error) == [(3, letter(sheet, "状态"), "状态")]
    assert "佐证材料" in error.cells[0].message


@pytest.mark.django_db
def test_new_row_without_a_title(plan: Plan, tianjin: User) -> None:
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    sheet[f"{letter(sheet, '备注')}7"] = "忘了写任务"
    error = refused(tianjin, plan, workbook)
    assert where(error) == [(7, letter(sheet, "任务"), "任务")]


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n",
        "编号,任务\n1,任务1\n".encode(),
        # An old .xls (OLE compound file) renamed to .xlsx.
        bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 600,
    ],
    ids=["pdf", "text", "xls"],
)
@pytest.mark.django_db
def test_only_xlsx_files_are_read(plan: Plan, tianjin: User, content: bytes) -> None:
    before = db_state(plan)
    with pytest.raises(Invalid) as caught:
        excel.import_tasks(actor=tianjin, plan_id=plan.pk, stream=io.BytesIO(content))
    assert not isinstance(caught.value, excel.SpreadsheetInvalid)
    assert caught.value.code == "unsupported_file_type"
    assert "file" in caught.value.fields
    assert db_state(plan) == before


@pytest.mark.django_db
def test_sheet_without_the_task_column(plan: Plan, tianjin: User) -> None:
    workbook = export(plan)
    workbook.worksheets[0].delete_cols(3)  # 任务
    error = refused(tianjin, plan, workbook)
    assert [c.row for c in error.cells] == [1]
    assert "缺少“任务”列" in error.cells[0].message


@pytest.mark.django_db
def test_damaged_xlsx_is_refused(plan: Plan, tianjin: User) -> None:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not xml at all")
    stream.seek(0)
    with pytest.raises(Invalid) as caught:
        excel.import_tasks(actor=tianjin, plan_id=plan.pk, stream=stream)
    assert caught.value.code == "unreadable_file" and "file" in caught.value.fields


@pytest.mark.django_db
def test_header_only_sheet(plan: Plan, tianjin: User) -> None:
    workbook = Workbook()
    workbook.active.append(["编号", "任务"])
    error = refused(tianjin, plan, workbook)
    assert [(c.row, c.message) for c in error.cells] == [(2, "表中没有任务行。")]


@pytest.mark.django_db
def test_empty_sheet(plan: Plan, tianjin: User) -> None:
    error = refused(tianjin, plan, Workbook())
    assert [(c.row, c.message) for c in error.cells] == [(1, "工作表是空的。")]


# ---------------------------------------------------------------- state and permission


@pytest.mark.django_db
def test_frozen_plan_takes_tracking_but_not_definition_changes(plan: Plan, tianjin: User) -> None:
    Plan.objects.filter(pk=plan.pk).update(status="in_force")
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    put(sheet, 1, "状态", "进行中")
    put(sheet, 1, "备注", "已启动")
    result = import_file(tianjin, plan, workbook)
    assert result == excel.ImportResult(created=0, updated=1, unchanged=4)
    first = Task.objects.get(plan=plan, number=1)
    assert (first.status, first.notes) == ("in_progress", "已启动")

    workbook = export(plan)
    sheet = workbook.worksheets[0]
    put(sheet, 2, "状态", "进行中")
    put(sheet, 2, "完成时限", dt.date(2026, 1, 31))
    error = refused(tianjin, plan, workbook)
    assert where(error) == [(3, letter(sheet, "完成时限"), "完成时限")]
    assert "内容已冻结" in error.cells[0].message
    assert Task.objects.get(plan=plan, number=2).status == "not_started"


@pytest.mark.django_db
def test_frozen_plan_refuses_new_rows(plan: Plan, tianjin: User) -> None:
    Plan.objects.filter(pk=plan.pk).update(status="submitted")
    workbook = export(plan)
    sheet = workbook.worksheets[0]
    sheet[f"{letter(sheet, '任务')}7"] = "迟来的任务"
    error = refused(tianjin, plan, workbook)
    assert where(error) == [(7, letter(sheet, "任务"), "任务")]
    assert "内容已冻结" in error.cells[0].message


@pytest.mark.django_db
def test_outsider_gets_not_found(plan: Plan, jiangxi: User) -> None:
    with pytest.raises(NotFound):
        excel.import_tasks(actor=jiangxi, plan_id=plan.pk, stream=upload(export(plan)))


@pytest.mark.django_db
def test_read_only_persona_may_not_import(plan: Plan, henan_expert: User) -> None:
    before = db_state(plan)
    with pytest.raises(Forbidden):
        excel.import_tasks(actor=henan_expert, plan_id=plan.pk, stream=upload(export(plan)))
    assert db_state(plan) == before


# ---------------------------------------------------------------- speed


@pytest.mark.django_db
def test_500_tasks_export_and_import_quickly(plan: Plan, tianjin: User) -> None:
    Task.objects.bulk_create(
        Task(plan=plan, number=n, position=n, title=f"批量任务{n}", due_date=DAY)
        for n in range(6, 501)
    )
    started = time.perf_counter()
    workbook = export(plan)
    exported = time.perf_counter() - started
    assert exported < 1.0, exported
    sheet = workbook.worksheets[0]
    status, notes = letter(sheet, "状态"), letter(sheet, "备注")
    for row in range(2, 502):
        sheet[f"{status}{row}"] = "进行中"
        sheet[f"{notes}{row}"] = f"第 {row} 行"
    stream = upload(workbook)
    started = time.perf_counter()
    result = excel.import_tasks(actor=tianjin, plan_id=plan.pk, stream=stream)
    imported = time.perf_counter() - started
    assert result.updated == 500
    assert imported < 2.0, imported
    assert Task.objects.filter(plan=plan, status="in_progress").count() == 500
