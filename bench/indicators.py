"""Benchmark: indicator values at national scale — the Ministry's Excel import, a region's chart
series and the national completeness table.

Builds a throw-away database with the programme's starting record and indicator catalogue, then
generated pairs until exactly 400 regions report (every side of a live pair), two years of
approved monthly history for all of them (five years for 河南), and times, in-process:

    excel.import_values                a 100,800-value workbook: 400 regions × 12 indicators
                                       × 21 months, the Ministry's bulk import     < 30 s
    queries.series                     河南, 20 indicators × 60 months              < 50 ms
    completeness.completeness          one month × 400 regions, the Ministry       < 200 ms
    excel.template_workbook            the 400-region template                      (reported)

The first import creates every value (and 8,400 draft reports); the later ones alternate two
workbooks, B (every value changed) and A again, so each of them updates 100,800 values.

    .venv/bin/python bench/indicators.py [--database sqlite|postgres|both] [--repeat N]

Like bench/registry.py, each database runs in its own child process (bench/harness.py). See
bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import math
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

# bench/ is on sys.path when this file runs as a script.
import harness

CHILD_ENV = "BENCH_INDICATORS_CHILD"

SEED = 20210601
REGION_COUNT = 400
SERIES_REGION = "410000"  # 河南: five years of history, the chart's region
HISTORY_START = "2019-01"  # 河南's history; the others' starts at HISTORY_OTHERS
HISTORY_OTHERS = "2022-01"
HISTORY_END = "2023-12"
COMPLETENESS_MONTH = "2023-12"
IMPORT_FIRST, IMPORT_LAST = "2024-01", "2025-09"  # 21 months
# The twelve reported monthly indicators the workbook fills (the catalogue's thirteenth,
# 投放准确率, is a survey rate: left blank, as a city without the survey would).
IMPORTED = (
    "msw_generated_t",
    "msw_collected_t",
    "recyclables_recovered_t",
    "hazardous_collected_t",
    "food_waste_separated_t",
    "residual_waste_t",
    "recovery_utilised_t",
    "harmless_treated_t",
    "communities_total",
    "communities_sorting",
    "households_total",
    "households_covered",
)
COUNTS = frozenset(
    {"communities_total", "communities_sorting", "households_total", "households_covered"}
)
# Two reported monthly indicators of the benchmark's own, so the chart has 20 series.
EXTRA = (("bench_inspections", "基准：入户督导次数"), ("bench_volunteers", "基准：志愿者人数"))
SERIES_CODES_EXPECTED = 20
BATCH = 2000


@dataclass(frozen=True)
class Endpoint:
    name: str
    label: str
    target_ms: float | None
    warmup: int


ENDPOINTS: dict[str, Endpoint] = {
    "export": Endpoint("export", "excel.template_workbook (400 regions)", None, 0),
    "import_create": Endpoint("import_create", "excel.import_values, first (creates)", 30_000, 0),
    "import": Endpoint("import", "excel.import_values (updates)", 30_000, 0),
    "series": Endpoint("series", "queries.series 20 × 60 months", 50.0, 5),
    "completeness": Endpoint("completeness", "completeness.completeness 400 regions", 200.0, 5),
}


# --------------------------------------------------------------------------------------------
# Parent: prepare each database, run a child per database, print the table.
# --------------------------------------------------------------------------------------------


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = harness.argument_parser(
        __doc__,
        repeat_help="timed series and completeness calls (50)",
        repeat_heavy=(3, "timed updating imports after the first (3)"),
        show_sql_help="print the SQL of one run of each (by shape)",
        profile_help="print a profile of one run of each (pyinstrument if installed)",
        strict_help="exit 1 when something misses its target",
    )
    return harness.parse_args(parser, argv)


def _write_values_text(_result: dict[str, Any], row: dict[str, Any]) -> str:
    service = row["write_values_median_ms"]
    return f"{service:,.1f} ms" if service else "—"


TABLE = [
    harness.DATABASE_COLUMN,
    harness.text_column("operation", 42, "label"),
    *harness.timing_columns(13, ",.1f"),
    harness.Column("write_values", 14, _write_values_text),
    harness.number_column("queries", 8, "queries"),
    harness.number_column("runs", 5, "repeat"),
]


def _describe(result: dict[str, Any]) -> str:
    data = result["data"]
    return (
        f"{data['regions']} reporting regions, "
        f"{data['history_values']:,} history values in {data['history_reports']:,} reports, "
        f"workbook {data['workbook_values']:,} values ({data['workbook_kb']:,} KB); "
        f"completeness {data['completeness']}; built in {data['build_seconds']}"
    )


def parent_main(args: argparse.Namespace, argv: list[str]) -> int:
    return harness.parent_main(
        args,
        argv,
        name="indicators",
        script=Path(__file__),
        child_env=CHILD_ENV,
        table=lambda results: harness.print_table(
            results, TABLE, target_width=11, target_spec=",.0f"
        ),
        describe=_describe,
        targets=(
            "targets: import of 100,800 values < 30 s, series 20 × 60 months < 50 ms, "
            f"completeness of 400 regions < 200 ms (median, in-process; imports: the first, "
            f"then {args.repeat_heavy} updating; the others {args.repeat} after 5 warm-ups)"
        ),
    )


# --------------------------------------------------------------------------------------------
# Child: set Django up against the prepared database, build the data, time the operations.
# --------------------------------------------------------------------------------------------


@dataclass
class Built:
    """What was generated, kept independently of the code under test to check the answers."""

    regions: list[str] = field(default_factory=list)  # the 400 reporting region codes
    history_reports: int = 0
    history_values: int = 0
    series_points: int = 0  # 河南's observations over the 60 months, all 20 codes
    completeness: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    """A region's scale and shares, so its months are consistent and change smoothly."""

    generated: float  # t per month
    recyclables: float
    food: float
    recovery: float
    communities: int
    households: int
    coverage: float


