"""Reading indicator data, always starting from what the user may see.

A region whose numbers the user may not see is answered like a region that does not exist
(NotFound → 404); read-only users read everything they see. "Official" numbers — the ones
compared across regions (map, ranking) and measured against targets — are those of reports
that have been submitted (submitted, reviewed or approved); a region's own grid and chart
also show its drafts.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.core.errors import Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.indicators import calc, forecast, permissions, progress
from twinning.indicators.models import (
    Indicator,
    Period,
    PeriodType,
    Report,
    ReportFile,
    Target,
    Value,
)
from twinning.indicators.spec import IndicatorSpec, Observation, TargetSpec
from twinning.pairings.models import Pairing
from twinning.regions.models import Region

OFFICIAL_STATUSES = Report.SUBMITTED_STATUSES

# Reminders (reminders.py) are recorded as audit entries of this pseudo type, one per
# (event, period, region), so a report's history shows them and a run never sends one twice.
REMINDER_TARGET_TYPE = "indicators.reminder"


def reminder_key(event: str, period_code: str, region_code: str) -> str:
    return f"{event}/{period_code}/{region_code}"


# ---------------------------------------------------------------- regions and periods


def _region_not_found() -> NotFound:
    return NotFound(_("地区不存在，或您无权查看其指标数据。"))


def reporting_regions() -> QuerySet[Region]:
    """The regions expected to report: a side (leading or partner) of a live, active pair."""
    pairs = Pairing.objects.live().filter(status=Pairing.Status.ACTIVE)
    return Region.objects.filter(
        Q(code__in=pairs.values("leading_region")) | Q(code__in=pairs.values("partner_region"))
    ).order_by("code")


def visible_regions(user: Any) -> QuerySet[Region]:
    """The regions whose indicator data the user may see (see permissions.py)."""
    return Region.objects.filter(permissions.visible_regions_q(user, "code"))


def visible_region(user: Any, code: str) -> Region:
    """One region the user may see, in one query; NotFound otherwise."""
    region = visible_regions(user).filter(code=code).first()
    if region is None:
        raise _region_not_found()
    return region


def _require_visible(user: Any, region: Region) -> None:
    if not permissions.can_see_region(user, region):
        raise _region_not_found()


def _scoped_region(user: Any, region: Region | str) -> Region:
    """A region given by code or already loaded, checked either way."""
    if isinstance(region, Region):
        _require_visible(user, region)
        return region
    return visible_region(user, region)


def calendar_period(code: str) -> Period:
    """The period `code` as the calendar defines it (unsaved); NotFound for a malformed code."""
    try:
        kind, start, end = calc.period_bounds(code)
    except Invalid as exc:
        raise NotFound(_("期间“%(code)s”不存在。") % {"code": code}) from exc
    deadline = end + dt.timedelta(days=settings.TWINNING_REPORT_DEADLINE_DAYS)
    return Period(code=code, type=kind, start=start, end=end, deadline=deadline)


def period(code: str) -> Period:
    """The stored period `code`, or — before anyone has reported for it — the calendar's."""
    return Period.objects.filter(code=code).first() or calendar_period(code)


def periods(codes: Sequence[str]) -> list[Period]:
    """The periods `codes` in that order, stored where they are, in one query."""
    stored = {p.code: p for p in Period.objects.filter(code__in=list(codes))}
    return [stored.get(code) or calendar_period(code) for code in codes]


def codes_of_year(year: int, period_type: str) -> list[str]:
    first, last = {
        PeriodType.MONTH: (f"{year}-01", f"{year}-12"),
        PeriodType.QUARTER: (f"{year}Q1", f"{year}Q4"),
        PeriodType.YEAR: (str(year), str(year)),
    }[PeriodType(period_type)]
    return calc.periods_between(first, last)


def months_of(the_period: Period) -> list[str]:
    """The month codes a period is made of ("2025Q1" → 2025-01 … 2025-03)."""
    return calc.periods_between(
        calc.period_code_of(the_period.start, PeriodType.MONTH),
        calc.period_code_of(the_period.end, PeriodType.MONTH),
    )


