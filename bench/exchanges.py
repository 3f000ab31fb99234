"""Benchmark: exchange lists and statistics, the problem list and the reminder scan at scale.

Builds a throw-away database with the programme's starting record plus generated pairs (300 in
all, over every province and prefecture-level unit), 20,000 exchanges with their topics and
5,000 problems (answers, assignments; some overdue, some reminded, some escalated), then times,
in-process with Django's test client:

    GET /exchanges/?kind=…&status=held&province=…   Ministry and a coordinator   < 100 ms
    GET /exchanges/ (no filter), ?q=…                 (the same; reported)
    GET /exchanges/stats/                             the Ministry                 < 100 ms
    GET /consultations/                               Ministry and coordinator     (reported)
    reminders.send_reminders()  none due, and 200 due (200 reminders, 100 escalations)   < 1 s

    .venv/bin/python bench/exchanges.py [--database sqlite|postgres|both] [--repeat N]

Like bench/registry.py, each database runs in its own child process (bench/harness.py). See
bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

# bench/ is on sys.path when this file runs as a script.
import harness

CHILD_ENV = "BENCH_EXCHANGES_CHILD"

SEED = 20210601
PAIR_COUNT = 300  # the programme's pairs plus generated ones
SUBS_PER_TOP = 2
EXCHANGE_COUNT = 20_000
PROBLEM_COUNT = 5_000
SOON_DUE = 100  # awaiting problems falling due within the reminder window (already reminded)
OVERDUE_RESET = 100  # overdue problems whose stamps are cleared for the "200 due" scan
LIST_PAGE = 50
WARMUP = 5
HEAVY_WARMUP = 1
BATCH = 2000


@dataclass(frozen=True)
class Endpoint:
    name: str
    user: str  # "ministry" or "coordinator"
    label: str
    target_ms: float | None


# --------------------------------------------------------------------------------------------
# Parent: prepare each database, run a child per database, print the table.
# --------------------------------------------------------------------------------------------


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = harness.argument_parser(
        __doc__,
        repeat_help="timed requests per page (50)",
        repeat_heavy=(10, "timed reminder scans per scenario (10)"),
        show_sql_help="print the SQL of one request per endpoint",
        profile_help="print a profile of one run per endpoint (pip install pyinstrument)",
        strict_help="exit 1 when an endpoint misses its target",
    )
    return harness.parse_args(parser, argv)


TABLE = [
    harness.DATABASE_COLUMN,
    harness.text_column("user", 12, "user"),
    harness.text_column("endpoint", 46, "label"),
    *harness.timing_columns(11),
    harness.number_column("queries", 8, "queries"),
    harness.number_column("rows", 7, "rows"),
]


def _describe(result: dict[str, Any]) -> str:
    data = result["data"]
    return (
        f"{data['pairs']} pairs, {data['exchanges']} exchanges "
        f"({data['exchange_topics']} topic links), {data['problems']} problems "
        f"({data['answers']} answers, {data['assignments']} assignments, "
        f"{data['overdue']} overdue); coordinator of {data['coordinator_province']} sees "
        f"{data['coordinator_pairs']} pairs; built in {data['build_seconds']}"
    )


def parent_main(args: argparse.Namespace, argv: list[str]) -> int:
    return harness.parent_main(
        args,
        argv,
        name="exchanges",
        script=Path(__file__),
        child_env=CHILD_ENV,
        table=lambda results: harness.print_table(results, TABLE),
        describe=_describe,
        targets=(
            "targets: exchange lists and the Ministry's statistics < 100 ms median, the "
            f"reminder scan < 1 s (in-process; pages {args.repeat} requests after {WARMUP} "
            f"warm-ups, scans {args.repeat_heavy} after {HEAVY_WARMUP})"
        ),
    )


# --------------------------------------------------------------------------------------------
# Child: build the data, time the endpoints.
# --------------------------------------------------------------------------------------------

ACTIVITIES = [
    "生活垃圾分类工作座谈会",
    "分类投放示范小区观摩",
    "厨余垃圾处理设施考察",
    "垃圾分类业务骨干培训班",
    "再生资源回收体系调研",
    "分类收运体系专题授课",
    "桶边督导经验交流",
    "垃圾分类宣传进社区活动",
    "大件垃圾处置中心参观学习",
    "生活垃圾计量收费试点交流",
]
# Words of the summaries: none of them is a search term of the timed lists (座谈会).
SUBJECTS = ["分类投放", "收集运输", "末端处理", "宣传引导", "督导考核", "回收利用"]
PLACES = ["市民中心", "城市管理委员会", "示范小区", "厨余垃圾处理厂", "再生资源分拣中心", "党校"]
PROBLEM_THEMES = [
    "厨余垃圾分出率低，怎样提高居民参与度？",
    "老旧小区撤桶并点后居民反对，怎么办？",
    "分类运输车辆不足，混装混运问题如何解决？",
    "有害垃圾暂存点如何规范建设？",
    "生活垃圾计量收费如何起步？",
    "农村生活垃圾分类如何因地制宜推进？",
    "大件垃圾拆解中心的运营模式有哪些？",
    "垃圾分类督导员队伍如何长效保持？",
    "再生资源回收网点与环卫体系如何衔接？",
    "厨余垃圾处理设施臭气扰民如何治理？",
]
DESCRIPTION = (
    "我市在推进生活垃圾分类过程中遇到困难：{theme}目前已尝试定时定点投放、桶边督导和积分"
    "激励，但效果不稳定，希望先行方结合实践经验给予指导，并推荐可借鉴的制度文件。"
)


@dataclass
class ExchangeRow:
    """What was generated for one exchange, kept apart from the code under test."""

    leading: str  # region paths
    partner: str
    kind: str
    status: str
    title: str
    archived: bool


@dataclass
class ProblemRow:
    leading: str
    partner: str
    status: str
    due: dt.datetime
    archived: bool


@dataclass
class Built:
    pairs: list[tuple[int, str, str, str, str]] = field(default_factory=list)  # id, paths, names
    exchanges: list[ExchangeRow] = field(default_factory=list)
    problems: list[ProblemRow] = field(default_factory=list)
    exchange_topics: int = 0
    answers: int = 0
    assignments: int = 0
    overdue_stamped: list[int] = field(default_factory=list)  # reminded and escalated already
    soon_stamped: list[int] = field(default_factory=list)  # due within the window, reminded
    seconds: dict[str, float] = field(default_factory=dict)

    def visible(self, leading: str, partner: str, scope: str | None) -> bool:
        return scope is None or leading.startswith(scope) or partner.startswith(scope)


@dataclass
class Actors:
    ministry: Any
    coordinator: Any
    province: str  # the coordinator's province code
    scope: str  # its path


def _province_of(path: str) -> str:
    return path.strip("/").split("/")[0]


def _add_pairs(rng: random.Random) -> int:
    """Top-level pairs with two sub-pairs each, until there are PAIR_COUNT pairs."""
    from twinning.pairings import services
    from twinning.pairings.models import Pairing
    from twinning.regions.models import Region

    regions = {r.code: r for r in Region.objects.all()}
    children: dict[str, list[Region]] = {}
    for region in regions.values():
        if region.parent_id and region.level == Region.Level.PREFECTURE:
            children.setdefault(region.parent_id, []).append(region)
    for kids in children.values():
        kids.sort(key=lambda r: r.code)
    provinces = sorted(
        (r for r in regions.values() if r.level == Region.Level.PROVINCE and r.code in children),
        key=lambda r: r.code,
    )
    taken = {
        frozenset(pair)
        for pair in Pairing.objects.values_list("leading_region_id", "partner_region_id")
    }
    count = len(taken)
    created = 0
    top = 0
    while count < PAIR_COUNT:
        leading, partner = rng.sample(provinces, 2)
        if top % 5 == 4:  # one in five pairs a province with a prefecture-level city
            partner = rng.choice(children[partner.code])
        if frozenset((leading.code, partner.code)) in taken:
            continue
        partner_kids = children.get(partner.code) or [partner]
        # The last pairs to make up the number have fewer sub-pairs.
        wanted = min(SUBS_PER_TOP, PAIR_COUNT - count - 1)
        subs: list[tuple[Region, Region]] = []
        for _attempt in range(50):
            if len(subs) == wanted:
                break
            a, b = rng.choice(children[leading.code]), rng.choice(partner_kids)
            if frozenset((a.code, b.code)) not in taken and (a, b) not in subs:
                subs.append((a, b))
        if len(subs) < wanted:
            continue
        established = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(0, 365))
        parent = services.propose_pairing(
            actor=None,
            leading_code=leading.code,
            partner_code=partner.code,
            established_on=established,
            source="基准测试生成数据",
        )
        taken.add(frozenset((leading.code, partner.code)))
        for a, b in subs:
            services.propose_pairing(
                actor=None,
                leading_code=a.code,
                partner_code=b.code,
                parent_id=parent.pk,
                established_on=established,
                source="基准测试生成数据",
            )
            taken.add(frozenset((a.code, b.code)))
        top += 1
        count += 1 + len(subs)
        created += 1 + len(subs)
    return created


def _user(username: str, role: str, organisation: Any, full_name: str) -> Any:
    return harness.create_user(
        username, role, organisation, full_name, email=f"{username}@example.invalid"
    )


def _people(built: Built) -> tuple[Actors, dict[str, Any], dict[str, Any]]:
    """Three Ministry supervisors; a coordinator and an expert for every province in a pair."""
    from twinning.accounts import services as accounts
    from twinning.regions.models import Region

    ministry = accounts.create_organisation(actor=None, name="住房和城乡建设部", kind="ministry")
    supervisors = [
        _user(f"bench-supervisor-{i}", "supervisor", ministry, f"基准督导{i}") for i in range(3)
    ]
    provinces = sorted({_province_of(p) for _pk, a, b, _n, _m in built.pairs for p in (a, b)})
    names = dict(Region.objects.filter(code__in=provinces).values_list("code", "name"))
    coordinators, experts = {}, {}
    for code in provinces:
        department = accounts.create_organisation(
            actor=None,
            name=f"{names[code]}住房和城乡建设部门（基准）",
            kind="department",
            region_code=code,
        )
        institute = accounts.create_organisation(
            actor=None,
            name=f"{names[code]}环境卫生科学研究院（基准）",
            kind="expert_institution",
            region_code=code,
        )
        coordinators[code] = _user(f"bench-coord-{code}", "coordinator", department, "")
        experts[code] = _user(f"bench-expert-{code}", "expert", institute, "")
    # The coordinator of the province in the most pairs: the heaviest scope but the Ministry's.
    involvement: Counter[str] = Counter()
    for _pk, a, b, _n, _m in built.pairs:
        for code in {_province_of(a), _province_of(b)}:
            involvement[code] += 1
    province = involvement.most_common(1)[0][0]
    actors = Actors(
        ministry=supervisors[0],
        coordinator=coordinators[province],
        province=province,
        scope=f"/{province}/",
    )
    return actors, coordinators, experts


def _existing_rows(built: Built) -> None:
    """The programme's own exchanges and problems, so the expected counts include them."""
    from twinning.consultations.models import Problem
    from twinning.exchanges.models import Exchange

    for leading, partner, kind, status, title, archived in Exchange.objects.values_list(
        "pairing__leading_region__path",
        "pairing__partner_region__path",
        "kind",
        "status",
        "title",
        "archived_at",
    ):
        built.exchanges.append(
            ExchangeRow(leading, partner, kind, status, title, archived is not None)
        )
    for leading, partner, status, due, archived in Problem.objects.values_list(
        "pairing__leading_region__path",
        "pairing__partner_region__path",
        "status",
        "response_due",
        "archived_at",
    ):
        built.problems.append(ProblemRow(leading, partner, status, due, archived is not None))


