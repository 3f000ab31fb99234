"""Who may reach what: every work-plans page and API operation, persona by persona.

One table (`CASES`) lists each web route and API operation with the object it points at. From it:
an outsider (江西, on 天津–河南 objects) gets 404, read-only users in scope (experts, and the
Ministry for content it does not write) get 403 on every write and nothing changes, and the
in-scope coordinator (or the Ministry, or an admin, for what is theirs) succeeds and the database
changes, so the matrix cannot pass by refusing everyone. `test_every_route_is_in_the_matrix`
fails when a plans page or API operation is added without a row here.
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from twinning.accounts.models import User
from twinning.config.api import api as ninja_api
from twinning.core.testing import assert_problem
from twinning.pairings.models import Pairing
from twinning.plans import excel, services, tasks, views
from twinning.plans import urls as plans_urls
from twinning.plans.api import router as plans_router
from twinning.plans.models import Plan
from twinning.plans.tests.test_api import PDF, db_state

ClientFor = Callable[[User], Client]
MakePlan = Callable[..., Plan]

# Read-only in scope: 河南's expert, and the Ministry for content it does not write.
READ_ONLY = ("henan_expert", "supervisor")
# Members write content but do not move the plan through its lifecycle.
NOT_COORDINATORS = (*READ_ONLY, "henan_member")
# Filing and returning are the Ministry's.
NOT_MINISTRY = ("henan_expert", "tianjin")
# Templates and topics are the platform admins'.
NOT_ADMINS = ("tianjin", "supervisor", "henan_expert")


@dataclass(frozen=True)
class Case:
    """One route and method, the object its URL points at, and who must be refused."""

    surface: str  # "web" (a plans URL name) or "api" (a path as in the OpenAPI schema)
    method: str
    route: str
    target: str | None  # key of the `objects` fixture; None for routes without an object
    data: dict[str, Any] | None = None
    refused: tuple[str, ...] = ()  # in-scope personas that get 403 and change nothing
    changes: bool = False  # whether the successful request writes
    ok: int = 200
    coordinator: str = "tianjin"  # who succeeds
    query: dict[str, Any] = field(default_factory=dict)
    kwargs: dict[str, str] = field(default_factory=dict)  # extra URL arguments (web)
    admin: bool = False  # templates and topics: not pair-scoped
    marks: dict[str, Any] = field(default_factory=dict)  # test name → pytest mark

    @property
    def pair_scoped(self) -> bool:
        return self.target is not None and not self.admin

    @property
    def id(self) -> str:
        extra = "".join(f"-{v}" for v in self.kwargs.values())
        restore = "-restore" if (self.data or {}).get("restore") else ""
        query = "-with-pairing" if "pairing" in self.query else ""
        return f"{self.surface}-{self.method}-{self.route}{extra}{restore}{query}"


def _year() -> int:
    return timezone.localdate().year


def import_upload(objects: dict[str, int]) -> SimpleUploadedFile:
    """The draft's exported table with one new row."""
    plan = Plan.objects.get(pk=objects["plan"])
    workbook = load_workbook(io.BytesIO(excel.tasks_workbook(plan)))
    sheet = workbook.worksheets[0]
    title = next(c.column for c in sheet[1] if c.value == "任务")
    sheet.cell(row=sheet.max_row + 1, column=title, value="从 Excel 导入的任务")
    stream = io.BytesIO()
    workbook.save(stream)
    return SimpleUploadedFile("任务表.xlsx", stream.getvalue())


def evidence_upload(objects: dict[str, int]) -> SimpleUploadedFile:
    return SimpleUploadedFile("会议纪要.pdf", PDF)


PLAN_FORM = {"title": "改过的方案名称", "period_start": "{plan_start}", "period_end": "{plan_end}"}
NEW_PLAN_FORM = {"pairing": "{pairing}", **PLAN_FORM, "template": ""}
GOAL_FORM = {"text": "建成示范片区", "indicator": "示范片区", "unit": "个", "target_value": "3"}
PHASE_FORM = {"name": "总结阶段", "start_date": "{start}", "end_date": "{end}"}
TASK_FORM = {"title": "组织业务培训", "side": "joint", "weight": "1"}
TASK_EDIT = {**TASK_FORM, "status": "in_progress"}
TEMPLATE_FORM = {"code": "matrix-new", "name": "矩阵模板", "position": "0"}
TOPIC_FORM = {"code": "matrix_new", "name": "矩阵协作内容", "position": "0"}
RESTORE = {"restore": "1"}

