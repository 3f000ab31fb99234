"""Reading a filled-in template back: every bad cell found and named, then one write.

The workbook is read streaming (openpyxl read-only), every cell is checked against the catalogue
and the actor's regions, cells equal to the stored values are left out, and the rest goes to
`services.write_values` in one call, whose refusals are put back on their cells.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.exceptions import CellCoordinatesException

from twinning.accounts.models import User
from twinning.core.errors import DomainError, Invalid
from twinning.core.permissions import is_ministry, require
from twinning.core.spreadsheets import CellProblem, SpreadsheetInvalid, is_blank
from twinning.core.uploads import SPREADSHEET_KINDS, check_upload
from twinning.indicators import calc, services
from twinning.indicators import permissions as perms
from twinning.indicators.excel.layout import (
    FOUR_PLACES,
    HEADER_LANGUAGES,
    INFO_SHEET,
    LIMIT,
    MARKER,
    MAX_PERIODS,
    MAX_ROWS,
    NOTE_COLUMNS,
    NOTES_SHEET,
    SCOPE_ALIASES,
    SHEET_ORDER,
    VALUE_COLUMNS,
    VALUES_SHEET,
    CellError,
    Column,
    ImportResult,
    cell_text,
    loose,
    period_type_label,
    scope_label,
    stored_values,
    visible_codes,
)
from twinning.indicators.models import Indicator, Scope
from twinning.regions.models import Region

NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$")
QUARTER_TEXT = re.compile(r"^(\d{4})\s*(?:年\s*)?(?:Q|第)\s*([1-4一二三四])\s*(?:季度?)?$", re.I)
YEAR_TEXT = re.compile(r"^(\d{4})\s*(?:年度?)?$")
CHINESE_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
# What write_values raises with an EntryError per refused entry.
REFUSALS = (services.EntriesInvalid, services.EntriesForbidden, services.EntriesNotFound)


def _header_names(columns: Iterable[Column]) -> dict[str, str]:
    """Header text (msgid, either catalogue, the built-in English) → column key."""
    names: dict[str, str] = {}
    for column in columns:
        names.setdefault(loose(column.header), column.key)
        names.setdefault(loose(column.english), column.key)
        for language in HEADER_LANGUAGES:
            with translation.override(language):
                names.setdefault(loose(column.label), column.key)
    return names


def _scope_words() -> dict[str, str]:
    words: dict[str, str] = dict(SCOPE_ALIASES)
    for value, label in zip(Scope.values, Scope.labels, strict=True):
        words[loose(value)] = value
        for language in HEADER_LANGUAGES:
            with translation.override(language):
                words[loose(str(label))] = value
    return words


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, ROUND_HALF_UP)


# ---------------------------------------------------------------- import: reading the workbook


@dataclass
class _Book:
    marker: str | None  # the marker found in the info sheet, None without one
    values: list[tuple[Any, ...]] | None  # rows of 填报, None when the sheet is missing
    notes: list[tuple[Any, ...]] | None  # rows of 说明与备注 (optional)
    too_many_rows: str = ""  # the sheet that went past MAX_ROWS


def _unreadable() -> Invalid:
    message = _("无法读取该 Excel 文件，请确认它是未损坏的 .xlsx 文件。")
    return Invalid(message, code="unreadable_file", fields={"file": [message]})


def _sheet_rows(sheet: Any, book: _Book) -> list[tuple[Any, ...]]:
    """The sheet's rows as values, streamed; trailing blank rows dropped."""
    # The stored dimensions may be wrong; read what is really there.
    sheet.reset_dimensions()
    rows: list[tuple[Any, ...]] = []
    filled = 0
    for row in sheet.iter_rows(values_only=True):
        if not any(not is_blank(v) for v in row):
            rows.append(())  # kept for the line numbers, without its cells
            continue
        rows.append(tuple(row))
        filled = len(rows)
        if filled > MAX_ROWS:
            book.too_many_rows = str(sheet.title)
            break
    return rows[:filled]


def _marker(sheet: Any) -> str:
    """The template marker in the info sheet's first rows ("" when there is none)."""
    for row in sheet.iter_rows(min_row=1, max_row=10, max_col=4, values_only=True):
        for value in row:
            text = cell_text(value)
            if text.startswith("twinning-"):
                return text
    return ""