def _weights(rng: random.Random, n: int) -> list[float]:
    """Busy and quiet pairs: a long-tailed share of the activity."""
    return [rng.paretovariate(1.5) for _ in range(n)]


def _add_exchanges(rng: random.Random, built: Built, coordinators: dict[str, Any]) -> None:
    from django.utils import timezone

    from twinning.exchanges.models import Direction, Exchange
    from twinning.plans.models import Method, Topic

    today = timezone.localdate()
    first = dt.date(2021, 6, 1)
    span = (today + dt.timedelta(days=180) - first).days
    topics = list(Topic.objects.values_list("pk", flat=True))
    kinds = list(Method.values)
    directions = [d.value for d in Direction]
    weights = _weights(rng, len(built.pairs))
    now = timezone.now()
    pending: list[tuple[Exchange, ExchangeRow]] = []
    for _ in range(EXCHANGE_COUNT):
        pk, leading, partner, leading_name, partner_name = rng.choices(built.pairs, weights)[0]
        start = first + dt.timedelta(days=rng.randrange(span))
        end = start + dt.timedelta(days=rng.choice([0, 0, 0, 1, 2]))
        direction = rng.choices(directions, weights=[40, 30, 10, 20])[0]
        online = direction == Direction.ONLINE
        kind = rng.choice(kinds)
        if start > today:
            status = "cancelled" if rng.random() < 0.05 else "planned"
        else:
            roll = rng.random()
            status = "held" if roll < 0.88 else ("cancelled" if roll < 0.93 else "planned")
        host = partner_name if direction == Direction.LEADING_TO_PARTNER else leading_name
        title = f"{leading_name}—{partner_name}{rng.choice(ACTIVITIES)}"
        archived = rng.random() < 0.02
        creator = coordinators[_province_of(leading)]
        exchange = Exchange(
            pairing_id=pk,
            kind=kind,
            direction=direction,
            title=title,
            start_date=start,
            end_date=end,
            place="" if online else f"{host}{rng.choice(PLACES)}",
            online=online,
            participant_count=rng.randrange(4, 60),
            summary=f"双方围绕{rng.choice(SUBJECTS)}进行了深入交流，形成会议纪要。",
            agreements="双方商定按季度通报工作进展。",
            status=status,
            source="基准测试生成数据",
            created_by=creator,
            updated_by=creator,
            updated_at=now,
            archived_at=now if archived else None,
        )
        pending.append((exchange, ExchangeRow(leading, partner, kind, status, title, archived)))
    saved = Exchange.objects.bulk_create([e for e, _row in pending], batch_size=BATCH)
    built.exchanges.extend(row for _e, row in pending)
    links = []
    Link = Exchange.topics.through  # noqa: N806 - a model class
    for exchange in saved:
        for topic in rng.sample(topics, rng.choice([1, 1, 2, 3])):
            links.append(Link(exchange_id=exchange.pk, topic_id=topic))
    Link.objects.bulk_create(links, batch_size=BATCH)
    built.exchange_topics = len(links)


