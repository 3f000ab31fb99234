"""Generated demo series of indicator reports (local trials only; every report `is_demo`).

For every region that is a side of a live, active pair: monthly reports from January 2021 to the
month before last (the current and the previous month stay open for the demo users to fill), and
a yearly report of installed capacities for every year those months complete. The numbers are
invented but shaped like DOMAIN.md §5: leading sides recycle 40–55 % and cover 95–100 % of their
communities; partners start near 30 % and 80 % and rise slowly (30–39 %, 80–93 %), separating
10–20 % of their food waste. Tonnages obey the checks (parts within totals, the four streams
just under the total, covered within all), with seasonality (the Spring Festival) and small noise.

Deterministic: each region's series comes from `random.Random(region code)` and does not depend
on which months are loaded, so loading later only adds the new months. A region-period that
already has a report — real or demo — is skipped: demo data never overwrite or mix with real data.
"""

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from twinning.indicators import calc, queries, services
from twinning.indicators.catalogue import load_catalogue
from twinning.indicators.models import Indicator, Period, Report, Target, Value
from twinning.indicators.spec import IndicatorSpec
from twinning.pairings.models import Pairing
from twinning.regions.models import Region

DEMO_LABEL = "演示数据（生成）"
FIRST_MONTH = "2021-01"
# The latest demo months wait for the Ministry (submitted); older ones are approved.
SUBMITTED_MONTHS = 3

LEADING, PARTNER = "leading", "partner"
# Ranges the generated rates stay within, in % (DOMAIN.md §5.3 demo-data tip).
RECOVERY_RANGE = {LEADING: (40.0, 55.0), PARTNER: (30.0, 39.0)}
COVERAGE_RANGE = {LEADING: (95.0, 100.0), PARTNER: (80.0, 93.0)}
FOOD_RANGE = {LEADING: (20.0, 32.0), PARTNER: (10.0, 20.0)}
# Monthly generation by region level, in t: a province, a city, a county or district.
MONTHLY_TONNES: dict[str, tuple[float, float]] = {
    Region.Level.PROVINCE: (250_000.0, 700_000.0),
    Region.Level.PREFECTURE: (40_000.0, 150_000.0),
    Region.Level.COUNTY: (4_000.0, 15_000.0),
}
COMMUNITIES: dict[str, tuple[int, int]] = {
    Region.Level.PROVINCE: (8_000, 25_000),
    Region.Level.PREFECTURE: (800, 4_000),
    Region.Level.COUNTY: (80, 400),
}
# Daily generation against the yearly mean: up before the Spring Festival, down during it,
# up in the summer (fruit and vegetables).
SEASON = (1.03, 0.95, 0.97, 0.98, 1.0, 1.02, 1.04, 1.04, 1.01, 0.99, 0.98, 1.0)
# Month index (0 = 2021-01) of the end of 2025, the year the programme's targets fall due.
MONTHS_TO_2025_END = 59

TENTH, HUNDREDTH = Decimal("0.1"), Decimal("0.01")
ONE = Decimal(1)


@dataclass
class DemoIndicatorsResult:
    regions: int = 0
    reports_created: int = 0
    values_created: int = 0
    # Region-periods that already had a report (real, or demo from an earlier load).
    reports_existing: int = 0
    targets_created: int = 0


@dataclass(frozen=True)
class _Profile:
    """A region's invariant traits, drawn first from its generator."""

    side: str
    tonnes: float
    growth: float  # of generation, per year
    recovery: tuple[float, float]  # at the start and at the end of 2025, %
    coverage: tuple[float, float]
    food: tuple[float, float]
    household_gap: float  # household coverage below community coverage, points
    collected: float  # share of generation collected
    treated: float  # share of collected waste treated harmlessly
    hazardous: float  # share of generation
    communities: int
    households_per_community: float


def last_demo_month(today: dt.date) -> str:
    """The month before last: the current and previous months stay open for the demo users."""
    months = today.year * 12 + today.month - 1 - 2
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


