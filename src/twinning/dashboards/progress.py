"""Where many targets stand at once, in two queries (the targets, then every official value).

`indicators.queries.target_status` measures one target with a query of its own and a forecast;
the dashboards show dozens to hundreds of targets, so one query reads each target's latest
official value and the first value meeting it, and progress is measured from the latest value
(the same `indicators.progress.measure`) without forecasting. The forecast's
early warning reaches the dashboards through the health signal instead.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import F, Max, Min, Q, QuerySet

from twinning.indicators import progress
from twinning.indicators.models import Direction, Target, Value
from twinning.indicators.progress import ProgressStatus
from twinning.indicators.queries import OFFICIAL_STATUSES
from twinning.indicators.spec import Observation, TargetSpec

# The order the dashboards list statuses in: best first.
STATUS_ORDER = [
    ProgressStatus.TARGET_ACHIEVED,
    ProgressStatus.SUBSTANTIAL,
    ProgressStatus.MODERATE,
    ProgressStatus.LIMITED,
    ProgressStatus.DETERIORATION,
    ProgressStatus.NOT_AVAILABLE,
]


@dataclass
class TargetRow:
    target: Target
    # The latest official observation after the baseline (None: nothing reported since).
    latest: Observation | None
    # The first official value meeting the target, on or before its due date (None: not met, or
    # met only late).
    achieved_on: dt.date | None
    achieved_value: Any = None

    @cached_property
    def progress(self) -> progress.Progress:
        """Measured when asked for: a national dashboard measures only the current targets."""
        return progress.measure([self.latest] if self.latest else [], TargetSpec.of(self.target))

    @property
    def status(self) -> str:
        return self.progress.status

    @property
    def status_label(self) -> str:
        return str(ProgressStatus(self.progress.status).label)

    @property
    def met_early(self) -> bool:
        return self.achieved_on is not None and self.achieved_on < self.target.due_date


# From a target through its region's reports to their values: one grouped join gives every
# target's latest official value date and the first date its target was met.
_REPORT = "region__reports"
_VALUE = "region__reports__values"


def _in_series() -> Q:
    """The joined value is an official one of the target's indicator, at the indicator's own
    period type, after the target's baseline."""
    return Q(
        **{
            f"{_VALUE}__indicator": F("indicator"),
            f"{_REPORT}__status__in": OFFICIAL_STATUSES,
            f"{_REPORT}__period__type": F("indicator__period_type"),
            f"{_REPORT}__period__end__gt": F("baseline_date"),
        }
    )


def _meets() -> Q:
    """…and it meets the target, on or before the due date."""
    higher = Q(
        indicator__direction=Direction.HIGHER, **{f"{_VALUE}__value__gte": F("target_value")}
    )
    lower = Q(indicator__direction=Direction.LOWER, **{f"{_VALUE}__value__lte": F("target_value")})
    return _in_series() & Q(**{f"{_REPORT}__period__end__lte": F("due_date")}) & (higher | lower)


def _values_at(targets: list[Any]) -> dict[tuple[str, int, dt.date], Decimal]:
    """The official values at the dates found, by (region, indicator, period end); one query."""
    ends = {t.latest_end for t in targets} | {t.met_end for t in targets}
    ends.discard(None)
    if not ends:
        return {}
    rows = Value.objects.filter(
        report__region_id__in={t.region_id for t in targets},
        indicator_id__in={t.indicator_id for t in targets},
        report__status__in=OFFICIAL_STATUSES,
        report__period__type=F("indicator__period_type"),
        report__period__end__in=ends,
    ).values_list("report__region_id", "indicator_id", "report__period__end", "value")
    return {(region, indicator, end): value for region, indicator, end, value in rows}


def _dates(targets: QuerySet[Target]) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """Each target's latest official value date and the first date its target was met: one
    query grouped by the target alone (grouping by every selected column of the target, its
    region and indicator made the sort several times slower)."""
    rows = (
        targets.order_by()
        .values("pk")
        .annotate(
            latest_end=Max(f"{_REPORT}__period__end", filter=_in_series()),
            met_end=Min(f"{_REPORT}__period__end", filter=_meets()),
        )
    )
    return {row["pk"]: (row["latest_end"], row["met_end"]) for row in rows}


# What the dashboards show of a target; the indicator's long definition stays in the database.
TARGET_COLUMNS = (
    "region__code",
    "region__name",
    "region__path",
    "indicator__code",
    "indicator__name",
    "indicator__unit",
    "indicator__position",
    "indicator__direction",
    "indicator__period_type",
    "baseline_value",
    "baseline_date",
    "target_value",
    "due_date",
    "goal",
    "archived_at",
)


def target_rows(targets: QuerySet[Target]) -> list[TargetRow]:
    """Each target with its latest official value and when it was first met (progress is
    measured from the latest value, as `indicators.progress.measure` does from the whole
    series): three queries whatever the number of targets and of values."""
    dates = _dates(targets)
    found: list[Any] = []
    for target in targets.select_related("region", "indicator").only(*TARGET_COLUMNS):
        annotated: Any = target
        annotated.latest_end, annotated.met_end = dates.get(target.pk, (None, None))
        found.append(annotated)
    values = _values_at(found)
    rows = []
    for target in found:
        key = (target.region_id, target.indicator_id)
        latest = target.latest_end
        rows.append(
            TargetRow(
                target=target,
                latest=(latest, values[(*key, latest)]) if latest is not None else None,
                achieved_on=target.met_end,
                achieved_value=values.get((*key, target.met_end)) if target.met_end else None,
            )
        )
    return rows


def current_rows(rows: list[TargetRow], today: dt.date) -> list[TargetRow]:
    """One row per (region, indicator): the target still to reach with the nearest due date,
    else the latest one (as the indicator pages choose)."""
    groups: dict[tuple[str, int], list[TargetRow]] = defaultdict(list)
    for row in rows:
        groups[(row.target.region_id, row.target.indicator_id)].append(row)
    chosen = []
    for group in groups.values():
        ahead = [r for r in group if r.target.due_date >= today]
        if ahead:
            chosen.append(min(ahead, key=lambda r: r.target.due_date))
        else:
            chosen.append(max(group, key=lambda r: r.target.due_date))
    return chosen


@dataclass
class IndicatorProgress:
    """How the current targets of one indicator stand, counted by status."""

    code: str
    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[tuple[str, str, int]]:
        return [(s.value, str(s.label), self.counts.get(s.value, 0)) for s in STATUS_ORDER]


def by_indicator(rows: list[TargetRow]) -> list[IndicatorProgress]:
    groups: dict[int, IndicatorProgress] = {}
    for row in sorted(rows, key=lambda r: (r.target.indicator.position, r.target.indicator_id)):
        indicator = row.target.indicator
        entry = groups.setdefault(
            indicator.pk, IndicatorProgress(indicator.code, indicator.name, {})
        )
        entry.counts[row.status] = entry.counts.get(row.status, 0) + 1
    return list(groups.values())