def _add_problems(
    rng: random.Random, built: Built, coordinators: dict[str, Any], experts: dict[str, Any]
) -> None:
    """Problems in every state; the awaiting ones stamped as a past reminder run left them."""
    from django.utils import timezone

    from twinning.consultations.models import Answer, Assignment, Problem, Urgency
    from twinning.plans.models import Topic

    now = timezone.now()
    day = dt.timedelta(days=1)
    topics = list(Topic.objects.values_list("pk", flat=True))
    weights = _weights(rng, len(built.pairs))
    awaiting = round(PROBLEM_COUNT * 0.3)
    plan: list[str] = ["soon"] * SOON_DUE
    plan += ["overdue"] * round(awaiting * 0.6)
    plan += ["future"] * (awaiting - len(plan))
    plan += ["finished"] * (PROBLEM_COUNT - len(plan))
    rng.shuffle(plan)
    problems: list[Problem] = []
    extras: list[tuple[str, str, str, str]] = []  # (group, leading code, partner code, status)
    for group in plan:
        pk, leading, partner, leading_name, partner_name = rng.choices(built.pairs, weights)[0]
        theme = rng.choice(PROBLEM_THEMES)
        values: dict[str, Any] = {}
        if group == "finished":
            asked = now - dt.timedelta(seconds=rng.uniform(10 * 86400, 3 * 365 * 86400))
            status = rng.choices(["answered", "resolved", "closed"], weights=[22, 40, 8])[0]
            values["first_answered_at"] = asked + day * rng.uniform(0.2, 6)
            if status == "resolved" and rng.random() < 0.7:
                values["rating"] = rng.randint(3, 5)
            if status == "closed":
                values["closed_reason"] = "问题已在本地解决。"
            due = asked + 7 * day
        else:
            status = rng.choice(["open", "assigned"])
            if group == "overdue":  # a past run reminded and escalated it
                asked = now - day * rng.uniform(8, 200)
                due = asked + 7 * day
                values.update(reminded_at=due - day / 2, escalated_at=due + day / 24)
            elif group == "soon":  # due within the next 24 hours, reminded already
                due = now + day * rng.uniform(0.25, 0.8)
                asked = due - 7 * day
                values["reminded_at"] = now - day / 24
            else:  # due in more than two days
                asked = now - day * rng.uniform(0, 4.5)
                due = asked + 7 * day
        archived = group == "finished" and rng.random() < 0.01
        problems.append(
            Problem(
                pairing_id=pk,
                title=f"{partner_name}：{theme}",
                description=DESCRIPTION.format(theme=theme),
                topic_id=rng.choice(topics) if rng.random() < 0.9 else None,
                urgency=rng.choices(list(Urgency.values), weights=[80, 15, 5])[0],
                status=status,
                asked_by=coordinators[_province_of(partner)],
                asked_at=asked,
                response_due=due,
                archived_at=now if archived else None,
                **values,
            )
        )
        extras.append((group, _province_of(leading), _province_of(partner), status))
        built.problems.append(ProblemRow(leading, partner, status, due, archived))
    saved = Problem.objects.bulk_create(problems, batch_size=BATCH)
    assignments, answers = [], []
    for problem, (group, leading_code, partner_code, status) in zip(saved, extras, strict=True):
        expert = experts[leading_code]
        if group == "overdue":
            built.overdue_stamped.append(problem.pk)
        elif group == "soon":
            built.soon_stamped.append(problem.pk)
        if status != "open":
            assignments.append(
                Assignment(
                    problem_id=problem.pk,
                    expert=expert,
                    assigned_by=coordinators[leading_code],
                    assigned_at=problem.asked_at + dt.timedelta(hours=3),
                )
            )
        if problem.first_answered_at is not None:
            for i in range(rng.choice([1, 1, 2])):
                accepted = status == "resolved" and i == 0
                answers.append(
                    Answer(
                        problem_id=problem.pk,
                        author=expert,
                        body="建议先在两个小区试点，配齐桶边督导员，并按月通报分出率。",
                        created_at=problem.first_answered_at + dt.timedelta(hours=i),
                        accepted_at=problem.first_answered_at + day if accepted else None,
                        accepted_by=coordinators[partner_code] if accepted else None,
                    )
                )
    Assignment.objects.bulk_create(assignments, batch_size=BATCH)
    Answer.objects.bulk_create(answers, batch_size=BATCH)
    built.assignments, built.answers = len(assignments), len(answers)


