"""Indicator values in Excel: the pre-filled template, the round trip, and the all-or-nothing
import that names every bad cell (sheet, row, column, header) and changes nothing."""

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from twinning.accounts.models import User
from twinning.core.errors import Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.indicators import excel, services
from twinning.indicators.models import Indicator, Report, Value
from twinning.indicators.tests.reports_factory import make_report

pytestmark = pytest.mark.django_db

HENAN, TIANJIN, JIANGXI = "410000", "120000", "360000"
FIRST, LAST = "2025-01", "2025-03"
MONTHS = ["2025-01", "2025-02", "2025-03"]
D = Decimal


# ---------------------------------------------------------------- helpers


def template(
    actor: User, regions: tuple[str, ...] = (HENAN,), first: str = FIRST, last: str = LAST
) -> Workbook:
    data = excel.template_workbook(actor=actor, region_codes=regions, first=first, last=last)
    return load_workbook(io.BytesIO(data))


def upload(workbook: Workbook) -> io.BytesIO:
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)
    return stream


def letter(sheet: Any, header: str) -> str:
    for cell in sheet[1]:
        if cell.value == header:
            return str(cell.column_letter)
    raise AssertionError(f"no column {header}")


def row_of(sheet: Any, region: str, code: str) -> int:
    region_letter, code_letter = letter(sheet, "区划代码"), letter(sheet, "指标代码")
    for row in range(2, sheet.max_row + 1):
        if (
            sheet[f"{region_letter}{row}"].value == region
            and sheet[f"{code_letter}{row}"].value == code
        ):
            return row
    raise AssertionError(f"no row for {region} {code}")


def put(sheet: Any, region: str, code: str, period: str, value: Any) -> str:
    """Write a cell of 填报; returns its coordinate."""
    coordinate = f"{letter(sheet, period)}{row_of(sheet, region, code)}"
    sheet[coordinate] = value
    return coordinate


def fill(sheet: Any, region: str, period: str, values: dict[str, Decimal]) -> None:
    for code, value in values.items():
        put(sheet, region, code, period, float(value))


def stored(region: str = HENAN) -> dict[tuple[str, str], Decimal]:
    """The region's reported values by (period, indicator code)."""
    rows = Value.objects.filter(report__region_id=region, is_computed=False).values_list(
        "report__period__code", "indicator__code", "value"
    )
    return {(period, code): value for period, code, value in rows}


def db_state() -> dict[str, Any]:
    return {
        "values": sorted(
            Value.objects.values_list(
                "report__region_id", "report__period__code", "indicator__code", "value", "comment"
            )
        ),
        "reports": sorted(Report.objects.values_list("region_id", "period_id", "status")),
        "audit": AuditEntry.objects.count(),
    }


def import_file(actor: User, workbook: Workbook) -> excel.ImportResult:
    return excel.import_values(actor=actor, stream=upload(workbook))


def refused(actor: User, workbook: Workbook) -> excel.SpreadsheetInvalid:
    before = db_state()
    with pytest.raises(excel.SpreadsheetInvalid) as caught:
        import_file(actor, workbook)
    assert db_state() == before, "a refused import must change nothing"
    assert caught.value.code == "import_invalid"
    assert caught.value.fields["file"] == [str(c) for c in caught.value.cells]
    return caught.value


def where(error: excel.SpreadsheetInvalid) -> list[tuple[str, int, str, str]]:
    return [(c.sheet, c.row, c.column, c.header) for c in error.cells]


def write(actor: User, region: str, period: str, values: dict[str, Decimal]) -> None:
    services.write_values(
        actor=actor,
        entries=[
            services.Entry(region_code=region, period_code=period, indicator_code=c, value=v)
            for c, v in values.items()
        ],
    )


@pytest.fixture
def approved_february(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
    supervisor: User,
) -> Report:
    """河南's 2025-02 report, approved by the Ministry: a locked period."""
    write(henan, HENAN, "2025-02", month_values())
    report = Report.objects.get(region_id=HENAN, period__code="2025-02")
    services.submit(actor=henan, report=report)
    return services.approve(actor=supervisor, report=report)


# ---------------------------------------------------------------- the template


