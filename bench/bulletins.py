"""Benchmark: a national bulletin (工作简报) at national scale — the counting and the .docx.

Builds a throw-away database with bench/exchanges.py's national-scale data (the programme's
starting record plus generated pairs, 300 in all, 20,000 exchanges and 5,000 problems with
their answers), adds a year of monthly indicator reports for every reporting region (about one
in eight late, one in ten missing) with a recovery-rate target and series for every partner
region, computes every pair's health, then times in-process:

    builder.build(national, 2021)                       the counting alone         (reported)
    services.compose + export.bulletin_docx (national)  counting, text, 4 charts   < 5 s
    builder.build(province of the busiest coordinator)  a province's counting      (reported)
    export.bulletin_xlsx (national)                     the tables and 明细 sheet  (reported)

    .venv/bin/python bench/bulletins.py [--database sqlite|postgres|both] [--repeat N]

Each database runs in its own child process (bench/harness.py). PostgreSQL uses the database
`twinning_bulletins_bench` unless BENCH_PG_URL names another. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ.setdefault("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/twinning_bulletins_bench")

# bench/ is on sys.path when this file runs as a script.
import exchanges as national_data  # noqa: E402 - after the database URL is chosen
import harness  # noqa: E402

CHILD_ENV = "BENCH_BULLETINS_CHILD"
SEED = 20210701
PERIOD = "2021"
MONTHS = [f"2021-{m:02d}" for m in range(1, 13)]
WARMUP = 1
TARGET_MS = 5000.0


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = harness.argument_parser(
        __doc__,
        repeat_help="timed runs per measurement (default 50; 5 is plenty here)",
        show_sql_help="print the SQL of one run per measurement",
        profile_help="print a profile of one run per measurement (pip install pyinstrument)",
        strict_help="exit 1 when the bulletin misses its target",
    )
    return harness.parse_args(parser, argv)


TABLE = [
    harness.DATABASE_COLUMN,
    harness.text_column("measurement", 52, "label"),
    *harness.timing_columns(11),
    harness.number_column("queries", 8, "queries"),
    harness.number_column("figures", 8, "rows"),
]


def _describe(result: dict[str, Any]) -> str:
    data = result["data"]
    return (
        f"{data['pairs']} pairs, {data['exchanges']} exchanges, {data['problems']} problems, "
        f"{data['reports']} reports, {data['targets']} targets; in {PERIOD}: "
        f"{data['held_in_period']} held exchanges; health red/amber "
        f"{data['red']}/{data['amber']}; docx {data['docx_kb']} KB; "
        f"load average {data['load_average']}; built in {data['build_seconds']}"
    )


def parent_main(args: argparse.Namespace, argv: list[str]) -> int:
    return harness.parent_main(
        args,
        argv,
        name="bulletins",
        script=Path(__file__),
        child_env=CHILD_ENV,
        table=lambda results: harness.print_table(results, TABLE),
        describe=_describe,
        targets=(
            "target: a national bulletin (counting + .docx with charts) "
            f"< {TARGET_MS / 1000:.0f} s median "
            f"(in-process; {args.repeat} runs after {WARMUP} warm-up)"
        ),
    )


# --------------------------------------------------------------------------------------------
# Child
# --------------------------------------------------------------------------------------------


def _add_reports(rng: random.Random) -> tuple[int, int]:
    """Monthly reports of 2021 for every reporting region and a recovery-rate target with its
    series for every partner region."""
    from django.utils import timezone

    from twinning.indicators.models import Indicator, Report, Target, Value
    from twinning.indicators.queries import reporting_regions
    from twinning.indicators.services import ensure_period
    from twinning.pairings.models import Pairing

    periods = {code: ensure_period(code) for code in MONTHS}
    regions = list(reporting_regions().values_list("code", flat=True))
    reports = []
    for region in regions:
        for code in MONTHS:
            roll = rng.random()
            if roll < 0.1:
                continue  # missing
            delay = rng.randrange(11, 40) if roll < 0.22 else rng.randrange(0, 10)
            moment = dt.datetime.combine(periods[code].end + dt.timedelta(days=delay), dt.time(10))
            reports.append(
                Report(
                    region_id=region,
                    period=periods[code],
                    status=Report.Status.SUBMITTED,
                    submitted_at=timezone.make_aware(moment),
                )
            )
    saved = Report.objects.bulk_create(reports, batch_size=2000)
    indicator = Indicator.objects.get(code="recovery_rate")
    partners = set(
        Pairing.objects.filter(status="active").values_list("partner_region_id", flat=True)
    )
    # The programme's own targets (loaded with the starting record) are kept.
    taken = set(
        Target.objects.filter(indicator=indicator, due_date=dt.date(2025, 12, 31)).values_list(
            "region_id", flat=True
        )
    )
    targets = [
        Target(
            region_id=code,
            indicator=indicator,
            baseline_value=Decimal("30"),
            baseline_date=dt.date(2020, 12, 31),
            target_value=Decimal("35"),
            due_date=dt.date(2025, 12, 31),
            source="基准测试生成数据",
        )
        for code in sorted(partners - taken)
    ]
    Target.objects.bulk_create(targets, batch_size=2000)
    trend = {code: rng.uniform(-0.1, 0.25) for code in partners}
    values = [
        Value(
            report=report,
            indicator=indicator,
            value=Decimal(str(round(30 + trend[report.region_id] * report.period.end.month, 2))),
        )
        for report in saved
        if report.region_id in partners
    ]
    Value.objects.bulk_create(values, batch_size=2000)
    return len(saved), len(targets)


def _load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def child_main(args: argparse.Namespace) -> int:
    database = harness.child_setup(CHILD_ENV, args.debug)
    from django.db import transaction
    from django.utils import timezone

    from twinning.bulletins import builder, export, services
    from twinning.bulletins.models import Bulletin
    from twinning.bulletins.periods import parse_period
    from twinning.exchanges.models import Exchange
    from twinning.health.services import recompute
    from twinning.regions.models import Region

    rng = random.Random(SEED)
    start = time.perf_counter()
    with transaction.atomic():
        built, actors = national_data._build(rng)
        report_count, target_count = _add_reports(rng)
    seconds = {**built.seconds, "total": round(time.perf_counter() - start, 1)}
    start = time.perf_counter()
    healths = recompute()
    seconds["health"] = round(time.perf_counter() - start, 1)
    harness.analyze()
    period = parse_period(PERIOD)
    national = builder.BulletinScope("national")
    province = builder.BulletinScope("province", region=Region.objects.get(code=actors.province))
    held = Exchange.objects.filter(
        status="held", archived_at=None, start_date__range=(period.start, period.end)
    ).count()

    def check_figures(figures: dict[str, Any]) -> int:
        # The counting is checked against a plain count of the generated data.
        assert figures["numbers"]["exchanges.held"]["value"] == held, "held exchanges"
        return len(figures["numbers"])

    def bulletin_docx() -> bytes:
        figures, sections = services.compose(national, period)
        bulletin = Bulletin(
            number="2021年第1期", title="基准测试简报", period_code=PERIOD, scope="national",
            period_start=period.start, period_end=period.end, figures=figures,
            sections=sections, generated_at=timezone.now(),
        )  # fmt: skip
        return export.bulletin_docx(bulletin)

    def check_docx(data: bytes) -> int:
        import io

        import docx

        document = docx.Document(io.BytesIO(data))
        assert len(document.inline_shapes) == 4, "four charts"
        return len(document.tables)

    figures, sections = services.compose(national, period)
    stored = Bulletin.objects.create(
        number="2021年第1期", title="基准测试简报", period_code=PERIOD, scope="national",
        period_start=period.start, period_end=period.end, figures=figures, sections=sections,
        generated_at=timezone.now(),
    )  # fmt: skip
    docx_size = len(export.bulletin_docx(stored))
    rows = [
        harness.measure(
            "count: builder.build(national, 2021)",
            lambda: builder.build(national, period),
            args,
            check=check_figures,
            warmup=WARMUP,
            width=52,
        ),
        harness.measure(
            "national bulletin: count + text + .docx, 4 charts",
            bulletin_docx,
            args,
            check=check_docx,
            warmup=WARMUP,
            target_ms=TARGET_MS,
            width=52,
        ),
        harness.measure(
            f"count: builder.build(province {actors.province}, 2021)",
            lambda: builder.build(province, period),
            args,
            check=lambda figures: len(figures["numbers"]),
            warmup=WARMUP,
            width=52,
        ),
        harness.measure(
            "national .xlsx (tables + 明细)",
            lambda: export.bulletin_xlsx(stored),
            args,
            check=lambda data: len(data) // 1024,
            warmup=WARMUP,
            width=52,
        ),
    ]
    levels = [h.level for h in healths]
    result = {
        **harness.result_header(database, args),
        "data": {
            "pairs": len(built.pairs),
            "exchanges": len(built.exchanges),
            "problems": len(built.problems),
            "reports": report_count,
            "targets": target_count,
            "held_in_period": held,
            "red": levels.count("red"),
            "amber": levels.count("amber"),
            "docx_kb": docx_size // 1024,
            "load_average": _load_average(),
            "build_seconds": seconds,
        },
        "rows": rows,
    }
    harness.write_result(result)
    return 0


def main() -> int:
    return harness.main(_parse_args, CHILD_ENV, child_main, parent_main)


if __name__ == "__main__":
    sys.exit(main())
