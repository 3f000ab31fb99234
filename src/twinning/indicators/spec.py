"""Plain descriptions of indicators and targets, so the arithmetic (calc, checks, progress,
forecast) runs on numbers without touching the database."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twinning.indicators.models import Indicator, Target


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    unit: str
    kind: str = "reported"  # Indicator.Kind
    period_type: str = "month"  # PeriodType
    direction: str = "higher"  # Direction
    aggregation: str = "sum"  # Indicator.Aggregation
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    factor: Decimal = Decimal(100)
    hard_min: Decimal | None = None
    hard_max: Decimal | None = None
    soft_min: Decimal | None = None
    soft_max: Decimal | None = None
    version: int = 1
    required: bool = False
    position: int = 0

    @property
    def is_computed(self) -> bool:
        return self.kind == "computed"

    @property
    def components(self) -> tuple[str, ...]:
        return self.numerator + tuple(c for c in self.denominator if c not in self.numerator)

    @classmethod
    def of(cls, indicator: "Indicator") -> "IndicatorSpec":
        return cls(
            code=indicator.code,
            name=indicator.name,
            unit=indicator.unit,
            kind=indicator.kind,
            period_type=indicator.period_type,
            direction=indicator.direction,
            aggregation=indicator.aggregation,
            numerator=tuple(indicator.numerator or ()),
            denominator=tuple(indicator.denominator or ()),
            factor=indicator.factor,
            hard_min=indicator.hard_min,
            hard_max=indicator.hard_max,
            soft_min=indicator.soft_min,
            soft_max=indicator.soft_max,
            version=indicator.version,
            required=indicator.required,
            position=indicator.position,
        )


@dataclass(frozen=True)
class TargetSpec:
    baseline_value: Decimal
    baseline_date: dt.date
    target_value: Decimal
    due_date: dt.date
    direction: str = "higher"
    unit: str = ""

    @classmethod
    def of(cls, target: "Target") -> "TargetSpec":
        return cls(
            baseline_value=target.baseline_value,
            baseline_date=target.baseline_date,
            target_value=target.target_value,
            due_date=target.due_date,
            direction=target.indicator.direction,
            unit=target.indicator.unit,
        )


# One observation of a series: the last day of its period and the value.
Observation = tuple[dt.date, Decimal]


@dataclass
class Finding:
    """A check on one indicator of a report: an error blocks, a warning asks for a comment."""

    indicator_code: str
    level: str  # "error" | "warning"
    code: str  # stable: "range", "part_exceeds_total", "streams", "covered_exceeds_all",
    # "band", "jump_previous", "jump_last_year", "outlier", "unit"
    message: str
    params: dict[str, str] = field(default_factory=dict)
