"""What the Excel templates and their all-or-nothing imports share (work plans' tasks, indicator
values): writing cells safely, the header row, drop-downs, the instructions sheet, and the error
an import raises with every bad cell."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import ngettext
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from twinning.core.errors import Invalid

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
READ_ONLY_FILL = PatternFill("solid", fgColor="E7E6E6")
# The problem+json answer lists at most this many errors; `cells` keeps them all.
MAX_LISTED_ERRORS = 500
# Text starting with one of these would be a formula in a spreadsheet program.
_FORMULA_STARTS = frozenset({"=", "+", "-", "@"})


def put_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell; text is always text (a name starting with "=" is not a formula), without
    the control characters Excel refuses, and "" leaves the cell empty."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value if value != "" else None)
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        cell.data_type = "s"
    return cell


def write_header(sheet: Any, columns: Iterable[tuple[str, int, bool]]) -> None:
    """Row 1: each (label, width, read-only) in bold, centred, shaded by whether it is read."""
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, (label, width, read_only) in enumerate(columns, start=1):
        cell = put_cell(sheet, 1, index, label)
        cell.font = bold
        cell.fill = READ_ONLY_FILL if read_only else HEADER_FILL
        cell.alignment = centre
        sheet.column_dimensions[get_column_letter(index)].width = width


def list_validation(sheet: Any, options: Sequence[str], letter: str) -> None:
    """A drop-down on column `letter` below the header; other text is only warned about (the
    imports also take English labels)."""
    if any("," in o or '"' in o for o in options):
        return  # a label that cannot be written in an Excel list formula
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(options) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
    )
    validation.add(f"{letter}2:{letter}1048576")
    sheet.add_data_validation(validation)


def write_instructions(sheet: Any, lines: Iterable[tuple[str, str]]) -> None:
    """An instructions sheet: (label, text) rows; labels other than item numbers in bold."""
    bold = Font(bold=True)
    for row, (label, text) in enumerate(lines, start=1):
        first = put_cell(sheet, row, 1, label)
        put_cell(sheet, row, 2, text)
        if label and not label.isdigit():
            first.font = bold
        sheet.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class CellProblem(Exception):
    """A cell's value cannot be used; the message is for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SpreadsheetInvalid(Invalid):
    """The import found bad cells; nothing was changed. `cells` lists every one of them (each
    app's CellError), the message the first MAX_LISTED_ERRORS."""

    default_code = "import_invalid"

    def __init__(self, cells: Sequence[Any]) -> None:
        count = len(cells)
        message = ngettext(
            "导入失败：发现 %(n)s 处错误，未做任何修改。",
            "导入失败：发现 %(n)s 处错误，未做任何修改。",
            count,
        ) % {"n": count}
        lines = [str(cell) for cell in cells[:MAX_LISTED_ERRORS]]
        if count > MAX_LISTED_ERRORS:
            lines.append(
                ngettext(
                    "……另有 %(n)s 处错误未列出。",
                    "……另有 %(n)s 处错误未列出。",
                    count - MAX_LISTED_ERRORS,
                )
                % {"n": count - MAX_LISTED_ERRORS}
            )
        super().__init__(message, code="import_invalid", fields={"file": lines})
        self.cells: list[Any] = list(cells)
