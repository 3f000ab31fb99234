"""Arithmetic on indicator values: computed indicators, quarters and years, periods and units.

Pure functions on `spec.IndicatorSpec` and plain Decimals, so services, queries, Excel and the
charts all get the same numbers without touching the database.
"""

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from twinning.core.errors import Invalid
from twinning.indicators.spec import IndicatorSpec

# Values are stored with 4 decimal places (Value.value); computed ones are rounded to match.
FOUR_PLACES = Decimal("0.0001")

MONTH, QUARTER, YEAR = "month", "quarter", "year"
PERIOD_TYPES = (MONTH, QUARTER, YEAR)

_MONTH_CODE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER_CODE = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR_CODE = re.compile(r"^(\d{4})$")

# Canonical unit → {unit a value may arrive in: factor to the canonical unit}.
# 万吨/年 → t/d uses a 365-day year, the conversion DOMAIN.md §4 rule 6 states (≈27.4 t/d).
UNIT_FACTORS: dict[str, dict[str, Decimal]] = {
    "t": {"t": Decimal(1), "吨": Decimal(1), "千吨": Decimal(1000), "万吨": Decimal(10000)},
    "t/d": {
        "t/d": Decimal(1),
        "吨/日": Decimal(1),
        "吨/天": Decimal(1),
        "万吨/日": Decimal(10000),
        "万吨/年": Decimal(10000) / Decimal(365),
    },
    "%": {"%": Decimal(1), "％": Decimal(1)},
    "个": {"个": Decimal(1)},
    "户": {"户": Decimal(1), "万户": Decimal(10000)},
    "kg/人·日": {"kg/人·日": Decimal(1)},
}


# ---------------------------------------------------------------- computed indicators


def compute(
    values: Mapping[str, Decimal], specs: Mapping[str, IndicatorSpec]
) -> dict[str, Decimal]:
    """The computed indicators of one region-period, only where every component is present."""
    computed: dict[str, Decimal] = {}
    for code, spec in specs.items():
        if not spec.is_computed:
            continue
        value = ratio(spec, values)
        if value is not None:
            computed[code] = value
    return computed


def ratio(spec: IndicatorSpec, values: Mapping[str, Decimal]) -> Decimal | None:
    """factor × Σ numerator ÷ Σ denominator, or None when a component is missing or Σ den ≤ 0.

    A missing component is not taken as zero: a half-reported month would show a false rate.
    """
    if not spec.numerator or not spec.denominator:
        return None
    if any(code not in values for code in spec.components):
        return None
    denominator = sum((values[code] for code in spec.denominator), Decimal(0))
    if denominator <= 0:
        return None
    numerator = sum((values[code] for code in spec.numerator), Decimal(0))
    return (spec.factor * numerator / denominator).quantize(FOUR_PLACES, ROUND_HALF_UP)


# ---------------------------------------------------------------- quarters and years


def aggregate(
    monthly: Mapping[str, Mapping[str, Decimal]],
    specs: Mapping[str, IndicatorSpec],
    period_type: str,
) -> dict[str, dict[str, Decimal]]:
    """Monthly values {"2025-01": {code: v}} added up to quarters or years, never averaged.

    SUM adds the months present, LAST takes the latest month present, RATIO (and every computed
    indicator) is recomputed from its aggregated components. Codes missing from `specs` are
    left out.
    """
    _check_period_type(period_type)
    groups: dict[str, list[str]] = {}
    for month in sorted(monthly):
        start = _month_bounds(month)[1]
        groups.setdefault(period_code_of(start, period_type), []).append(month)
    aggregated: dict[str, dict[str, Decimal]] = {}
    for code, months in groups.items():
        values = _aggregate_months([monthly[m] for m in months], specs)
        if values:
            aggregated[code] = values
    return aggregated


def _aggregate_months(
    months: list[Mapping[str, Decimal]], specs: Mapping[str, IndicatorSpec]
) -> dict[str, Decimal]:
    """One period's values from its months (oldest first)."""
    values: dict[str, Decimal] = {}
    codes = {code for month in months for code in month}
    for code in sorted(codes):
        spec = specs.get(code)
        # Without its spec a code might be a rate, and summing rates is worse than leaving
        # the code out: callers pass the specs of every code they want back.
        if spec is None or _is_ratio(spec):
            continue
        values[code] = _combine(spec.aggregation, [m[code] for m in months if code in m])
    for code, spec in specs.items():
        if _is_ratio(spec):
            value = _ratio_over(spec, months, specs)
            if value is not None:
                values[code] = value
    return values


def _is_ratio(spec: IndicatorSpec) -> bool:
    return spec.is_computed or spec.aggregation == "ratio"


def _combine(aggregation: str, values: list[Decimal]) -> Decimal:
    if aggregation == "last":
        return values[-1]
    return sum(values, Decimal(0))


def _ratio_over(
    spec: IndicatorSpec,
    months: list[Mapping[str, Decimal]],
    specs: Mapping[str, IndicatorSpec],
) -> Decimal | None:
    """The rate of a quarter or year from the months in which all its components are present.

    Months missing a component are left out of both sides: adding a numerator month without its
    denominator (or the reverse) would skew the rate. A rate without components (a reported
    survey rate marked "ratio") cannot be recomputed and is left absent rather than averaged.
    """
    complete = [m for m in months if all(code in m for code in spec.components)]
    if not spec.components or not complete:
        return None
    components: dict[str, Decimal] = {}
    for code in spec.components:
        component = specs.get(code)
        aggregation = component.aggregation if component is not None else "sum"
        components[code] = _combine(aggregation, [m[code] for m in complete])
    return ratio(spec, components)