# ---------------------------------------------------------------- catalogue


def indicators(
    include_archived: bool = False,
    *,
    kind: str | None = None,
    period_type: str | None = None,
    q: str | None = None,
) -> QuerySet[Indicator]:
    """The catalogue (everyone may read it), filtered by kind, period type and text."""
    rows = Indicator.objects.all()
    if not include_archived:
        rows = rows.filter(archived_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    if period_type:
        rows = rows.filter(period_type=period_type)
    if q and q.strip():
        text = q.strip()
        rows = rows.filter(
            Q(code__icontains=text)
            | Q(name__icontains=text)
            | Q(name_en__icontains=text)
            | Q(definition__icontains=text)
        )
    return rows.order_by("position", "code")


def indicator(code: str) -> Indicator:
    """An indicator of the catalogue, archived ones included (their values remain)."""
    found = Indicator.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("指标“%(code)s”不存在。") % {"code": code})
    return found


def specs() -> dict[str, IndicatorSpec]:
    """Every live indicator as plain numbers for calc/checks, by code."""
    return {i.code: IndicatorSpec.of(i) for i in indicators()}


# ---------------------------------------------------------------- reports


def report_for(user: Any, region_code: str, period_code: str) -> Report:
    """The region's report for the period; an unsaved draft (pk None, no values) when nobody has
    entered anything yet. NotFound if the region is not visible or the period malformed."""
    region = visible_region(user, region_code)
    found = (
        Report.objects.filter(region=region, period__code=period_code)
        .select_related("region", "period", "submitted_by", "reviewed_by", "approved_by")
        .first()
    )
    if found is not None:
        return found
    return Report(region=region, period=period(period_code), status=Report.Status.DRAFT)


def reports(
    user: Any,
    *,
    region: Region | str | None = None,
    period: str | None = None,
    status: str | None = None,
    period_type: str | None = None,
    year: int | None = None,
) -> QuerySet[Report]:
    """The reports of the regions the user may see, newest period first."""
    rows = Report.objects.filter(permissions.visible_regions_q(user, "region"))
    if region:
        rows = rows.filter(region=_scoped_region(user, region))
    if period:
        rows = rows.filter(period__code=period)
    if status:
        rows = rows.filter(status=status)
    if period_type:
        rows = rows.filter(period__type=period_type)
    if year is not None:
        rows = rows.filter(period__start__year=year)
    return rows.select_related("region", "period", "submitted_by").order_by(
        "-period__start", "period__type", "region_id"
    )


def evidence_for(user: Any, evidence_id: int) -> ReportFile:
    """Evidence of a report the user may see; anyone else's does not exist for them."""
    found = (
        ReportFile.objects.filter(permissions.visible_regions_q(user, "report__region"))
        .select_related("report__region", "report__period", "indicator", "uploaded_by")
        .filter(pk=evidence_id)
        .first()
    )
    if found is None:
        raise NotFound(_("没有这个佐证材料或无权查看。"))
    return found


def history_of(user: Any, report: Report) -> QuerySet[AuditEntry]:
    """The report's recorded changes, its evidence's and the reminders sent about it."""
    _require_visible(user, report.region)
    reminders = [
        reminder_key(event, report.period.code, report.region_id)
        for event in ("report_due", "report_missing")
    ]
    condition = Q(target_type=REMINDER_TARGET_TYPE, target_id__in=reminders)
    if report.pk is not None:
        files = ReportFile.objects.filter(report=report).values_list("pk", flat=True)
        condition |= Q(target_type="indicators.report", target_id=str(report.pk))
        condition |= Q(target_type="indicators.reportfile", target_id__in=[str(f) for f in files])
    return AuditEntry.objects.filter(condition).select_related("actor").order_by("-at", "-id")


# ---------------------------------------------------------------- the reporting grid


