"""Benchmark: a work plan of 500 tasks — its page, the Excel export and import, the Word export.

Builds a throw-away database with the programme's starting record (regions, pairs, topics,
templates), then one plan of 500 tasks on 天津–河南 (4 phases, 400 top-level tasks of which 50
have 2 sub-tasks each, owners and co-owners on both sides, statuses that leave some tasks
overdue), takes it through the whole lifecycle to 执行中 and times, in-process with Django's test
client:

    GET  /plans/<id>/              the plan page          target: median < 100 ms
    GET  /plans/<id>/export.xlsx   the Excel table        target: median < 1 s
    POST /plans/<id>/import/       a 500-row workbook     target: median < 2 s
    GET  /plans/<id>/export.docx   the Word document      (no target; reported)

The import really changes every row: two workbooks alternate, A (every row's status changed)
and B (the original export, which puts every row back), so each import updates 500 rows.

    .venv/bin/python bench/plans.py [--database sqlite|postgres|both] [--repeat N]

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
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# bench/ is on sys.path when this file runs as a script.
import harness

CHILD_ENV = "BENCH_PLANS_CHILD"

SEED = 20210601
TOP_TASKS = 400
PARENT_EVERY = 8  # every 8th top-level task has sub-tasks: 50 parents
SUBTASKS = 2  # 50 x 2 = 100 sub-tasks, 500 tasks in all
TASK_COUNT = TOP_TASKS + TOP_TASKS // PARENT_EVERY * SUBTASKS
PAGE_ROWS = 100  # the plan page's table shows 100 rows per page
PEOPLE_PER_SIDE = 12
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass(frozen=True)
class Endpoint:
    label: str
    target_ms: float | None
    warmup: int
    heavy: bool  # timed --repeat-heavy times instead of --repeat


ENDPOINTS: dict[str, Endpoint] = {
    "page": Endpoint("GET plan page", 100.0, 5, heavy=False),
    "xlsx": Endpoint("GET export.xlsx", 1000.0, 2, heavy=True),
    "import": Endpoint("POST import (500 rows)", 2000.0, 2, heavy=True),
    "docx": Endpoint("GET export.docx", None, 2, heavy=True),
}

# Status in workbook A for each status of the plan as built (every row changes; none becomes
# 已完成, which would need evidence or closed sub-tasks).
FLIP = {
    "not_started": "in_progress",
    "in_progress": "blocked",
    "blocked": "in_progress",
    "done": "in_progress",
    "cancelled": "not_started",
}
STATUS_LABELS = {
    "not_started": "未开始",
    "in_progress": "进行中",
    "done": "已完成",
    "blocked": "受阻",
    "cancelled": "已取消",
}


# --------------------------------------------------------------------------------------------
# Parent: prepare each database, run a child per database, print the table.
# --------------------------------------------------------------------------------------------


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = harness.argument_parser(
        __doc__,
        repeat_help="timed plan-page requests (50)",
        repeat_heavy=(10, "timed exports and imports (10; an odd number is rounded up)"),
        show_sql_help="print the SQL of one plan-page request",
        profile_help="print a profile of one request per endpoint (pip install pyinstrument)",
        strict_help="exit 1 when an endpoint misses its target",
    )
    args = harness.parse_args(parser, argv)
    args.repeat_heavy += args.repeat_heavy % 2  # imports alternate A and B: an even number
    return args


TABLE = [
    harness.DATABASE_COLUMN,
    harness.text_column("endpoint", 24, "label"),
    *harness.timing_columns(11),
    harness.number_column("queries", 8, "queries"),
]


def parent_main(args: argparse.Namespace, argv: list[str]) -> int:
    return harness.parent_main(
        args,
        argv,
        name="plans",
        script=Path(__file__),
        child_env=CHILD_ENV,
        table=lambda results: harness.print_table(results, TABLE),
        targets=(
            f"targets: plan page < 100 ms, export.xlsx < 1 s, import of {TASK_COUNT} rows < 2 s "
            f"(median server time in-process; plan page {args.repeat} requests after "
            f"{ENDPOINTS['page'].warmup} warm-ups, the others {args.repeat_heavy} after 2)"
        ),
    )


# --------------------------------------------------------------------------------------------
# Child: set Django up against the prepared database, build the plan, time the endpoints.
# --------------------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨赵黄周吴徐孙"
GIVEN = [
    "建国",
    "海燕",
    "志强",
    "丽娟",
    "国庆",
    "晓明",
    "秀英",
    "文博",
    "红梅",
    "立新",
    "佳怡",
    "永刚",
]
PLACES_LEADING = ["天津市", "和平区", "河西区", "南开区", "北辰区"]
PLACES_PARTNER = ["河南省", "郑州市", "信阳市", "南阳市", "许昌市", "平顶山市"]
ACTIONS = ["组织开展", "编制完成", "建设", "督促落实", "举办", "完善", "推动", "调研评估"]
OBJECTS = [
    "示范小区分类投放设施改造",
    "分类收运车辆标识统一工作",
    "厨余垃圾处理设施运行评估",
    "社区垃圾分类志愿者队伍建设",
    "垃圾分类进校园主题活动",
    "再生资源回收网点布局优化",
    "大件垃圾拆解中心建设",
    "生活垃圾计量收费试点",
    "分类督导员上岗培训",
    "生活垃圾分类管理条例宣贯",
    "有害垃圾收集暂存点规范化建设",
    "分类投放点位“撤桶并点”",
]
DELIVERABLES = ["工作方案", "总结报告", "培训记录", "设施建设台账", "宣传活动记录", "调研报告"]
PHASE_NAMES = ["试点阶段", "推广阶段", "深化阶段", "总结阶段"]


@dataclass
class Built:
    """What was generated, kept independently of the code under test to check the answers."""

    plan_id: int
    # number -> (title, status, due date) after the statuses were set
    tasks: dict[int, tuple[str, str, dt.date | None]] = field(default_factory=dict)
    parents: int = 0
    subtasks: int = 0
    phases: int = 0
    goals: int = 0
    people: int = 0
    evidence: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def overdue(self, today: dt.date) -> int:
        return sum(
            1
            for _title, status, due in self.tasks.values()
            if due is not None and due < today and status not in {"done", "cancelled"}
        )


@dataclass
class Actors:
    leading: Any  # 天津's coordinator: views the page, exports
    partner: Any  # 河南's coordinator: signs
    supervisor: Any  # files the plan
    admin: Any  # imports: may report progress on every row, whichever side it belongs to


def _people(pairing: Any) -> tuple[Actors, list[Any], list[Any]]:
    """Coordinators, the Ministry, an admin, and 12 people on each side (unique full names)."""
    from twinning.accounts import services as accounts

    names = iter(f"{s}{g}" for g in GIVEN for s in SURNAMES)
    ministry = accounts.create_organisation(actor=None, name="住房和城乡建设部", kind="ministry")
    sides: list[list[Any]] = []
    coordinators = []
    for tag, region in (("tj", pairing.leading_region), ("hn", pairing.partner_region)):
        department = accounts.create_organisation(
            actor=None,
            name=f"{region.name}住房和城乡建设部门（基准）",
            kind="department",
            region_code=region.code,
        )
        coordinators.append(
            harness.create_user(f"bench-{tag}-coordinator", "coordinator", department, next(names))
        )
        sides.append(
            [
                harness.create_user(f"bench-{tag}-{i:02d}", "member", department, next(names))
                for i in range(PEOPLE_PER_SIDE)
            ]
        )
    actors = Actors(
        leading=coordinators[0],
        partner=coordinators[1],
        supervisor=harness.create_user("bench-supervisor", "supervisor", ministry, "基准督导"),
        admin=harness.create_user("bench-admin", "admin", None, "基准管理员"),
    )
    return actors, sides[0] + [coordinators[0]], sides[1] + [coordinators[1]]


def _split_period(start: dt.date, end: dt.date, parts: int) -> list[tuple[dt.date, dt.date]]:
    days = (end - start).days + 1
    edges = [start + dt.timedelta(days=days * i // parts) for i in range(parts + 1)]
    return [(edges[i], edges[i + 1] - dt.timedelta(days=1)) for i in range(parts)]


def _status_for(rng: random.Random, due: dt.date, today: dt.date, closable: bool) -> str:
    """Mostly done in the past (some overdue), mostly open in the future."""
    roll = rng.random()
    if due < today:
        if closable and roll < 0.7:
            return "done"
        if roll < 0.75:
            return "cancelled"
        return "blocked" if roll > 0.93 else "in_progress"
    if closable and roll < 0.1:
        return "done"
    if roll < 0.5:
        return "in_progress"
    return "blocked" if roll > 0.95 else "not_started"


def _build_plan(rng: random.Random) -> tuple[Built, Actors]:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from twinning.pairings import services as pair_services
    from twinning.pairings.models import Body, Pairing
    from twinning.plans import services
    from twinning.plans.models import Topic

    start = time.perf_counter()
    with transaction.atomic():
        call_command("load_programme", stdout=io.StringIO())
    seconds = {"programme": time.perf_counter() - start}

    start = time.perf_counter()
    today = timezone.localdate()
    pairing = Pairing.objects.select_related("leading_region", "partner_region").get(
        leading_region_id="120000", partner_region_id="410000"
    )
    actors, leading_people, partner_people = _people(pairing)
    bodies = {
        side: pair_services.create_body_as_system(
            pairing=pairing,
            side=side,
            kind=Body.Kind.TASK_FORCE,
            name=f"{pairing.region_of(side).name}交流协作工作专班（基准）",
            duties="政策法规、源头投放、收集运输、末端处理、宣传引导",
        )
        for side in ("leading", "partner")
    }
    period_start, period_end = dt.date(today.year - 2, 1, 1), dt.date(today.year + 2, 12, 31)
    topics = list(Topic.objects.filter(archived_at__isnull=True).values_list("code", flat=True))
    plan = services.create_plan(
        actor=actors.leading,
        pairing_id=pairing.pk,
        title=f"{pairing}生活垃圾分类“1对1”交流协作工作方案（基准）",
        period_start=period_start,
        period_end=period_end,
        principles="政府推动、全民参与、城乡统筹、因地制宜。",
        background="以结对协作推动结对地区生活垃圾分类工作提质增效。",
        methods=["invite_guidance", "send_to_learn", "training", "field_research"],
        topic_codes=topics[:6],
    )
    built = Built(plan_id=plan.pk)
    people = {"leading": leading_people, "partner": partner_people}
    built.people = len(leading_people) + len(partner_people)
    _fill_plan(rng, built, plan, actors, people, bodies, topics, seconds, start)
    built.seconds = {k: round(v, 1) for k, v in seconds.items()}
    return built, actors


def _fill_plan(
    rng: random.Random,
    built: Built,
    plan: Any,
    actors: Actors,
    people: dict[str, list[Any]],
    bodies: dict[str, Any],
    topics: list[str],
    seconds: dict[str, float],
    start: float,
) -> None:
    """Goals, phases, 500 tasks, the lifecycle to 执行中 and the tasks' statuses."""
    from django.utils import timezone

    from twinning.plans import services, tasks
    from twinning.plans.models import Task

    today = timezone.localdate()
    period_start, period_end = plan.period_start, plan.period_end
    for i in range(6):
        services.add_goal(
            actor=actors.leading,
            plan_id=plan.pk,
            values={
                "text": f"第{i + 1}项目标：城市生活垃圾回收利用率达到{30 + i}%以上",
                "indicator": "回收利用率",
                "unit": "%",
                "target_value": 30 + i,
                "due_date": period_end,
            },
        )
        built.goals += 1
    phases = []
    for name, (begin, end) in zip(
        PHASE_NAMES, _split_period(period_start, period_end, len(PHASE_NAMES)), strict=True
    ):
        phases.append(
            services.add_phase(
                actor=actors.leading,
                plan_id=plan.pk,
                values={"name": name, "start_date": begin, "end_date": end, "description": ""},
            )
        )
    built.phases = len(phases)

    def row(parent: Task | None) -> dict[str, Any]:
        if parent is None:
            side = rng.choices(["joint", "leading", "partner"], weights=[2, 1, 1])[0]
            phase = rng.choice(phases)
            begin = phase.start_date + dt.timedelta(days=rng.randrange(0, 60))
            due = min(phase.end_date, begin + dt.timedelta(days=rng.randrange(30, 300)))
        else:
            side, phase = parent.side, parent.phase
            begin = parent.start_date
            due = begin + dt.timedelta(days=rng.randrange(0, (parent.due_date - begin).days + 1))
        pool = people["leading" if side == "leading" else "partner"]
        if side == "joint":
            pool = people["leading"] + people["partner"]
        owner = rng.choice(pool) if rng.random() < 0.85 else None
        places = PLACES_LEADING if side == "leading" else PLACES_PARTNER
        values: dict[str, Any] = {
            "title": f"{rng.choice(places)}{rng.choice(ACTIONS)}{rng.choice(OBJECTS)}",
            "topic": rng.choice(topics),
            "phase": phase.pk,
            "side": side,
            "owner": owner,
            "co_owners": rng.sample([p for p in pool if p != owner], rng.choice([0, 0, 1, 2])),
            "start_date": begin,
            "due_date": due,
            "weight": rng.choice([1, 1, 1, 2, 3]),
            "deliverable": rng.choice(DELIVERABLES),
            "evidence_required": rng.random() < 0.1,
        }
        if side != "joint" and rng.random() < 0.5:
            values["body"] = bodies[side].pk
        if parent is not None:
            values["parent"] = parent.number
        if rng.random() < 0.2:
            values["notes"] = "按月报送进展，遇到问题及时与对方专班联络人沟通。"
        return values

    created: list[tuple[Task, bool]] = []  # (task, has sub-tasks)
    for i in range(TOP_TASKS):
        has_children = i % PARENT_EVERY == PARENT_EVERY // 2
        task = tasks.add_task(actor=actors.leading, plan_id=plan.pk, values=row(None))
        created.append((task, has_children))
        if has_children:
            built.parents += 1
            for _ in range(SUBTASKS):
                child = tasks.add_task(actor=actors.leading, plan_id=plan.pk, values=row(task))
                created.append((child, False))
                built.subtasks += 1
    assert len(created) == TASK_COUNT
    seconds["plan"] = time.perf_counter() - start

    start = time.perf_counter()
    services.submit_plan(actor=actors.leading, plan_id=plan.pk)
    services.sign_plan(actor=actors.leading, plan_id=plan.pk)
    services.sign_plan(actor=actors.partner, plan_id=plan.pk)
    services.file_plan(actor=actors.supervisor, plan_id=plan.pk)
    services.put_in_force(actor=actors.leading, plan_id=plan.pk)
    for task, has_children in created:
        # Parents never close here: workbook B could not close them before their sub-tasks.
        closable = not has_children
        status = _status_for(rng, task.due_date, today, closable)
        if status == "done" and task.evidence_required:
            tasks.add_evidence(
                actor=actors.admin,
                task_id=task.pk,
                stream=io.BytesIO(PDF),
                filename=f"佐证{task.number}.pdf",
            )
            built.evidence += 1
        if status != "not_started":
            values: dict[str, Any] = {"status": status}
            if status == "done":
                values["completed_on"] = min(task.due_date, today) - dt.timedelta(
                    days=rng.randrange(0, 20)
                )
            tasks.update_task(actor=actors.admin, task_id=task.pk, values=values)
        built.tasks[task.number] = (task.title, status, task.due_date)
    seconds["statuses"] = time.perf_counter() - start


