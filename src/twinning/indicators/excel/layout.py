"""The template's layout and what its export and its import share: sheet names, columns, the
marker, cell errors, loose text matching and the stored values of a set of cells."""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from openpyxl.styles import PatternFill

from twinning.accounts.models import User
from twinning.core.permissions import is_ministry
from twinning.core.spreadsheets import MAX_LISTED_ERRORS as MAX_LISTED_ERRORS
from twinning.core.spreadsheets import SpreadsheetInvalid as SpreadsheetInvalid
from twinning.core.uploads import SPREADSHEET_KINDS
from twinning.indicators import permissions as perms
from twinning.indicators.models import Scope, Value
from twinning.regions.models import Region

XLSX_CONTENT_TYPE = SPREADSHEET_KINDS["xlsx"]
# The hidden sheet holds this; a workbook without it is not our template.
MARKER = "twinning-indicator-values/1"
VALUES_SHEET = "填报"
NOTES_SHEET = "说明与备注"
INSTRUCTIONS_SHEET = "说明"
INFO_SHEET = "模板信息"
SHEET_ORDER = (VALUES_SHEET, NOTES_SHEET)
# Bounds that keep a template (and what a file may claim to be one) a sensible size.
MAX_PERIODS = 120
MAX_REGIONS = 1000
MAX_ROWS = 50_000
# The problem+json answer lists at most this many errors; `cells` keeps them all.
# Value.value: 18 digits, 4 of them decimals.
FOUR_PLACES = Decimal("0.0001")
LIMIT = Decimal(10) ** 14
HEADER_LANGUAGES = ("zh-hans", "en")

CLOSED_FILL = PatternFill("solid", fgColor="D9D9D9")


@dataclass(frozen=True)
class Column:
    """A fixed column: its key, the Chinese msgid of its header, and an English header that the
    import accepts whatever the English catalogue says."""

    key: str
    header: str
    english: str
    width: int
    read_only: bool = False
    # A message context where the Chinese header has other meanings elsewhere (单位 is also an
    # organisation).
    context: str = ""

    @property
    def label(self) -> str:
        return pgettext(self.context, self.header) if self.context else _(self.header)


VALUE_COLUMNS: tuple[Column, ...] = (
    Column("region", gettext_noop("区划代码"), "Region code", 10),
    Column("region_name", gettext_noop("区划名称"), "Region", 14, read_only=True),
    Column("indicator", gettext_noop("指标代码"), "Indicator code", 26),
    Column("indicator_name", gettext_noop("指标名称"), "Indicator", 28, read_only=True),
    # Extracted with its context from Indicator.unit.
    Column("unit", "单位", "Unit", 9, context="measure"),
    Column("scope", gettext_noop("口径"), "Scope", 9),
)
NOTE_COLUMNS: tuple[Column, ...] = (
    Column("region", gettext_noop("区划代码"), "Region code", 10),
    Column("period", gettext_noop("期间"), "Period", 9),
    Column("indicator", gettext_noop("指标代码"), "Indicator code", 26),
    Column("comment", gettext_noop("说明"), "Comment", 50),
    Column("region_name", gettext_noop("区划名称"), "Region", 14, read_only=True),
    Column("indicator_name", gettext_noop("指标名称"), "Indicator", 28, read_only=True),
    Column("hints", gettext_noop("需要说明的提示"), "Checks asking for a comment", 60, True),
)
PERIOD_WIDTH = 11
# Scope labels people write besides the choices' own (in either language).
SCOPE_ALIASES: dict[str, str] = {
    "urban": Scope.URBAN,
    "urbanarea": Scope.URBAN,
    "wholecity": Scope.WHOLE_CITY,
}

# ---------------------------------------------------------------- results and errors


@dataclass(frozen=True)
class CellError:
    """One cell the import refused (or warns about): sheet, Excel row number, column letter and
    the header of that column. `row` 0 is about the whole file, `column` "" about a whole row."""

    sheet: str
    row: int
    column: str
    header: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            if not self.sheet:
                return self.message
            return _("%(sheet)s：%(message)s") % {"sheet": self.sheet, "message": self.message}
        if not self.column:
            return _("%(sheet)s 第 %(row)s 行：%(message)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "message": self.message,
            }
        return _("%(sheet)s 第 %(row)s 行 %(column)s 列（%(header)s）：%(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "message": self.message,
        }


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int  # cells equal to the stored value, not written
    warnings: list[CellError] = field(default_factory=list)  # soft findings needing a comment


# ---------------------------------------------------------------- shared helpers


def loose(text: str) -> str:
    """Text compared loosely: full-width forms folded, case and spaces ignored."""
    return re.sub(r"[\s_]+", "", unicodedata.normalize("NFKC", text)).casefold()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").strip()


def scope_label(value: str) -> str:
    return str(Scope(value).label)


def period_type_label(period_type: str) -> str:
    labels = {"month": _("月度"), "quarter": _("季度"), "year": _("年度")}
    return labels.get(period_type, period_type)


def visible_codes(actor: User, codes: list[str]) -> set[str]:
    """Which of `codes` the actor may see, in one query."""
    if is_ministry(actor):
        return set(codes)
    return set(
        Region.objects.filter(code__in=codes)
        .filter(code__in=perms.visible_region_codes(actor))
        .values_list("code", flat=True)
    )


@dataclass(frozen=True)
class Stored:
    value: Decimal
    scope: str
    comment: str
    warnings: list[Any]


def stored_values(
    region_codes: Iterable[str],
    periods: Iterable[str],
    indicator_codes: Iterable[str],
    *,
    with_warnings: bool = False,
) -> dict[tuple[str, str, str], Stored]:
    """The stored values of those regions, periods and indicators, in one query (the warnings
    only for the template: decoding 100,000 JSON lists is a second an import does not need)."""
    rows = Value.objects.filter(
        report__region_id__in=list(region_codes),
        report__period__code__in=list(periods),
        indicator__code__in=list(indicator_codes),
    )
    fields = ["report__region_id", "report__period__code", "indicator__code", "value", "scope"]
    fields += ["comment", "warnings"] if with_warnings else ["comment"]
    stored: dict[tuple[str, str, str], Stored] = {}
    for region, period, code, value, scope, comment, *warnings in rows.values_list(*fields):
        stored[(region, period, code)] = Stored(
            value, scope, comment or "", (warnings[0] or []) if warnings else []
        )
    return stored