@dataclass
class Cell:
    value: Decimal | None = None
    comment: str = ""
    warnings: list[dict[str, str]] = field(default_factory=list)
    computed: bool = False
    scope: str = ""

    @property
    def needs_comment(self) -> bool:
        return bool(self.warnings) and not self.comment.strip()


@dataclass
class Column:
    period: Period
    report: Report | None
    # Whether this user may enter values in this period now (see `_editable`).
    editable: bool

    @property
    def code(self) -> str:
        return self.period.code


@dataclass
class Row:
    indicator: Indicator
    cells: list[Cell]  # one per column, same order

    @property
    def computed(self) -> bool:
        return self.indicator.is_computed


@dataclass
class Grid:
    """Indicators × periods of one region and year, as the reporting page shows them."""

    region: Region
    year: int
    period_type: str
    columns: list[Column]
    rows: list[Row]
    can_report: bool

    @property
    def editable(self) -> bool:
        return any(c.editable for c in self.columns)

    def cell(self, indicator_code: str, period_code: str) -> Cell:
        index = [c.code for c in self.columns].index(period_code)
        row = next(r for r in self.rows if r.indicator.code == indicator_code)
        return row.cells[index]


def _editable(may_report: bool, the_period: Period, report: Report | None, today: dt.date) -> bool:
    """Values can be entered by a reporter in a period that has begun, while its report is a
    draft or returned; generated demo reports are never written by people."""
    if not may_report or the_period.start > today:
        return False
    return report is None or (report.is_editable and not report.is_demo)


def grid(user: Any, region_code: str, *, year: int, period_type: str = "month") -> Grid:
    """The reporting grid in five queries: region, indicators, periods, reports, values."""
    region = visible_region(user, region_code)
    rows_of = list(indicators().filter(period_type=period_type))
    columns_of = periods(codes_of_year(year, period_type))
    stored = [p.pk for p in columns_of if p.pk is not None]
    by_period = {r.period_id: r for r in Report.objects.filter(region=region, period__in=stored)}
    values = Value.objects.filter(report__in=[r.pk for r in by_period.values()]).values_list(
        "report_id", "indicator_id", "value", "comment", "warnings", "is_computed", "scope"
    )
    cells = {
        (report_id, indicator_id): Cell(value, comment, list(warnings or []), computed, scope)
        for report_id, indicator_id, value, comment, warnings, computed, scope in values
    }
    may_report = permissions.can_report(user, region)
    today = timezone.localdate()
    columns = []
    for the_period in columns_of:
        report = by_period.get(the_period.pk) if the_period.pk is not None else None
        columns.append(Column(the_period, report, _editable(may_report, the_period, report, today)))
    rows = [
        Row(
            indicator=item,
            cells=[
                cells.get((c.report.pk, item.pk), Cell(computed=item.is_computed))
                if c.report is not None
                else Cell(computed=item.is_computed)
                for c in columns
            ],
        )
        for item in rows_of
    ]
    return Grid(region, year, period_type, columns, rows, may_report)


# ---------------------------------------------------------------- series


def _series_rows(
    region: Region,
    codes: Sequence[str],
    *,
    first: str | None,
    last: str | None,
    official_only: bool,
) -> dict[str, list[Observation]]:
    """One query: each indicator's values at its own period type, oldest first."""
    rows = Value.objects.filter(
        report__region=region,
        indicator__code__in=list(codes),
        report__period__type=F("indicator__period_type"),
    )
    if first:
        rows = rows.filter(report__period__start__gte=calc.period_bounds(first)[1])
    if last:
        rows = rows.filter(report__period__end__lte=calc.period_bounds(last)[2])
    if official_only:
        rows = rows.filter(report__status__in=OFFICIAL_STATUSES)
    result: dict[str, list[Observation]] = {code: [] for code in codes}
    ordered = rows.order_by("report__period__end").values_list(
        "indicator__code", "report__period__end", "value"
    )
    for code, end, value in ordered:
        result[code].append((end, value))
    return result


