"""Benchmark: the health signal at national scale — recompute every pair's health at once.

Builds a throw-away database with the programme's starting record and indicator catalogue, then
generated pairs until 300 are live and active, each with a plan in force of 24 tasks (a few
overdue), a history of exchanges, problems (some unanswered past their deadline), the regions'
monthly, quarterly and yearly reports of the recent periods (some missing, some late) and two
targets per partner region with 36 months of approved values; then times, in-process:

    services.recompute                 all 300 pairs, judged as of one day   < 5 s
    services.recompute (one pair)      what a change after commit costs      (reported)

    .venv/bin/python bench/health.py [--database sqlite|postgres|both] [--repeat N]

Like the other benchmarks, each database runs in its own child process (bench/harness.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import harness

CHILD_ENV = "BENCH_HEALTH_CHILD"
SEED = 20210207
PAIR_COUNT = 300
TASKS_PER_PLAN = 24
TODAY = dt.date(2025, 6, 15)
TARGET_ALL_MS = 5000


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = harness.argument_parser(
        __doc__,
        repeat_help="timed recomputes of all pairs (10)",
        show_sql_help="print the SQL of one recompute (by shape)",
        strict_help="exit 1 when something misses its target",
    )
    parser.set_defaults(repeat=10)
    return harness.parse_args(parser, argv)


TABLE = [
    harness.DATABASE_COLUMN,
    harness.text_column("operation", 40, "label"),
    *harness.timing_columns(12, ",.1f"),
    harness.number_column("queries", 8, "queries"),
    harness.number_column("runs", 5, "repeat"),
]


def _describe(result: dict[str, Any]) -> str:
    data = result["data"]
    return (
        f"{data['pairs']} pairs, {data['tasks']:,} tasks, {data['exchanges']:,} exchanges, "
        f"{data['problems']:,} problems, {data['reports']:,} reports, {data['values']:,} "
        f"target values; levels {data['levels']}; built in {data['build_seconds']} s"
    )


def parent_main(args: argparse.Namespace, argv: list[str]) -> int:
    return harness.parent_main(
        args,
        argv,
        name="health",
        script=Path(__file__),
        child_env=CHILD_ENV,
        table=lambda results: harness.print_table(results, TABLE, target_spec=",.0f"),
        describe=_describe,
        targets=f"targets: recompute of {PAIR_COUNT} pairs < 5 s (median, in-process)",
    )


# ---------------------------------------------------------------- the data


def _pairs(rng: random.Random) -> list[Any]:
    """The programme's pairs plus generated city pairs, all live and active: PAIR_COUNT."""
    from twinning.pairings import services
    from twinning.pairings.models import Pairing
    from twinning.regions.models import Region

    used = {(p.leading_region_id, p.partner_region_id) for p in Pairing.objects.all()}
    cities = list(Region.objects.exclude(level=Region.Level.PROVINCE).order_by("code"))
    rng.shuffle(cities)
    while Pairing.objects.count() < PAIR_COUNT:
        leading, partner = cities.pop(), cities.pop()
        if leading.code[:2] == partner.code[:2] or (leading.code, partner.code) in used:
            continue
        services.propose_pairing(
            actor=None,
            leading_code=leading.code,
            partner_code=partner.code,
            established_on=dt.date(2021, 6, 1),
            source="基准测试生成数据",
        )
    Pairing.objects.update(status=Pairing.Status.ACTIVE, archived_at=None)
    return list(Pairing.objects.select_related("leading_region", "partner_region"))


def _plans(rng: random.Random, pairs: list[Any]) -> int:
    from twinning.plans.models import Plan, Task

    existing = set(Plan.objects.values_list("pairing_id", flat=True))
    Plan.objects.bulk_create(
        Plan(
            pairing=p,
            title=f"{p}交流协作工作方案（基准）",
            period_start=dt.date(2021, 6, 1),
            period_end=dt.date(2025, 12, 31),
            status=Plan.Status.IN_FORCE,
        )
        for p in pairs
        if p.pk not in existing
    )
    tasks = []
    for plan in Plan.objects.filter(superseded_at__isnull=True):
        start = Task.objects.filter(plan=plan).count() + 1
        for number in range(start, start + TASKS_PER_PLAN):
            due = TODAY + dt.timedelta(days=rng.randint(-400, 400))
            # Most pairs keep up; a few let tasks slip (recently, or for long).
            done = due < TODAY and rng.random() < (
                0.995 if due < TODAY - dt.timedelta(days=60) else 0.8
            )
            tasks.append(
                Task(
                    plan=plan,
                    number=number,
                    title=f"任务{number}",
                    due_date=due,
                    status=Task.Status.DONE if done else Task.Status.IN_PROGRESS,
                )
            )
    Task.objects.bulk_create(tasks, batch_size=2000)
    return Task.objects.count()


