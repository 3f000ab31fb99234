"""Reporting periods of bulletins and evaluations, parsed in one place.

A period code names a stretch of the calendar: a year ("2021"), a half ("2021H1", "2021H2"), a
quarter ("2021Q1" … "2021Q4") or a month ("2021-05"). Other apps import `parse_period`.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from twinning.core.errors import Invalid

_YEAR = re.compile(r"^(\d{4})$")
_HALF = re.compile(r"^(\d{4})H([12])$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    """A period's first and last day (inclusive), its code and how people write it."""

    start: dt.date
    end: dt.date
    code: str
    label: str

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month in the period, in order."""
        result = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _bad(code: str) -> Invalid:
    message = _(
        "期间代码“%(code)s”无效，应为 2021（年度）、2021H1（上半年）、2021Q3（季度）"
        "或 2021-05（月份）的形式。"
    ) % {"code": code}
    return Invalid(message, code="invalid_period", fields={"period": [message]})


def _year(text: str, code: str) -> int:
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _bad(code)
    return year


def parse_period(code: str) -> Period:
    """The period a code names; Invalid (code "invalid_period") for anything else."""
    code = (code or "").strip().upper()
    if match := _YEAR.match(code):
        year = _year(match[1], code)
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), code, _("%(y)s年") % {"y": year})
    if match := _HALF.match(code):
        year, half = _year(match[1], code), int(match[2])
        first = 1 if half == 1 else 7
        label = (_("%(y)s年上半年") if half == 1 else _("%(y)s年下半年")) % {"y": year}
        return Period(dt.date(year, first, 1), _month_end(year, first + 5), code, label)
    if match := _QUARTER.match(code):
        year, quarter = _year(match[1], code), int(match[2])
        first = 3 * (quarter - 1) + 1
        label = _("%(y)s年第%(q)s季度") % {"y": year, "q": "一二三四"[quarter - 1]}
        return Period(dt.date(year, first, 1), _month_end(year, first + 2), code, label)
    if match := _MONTH.match(code):
        year, month = _year(match[1], code), int(match[2])
        if not 1 <= month <= 12:
            raise _bad(code)
        label = _("%(y)s年%(m)s月") % {"y": year, "m": month}
        return Period(dt.date(year, month, 1), _month_end(year, month), code, label)
    raise _bad(code)


def current_quarter(today: dt.date) -> str:
    """The code of the quarter `today` falls in, e.g. "2026Q4"."""
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def is_future(period: Period, today: dt.date) -> bool:
    """A period that has not started yet has nothing to report."""
    return period.start > today
