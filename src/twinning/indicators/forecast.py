"""Where a monthly series is heading: a Theil–Sen line with Sen's confidence interval.

Theil–Sen takes the median of the slopes between every pair of points, so one odd month (a
typing error, a strike) does not tilt the line as it would tilt least squares. Sen (1968) gives
a distribution-free confidence interval for that slope; the forecast range uses it.
"""

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from twinning.indicators import calc
from twinning.indicators.spec import Observation, TargetSpec

DAYS_PER_YEAR = 365.25
Z_95 = 1.96

ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"
VERDICT_LABELS = {
    ON_TRACK: gettext_lazy("预计按期达标"),
    AT_RISK: gettext_lazy("预计不能按期达标"),
    OFF_TRACK: gettext_lazy("即使按乐观估计也不能按期达标"),
}


@dataclass
class Forecast:
    at: dt.date
    value: float
    low: float
    high: float
    slope_per_year: float
    points: int
    # "on_track" | "at_risk" (the point forecast misses) | "off_track" (even the favourable
    # bound misses) | "" without a target
    verdict: str


@dataclass(frozen=True)
class _Fit:
    """A Theil–Sen line in years since `origin`, with the slope bounds pivoting at the centre
    of the data, so the range widens the further the forecast reaches."""

    origin: dt.date
    slope: float
    intercept: float
    slope_low: float
    slope_high: float
    centre: float
    points: int

    def at(self, date: dt.date) -> tuple[float, float, float]:
        x = _years(self.origin, date)
        value = self.intercept + self.slope * x
        centre_value = self.intercept + self.slope * self.centre
        bounds = [centre_value + s * (x - self.centre) for s in (self.slope_low, self.slope_high)]
        return value, min(bounds), max(bounds)


def theil_sen(
    xs: Sequence[float], ys: Sequence[float], z: float = Z_95
) -> tuple[float, float, float, float]:
    """(slope, intercept, slope_low, slope_high): median pairwise slope, intercept
    median(y − slope·x), and Sen's interval at the normal quantile `z` (1.96 → 95 %)."""
    if len(xs) != len(ys):
        raise ValueError("xs and ys differ in length")
    slopes = sorted(
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if xs[j] != xs[i]
    )
    if not slopes:
        raise ValueError("need two distinct x values")
    slope = statistics.median(slopes)
    intercept = statistics.median(y - slope * x for x, y in zip(xs, ys, strict=True))
    low, high = _sen_interval(slopes, xs, ys, z)
    return slope, intercept, low, high


def _sen_interval(
    slopes: Sequence[float], xs: Sequence[float], ys: Sequence[float], z: float
) -> tuple[float, float]:
    """Sen (1968), eq. 2.6: the variance of Kendall's S with ties, mapped to ranks of the
    sorted slopes (the same ranks scipy.stats.theilslopes picks)."""
    n = len(ys)
    variance = (
        n * (n - 1) * (2 * n + 5) - _tie_term(xs) - _tie_term(ys)
    ) / 18  # Var(S) with tie corrections
    spread = z * math.sqrt(max(variance, 0))
    count = len(slopes)
    low_rank = max(round((count - spread) / 2) - 1, 0)
    high_rank = min(round((count + spread) / 2), count - 1)
    return slopes[low_rank], slopes[high_rank]


def _tie_term(values: Sequence[float]) -> int:
    return sum(k * (k - 1) * (2 * k + 5) for k in Counter(values).values() if k > 1)


def _years(origin: dt.date, date: dt.date) -> float:
    return (date - origin).days / DAYS_PER_YEAR


def _fit(series: Sequence[Observation], min_points: int) -> _Fit | None:
    observations = sorted(series, key=lambda observation: observation[0])
    if len(observations) < max(min_points, 2):
        return None
    origin = observations[0][0]
    xs = [_years(origin, date) for date, _value in observations]
    ys = [float(value) for _date, value in observations]
    if len(set(xs)) < 2:
        return None
    slope, intercept, low, high = theil_sen(xs, ys)
    return _Fit(origin, slope, intercept, low, high, statistics.median(xs), len(observations))


def forecast(
    series: Sequence[Observation],
    at: dt.date,
    *,
    target: TargetSpec | None = None,
    min_points: int = 6,
) -> Forecast | None:
    """The value expected at `at` with its range, and the verdict against `target`; None when
    the series has fewer than `min_points` observations."""
    fit = _fit(series, min_points)
    if fit is None:
        return None
    value, low, high = fit.at(at)
    return Forecast(
        at=at,
        value=value,
        low=low,
        high=high,
        slope_per_year=fit.slope,
        points=fit.points,
        verdict=verdict(value, low, high, target) if target is not None else "",
    )


def verdict(value: float, low: float, high: float, target: TargetSpec) -> str:
    """on_track when the point forecast meets the target; at_risk when only the favourable
    bound does ("预计不能按期达标"); off_track when even the favourable bound misses."""
    goal = float(target.target_value)
    if target.direction == "lower":
        meets, favourable_meets = value <= goal, low <= goal
    else:
        meets, favourable_meets = value >= goal, high >= goal
    if meets:
        return ON_TRACK
    return AT_RISK if favourable_meets else OFF_TRACK


def describe(result: Forecast, unit: str) -> str:
    """In words: 按目前趋势，2025-12-31预计为33.2%（31.0%～35.4%），预计不能按期达标。"""
    params = {
        "at": result.at.isoformat(),
        "value": calc.with_unit(f"{result.value:,.1f}", unit),
        "low": calc.with_unit(f"{result.low:,.1f}", unit),
        "high": calc.with_unit(f"{result.high:,.1f}", unit),
    }
    if not result.verdict:
        return _("按目前趋势，%(at)s预计为%(value)s（%(low)s～%(high)s）。") % params
    params["verdict"] = str(VERDICT_LABELS[result.verdict])
    return _("按目前趋势，%(at)s预计为%(value)s（%(low)s～%(high)s），%(verdict)s。") % params


def band(
    series: Sequence[Observation], until: dt.date, *, min_points: int = 6
) -> list[tuple[dt.date, float, float, float]]:
    """(date, value, low, high) at the last observation, each later month end, and `until`:
    the forecast band of the chart. Empty when there is too little data or nothing to project."""
    fit = _fit(series, min_points)
    if fit is None:
        return []
    last = max(date for date, _value in series)
    if until <= last:
        return []
    return [(date, *fit.at(date)) for date in _month_ends(last, until)]


def _month_ends(last: dt.date, until: dt.date) -> list[dt.date]:
    """`last`, every month end after it and before `until`, then `until` itself."""
    dates = [last]
    year, month = last.year, last.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = calc.month_end(year, month)
        if end >= until:
            break
        dates.append(end)
    dates.append(until)
    return dates