# ---------------------------------------------------------------- periods


def period_code_of(date: dt.date, period_type: str) -> str:
    """The code of the period containing `date`: "2025-03", "2025Q1" or "2025"."""
    _check_period_type(period_type)
    if period_type == MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    if period_type == QUARTER:
        return f"{date.year:04d}Q{(date.month - 1) // 3 + 1}"
    return f"{date.year:04d}"


def period_bounds(code: str) -> tuple[str, dt.date, dt.date]:
    """(period type, first day, last day) of a period code; Invalid when malformed."""
    code = (code or "").strip()
    if _MONTH_CODE.match(code):
        return _month_bounds(code)
    if match := _QUARTER_CODE.match(code):
        year, quarter = int(match[1]), int(match[2])
        first_month = 3 * (quarter - 1) + 1
        return QUARTER, dt.date(year, first_month, 1), month_end(year, first_month + 2)
    if match := _YEAR_CODE.match(code):
        year = int(match[1])
        return YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31)
    raise Invalid(
        _("期间代码“%(code)s”无效，应为 2025-03、2025Q1 或 2025 的形式。") % {"code": code},
        code="period",
    )


def _month_bounds(code: str) -> tuple[str, dt.date, dt.date]:
    match = _MONTH_CODE.match(code)
    if match is None:
        raise Invalid(
            _("月份代码“%(code)s”无效，应为 2025-03 的形式。") % {"code": code}, code="period"
        )
    year, month = int(match[1]), int(match[2])
    return MONTH, dt.date(year, month, 1), month_end(year, month)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def periods_between(first: str, last: str) -> list[str]:
    """Every period code from `first` to `last` inclusive; both must be of the same type."""
    first_type, start, _end = period_bounds(first)
    last_type, last_start, _last_end = period_bounds(last)
    if first_type != last_type:
        raise Invalid(
            _("起止期间“%(first)s”和“%(last)s”的周期类型不同。") % {"first": first, "last": last},
            code="period",
        )
    if last_start < start:
        raise Invalid(
            _("起始期间“%(first)s”晚于结束期间“%(last)s”。") % {"first": first, "last": last},
            code="period",
        )
    codes: list[str] = []
    current = start
    while current <= last_start:
        codes.append(period_code_of(current, first_type))
        current = _next_start(current, first_type)
    return codes


def _next_start(start: dt.date, period_type: str) -> dt.date:
    return shift_start(start, period_type, 1)


_MONTHS_PER_PERIOD = {MONTH: 1, QUARTER: 3, YEAR: 12}


def period_start(date: dt.date, period_type: str) -> dt.date:
    """The first day of the period of `period_type` containing `date` (2025-05-15 → 2025-04-01).

    The date arithmetic behind `period_code_of` without building a code: the checks compare many
    observation dates with a few periods, and comparing dates is much cheaper.
    """
    _check_period_type(period_type)
    first_month = date.month - (date.month - 1) % _MONTHS_PER_PERIOD[period_type]
    return dt.date(date.year, first_month, 1)


def shift_start(start: dt.date, period_type: str, count: int) -> dt.date:
    """The first day of the period `count` periods after `start`'s (before when negative).

    `start` is the first day of a period of `period_type` (see `period_start`).
    """
    months = start.year * 12 + start.month - 1 + count * _MONTHS_PER_PERIOD[period_type]
    return dt.date(months // 12, months % 12 + 1, 1)


def previous_period(code: str) -> str:
    """The period just before `code`, of the same type ("2025-01" → "2024-12")."""
    period_type, start, _end = period_bounds(code)
    return period_code_of(start - dt.timedelta(days=1), period_type)


def same_period_last_year(code: str) -> str:
    """The same month, quarter or year one year earlier ("2025-03" → "2024-03")."""
    period_type, start, _end = period_bounds(code)
    return period_code_of(start.replace(year=start.year - 1), period_type)


def _check_period_type(period_type: str) -> None:
    if period_type not in PERIOD_TYPES:
        raise Invalid(_("周期类型“%(type)s”无效。") % {"type": period_type}, code="period")


# ---------------------------------------------------------------- units


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """`value` given in `from_unit` expressed in `to_unit`; Invalid (code "unit") otherwise."""
    source, target = (from_unit or "").strip(), (to_unit or "").strip()
    if source == target:
        return value
    for factors in UNIT_FACTORS.values():
        if source in factors and target in factors:
            converted = value * factors[source] / factors[target]
            return converted.quantize(FOUR_PLACES, ROUND_HALF_UP)
    raise Invalid(
        _("单位“%(from_unit)s”不能换算为“%(to_unit)s”。")
        % {"from_unit": source, "to_unit": target},
        code="unit",
    )


# ---------------------------------------------------------------- display


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(5)}


def format_number(value: Decimal | float | int, places: int = 2) -> str:
    """A number for a Chinese sentence: thousands separators, at most `places` decimals."""
    # str() round-trips a Decimal exactly, so a Decimal is used as it is (the common case).
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    quantum = _QUANTA[places] if places in _QUANTA else Decimal(1).scaleb(-places)
    number = number.quantize(quantum, ROUND_HALF_UP)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    if number == 0:
        number = abs(number)  # never "-0"
    return f"{number:,}"


def with_unit(number: str, unit: str) -> str:
    """A number with its unit: Latin units get a space ("1,050 t"), "%" and Chinese units not."""
    if unit and unit[0].isascii() and unit[0].isalpha():
        return f"{number} {unit}"
    return number + unit


def join_names(names: Iterable[str]) -> str:
    return "、".join(names)
