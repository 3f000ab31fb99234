"""What the benchmarks share: the command line, the throw-away databases, one child process per
database, Django's set-up in the child, timing and SQL recording, the result table and the saved
results. Each benchmark (registry.py, plans.py, exchanges.py, indicators.py) keeps its own data,
measurements and checks. See bench/README.md.

The parent prepares each database, runs the benchmark script again with the benchmark's child
variable set (Django reads its settings once per process), reads the child's JSON result, prints
the table and removes the database.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DIVISIONS_CSV = Path(os.environ.get("BENCH_DIVISIONS_CSV", "/work/shared/data/divisions.csv"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/twinning_bench")
RESULT_FILE_ENV = "BENCH_RESULT_FILE"


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------


def argument_parser(
    doc: str,
    *,
    repeat_help: str,
    show_sql_help: str,
    strict_help: str,
    repeat_heavy: tuple[int, str] | None = None,
    profile_help: str | None = None,
    debug_help: str = "run with DEBUG on",
) -> argparse.ArgumentParser:
    """The options every benchmark has; `repeat_heavy` is (default, help) where there is one."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=50, help=repeat_help)
    if repeat_heavy is not None:
        default, help_text = repeat_heavy
        parser.add_argument("--repeat-heavy", type=int, default=default, help=help_text)
    parser.add_argument("--debug", action="store_true", help=debug_help)
    parser.add_argument("--show-sql", action="store_true", help=show_sql_help)
    if profile_help is not None:
        parser.add_argument("--profile", action="store_true", help=profile_help)
    parser.add_argument("--strict", action="store_true", help=strict_help)
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    return parser


