"""Excel export of the notice list, with the same filters as the page."""

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from twinning.core.spreadsheets import put_cell, write_header
from twinning.supervision.models import Notice

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def notices_workbook(notices: Iterable[Notice]) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("督办通知")
    columns = [
        (_("文号"), 22),
        (_("标题"), 40),
        (_("结对"), 22),
        (_("状态"), 14),
        (_("整改期限"), 12),
        (_("逾期天数"), 10),
        (_("升级次数"), 10),
        (_("专题指导"), 14),
        (_("下发时间"), 18),
        (_("办结时间"), 18),
        (_("督办事由"), 50),
        (_("整改要求"), 50),
    ]
    write_header(sheet, [(label, width, True) for label, width in columns])
    for row, n in enumerate(notices, start=2):
        values = [
            n.number,
            n.title,
            str(n.pairing),
            n.get_status_display(),
            n.deadline,
            n.days_overdue,
            n.escalation_level,
            n.get_guidance_display(),
            timezone.localtime(n.issued_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(n.closed_at).strftime("%Y-%m-%d %H:%M") if n.closed_at else "",
            n.reasons,
            n.required_actions,
        ]
        for column, value in enumerate(values, start=1):
            put_cell(sheet, row, column, value)
    sheet.freeze_panes = "A2"
    for index in range(1, len(columns) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = columns[index - 1][1]
    return workbook


def notices_workbook_response(notices: Iterable[Notice]) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    name = f"notices-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    notices_workbook(notices).save(response)
    return response
