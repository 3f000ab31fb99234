"""The filling-in template: one row per region and reported indicator, one column per period,
pre-filled with the stored values; comments, instructions and the hidden marker sheet."""

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from twinning.accounts.models import User
from twinning.core.errors import Invalid, NotFound
from twinning.core.permissions import require
from twinning.core.spreadsheets import (
    READ_ONLY_FILL,
    is_blank,
    list_validation,
    put_cell,
    write_header,
    write_instructions,
)
from twinning.indicators import calc
from twinning.indicators import permissions as perms
from twinning.indicators.excel.layout import (
    CLOSED_FILL,
    INFO_SHEET,
    INSTRUCTIONS_SHEET,
    MARKER,
    MAX_PERIODS,
    MAX_REGIONS,
    NOTE_COLUMNS,
    NOTES_SHEET,
    PERIOD_WIDTH,
    VALUE_COLUMNS,
    VALUES_SHEET,
    Stored,
    cell_text,
    period_type_label,
    scope_label,
    stored_values,
    visible_codes,
)
from twinning.indicators.models import Indicator, Report, Scope
from twinning.regions.models import Region


def _number_cell(value: Decimal) -> int | float:
    """A stored value as Excel keeps it: whole numbers as integers."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _template_periods(first: str, last: str) -> tuple[str, list[str]]:
    """The period type and codes from `first` to `last`; Invalid beside the field to blame."""
    for name, code in (("first", first), ("last", last)):
        try:
            calc.period_bounds(code)
        except Invalid as exc:
            raise Invalid(exc.message, code="period", fields={name: [exc.message]}) from exc
    try:
        periods = calc.periods_between(first, last)
    except Invalid as exc:
        raise Invalid(exc.message, code="period", fields={"last": [exc.message]}) from exc
    if len(periods) > MAX_PERIODS:
        message = _("一个模板最多包含 %(n)s 个期间。") % {"n": MAX_PERIODS}
        raise Invalid(message, code="too_many_periods", fields={"last": [message]})
    return calc.period_bounds(first)[0], periods


def _template_regions(actor: User, region_codes: Sequence[str]) -> list[Region]:
    """The regions in the order asked; NotFound if one is not visible, Forbidden if the actor
    may see but not report for it (a template is for filling in)."""
    codes = list(dict.fromkeys(cell_text(code) for code in region_codes if not is_blank(code)))
    if not codes:
        message = _("请至少选择一个区划。")
        raise Invalid(message, code="no_region", fields={"region": [message]})
    if len(codes) > MAX_REGIONS:
        message = _("一个模板最多包含 %(n)s 个区划。") % {"n": MAX_REGIONS}
        raise Invalid(message, code="too_many_regions", fields={"region": [message]})
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    visible = visible_codes(actor, list(found))
    regions: list[Region] = []
    for code in codes:
        region = found.get(code)
        if region is None or code not in visible:
            raise NotFound(_("区划“%(code)s”不存在。") % {"code": code})
        require(
            perms.can_report(actor, region),
            _("您无权填报“%(region)s”的指标数据。") % {"region": region.name},
        )
        regions.append(region)
    return regions


def _closed_reports(region_codes: list[str], periods: list[str]) -> dict[tuple[str, str], str]:
    """(region, period) → why its report takes no values now (submitted, locked, demo)."""
    closed: dict[tuple[str, str], str] = {}
    reports = Report.objects.filter(region_id__in=region_codes, period__code__in=periods)
    for region, period, status, is_demo in reports.values_list(
        "region_id", "period__code", "status", "is_demo"
    ):
        if is_demo:
            closed[(region, period)] = _("演示数据（生成）")
        elif status not in Report.EDITABLE_STATUSES:
            closed[(region, period)] = str(Report.Status(status).label)
    return closed


def _row_scope(
    stored: dict[tuple[str, str, str], Stored], region: str, code: str, periods: list[str]
) -> str:
    """The scope of the row's latest stored value, or the default one."""
    for period in reversed(periods):
        found = stored.get((region, period, code))
        if found is not None:
            return found.scope
    return str(Scope.URBAN)