def parse_args(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse, refusing repeat counts below 1."""
    args = parser.parse_args(argv)
    if getattr(args, "repeat_heavy", 1) < 1 or args.repeat < 1:
        names = "--repeat and --repeat-heavy" if hasattr(args, "repeat_heavy") else "--repeat"
        parser.error(f"{names} must be at least 1")
    return args


def main(
    parse: Callable[[list[str]], argparse.Namespace],
    child_env: str,
    child_main: Callable[[argparse.Namespace], int],
    parent_main: Callable[[argparse.Namespace, list[str]], int],
) -> int:
    """A benchmark script's entry point: the child when `child_env` is set, else the parent."""
    argv = sys.argv[1:]
    args = parse(argv)
    if os.environ.get(child_env):
        return child_main(args)
    return parent_main(args, argv)


# --------------------------------------------------------------------------------------------
# Parent: the databases, a child per database, the table, the saved results
# --------------------------------------------------------------------------------------------


def _pg_admin_url(url: str) -> tuple[str, str]:
    """The URL of the server's `postgres` database, and the benchmark database's name."""
    base, _, name = url.rpartition("/")
    return f"{base}/postgres".replace("postgres://", "postgresql://", 1), name


def pg_prepare(url: str) -> str | None:
    """Create a fresh benchmark database; None if it worked, else why not."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError as exc:  # pragma: no cover - psycopg is a project dependency
        return f"psycopg is not installed ({exc})"
    admin, name = _pg_admin_url(url)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def pg_drop(url: str) -> None:
    import psycopg
    from psycopg import sql

    admin, name = _pg_admin_url(url)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    except psycopg.Error as exc:
        print(f"warning: could not drop {name}: {exc}", file=sys.stderr)


def run_child(
    script: Path, child_env: str, database: str, url: str, data_dir: Path, argv: list[str]
) -> dict[str, Any] | None:
    """Run `script` again as the child for one database; its JSON result, or None."""
    result_file = data_dir / "result.json"
    env = {
        **os.environ,
        child_env: database,
        RESULT_FILE_ENV: str(result_file),
        "TWINNING_DATABASE_URL": url,
        "TWINNING_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
    }
    completed = subprocess.run(  # noqa: S603 - re-runs the benchmark script itself
        [sys.executable, str(script.resolve()), *argv], env=env, cwd=ROOT, check=False
    )
    if completed.returncode != 0 or not result_file.exists():
        print(f"{database}: the benchmark failed (exit {completed.returncode})", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    return result


@dataclass(frozen=True)
class Column:
    """A column of the result table: its header, width, alignment and text for a row."""

    header: str
    width: int
    text: Callable[[dict[str, Any], dict[str, Any]], str]  # (result, row) -> text
    align: str = ">"


def text_column(header: str, width: int, key: str) -> Column:
    """A left-aligned column of the row's `key`."""
    return Column(header, width, lambda _result, row: str(row[key]), "<")


def number_column(header: str, width: int, key: str) -> Column:
    return Column(header, width, lambda _result, row: str(row[key]))


def ms_column(header: str, width: int, key: str, spec: str = ".1f") -> Column:
    return Column(header, width, lambda _result, row: f"{row[key]:{spec}} ms")


DATABASE_COLUMN = Column("database", 9, lambda result, _row: str(result["database"]), "<")


def timing_columns(width: int, spec: str = ".1f") -> list[Column]:
    """median, p95, min, cpu med, sql med."""
    keys = [
        ("median", "median_ms"),
        ("p95", "p95_ms"),
        ("min", "min_ms"),
        ("cpu med", "cpu_median_ms"),
        ("sql med", "sql_median_ms"),
    ]
    return [ms_column(header, width, key, spec) for header, key in keys]


def print_table(
    results: list[dict[str, Any]],
    columns: Sequence[Column],
    *,
    target_width: int = 10,
    target_spec: str = ".0f",
) -> bool:
    """The summary table of every result's rows; True if every row with a target met it."""
    all_pass = True
    print()
    header = "".join(f"{c.header:{c.align}{c.width}}" for c in columns)
    header += f"  {'target':<{target_width}} result"
    print(header)
    print("-" * len(header))
    for result in results:
        for row in result["rows"]:
            target = row["target_ms"]
            ok = target is None or row["median_ms"] < target
            all_pass &= ok
            verdict = "—" if target is None else ("PASS" if ok else "FAIL")
            target_text = "—" if target is None else f"< {target:{target_spec}} ms"
            cells = "".join(f"{c.text(result, row):{c.align}{c.width}}" for c in columns)
            print(f"{cells}  {target_text:<{target_width}} {verdict}")
    print()
    return all_pass


def parent_main(
    args: argparse.Namespace,
    argv: list[str],
    *,
    name: str,
    script: Path,
    child_env: str,
    table: Callable[[list[dict[str, Any]]], bool],
    targets: str,
    describe: Callable[[dict[str, Any]], str] | None = None,
) -> int:
    """Run the child on each database, print the table (`table`), each result's `describe` line
    and load warning, the `targets` line and the verdict, and save the results as
    bench/results/<name>-<timestamp>.json."""
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results: list[dict[str, Any]] = []
    exit_code = 0
    for database in databases:
        data_dir = Path(tempfile.mkdtemp(prefix=f"twinning-bench-{name}-{database}-"))
        try:
            if database == "sqlite":
                url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
            else:
                url = PG_URL
                problem = pg_prepare(url)
                if problem is not None:
                    print(f"postgres: skipped, PostgreSQL is unreachable ({problem})")
                    if args.database == "postgres":
                        exit_code = 1
                    continue
            print(f"== {database}: {url}", flush=True)
            result = run_child(script, child_env, database, url, data_dir, argv)
            if result is None:
                exit_code = 1
            else:
                results.append(result)
            if database == "postgres":
                pg_drop(url)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    if not results:
        return exit_code or 1
    all_pass = table(results)
    for result in results:
        if describe is not None:
            print(f"{result['database']}: {describe(result)}")
        if result.get("load_warning"):
            print(f"{result['database']}: {result['load_warning']}")
    print(targets)
    print("ALL PASS" if all_pass else "SOME TARGETS MISSED")
    if not args.no_save:
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = dt.datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
        path = RESULTS_DIR / f"{name}-{stamp}.json"
        path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"results written to {path.relative_to(ROOT)}")
    if args.strict and not all_pass:
        exit_code = exit_code or 1
    return exit_code


# --------------------------------------------------------------------------------------------
# Child: Django, the schema, the result file
# --------------------------------------------------------------------------------------------


def configure_django(debug: bool) -> None:
    """settings_test against the database the parent prepared, DEBUG off unless asked."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "twinning.config.settings_test"
    os.environ["TWINNING_DEBUG"] = "1" if debug else "0"
    os.environ.setdefault("TWINNING_SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
    os.environ["TWINNING_ALLOWED_HOSTS"] = "testserver"
    os.environ["TWINNING_SSL_REDIRECT"] = "0"
    os.environ.setdefault("TWINNING_LOG_LEVEL", "WARNING")
    # WhiteNoise scans STATIC_ROOT when DEBUG is off; an empty one keeps it quiet.
    (Path(os.environ["TWINNING_DATA_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    src = str(ROOT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"   migrated in {time.perf_counter() - start:.1f} s", flush=True)


def analyze() -> None:
    """ANALYZE on PostgreSQL, after the data is loaded."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def server_version(connection: Any) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def load_warning() -> str | None:
    """A warning when other work on the machine is likely to inflate the timings."""
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - not available on every platform
        return None
    cpus = os.cpu_count() or 1
    # The benchmark itself keeps one CPU busy; more than that means other work competed with it.
    if load - 1.0 <= 0.5 * cpus:
        return None
    return (
        f"warning: load average {load:.1f} on {cpus} CPUs; other processes compete for the CPU, "
        "so wall-clock timings are inflated (the cpu column is less affected)"
    )


