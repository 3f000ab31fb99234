"""Indicator values in Excel: a pre-filled template, and an all-or-nothing import of it.

A region's officials (or the Ministry, for many regions at once) download a workbook for a range
of periods, fill it in offline and upload it again. The sheet 填报 has one row per region and
reported indicator and one column per period; 说明与备注 carries the comments that soft checks
ask for; a hidden sheet marks the workbook as ours. Computed indicators are not in the template:
the platform computes them from the reported ones.

Columns are matched by their header text (Chinese or English), so they may be reordered. Sheet
names stay Chinese in every language: they are how the import finds its sheets. A blank cell
leaves the stored value as it is; a cell equal to the stored value is not written at all, so a
template spanning a locked month can still be used for the open ones. Every bad cell of the file
is reported with its sheet, row, column letter and header, and then nothing is written; the
values themselves go through `services.write_values`, once, like the web grid and the API.
"""

from twinning.indicators.excel.layout import (
    CLOSED_FILL,
    INFO_SHEET,
    INSTRUCTIONS_SHEET,
    MARKER,
    MAX_LISTED_ERRORS,
    NOTES_SHEET,
    VALUES_SHEET,
    XLSX_CONTENT_TYPE,
    CellError,
    ImportResult,
    SpreadsheetInvalid,
)
from twinning.indicators.excel.reader import import_values
from twinning.indicators.excel.template import template_filename, template_workbook

__all__ = [
    "CLOSED_FILL",
    "INFO_SHEET",
    "INSTRUCTIONS_SHEET",
    "MARKER",
    "MAX_LISTED_ERRORS",
    "NOTES_SHEET",
    "VALUES_SHEET",
    "XLSX_CONTENT_TYPE",
    "CellError",
    "ImportResult",
    "SpreadsheetInvalid",
    "import_values",
    "template_filename",
    "template_workbook",
]
