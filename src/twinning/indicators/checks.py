"""Checks on one region's values for one period (DOMAIN.md §4, validation rules).

Errors block saving: values outside the hard range, a part larger than its total, the four waste
streams larger than the total, more covered units than units. Warnings ask for a comment:
values outside the plausible band, a jump against the previous period or the same period last
year, and DHIS2's min-max outliers (mean ± k standard deviations of the earlier values).

A finding is attached to the indicator a user can correct. Computed indicators are never typed
in, so their findings go to their first numerator component (`params["indicator"]` names the
computed one): that is where the grid shows the message and takes the comment. A value that
already has an error gets no warnings, and a rate's jump or outlier is dropped when one of its
components jumped too (one comment explains both).
"""

import datetime as dt
import functools
import math
import operator
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from twinning.indicators import calc
from twinning.indicators.spec import Finding, IndicatorSpec, Observation

ERROR, WARNING = "error", "warning"


class Rule(NamedTuple):
    """`part` may not exceed `total` (by more than `tolerance`, a fraction of the total)."""

    part: str
    total: str
    kind: str  # "part" → code "part_exceeds_total"; "covered" → code "covered_exceeds_all"
    tolerance: Decimal = Decimal(0)


RULES: list[Rule] = [
    Rule("recovery_utilised_t", "msw_generated_t", "part"),
    Rule("communities_sorting", "communities_total", "covered"),
    Rule("households_covered", "households_total", "covered"),
    Rule("villages_sorting", "villages_total", "covered"),
    Rule("dropoff_points_upgraded", "dropoff_points_total", "covered"),
    # Treated and collected tonnages may run ahead of the total by stock changes (rule 2).
    Rule("harmless_treated_t", "msw_collected_t", "part", Decimal("0.05")),
    Rule("msw_collected_t", "msw_generated_t", "part", Decimal("0.05")),
    Rule("incineration_capacity_tpd", "harmless_capacity_tpd", "part"),
    Rule("food_waste_separated_t", "msw_generated_t", "part"),
    Rule("recyclables_recovered_t", "msw_generated_t", "part"),
]

STREAMS = (
    "recyclables_recovered_t",
    "hazardous_collected_t",
    "food_waste_separated_t",
    "residual_waste_t",
)
STREAMS_TOTAL = "msw_generated_t"
# The streams may exceed the total by rounding only; falling short is plausible (street
# sweepings, bulky waste) but worth a comment beyond 10 %.
STREAMS_EXCESS_TOLERANCE = Decimal("0.02")
STREAMS_SHORTFALL_TOLERANCE = Decimal("0.10")
# DHIS2 needs a history before judging a value an outlier.
OUTLIER_MIN_HISTORY = 6


def check_values(
    values: Mapping[str, Decimal],
    specs: Mapping[str, IndicatorSpec],
    history: Mapping[str, Sequence[Observation]],
    *,
    period_end: dt.date,
    jump_threshold: Decimal,
    outlier_std_devs: Decimal,
) -> list[Finding]:
    """Every error and warning for ALL values of one region-period (reported and computed).

    `history` holds earlier observations of the same region per code (any order, this period
    excluded); `jump_threshold` is a fraction (0.3 = 30 %); `outlier_std_devs` is DHIS2's k.
    """
    ordered = _ordered(values, specs)
    streams = streams_findings(values, specs)
    errors = rule_errors(values, specs) + [f for f in streams if f.level == ERROR]
    errors += _range_errors(ordered, values, specs, {f.indicator_code for f in errors})
    wrong = {f.indicator_code for f in errors}
    warnings = [f for f in streams if f.level == WARNING]
    changed: set[str] = set()  # reported codes with a jump or an outlier
    # Reported values first, so a computed rate knows whether its components moved.
    for spec in _specs_in_order(ordered, specs):
        # A value that must change anyway is not worth a comment yet.
        if wrong and wrong.intersection((spec.code, _owner(spec), *spec.components)):
            continue
        value = values[spec.code]
        moves: list[Finding] = []
        # Without history there is nothing to compare with (the bulk import's first months).
        if earlier := history.get(spec.code):
            moves = jump_warnings(spec, value, earlier, period_end, jump_threshold)
            moves += outlier_warnings(spec, value, earlier, period_end, outlier_std_devs)
        if moves and not spec.is_computed:
            changed.add(spec.code)
        # A rate moving with its components is explained by the comment on them: asking again
        # on the rate would ask twice for one reason.
        if moves and changed.intersection(spec.components):
            moves = []
        warnings += band_warnings(spec, value) + moves
    return errors + warnings