W = "web"
WEB: list[Case] = [
    Case(W, "GET", "list", None),
    Case(W, "POST", "list", None),
    Case(W, "GET", "my_tasks", None),
    Case(W, "POST", "my_tasks", None),
    Case(W, "GET", "new", None),
    Case(W, "GET", "new", "pairing", refused=("henan_expert", "supervisor"),
         query={"pairing": "{pairing}"}),
    Case(W, "POST", "new", "pairing", NEW_PLAN_FORM, READ_ONLY, True, 302),
    Case(W, "GET", "templates", None),
    Case(W, "POST", "templates", None),
    Case(W, "GET", "template_new", None, refused=NOT_ADMINS, coordinator="admin_user"),
    Case(W, "POST", "template_new", None, TEMPLATE_FORM, NOT_ADMINS, True, 302, "admin_user"),
    Case(W, "GET", "template_edit", "template", refused=NOT_ADMINS, coordinator="admin_user",
         admin=True),
    Case(W, "POST", "template_edit", "template", {**TEMPLATE_FORM, "code": "matrix"}, NOT_ADMINS,
         True, 302, "admin_user", admin=True),
    Case(W, "GET", "topic_new", None, refused=NOT_ADMINS, coordinator="admin_user"),
    Case(W, "POST", "topic_new", None, TOPIC_FORM, NOT_ADMINS, True, 302, "admin_user"),
    Case(W, "GET", "topic_edit", "topic", refused=NOT_ADMINS, coordinator="admin_user",
         admin=True),
    Case(W, "POST", "topic_edit", "topic", {**TOPIC_FORM, "code": "matrix"}, NOT_ADMINS, True,
         302, "admin_user", admin=True),
    Case(W, "POST", "template_archive", "template", {}, NOT_ADMINS, True, 302, "admin_user",
         admin=True),
    Case(W, "POST", "template_archive", "archived_template", RESTORE, NOT_ADMINS, True, 302,
         "admin_user", admin=True),
    Case(W, "POST", "topic_archive", "topic", {}, NOT_ADMINS, True, 302, "admin_user",
         admin=True),
    Case(W, "POST", "topic_archive", "archived_topic", RESTORE, NOT_ADMINS, True, 302,
         "admin_user", admin=True),
    Case(W, "GET", "detail", "plan"),
    Case(W, "POST", "detail", "plan"),
    Case(W, "GET", "edit", "plan", refused=READ_ONLY),
    Case(W, "POST", "edit", "plan", PLAN_FORM, READ_ONLY, True, 302),
    Case(W, "GET", "history", "plan"),
    Case(W, "POST", "history", "plan"),
    Case(W, "GET", "compare", "in_force"),
    Case(W, "POST", "compare", "in_force"),
    Case(W, "GET", "export", "plan", kwargs={"fmt": "xlsx"}),
    Case(W, "POST", "export", "plan", kwargs={"fmt": "docx"}),
    Case(W, "GET", "import", "plan", refused=READ_ONLY),
    Case(W, "POST", "import", "plan", {"file": import_upload}, READ_ONLY, True, 302),
    Case(W, "POST", "action", "plan", {}, NOT_COORDINATORS, True, 302,
         kwargs={"action": "submit"}),
    Case(W, "POST", "action", "submitted", {}, NOT_COORDINATORS, True, 302, "henan",
         kwargs={"action": "sign"}),
    Case(W, "POST", "action", "submitted", {"comment": "请补充"}, NOT_COORDINATORS, True, 302,
         "henan", kwargs={"action": "request-changes"}),
    Case(W, "POST", "action", "agreed", {}, NOT_MINISTRY, True, 302, "supervisor",
         kwargs={"action": "file"}),
    Case(W, "POST", "action", "agreed", {"comment": "请修改"}, NOT_MINISTRY, True, 302,
         "supervisor", kwargs={"action": "return"}),
    Case(W, "POST", "action", "filed", {}, NOT_COORDINATORS, True, 302,
         kwargs={"action": "in-force"}),
    Case(W, "POST", "action", "in_force", {}, NOT_COORDINATORS, True, 302,
         kwargs={"action": "revise"}),
    Case(W, "POST", "action", "plan", {}, NOT_COORDINATORS, True, 302,
         kwargs={"action": "archive"}),
    Case(W, "POST", "action", "archived_plan", {}, NOT_COORDINATORS, True, 302,
         kwargs={"action": "restore"}),
    Case(W, "GET", "goal_new", "plan", refused=READ_ONLY),
    Case(W, "POST", "goal_new", "plan", GOAL_FORM, READ_ONLY, True, 302),
    Case(W, "GET", "goal_edit", "goal", refused=READ_ONLY),
    Case(W, "POST", "goal_edit", "goal", GOAL_FORM, READ_ONLY, True, 302),
    Case(W, "POST", "goal_archive", "goal", {}, READ_ONLY, True, 302),
    Case(W, "POST", "goal_archive", "archived_goal", RESTORE, READ_ONLY, True, 302),
    Case(W, "GET", "phase_new", "plan", refused=READ_ONLY),
    Case(W, "POST", "phase_new", "plan", PHASE_FORM, READ_ONLY, True, 302),
    Case(W, "GET", "phase_edit", "phase", refused=READ_ONLY),
    Case(W, "POST", "phase_edit", "phase", PHASE_FORM, READ_ONLY, True, 302),
    Case(W, "POST", "phase_archive", "empty_phase", {}, READ_ONLY, True, 302),
    Case(W, "POST", "phase_archive", "archived_phase", RESTORE, READ_ONLY, True, 302),
    Case(W, "GET", "task_new", "plan", refused=READ_ONLY),
    Case(W, "POST", "task_new", "plan", TASK_FORM, READ_ONLY, True, 302),
    Case(W, "POST", "bulk_status", "plan", {"tasks": ["{task}"], "status": "in_progress"},
         READ_ONLY, True, 302),
    Case(W, "GET", "task", "task"),
    Case(W, "POST", "task", "task", TASK_EDIT, READ_ONLY, True, 302),
    Case(W, "POST", "task_status", "task", {"status": "in_progress"}, READ_ONLY, True, 302),
    Case(W, "POST", "task_archive", "task", {}, READ_ONLY, True, 302),
    Case(W, "POST", "task_archive", "archived_task", RESTORE, READ_ONLY, True, 302),
    Case(W, "POST", "evidence_upload", "task", {"file": evidence_upload}, READ_ONLY, True, 302),
    Case(W, "GET", "evidence", "evidence"),
    Case(W, "POST", "evidence", "evidence"),
    Case(W, "POST", "evidence_archive", "evidence", {}, READ_ONLY, True, 302),
    Case(W, "POST", "evidence_archive", "archived_evidence", RESTORE, READ_ONLY, True, 302),
]  # fmt: skip

