"""Benchmark: the pair list, the overview and the pairings API on a national-scale registry.

Builds a throw-away database holding every province and prefecture-level unit (and, from
divisions.csv, every county), 300 pairs of which 200 are sub-pairs, a task force on each side
of every pair and 3,000 members; then times the pages in-process with Django's test client.

    .venv/bin/python bench/registry.py [--database sqlite|postgres|both] [--repeat N]

Each database runs in its own child process (Django reads its settings once per process): the
parent prepares the database, starts `bench/registry.py` again with BENCH_CHILD set, collects the
child's JSON results, prints the table and removes the database (bench/harness.py, shared by
every benchmark). See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

# bench/ is on sys.path when this file runs as a script.
import harness

CHILD_ENV = "BENCH_CHILD"

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
    parser = harness.argument_parser(
        __doc__,
        repeat_help="timed requests per page (50)",
        show_sql_help="print the SQL of one request per page",
        strict_help="exit 1 when a page misses its target",
        debug_help="run with DEBUG on (default: off, as in production)",
    )
    parser.add_argument(
        "--skip-counties",
        action="store_true",
        help="import only provinces and prefectures from divisions.csv",
    )
    return harness.parse_args(parser, argv)


TABLE = [
    harness.DATABASE_COLUMN,
    harness.text_column("user", 12, "user"),
    harness.text_column("page", 18, "path"),
    *harness.timing_columns(10),
    harness.number_column("queries", 8, "queries"),
    harness.number_column("rows", 6, "rows"),
]


def parent_main(args: argparse.Namespace, argv: list[str]) -> int:
    return harness.parent_main(
        args,
        argv,
        name="registry",
        script=Path(__file__),
        child_env=CHILD_ENV,
        table=lambda results: harness.print_table(results, TABLE, target_spec=">3.0f"),
        targets=(
            "targets: pair list and overview < 50 ms median, pairings API < 30 ms median "
            f"(server time in-process, {args.repeat} requests after {WARMUP} warm-up ones)"
        ),
    )


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


def _build_registry(rng: random.Random, skip_counties: bool) -> Registry:
    from twinning.pairings import services
    from twinning.pairings.models import Body, DutyArea, Member, Side
    from twinning.regions.models import Region
    from twinning.regions.services import upsert_regions

    rows, source = harness.region_rows(rng, skip_counties)
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
    supervisor = harness.create_user("bench-supervisor", "supervisor", ministry, "基准督导")
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
    coordinator = harness.create_user("bench-coordinator", "coordinator", department, "基准协调员")
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


def _measure(actor: Actor, registry: Registry, repeat: int, show_sql: bool) -> list[dict[str, Any]]:
    from django.test import Client

    page_client = Client()
    page_client.force_login(actor.user)
    api_client = Client(HTTP_AUTHORIZATION=f"Bearer {actor.token}")
    expected = registry.visible_count(actor.region_path)
    rows = []
    for name, (path, target) in ENDPOINTS.items():
        client = api_client if name == "api" else page_client
        request = partial(client.get, path)
        shown = _check(name, request(), expected)
        for _ in range(WARMUP - 1):
            request()
        response, queries = harness.record_sql(request)
        _check(name, response, expected)
        timings = harness.time_runs(request, repeat, check=partial(_check_status, name))
        if show_sql:
            harness.print_sql(f"{actor.label} {path}", queries, list_up_to=len(queries))
        rows.append(
            {
                "user": actor.label,
                "page": name,
                "path": path,
                "target_ms": target,
                **timings.summary(),
                "queries": len(queries),
                "rows": shown,
                "visible_pairs": expected,
                "sql": [q["sql"] for q in queries],
            }
        )
    return rows


def _check_status(name: str, response: Any) -> None:
    assert response.status_code == 200, f"{name}: HTTP {response.status_code}"


def child_main(args: argparse.Namespace) -> int:
    database = harness.child_setup(CHILD_ENV, args.debug)
    from django.db import transaction

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
    harness.analyze()
    rows: list[dict[str, Any]] = []
    for actor in actors:
        rows.extend(_measure(actor, registry, args.repeat, args.show_sql))
    result = {
        **harness.result_header(database, args),
        "warmup": WARMUP,
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
    harness.write_result(result)
    return 0


def main() -> int:
    return harness.main(_parse_args, CHILD_ENV, child_main, parent_main)


if __name__ == "__main__":
    sys.exit(main())
