"""Excel export of the problem list, with the same filters as the page."""

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from twinning.consultations.models import Problem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(value: object) -> object:
    """openpyxl cannot store aware datetimes: local time, without the zone."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None)  # type: ignore[arg-type]


def problems_workbook_response(problems: Iterable[Problem]) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("难题")
    sheet.append(
        [
            _("编号"),
            _("结对"),
            _("标题"),
            _("协作内容"),
            _("紧急程度"),
            _("状态"),
            _("提问人"),
            _("提出时间"),
            _("答复期限"),
            _("是否逾期"),
            _("首次解答时间"),
            _("解答数"),
            _("评分"),
            _("实践见效"),
            _("关闭原因"),
        ]
    )
    for p in problems:
        sheet.append(
            [
                p.pk,
                str(p.pairing),
                p.title,
                str(p.topic) if p.topic else "",
                p.get_urgency_display(),
                p.get_status_display(),
                str(p.asked_by or ""),
                _local(p.asked_at),
                _local(p.response_due),
                _("是") if p.is_overdue else _("否"),
                _local(p.first_answered_at),
                getattr(p, "answer_count", None),
                p.rating,
                _("是") if p.solved_in_practice_at else _("否"),
                p.closed_reason,
            ]
        )
    widths = [8, 20, 40, 14, 10, 10, 14, 17, 17, 10, 17, 8, 6, 10, 30]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    response = HttpResponse(content_type=XLSX)
    name = f"problems-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    workbook.save(response)
    return response
