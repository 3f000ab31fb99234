"""Progress of a region towards a target, by Open SDG's method with linear rates.

Open SDG compares the growth observed since the baseline with the growth the target needs and
grades the ratio: ≥ 0.95 substantial, ≥ 0.6 moderate, ≥ 0 limited, below 0 deterioration; a
target already reached short-circuits all that. Rates are LINEAR (units a year), not compound:
a compound rate is undefined from a zero baseline, and the programme speaks in points
("提高X个百分点").
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from twinning.indicators import calc
from twinning.indicators.spec import Observation, TargetSpec

DAYS_PER_YEAR = 365.25
SUBSTANTIAL_RATIO = 0.95
MODERATE_RATIO = 0.6
LIMITED_RATIO = 0.0


class ProgressStatus(models.TextChoices):
    TARGET_ACHIEVED = "target_achieved", gettext_lazy("已达标")
    SUBSTANTIAL = "substantial_progress", gettext_lazy("进展显著")
    MODERATE = "moderate_progress", gettext_lazy("进展一般")
    LIMITED = "limited_progress", gettext_lazy("进展有限")
    DETERIORATION = "deterioration", gettext_lazy("出现倒退")
    NOT_AVAILABLE = "not_available", gettext_lazy("数据不足")


@dataclass
class Progress:
    status: str
    ratio: float | None
    required_per_year: float | None
    observed_per_year: float | None
    current_value: Decimal | None
    current_date: dt.date | None
    expected_value: Decimal | None  # on the trajectory at current_date
    explanation: str


def measure(
    series: Sequence[Observation], target: TargetSpec, *, as_of: dt.date | None = None
) -> Progress:
    """The status at `as_of` (default: the latest observation), from the latest value ≤ as_of.

    Months without a value are simply skipped: the rate runs from the baseline to the latest
    value, so gaps do not matter.
    """
    observation = latest_observation(series, as_of)
    if observation is None or observation[0] <= target.baseline_date:
        return _not_available(target)
    return _measure_at(observation, target)


def history(series: Sequence[Observation], target: TargetSpec) -> list[tuple[dt.date, Progress]]:
    """The status as it stood at each observation, oldest first."""
    statuses: list[tuple[dt.date, Progress]] = []
    for date, value in sorted(series, key=lambda observation: observation[0]):
        if date <= target.baseline_date:
            statuses.append((date, _not_available(target)))
        else:
            statuses.append((date, _measure_at((date, value), target)))
    return statuses


def trajectory(target: TargetSpec, dates: Sequence[dt.date]) -> list[tuple[dt.date, Decimal]]:
    """The expected value at each date on the straight line from baseline to target."""
    return [(date, expected_value(target, date)) for date in dates]


def expected_value(target: TargetSpec, date: dt.date) -> Decimal:
    """The straight line baseline → target, held flat before the baseline and after the due
    date: the target does not keep rising once due."""
    total_days = (target.due_date - target.baseline_date).days
    if total_days <= 0:
        return target.target_value
    elapsed = min(max((date - target.baseline_date).days, 0), total_days)
    change = (target.target_value - target.baseline_value) * elapsed / total_days
    return (target.baseline_value + change).quantize(calc.FOUR_PLACES, ROUND_HALF_UP)


def latest_observation(
    series: Sequence[Observation], as_of: dt.date | None = None
) -> Observation | None:
    candidates = [obs for obs in series if as_of is None or obs[0] <= as_of]
    return max(candidates, key=lambda observation: observation[0], default=None)


def is_achieved(value: Decimal, target: TargetSpec) -> bool:
    if target.direction == "lower":
        return value <= target.target_value
    return value >= target.target_value


def classify(ratio: float) -> str:
    if ratio >= SUBSTANTIAL_RATIO:
        return ProgressStatus.SUBSTANTIAL
    if ratio >= MODERATE_RATIO:
        return ProgressStatus.MODERATE
    if ratio >= LIMITED_RATIO:
        return ProgressStatus.LIMITED
    return ProgressStatus.DETERIORATION


def _years(start: dt.date, end: dt.date) -> float:
    return (end - start).days / DAYS_PER_YEAR


def _measure_at(observation: Observation, target: TargetSpec) -> Progress:
    date, value = observation
    required = _required_per_year(target)
    observed = float(value - target.baseline_value) / _years(target.baseline_date, date)
    expected = expected_value(target, date)
    progress = Progress(
        status=ProgressStatus.NOT_AVAILABLE,
        ratio=None,
        required_per_year=required,
        observed_per_year=observed,
        current_value=value,
        current_date=date,
        expected_value=expected,
        explanation="",
    )
    if is_achieved(value, target):
        progress.status = ProgressStatus.TARGET_ACHIEVED
        progress.ratio = observed / required if required else None
        progress.explanation = _achieved_text(value, target)
    elif required is None:
        progress.explanation = _("目标的完成时限不晚于基准日期，无法评估进展。")
    elif _needed_gain(target) <= 0:
        # The baseline already met the target and the value has since fallen back past it.
        progress.status = ProgressStatus.DETERIORATION
        progress.explanation = _fallen_back_text(value, target)
    else:
        progress.ratio = observed / required
        progress.status = classify(progress.ratio)
        progress.explanation = _rates_text(required, observed, expected, value, target)
    return progress


def _required_per_year(target: TargetSpec) -> float | None:
    if target.due_date <= target.baseline_date:
        return None
    change = float(target.target_value - target.baseline_value)
    return change / _years(target.baseline_date, target.due_date)


def _needed_gain(target: TargetSpec) -> Decimal:
    """How far the target lies from the baseline in the good direction."""
    gain = target.target_value - target.baseline_value
    return -gain if target.direction == "lower" else gain


def _not_available(target: TargetSpec) -> Progress:
    return Progress(
        status=ProgressStatus.NOT_AVAILABLE,
        ratio=None,
        required_per_year=_required_per_year(target),
        observed_per_year=None,
        current_value=None,
        current_date=None,
        expected_value=None,
        explanation=_("基准日期（%(date)s）之后尚无数据，无法评估进展。")
        % {"date": target.baseline_date.isoformat()},
    )


# ---------------------------------------------------------------- explanations


def _places(target: TargetSpec) -> int:
    """One decimal as the programme writes rates; two for small quantities (1.06 kg/人·日),
    where one decimal would round a yearly change to nothing."""
    if target.unit == "%":
        return 1
    largest = max(abs(target.baseline_value), abs(target.target_value))
    return 2 if largest < 10 else 1


def _value_text(value: Decimal, target: TargetSpec) -> str:
    number = f"{value:,.{_places(target)}f}"
    return calc.with_unit(number, target.unit)


def _change_text(per_year: float, target: TargetSpec) -> str:
    """A signed yearly change: "+4.1个百分点" for rates, "-0.05 kg/人·日" otherwise."""
    places = _places(target)
    number = f"{per_year:+,.{places}f}"
    if float(number) == 0:
        number = f"{0:.{places}f}"  # neither "+0.0" nor "-0.0"
    if target.unit == "%":
        return number + _("个百分点")
    return calc.with_unit(number, target.unit)


def _rates_text(
    required: float, observed: float, expected: Decimal, current: Decimal, target: TargetSpec
) -> str:
    return _(
        "需每年%(required)s，实际每年%(observed)s（按进度此时应为%(expected)s，实际为%(current)s）。"
    ) % {
        "required": _change_text(required, target),
        "observed": _change_text(observed, target),
        "expected": _value_text(expected, target),
        "current": _value_text(current, target),
    }


def _achieved_text(current: Decimal, target: TargetSpec) -> str:
    return _("已达到目标：当前%(current)s，目标%(target)s。") % {
        "current": _value_text(current, target),
        "target": _value_text(target.target_value, target),
    }


def _fallen_back_text(current: Decimal, target: TargetSpec) -> str:
    return _("基准值%(baseline)s已达到目标%(target)s，但当前回落至%(current)s。") % {
        "baseline": _value_text(target.baseline_value, target),
        "target": _value_text(target.target_value, target),
        "current": _value_text(current, target),
    }