def _read_book(stream: IO[bytes]) -> _Book:
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged package
        raise _unreadable() from exc
    try:
        names = list(workbook.sheetnames)
        book = _Book(marker=None, values=None, notes=None)
        if INFO_SHEET in names:
            book.marker = _marker(workbook[INFO_SHEET])
        if book.marker != MARKER:
            return book
        if VALUES_SHEET in names:
            book.values = _sheet_rows(workbook[VALUES_SHEET], book)
        if NOTES_SHEET in names and not book.too_many_rows:
            book.notes = _sheet_rows(workbook[NOTES_SHEET], book)
        return book
    except Exception as exc:
        raise _unreadable() from exc
    finally:
        workbook.close()


# ---------------------------------------------------------------- import: cells


def _number(value: Any) -> Decimal:
    """A number cell's value; text that reads as a number is accepted ("1,234.5")."""
    if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
        raise CellProblem(_("应为数字，不能填写日期或是非值。"))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        number = value
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        compact = re.sub(r"[,\s]", "", text)
        if not NUMBER.match(compact):
            raise CellProblem(_("应为数字，不能填写“%(value)s”。") % {"value": text[:30]})
        number = Decimal(compact)
    if not number.is_finite() or abs(number) >= LIMIT:
        raise CellProblem(_("数值超出允许的范围。"))
    return number


def _period_header(value: Any) -> str | None:
    """A period code from a header ("2025-03", "2025年3月", "2025Q1", "2025"), None if the header
    does not look like a period. A malformed one ("2025-13") raises."""
    if isinstance(value, dt.date):  # Excel turned "2025-03" into a date (or a date-time)
        return calc.period_code_of(value, "month")
    if isinstance(value, float) and not value.is_integer():
        # 2025.10 typed as a number is 2025.1: the month cannot be told.
        raise CellProblem(
            _("表头“%(header)s”是数字，无法确定期间；请写作 2025-03 的形式。")
            % {"header": cell_text(value)}
        )
    text = unicodedata.normalize("NFKC", cell_text(value))
    code: str | None = None
    if match := MONTH_TEXT.match(text):
        code = f"{match[1]}-{int(match[2]):02d}"
    elif match := QUARTER_TEXT.match(text):
        code = f"{match[1]}Q{CHINESE_DIGITS.get(match[2], match[2])}"
    elif match := YEAR_TEXT.match(text):
        code = match[1]
    if code is None:
        return None
    try:
        calc.period_bounds(code)
    except Invalid:
        raise CellProblem(_("表头“%(header)s”不是有效的期间。") % {"header": text}) from None
    return code


def _period_cell(value: Any) -> str:
    """A period written in a cell of 说明与备注."""
    if is_blank(value):
        raise CellProblem(_("请填写期间，如 2025-03。"))
    code = _period_header(value)
    if code is None:
        raise CellProblem(
            _("“%(value)s”不是期间；请写作 2025-03（月）、2025Q1（季）或 2025（年）。")
            % {"value": cell_text(value)[:30]}
        )
    return code


@dataclass
class _Cell:
    """A value read from 填报, in the indicator's unit."""

    line: int
    index: int
    value: Decimal
    scope: str | None


@dataclass
class _Note:
    line: int
    text: str


@dataclass
class _Location:
    sheet: str
    line: int
    index: int  # 0-based column; -1 for a whole row


def _entry(
    key: tuple[str, str, str],
    value: Decimal,
    comment: str | None,
    ref: str,
    scope: str | None = None,
) -> services.Entry:
    region, period, indicator = key
    return services.Entry(
        region_code=region,
        period_code=period,
        indicator_code=indicator,
        value=value,
        comment=comment,
        scope=scope,
        ref=ref,
    )


def _parse_ref(ref: str) -> _Location | None:
    """ "填报!G12" → its sheet, row and 0-based column; None for a ref not of this file."""
    sheet, _sep, coordinate = ref.partition("!")
    try:
        letters, line = coordinate_from_string(coordinate)
    except CellCoordinatesException:
        return None
    return _Location(sheet, line, column_index_from_string(letters) - 1)


# ---------------------------------------------------------------- import: the importer


