"""Benchmark: the pair list, the overview and the pairings API on a national-scale registry.

Builds a throw-away database holding every province and prefecture-level unit (and, from
divisions.csv, every county), 300 pairs of which 200 are sub-pairs, a task force on each side
of every pair and 3,000 members; then times the pages in-process with Django's test client.

    .venv/bin/python bench/registry.py [--database sqlite|postgres|both] [--repeat N]

Each database runs in its own child process (Django reads its settings once per process): the
parent prepares the database, starts `bench/registry.py` again with BENCH_CHILD set, collects the
child's JSON results, prints the table and removes the database. See bench/README.md.
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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DIVISIONS_CSV = Path(os.environ.get("BENCH_DIVISIONS_CSV", "/work/shared/data/divisions.csv"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/twinning_bench")
CHILD_ENV = "BENCH_CHILD"
RESULT_FILE_ENV = "BENCH_RESULT_FILE"

TOP_PAIRS = 100
SUBS_PER_TOP = 2
PAIR_COUNT = TOP_PAIRS * (1 + SUBS_PER_TOP)  # 300
MEMBER_COUNT = 3000
PAGE_SIZE = 50
WARMUP = 5
SEED = 20210601

# name -> (path, target median in ms)
ENDPOINTS: dict[str, tuple[str, float]] = {
    "list": ("/pairings/", 50.0),
    "overview": ("/", 50.0),
    "api": ("/api/v1/pairings", 30.0),
}


# --------------------------------------------------------------------------------------------
# Parent: prepare each database, run a child per database, print the table.
# --------------------------------------------------------------------------------------------


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per page (50)")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="run with DEBUG on (default: off, as in production)",
    )
    parser.add_argument(
        "--skip-counties",
        action="store_true",
        help="import only provinces and prefectures from divisions.csv",
    )
    parser.add_argument(
        "--show-sql", action="store_true", help="print the SQL of one request per page"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a page misses its target"
    )
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def _pg_admin_url(url: str) -> tuple[str, str]:
    """The URL of the server's `postgres` database, and the benchmark database's name."""
    base, _, name = url.rpartition("/")
    return f"{base}/postgres".replace("postgres://", "postgresql://", 1), name


def _pg_prepare(url: str) -> str | None:
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


def _pg_drop(url: str) -> None:
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


def _run_child(database: str, url: str, data_dir: Path, argv: list[str]) -> dict[str, Any] | None:
    result_file = data_dir / "result.json"
    env = {
        **os.environ,
        CHILD_ENV: database,
        RESULT_FILE_ENV: str(result_file),
        "TWINNING_DATABASE_URL": url,
        "TWINNING_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
    }
    completed = subprocess.run(  # noqa: S603 - re-runs this very script
        [sys.executable, str(Path(__file__).resolve()), *argv], env=env, cwd=ROOT, check=False
    )
    if completed.returncode != 0 or not result_file.exists():
        print(f"{database}: the benchmark failed (exit {completed.returncode})", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    return result


def _print_table(results: list[dict[str, Any]]) -> bool:
    """The summary table; True if every page met its target."""
    all_pass = True
    print()
    header = (
        f"{'database':<9}{'user':<12}{'page':<18}{'median':>10}{'p95':>10}{'min':>10}"
        f"{'cpu med':>10}{'sql med':>10}{'queries':>8}{'rows':>6}  target    result"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        for row in result["rows"]:
            ok = row["median_ms"] < row["target_ms"]
            all_pass &= ok
            print(
                f"{result['database']:<9}{row['user']:<12}{row['path']:<18}"
                f"{row['median_ms']:>7.1f} ms{row['p95_ms']:>7.1f} ms{row['min_ms']:>7.1f} ms"
                f"{row['cpu_median_ms']:>7.1f} ms{row['sql_median_ms']:>7.1f} ms"
                f"{row['queries']:>8}{row['rows']:>6}  < {row['target_ms']:>3.0f} ms  "
                f"{'PASS' if ok else 'FAIL'}"
            )
    print()
    return all_pass


def _load_warning() -> str | None:
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


def parent_main(args: argparse.Namespace, argv: list[str]) -> int:
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results: list[dict[str, Any]] = []
    exit_code = 0
    for database in databases:
        data_dir = Path(tempfile.mkdtemp(prefix=f"twinning-bench-{database}-"))
        try:
            if database == "sqlite":
                url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
            else:
                url = PG_URL
                problem = _pg_prepare(url)
                if problem is not None:
                    print(f"postgres: skipped, PostgreSQL is unreachable ({problem})")
                    if args.database == "postgres":
                        exit_code = 1
                    continue
            print(f"== {database}: {url}", flush=True)
            result = _run_child(database, url, data_dir, argv)
            if result is None:
                exit_code = 1
            else:
                results.append(result)
            if database == "postgres":
                _pg_drop(url)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    if not results:
        return exit_code or 1
    all_pass = _print_table(results)
    for result in results:
        if result.get("load_warning"):
            print(f"{result['database']}: {result['load_warning']}")
    print(
        "targets: pair list and overview < 50 ms median, pairings API < 30 ms median "
        f"(server time in-process, {args.repeat} requests after {WARMUP} warm-up ones)"
    )
    print("ALL PASS" if all_pass else "SOME TARGETS MISSED")
    if not args.no_save:
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = dt.datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
        path = RESULTS_DIR / f"registry-{stamp}.json"
        path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"results written to {path.relative_to(ROOT)}")
    if args.strict and not all_pass:
        exit_code = exit_code or 1
    return exit_code


# --------------------------------------------------------------------------------------------
# Child: set Django up against the prepared database, build the registry, time the pages.
# --------------------------------------------------------------------------------------------


@dataclass
class Registry:
    """What was generated, kept independently of the code under test to check the pages."""

    region_source: str
    region_count: int
    # (leading path, partner path) of every pair
    pair_paths: list[tuple[str, str]] = field(default_factory=list)
    sub_pairs: int = 0
    bodies: int = 0
    members: int = 0
    level_counts: Counter[str] = field(default_factory=Counter)

    def visible_count(self, region_path: str | None) -> int:
        if region_path is None:
            return len(self.pair_paths)
        return sum(
            1 for a, b in self.pair_paths if a.startswith(region_path) or b.startswith(region_path)
        )


def _configure_django(debug: bool) -> None:
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


def _region_rows(rng: random.Random, skip_counties: bool) -> tuple[list[Any], str]:
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


def _build_registry(rng: random.Random, skip_counties: bool) -> Registry:
    from twinning.pairings import services
    from twinning.pairings.models import Body, DutyArea, Member, Side
    from twinning.regions.models import Region
    from twinning.regions.services import upsert_regions

    rows, source = _region_rows(rng, skip_counties)
    start = time.perf_counter()
    upsert_regions(actor=None, rows=rows)
    print(f"   {len(rows)} regions in {time.perf_counter() - start:.1f} s", flush=True)
    regions = {r.code: r for r in Region.objects.all()}
    registry = Registry(region_source=source, region_count=len(regions))

    children: dict[str, list[Region]] = {}
    for region in regions.values():
        if region.parent_id:
            children.setdefault(region.parent_id, []).append(region)
    for kids in children.values():
        kids.sort(key=lambda r: r.code)

    def sub_regions(region: Region) -> list[Region]:
        """Where a sub-pair's side may lie: prefectures, else counties, else the region itself."""
        kids = children.get(region.code, [])
        prefectures = [k for k in kids if k.level == Region.Level.PREFECTURE]
        return prefectures or kids or [region]

    provinces = sorted(
        (r for r in regions.values() if r.level == Region.Level.PROVINCE and r.code in children),
        key=lambda r: r.code,
    )
    taken: set[frozenset[str]] = set()

    def free(a: Region, b: Region) -> bool:
        return a.code != b.code and frozenset((a.code, b.code)) not in taken

    pairs_done = 0
    start = time.perf_counter()
    while pairs_done < TOP_PAIRS:
        leading, partner = rng.sample(provinces, 2)
        # One top pair in five pairs a province with a prefecture-level city (省—市).
        if pairs_done % 5 == 4:
            partner = rng.choice(sub_regions(partner))
        if not free(leading, partner):
            continue
        subs: list[tuple[Region, Region]] = []
        for _attempt in range(50):
            a, b = rng.choice(sub_regions(leading)), rng.choice(sub_regions(partner))
            if free(a, b) and all({a.code, b.code} != {x.code, y.code} for x, y in subs):
                subs.append((a, b))
            if len(subs) == SUBS_PER_TOP:
                break
        if len(subs) < SUBS_PER_TOP:
            continue
        established = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(0, 365))
        focus = rng.choice(sub_regions(partner)).code
        top = services.propose_pairing(
            actor=None,
            leading_code=leading.code,
            partner_code=partner.code,
            focus_city_codes=[focus] if focus != partner.code else [],
            established_on=established,
            source="基准测试生成数据",
            notes=f"{leading.name}与{partner.name}开展生活垃圾分类交流协作。",
        )
        created = [top]
        taken.add(frozenset((leading.code, partner.code)))
        for a, b in subs:
            created.append(
                services.propose_pairing(
                    actor=None,
                    leading_code=a.code,
                    partner_code=b.code,
                    parent_id=top.pk,
                    established_on=established + dt.timedelta(days=rng.randrange(0, 90)),
                    source="基准测试生成数据",
                    notes=f"{a.name}对口{b.name}。",
                )
            )
            taken.add(frozenset((a.code, b.code)))
        for pairing in created:
            registry.pair_paths.append((pairing.leading_region.path, pairing.partner_region.path))
            registry.level_counts[pairing.level] += 1
        registry.sub_pairs += len(subs)
        pairs_done += 1
    print(f"   {len(registry.pair_paths)} pairs in {time.perf_counter() - start:.1f} s", flush=True)

    start = time.perf_counter()
    from twinning.pairings.models import Pairing

    bodies: list[Body] = []
    for pairing in Pairing.objects.select_related("leading_region", "partner_region"):
        for side in (Side.LEADING, Side.PARTNER):
            region = pairing.region_of(side)
            bodies.append(
                services.create_body_as_system(
                    pairing=pairing,
                    side=side,
                    kind=Body.Kind.TASK_FORCE,
                    name=f"{region.name}交流协作工作专班",
                    duties="政策法规、源头投放、收集运输、末端处理、宣传引导",
                )
            )
    # Every body gets at least two members; the rest are spread at random.
    per_body = Counter({b.pk: 2 for b in bodies})
    for body in rng.choices(bodies, k=MEMBER_COUNT - 2 * len(bodies)):
        per_body[body.pk] += 1
    duty_areas = list(DutyArea.values)
    members = []
    number = 0
    for body in bodies:
        for i in range(per_body[body.pk]):
            number += 1
            members.append(
                Member(
                    body=body,
                    person_name=f"演示成员{number:04d}",
                    position="科长" if i else "处长",
                    unit=f"{body.name[:20]}成员单位",
                    body_role="组长" if i == 0 else "成员",
                    duty_area=rng.choice(duty_areas),
                    phone=f"010-{number:08d}",
                    email=f"member{number}@example.invalid",
                    start_date=dt.date(2021, 6, 1),
                )
            )
    Member.objects.bulk_create(members, batch_size=500)
    registry.bodies = len(bodies)
    registry.members = len(members)
    print(
        f"   {registry.bodies} bodies, {registry.members} members "
        f"in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return registry


@dataclass
class Actor:
    label: str
    user: Any
    token: str
    region_path: str | None


def _create_actors(registry: Registry) -> list[Actor]:
    from twinning.accounts import services as accounts
    from twinning.regions.models import Region

    ministry = accounts.create_organisation(actor=None, name="住房和城乡建设部", kind="ministry")
    supervisor = accounts.create_user(
        actor=None,
        username="bench-supervisor",
        password=secrets.token_urlsafe(16),  # never used: the benchmark logs in directly
        role="supervisor",
        organisation=ministry,
        full_name="基准督导",
        check_password=False,
    )
    # The coordinator of the province that takes part in the most pairs: the heaviest scope.
    involvement: Counter[str] = Counter()
    for a, b in registry.pair_paths:
        for province in {a.split("/")[1], b.split("/")[1]}:
            involvement[province] += 1
    province = Region.objects.get(code=involvement.most_common(1)[0][0])
    department = accounts.create_organisation(
        actor=None,
        name=f"{province.name}住房和城乡建设厅（基准）",
        kind="department",
        region_code=province.code,
    )
    coordinator = accounts.create_user(
        actor=None,
        username="bench-coordinator",
        password=secrets.token_urlsafe(16),  # never used: the benchmark logs in directly
        role="coordinator",
        organisation=department,
        full_name="基准协调员",
        check_password=False,
    )
    return [
        Actor(
            "supervisor",
            supervisor,
            accounts.create_token(actor=supervisor, name="bench").secret,
            None,
        ),
        Actor(
            "coordinator",
            coordinator,
            accounts.create_token(actor=coordinator, name="bench").secret,
            province.path,
        ),
    ]


_ROW_RE = re.compile(r'<tr>\s*<td><a href="/pairings/\d+/">')
_TOTAL_RE = re.compile(r'id="stat-total">(\d+)<')
_MAP_RE = re.compile(r'<script id="map-lines" type="application/json">(.*?)</script>', re.S)


def _check(name: str, response: Any, expected: int) -> int:
    """Fail unless the page answered 200 and shows what the actor should see; the row count."""
    assert response.status_code == 200, f"{name}: HTTP {response.status_code}"
    assert expected > 0, f"{name}: the actor should see some pairs"
    shown = min(PAGE_SIZE, expected)
    if name == "list":
        html = response.content.decode()
        rows = len(_ROW_RE.findall(html))
        assert rows == shown, f"list: {rows} rows, expected {shown}"
        assert f"共 {expected} 个结对" in html, f"list: total {expected} not shown"
        return rows
    if name == "overview":
        html = response.content.decode()
        total = _TOTAL_RE.search(html)
        assert total and int(total.group(1)) == expected, (
            f"overview: total {total}, want {expected}"
        )
        lines_match = _MAP_RE.search(html)
        assert lines_match, "overview: no map data"
        lines = json.loads(lines_match.group(1))
        assert len(lines) == expected, f"overview: {len(lines)} map lines, expected {expected}"
        return len(lines)
    data = response.json()
    assert data["count"] == expected, f"api: count {data['count']}, expected {expected}"
    assert len(data["items"]) == shown, f"api: {len(data['items'])} items, expected {shown}"
    return len(data["items"])


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


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def _measure(actor: Actor, registry: Registry, repeat: int, show_sql: bool) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    page_client = Client()
    page_client.force_login(actor.user)
    api_client = Client(HTTP_AUTHORIZATION=f"Bearer {actor.token}")
    expected = registry.visible_count(actor.region_path)
    rows = []
    for name, (path, target) in ENDPOINTS.items():
        client = api_client if name == "api" else page_client
        shown = _check(name, client.get(path), expected)
        for _ in range(WARMUP - 1):
            client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        _check(name, response, expected)
        # Read the log now: later requests clear it (captured_queries is computed lazily).
        queries = [q["sql"] for q in captured.captured_queries]
        gc.collect()
        timings, cpu_timings, sql_timings = [], [], []
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            for _ in range(repeat):
                timer.seconds = 0.0
                start, cpu_start = time.perf_counter(), time.thread_time()
                response = client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
                cpu_timings.append((time.thread_time() - cpu_start) * 1000)
                sql_timings.append(timer.seconds * 1000)
                assert response.status_code == 200, f"{name}: HTTP {response.status_code}"
        if show_sql:
            print(f"\n-- {actor.label} {path}: {len(queries)} queries")
            for i, sql in enumerate(queries, 1):
                print(f"{i:>3}. {sql}")
        rows.append(
            {
                "user": actor.label,
                "page": name,
                "path": path,
                "target_ms": target,
                "median_ms": round(statistics.median(timings), 2),
                "p95_ms": round(_percentile(timings, 0.95), 2),
                "min_ms": round(min(timings), 2),
                "max_ms": round(max(timings), 2),
                "cpu_median_ms": round(statistics.median(cpu_timings), 2),
                "sql_median_ms": round(statistics.median(sql_timings), 2),
                "queries": len(queries),
                "rows": shown,
                "visible_pairs": expected,
                "sql": queries,
            }
        )
    return rows


def child_main(args: argparse.Namespace) -> int:
    database = os.environ[CHILD_ENV]
    _configure_django(args.debug)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"   migrated in {time.perf_counter() - start:.1f} s", flush=True)
    rng = random.Random(SEED)
    start = time.perf_counter()
    with transaction.atomic():  # one commit: SQLite would otherwise sync once per pair
        registry = _build_registry(rng, args.skip_counties)
    print(
        f"   registry built in {time.perf_counter() - start:.1f} s: "
        f"{registry.region_count} regions "
        f"({registry.region_source}), {len(registry.pair_paths)} pairs "
        f"({registry.sub_pairs} sub-pairs), {registry.bodies} bodies, {registry.members} members",
        flush=True,
    )
    assert len(registry.pair_paths) == PAIR_COUNT
    assert registry.sub_pairs == TOP_PAIRS * SUBS_PER_TOP
    assert registry.members == MEMBER_COUNT
    actors = _create_actors(registry)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rows: list[dict[str, Any]] = []
    for actor in actors:
        rows.extend(_measure(actor, registry, args.repeat, args.show_sql))
    load_warning = _load_warning()
    result = {
        "database": database,
        "vendor": connection.vendor,
        "server_version": _server_version(connection),
        "debug": settings.DEBUG,
        "repeat": args.repeat,
        "warmup": WARMUP,
        "python": sys.version.split()[0],
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "load_warning": load_warning,
        "registry": {
            "regions": registry.region_count,
            "region_source": registry.region_source,
            "pairs": len(registry.pair_paths),
            "sub_pairs": registry.sub_pairs,
            "levels": dict(registry.level_counts),
            "bodies": registry.bodies,
            "members": registry.members,
            "visible": {a.label: registry.visible_count(a.region_path) for a in actors},
        },
        "rows": rows,
    }
    Path(os.environ[RESULT_FILE_ENV]).write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return 0


def _server_version(connection: Any) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def main() -> int:
    argv = sys.argv[1:]
    args = _parse_args(argv)
    if os.environ.get(CHILD_ENV):
        return child_main(args)
    return parent_main(args, argv)


if __name__ == "__main__":
    sys.exit(main())