# Web routes that only answer POST (GET is refused with 405: checked below).
POST_ONLY = {
    "action",
    "goal_archive",
    "phase_archive",
    "bulk_status",
    "task_status",
    "task_archive",
    "evidence_upload",
    "evidence_archive",
    "template_archive",
    "topic_archive",
}

V1 = "/api/v1"
P = f"{V1}/plans/{{plan_id}}"
PLAN_IN = {"pairing_id": "{pairing}", "title": "新方案", "period_start": "{start}",
           "period_end": "{end}"}  # fmt: skip
GOAL_IN = {"text": "建成示范片区"}
PHASE_IN = {"name": "总结阶段", "start_date": "{start}", "end_date": "{end}"}
TEMPLATE_IN = {"code": "matrix-new", "name": "矩阵模板"}
TOPIC_IN = {"code": "matrix_new", "name": "矩阵协作内容"}

A = "api"
API: list[Case] = [
    Case(A, "GET", f"{V1}/plans", None),
    Case(A, "POST", f"{V1}/plans", "pairing", PLAN_IN, READ_ONLY, True, 201),
    Case(A, "GET", P, "plan"),
    Case(A, "PATCH", P, "plan", {"title": "改过的方案名称"}, READ_ONLY, True),
    Case(A, "POST", f"{P}/submit", "plan", {}, NOT_COORDINATORS, True),
    Case(A, "POST", f"{P}/sign", "submitted", {}, NOT_COORDINATORS, True, coordinator="henan"),
    Case(A, "POST", f"{P}/request-changes", "submitted", {"comment": "请补充"},
         NOT_COORDINATORS, True, coordinator="henan"),
    Case(A, "POST", f"{P}/file", "agreed", {}, NOT_MINISTRY, True, coordinator="supervisor"),
    Case(A, "POST", f"{P}/return", "agreed", {"comment": "请修改"}, NOT_MINISTRY, True,
         coordinator="supervisor"),
    Case(A, "POST", f"{P}/in-force", "filed", {}, NOT_COORDINATORS, True),
    Case(A, "POST", f"{P}/revise", "in_force", {}, NOT_COORDINATORS, True),
    Case(A, "POST", f"{P}/archive", "plan", {}, NOT_COORDINATORS, True),
    Case(A, "POST", f"{P}/restore", "archived_plan", {}, NOT_COORDINATORS, True),
    Case(A, "GET", f"{P}/versions", "plan"),
    Case(A, "GET", f"{P}/compare", "in_force", query={"other": "{in_force}"}),
    Case(A, "GET", f"{P}/history", "plan"),
    Case(A, "GET", f"{P}/export.xlsx", "plan"),
    Case(A, "GET", f"{P}/export.docx", "plan"),
    Case(A, "POST", f"{P}/import", "plan", {"file": import_upload}, READ_ONLY, True),
    Case(A, "POST", f"{P}/goals", "plan", GOAL_IN, READ_ONLY, True, 201),
    Case(A, "PATCH", f"{V1}/goals/{{goal_id}}", "goal", {"text": "改过的目标"}, READ_ONLY, True),
    Case(A, "POST", f"{V1}/goals/{{goal_id}}/archive", "goal", {}, READ_ONLY, True),
    Case(A, "POST", f"{V1}/goals/{{goal_id}}/restore", "archived_goal", {}, READ_ONLY, True),
    Case(A, "POST", f"{P}/phases", "plan", PHASE_IN, READ_ONLY, True, 201),
    Case(A, "PATCH", f"{V1}/phases/{{phase_id}}", "phase", {"name": "改过的阶段"}, READ_ONLY,
         True),
    Case(A, "POST", f"{V1}/phases/{{phase_id}}/archive", "empty_phase", {}, READ_ONLY, True),
    Case(A, "POST", f"{V1}/phases/{{phase_id}}/restore", "archived_phase", {}, READ_ONLY, True),
    Case(A, "GET", f"{P}/tasks", "plan"),
    Case(A, "POST", f"{P}/tasks", "plan", {"title": "新任务"}, READ_ONLY, True, 201),
    Case(A, "GET", f"{V1}/tasks/{{task_id}}", "task"),
    Case(A, "PATCH", f"{V1}/tasks/{{task_id}}", "task", {"notes": "已联系"}, READ_ONLY, True),
    Case(A, "POST", f"{P}/tasks/bulk-status", "plan",
         {"task_ids": ["{task}"], "status": "in_progress"}, READ_ONLY, True),
    Case(A, "POST", f"{V1}/tasks/{{task_id}}/archive", "task", {}, READ_ONLY, True),
    Case(A, "POST", f"{V1}/tasks/{{task_id}}/restore", "archived_task", {}, READ_ONLY, True),
    Case(A, "GET", f"{V1}/me/tasks", None),
    Case(A, "GET", f"{V1}/tasks/{{task_id}}/evidence", "task"),
    Case(A, "POST", f"{V1}/tasks/{{task_id}}/evidence", "task", {"file": evidence_upload},
         READ_ONLY, True, 201),
    Case(A, "GET", f"{V1}/evidence/{{evidence_id}}/download", "evidence"),
    Case(A, "POST", f"{V1}/evidence/{{evidence_id}}/archive", "evidence", {}, READ_ONLY, True),
    Case(A, "POST", f"{V1}/evidence/{{evidence_id}}/restore", "archived_evidence", {},
         READ_ONLY, True),
    Case(A, "GET", f"{V1}/plan-templates", None),
    Case(A, "POST", f"{V1}/plan-templates", None, TEMPLATE_IN, NOT_ADMINS, True, 201,
         "admin_user"),
    Case(A, "PATCH", f"{V1}/plan-templates/{{template_id}}", "template", {"name": "改名"},
         NOT_ADMINS, True, coordinator="admin_user", admin=True),
    Case(A, "POST", f"{V1}/plan-templates/{{template_id}}/archive", "template", {}, NOT_ADMINS,
         True, coordinator="admin_user", admin=True),
    Case(A, "POST", f"{V1}/plan-templates/{{template_id}}/restore", "archived_template", {},
         NOT_ADMINS, True, coordinator="admin_user", admin=True),
    Case(A, "GET", f"{V1}/topics", None),
    Case(A, "POST", f"{V1}/topics", None, TOPIC_IN, NOT_ADMINS, True, 201, "admin_user"),
    Case(A, "PATCH", f"{V1}/topics/{{topic_id}}", "topic", {"name": "改名"}, NOT_ADMINS, True,
         coordinator="admin_user", admin=True),
    Case(A, "POST", f"{V1}/topics/{{topic_id}}/archive", "topic", {}, NOT_ADMINS, True,
         coordinator="admin_user", admin=True),
    Case(A, "POST", f"{V1}/topics/{{topic_id}}/restore", "archived_topic", {}, NOT_ADMINS,
         True, coordinator="admin_user", admin=True),
]  # fmt: skip