class _Importer:
    """Reads the two sheets against the catalogue and the actor's regions, then writes once."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.errors: list[tuple[int, int, int, CellError]] = []
        self.headers: dict[str, tuple[Any, ...]] = {}
        self.indicators = self._indicator_lookup()
        self.scope_words = _scope_words()
        self.regions: dict[str, Region] = {}
        self.region_problems: dict[str, str | None] = {}
        # 填报
        self.value_columns: dict[str, int] = {}
        self.period_columns: dict[int, str] = {}
        self.period_index: dict[str, int] = {}
        self.letters: dict[int, str] = {}  # period column → its letter, for the refs
        self.period_type = ""
        self.cells: dict[tuple[str, str, str], _Cell] = {}
        self.rows: dict[tuple[str, str], int] = {}  # (region, indicator) → line
        self.spoiled: set[tuple[str, str]] = set()  # (region, period) with a bad cell
        # 说明与备注
        self.note_columns: dict[str, int] = {}
        self.notes: dict[tuple[str, str, str], _Note] = {}
        self.unchanged = 0

    # ---- errors

    def cell_error(self, sheet: str, line: int, index: int, message: str) -> CellError:
        """A CellError at `index` (0-based; -1 for the whole row) of `sheet`'s row `line`."""
        header_row = self.headers.get(sheet, ())
        header = cell_text(header_row[index]) if 0 <= index < len(header_row) else ""
        column = get_column_letter(index + 1) if index >= 0 else ""
        return CellError(sheet, line, column, header, message)

    def error_at(self, sheet: str, line: int, index: int, message: str) -> None:
        order = SHEET_ORDER.index(sheet) if sheet in SHEET_ORDER else len(SHEET_ORDER)
        self.errors.append((order, line, index, self.cell_error(sheet, line, index, message)))

    def file_error(self, sheet: str, message: str) -> None:
        self.errors.append((-1, 0, 0, CellError(sheet, 0, "", "", message)))

    def sorted_errors(self) -> list[CellError]:
        return [e for *_order, e in sorted(self.errors, key=lambda t: (t[0], t[1], t[2]))]

    def fail(self) -> SpreadsheetInvalid:
        return SpreadsheetInvalid(self.sorted_errors())

    # ---- the file as a whole

    def check_book(self, book: _Book) -> list[tuple[Any, ...]]:
        """The rows of 填报, or SpreadsheetInvalid for a file that is not our template."""
        if book.marker is None:
            self.file_error(
                "",
                _(
                    "这不是本平台导出的指标填报模板（缺少“%(info)s”工作表）；"
                    "请先下载模板，在模板中填写后再上传。"
                )
                % {"info": INFO_SHEET},
            )
        elif book.marker != MARKER:
            self.file_error(
                INFO_SHEET,
                _(
                    "模板标识“%(found)s”不符（应为“%(expected)s”）；"
                    "这不是指标填报模板，或是旧版模板。请重新下载模板。"
                )
                % {"found": book.marker or "—", "expected": MARKER},
            )
        elif book.values is None:
            self.file_error(
                "",
                _("缺少工作表“%(sheet)s”；请勿修改或删除模板中的工作表。")
                % {"sheet": VALUES_SHEET},
            )
        elif book.too_many_rows:
            self.file_error(
                book.too_many_rows,
                _("表格行数过多：一次最多导入 %(n)s 行。") % {"n": MAX_ROWS},
            )
        if self.errors or book.values is None:
            raise self.fail()
        return book.values

    # ---- lookups (one query each)

    @staticmethod
    def _indicator_lookup() -> dict[str, Indicator]:
        """Code, Chinese name and English name → indicator (archived ones included, to say so)."""
        lookup: dict[str, Indicator] = {}
        indicators = list(Indicator.objects.order_by("archived_at", "position", "code"))
        for indicator in indicators:
            lookup.setdefault(loose(indicator.code), indicator)
        for indicator in indicators:
            for name in (indicator.name, indicator.name_en):
                if name:
                    lookup.setdefault(loose(name), indicator)
        return lookup

    def load_regions(self, codes: set[str]) -> None:
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        visible = visible_codes(self.actor, list(found))
        for code in codes:
            region = found.get(code)
            if region is None or code not in visible:
                self.region_problems[code] = _("区划代码“%(code)s”不存在或您无权查看。") % {
                    "code": code
                }
            elif not perms.can_report(self.actor, region):
                self.region_problems[code] = _("您无权填报“%(region)s”的指标数据。") % {
                    "region": region.name
                }
            else:
                self.regions[code] = region
                self.region_problems[code] = None

    def region(self, value: Any) -> Region:
        if is_blank(value):
            raise CellProblem(_("请填写区划代码。"))
        code = cell_text(value)
        problem = self.region_problems.get(code)
        if problem is not None or code not in self.regions:
            raise CellProblem(problem or _("区划代码“%(code)s”不存在。") % {"code": code})
        return self.regions[code]

    def indicator(self, value: Any, *, computed_message: str) -> Indicator:
        """A live reported indicator; `computed_message` says why a computed one is refused."""
        if is_blank(value):
            raise CellProblem(_("请填写指标代码。"))
        text = cell_text(value)
        indicator = self.indicators.get(loose(text))
        if indicator is None:
            raise CellProblem(_("没有代码为“%(code)s”的指标。") % {"code": text[:60]})
        if indicator.is_archived:
            raise CellProblem(_("指标“%(name)s”已归档，不再填报。") % {"name": indicator.name})
        if indicator.is_computed:
            raise CellProblem(computed_message % {"name": indicator.name})
        return indicator

    # ---- 填报: header

    def read_values_header(self, header: tuple[Any, ...]) -> None:
        self.headers[VALUES_SHEET] = header
        names = _header_names(VALUE_COLUMNS)
        periods: dict[str, int] = {}
        for index, value in enumerate(header):
            if is_blank(value):
                continue
            key = names.get(loose(cell_text(value)))
            if key is not None:
                if key in self.value_columns:
                    self.error_at(
                        VALUES_SHEET,
                        1,
                        index,
                        _("“%(header)s”列重复。") % {"header": cell_text(value)},
                    )
                else:
                    self.value_columns[key] = index
                continue
            try:
                period = _period_header(value)
            except CellProblem as problem:
                self.error_at(VALUES_SHEET, 1, index, problem.message)
                continue
            if period is None:
                self.error_at(
                    VALUES_SHEET,
                    1,
                    index,
                    _(
                        "无法识别的表头“%(header)s”：期间列的表头应写作 2025-03（月）、"
                        "2025Q1（季）或 2025（年）。"
                    )
                    % {"header": cell_text(value)[:40]},
                )
                continue
            self.add_period_column(index, period, periods)
        for key, header_msgid in (("region", "区划代码"), ("indicator", "指标代码")):
            if key not in self.value_columns:
                self.error_at(
                    VALUES_SHEET,
                    1,
                    -1,
                    _("缺少“%(header)s”列；表头须在第 1 行。") % {"header": _(header_msgid)},
                )
        if not self.period_columns and not self.errors:
            self.error_at(
                VALUES_SHEET, 1, -1, _("表中没有期间列（表头如 2025-03、2025Q1 或 2025）。")
            )
        if len(self.period_columns) > MAX_PERIODS:
            self.error_at(
                VALUES_SHEET, 1, -1, _("期间列过多：最多 %(n)s 列。") % {"n": MAX_PERIODS}
            )

    def add_period_column(self, index: int, period: str, periods: dict[str, int]) -> None:
        period_type = calc.period_bounds(period)[0]
        if period in periods:
            self.error_at(
                VALUES_SHEET,
                1,
                index,
                _("期间“%(period)s”与 %(column)s 列重复。")
                % {"period": period, "column": get_column_letter(periods[period] + 1)},
            )
        elif self.period_type and period_type != self.period_type:
            self.error_at(
                VALUES_SHEET,
                1,
                index,
                _("期间“%(period)s”与其他期间列的周期不同：一个表只填一种周期（%(type)s）。")
                % {"period": period, "type": period_type_label(self.period_type)},
            )
        else:
            self.period_type = self.period_type or period_type
            periods[period] = index
            self.period_columns[index] = period
            self.period_index[period] = index
            self.letters[index] = get_column_letter(index + 1)

    # ---- 填报: rows

    def read_values(self, rows: list[tuple[Any, ...]]) -> None:
        known = set(self.value_columns.values()) | set(self.period_columns)
        header = self.headers[VALUES_SHEET]
        # Data under a blank header cannot be placed; under an unknown one it is reported there.
        unplaced = {i for i in range(len(header)) if is_blank(header[i])}
        for line, cells in enumerate(rows[1:], start=2):
            if all(is_blank(v) for v in cells):
                continue
            self.read_value_row(line, cells)
            for index, value in enumerate(cells):
                if index in known or is_blank(value):
                    continue
                if index in unplaced or index >= len(header):
                    self.error_at(VALUES_SHEET, line, index, _("该列没有表头，无法确定期间。"))

    def _fixed(self, cells: tuple[Any, ...], key: str) -> Any:
        index = self.value_columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def read_value_row(self, line: int, cells: tuple[Any, ...]) -> None:
        region: Region | None = None
        indicator: Indicator | None = None
        try:
            region = self.region(self._fixed(cells, "region"))
        except CellProblem as problem:
            self.error_at(VALUES_SHEET, line, self.value_columns["region"], problem.message)
        try:
            indicator = self.indicator(
                self._fixed(cells, "indicator"),
                computed_message=_("“%(name)s”是计算指标，由系统根据填报值计算，不需要填写。"),
            )
            if indicator.period_type != self.period_type:
                raise CellProblem(
                    _("“%(name)s”按%(type)s填报，不能填在%(columns)s期间列中。")
                    % {
                        "name": indicator.name,
                        "type": period_type_label(indicator.period_type),
                        "columns": period_type_label(self.period_type),
                    }
                )
        except CellProblem as problem:
            indicator = None
            self.error_at(VALUES_SHEET, line, self.value_columns["indicator"], problem.message)
        if region is not None and indicator is not None:
            first = self.rows.setdefault((region.code, indicator.code), line)
            if first != line:
                self.error_at(
                    VALUES_SHEET,
                    line,
                    self.value_columns["indicator"],
                    _(
                        "第 %(first)s 行和第 %(line)s 行重复：同一区划（%(region)s）的同一指标"
                        "（%(indicator)s）只能有一行。"
                    )
                    % {
                        "first": first,
                        "line": line,
                        "region": region.code,
                        "indicator": indicator.code,
                    },
                )
                indicator = None
        unit_ok, unit = self.read_unit(line, cells, indicator)
        scope = self.read_scope(line, cells)
        for index, period in self.period_columns.items():
            value = cells[index] if index < len(cells) else None
            if is_blank(value):
                continue
            try:
                number = _number(value)
                if unit is not None and indicator is not None:
                    number = calc.convert(number, unit, indicator.unit)
            except CellProblem as problem:
                self.error_at(VALUES_SHEET, line, index, problem.message)
                if region is not None:
                    self.spoiled.add((region.code, period))
                continue
            if region is not None and indicator is not None and unit_ok:
                self.cells[(region.code, period, indicator.code)] = _Cell(
                    line, index, _quantize(number), scope
                )

    def read_unit(
        self, line: int, cells: tuple[Any, ...], indicator: Indicator | None
    ) -> tuple[bool, str | None]:
        """(usable, the unit to convert from); None is the indicator's own unit."""
        value = self._fixed(cells, "unit")
        if is_blank(value) or indicator is None:
            return True, None
        unit = unicodedata.normalize("NFKC", cell_text(value)).replace(" ", "")
        if unit == unicodedata.normalize("NFKC", indicator.unit).replace(" ", ""):
            return True, None
        try:
            calc.convert(Decimal(1), unit, indicator.unit)
        except Invalid as exc:
            self.error_at(VALUES_SHEET, line, self.value_columns["unit"], exc.message)
            return False, None
        return True, unit

    def read_scope(self, line: int, cells: tuple[Any, ...]) -> str | None:
        value = self._fixed(cells, "scope")
        if is_blank(value):
            return None
        scope = self.scope_words.get(loose(cell_text(value)))
        if scope is None:
            self.error_at(
                VALUES_SHEET,
                line,
                self.value_columns["scope"],
                _("口径应为“%(urban)s”或“%(city)s”。")
                % {"urban": scope_label(Scope.URBAN), "city": scope_label(Scope.WHOLE_CITY)},
            )
        return scope

    # ---- 说明与备注

    def read_notes(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self.headers[NOTES_SHEET] = rows[0]
        names = _header_names(NOTE_COLUMNS)
        for index, value in enumerate(rows[0]):
            key = names.get(loose(cell_text(value))) if not is_blank(value) else None
            if key is not None and key not in self.note_columns:
                self.note_columns[key] = index
        missing = [c for c in NOTE_COLUMNS[:4] if c.key not in self.note_columns]
        if missing:
            self.error_at(
                NOTES_SHEET,
                1,
                -1,
                _("缺少“%(headers)s”列；表头须在第 1 行。")
                % {"headers": "、".join(c.label for c in missing)},
            )
            return
        seen: dict[tuple[str, str, str], int] = {}
        for line, cells in enumerate(rows[1:], start=2):
            self.read_note_row(line, cells, seen)

    def _note_cell(self, cells: tuple[Any, ...], key: str) -> Any:
        index = self.note_columns[key]
        return cells[index] if index < len(cells) else None

    def read_note_row(
        self, line: int, cells: tuple[Any, ...], seen: dict[tuple[str, str, str], int]
    ) -> None:
        text = cell_text(self._note_cell(cells, "comment"))
        if not text:
            return  # a hint line left without a comment, or an empty row
        parsed: dict[str, Any] = {}
        readers: dict[str, Any] = {
            "region": self.region,
            "period": _period_cell,
            "indicator": lambda value: self.indicator(
                value,
                # Checks on a computed rate are shown on (and explained at) its numerator.
                computed_message=_(
                    "“%(name)s”是计算指标，其提示显示在它的组成指标上，请在组成指标上填写说明。"
                ),
            ),
        }
        for name, read in readers.items():
            try:
                parsed[name] = read(self._note_cell(cells, name))
            except CellProblem as problem:
                self.error_at(NOTES_SHEET, line, self.note_columns[name], problem.message)
        if len(parsed) < len(readers):
            return
        region: Region = parsed["region"]
        period: str = parsed["period"]
        indicator: Indicator = parsed["indicator"]
        if calc.period_bounds(period)[0] != indicator.period_type:
            self.error_at(
                NOTES_SHEET,
                line,
                self.note_columns["period"],
                _("“%(name)s”按%(type)s填报，期间“%(period)s”不符。")
                % {
                    "name": indicator.name,
                    "type": period_type_label(indicator.period_type),
                    "period": period,
                },
            )
            return
        key = (region.code, period, indicator.code)
        if key in seen:
            self.error_at(
                NOTES_SHEET,
                line,
                self.note_columns["indicator"],
                _(
                    "第 %(first)s 行和第 %(line)s 行是同一单元格（%(region)s、%(period)s、"
                    "%(indicator)s）的说明，只能保留一行。"
                )
                % {
                    "first": seen[key],
                    "line": line,
                    "region": region.code,
                    "period": period,
                    "indicator": indicator.code,
                },
            )
            return
        seen[key] = line
        self.notes[key] = _Note(line, text)

    # ---- entries

    def entries(self) -> list[services.Entry]:
        """What changes: cells that differ from the stored values, and new comments."""
        keys = set(self.cells) | set(self.notes)
        stored = stored_values({k[0] for k in keys}, {k[1] for k in keys}, {k[2] for k in keys})
        entries: list[services.Entry] = []
        for key, cell in self.cells.items():
            old = stored.get(key)
            note = self.notes.get(key)
            comment = note.text if note and (old is None or note.text != old.comment) else None
            same = (
                old is not None
                and old.value == cell.value
                and (cell.scope is None or cell.scope == old.scope)
            )
            if same and comment is None:
                self.unchanged += 1
                continue
            ref = f"{VALUES_SHEET}!{self.letters[cell.index]}{cell.line}"
            # A scope equal to the stored one (or the default, for a new value) is not sent.
            current = old.scope if old is not None else Scope.URBAN
            scope = cell.scope if cell.scope != current else None
            entries.append(_entry(key, cell.value, comment, ref, scope=scope))
        for key, note in self.notes.items():
            if key in self.cells:
                continue
            old = stored.get(key)
            index = self.note_columns["comment"]
            if old is None:
                self.error_at(
                    NOTES_SHEET,
                    note.line,
                    index,
                    _(
                        "%(region)s %(period)s 的“%(indicator)s”没有数值，无法填写说明；"
                        "请先在“%(values)s”表中填写数值。"
                    )
                    % {
                        "region": self.regions[key[0]].name,
                        "period": key[1],
                        "indicator": self.indicators[loose(key[2])].name,
                        "values": VALUES_SHEET,
                    },
                )
            elif note.text != old.comment:
                ref = f"{NOTES_SHEET}!{get_column_letter(index + 1)}{note.line}"
                entries.append(_entry(key, old.value, note.text, ref))
        return entries

    # ---- the service's findings, back on the cells

    def locate(self, error: Any) -> _Location | None:
        """Where an EntryError belongs: the comment line that sent it, else the value's cell in
        填报 (a rule may blame a value the file left as it was), else the cell its ref names,
        else the comment line about that value."""
        if error.ref.startswith(f"{NOTES_SHEET}!"):
            return _parse_ref(error.ref)
        line = self.rows.get((error.region_code, error.indicator_code))
        index = self.period_index.get(error.period_code)
        if line is not None and index is not None:
            return _Location(VALUES_SHEET, line, index)
        if error.ref:
            return _parse_ref(error.ref)
        note = self.notes.get((error.region_code, error.period_code, error.indicator_code))
        if note is not None:
            return _Location(NOTES_SHEET, note.line, self.note_columns["comment"])
        return None

    def describe(self, error: Any) -> str:
        """The message of an error that has no cell, saying which value it is about."""
        region = self.regions.get(error.region_code)
        indicator = self.indicators.get(loose(error.indicator_code or ""))
        what = " ".join(
            part
            for part in (
                region.name if region is not None else error.region_code,
                error.period_code,
                indicator.name if indicator is not None else error.indicator_code,
            )
            if part
        )
        if not what:
            return str(error.message)
        return _("%(what)s：%(message)s") % {"what": what, "message": error.message}

    def cell_of(self, error: Any) -> CellError:
        location = self.locate(error)
        if location is None:
            return CellError(VALUES_SHEET, 0, "", "", self.describe(error))
        return self.cell_error(location.sheet, location.line, location.index, str(error.message))

    def add_service_errors(self, errors: Iterable[Any]) -> None:
        for error in errors:
            location = self.locate(error)
            if location is None:
                self.file_error(VALUES_SHEET, self.describe(error))
            else:
                self.error_at(location.sheet, location.line, location.index, str(error.message))

    def dry_run(self, entries: list[services.Entry]) -> None:
        """With bad cells already found, still ask the service about the rest (locked periods,
        the rules), so that one upload lists every problem; whatever it wrote is rolled back.
        Region-periods with a bad cell are left out: their rules would judge half a month."""
        usable = [e for e in entries if (e.region_code, e.period_code) not in self.spoiled]
        if not usable:
            return
        with transaction.atomic():
            try:
                services.write_values(actor=self.actor, entries=usable, source="excel")
            except REFUSALS as exc:
                self.add_service_errors(exc.errors)
            except DomainError as exc:
                self.file_error("", exc.message)
            transaction.set_rollback(True)


def _read_values_sheet(importer: _Importer, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        importer.file_error(VALUES_SHEET, _("工作表是空的。"))
        raise importer.fail()
    importer.read_values_header(rows[0])
    if importer.errors:
        raise importer.fail()
    region_index = importer.value_columns["region"]
    codes = {
        cell_text(row[region_index])
        for row in rows[1:]
        if region_index < len(row) and not is_blank(row[region_index])
    }
    importer.load_regions(codes)
    importer.read_values(rows)


def _note_region_codes(importer: _Importer, rows: list[tuple[Any, ...]] | None) -> set[str]:
    if not rows:
        return set()
    names = _header_names(NOTE_COLUMNS[:1])
    index = next((i for i, v in enumerate(rows[0]) if names.get(loose(cell_text(v)))), None)
    if index is None:
        return set()
    return {
        cell_text(row[index]) for row in rows[1:] if index < len(row) and not is_blank(row[index])
    } - set(importer.region_problems)


def import_values(*, actor: User, stream: IO[bytes]) -> ImportResult:
    """Store the values of an uploaded template: all of them, or none.

    Raises `SpreadsheetInvalid` listing every bad cell (nothing is changed then), Invalid for a
    file that is not a readable .xlsx, Forbidden for a user who reports for no region.
    """
    require(
        is_ministry(actor) or bool(getattr(actor, "can_edit_content", False)),
        _("您没有填报指标数据的权限。"),
    )
    check_upload(stream, SPREADSHEET_KINDS, field="file")
    book = _read_book(stream)
    importer = _Importer(actor)
    rows = importer.check_book(book)
    _read_values_sheet(importer, rows)
    importer.load_regions(_note_region_codes(importer, book.notes))
    importer.read_notes(book.notes or [])
    entries = importer.entries()
    if importer.errors:
        importer.dry_run(entries)
        raise importer.fail()
    if not entries:
        return ImportResult(created=0, updated=0, unchanged=importer.unchanged)
    try:
        result = services.write_values(actor=actor, entries=entries, source="excel")
    except REFUSALS as exc:
        importer.add_service_errors(exc.errors)
        raise importer.fail() from exc
    return ImportResult(
        created=result.created,
        updated=result.updated,
        unchanged=importer.unchanged,
        warnings=[importer.cell_of(w) for w in result.warnings],
    )
