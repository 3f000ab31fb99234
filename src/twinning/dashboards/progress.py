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

from django.db import connection
from django.db.models import F, Max, Min, Q, QuerySet
from django.db.models.expressions import RawSQL

from twinning.indicators import progress
from twinning.indicators.models import Direction, Period, Report, Target, Value
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
    """A value of the series meets the target, on or before the due date."""
    higher = Q(
        indicator__direction=Direction.HIGHER, **{f"{_VALUE}__value__gte": F("target_value")}
    )
    lower = Q(indicator__direction=Direction.LOWER, **{f"{_VALUE}__value__lte": F("target_value")})
    return Q(**{f"{_REPORT}__period__end__lte": F("due_date")}) & (higher | lower)


def _reports_at(wanted: dict[dt.date, set[str]]) -> RawSQL:
    """The reports of the regions wanted at each period end, as a subquery (after one small
    query for the periods' ids): one term a period end, each a lookup in the reports' (region,
    period) index. Written out rather than built from Q objects: the ORM spent more time
    assembling hundreds of region codes into a tree of lookups than the database spent
    answering. (The periods are not a subquery of each term: PostgreSQL then scanned every
    report instead of looking the terms up.)"""
    periods: dict[dt.date, list[int]] = defaultdict(list)
    for pk, end in Period.objects.filter(end__in=wanted).values_list("pk", "end"):
        periods[end].append(pk)
    quote = connection.ops.quote_name
    region = quote(Report._meta.get_field("region").column)
    period = quote(Report._meta.get_field("period").column)
    terms: list[str] = []
    params: list[Any] = []
    for end, regions in sorted(wanted.items()):
        if periods[end]:
            codes = ", ".join(["%s"] * len(regions))
            ids = ", ".join(["%s"] * len(periods[end]))
            terms.append(f"({region} IN ({codes}) AND {period} IN ({ids}))")
            params += [*sorted(regions), *periods[end]]
    table = quote(Report._meta.db_table)
    where = " OR ".join(terms) or "1 = 0"  # no period stored at those ends: no report
    # Quoted names and placeholders only; every value is a parameter.
    sql = f"SELECT {quote('id')} FROM {table} WHERE {where}"  # noqa: S608
    return RawSQL(sql, params)  # noqa: S611


def _values_at(targets: list[Any]) -> dict[tuple[str, int, dt.date], Decimal]:
    """The official values at the dates found, by (region, indicator, period end), in two
    queries reading only the few hundred values needed (a cross product of every region with
    every end read thousands)."""
    wanted: dict[dt.date, set[str]] = defaultdict(set)
    indicators = set()
    for target in targets:
        for end in (target.latest_end, target.met_end):
            if end is not None:
                wanted[end].add(target.region_id)
                indicators.add(target.indicator_id)
    if not wanted:
        return {}
    rows = (
        Value.objects.filter(
            report_id__in=_reports_at(wanted),
            indicator_id__in=indicators,
            report__period__type=F("indicator__period_type"),
        )
        .order_by()
        .values_list(
            "report__region_id", "indicator_id", "report__period__end", "value", "report__status"
        )
    )
    # The status is checked here rather than in the query: as a condition there, SQLite walked
    # the index on the reports' status (every submitted report) instead of the lookups above.
    return {
        (region, indicator, end): value
        for region, indicator, end, value, status in rows
        if status in OFFICIAL_STATUSES
    }


def _dates(
    targets: QuerySet[Target], indicators: set[int]
) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """Each target's latest official value date and the first date its target was met: one
    query grouped by the target alone (grouping by every selected column of the target, its
    region and indicator made the sort several times slower). The series' conditions are in
    the WHERE clause, so the database joins each target to its own indicator's values only
    (as aggregate filters they were checked on every value of every report of the region, three
    times as many rows); a target without any value in its series is left out. Naming the
    targets' `indicators` lets PostgreSQL read only their values instead of hashing every
    value of every report."""
    rows = (
        targets.order_by()
        .filter(_in_series(), **{f"{_VALUE}__indicator__in": sorted(indicators)})
        .values("pk")
        .annotate(
            latest_end=Max(f"{_REPORT}__period__end"),
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
    "archived_at",
)


def target_rows(targets: QuerySet[Target]) -> list[TargetRow]:
    """Each target with its latest official value and when it was first met (progress is
    measured from the latest value, as `indicators.progress.measure` does from the whole
    series): four queries whatever the number of targets and of values."""
    # The scoped query also follows the target's plan goal, which no dashboard shows.
    shown = targets.select_related(None).select_related("region", "indicator")
    found: list[Any] = list(shown.only(*TARGET_COLUMNS))
    if not found:
        return []
    dates = _dates(targets, {target.indicator_id for target in found})
    for target in found:
        target.latest_end, target.met_end = dates.get(target.pk, (None, None))
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