# ---------------------------------------------------------------- workbooks and checks


def _workbooks(exported: bytes, built: Built) -> list[tuple[bytes, dict[int, str]]]:
    """Workbook A (every row's status flipped) and B (the export as it is), with the statuses
    each leaves in the database."""
    from openpyxl import load_workbook

    original = {n: status for n, (_t, status, _d) in built.tasks.items()}
    flipped = {n: FLIP[status] for n, status in original.items()}
    workbook = load_workbook(io.BytesIO(exported))
    sheet = workbook.worksheets[0]
    columns = {str(cell.value): cell.column for cell in sheet[1] if cell.value}
    changed = 0
    for r in range(2, sheet.max_row + 1):
        number = sheet.cell(row=r, column=columns["编号"]).value
        if number is None:
            continue
        label = sheet.cell(row=r, column=columns["状态"]).value
        assert label == STATUS_LABELS[original[number]], f"row {r}: status {label}"
        sheet.cell(row=r, column=columns["状态"], value=STATUS_LABELS[flipped[number]])
        changed += 1
    assert changed == TASK_COUNT, f"workbook A changes {changed} rows"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return [(buffer.getvalue(), flipped), (exported, original)]


_ROW_RE = re.compile(r'<tr data-task="\d+"')


def _check_page(response: Any, built: Built, today: dt.date) -> None:
    assert response.status_code == 200, f"page: HTTP {response.status_code}"
    html = response.content.decode()
    rows = len(_ROW_RE.findall(html))
    assert rows == PAGE_ROWS, f"page: {rows} table rows, expected {PAGE_ROWS}"
    assert f"共 {TASK_COUNT} 项任务" in html, "page: the task total is missing"
    overdue = built.overdue(today)
    assert overdue > 0, "the plan should have overdue tasks"
    assert f"逾期 {overdue} 项" in html, f"page: overdue count {overdue} not shown"