def _profile_of(code: str) -> Profile:
    rng = random.Random(f"{SEED}-{code}")
    return Profile(
        generated=rng.uniform(15_000, 400_000),
        recyclables=rng.uniform(0.17, 0.23),
        food=rng.uniform(0.12, 0.2),
        recovery=rng.uniform(0.3, 0.45),
        communities=rng.randrange(300, 6000),
        households=rng.randrange(100_000, 3_000_000),
        coverage=rng.uniform(0.75, 0.92),
    )


def _month_index(code: str) -> int:
    year, month = int(code[:4]), int(code[5:7])
    return (year - 2019) * 12 + month - 1


def _months(first: str, last: str) -> list[str]:
    start, end = _month_index(first), _month_index(last)
    return [f"{2019 + i // 12}-{i % 12 + 1:02d}" for i in range(start, end + 1)]


def _month_values(region: str, month: str) -> dict[str, Decimal]:
    """The region's reported values for a month: seasonal, a slight trend, a little noise, and
    consistent (parts within totals, the four streams just under the total)."""
    profile = _profile_of(region)
    index = _month_index(month)
    rng = random.Random(f"{SEED}-{region}-{month}")
    season = 1 + 0.04 * math.sin(2 * math.pi * (index % 12) / 12)
    generated = profile.generated * season * (1 + 0.002 * index) * rng.uniform(0.99, 1.01)
    collected = generated * rng.uniform(0.97, 0.995)
    recyclables = generated * profile.recyclables * rng.uniform(0.99, 1.01)
    food = generated * profile.food * rng.uniform(0.99, 1.01)
    hazardous = generated * 0.0002
    residual = generated * 0.96 - recyclables - food - hazardous
    coverage = min(0.99, profile.coverage + 0.002 * index)
    tonnes = {
        "msw_generated_t": generated,
        "msw_collected_t": collected,
        "recyclables_recovered_t": recyclables,
        "hazardous_collected_t": hazardous,
        "food_waste_separated_t": food,
        "residual_waste_t": residual,
        "recovery_utilised_t": generated * profile.recovery,
        "harmless_treated_t": collected * 0.995,
    }
    values = {code: Decimal(str(round(v, 2))) for code, v in tonnes.items()}
    values["communities_total"] = Decimal(profile.communities)
    values["communities_sorting"] = Decimal(round(profile.communities * coverage))
    values["households_total"] = Decimal(profile.households)
    values["households_covered"] = Decimal(round(profile.households * coverage))
    return values


