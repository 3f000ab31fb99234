"""Excel export of the exchange list, with the same filters as the page."""

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from twinning.exchanges.models import Exchange

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = [8, 22, 36, 12, 16, 12, 12, 20, 8, 10, 60, 40]


def exchanges_workbook(exchanges: Iterable[Exchange]) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("交流活动")
    sheet.append(
        [
            _("编号"),
            _("结对"),
            _("活动名称"),
            _("交流方式"),
            _("交流方向"),
            _("开始日期"),
            _("结束日期"),
            _("地点"),
            _("参加人数"),
            _("状态"),
            _("活动纪要"),
            _("达成的共识"),
        ]
    )
    for e in exchanges:
        sheet.append(
            [
                e.pk,
                str(e.pairing),
                e.title,
                e.get_kind_display(),
                e.get_direction_display(),
                e.start_date,
                e.end_date,
                _("线上") if e.online else e.place,
                e.participant_count,
                e.get_status_display(),
                e.summary,
                e.agreements,
            ]
        )
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return workbook


def exchanges_workbook_response(exchanges: Iterable[Exchange]) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    name = f"exchanges-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    exchanges_workbook(exchanges).save(response)
    return response