# The plans router's operations, as the OpenAPI schema names them.
PLANS_PATHS = {f"{V1}{path}" for path in plans_router.path_operations}

CASES = WEB + API
SCOPED = [c for c in CASES if c.pair_scoped]
WRITES = [c for c in CASES if c.refused]
READS = [c for c in CASES if not c.refused]


def by_id(cases: list[Case], test: str) -> list[Any]:
    return [
        pytest.param(c, id=c.id, marks=[c.marks[test]] if test in c.marks else []) for c in cases
    ]


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def objects(
    make_plan: MakePlan, tianjin: User, henan: User, supervisor: User, tianjin_henan: Pairing
) -> dict[str, Any]:
    """On 天津–河南: a draft with a goal, a phase holding a task with evidence, an empty phase and
    archived copies of each; one plan in each later state; a live and a retired template and
    topic."""
    year = _year()
    start, end = f"{year + 1}-01-01", f"{year + 1}-12-31"
    plan = make_plan(
        goals=["建立长效协作机制", "作废的目标"],
        phases=[
            {"name": "试点阶段", "start_date": f"{year}-01-01", "end_date": f"{year}-12-31"},
            {"name": "空阶段", "start_date": start, "end_date": end},
            {"name": "作废的阶段", "start_date": start, "end_date": end},
        ],
        tasks=[
            {"title": "建立联络机制", "side": "joint", "phase_index": 0},
            {"title": "作废的任务", "side": "joint"},
        ],
    )
    goal, old_goal = plan.goals.all()
    phase, empty_phase, old_phase = plan.phases.all()
    task, old_task = plan.tasks.order_by("number")
    services.archive_goal(actor=tianjin, goal_id=old_goal.pk)
    services.archive_phase(actor=tianjin, phase_id=old_phase.pk)
    tasks.archive_task(actor=tianjin, task_id=old_task.pk)
    evidence = tasks.add_evidence(
        actor=tianjin, task_id=task.pk, stream=io.BytesIO(PDF), filename="a.pdf"
    )
    old_evidence = tasks.add_evidence(
        actor=tianjin, task_id=task.pk, stream=io.BytesIO(PDF), filename="b.pdf"
    )
    tasks.archive_evidence(actor=tianjin, evidence_id=old_evidence.pk)

    def later(*steps: str) -> int:
        other = make_plan(title=f"天津—河南方案（{steps[-1]}）", goals=["目标"])
        for step in steps:
            if step == "submitted":
                services.submit_plan(actor=tianjin, plan_id=other.pk)
            elif step == "agreed":
                services.sign_plan(actor=tianjin, plan_id=other.pk)
                services.sign_plan(actor=henan, plan_id=other.pk)
            elif step == "filed":
                services.file_plan(actor=supervisor, plan_id=other.pk)
            elif step == "in_force":
                services.put_in_force(actor=tianjin, plan_id=other.pk)
            elif step == "archived":
                services.archive_plan(actor=tianjin, plan_id=other.pk)
        return other.pk

    template = services.save_template(actor=None, values={"code": "matrix", "name": "矩阵"})
    old_template = services.save_template(actor=None, values={"code": "matrix-old", "name": "旧"})
    topic = services.save_topic(actor=None, values={"code": "matrix", "name": "矩阵内容"})
    old_topic = services.save_topic(actor=None, values={"code": "matrix_old", "name": "旧内容"})
    for record in (old_template, old_topic):
        record.archived_at = timezone.now()
        record.save()
    return {
        "pairing": tianjin_henan.pk,
        "plan": plan.pk,
        "submitted": later("submitted"),
        "agreed": later("submitted", "agreed"),
        "filed": later("submitted", "agreed", "filed"),
        "in_force": later("submitted", "agreed", "filed", "in_force"),
        "archived_plan": later("archived"),
        "goal": goal.pk,
        "archived_goal": old_goal.pk,
        "phase": phase.pk,
        "empty_phase": empty_phase.pk,
        "archived_phase": old_phase.pk,
        "task": task.pk,
        "archived_task": old_task.pk,
        "evidence": evidence.pk,
        "archived_evidence": old_evidence.pk,
        "template": template.pk,
        "archived_template": old_template.pk,
        "topic": topic.pk,
        "archived_topic": old_topic.pk,
        # the draft's period, and dates inside it, for forms and payloads
        "plan_start": plan.period_start.isoformat(),
        "plan_end": plan.period_end.isoformat(),
        "start": start,
        "end": end,
    }