def _variant_b(values: dict[str, Decimal]) -> dict[str, Decimal]:
    """Workbook B: every value changed, still consistent."""
    changed = {}
    for code, value in values.items():
        if code in COUNTS:
            changed[code] = value + (10 if code.endswith("_total") else 5)
        else:
            changed[code] = (value * Decimal("1.01")).quantize(Decimal("0.01"))
    return changed


def _add_pairs(rng: random.Random) -> int:
    """Pairs of cities (then counties) of different provinces, with fresh sides, until
    REGION_COUNT regions report."""
    from twinning.indicators import queries
    from twinning.pairings import services
    from twinning.regions.models import Region

    reporting = set(queries.reporting_regions().values_list("code", flat=True))
    candidates = list(
        Region.objects.exclude(level=Region.Level.PROVINCE)
        .exclude(code__in=reporting)
        .order_by("-level", "code")  # prefecture before county
    )
    cities = candidates[: 2 * REGION_COUNT]
    rng.shuffle(cities)
    province = {r.code: r.province_code for r in cities}
    created = 0
    while len(reporting) < REGION_COUNT:
        leading = cities.pop()
        if len(reporting) == REGION_COUNT - 1:
            # One region short: pair a fresh one with a city that already reports.
            partner_code = next(
                code
                for code in sorted(reporting)
                if code[:2] != leading.code[:2] and not code.endswith("0000")
            )
        else:
            partner = next(c for c in cities if province[c.code] != province[leading.code])
            cities.remove(partner)
            partner_code = partner.code
        services.propose_pairing(
            actor=None,
            leading_code=leading.code,
            partner_code=partner_code,
            established_on=dt.date(2021, 6, 1),
            source="基准测试生成数据",
        )
        reporting |= {leading.code, partner_code}
        created += 1
    return created


def _indicators() -> list[str]:
    """The catalogue (loaded with the programme) plus two of the benchmark's own: the codes of
    the 20 monthly indicators, reported and computed, that the chart shows."""
    from twinning.indicators.models import Indicator

    for position, (code, name) in enumerate(EXTRA, start=900):
        Indicator.objects.get_or_create(
            code=code,
            defaults={"name": name, "unit": "个", "aggregation": "sum", "position": position},
        )
    codes = list(
        Indicator.objects.filter(archived_at__isnull=True, period_type="month")
        .order_by("position", "code")
        .values_list("code", flat=True)
    )
    missing = set(IMPORTED) - set(codes)
    assert not missing, f"the catalogue lacks {sorted(missing)}"
    assert len(codes) == SERIES_CODES_EXPECTED, f"{len(codes)} monthly indicators: {codes}"
    return codes