def result_header(database: str, args: argparse.Namespace) -> dict[str, Any]:
    """What every child's result starts with: the database, the settings, the machine."""
    from django.conf import settings
    from django.db import connection

    header: dict[str, Any] = {
        "database": database,
        "vendor": connection.vendor,
        "server_version": server_version(connection),
        "debug": settings.DEBUG,
        "repeat": args.repeat,
    }
    if hasattr(args, "repeat_heavy"):
        header["repeat_heavy"] = args.repeat_heavy
    header.update(
        python=sys.version.split()[0],
        load_average=os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        load_warning=load_warning(),
    )
    return header


def child_setup(child_env: str, debug: bool) -> str:
    """Django set up and migrated in the child; the database's name (sqlite or postgres)."""
    database = os.environ[child_env]
    configure_django(debug)
    migrate()
    return database


def write_result(result: dict[str, Any]) -> None:
    Path(os.environ[RESULT_FILE_ENV]).write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )


# --------------------------------------------------------------------------------------------
# Child: shared data
# --------------------------------------------------------------------------------------------


def create_user(
    username: str, role: str, organisation: Any, full_name: str, email: str = ""
) -> Any:
    """A user the benchmark logs in directly (or acts as): its password is never used."""
    from twinning.accounts import services as accounts

    return accounts.create_user(
        actor=None,
        username=username,
        password=secrets.token_urlsafe(16),
        role=role,
        organisation=organisation,
        full_name=full_name,
        email=email,
        check_password=False,
    )


def _synthetic_region_rows(rng: random.Random) -> list[Any]:
    """34 provinces x 10 prefectures with plausible 6-digit codes and province coordinates."""
    from twinning.regions.services import RegionRow

    prefixes = [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47)]
    prefixes += [*range(50, 55), *range(61, 66), 71, 81, 82]
    rows = []
    for prefix in prefixes:
        code = f"{prefix}0000"
        rows.append(
            RegionRow(
                code=code,
                name=f"合成{prefix}省",
                level="province",
                parent_code="",
                lng=round(rng.uniform(87.0, 126.0), 4),
                lat=round(rng.uniform(20.0, 47.0), 4),
            )
        )
        rows.extend(
            RegionRow(
                code=f"{prefix}{j:02d}00",
                name=f"合成{prefix}省{j}市",
                level="prefecture",
                parent_code=code,
            )
            for j in range(1, 11)
        )
    return rows


def region_rows(rng: random.Random, skip_counties: bool) -> tuple[list[Any], str]:
    """divisions.csv, if present, with the programme's coordinates; else synthetic rows."""
    from twinning.pairings.programme_data import REGIONS as PROGRAMME_REGIONS
    from twinning.regions.services import RegionRow

    if not DIVISIONS_CSV.exists():
        return _synthetic_region_rows(rng), "synthetic 34 x 10"
    coordinates = {r["code"]: (r["lng"], r["lat"]) for r in PROGRAMME_REGIONS}
    rows = []
    with DIVISIONS_CSV.open(encoding="utf-8-sig", newline="") as file:
        for record in csv.DictReader(file):
            if skip_counties and record["level"] == "county":
                continue
            lng, lat = coordinates.get(record["code"], (None, None))
            rows.append(
                RegionRow(
                    code=record["code"],
                    name=record["name"],
                    level=record["level"],
                    parent_code=record["parent_code"],
                    lng=lng,
                    lat=lat,
                )
            )
    return rows, str(DIVISIONS_CSV)


def add_missing_regions(rng: random.Random, skip_counties: bool) -> int:
    """The regions of `region_rows` that are not in the database yet (the programme's are)."""
    from twinning.regions.models import Region
    from twinning.regions.services import upsert_regions

    rows, _source = region_rows(rng, skip_counties=skip_counties)
    existing = set(Region.objects.values_list("code", flat=True))
    missing = [row for row in rows if row.code not in existing]
    upsert_regions(actor=None, rows=missing)
    return len(missing)


# --------------------------------------------------------------------------------------------
# Child: timing and SQL
# --------------------------------------------------------------------------------------------