def _build(rng: random.Random) -> tuple[Built, Actors]:
    from django.core.management import call_command

    from twinning.pairings.models import Pairing

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    call_command("load_programme", stdout=io.StringIO(), stderr=io.StringIO())
    seconds["programme"] = time.perf_counter() - start

    start = time.perf_counter()
    regions = harness.add_missing_regions(rng, skip_counties=True)
    generated = _add_pairs(rng)
    seconds["pairs"] = time.perf_counter() - start
    built = Built()
    built.pairs = list(
        Pairing.objects.order_by("pk").values_list(
            "pk",
            "leading_region__path",
            "partner_region__path",
            "leading_region__name",
            "partner_region__name",
        )
    )
    assert len(built.pairs) == PAIR_COUNT, f"{len(built.pairs)} pairs, expected {PAIR_COUNT}"
    _existing_rows(built)
    actors, coordinators, experts = _people(built)

    start = time.perf_counter()
    _add_exchanges(rng, built, coordinators)
    seconds["exchanges"] = time.perf_counter() - start
    start = time.perf_counter()
    _add_problems(rng, built, coordinators, experts)
    seconds["problems"] = time.perf_counter() - start
    built.seconds = {k: round(v, 1) for k, v in seconds.items()}
    print(
        f"   {regions} regions added, {generated} pairs generated, "
        f"{len(coordinators)} provinces with a coordinator and an expert",
        flush=True,
    )
    return built, actors