def _history(built: Built, series_codes: list[str]) -> None:
    """Approved monthly reports before the imported months, written with the ORM in bulk; the
    completeness month gets on-time, late, draft and absent reports."""
    from django.conf import settings
    from django.utils import timezone

    from twinning.indicators import calc, services
    from twinning.indicators.models import Indicator, Period, Report, Value
    from twinning.indicators.spec import IndicatorSpec

    indicators = {i.code: i for i in Indicator.objects.filter(archived_at__isnull=True)}
    specs = {c: IndicatorSpec.of(i) for c, i in indicators.items() if i.period_type == "month"}
    periods: dict[str, Period] = {
        code: services.ensure_period(code) for code in _months(HISTORY_START, HISTORY_END)
    }
    rng = random.Random(SEED)
    reports: list[Report] = []
    values: dict[tuple[str, str], dict[str, Decimal]] = {}
    for region in built.regions:
        first = HISTORY_START if region == SERIES_REGION else HISTORY_OTHERS
        for month in _months(first, HISTORY_END):
            period = periods[month]
            status, late = "approved", False
            if month == COMPLETENESS_MONTH:
                roll = rng.random()
                state = "on_time" if roll < 0.7 else "late" if roll < 0.82 else "missing"
                built.completeness[state] += 1
                if state == "missing":
                    if roll < 0.91:
                        continue  # no report at all
                    status = "draft"
                late = state == "late"
            days = settings.TWINNING_REPORT_DEADLINE_DAYS + (9 if late else -6)
            submitted = dt.datetime.combine(period.end + dt.timedelta(days=days), dt.time(10))
            reports.append(
                Report(
                    region_id=region,
                    period=period,
                    status=status,
                    submitted_at=timezone.make_aware(submitted) if status != "draft" else None,
                )
            )
            month_values = _month_values(region, month)
            if region == SERIES_REGION:
                month_values["sorting_accuracy_rate"] = Decimal(rng.randrange(70, 90))
                for code, _name in EXTRA:
                    month_values[code] = Decimal(rng.randrange(100, 200))
            values[(region, month)] = month_values
    Report.objects.bulk_create(reports, batch_size=BATCH)
    ids = {
        (region, code): pk
        for pk, region, code in Report.objects.values_list("pk", "region_id", "period__code")
    }
    rows: list[Value] = []
    for (region, month), reported in values.items():
        computed = calc.compute(reported, specs)
        report_id = ids[(region, month)]
        rows += [
            Value(report_id=report_id, indicator=indicators[c], value=v)
            for c, v in reported.items()
        ]
        rows += [
            Value(report_id=report_id, indicator=indicators[c], value=v, is_computed=True)
            for c, v in computed.items()
        ]
        if region == SERIES_REGION:
            built.series_points += sum(1 for c in series_codes if c in reported or c in computed)
    Value.objects.bulk_create(rows, batch_size=BATCH)
    built.history_reports, built.history_values = len(reports), len(rows)


def _build() -> tuple[Built, Any]:
    from django.core.management import call_command

    from twinning.accounts import services as accounts
    from twinning.indicators import queries

    rng = random.Random(SEED)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    call_command("load_programme", stdout=io.StringIO(), stderr=io.StringIO())
    seconds["programme"] = time.perf_counter() - start

    start = time.perf_counter()
    added = harness.add_missing_regions(rng, skip_counties=False)
    pairs = _add_pairs(rng)
    built = Built(regions=list(queries.reporting_regions().values_list("code", flat=True)))
    assert len(built.regions) == REGION_COUNT, f"{len(built.regions)} reporting regions"
    assert SERIES_REGION in built.regions
    seconds["pairs"] = time.perf_counter() - start

    start = time.perf_counter()
    series_codes = _indicators()
    _history(built, series_codes)
    seconds["history"] = time.perf_counter() - start
    ministry = accounts.create_organisation(actor=None, name="住房和城乡建设部", kind="ministry")
    supervisor = harness.create_user("bench-supervisor", "supervisor", ministry, "基准督导")
    built.seconds = {k: round(v, 1) for k, v in seconds.items()}
    print(f"   {added} regions added, {pairs} pairs generated", flush=True)
    return built, supervisor


# ---------------------------------------------------------------- workbooks and checks


@dataclass
class Workbook:
    data: bytes
    values: dict[tuple[str, str, str], Decimal]  # (region, month, code) → value