@transaction.atomic
def load_indicator_demo(*, today: dt.date | None = None) -> DemoIndicatorsResult:
    """Create the missing demo reports and their values; never touch an existing report."""
    today = today or timezone.localdate()
    load_catalogue()
    result = DemoIndicatorsResult()
    last = last_demo_month(today)
    if last < FIRST_MONTH:
        return result
    indicators = {i.code: i for i in Indicator.objects.filter(archived_at__isnull=True)}
    specs = {code: IndicatorSpec.of(i) for code, i in indicators.items()}
    months = calc.periods_between(FIRST_MONTH, last)
    years = [code for code in calc.periods_between("2021", last[:4]) if f"{code}-12" <= last]
    # The calendar's own periods (with their deadlines), created the first time they are used.
    periods = {code: services.ensure_period(code) for code in months + years}
    sides = _sides()
    regions = list(queries.reporting_regions())
    result.regions = len(regions)
    taken = set(
        Report.objects.filter(region__in=regions, period__in=periods.values()).values_list(
            "region_id", "period_id"
        )
    )
    # Reports of periods ending before the first of the latest months are approved.
    approved_before = calc.period_bounds(months[max(len(months) - SUBMITTED_MONTHS, 0)])[1]
    reports: list[Report] = []
    pending: list[dict[str, Decimal]] = []
    for region in regions:
        profile = _profile(region, sides.get(region.code, PARTNER))
        monthly = list(_monthly_series(region.code, profile, len(months)))
        yearly = _yearly_series(region.code, profile, months, monthly, years)
        timing = random.Random(f"{region.code}/timing")  # noqa: S311 - demo data, not secrets
        for code, values in [*zip(months, monthly, strict=True), *yearly.items()]:
            period = periods[code]
            late = profile.side == PARTNER and timing.random() < 0.1
            delay = timing.randint(11, 16) if late else timing.randint(2, 10)
            if (region.code, period.pk) in taken:
                result.reports_existing += 1
                continue
            reports.append(_report(region, period, delay, approved_before))
            pending.append(values)
    Report.objects.bulk_create(reports, batch_size=1000)
    rows = list(_values(reports, pending, indicators, specs))
    Value.objects.bulk_create(rows, batch_size=2000)
    result.reports_created, result.values_created = len(reports), len(rows)
    result.targets_created = _demo_targets(regions, sides, indicators, today)
    return result


# Every programme target fell due by 2025; a target still ahead lets the demo show forecasts
# and early warnings. It is labelled as generated, not as a target anyone set. 1.5 points above
# the baseline in two years: within reach of most partners' trend (the health demo needs pairs
# that are on track), beyond it for the slowest (the early warning still has work).
DEMO_TARGET_GAIN = Decimal("1.5")
DEMO_TARGET_SOURCE = "演示目标（生成）：用于展示进展预测与预警，并非正式下达的目标。"


def _demo_targets(
    regions: list[Region], sides: dict[str, str], indicators: dict[str, Indicator], today: dt.date
) -> int:
    """回收利用率 1.5 points above its last December (the baseline) two years on, per partner."""
    recovery = indicators.get("recovery_rate")
    partners = [r for r in regions if sides.get(r.code, PARTNER) == PARTNER]
    if recovery is None or not partners:
        return 0
    baseline_period = f"{today.year - 1}-12"
    due = dt.date(today.year + 1, 12, 31)
    baselines = dict(
        Value.objects.filter(
            indicator=recovery, report__period__code=baseline_period, report__region__in=partners
        ).values_list("report__region_id", "value")
    )
    taken = set(
        Target.objects.filter(indicator=recovery, due_date=due).values_list("region_id", flat=True)
    )
    new = [
        Target(
            region=region,
            indicator=recovery,
            baseline_value=baselines[region.code],
            baseline_date=calc.period_bounds(baseline_period)[2],
            target_value=(baselines[region.code] + DEMO_TARGET_GAIN).quantize(TENTH, ROUND_HALF_UP),
            due_date=due,
            source=DEMO_TARGET_SOURCE,
        )
        for region in partners
        if region.code in baselines and region.code not in taken
    ]
    Target.objects.bulk_create(new)
    return len(new)


# ---------------------------------------------------------------- periods and reports


def _sides() -> dict[str, str]:
    """Leading for a region that leads any live, active pair; partner otherwise."""
    pairs = Pairing.objects.live().filter(status=Pairing.Status.ACTIVE)
    return dict.fromkeys(pairs.values_list("leading_region_id", flat=True), LEADING)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _report(region: Region, period: Period, delay: int, approved_before: dt.date) -> Report:
    """Submitted `delay` days after the period's end; approved a week later if old enough."""
    submitted_at = _at(period.end + dt.timedelta(days=delay), 10)
    report = Report(
        region=region,
        period=period,
        is_demo=True,
        status=Report.Status.SUBMITTED,
        submitted_at=submitted_at,
    )
    if period.end < approved_before:
        report.status = Report.Status.APPROVED
        report.approved_at = submitted_at + dt.timedelta(days=7, hours=5)
    return report