# ---------------------------------------------------------------- expected answers and checks

_EXCHANGE_TOTAL = re.compile(r"共 (\d+) 次交流活动")
_EXCHANGE_ROW = re.compile(r'<td><a href="/exchanges/\d+/">')
_HELD = re.compile(r'id="total-held">(\d+)<')
_PROBLEM_TOTAL = re.compile(r"共 (\d+) 个难题")
_PROBLEM_ROW = re.compile(r'<td><a href="/consultations/\d+/">')


def _exchange_count(
    built: Built,
    scope: str | None,
    kind: str = "",
    status: str = "",
    province: str = "",
    q: str = "",
) -> int:
    """How many live exchanges a list with these filters must show (from the generated data)."""
    prefix = f"/{province}/" if province else None
    return sum(
        1
        for e in built.exchanges
        if not e.archived
        and built.visible(e.leading, e.partner, scope)
        and (not kind or e.kind == kind)
        and (not status or e.status == status)
        and (prefix is None or e.leading.startswith(prefix) or e.partner.startswith(prefix))
        and (not q or q in e.title)
    )


def _problem_count(built: Built, scope: str | None) -> int:
    return sum(
        1 for p in built.problems if not p.archived and built.visible(p.leading, p.partner, scope)
    )


def _check_list(total_re: re.Pattern[str], row_re: re.Pattern[str], expected: int) -> Any:
    def check(response: Any) -> int:
        assert response.status_code == 200, f"HTTP {response.status_code}"
        html = response.content.decode()
        found = total_re.search(html)
        assert found and int(found.group(1)) == expected, (
            f"total {found.group(1) if found else None}, expected {expected}"
        )
        rows = len(row_re.findall(html))
        assert rows == min(LIST_PAGE, expected), f"{rows} rows, expected {min(LIST_PAGE, expected)}"
        return rows

    return check