# --- helpers -----------------------------------------------------------------------------------


def fill(value: Any, objects: dict[str, Any]) -> Any:
    """Placeholders like "{plan}" become the object's id; callables build the value (files)."""
    if callable(value):
        return value(objects)
    if isinstance(value, str) and re.fullmatch(r"{\w+}", value):
        return objects[value[1:-1]]
    if isinstance(value, list):
        return [fill(v, objects) for v in value]
    return value


def url_of(case: Case, objects: dict[str, Any]) -> str:
    object_id = objects[case.target] if case.target else None
    if case.surface == "web":
        pattern = next(p for p in plans_urls.urlpatterns if p.name == case.route)
        kwargs = {**dict.fromkeys(pattern.pattern.converters, object_id), **case.kwargs}
        return reverse(f"plans:{case.route}", kwargs=kwargs)
    return case.route.format(**dict.fromkeys(re.findall(r"{(\w+)}", case.route), object_id))


def send(case: Case, client: Client, objects: dict[str, Any]) -> Any:
    url = url_of(case, objects)
    query = {k: fill(v, objects) for k, v in case.query.items()}
    method = getattr(client, case.method.lower())
    if case.method == "GET":
        return method(url, query)
    if query:
        url = f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
    data = {k: fill(v, objects) for k, v in (case.data or {}).items()}
    has_file = any(isinstance(v, SimpleUploadedFile) for v in data.values())
    if case.surface == "web" or has_file:
        return method(url, data)
    return method(url, data, "application/json")