def _write_values_sheet(
    sheet: Any,
    regions: list[Region],
    indicators: list[Indicator],
    periods: list[str],
    stored: dict[tuple[str, str, str], Stored],
    closed: dict[tuple[str, str], str],
) -> None:
    labels = [(c.label, c.width, c.read_only) for c in VALUE_COLUMNS]
    labels += [(period, PERIOD_WIDTH, False) for period in periods]
    write_header(sheet, labels)
    first_period = len(VALUE_COLUMNS) + 1
    line = 1
    for region in regions:
        for indicator in indicators:
            line += 1
            scope = _row_scope(stored, region.code, indicator.code, periods)
            fixed = (
                region.code,
                region.name,
                indicator.code,
                indicator.name,
                indicator.unit,
                scope_label(scope),
            )
            for index, text in enumerate(fixed, start=1):
                cell = put_cell(sheet, line, index, text)
                if VALUE_COLUMNS[index - 1].read_only:
                    cell.fill = READ_ONLY_FILL
            for offset, period in enumerate(periods):
                found = stored.get((region.code, period, indicator.code))
                value = _number_cell(found.value) if found is not None else None
                cell = sheet.cell(row=line, column=first_period + offset, value=value)
                if (region.code, period) in closed:
                    cell.fill = CLOSED_FILL
    scope_letter = get_column_letter(
        next(i for i, c in enumerate(VALUE_COLUMNS, 1) if c.key == "scope")
    )
    list_validation(sheet, [scope_label(v) for v in Scope.values], scope_letter)
    sheet.freeze_panes = sheet.cell(row=2, column=first_period).coordinate
    last_column = get_column_letter(len(VALUE_COLUMNS) + len(periods))
    sheet.auto_filter.ref = f"A1:{last_column}{max(line, 2)}"


def _hints(warnings: list[Any]) -> str:
    messages = [str(w.get("message", "")) if isinstance(w, dict) else str(w) for w in warnings]
    return "；".join(m for m in messages if m)