def _values(
    reports: list[Report],
    pending: list[dict[str, Decimal]],
    indicators: dict[str, Indicator],
    specs: dict[str, IndicatorSpec],
) -> Iterator[Value]:
    """Reported values of live indicators, then the computed ones from them (calc.compute)."""
    for report, reported in zip(reports, pending, strict=True):
        values = {code: v for code, v in reported.items() if code in indicators}
        computed = calc.compute(values, specs)
        for code, value in [*values.items(), *computed.items()]:
            indicator = indicators[code]
            yield Value(
                report=report,
                indicator=indicator,
                value=value,
                definition_version=indicator.version,
                is_computed=code in computed,
            )


# ---------------------------------------------------------------- the series


def _profile(region: Region, side: str) -> _Profile:
    rng = random.Random(region.code)  # noqa: S311 - demo data, not secrets
    low, high = MONTHLY_TONNES.get(region.level, MONTHLY_TONNES[Region.Level.PREFECTURE])
    c_low, c_high = COMMUNITIES.get(region.level, COMMUNITIES[Region.Level.PREFECTURE])
    tonnes, communities = rng.uniform(low, high), rng.randint(c_low, c_high)
    if side == LEADING:
        start = rng.uniform(40.0, 46.0)
        recovery = (start, rng.uniform(max(start + 3.0, 47.0), 54.0))
        cover = rng.uniform(95.0, 97.5)
        coverage = (cover, rng.uniform(cover + 1.0, 100.0))
        food = rng.uniform(20.0, 25.0)
        return _Profile(
            side=side,
            tonnes=tonnes,
            growth=rng.uniform(-0.015, 0.01),
            recovery=recovery,
            coverage=coverage,
            food=(food, rng.uniform(food + 1.0, 31.0)),
            household_gap=rng.uniform(0.5, 2.0),
            collected=rng.uniform(0.985, 0.998),
            treated=rng.uniform(0.995, 1.0),
            hazardous=rng.uniform(0.00005, 0.0002),
            communities=communities,
            households_per_community=rng.uniform(300.0, 600.0),
        )
    # Partners: some reach 35 % by the end of 2025, some do not (the early warning has work).
    start = rng.uniform(30.0, 32.5)
    cover = rng.uniform(80.0, 83.0)
    food = rng.uniform(10.0, 13.0)
    return _Profile(
        side=side,
        tonnes=tonnes,
        growth=rng.uniform(0.0, 0.03),
        recovery=(start, rng.uniform(max(32.0, start + 1.5), 37.5)),
        coverage=(cover, rng.uniform(89.0, 93.0)),
        food=(food, rng.uniform(15.0, 19.0)),
        household_gap=rng.uniform(1.0, 4.0),
        collected=rng.uniform(0.975, 0.995),
        treated=rng.uniform(0.985, 1.0),
        hazardous=rng.uniform(0.00002, 0.0001),
        communities=communities,
        households_per_community=rng.uniform(300.0, 600.0),
    )


def _trend(ends: tuple[float, float], month: int, bounds: tuple[float, float]) -> float:
    """On the straight line from the start to the end-2025 value, within `bounds`."""
    start, end = ends
    value = start + (end - start) * month / MONTHS_TO_2025_END
    return min(max(value, bounds[0]), bounds[1])


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    """Within `bounds` by a small margin: rates recomputed from rounded tonnages stay inside."""
    return min(max(value, bounds[0] + 0.05), bounds[1] - 0.05)


def _tonnes(value: float) -> Decimal:
    return Decimal(value).quantize(TENTH, ROUND_HALF_UP)


def _whole(value: float) -> Decimal:
    return Decimal(value).quantize(ONE, ROUND_HALF_UP)


def _covered(total: Decimal, percent: float, bounds: tuple[float, float]) -> Decimal:
    """The covered count nearest `percent` of `total` whose rate stays within `bounds`.

    Rounding alone could take a small county's 95.0 % of 137 communities to 130 (94.9 %).
    """
    count = float(total)
    low, high = math.ceil(count * bounds[0] / 100), math.floor(count * bounds[1] / 100)
    return Decimal(min(max(round(count * percent / 100), low), high))


