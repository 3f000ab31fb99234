"""Excel export of the pair list, with the same filters as the page."""

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from twinning.pairings.models import Pairing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pairings_workbook_response(pairings: Iterable[Pairing]) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("结对")
    headers = [
        _("编号"),
        _("先行方"),
        _("先行方代码"),
        _("结对方"),
        _("结对方代码"),
        _("层级"),
        _("状态"),
        _("上级结对编号"),
        _("建立日期"),
        _("来源"),
        _("备注"),
    ]
    sheet.append(headers)
    for p in pairings:
        sheet.append(
            [
                p.pk,
                p.leading_region.name,
                p.leading_region.code,
                p.partner_region.name,
                p.partner_region.code,
                p.get_level_display(),
                p.get_status_display(),
                p.parent_id,
                p.established_on,
                p.source,
                p.notes,
            ]
        )
    for index, width in enumerate([8, 18, 10, 18, 10, 10, 10, 12, 12, 30, 60], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    response = HttpResponse(content_type=XLSX)
    name = f"pairings-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    workbook.save(response)
    return response