def _specs_in_order(ordered: list[str], specs: Mapping[str, IndicatorSpec]) -> list[IndicatorSpec]:
    """The specs of the values present (`ordered` by `_ordered`): reported ones, then computed
    ones, each in grid order."""
    present = [specs[code] for code in ordered if code in specs]
    return sorted(present, key=lambda spec: spec.is_computed)


def _ordered(values: Mapping[str, Decimal], specs: Mapping[str, IndicatorSpec]) -> list[str]:
    """Codes in catalogue order, so messages read like the grid."""

    def key(code: str) -> tuple[int, str]:
        spec = specs.get(code)
        return (spec.position if spec is not None else 0, code)

    return sorted(values, key=key)


def _name(code: str, specs: Mapping[str, IndicatorSpec]) -> str:
    spec = specs.get(code)
    return spec.name if spec is not None else code


def _owner(spec: IndicatorSpec) -> str:
    """The indicator a finding about `spec` is attached to (see the module docstring)."""
    if spec.is_computed and spec.numerator:
        return spec.numerator[0]
    return spec.code


def _finding(
    spec: IndicatorSpec, level: str, code: str, message: str, params: dict[str, str]
) -> Finding:
    return Finding(_owner(spec), level, code, message, {"indicator": spec.code, **params})


def _quantity(value: Decimal, unit: str) -> str:
    return calc.with_unit(calc.format_number(value), unit)


def _percent(fraction: Decimal, *, signed: bool = False) -> str:
    text = calc.format_number(fraction * 100, places=1) + "%"
    return "+" + text if signed and fraction > 0 else text


# ---------------------------------------------------------------- errors


def range_errors(
    values: Mapping[str, Decimal],
    specs: Mapping[str, IndicatorSpec],
    *,
    already_wrong: set[str],
) -> list[Finding]:
    """Values outside the hard range (a rate over 100 %, a negative tonnage).

    A computed rate out of range is the echo of a component error (回收利用量 > 产生量 gives a
    rate over 100 %): it is reported only when no component carries an error already.
    """
    return _range_errors(_ordered(values, specs), values, specs, already_wrong)


def _range_errors(
    ordered: list[str],
    values: Mapping[str, Decimal],
    specs: Mapping[str, IndicatorSpec],
    already_wrong: set[str],
) -> list[Finding]:
    findings: list[Finding] = []
    for code in ordered:
        spec = specs.get(code)
        if spec is None:
            continue
        if spec.is_computed and already_wrong.intersection(spec.components):
            continue
        findings += _range_error(spec, values[code])
    return findings


def _range_error(spec: IndicatorSpec, value: Decimal) -> list[Finding]:
    # The numbers are formatted only when a limit is crossed: most values are fine, and
    # formatting every one of them was the bulk import's largest cost after the jumps.
    if spec.hard_min is not None and value < spec.hard_min:
        params = _limit_params(spec, value, spec.hard_min)
        if spec.hard_min == 0:
            message = _("%(name)s（%(value)s）不能为负数。") % params
        else:
            message = _("%(name)s（%(value)s）不能小于%(limit)s。") % params
        return [_finding(spec, ERROR, "range", message, params)]
    if spec.hard_max is not None and value > spec.hard_max:
        params = _limit_params(spec, value, spec.hard_max)
        message = _("%(name)s（%(value)s）不能大于%(limit)s。") % params
        return [_finding(spec, ERROR, "range", message, params)]
    return []


