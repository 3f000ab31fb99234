"""`twinning export-indicator-template` and `twinning import-indicator-values`: the same
functions as the web pages and the API, with counts printed and every bad cell on failure."""

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from openpyxl import load_workbook

from twinning.accounts.models import User
from twinning.config.cli import main as twinning
from twinning.indicators.models import Indicator, Value
from twinning.indicators.tests.test_excel import HENAN, TIANJIN, db_state, put, row_of

pytestmark = pytest.mark.django_db


def export(tmp_path: Path, user: User, *regions: str) -> Path:
    target = tmp_path / "template.xlsx"
    arguments = [a for region in regions for a in ("--region", region)]
    call_command(
        "export_indicator_template",
        *arguments,
        "--from",
        "2025-01",
        "--to",
        "2025-03",
        "--as",
        user.username,
        "-o",
        str(target),
        stdout=io.StringIO(),
    )
    return target


def test_export_writes_the_template_for_several_regions(
    tmp_path: Path, catalogue: dict[str, Indicator], supervisor: User
) -> None:
    out = io.StringIO()
    call_command(
        "export_indicator_template",
        "--region",
        HENAN,
        "--region",
        TIANJIN,
        "--from",
        "2025-01",
        "--to",
        "2025-12",
        "--as",
        supervisor.username,
        "-o",
        str(tmp_path / "t.xlsx"),
        stdout=out,
    )

    sheet = load_workbook(tmp_path / "t.xlsx")["填报"]
    assert [c.value for c in sheet[1]][6:] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert {sheet[f"A{r}"].value for r in range(2, sheet.max_row + 1)} == {HENAN, TIANJIN}
    assert str(tmp_path / "t.xlsx") in out.getvalue()


def test_export_names_the_file_after_the_template_by_default(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    catalogue: dict[str, Indicator],
    henan: User,
) -> None:
    monkeypatch.chdir(tmp_path)
    call_command(
        "export_indicator_template",
        "--region",
        HENAN,
        "--from",
        "2025-01",
        "--to",
        "2025-03",
        "--as",
        henan.username,
        stdout=io.StringIO(),
    )
    assert (tmp_path / "指标填报模板_410000_2025-01_2025-03.xlsx").is_file()


def test_export_refuses_an_outsider_and_bad_periods(
    tmp_path: Path, catalogue: dict[str, Indicator], jiangxi: User, henan: User
) -> None:
    with pytest.raises(CommandError, match="不存在"):
        export(tmp_path, jiangxi, HENAN)
    with pytest.raises(CommandError, match="2025-13"):
        call_command(
            "export_indicator_template",
            "--region",
            HENAN,
            "--from",
            "2025-13",
            "--to",
            "2025-12",
            "--as",
            henan.username,
            "-o",
            str(tmp_path / "x.xlsx"),
        )
    assert not (tmp_path / "template.xlsx").exists()
    assert not (tmp_path / "x.xlsx").exists()


def test_an_unknown_user_is_refused(catalogue: dict[str, Indicator]) -> None:
    with pytest.raises(CommandError, match="No active user"):
        call_command(
            "export_indicator_template",
            "--region",
            HENAN,
            "--from",
            "2025-01",
            "--to",
            "2025-03",
            "--as",
            "nobody",
        )
    with pytest.raises(CommandError, match="No active user"):
        call_command("import_indicator_values", "x.xlsx", "--as", "nobody")


def test_import_prints_the_counts(
    tmp_path: Path,
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    path = export(tmp_path, henan, HENAN)
    workbook = load_workbook(path)
    for code, value in month_values().items():
        put(workbook["填报"], HENAN, code, "2025-01", float(value))
    workbook.save(path)
    out = io.StringIO()

    call_command("import_indicator_values", str(path), "--as", henan.username, stdout=out)

    count = len(month_values())
    assert out.getvalue().startswith(f"created {count}, updated 0, unchanged 0")
    assert Value.objects.filter(report__region_id=HENAN, is_computed=False).count() == count


def test_import_prints_every_bad_cell_and_changes_nothing(
    tmp_path: Path, catalogue: dict[str, Indicator], henan: User
) -> None:
    path = export(tmp_path, henan, HENAN)
    workbook = load_workbook(path)
    sheet = workbook["填报"]
    put(sheet, HENAN, "msw_generated_t", "2025-01", "三万")
    put(sheet, HENAN, "msw_collected_t", "2025-02", "约29500")
    workbook.save(path)
    before = db_state()

    with pytest.raises(CommandError) as caught:
        call_command("import_indicator_values", str(path), "--as", henan.username)

    lines = str(caught.value).splitlines()
    assert lines[0] == "导入失败：发现 2 处错误，未做任何修改。"
    assert lines[1] == (
        f"填报 第 {row_of(sheet, HENAN, 'msw_generated_t')} 行 G 列（2025-01）："
        "应为数字，不能填写“三万”。"
    )
    assert lines[2].startswith(f"填报 第 {row_of(sheet, HENAN, 'msw_collected_t')} 行 H 列")
    assert db_state() == before


def test_the_twinning_command_exits_non_zero_on_a_bad_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    path = export(tmp_path, henan, HENAN)
    workbook = load_workbook(path)
    put(workbook["填报"], HENAN, "msw_generated_t", "2025-01", "n/a")
    workbook.save(path)
    # run_from_argv closes the connections when it ends: that would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    with pytest.raises(SystemExit) as caught:
        twinning(["twinning", "import-indicator-values", str(path), "--as", henan.username])

    assert caught.value.code == 1
    assert "应为数字" in capsys.readouterr().err
    assert not Value.objects.filter(report__region_id=HENAN).exists()

    for code, value in month_values().items():
        put(workbook["填报"], HENAN, code, "2025-01", float(value))
    workbook.save(path)
    twinning(["twinning", "import-indicator-values", str(path), "--as", henan.username])
    assert "created" in capsys.readouterr().out


def test_import_refuses_a_file_that_is_not_there_or_not_xlsx(
    tmp_path: Path, catalogue: dict[str, Indicator], henan: User
) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_indicator_values", str(tmp_path / "none.xlsx"), "--as", "henan")
    text = tmp_path / "values.csv"
    text.write_text("410000,msw_generated_t,30000\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不支持此文件类型"):
        call_command("import_indicator_values", str(text), "--as", henan.username)