def test_template_lists_the_reported_indicators_of_the_period_type_with_stored_values(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    write(henan, HENAN, "2025-02", month_values())

    workbook = template(henan)

    assert workbook.sheetnames == ["填报", "说明与备注", "说明", "模板信息"]
    assert workbook["模板信息"].sheet_state == "hidden"
    assert workbook["模板信息"]["B1"].value == excel.MARKER
    sheet = workbook["填报"]
    header = [c.value for c in sheet[1]]
    assert header == ["区划代码", "区划名称", "指标代码", "指标名称", "单位", "口径", *MONTHS]
    codes = [sheet[f"C{r}"].value for r in range(2, sheet.max_row + 1)]
    reported = Indicator.objects.filter(
        archived_at=None, kind="reported", period_type="month"
    ).order_by("position", "code")
    assert codes == [i.code for i in reported]
    assert "recovery_rate" not in codes  # computed: the platform computes it
    assert "dropoff_points_total" not in codes  # quarterly
    row = row_of(sheet, HENAN, "msw_generated_t")
    assert [sheet[f"{c}{row}"].value for c in "ABDEF"] == [
        HENAN,
        "河南省",
        "生活垃圾产生量",
        "t",
        "城区",
    ]
    assert sheet[f"G{row}"].value is None
    assert sheet[f"H{row}"].value == 30000
    assert sheet[f"I{row}"].value is None
    assert isinstance(sheet[f"A{row}"].value, str), "region codes stay text"


def test_template_lists_comments_and_the_hints_that_need_one(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    write(henan, HENAN, "2025-01", month_values())
    services.write_values(
        actor=henan,
        entries=[
            services.Entry(
                HENAN, "2025-02", code, value, comment="春节" if code == "msw_generated_t" else None
            )
            for code, value in month_values(msw_generated_t=45000, residual_waste_t=33000).items()
        ],
    )

    notes = template(henan)["说明与备注"]

    rows = [[c.value for c in row] for row in notes.iter_rows(min_row=2)]
    by_code = {(r[1], r[2]): r for r in rows}
    assert by_code[("2025-02", "msw_generated_t")][3] == "春节"
    hinted = by_code[("2025-02", "residual_waste_t")]
    assert hinted[3] is None and hinted[6], "a warning without a comment is listed with its hint"


def test_closed_periods_are_shaded_in_the_template(approved_february: Report, henan: User) -> None:
    sheet = template(henan)["填报"]
    row = row_of(sheet, HENAN, "msw_generated_t")
    assert sheet[f"H{row}"].fill.fgColor.rgb.endswith(excel.CLOSED_FILL.fgColor.rgb[-6:])
    assert sheet[f"G{row}"].fill.fill_type is None


def test_text_is_never_written_as_a_formula(catalogue: dict[str, Indicator], henan: User) -> None:
    Indicator.objects.create(
        code="formula_test",
        name='=HYPERLINK("http://example.invalid","点我")',
        unit="t",
        position=999,
    )
    sheet = template(henan)["填报"]
    row = row_of(sheet, HENAN, "formula_test")
    assert sheet[f"D{row}"].data_type == "s"
    assert sheet[f"D{row}"].value.startswith("=HYPERLINK")


def test_template_needs_a_region_the_user_reports_for(
    catalogue: dict[str, Indicator], henan: User, henan_expert: User, jiangxi: User
) -> None:
    with pytest.raises(NotFound):
        excel.template_workbook(actor=jiangxi, region_codes=[HENAN], first=FIRST, last=LAST)
    with pytest.raises(NotFound):
        excel.template_workbook(actor=henan, region_codes=["999999"], first=FIRST, last=LAST)
    with pytest.raises(Forbidden):
        excel.template_workbook(actor=henan_expert, region_codes=[HENAN], first=FIRST, last=LAST)
    # 天津 leads 河南: it sees 河南's numbers but does not report them.
    with pytest.raises(Forbidden):
        excel.template_workbook(actor=henan, region_codes=[TIANJIN], first=FIRST, last=LAST)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2025-13", "2025-12", "first"),
        ("2025-01", "2025Q4", "last"),
        ("2025-06", "2025-01", "last"),
    ],
)
def test_template_refuses_bad_periods(
    catalogue: dict[str, Indicator], henan: User, first: str, last: str, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        excel.template_workbook(actor=henan, region_codes=[HENAN], first=first, last=last)
    assert field in caught.value.fields


def test_template_for_quarters_lists_the_quarterly_indicators(
    catalogue: dict[str, Indicator], henan: User
) -> None:
    sheet = template(henan, first="2025Q1", last="2025Q4")["填报"]
    assert [c.value for c in sheet[1]][6:] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    codes = {sheet[f"C{r}"].value for r in range(2, sheet.max_row + 1)}
    assert codes == set(
        Indicator.objects.filter(
            archived_at=None, kind="reported", period_type="quarter"
        ).values_list("code", flat=True)
    )


# ---------------------------------------------------------------- round trip


def test_round_trip_stores_the_values_and_the_next_template_shows_them(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    months = {
        "2025-01": month_values(),
        "2025-02": month_values(msw_generated_t=31000, recovery_utilised_t=11000),
        "2025-03": month_values(msw_generated_t=30500, communities_sorting=900),
    }
    for period, values in months.items():
        fill(sheet, HENAN, period, values)

    result = import_file(henan, workbook)

    expected = {(p, c): v for p, values in months.items() for c, v in values.items()}
    assert result.created == len(expected)
    assert result.updated == 0 and result.unchanged == 0
    assert stored() == expected
    rate = Value.objects.get(
        report__region_id=HENAN, report__period__code="2025-02", indicator__code="recovery_rate"
    )
    assert rate.is_computed and rate.value == D("35.4839")
    assert set(Report.objects.filter(region_id=HENAN).values_list("status", flat=True)) == {"draft"}

    again = template(henan)
    sheet = again["填报"]
    row = row_of(sheet, HENAN, "msw_generated_t")
    assert [sheet[f"{c}{row}"].value for c in "GHI"] == [30000, 31000, 30500]

    unchanged = import_file(henan, again)
    assert (unchanged.created, unchanged.updated, unchanged.unchanged) == (0, 0, len(expected))


def test_changed_cells_update_and_blank_cells_leave_the_stored_value(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    write(henan, HENAN, "2025-01", month_values())
    workbook = template(henan)
    sheet = workbook["填报"]
    put(sheet, HENAN, "msw_generated_t", "2025-01", 32000)
    put(sheet, HENAN, "msw_collected_t", "2025-01", None)  # blank: leave as is

    result = import_file(henan, workbook)

    assert (result.created, result.updated) == (0, 1)
    assert stored()[("2025-01", "msw_generated_t")] == 32000
    assert stored()[("2025-01", "msw_collected_t")] == 29500


def test_a_value_may_be_given_in_another_unit_and_numbers_as_text(
    catalogue: dict[str, Indicator], henan: User
) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    row = row_of(sheet, HENAN, "msw_generated_t")
    sheet[f"E{row}"] = "万吨"
    sheet[f"G{row}"] = 3.05
    put(sheet, HENAN, "msw_collected_t", "2025-01", "29,500")
    put(sheet, HENAN, "communities_total", "2025-01", "１０００")

    import_file(henan, workbook)

    assert stored()[("2025-01", "msw_generated_t")] == 30500
    assert stored()[("2025-01", "msw_collected_t")] == 29500
    assert stored()[("2025-01", "communities_total")] == 1000


def test_scope_applies_to_the_row(catalogue: dict[str, Indicator], henan: User) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    row = row_of(sheet, HENAN, "msw_generated_t")
    sheet[f"F{row}"] = "全市"
    sheet[f"G{row}"] = 50000
    sheet[f"H{row}"] = 51000

    import_file(henan, workbook)

    scopes = set(
        Value.objects.filter(
            report__region_id=HENAN, indicator__code="msw_generated_t"
        ).values_list("scope", flat=True)
    )
    assert scopes == {"whole_city"}


def test_comments_are_stored_on_their_values(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    write(henan, HENAN, "2025-01", month_values())
    workbook = template(henan)
    put(workbook["填报"], HENAN, "msw_generated_t", "2025-02", 30100)
    notes = workbook["说明与备注"]
    notes.append([HENAN, "2025-02", "msw_generated_t", "含春节期间增量"])
    notes.append([HENAN, "2025-01", "msw_collected_t", "按转运站台账统计"])  # value stored

    import_file(henan, workbook)

    comments = dict(
        Value.objects.filter(report__region_id=HENAN)
        .exclude(comment="")
        .values_list("indicator__code", "comment")
    )
    assert comments == {
        "msw_generated_t": "含春节期间增量",
        "msw_collected_t": "按转运站台账统计",
    }


def test_values_needing_a_comment_come_back_as_warnings_on_their_cells(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    fill(sheet, HENAN, "2025-01", month_values())
    fill(sheet, HENAN, "2025-02", month_values(residual_waste_t=30000, msw_generated_t=41000))

    result = import_file(henan, workbook)

    jump = [w for w in result.warnings if w.row == row_of(sheet, HENAN, "residual_waste_t")]
    assert jump, result.warnings
    assert (jump[0].sheet, jump[0].column, jump[0].header) == ("填报", "H", "2025-02")


def test_a_template_spanning_a_locked_month_still_imports_the_open_ones(
    approved_february: Report,
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    workbook = template(henan)
    fill(workbook["填报"], HENAN, "2025-03", month_values())

    result = import_file(henan, workbook)

    assert result.created == len(month_values())
    assert result.unchanged == len(month_values())  # February, pre-filled and locked


def test_the_ministry_imports_several_regions_in_one_file(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    supervisor: User,
) -> None:
    regions = (HENAN, TIANJIN, JIANGXI)
    workbook = template(supervisor, regions)
    sheet = workbook["填报"]
    for number, region in enumerate(regions):
        fill(sheet, region, "2025-01", month_values(msw_generated_t=30000 + number))

    result = import_file(supervisor, workbook)

    assert result.created == 3 * len(month_values())
    for number, region in enumerate(regions):
        assert stored(region)[("2025-01", "msw_generated_t")] == 30000 + number


def test_english_headers_are_accepted(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    fill(sheet, HENAN, "2025-01", month_values())
    english = ["Region code", "Region", "Indicator code", "Indicator", "Unit", "Scope"]
    for column, text in zip("ABCDEF", english, strict=True):
        sheet[f"{column}1"] = text
    row = row_of_english(sheet, "msw_generated_t")
    sheet[f"F{row}"] = "Whole city"

    with translation.override("en"):
        result = import_file(henan, workbook)

    assert result.created == len(month_values())
    assert (
        Value.objects.get(report__region_id=HENAN, indicator__code="msw_generated_t").scope
        == "whole_city"
    )


def row_of_english(sheet: Any, code: str) -> int:
    return next(r for r in range(2, sheet.max_row + 1) if sheet[f"C{r}"].value == code)


def test_columns_may_be_reordered(catalogue: dict[str, Indicator], henan: User) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    sheet.move_range("A1:A100", cols=20)  # 区划代码 moves to column U
    put(sheet, HENAN, "msw_generated_t", "2025-01", 12345)

    import_file(henan, workbook)

    assert stored()[("2025-01", "msw_generated_t")] == 12345


# ---------------------------------------------------------------- bad files: nothing changes


def test_a_file_that_is_not_our_template_is_refused(
    catalogue: dict[str, Indicator], henan: User
) -> None:
    workbook = Workbook()
    workbook.active.title = "任务分解表"
    workbook.active.append(["编号", "任务"])
    workbook.active.append([1, "=1+1"])

    error = refused(henan, workbook)

    assert len(error.cells) == 1
    assert "不是本平台导出的指标填报模板" in error.cells[0].message


def test_a_template_of_another_version_is_refused(
    catalogue: dict[str, Indicator], henan: User
) -> None:
    workbook = template(henan)
    workbook["模板信息"]["B1"] = "twinning-indicator-values/0"

    error = refused(henan, workbook)

    assert [(c.sheet, c.row) for c in error.cells] == [("模板信息", 0)]
    assert "twinning-indicator-values/0" in error.cells[0].message


def test_a_missing_sheet_is_named(catalogue: dict[str, Indicator], henan: User) -> None:
    workbook = template(henan)
    workbook["填报"].title = "Sheet1"

    error = refused(henan, workbook)

    assert len(error.cells) == 1
    assert error.cells[0].message == "缺少工作表“填报”；请勿修改或删除模板中的工作表。"


def test_text_in_a_number_cell_is_named_by_sheet_row_and_column(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    fill(sheet, HENAN, "2025-01", month_values())
    coordinate = put(sheet, HENAN, "msw_collected_t", "2025-03", "约3000")
    row = row_of(sheet, HENAN, "msw_collected_t")
    assert coordinate == f"I{row}"

    error = refused(henan, workbook)

    assert where(error) == [("填报", row, "I", "2025-03")]
    assert error.cells[0].message == "应为数字，不能填写“约3000”。"
    assert str(error.cells[0]) == f"填报 第 {row} 行 I 列（2025-03）：应为数字，不能填写“约3000”。"


def test_duplicate_rows_name_both_rows(catalogue: dict[str, Indicator], henan: User) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    first = row_of(sheet, HENAN, "residual_waste_t")
    last = sheet.max_row + 1
    for column in "ABCDEF":
        sheet[f"{column}{last}"] = sheet[f"{column}{first}"].value
    sheet[f"G{first}"] = 18000
    sheet[f"G{last}"] = 18500

    error = refused(henan, workbook)

    assert where(error) == [("填报", last, "C", "指标代码")]
    assert f"第 {first} 行和第 {last} 行重复" in error.cells[0].message


def test_a_locked_period_is_refused_at_each_changed_cell(
    approved_february: Report,
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    fill(sheet, HENAN, "2025-01", month_values())
    put(sheet, HENAN, "msw_generated_t", "2025-02", 31000)
    put(sheet, HENAN, "msw_collected_t", "2025-02", 29000)

    error = refused(henan, workbook)

    assert where(error) == [
        ("填报", row_of(sheet, HENAN, "msw_generated_t"), "H", "2025-02"),
        ("填报", row_of(sheet, HENAN, "msw_collected_t"), "H", "2025-02"),
    ]
    assert all("已审核锁定" in c.message for c in error.cells)


def test_an_unknown_indicator_code_is_named(catalogue: dict[str, Indicator], henan: User) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    row = row_of(sheet, HENAN, "hazardous_collected_t")
    sheet[f"C{row}"] = "hazardous_t"
    sheet[f"G{row}"] = 5

    error = refused(henan, workbook)

    assert where(error) == [("填报", row, "C", "指标代码")]
    assert error.cells[0].message == "没有代码为“hazardous_t”的指标。"


def test_a_computed_indicator_cannot_be_typed_in(
    catalogue: dict[str, Indicator], henan: User
) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    sheet.append([HENAN, "河南省", "recovery_rate", "生活垃圾回收利用率", "%", "城区", 35])

    error = refused(henan, workbook)

    assert where(error) == [("填报", sheet.max_row, "C", "指标代码")]
    assert "计算指标" in error.cells[0].message


def test_a_region_the_user_may_not_report_for_is_refused(
    catalogue: dict[str, Indicator], henan: User, supervisor: User
) -> None:
    workbook = template(supervisor, (HENAN, TIANJIN))
    sheet = workbook["填报"]
    put(sheet, HENAN, "msw_generated_t", "2025-01", 30000)
    put(sheet, TIANJIN, "msw_generated_t", "2025-01", 50000)
    tianjin_rows = [r for r in range(2, sheet.max_row + 1) if sheet[f"A{r}"].value == TIANJIN]

    error = refused(henan, workbook)

    assert where(error) == [("填报", r, "A", "区划代码") for r in tianjin_rows]
    assert error.cells[0].message == "您无权填报“天津市”的指标数据。"


def test_an_outsider_region_reads_as_unknown(
    catalogue: dict[str, Indicator], jiangxi: User, supervisor: User
) -> None:
    workbook = template(supervisor, (HENAN,))
    put(workbook["填报"], HENAN, "msw_generated_t", "2025-01", 30000)

    error = refused(jiangxi, workbook)

    assert error.cells[0].message == "区划代码“410000”不存在或您无权查看。"


def test_a_read_only_user_may_not_import(
    catalogue: dict[str, Indicator], henan: User, henan_expert: User
) -> None:
    workbook = template(henan)
    put(workbook["填报"], HENAN, "msw_generated_t", "2025-01", 30000)
    with pytest.raises(Forbidden):
        import_file(henan_expert, workbook)
    assert not Value.objects.filter(report__region_id=HENAN).exists()


def test_unknown_and_malformed_period_headers_are_named(
    catalogue: dict[str, Indicator], henan: User
) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    sheet["J1"] = "2025-13"
    sheet["K1"] = "备注"
    sheet["L1"] = "2025Q2"
    sheet["M1"] = "2025-01"
    sheet["N1"] = 2025.1  # "2025.10" typed as a number

    error = refused(henan, workbook)

    assert where(error) == [
        ("填报", 1, "J", "2025-13"),
        ("填报", 1, "K", "备注"),
        ("填报", 1, "L", "2025Q2"),
        ("填报", 1, "M", "2025-01"),
        ("填报", 1, "N", "2025.1"),
    ]
    assert error.cells[0].message == "表头“2025-13”不是有效的期间。"
    assert "无法识别的表头" in error.cells[1].message
    assert "周期不同" in error.cells[2].message
    assert "与 G 列重复" in error.cells[3].message
    assert "无法确定期间" in error.cells[4].message


def test_period_headers_written_otherwise_are_understood(
    catalogue: dict[str, Indicator], henan: User
) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    sheet["G1"] = "2025年1月"
    sheet["H1"] = dt.date(2025, 2, 1)  # Excel made a date of "2025-02"
    put(sheet, HENAN, "msw_generated_t", "2025年1月", 30000)
    put(sheet, HENAN, "msw_generated_t", dt.date(2025, 2, 1), 31000)

    import_file(henan, workbook)

    assert stored()[("2025-01", "msw_generated_t")] == 30000
    assert stored()[("2025-02", "msw_generated_t")] == 31000


def test_a_hard_rule_is_reported_at_the_cell_to_fix(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    workbook = template(henan)
    sheet = workbook["填报"]
    fill(sheet, HENAN, "2025-01", month_values(communities_sorting=1050))

    error = refused(henan, workbook)

    assert where(error) == [("填报", row_of(sheet, HENAN, "communities_sorting"), "G", "2025-01")]
    assert "不能大于" in error.cells[0].message


def test_a_rule_broken_by_a_changed_total_is_shown_at_the_unchanged_part(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    write(henan, HENAN, "2025-01", month_values())
    workbook = template(henan)
    sheet = workbook["填报"]
    put(sheet, HENAN, "communities_total", "2025-01", 800)  # 880 communities sort already

    error = refused(henan, workbook)

    assert where(error) == [("填报", row_of(sheet, HENAN, "communities_sorting"), "G", "2025-01")]


def test_every_bad_cell_is_reported_in_one_go(
    approved_february: Report,
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    """A text cell in March does not hide the locked February cell (nor the other way)."""
    workbook = template(henan)
    sheet = workbook["填报"]
    put(sheet, HENAN, "msw_generated_t", "2025-02", 31000)
    put(sheet, HENAN, "msw_collected_t", "2025-03", "n/a")
    sheet[f"K{row_of(sheet, HENAN, 'msw_collected_t')}"] = 7  # under no header
    notes = workbook["说明与备注"]
    notes.append([HENAN, "2025-03", "residual_waste_t", "无数值的说明"])
    notes.append([HENAN, "2025-13", "msw_generated_t", "期间有误"])

    error = refused(henan, workbook)

    generated, collected = (row_of(sheet, HENAN, c) for c in ("msw_generated_t", "msw_collected_t"))
    assert where(error) == [
        ("填报", generated, "H", "2025-02"),
        ("填报", collected, "I", "2025-03"),
        ("填报", collected, "K", ""),
        ("说明与备注", 2, "D", "说明"),
        ("说明与备注", 3, "B", "期间"),
    ]
    assert "已审核锁定" in error.cells[0].message
    assert "该列没有表头" in error.cells[2].message
    assert "没有数值，无法填写说明" in error.cells[3].message


def test_duplicate_comment_rows_name_both_rows(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    write(henan, HENAN, "2025-01", month_values())
    workbook = template(henan)
    notes = workbook["说明与备注"]
    notes.append([HENAN, "2025-01", "msw_generated_t", "一"])
    notes.append([HENAN, "2025-01", "msw_generated_t", "二"])

    error = refused(henan, workbook)

    assert where(error) == [("说明与备注", 3, "C", "指标代码")]
    assert "第 2 行和第 3 行" in error.cells[0].message


def test_a_file_that_is_not_xlsx_is_refused(catalogue: dict[str, Indicator], henan: User) -> None:
    for data, code in (
        (b"region,indicator\n410000,msw_generated_t\n", "unsupported_file_type"),
        (b"%PDF-1.4\n%%EOF\n", "unsupported_file_type"),
        (b"", "empty_file"),
    ):
        with pytest.raises(Invalid) as caught:
            excel.import_values(actor=henan, stream=io.BytesIO(data))
        assert caught.value.code == code
        assert caught.value.fields["file"]


def test_a_zip_bomb_is_refused(catalogue: dict[str, Indicator], henan: User) -> None:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 5_000_000)
    stream.seek(0)
    with pytest.raises(Invalid) as caught:
        excel.import_values(actor=henan, stream=stream)
    assert caught.value.code == "archive_too_large"


def test_a_damaged_xlsx_is_refused(catalogue: dict[str, Indicator], henan: User) -> None:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not xml")
    stream.seek(0)
    with pytest.raises(Invalid) as caught:
        excel.import_values(actor=henan, stream=stream)
    assert caught.value.code == "unreadable_file"


def test_demo_reports_are_not_overwritten(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
) -> None:
    make_report(HENAN, "2025-01", month_values(), is_demo=True)
    workbook = template(henan)
    put(workbook["填报"], HENAN, "msw_generated_t", "2025-01", 1)

    error = refused(henan, workbook)

    assert "演示数据" in error.cells[0].message