def _limit_params(spec: IndicatorSpec, value: Decimal, limit: Decimal) -> dict[str, str]:
    return {
        "name": spec.name,
        "value": _quantity(value, spec.unit),
        "limit": _quantity(limit, spec.unit),
    }


def rule_errors(values: Mapping[str, Decimal], specs: Mapping[str, IndicatorSpec]) -> list[Finding]:
    """Parts within totals and covered units within all units; rules with an absent code skip."""
    findings: list[Finding] = []
    for rule in RULES:
        if rule.part not in values or rule.total not in values:
            continue
        part, total = values[rule.part], values[rule.total]
        limit = total * (1 + rule.tolerance)
        if part <= limit:
            continue
        params = {
            "indicator": rule.part,
            "part": _name(rule.part, specs),
            "part_value": calc.format_number(part),
            "total": _name(rule.total, specs),
            "total_value": calc.format_number(total),
        }
        findings.append(_rule_finding(rule, params))
    return findings


def _rule_finding(rule: Rule, params: dict[str, str]) -> Finding:
    if rule.kind == "covered":
        message = (
            _(
                "%(part)s（%(part_value)s）不能大于%(total)s（%(total_value)s）：覆盖率不能超过100%%。"
            )
            % params
        )
        return Finding(rule.part, ERROR, "covered_exceeds_all", message, params)
    if rule.tolerance:
        params["limit"] = _percent(1 + rule.tolerance)
        params["tolerance"] = _percent(rule.tolerance)
        message = (
            _(
                "%(part)s（%(part_value)s）不能超过%(total)s（%(total_value)s）的%(limit)s"
                "（已允许%(tolerance)s的误差）。"
            )
            % params
        )
    else:
        message = _("%(part)s（%(part_value)s）不能大于%(total)s（%(total_value)s）。") % params
    return Finding(rule.part, ERROR, "part_exceeds_total", message, params)


def streams_findings(
    values: Mapping[str, Decimal], specs: Mapping[str, IndicatorSpec]
) -> list[Finding]:
    """The four streams against the total: an error above it, a warning well below it.

    The excess is checked on the streams present (two streams already over the total are wrong
    whatever the others are); the shortfall only when all four are reported.
    """
    present = [code for code in STREAMS if code in values]
    if STREAMS_TOTAL not in values or len(present) < 2:
        return []
    total = values[STREAMS_TOTAL]
    streams_sum = sum((values[code] for code in present), Decimal(0))
    excess = streams_sum > total * (1 + STREAMS_EXCESS_TOLERANCE)
    shortfall_limit = total * (1 - STREAMS_SHORTFALL_TOLERANCE)
    short = len(present) == len(STREAMS) and total > 0 and streams_sum < shortfall_limit
    if not excess and not short:
        return []
    params = {
        "indicator": STREAMS_TOTAL,
        "streams": calc.join_names(_name(code, specs) for code in present),
        "sum": calc.format_number(streams_sum),
        "total": _name(STREAMS_TOTAL, specs),
        "total_value": calc.format_number(total),
    }
    if excess:
        params["excess"] = _percent((streams_sum - total) / total) if total else "∞"
        params["tolerance"] = _percent(STREAMS_EXCESS_TOLERANCE)
        message = (
            _(
                "%(streams)s之和（%(sum)s）比%(total)s（%(total_value)s）多%(excess)s，超过允许的%(tolerance)s。"
            )
            % params
        )
        return [Finding(STREAMS_TOTAL, ERROR, "streams", message, params)]
    params["shortfall"] = _percent((total - streams_sum) / total)
    params["tolerance"] = _percent(STREAMS_SHORTFALL_TOLERANCE)
    message = (
        _(
            "%(streams)s之和（%(sum)s）比%(total)s（%(total_value)s）少%(shortfall)s，超过%(tolerance)s，请说明原因。"
        )
        % params
    )
    return [Finding(STREAMS_TOTAL, WARNING, "streams_short", message, params)]


