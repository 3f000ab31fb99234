"""`twinning export-plan` and `twinning import-plan-tasks`: the same services as web and API."""

import io

import docx
import openpyxl
import pytest
from django.core.management import CommandError, call_command

from twinning.plans import excel
from twinning.plans.models import Task

pytestmark = pytest.mark.django_db


def test_export_plan_writes_a_word_document(tmp_path, draft_plan, tianjin):
    target = tmp_path / "plan.docx"
    out = io.StringIO()
    call_command(
        "export_plan", draft_plan.pk, "--as", tianjin.username, "-o", str(target), stdout=out
    )

    document = docx.Document(str(target))
    assert draft_plan.title in "\n".join(p.text for p in document.paragraphs)
    assert len(document.tables[0].rows) == 1 + draft_plan.tasks.count()
    assert str(target) in out.getvalue()


def test_export_plan_writes_the_table_as_excel(tmp_path, draft_plan, tianjin):
    target = tmp_path / "table.xlsx"
    call_command(
        "export_plan",
        draft_plan.pk,
        "--as",
        tianjin.username,
        "--format",
        "xlsx",
        "-o",
        str(target),
    )

    sheet = openpyxl.load_workbook(target).worksheets[0]
    titles = {row[2].value for row in sheet.iter_rows(min_row=2)}
    assert titles == set(draft_plan.tasks.values_list("title", flat=True))


def test_an_outsider_cannot_export(tmp_path, draft_plan, jiangxi):
    with pytest.raises(CommandError, match="不存在"):
        call_command(
            "export_plan", draft_plan.pk, "--as", jiangxi.username, "-o", str(tmp_path / "x")
        )
    assert not (tmp_path / "x").exists()


def test_an_unknown_user_is_refused(draft_plan):
    with pytest.raises(CommandError, match="No active user"):
        call_command("export_plan", draft_plan.pk, "--as", "nobody")


def test_import_plan_tasks_changes_the_rows(tmp_path, draft_plan, tianjin):
    path = tmp_path / "edited.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(excel.tasks_workbook(draft_plan)))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=headers.index("备注") + 1, value="命令行导入的备注")
    workbook.save(path)
    out = io.StringIO()

    call_command(
        "import_plan_tasks", draft_plan.pk, str(path), "--as", tianjin.username, stdout=out
    )

    assert "updated 1" in out.getvalue()
    assert Task.objects.get(plan=draft_plan, number=1).notes == "命令行导入的备注"


def test_a_bad_cell_names_row_and_column_and_changes_nothing(tmp_path, draft_plan, tianjin):
    workbook = openpyxl.load_workbook(io.BytesIO(excel.tasks_workbook(draft_plan)))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("完成时限") + 1
    sheet.cell(row=3, column=column, value="2025-02-30")
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    before = list(Task.objects.filter(plan=draft_plan).order_by("pk").values())

    with pytest.raises(CommandError) as error:
        call_command("import_plan_tasks", draft_plan.pk, str(path), "--as", tianjin.username)

    letter = openpyxl.utils.get_column_letter(column)
    assert f"第 3 行 {letter} 列" in str(error.value)
    assert list(Task.objects.filter(plan=draft_plan).order_by("pk").values()) == before


def test_a_missing_file_is_refused(tmp_path, draft_plan, tianjin):
    with pytest.raises(CommandError, match="No such file"):
        call_command(
            "import_plan_tasks",
            draft_plan.pk,
            str(tmp_path / "none.xlsx"),
            "--as",
            tianjin.username,
        )