def series(
    user: Any,
    region_code: str,
    codes: Sequence[str],
    *,
    first: str | None = None,
    last: str | None = None,
    official_only: bool = False,
) -> dict[str, list[Observation]]:
    """Observations (period end, value) per indicator code, reported and computed alike: monthly
    for monthly indicators, yearly for yearly ones. `first`/`last` are period codes (inclusive).
    Two queries: the region, then every value."""
    region = visible_region(user, region_code)
    return _series_rows(region, codes, first=first, last=last, official_only=official_only)


# ---------------------------------------------------------------- targets


def targets(
    user: Any,
    *,
    region: Region | str | None = None,
    indicator: Indicator | str | None = None,
    include_archived: bool = False,
) -> QuerySet[Target]:
    rows = Target.objects.filter(permissions.visible_regions_q(user, "region"))
    if region:
        rows = rows.filter(region=_scoped_region(user, region))
    if isinstance(indicator, Indicator):
        rows = rows.filter(indicator=indicator)
    elif indicator:
        rows = rows.filter(indicator__code=indicator)
    if not include_archived:
        rows = rows.filter(archived_at__isnull=True)
    return rows.select_related("region", "indicator", "goal").order_by(
        "region_id", "indicator__position", "due_date"
    )


def target_for(user: Any, target_id: int) -> Target:
    found = targets(user, include_archived=True).filter(pk=target_id).first()
    if found is None:
        raise NotFound(_("目标不存在，或您无权查看。"))
    return found


@dataclass
class TargetStatus:
    """Where a region stands against a target, and where its trend leads."""

    target: Target
    progress: progress.Progress
    forecast: forecast.Forecast | None
    trajectory: list[tuple[dt.date, Decimal]]
    series: list[Observation]
    # Monthly (date, value, low, high) from the last observation to the due date, for the chart.
    band: list[tuple[dt.date, float, float, float]]

    @property
    def early_warning(self) -> bool:
        """The forecast at the due date misses the target."""
        return self.forecast is not None and self.forecast.verdict in (
            forecast.AT_RISK,
            forecast.OFF_TRACK,
        )

    @property
    def severe(self) -> bool:
        """Even the favourable end of the forecast's range misses the target."""
        return self.forecast is not None and self.forecast.verdict == forecast.OFF_TRACK

    @property
    def warning(self) -> str:
        return _("预计不能按期达标") if self.early_warning else ""


# A forecast needs half a year of months, or three years of yearly figures.
MIN_POINTS = {PeriodType.MONTH: 6, PeriodType.QUARTER: 6, PeriodType.YEAR: 3}


def target_status(user: Any, target: Target) -> TargetStatus:
    """Progress (Open SDG method), trajectory, forecast and band from the official series."""
    _require_visible(user, target.region)
    spec = TargetSpec.of(target)
    code = target.indicator.code
    found = _series_rows(target.region, [code], first=None, last=None, official_only=True)
    observations = found[code]
    min_points = MIN_POINTS.get(PeriodType(target.indicator.period_type), 6)
    dates = sorted(
        {spec.baseline_date, spec.due_date}
        | {d for d, _v in observations if spec.baseline_date <= d <= spec.due_date}
    )
    # Once the due date is behind the last observation the record speaks for itself: a trend line
    # evaluated backwards would contradict what was actually reported.
    looks_ahead = bool(observations) and spec.due_date > max(d for d, _v in observations)
    return TargetStatus(
        target=target,
        progress=progress.measure(observations, spec),
        forecast=(
            forecast.forecast(observations, spec.due_date, target=spec, min_points=min_points)
            if looks_ahead
            else None
        ),
        trajectory=progress.trajectory(spec, dates),
        series=observations,
        band=(
            forecast.band(observations, spec.due_date, min_points=min_points) if looks_ahead else []
        ),
    )


# ---------------------------------------------------------------- map and ranking


@dataclass
class RegionValue:
    region: Region
    value: Decimal | None
    rank: int | None = None
    is_demo: bool = False
    # A quarter or year summed from fewer months than it has.
    partial: bool = False