# ---------------------------------------------------------------- warnings


def band_warnings(spec: IndicatorSpec, value: Decimal) -> list[Finding]:
    """Outside the plausible band (e.g. 回收利用率 15–60 %): possible, but worth a word."""
    if spec.soft_min is not None and value < spec.soft_min:
        params = _limit_params(spec, value, spec.soft_min)
        message = _("%(name)s（%(value)s）低于合理区间下限%(limit)s，请说明原因。") % params
        return [_finding(spec, WARNING, "band", message, params)]
    if spec.soft_max is not None and value > spec.soft_max:
        params = _limit_params(spec, value, spec.soft_max)
        message = _("%(name)s（%(value)s）高于合理区间上限%(limit)s，请说明原因。") % params
        return [_finding(spec, WARNING, "band", message, params)]
    return []


def jump_warnings(
    spec: IndicatorSpec,
    value: Decimal,
    earlier: Sequence[Observation],
    period_end: dt.date,
    threshold: Decimal,
) -> list[Finding]:
    """A change beyond `threshold` against the previous period and the same period a year ago."""
    window = _window(period_end, spec.period_type)
    comparisons = [("jump_previous", window.previous)]
    # For a yearly indicator the previous period IS last year: one warning is enough.
    if window.last_year is not None:
        comparisons.append(("jump_last_year", window.last_year))
    findings: list[Finding] = []
    for code, (first, last) in comparisons:
        before = _latest_within(earlier, first, last)
        # From zero the relative change is undefined; the band and range rules still apply.
        if before is None or before == 0:
            continue
        change = (value - before) / abs(before)
        if abs(change) > threshold:
            findings.append(_jump_finding(spec, code, value, before, change, threshold))
    return findings


class _Window(NamedTuple):
    """The periods a value is compared with, as (first day, last day)."""

    start: dt.date  # first day of the value's own period
    previous: tuple[dt.date, dt.date]
    last_year: tuple[dt.date, dt.date] | None  # None for yearly indicators


@functools.lru_cache(maxsize=256)
def _window(period_end: dt.date, period_type: str) -> _Window:
    """The periods around `period_end`'s, computed once: an import checks thousands of
    region-periods and each compares every indicator with the same few dates."""
    start = calc.period_start(period_end, period_type)
    one_day = dt.timedelta(days=1)
    previous = (calc.shift_start(start, period_type, -1), start - one_day)
    if period_type == calc.YEAR:
        return _Window(start, previous, None)
    year_ago = start.replace(year=start.year - 1)  # a period's first day: never 29 February
    last_year = (year_ago, calc.shift_start(year_ago, period_type, 1) - one_day)
    return _Window(start, previous, last_year)


def _latest_within(earlier: Sequence[Observation], first: dt.date, last: dt.date) -> Decimal | None:
    """The value of the last observation dated within [first, last].

    The last one in `earlier`'s order wins, as it would in a dict built from `earlier`; with the
    usual oldest-first history the previous period is found at the first step back.
    """
    for date, value in reversed(earlier):
        if first <= date <= last:
            return value
    return None


def _jump_finding(
    spec: IndicatorSpec,
    code: str,
    value: Decimal,
    before: Decimal,
    change: Decimal,
    threshold: Decimal,
) -> Finding:
    params = {
        "name": spec.name,
        "value": _quantity(value, spec.unit),
        "previous": _quantity(before, spec.unit),
        "change": _percent(change, signed=True),
        "threshold": _percent(threshold),
    }
    if code == "jump_previous":
        template = _(
            "%(name)s（%(value)s）与上期（%(previous)s）相比变化%(change)s，超过%(threshold)s，请说明原因。"
        )
    else:
        template = _(
            "%(name)s（%(value)s）与上年同期（%(previous)s）相比变化%(change)s，超过%(threshold)s，请说明原因。"
        )
    return _finding(spec, WARNING, code, template % params, params)