def _check_stats(expected_held: int) -> Any:
    def check(response: Any) -> int:
        assert response.status_code == 200, f"HTTP {response.status_code}"
        found = _HELD.search(response.content.decode())
        assert found and int(found.group(1)) == expected_held, (
            f"held {found.group(1) if found else None}, expected {expected_held}"
        )
        return expected_held

    return check


# ---------------------------------------------------------------- measurement


def _measure(
    endpoint: Endpoint,
    run: Callable[[], Any],
    check: Callable[[Any], int],
    repeat: int,
    warmup: int,
    args: argparse.Namespace,
    prepare: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Warm up, capture one run's SQL, then time `repeat` runs (each prepared and checked
    outside the timing)."""
    label = f"{endpoint.user} {endpoint.label}"
    for _ in range(warmup):
        if prepare:
            prepare()
        check(run())
    if prepare:
        prepare()
    result, queries = harness.record_sql(run)
    rows = check(result)
    if args.profile:
        if prepare:
            prepare()
        harness.profile(label, run)
    if args.show_sql:
        harness.print_sql(label, queries)
    timings = harness.time_runs(run, repeat, check=check, prepare=prepare)
    row = {
        "endpoint": endpoint.name,
        "user": endpoint.user,
        "label": endpoint.label,
        "target_ms": endpoint.target_ms,
        "repeat": repeat,
        "warmup": warmup,
        **timings.summary(),
        "queries": len(queries),
        "rows": rows,
        "sql": queries if len(queries) <= 50 else [],
    }
    print(
        f"   {endpoint.user:<12}{endpoint.label:<46} median {row['median_ms']:.1f} ms",
        flush=True,
    )
    return row


def _pages(built: Built, actors: Actors, args: argparse.Namespace) -> list[dict[str, Any]]:
    from django.test import Client

    ministry, coordinator = Client(), Client()
    ministry.force_login(actors.ministry)
    coordinator.force_login(actors.coordinator)
    clients = {"ministry": (ministry, None), "coordinator": (coordinator, actors.scope)}
    province = actors.province
    filtered = f"kind=field_research&status=held&province={province}"
    rows = []
    # (user, label, path, expected count kwargs, target)
    lists: list[tuple[str, str, dict[str, str], float | None]] = [
        (
            "ministry",
            f"/exchanges/?{filtered}",
            {"kind": "field_research", "status": "held", "province": province},
            100.0,
        ),
        (
            "ministry",
            "/exchanges/?kind=training&status=held",
            {"kind": "training", "status": "held"},
            100.0,
        ),
        ("ministry", "/exchanges/", {}, 100.0),
        ("ministry", "/exchanges/?q=座谈会", {"q": "座谈会"}, None),
        (
            "coordinator",
            f"/exchanges/?{filtered}",
            {"kind": "field_research", "status": "held", "province": province},
            100.0,
        ),
        (
            "coordinator",
            "/exchanges/?kind=training&status=held",
            {"kind": "training", "status": "held"},
            100.0,
        ),
        ("coordinator", "/exchanges/", {}, 100.0),
    ]
    for user, path, filters, target in lists:
        client, scope = clients[user]
        expected = _exchange_count(built, scope, **filters)
        assert expected > 0, f"{path}: the generated data should match some exchanges"
        rows.append(
            _measure(
                Endpoint("exchange_list", user, path, target),
                partial(client.get, path),
                _check_list(_EXCHANGE_TOTAL, _EXCHANGE_ROW, expected),
                args.repeat,
                WARMUP,
                args,
            )
        )
    stats: list[tuple[str, str, dict[str, str], float | None]] = [
        ("ministry", "/exchanges/stats/", {}, 100.0),
        ("ministry", f"/exchanges/stats/?province={province}", {"province": province}, None),
        ("coordinator", "/exchanges/stats/", {}, None),
    ]
    for user, path, filters, target in stats:
        client, scope = clients[user]
        held = _exchange_count(built, scope, status="held", **filters)
        rows.append(
            _measure(
                Endpoint("exchange_stats", user, path, target),
                partial(client.get, path),
                _check_stats(held),
                args.repeat,
                WARMUP,
                args,
            )
        )
    for user in ("ministry", "coordinator"):
        client, scope = clients[user]
        expected = _problem_count(built, scope)
        rows.append(
            _measure(
                Endpoint("problem_list", user, "/consultations/", None),
                partial(client.get, "/consultations/"),
                _check_list(_PROBLEM_TOTAL, _PROBLEM_ROW, expected),
                args.repeat,
                WARMUP,
                args,
            )
        )
    return rows


def _reminder_scans(built: Built, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The cron job's scan with nothing to do, then with 200 problems due; the latter twice:
    e-mails sent in-line (the default task backend) and queued for a worker (.env.example)."""
    from django.core import mail
    from django.test.utils import override_settings

    from twinning.consultations.models import Problem
    from twinning.consultations.reminders import send_reminders
    from twinning.notifications.delivery import send_delivery

    overdue = built.overdue_stamped[:OVERDUE_RESET]
    soon = built.soon_stamped
    assert len(overdue) == OVERDUE_RESET and len(soon) == SOON_DUE
    due = OVERDUE_RESET + SOON_DUE

    def none_due(run: Any) -> int:
        assert (run.reminded, run.escalated) == (0, 0), f"none due, but {run}"
        return 0

    def all_due(run: Any) -> int:
        expected = (due, OVERDUE_RESET)
        assert (run.reminded, run.escalated) == expected, f"{run}, expected {expected}"
        return int(run.reminded + run.escalated)

    def reset() -> None:
        """Clear the stamps, as if these problems had just fallen due (outside the timing)."""
        Problem.objects.filter(pk__in=overdue).update(reminded_at=None, escalated_at=None)
        Problem.objects.filter(pk__in=soon).update(reminded_at=None)
        mail.outbox = []

    awaiting = sum(1 for p in built.problems if p.status in ("open", "assigned"))
    rows = [
        _measure(
            Endpoint(
                "reminders", "cron", f"send_reminders: none due ({awaiting} awaiting)", 1000.0
            ),
            send_reminders,
            none_due,
            args.repeat_heavy,
            HEAVY_WARMUP,
            args,
        )
    ]
    queues = [
        ("e-mails in-line", None),
        ("queued", {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}),
    ]
    for label, tasks in queues:
        with override_settings(**({"TASKS": tasks} if tasks else {})):
            backend = type(send_delivery.get_backend()).__name__
            print(f"   reminders with the {backend} task backend", flush=True)
            rows.append(
                _measure(
                    Endpoint(
                        "reminders",
                        "cron",
                        f"send_reminders: {due} due, {due + OVERDUE_RESET} msgs, {label}",
                        1000.0,
                    ),
                    send_reminders,
                    all_due,
                    args.repeat_heavy,
                    HEAVY_WARMUP,
                    args,
                    prepare=reset,
                )
            )
            rows[-1]["task_backend"] = backend
    return rows