def _fill(template: bytes, built: Built, variant: str) -> Workbook:
    """The exported template with every imported cell filled in (variant A or B)."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook["填报"]
    header = [c.value for c in sheet[1]]
    columns = {h: i + 1 for i, h in enumerate(header)}
    months = _months(IMPORT_FIRST, IMPORT_LAST)
    assert all(m in columns for m in months), f"template header {header}"
    rows: dict[tuple[str, str], int] = {}
    for row in range(2, sheet.max_row + 1):
        key = (
            sheet.cell(row, columns["区划代码"]).value,
            sheet.cell(row, columns["指标代码"]).value,
        )
        rows[key] = row
    expected: dict[tuple[str, str, str], Decimal] = {}
    for region in built.regions:
        for month in months:
            values = _month_values(region, month)
            if variant == "B":
                values = _variant_b(values)
            for code in IMPORTED:
                value = values[code]
                sheet.cell(rows[(region, code)], columns[month], float(value))
                expected[(region, month, code)] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Workbook(buffer.getvalue(), expected)


def _check_template(data: bytes, built: Built) -> int:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True)["填报"]
    regions = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert regions == set(built.regions), f"template: {len(regions)} regions"
    return len(regions)


def _check_import(result: Any, workbook: Workbook, first: bool) -> int:
    from twinning.indicators.models import Value

    count = len(workbook.values)
    if first:
        assert (result.created, result.updated) == (count, 0), result
    else:
        assert (result.created, result.updated) == (0, count), result
    stored = Value.objects.filter(
        is_computed=False,
        report__period__code__gte=IMPORT_FIRST,
        report__period__code__lte=IMPORT_LAST,
    ).count()
    assert stored == count, f"import: {stored} values stored, expected {count}"
    sample = random.Random(SEED).sample(sorted(workbook.values), 50)
    for region, month, code in sample:
        value = Value.objects.get(
            report__region_id=region, report__period__code=month, indicator__code=code
        ).value
        expected = workbook.values[(region, month, code)]
        assert value == expected, f"import: {region} {month} {code} is {value}, not {expected}"
    return count


def _check_series(series: dict[str, list[Any]], built: Built) -> int:
    points = sum(len(v) for v in series.values())
    assert len(series) == SERIES_CODES_EXPECTED, f"series: {len(series)} codes"
    assert points == built.series_points, f"series: {points} points, expected {built.series_points}"
    return points


def _check_completeness(table: Any, built: Built) -> int:
    counts = {k: table.counts[k] for k in ("on_time", "late", "missing")}
    assert counts == dict(built.completeness), f"completeness {counts} != {built.completeness}"
    assert table.counts["expected"] == REGION_COUNT
    return int(table.counts["expected"])


# ---------------------------------------------------------------- measurement


class ServiceTimer:
    """Time spent inside services.write_values (excel.py calls it through the module), to tell
    the workbook's reading and comparing from the write path's own work."""

    def __init__(self) -> None:
        from twinning.indicators import services

        self.services = services
        self.original = services.write_values
        self.seconds = 0.0

    def __enter__(self) -> ServiceTimer:
        def timed(**kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return self.original(**kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        self.seconds = 0.0
        self.services.write_values = timed
        return self

    def __exit__(self, *exc: object) -> None:
        self.services.write_values = self.original


def _measure(
    endpoint: Endpoint,
    runs: list[Callable[[], Any]],
    check: Callable[[Any, int], int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Warm up, then time each of `runs` (the first with its SQL recorded, or profiled), each
    checked outside the timing; `check` gets the result and the run's number."""
    from django.db import connection

    for _ in range(endpoint.warmup):
        check(runs[0](), 0)
    gc.collect()
    timings = harness.Timings()
    service_timings = []
    queries: list[dict[str, Any]] = []
    rows = 0
    for number, run in enumerate(runs):
        recorder = harness.SqlRecorder()
        profiled = args.profile and number == 0
        with connection.execute_wrapper(recorder), ServiceTimer() as service, timings.clock():
            result = harness.profile(endpoint.label, run) if profiled else run()
        timings.sql.append(sum(q["ms"] for q in recorder.queries))
        service_timings.append(service.seconds * 1000)
        if number == 0:
            queries = recorder.queries
        rows = check(result, number)
    if args.show_sql:
        harness.print_sql(endpoint.label, queries, list_up_to=20)
    row = {
        "endpoint": endpoint.name,
        "label": endpoint.label,
        "target_ms": endpoint.target_ms,
        "repeat": len(runs),
        "warmup": endpoint.warmup,
        **timings.summary(),
        "write_values_median_ms": round(statistics.median(service_timings), 2),
        "queries": len(queries),
        "rows": rows,
    }
    print(
        f"   {endpoint.label:<42} median {row['median_ms']:,.1f} ms "
        f"(p95 {row['p95_ms']:,.1f} ms, cpu {row['cpu_median_ms']:,.1f} ms, "
        f"write_values {row['write_values_median_ms']:,.1f} ms, {len(runs)} runs)",
        flush=True,
    )
    return row