def outlier_warnings(
    spec: IndicatorSpec,
    value: Decimal,
    earlier: Sequence[Observation],
    period_end: dt.date,
    std_devs: Decimal,
) -> list[Finding]:
    """DHIS2 min-max: outside mean ± k·sd (population sd, as DHIS2) of ≥ 6 earlier values."""
    if len(earlier) < OUTLIER_MIN_HISTORY:
        return []
    # Before the first day of the value's period = before `period_end` and not in its period.
    start = _window(period_end, spec.period_type).start
    past = [v for date, v in earlier if date < start]
    if len(past) < OUTLIER_MIN_HISTORY or _surely_within(value, past, std_devs):
        return []
    mean, sd = mean_and_sd(past)
    low, high = mean - std_devs * sd, mean + std_devs * sd
    if low <= value <= high:
        return []
    params = {
        "name": spec.name,
        "value": _quantity(value, spec.unit),
        "count": str(len(past)),
        "low": calc.format_number(low),
        "high": calc.format_number(high),
        "k": calc.format_number(std_devs),
    }
    message = (
        _(
            "%(name)s（%(value)s）超出以往%(count)s期数据的正常范围（%(low)s～%(high)s，"
            "均值±%(k)s倍标准差），请说明原因。"
        )
        % params
    )
    return [_finding(spec, WARNING, "outlier", message, params)]


# How far the float estimate below may be from the exact figures, relative to the values' size.
# The floats are good to about 1e-15 here, and the 28-digit Decimal figures to better than
# 1e-12 even when the sd is nearly 0: 1e-9 leaves a wide margin either way.
_FLOAT_SLACK = 1e-9


def _surely_within(value: Decimal, past: Sequence[Decimal], std_devs: Decimal) -> bool:
    """True when `value` lies inside mean ± k·sd of `past` by more than any rounding could move.

    Most values are no outliers, and the exact Decimal figures (`mean_and_sd`) cost more than
    all the other checks together. This float estimate from Σx and Σx² (cheap, exact Decimal
    sums of 4-place values) settles the clear cases; anything near the limits, or odd (NaN,
    infinities, k ≤ 0), returns False and goes through the exact computation, so the findings
    are exactly those of `mean_and_sd`. All errors are bounded by the mean square Q (|mean| ≤ √Q,
    |variance error| ≲ 1e-15·Q), hence slacks relative to Q.
    """
    count = len(past)
    try:
        total = sum(past, Decimal(0))
        # A constant series (a count of communities that did not change) has sd 0 exactly and
        # its exact mean is the value itself: inside, as `mean_and_sd` would find.
        if (
            past[0] == value
            and past.count(value) == count
            and total / Decimal(count) == value
            and std_devs.is_finite()
        ):
            return True
        mean = float(total) / count
        mean_square = float(sum(map(operator.mul, past, past), Decimal(0))) / count
        x, k = float(value), float(std_devs)
    except (ArithmeticError, ValueError):  # huge exponents, signalling NaNs: the exact way
        return False
    variance = mean_square - mean * mean - _FLOAT_SLACK * mean_square
    if not variance > 0:  # also False for NaN
        return False
    margin = _FLOAT_SLACK * (1 + abs(k)) * (math.sqrt(mean_square) + abs(x))
    return abs(x - mean) + margin <= k * math.sqrt(variance)


def mean_and_sd(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """Mean and population standard deviation."""
    count = Decimal(len(values))
    mean = sum(values, Decimal(0)) / count
    variance = sum([(v - mean) ** 2 for v in values], Decimal(0)) / count
    return mean, variance.sqrt()