def child_main(args: argparse.Namespace) -> int:
    database = harness.child_setup(CHILD_ENV, args.debug)
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    media = Path(os.environ["TWINNING_DATA_DIR"]) / "media"
    with override_settings(MEDIA_ROOT=str(media)):
        rng = random.Random(SEED)
        start = time.perf_counter()
        with transaction.atomic():  # one commit: SQLite would otherwise sync once per pair
            built, actors = _build(rng)
        print(
            f"   built in {time.perf_counter() - start:.1f} s {built.seconds}: "
            f"{len(built.pairs)} pairs, {len(built.exchanges)} exchanges, "
            f"{len(built.problems)} problems",
            flush=True,
        )
        harness.analyze()
        # The programme's own awaiting problems are reminded once, as cron would have done.
        from twinning.consultations.reminders import send_reminders

        settled = send_reminders()
        print(f"   settling run: {settled}", flush=True)
        rows = _pages(built, actors, args)
        rows.extend(_reminder_scans(built, args))
    now = timezone.now()
    coordinator_pairs = sum(
        1 for _pk, a, b, _n, _m in built.pairs if built.visible(a, b, actors.scope)
    )
    result = {
        **harness.result_header(database, args),
        "data": {
            "pairs": len(built.pairs),
            "exchanges": len(built.exchanges),
            "exchange_topics": built.exchange_topics,
            "exchange_statuses": dict(Counter(e.status for e in built.exchanges)),
            "problems": len(built.problems),
            "problem_statuses": dict(Counter(p.status for p in built.problems)),
            "overdue": sum(
                1 for p in built.problems if p.status in ("open", "assigned") and p.due < now
            ),
            "answers": built.answers,
            "assignments": built.assignments,
            "coordinator_province": actors.province,
            "coordinator_pairs": coordinator_pairs,
            "build_seconds": built.seconds,
        },
        "rows": rows,
    }
    harness.write_result(result)
    return 0


def main() -> int:
    return harness.main(_parse_args, CHILD_ENV, child_main, parent_main)


if __name__ == "__main__":
    sys.exit(main())