def _direct_values(
    user: Any, item: Indicator, period_code: str, level: str | None
) -> list[RegionValue]:
    """Values reported (or computed) for exactly this period, one query."""
    rows = (
        Value.objects.filter(
            indicator=item,
            report__period__code=period_code,
            report__status__in=OFFICIAL_STATUSES,
        )
        .filter(permissions.visible_regions_q(user, "report__region"))
        .select_related("report__region")
    )
    if level:
        rows = rows.filter(report__region__level=level)
    return [RegionValue(v.report.region, v.value, is_demo=v.report.is_demo) for v in rows]


def _aggregated_values(
    user: Any, item: Indicator, the_period: Period, level: str | None
) -> list[RegionValue]:
    """A quarter or year from the monthly values of the indicator and of its components, summed
    and recomputed by calc.aggregate (never averaged). Two queries."""
    months = months_of(the_period)
    spec = IndicatorSpec.of(item)
    wanted = {item.code, *spec.components}
    specs_of = {i.code: IndicatorSpec.of(i) for i in Indicator.objects.filter(code__in=wanted)}
    rows = (
        Value.objects.filter(
            indicator__code__in=wanted,
            report__period__code__in=months,
            report__status__in=OFFICIAL_STATUSES,
        )
        .filter(permissions.visible_regions_q(user, "report__region"))
        .select_related("report__region", "report__period", "indicator")
    )
    if level:
        rows = rows.filter(report__region__level=level)
    monthly: dict[str, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    regions: dict[str, Region] = {}
    demo: dict[str, bool] = defaultdict(bool)
    for row in rows:
        region = row.report.region
        regions[region.code] = region
        demo[region.code] |= row.report.is_demo
        monthly[region.code][row.report.period.code][row.indicator.code] = row.value
    result = []
    for code, by_month in monthly.items():
        totals = calc.aggregate(by_month, specs_of, the_period.type)
        value = totals.get(the_period.code, {}).get(item.code)
        result.append(
            RegionValue(
                regions[code],
                value,
                is_demo=demo[code],
                partial=len(by_month) < len(months),
            )
        )
    return sorted(result, key=lambda r: r.region.code)


def _values_for(
    user: Any, indicator_code: str, period_code: str, level: str | None
) -> tuple[Indicator, list[RegionValue]]:
    item = indicator(indicator_code)
    the_period = calendar_period(period_code)
    if the_period.type == item.period_type:
        return item, _direct_values(user, item, period_code, level)
    if item.period_type == PeriodType.MONTH:
        return item, _aggregated_values(user, item, the_period, level)
    raise Invalid(
        _("“%(name)s”按%(type)s填报，请选择相应的期间。")
        % {"name": item.name, "type": item.get_period_type_display()},
        code="period_type",
        fields={"period": [_("期间类型与指标的报告周期不符。")]},
    )


def map_values(
    user: Any, indicator_code: str, period_code: str, *, level: str | None = None
) -> list[RegionValue]:
    """The official value of every visible region for a period (a quarter or year of a monthly
    indicator aggregated from its months), by region code; `level` keeps e.g. provinces."""
    return _values_for(user, indicator_code, period_code, level)[1]


def rank(rows: Iterable[RegionValue], direction: str) -> list[RegionValue]:
    """Regions with a value, best first by the indicator's direction; equal values share a rank
    (1, 2, 2, 4)."""
    present = [r for r in rows if r.value is not None]
    lower_is_better = direction == "lower"
    present.sort(key=lambda r: r.region.code)
    present.sort(key=lambda r: r.value or Decimal(0), reverse=not lower_is_better)
    previous: Decimal | None = None
    for position, row in enumerate(present, start=1):
        if row.value != previous:
            row.rank = position
            previous = row.value
        else:
            row.rank = present[position - 2].rank
    return present


def ranking(
    user: Any, indicator_code: str, period_code: str, *, level: str | None = None
) -> list[RegionValue]:
    item, rows = _values_for(user, indicator_code, period_code, level)
    return rank(rows, item.direction)