def _monthly_series(code: str, p: _Profile, count: int) -> Iterator[dict[str, Decimal]]:
    """`count` months of reported values from January 2021, drawn in order from one generator.

    The four streams come from the rates: with generation G, recycling rate r, food separation
    rate f and the streams adding up to a share s of G, food waste F = f(sG − H − rG)/(1 − f)
    and recyclables rG − F, so 回收利用量 (recyclables + food) is exactly rG.
    """
    rng = random.Random(f"{code}/months")  # noqa: S311 - demo data, not secrets
    for month in range(count):
        year, month_of_year = 2021 + month // 12, month % 12
        days = calc.month_end(year, month_of_year + 1).day
        generated = (
            p.tonnes
            * (1 + p.growth) ** (month / 12)
            * SEASON[month_of_year]
            * days
            / 30.4
            * (1 + rng.gauss(0, 0.01))
        )
        recovery = _clamp(
            _trend(p.recovery, month, RECOVERY_RANGE[p.side]) + rng.gauss(0, 0.4),
            RECOVERY_RANGE[p.side],
        )
        coverage = _clamp(
            _trend(p.coverage, month, COVERAGE_RANGE[p.side]) + rng.uniform(-0.2, 0.2),
            COVERAGE_RANGE[p.side],
        )
        food_rate = _clamp(
            _trend(p.food, month, FOOD_RANGE[p.side]) + rng.gauss(0, 0.15), FOOD_RANGE[p.side]
        )
        share = rng.uniform(0.97, 0.99)
        g = _tonnes(generated)
        # Kilograms matter here: a county separates a few hundred kilograms a month.
        hazardous = Decimal(generated * p.hazardous).quantize(HUNDREDTH, ROUND_HALF_UP)
        r, f = recovery / 100, food_rate / 100
        food = _tonnes(f * (share * generated - float(hazardous) - r * generated) / (1 - f))
        recyclables = _tonnes(r * generated) - food
        residual = _tonnes(share * generated) - hazardous - recyclables - food
        collected = _tonnes(generated * p.collected)
        communities = _whole(p.communities * (1 + 0.01 * month / 12))
        households = _whole(float(communities) * p.households_per_community)
        household_coverage = max(coverage - p.household_gap, 0.0)
        sorting = _covered(communities, coverage, COVERAGE_RANGE[p.side])
        yield {
            "msw_generated_t": g,
            "msw_collected_t": collected,
            "recyclables_recovered_t": recyclables,
            "hazardous_collected_t": hazardous,
            "food_waste_separated_t": food,
            "residual_waste_t": residual,
            "recovery_utilised_t": recyclables + food,
            "harmless_treated_t": _tonnes(float(collected) * p.treated),
            "communities_total": communities,
            "communities_sorting": sorting,
            "households_total": households,
            "households_covered": _covered(households, household_coverage, (0.0, 100.0)),
        }


def _yearly_series(
    code: str,
    p: _Profile,
    months: list[str],
    monthly: list[dict[str, Decimal]],
    years: list[str],
) -> dict[str, dict[str, Decimal]]:
    """Installed capacities (t/d) at the end of each complete year, sized on that year's flows."""
    rng = random.Random(f"{code}/years")  # noqa: S311 - demo data, not secrets
    incineration = rng.uniform(0.7, 0.85) if p.side == LEADING else rng.uniform(0.45, 0.6)
    ceiling = 0.98 if p.side == LEADING else 0.85
    yearly: dict[str, dict[str, Decimal]] = {}
    for index, year in enumerate(years):
        rows = [v for m, v in zip(months, monthly, strict=True) if m.startswith(f"{year}-")]
        days = 366 if calc.month_end(int(year), 2).day == 29 else 365
        daily = float(sum(r["msw_generated_t"] for r in rows)) / days
        daily_food = float(sum(r["food_waste_separated_t"] for r in rows)) / days
        december = rows[-1]
        coverage = float(december["communities_sorting"]) / float(december["communities_total"])
        harmless = _whole(daily * rng.uniform(1.1, 1.35))
        share = min(incineration + (0.03 if p.side == LEADING else 0.04) * index, ceiling)
        yearly[year] = {
            "sorting_collection_capacity_tpd": _whole(daily * coverage * rng.uniform(0.95, 1.05)),
            "harmless_capacity_tpd": harmless,
            "incineration_capacity_tpd": _whole(float(harmless) * share),
            "food_treatment_capacity_tpd": _whole(daily_food * rng.uniform(1.0, 1.3)),
        }
    return yearly