def _write_notes_sheet(
    sheet: Any,
    regions: list[Region],
    indicators: list[Indicator],
    periods: list[str],
    stored: dict[tuple[str, str, str], Stored],
) -> None:
    """Existing comments, and a blank comment line under every value asking for one."""
    write_header(sheet, [(c.label, c.width, c.read_only) for c in NOTE_COLUMNS])
    line = 1
    for region in regions:
        for period in periods:
            for indicator in indicators:
                found = stored.get((region.code, period, indicator.code))
                if found is None or not (found.comment or found.warnings):
                    continue
                line += 1
                row = (
                    region.code,
                    period,
                    indicator.code,
                    found.comment,
                    region.name,
                    indicator.name,
                    _hints(found.warnings),
                )
                for index, text in enumerate(row, start=1):
                    cell = put_cell(sheet, line, index, text)
                    if NOTE_COLUMNS[index - 1].read_only:
                        cell.fill = READ_ONLY_FILL
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def _write_instructions(
    sheet: Any, regions: list[Region], periods: list[str], period_type: str
) -> None:
    names = "、".join(r.name for r in regions[:20])
    if len(regions) > 20:
        names += _("等 %(n)s 个区划") % {"n": len(regions)}
    lines: list[tuple[str, str]] = [
        (_("指标填报模板"), ""),
        (_("区划"), names),
        (
            _("期间"),
            _("%(first)s 至 %(last)s（%(type)s）")
            % {"first": periods[0], "last": periods[-1], "type": period_type_label(period_type)},
        ),
        (_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ("", ""),
        (_("填写说明"), ""),
        (
            "1",
            _(
                "请在“%(values)s”工作表中填写数值：每行是一个区划的一项指标，每列是一个期间。"
                "请勿修改工作表名称和表头，也不要删除隐藏的“%(info)s”工作表；列的顺序可以调整。"
            )
            % {"values": VALUES_SHEET, "info": INFO_SHEET},
        ),
        (
            "2",
            _(
                "表中只列出需要填报的指标；回收利用率、覆盖率等计算指标由系统根据填报值自动计算，"
                "不需要填写。"
            ),
        ),
        (
            "3",
            _(
                "只填写数字（可带千位分隔符），不要填写文字或单位。数值按“单位”列的单位填写；"
                "单位可改为可换算的单位（如把“t”改为“万吨”），系统自动换算。"
            ),
        ),
        (
            "4",
            _(
                "留空的单元格表示不修改：已填报的数值保持不变，不会被清除。"
                "如需删除已填报的数值，请在网页的填报表中操作。"
            ),
        ),
        (
            "5",
            _("“口径”填写“%(urban)s”或“%(city)s”，对该行各期间有效；留空表示不修改。")
            % {"urban": scope_label(Scope.URBAN), "city": scope_label(Scope.WHOLE_CITY)},
        ),
        (
            "6",
            _(
                "灰色单元格所在期间已报送、已审核锁定或为演示数据，不能修改；"
                "如需修改，请先撤回报送或请部里解锁。与已填报数值相同的单元格不会被重新写入。"
            ),
        ),
        (
            "7",
            _(
                "超出合理区间、与上月或去年同月相比变化过大的数值，报送前需要填写说明："
                "在“%(notes)s”工作表中按区划代码、期间、指标代码各填一行，写在“说明”列。"
                "表中已列出现有的说明和需要说明的提示；“说明”留空的行不导入。"
            )
            % {"notes": NOTES_SHEET},
        ),
        (
            "8",
            _("导入时只要有一处错误，就不做任何修改，并列出所有出错的单元格（工作表、行、列）。"),
        ),
        ("9", _("部里可以在一个文件中导入多个区划的数据，格式相同。")),
    ]
    write_instructions(sheet, lines)


def _write_info(sheet: Any, regions: list[Region], periods: list[str], period_type: str) -> None:
    rows = [
        ("template", MARKER),
        ("generated_at", timezone.now().isoformat(timespec="seconds")),
        ("period_type", period_type),
        ("periods", f"{periods[0]}..{periods[-1]}"),
        ("regions", ",".join(r.code for r in regions)[:30000]),
    ]
    for line, (name, text) in enumerate(rows, start=1):
        put_cell(sheet, line, 1, name)
        put_cell(sheet, line, 2, text)
    sheet.sheet_state = "hidden"


def template_workbook(*, actor: User, region_codes: Sequence[str], first: str, last: str) -> bytes:
    """The filling-in template for `region_codes` from period `first` to `last`, pre-filled with
    the stored values: one row per region and reported indicator of that period type."""
    period_type, periods = _template_periods(first, last)
    regions = _template_regions(actor, region_codes)
    indicators = list(
        Indicator.objects.filter(
            archived_at__isnull=True, kind=Indicator.Kind.REPORTED, period_type=period_type
        ).order_by("position", "code")
    )
    if not indicators:
        message = _("没有按%(type)s填报的指标。") % {"type": period_type_label(period_type)}
        raise Invalid(message, code="no_indicators", fields={"first": [message]})
    region_codes = [r.code for r in regions]
    stored = stored_values(region_codes, periods, [i.code for i in indicators], with_warnings=True)
    closed = _closed_reports(region_codes, periods)

    workbook = Workbook()
    values = workbook.active
    values.title = VALUES_SHEET
    _write_values_sheet(values, regions, indicators, periods, stored, closed)
    # A computed rate's warnings are shown on (and explained at) its numerator, a reported value.
    _write_notes_sheet(workbook.create_sheet(NOTES_SHEET), regions, indicators, periods, stored)
    _write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), regions, periods, period_type)
    _write_info(workbook.create_sheet(INFO_SHEET), regions, periods, period_type)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_filename(region_codes: Sequence[str], first: str, last: str) -> str:
    """The download's name: the template, the first region (and how many more), the periods."""
    codes = [c for c in region_codes if c]
    if len(codes) == 1:
        regions = codes[0]
    else:
        regions = _("%(code)s等%(n)s个区划") % {"code": codes[0] if codes else "", "n": len(codes)}
    name = _("指标填报模板")
    return f"{name}_{regions}_{first}_{last}.xlsx"
