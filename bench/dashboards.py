"""Benchmark: the Ministry's dashboard (全国工作台) with national-scale data.

Builds a throw-away database with the exchanges benchmark's data (the programme's starting
record plus generated pairs, 300 in all; 20,000 exchanges; 5,000 problems; see
bench/exchanges.py), then adds what the dashboard reads besides: the programme's indicator
targets for every partner region with five years of monthly coverage reports, every pair's
health (computed by the health app), 300 urging notices (a third closed) and a published
evaluation round scoring both sides of every pair. Then times, in-process with Django's test
client, as the Ministry's supervisor:

    GET /dashboard/ministry/            < 150 ms median
    GET /api/v1/dashboard/ministry      (reported)
    GET /dashboard/me/ (a coordinator)  (reported)

and reports the median, p95 and the number of queries (which must not depend on the data).

    .venv/bin/python bench/dashboards.py [--database sqlite|postgres|both] [--repeat N]

PostgreSQL: $BENCH_PG_URL, by default a database of its own (twinning_bench_dashboards).
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

os.environ.setdefault(
    "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/twinning_bench_dashboards"
)

# bench/ is on sys.path when this file runs as a script.
import exchanges  # noqa: E402 - after the database's URL is chosen
import harness  # noqa: E402

CHILD_ENV = "BENCH_DASHBOARDS_CHILD"
SEED = 20210207
WARMUP = 3
NOTICES = 300
REPORT_MONTHS = 60  # 2021-01 … 2025-12
TARGET_MS = 150.0

TABLE = [
    harness.DATABASE_COLUMN,
    harness.text_column("user", 12, "user"),
    harness.text_column("endpoint", 34, "label"),
    *harness.timing_columns(11),
    harness.number_column("queries", 8, "queries"),
    # The 1-minute load average as the timed requests ended: on a shared machine the wall-clock
    # figures are only comparable at a similar load.
    harness.number_column("load", 6, "load"),
]


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = harness.argument_parser(
        __doc__,
        repeat_help="timed requests per page (50)",
        show_sql_help="print the SQL of one request per page",
        profile_help="print a profile of one run per page (pip install pyinstrument)",
        strict_help="exit 1 when the Ministry's dashboard misses its target",
    )
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        help="keep the SQLite database in DIR and reuse it when it is already built (for "
        "profiling; run the child directly, see --help)",
    )
    parser.add_argument(
        "--cprofile", action="store_true", help="print cProfile's top functions of one run"
    )
    return harness.parse_args(parser, argv)


def _describe(result: dict[str, Any]) -> str:
    data = result["data"]
    return ", ".join(f"{k} {v}" for k, v in data.items())


def _passes(results: list[dict[str, Any]]) -> bool:
    harness.print_table(results, TABLE)
    return all(
        row["median_ms"] < row["target_ms"]
        for result in results
        for row in result["rows"]
        if row.get("target_ms")
    )


def parent_main(args: argparse.Namespace, argv: list[str]) -> int:
    return harness.parent_main(
        args,
        argv,
        name="dashboards",
        script=Path(__file__),
        child_env=CHILD_ENV,
        table=_passes,
        describe=_describe,
        targets=(
            f"target: the Ministry's dashboard < {TARGET_MS:.0f} ms median (in-process; "
            f"{args.repeat} requests after {WARMUP} warm-ups)"
        ),
    )


# --------------------------------------------------------------------------------------------
# Child: the data the dashboard reads besides exchanges and problems
# --------------------------------------------------------------------------------------------


def _coverage_reports(rng: random.Random) -> int:
    """Monthly community counts for every partner region: coverage rising from ~75 % to ~100 %,
    each region at its own pace; all submitted."""
    from twinning.indicators import calc
    from twinning.indicators.models import Indicator, Period, Report, Value
    from twinning.pairings.models import Pairing

    partners = sorted(set(Pairing.objects.live().values_list("partner_region_id", flat=True)))
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(
            code__in=["communities_total", "communities_sorting", "community_coverage_rate"]
        )
    }
    codes = calc.periods_between("2021-01", "2025-12")
    periods = {}
    for code in codes:
        kind, start, end = calc.period_bounds(code)
        periods[code], _ = Period.objects.get_or_create(
            code=code,
            defaults={
                "type": kind,
                "start": start,
                "end": end,
                "deadline": end + dt.timedelta(days=10),
            },
        )
    submitted = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    reports = Report.objects.bulk_create(
        [
            Report(
                region_id=region, period=periods[code], status="submitted", submitted_at=submitted
            )
            for region in partners
            for code in codes
        ],
        batch_size=exchanges.BATCH,
    )
    pace = {region: rng.uniform(0.2, 0.6) for region in partners}
    values = []
    for report in reports:
        month = codes.index(report.period.code)
        coverage = min(Decimal(100), Decimal(75) + Decimal(str(pace[report.region_id] * month)))
        total = Decimal(1000)
        sorting = (total * coverage / 100).quantize(Decimal(1))
        values += [
            Value(report=report, indicator=indicators["communities_total"], value=total),
            Value(report=report, indicator=indicators["communities_sorting"], value=sorting),
            Value(
                report=report,
                indicator=indicators["community_coverage_rate"],
                value=sorting / total * 100,
                is_computed=True,
            ),
        ]
    Value.objects.bulk_create(values, batch_size=exchanges.BATCH)
    return len(reports)


def _notices(rng: random.Random, supervisor: Any) -> int:
    """Urging notices over the pairs: two thirds open (some overdue, some escalated), the rest
    closed."""
    from django.utils import timezone

    from twinning.pairings.models import Pairing
    from twinning.supervision.models import Notice

    today = timezone.localdate()
    pairs = list(Pairing.objects.live().values_list("pk", flat=True))
    rows = []
    for n in range(NOTICES):
        closed = n % 3 == 0
        rows.append(
            Notice(
                number=f"建督〔2026〕{n + 1}号",
                pairing_id=rng.choice(pairs),
                title="关于加快推进生活垃圾分类“1对1”协作的督办通知",
                reasons="任务逾期，交流活动中断。",
                required_actions="一、30 日内完成逾期任务；二、报送整改方案。",
                deadline=today + dt.timedelta(days=rng.randint(-60, 60)),
                status=Notice.Status.CLOSED if closed else rng.choice(Notice.OPEN_STATUSES),
                escalation_level=rng.choice([0, 0, 0, 1]),
                issued_by=supervisor,
                closed_at=timezone.now() - dt.timedelta(days=rng.randint(1, 300))
                if closed
                else None,
            )
        )
    Notice.objects.bulk_create(rows, batch_size=exchanges.BATCH)
    return len(rows)


def _published_round(rng: random.Random, supervisor: Any) -> int:
    """A published round with both sides of every live pair scored."""
    from django.utils import timezone

    from twinning.evaluation.models import Assessment, EvaluationRound, Rubric
    from twinning.evaluation.programme import load_evaluation
    from twinning.pairings.models import Pairing, Side

    rubric = Rubric.objects.get(pk=load_evaluation().rubric_id)
    pairs = list(Pairing.objects.live().filter(status="active"))
    evaluation_round = EvaluationRound.objects.create(
        name="2025年度阶段工作实效评估（基准测试）",
        rubric=rubric,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        self_due=dt.date(2026, 1, 31),
        status=EvaluationRound.Status.PUBLISHED,
        published_at=timezone.now(),
        created_by=supervisor,
    )
    evaluation_round.pairings.set(pairs)
    Assessment.objects.bulk_create(
        [
            Assessment(
                round=evaluation_round,
                pairing=pairing,
                side=side,
                status=Assessment.Status.SCORED,
                ministry_total=Decimal(rng.randint(600, 980)) / 10,
            )
            for pairing in pairs
            for side in (Side.LEADING, Side.PARTNER)
        ],
        batch_size=exchanges.BATCH,
    )
    return len(pairs) * 2


def _build(rng: random.Random) -> dict[str, Any]:
    from django.db import transaction

    from twinning.health.services import recompute
    from twinning.indicators.models import Target
    from twinning.indicators.programme import load_indicator_programme

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    with transaction.atomic():
        built, actors = exchanges._build(rng)
    seconds["exchanges data"] = time.perf_counter() - start
    supervisor = actors.ministry
    start = time.perf_counter()
    with transaction.atomic():
        load_indicator_programme()
        reports = _coverage_reports(rng)
        notices = _notices(rng, supervisor)
        assessments = _published_round(rng, supervisor)
    seconds["targets, reports, notices, round"] = time.perf_counter() - start
    start = time.perf_counter()
    recompute()
    seconds["health"] = time.perf_counter() - start
    return {
        "pairs": len(built.pairs),
        "exchanges": len(built.exchanges),
        "problems": len(built.problems),
        "targets": Target.objects.count(),
        "reports": reports,
        "notices": notices,
        "assessments": assessments,
        "build_seconds": {k: round(v, 1) for k, v in seconds.items()},
        "coordinator": actors.coordinator.username,
        "_actors": actors,
    }


def _reused() -> dict[str, Any] | None:
    """The data of a database built by an earlier run (--reuse), or None."""
    from twinning.accounts.models import User
    from twinning.pairings.models import Pairing

    ministry = User.objects.filter(username="bench-supervisor-0").first()
    if ministry is None or Pairing.objects.count() < exchanges.PAIR_COUNT:
        return None
    coordinator = (
        User.objects.filter(username__startswith="bench-coord-").order_by("username").first()
    )
    actors = exchanges.Actors(ministry=ministry, coordinator=coordinator, province="", scope="")
    return {"reused": True, "_actors": actors}


def _measure(
    user: str, label: str, client: Any, url: str, target: float | None, args: Any
) -> dict[str, Any]:
    def run() -> Any:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    for _ in range(WARMUP):
        run()
    _response, queries = harness.record_sql(run)
    if args.show_sql:
        harness.print_sql(f"{user} {label}", queries)
    if args.profile:
        harness.profile(label, run)
    if args.cprofile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(run)
        print(f"\n-- {user} {label}")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    timings = harness.time_runs(run, args.repeat)
    row = {
        "user": user,
        "label": label,
        "target_ms": target,
        "repeat": args.repeat,
        **timings.summary(),
        "queries": len(queries),
        "load": round(os.getloadavg()[0], 2),
    }
    print(
        f"   {user:<12}{label:<34} median {row['median_ms']:.1f} ms (load {row['load']})",
        flush=True,
    )
    return row


def child_main(args: argparse.Namespace) -> int:
    database = harness.child_setup(CHILD_ENV, args.debug)
    from django.test import Client
    from django.test.utils import override_settings

    from twinning.accounts.services import create_token

    media = Path(os.environ["TWINNING_DATA_DIR"]) / "media"
    with override_settings(MEDIA_ROOT=str(media)):
        rng = random.Random(SEED)
        data = _reused() if args.reuse else None
        if data is None:
            data = _build(rng)
        actors = data.pop("_actors")
        print(f"   built: {data}", flush=True)
        harness.analyze()
        ministry = Client()
        ministry.force_login(actors.ministry)
        coordinator = Client()
        coordinator.force_login(actors.coordinator)
        token = create_token(actor=actors.ministry, name="bench").secret
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        rows = [
            _measure("ministry", "GET /dashboard/ministry/", ministry, "/dashboard/ministry/",
                     TARGET_MS, args),
            _measure("ministry", "GET /api/v1/dashboard/ministry", api,
                     "/api/v1/dashboard/ministry", None, args),
            _measure("coordinator", "GET /dashboard/me/", coordinator, "/dashboard/me/", None,
                     args),
        ]  # fmt: skip
    result = {**harness.result_header(database, args), "data": data, "rows": rows}
    harness.write_result(result)
    return 0


def main() -> int:
    return harness.main(_parse_args, CHILD_ENV, child_main, parent_main)


if __name__ == "__main__":
    sys.exit(main())