def _exchanges(rng: random.Random, pairs: list[Any]) -> int:
    from twinning.exchanges.models import Direction, Exchange
    from twinning.plans.models import Method

    rows = []
    for pair in pairs:
        for n in range(rng.randint(0 if rng.random() < 0.05 else 1, 12)):
            day = TODAY - dt.timedelta(days=rng.randint(1, 100 if n == 0 else 1400))
            rows.append(
                Exchange(
                    pairing=pair,
                    kind=Method.SYMPOSIUM,
                    direction=Direction.JOINT,
                    title=f"交流活动{n}",
                    start_date=day,
                    end_date=day,
                    status=Exchange.Status.HELD,
                )
            )
    Exchange.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _problems(rng: random.Random, pairs: list[Any]) -> int:
    from django.utils import timezone

    from twinning.consultations.models import Problem

    now = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))
    rows = []
    for pair in pairs:
        for n in range(rng.randint(0, 6)):
            due = now + dt.timedelta(days=rng.randint(-60, 30))
            status = Problem.Status.RESOLVED if rng.random() < 0.9 else Problem.Status.ASSIGNED
            rows.append(
                Problem(
                    pairing=pair,
                    title=f"难题{n}",
                    description="基准测试",
                    response_due=due,
                    status=status,
                )
            )
    Problem.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _reports(rng: random.Random, pairs: list[Any]) -> int:
    """Each side's reports of the periods the rules look at: most on time, some late/missing."""
    from django.utils import timezone

    from twinning.health.engine import recent_periods
    from twinning.indicators.models import Period, Report

    periods = recent_periods(TODAY, 3)
    for period in periods:
        if period.pk is None:
            period.save()
    saved = {p.code: p for p in Period.objects.filter(code__in=[p.code for p in periods])}
    regions = {p.leading_region_id for p in pairs} | {p.partner_region_id for p in pairs}
    rows = []
    for region in sorted(regions):
        for period in periods:
            roll = rng.random()
            if roll < 0.01:
                continue  # missing
            late = roll < 0.03
            day = period.deadline + dt.timedelta(days=5 if late else -3)
            rows.append(
                Report(
                    region_id=region,
                    period=saved[period.code],
                    status=Report.Status.SUBMITTED,
                    submitted_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
                )
            )
    Report.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return Report.objects.count()


def _targets(rng: random.Random, pairs: list[Any]) -> int:
    """Two targets per partner region, each with 36 approved monthly values."""
    from twinning.indicators.models import Indicator, Period, PeriodType, Report, Target, Value
    from twinning.indicators.queries import calendar_period

    indicators = list(
        Indicator.objects.filter(period_type=PeriodType.MONTH, kind="reported").order_by(
            "position"
        )[:2]
    )
    months = []
    year, month = 2022, 1
    for _ in range(36):
        code = f"{year}-{month:02d}"
        calendar = calendar_period(code)
        period, _created = Period.objects.get_or_create(
            code=code,
            defaults={
                "type": calendar.type,
                "start": calendar.start,
                "end": calendar.end,
                "deadline": calendar.deadline,
            },
        )
        months.append(period)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    partners = sorted({p.partner_region_id for p in pairs})
    targets = []
    for region in partners:
        for indicator in indicators:
            targets.append(
                Target(
                    region_id=region,
                    indicator=indicator,
                    baseline_value=Decimal(30),
                    baseline_date=dt.date(2021, 12, 31),
                    target_value=Decimal(45),
                    due_date=dt.date(2025, 12, 31),
                )
            )
    Target.objects.bulk_create(targets)
    reports = [
        Report(region_id=r, period=m, status=Report.Status.APPROVED)
        for r in partners
        for m in months
    ]
    Report.objects.bulk_create(reports, batch_size=2000, ignore_conflicts=True)
    by_key = {
        (r.region_id, r.period_id): r
        for r in Report.objects.filter(region_id__in=partners, period__in=months)
    }
    values = []
    for region in partners:
        slope = rng.uniform(0.3, 0.6) if rng.random() < 0.8 else rng.uniform(-0.2, 0.2)
        for index, period in enumerate(months):
            for indicator in indicators:
                value = Decimal(30 + slope * index + rng.uniform(-1, 1)).quantize(Decimal("0.01"))
                values.append(
                    Value(report=by_key[(region, period.pk)], indicator=indicator, value=value)
                )
    Value.objects.bulk_create(values, batch_size=5000)
    return len(values)


def _build() -> dict[str, Any]:
    from django.core.management import call_command

    rng = random.Random(SEED)
    start = time.perf_counter()
    call_command("load_programme", stdout=io.StringIO(), stderr=io.StringIO())
    harness.add_missing_regions(rng, skip_counties=False)
    pairs = _pairs(rng)
    data = {
        "pairs": len(pairs),
        "tasks": _plans(rng, pairs),
        "exchanges": _exchanges(rng, pairs),
        "problems": _problems(rng, pairs),
        "reports": _reports(rng, pairs),
        "values": _targets(rng, pairs),
    }
    data["build_seconds"] = round(time.perf_counter() - start, 1)
    return data


def child_main(args: argparse.Namespace) -> int:
    database = harness.child_setup(CHILD_ENV, args.debug)
    from django.db import transaction

    from twinning.health import services
    from twinning.health.models import PairHealth

    with transaction.atomic():
        data = _build()
    harness.analyze()
    print(f"   built: {data}", flush=True)
    first_start = time.perf_counter()
    services.recompute(today=TODAY)
    first_ms = (time.perf_counter() - first_start) * 1000
    everything = lambda: services.recompute(today=TODAY)  # noqa: E731
    one_id = PairHealth.objects.order_by("-score").values_list("pairing_id", flat=True)[0]
    one = lambda: services.recompute(pairing_ids=[one_id], today=TODAY)  # noqa: E731
    rows = [
        harness.measure(
            f"recompute all {data['pairs']} pairs", everything, args, target_ms=TARGET_ALL_MS
        ),
        harness.measure("recompute one pair", one, args, repeat=args.repeat * 5),
    ]
    levels = dict.fromkeys(("red", "amber", "green"), 0)
    for level in PairHealth.objects.values_list("level", flat=True):
        levels[level] += 1
    data["levels"] = levels
    data["first_run_ms"] = round(first_ms, 1)
    data["median_check"] = statistics.median([r["median_ms"] for r in rows])
    result = {**harness.result_header(database, args), "data": data, "rows": rows}
    harness.write_result(result)
    return 0


def main() -> int:
    return harness.main(_parse_args, CHILD_ENV, child_main, parent_main)


if __name__ == "__main__":
    sys.exit(main())