def client_for(
    case: Case, persona: str, request: pytest.FixtureRequest, login: ClientFor, api: ClientFor
) -> Client:
    user = request.getfixturevalue(persona)
    return login(user) if case.surface == "web" else api(user)


# --- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", by_id(SCOPED, "outsider"))
def test_an_outsider_gets_404_and_changes_nothing(
    case: Case,
    objects: dict[str, Any],
    jiangxi: User,
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, "jiangxi", request, login, api)
    before = db_state()

    response = send(case, client, objects)

    assert response.status_code == 404, response.content
    if case.surface == "api":
        assert_problem(response, 404, "not_found")
    assert "天津市—河南省" not in response.content.decode()
    assert db_state() == before


@pytest.mark.parametrize("case", by_id(WRITES, "read_only"))
def test_a_read_only_user_in_scope_gets_403_on_every_write(
    case: Case,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    for persona in case.refused:
        client = client_for(case, persona, request, login, api)
        before = db_state()

        response = send(case, client, objects)

        assert response.status_code == 403, (persona, response.content)
        if case.surface == "api":
            assert_problem(response, 403, "forbidden")
        assert db_state() == before, persona


@pytest.mark.parametrize("case", by_id(READS, "reader"))
def test_a_read_only_user_in_scope_may_read(
    case: Case,
    objects: dict[str, Any],
    henan_expert: User,
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, "henan_expert", request, login, api)
    before = db_state()

    response = send(case, client, objects)

    assert response.status_code == 200, response.content
    assert db_state() == before


@pytest.mark.parametrize("case", by_id(CASES, "coordinator"))
def test_the_in_scope_coordinator_succeeds(
    case: Case,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, case.coordinator, request, login, api)
    before = db_state()

    response = send(case, client, objects)

    assert response.status_code == case.ok, response.content
    assert (db_state() != before) is case.changes


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_post_only_pages_refuse_get(
    name: str, objects: dict[str, Any], tianjin: User, login: ClientFor
) -> None:
    case = next(c for c in WEB if c.route == name)

    assert login(tianjin).get(url_of(case, objects)).status_code == 405


def test_every_route_is_in_the_matrix() -> None:
    web_names = {p.name for p in plans_urls.urlpatterns}
    web_rows = {(c.method, c.route) for c in WEB}
    expected_web = {
        (method, name)
        for name in web_names
        for method in ("GET", "POST")
        if not (method == "GET" and name in POST_ONLY)
    }
    actions = {c.kwargs["action"] for c in WEB if c.route == "action"}
    schema = ninja_api.get_openapi_schema()
    api_operations = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if path in PLANS_PATHS
    }
    api_rows = {(c.method, c.route) for c in API}

    assert web_rows == expected_web, "add the new plans page to WEB (or drop stale rows)"
    assert actions == set(views.LIFECYCLE) | {"revise"}, "add the new lifecycle action to WEB"
    assert api_rows == api_operations, "add the new plans API operation to API"
    assert len(api_operations) == sum(
        len(v.operations) for v in plans_router.path_operations.values()
    )
    assert len({c.id for c in CASES}) == len(CASES)