def _check_xlsx(response: Any, built: Built) -> None:
    from openpyxl import load_workbook

    assert response.status_code == 200, f"xlsx: HTTP {response.status_code}"
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert numbers == set(built.tasks), f"xlsx: {len(numbers)} rows, expected {TASK_COUNT}"


def _check_docx(response: Any, built: Built) -> None:
    assert response.status_code == 200, f"docx: HTTP {response.status_code}"
    assert response["Content-Type"] == DOCX
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        document = archive.read("word/document.xml").decode()
    for number in (1, TASK_COUNT // 2, TASK_COUNT):
        title = built.tasks[number][0]
        assert title in document, f"docx: task {number} ({title}) missing"


def _check_import(response: Any, plan_id: int, expected: dict[int, str]) -> None:
    from twinning.plans.models import Task

    assert response.status_code == 302, (
        f"import: HTTP {response.status_code} (refused?) "
        + re.sub(r"\s+", " ", response.content.decode())[-600:]
    )
    assert response["Location"].endswith(f"/plans/{plan_id}/"), response["Location"]
    actual = dict(Task.objects.filter(plan_id=plan_id).values_list("number", "status"))
    wrong = [n for n, status in expected.items() if actual.get(n) != status]
    assert not wrong, f"import: {len(wrong)} rows not as the workbook says, e.g. {wrong[:5]}"


# ---------------------------------------------------------------- measurement


def _measure(
    name: str,
    endpoint: Endpoint,
    request: Callable[[], Any],
    check: Callable[[Any], None],
    repeat: int,
    profile: bool,
    show_sql: bool,
) -> dict[str, Any]:
    """Warm up, capture one request's SQL, then time `repeat` requests (each checked)."""
    for _ in range(endpoint.warmup):
        check(request())
    response, queries = harness.record_sql(request)
    check(response)
    if profile:
        check(harness.profile(name, request))
    timings = harness.time_runs(request, repeat, check=check)
    if show_sql:
        # The page's statements one by one, the others' grouped by shape.
        harness.print_sql(endpoint.label, queries, list_up_to=len(queries) if name == "page" else 0)
    return {
        "endpoint": name,
        "label": endpoint.label,
        "target_ms": endpoint.target_ms,
        "repeat": repeat,
        "warmup": endpoint.warmup,
        **timings.summary(),
        "queries": len(queries),
        "sql": queries if name == "page" else [],
    }


def child_main(args: argparse.Namespace) -> int:
    database = harness.child_setup(CHILD_ENV, args.debug)
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.test import Client, override_settings
    from django.utils import timezone

    from twinning.plans.models import Plan

    test_media = Path(settings.MEDIA_ROOT)  # settings_test's own throw-away folder
    media = Path(os.environ["TWINNING_DATA_DIR"]) / "media"
    with override_settings(MEDIA_ROOT=str(media)):
        rng = random.Random(SEED)
        start = time.perf_counter()
        with transaction.atomic():  # one commit: SQLite would otherwise sync once per row
            built, actors = _build_plan(rng)
        today = timezone.localdate()
        statuses = Counter(status for _t, status, _d in built.tasks.values())
        print(
            f"   built in {time.perf_counter() - start:.1f} s {built.seconds}: plan "
            f"{built.plan_id} with {len(built.tasks)} tasks ({built.parents} parents, "
            f"{built.subtasks} sub-tasks), {built.phases} phases, {built.goals} goals, "
            f"{built.people} people, {built.evidence} evidence files, "
            f"{built.overdue(today)} overdue; {dict(statuses)}",
            flush=True,
        )
        assert Plan.objects.get(pk=built.plan_id).status == Plan.Status.IN_FORCE
        harness.analyze()

        viewer = Client()
        viewer.force_login(actors.leading)
        importer = Client()
        importer.force_login(actors.admin)
        base = f"/plans/{built.plan_id}/"
        exported = viewer.get(f"{base}export.xlsx")
        _check_xlsx(exported, built)
        workbooks = _workbooks(exported.content, built)
        turn = {"n": 0}
        expected: dict[str, dict[int, str]] = {}

        def post_import() -> Any:
            data, statuses_after = workbooks[turn["n"] % 2]
            turn["n"] += 1
            expected["now"] = statuses_after
            upload = SimpleUploadedFile("任务分解表.xlsx", data, content_type=XLSX)
            return importer.post(f"{base}import/", {"file": upload})

        plan_id = built.plan_id
        requests: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {
            "page": (lambda: viewer.get(base), lambda r: _check_page(r, built, today)),
            "xlsx": (lambda: viewer.get(f"{base}export.xlsx"), lambda r: _check_xlsx(r, built)),
            "import": (post_import, lambda r: _check_import(r, plan_id, expected["now"])),
            "docx": (lambda: viewer.get(f"{base}export.docx"), lambda r: _check_docx(r, built)),
        }
        rows = []
        for name, endpoint in ENDPOINTS.items():
            request, check = requests[name]
            repeat = args.repeat_heavy if endpoint.heavy else args.repeat
            rows.append(
                _measure(name, endpoint, request, check, repeat, args.profile, args.show_sql)
            )
            print(f"   {endpoint.label}: median {rows[-1]['median_ms']:.1f} ms", flush=True)
        if turn["n"] % 2:  # leave the plan as built (B last)
            check_b = requests["import"][1]
            check_b(post_import())
    if test_media.is_dir() and not any(test_media.iterdir()):
        test_media.rmdir()
    result = {
        **harness.result_header(database, args),
        "plan": {
            "tasks": len(built.tasks),
            "parents": built.parents,
            "subtasks": built.subtasks,
            "phases": built.phases,
            "goals": built.goals,
            "people": built.people,
            "evidence": built.evidence,
            "overdue": built.overdue(today),
            "statuses": dict(statuses),
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