def _timed(built: Built, supervisor: Any, args: argparse.Namespace) -> tuple[list[Any], dict]:
    from twinning.indicators import completeness, excel, queries

    rows = []
    exported: dict[str, bytes] = {}

    def export() -> bytes:
        exported["data"] = excel.template_workbook(
            actor=supervisor, region_codes=built.regions, first=IMPORT_FIRST, last=IMPORT_LAST
        )
        return exported["data"]

    rows.append(
        _measure(ENDPOINTS["export"], [export], lambda d, _n: _check_template(d, built), args)
    )
    start = time.perf_counter()
    workbook_a = _fill(exported["data"], built, "A")
    workbook_b = _fill(exported["data"], built, "B")
    print(
        f"   workbooks filled in {time.perf_counter() - start:.1f} s: "
        f"{len(workbook_a.values):,} values, {len(workbook_a.data) // 1024:,} KB",
        flush=True,
    )

    def importer(workbook: Workbook) -> Callable[[], Any]:
        return lambda: excel.import_values(actor=supervisor, stream=io.BytesIO(workbook.data))

    rows.append(
        _measure(
            ENDPOINTS["import_create"],
            [importer(workbook_a)],
            lambda r, _n: _check_import(r, workbook_a, first=True),
            args,
        )
    )
    order = [workbook_b if n % 2 == 0 else workbook_a for n in range(args.repeat_heavy)]
    rows.append(
        _measure(
            ENDPOINTS["import"],
            [importer(w) for w in order],
            lambda r, n: _check_import(r, order[n], first=False),
            args,
        )
    )
    codes = _indicators()
    series = lambda: queries.series(  # noqa: E731 - a one-line callable to time
        supervisor, SERIES_REGION, codes, first=HISTORY_START, last=HISTORY_END
    )
    rows.append(
        _measure(
            ENDPOINTS["series"],
            [series] * args.repeat,
            lambda r, _n: _check_series(r, built),
            args,
        )
    )
    table = lambda: completeness.completeness(supervisor, COMPLETENESS_MONTH)  # noqa: E731
    rows.append(
        _measure(
            ENDPOINTS["completeness"],
            [table] * args.repeat,
            lambda r, _n: _check_completeness(r, built),
            args,
        )
    )
    data = {"workbook_values": len(workbook_a.values), "workbook_kb": len(workbook_a.data) // 1024}
    return rows, data


def child_main(args: argparse.Namespace) -> int:
    database = harness.child_setup(CHILD_ENV, args.debug)
    from django.db import transaction

    start = time.perf_counter()
    with transaction.atomic():  # one commit: SQLite would otherwise sync once per pair
        built, supervisor = _build()
    print(
        f"   built in {time.perf_counter() - start:.1f} s {built.seconds}: "
        f"{len(built.regions)} reporting regions, {built.history_reports:,} reports, "
        f"{built.history_values:,} values; completeness {dict(built.completeness)}",
        flush=True,
    )
    harness.analyze()
    rows, data = _timed(built, supervisor, args)
    result = {
        **harness.result_header(database, args),
        "data": {
            "regions": len(built.regions),
            "history_reports": built.history_reports,
            "history_values": built.history_values,
            "series_points": built.series_points,
            "completeness": dict(built.completeness),
            "build_seconds": built.seconds,
            **data,
        },
        "rows": rows,
    }
    harness.write_result(result)
    return 0


def main() -> int:
    return harness.main(_parse_args, CHILD_ENV, child_main, parent_main)


if __name__ == "__main__":
    sys.exit(main())