# --- outsiders on routes without an object -----------------------------------------------------


def test_an_outsider_does_not_find_the_pairs_plans_or_tasks(
    objects: dict[str, Any], jiangxi: User, tianjin: User, login: ClientFor, api: ClientFor
) -> None:
    tasks.update_task(actor=tianjin, task_id=objects["task"], values={"co_owners": [tianjin]})
    client, browser = api(jiangxi), login(jiangxi)

    listed = client.get(f"{V1}/plans", {"page_size": 100}).json()
    page = browser.get(reverse("plans:list"))
    choose = browser.get(reverse("plans:new"))

    assert listed["items"]
    assert all("河南" not in item["pairing"] for item in listed["items"])
    assert all(p.pairing.partner_region_id != "410000" for p in page.context["page"])
    assert "天津市—河南省" not in page.content.decode()
    assert "天津市—河南省" not in choose.content.decode()
    assert client.get(f"{V1}/me/tasks").json()["count"] == 0


def test_an_unknown_web_action_is_refused_without_change(
    objects: dict[str, Any], tianjin: User, login: ClientFor
) -> None:
    before = db_state()

    response = login(tianjin).post(
        reverse("plans:action", args=[objects["plan"], "delete"]), follow=True
    )

    assert response.status_code == 200
    assert "未知的操作。" in response.content.decode()
    assert db_state() == before
