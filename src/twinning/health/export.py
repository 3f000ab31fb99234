"""Excel export of the risk list, with the same filters as the page."""

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from twinning.core.spreadsheets import put_cell
from twinning.health.models import PairHealth

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = [8, 28, 12, 10, 8, 90, 18, 18]


def health_workbook(rows: Iterable[PairHealth]) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("结对健康度")
    header = [
        _("结对编号"),
        _("结对"),
        _("结对层级"),
        _("健康度"),
        _("风险分"),
        _("原因"),
        _("当前等级起始时间"),
        _("计算时间"),
    ]
    for column, label in enumerate(header, start=1):
        put_cell(sheet, 1, column, label)
    for row, health in enumerate(rows, start=2):
        values = [
            health.pairing_id,
            str(health.pairing),
            health.pairing.get_level_display(),
            health.get_level_display(),
            health.score,
            "\n".join(health.reason_texts),
            timezone.localtime(health.level_since).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(health.computed_at).strftime("%Y-%m-%d %H:%M"),
        ]
        for column, value in enumerate(values, start=1):
            put_cell(sheet, row, column, value)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return workbook


def health_workbook_response(rows: Iterable[PairHealth]) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    name = f"pair-health-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    health_workbook(rows).save(response)
    return response