class SqlTimer:
    """A connection execute wrapper adding up the time spent in the database."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


class SqlRecorder:
    """Every statement sent through a cursor, with its time. Unlike CaptureQueriesContext it
    has no 9,000-entry limit; BEGIN and COMMIT are not cursor statements and are left out."""

    def __init__(self) -> None:
        self.queries: list[dict[str, Any]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - start) * 1000
            self.queries.append({"ms": round(ms, 2), "sql": sql})


def record_sql(run: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    """One run with its statements recorded: (what it returned, [{"ms", "sql"}, …])."""
    from django.db import connection

    recorder = SqlRecorder()
    with connection.execute_wrapper(recorder):
        result = run()
    return result, recorder.queries


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


@dataclass
class Timings:
    """Wall-clock, thread CPU and SQL milliseconds of each timed run."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)

    @contextmanager
    def clock(self) -> Iterator[None]:
        """Time the block: wall-clock and this thread's CPU."""
        start, cpu_start = time.perf_counter(), time.thread_time()
        yield
        self.wall.append((time.perf_counter() - start) * 1000)
        self.cpu.append((time.thread_time() - cpu_start) * 1000)

    def summary(self) -> dict[str, float]:
        return {
            "median_ms": round(statistics.median(self.wall), 2),
            "p95_ms": round(percentile(self.wall, 0.95), 2),
            "min_ms": round(min(self.wall), 2),
            "max_ms": round(max(self.wall), 2),
            "cpu_median_ms": round(statistics.median(self.cpu), 2),
            "sql_median_ms": round(statistics.median(self.sql), 2),
        }


def time_runs(
    run: Callable[[], Any],
    repeat: int,
    check: Callable[[Any], object] | None = None,
    prepare: Callable[[], None] | None = None,
) -> Timings:
    """Time `repeat` runs, each prepared and checked outside the timing, after a collection."""
    from django.db import connection

    gc.collect()
    timings = Timings()
    timer = SqlTimer()
    for _ in range(repeat):
        if prepare is not None:
            prepare()
        with connection.execute_wrapper(timer):
            timer.seconds = 0.0
            with timings.clock():
                result = run()
            timings.sql.append(timer.seconds * 1000)
        if check is not None:
            check(result)
    return timings


def measure(
    label: str,
    run: Callable[[], Any],
    args: argparse.Namespace,
    *,
    repeat: int | None = None,
    check: Callable[[Any], Any] | None = None,
    warmup: int = 0,
    target_ms: float | None = None,
    width: int = 40,
) -> dict[str, Any]:
    """One measurement: `warmup` runs, one run with its SQL recorded (printed with --show-sql,
    profiled with --profile), then `repeat` timed runs (default --repeat), each checked by
    `check` outside the timing. The row for the results table: the label, the timings, the
    number of queries and what `check` made of the recorded run ("rows")."""
    repeat = args.repeat if repeat is None else repeat
    for _ in range(warmup):
        result = run()
        if check is not None:
            check(result)
    result, queries = record_sql(run)
    rows = check(result) if check is not None else None
    if args.show_sql:
        print_sql(label, queries)
    if getattr(args, "profile", False):
        profile(label, run)
    timings = time_runs(run, repeat, check=check)
    row = {
        "label": label,
        "target_ms": target_ms,
        "repeat": repeat,
        "warmup": warmup,
        **timings.summary(),
        "queries": len(queries),
        "rows": rows,
        "sql": queries if len(queries) <= 50 else [],
    }
    print(
        f"   {label:<{width}} median {row['median_ms']:,.1f} ms (p95 {row['p95_ms']:,.1f} ms, "
        f"{row['queries']} queries, {repeat} runs)",
        flush=True,
    )
    return row


_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|\"s\d+_x\d+\"|%s")
_SELECTED = re.compile(r"^SELECT .*? FROM ", re.S)
_IN_LISTS = re.compile(r"\((?:\?, )+\?\)")


def print_sql(
    label: str, queries: list[dict[str, Any]], *, list_up_to: int = 30, width: int = 400
) -> None:
    """The statements of one run: each of them when there are at most `list_up_to`, else
    grouped by shape (literals and IN lists folded), the costliest 15 groups first."""
    if len(queries) <= list_up_to:
        print(f"\n-- {label}: {len(queries)} queries")
        for i, query in enumerate(queries, 1):
            print(f"{i:>3}. {query['ms']:>8.2f} ms  {query['sql'][:width]}")
        return
    groups: dict[str, list[float]] = {}
    for query in queries:
        shape = _IN_LISTS.sub("(…)", _LITERALS.sub("?", query["sql"]))
        shape = _SELECTED.sub("SELECT … FROM ", shape)
        groups.setdefault(shape[:150], []).append(query["ms"])
    print(f"\n-- {label}: {len(queries)} queries, {len(groups)} shapes")
    for shape, times in sorted(groups.items(), key=lambda g: -sum(g[1]))[:15]:
        print(f"{len(times):>6} x {sum(times):>9.1f} ms  {shape}")


def profile(label: str, run: Callable[[], Any]) -> Any:
    """One run under pyinstrument if it is installed, else under cProfile (top 30); what the
    run returned."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(run)
        print(f"\n-- cProfile of one run: {label} (pip install pyinstrument for a tree)")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
        return result
    sampler = Profiler(interval=0.001)
    sampler.start()
    result = run()
    sampler.stop()
    print(f"\n-- profile of one run: {label}")
    print(sampler.output_text(unicode=True, color=False, show_all=False))
    return result
