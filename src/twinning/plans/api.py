"""Work plans API: thin handlers over plans.queries, plans.services and plans.tasks."""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from twinning.core.errors import NotFound
from twinning.core.models import AuditEntry
from twinning.pairings.schemas import AuditOut
from twinning.plans import excel, queries, services, tasks, word
from twinning.plans.compare import compare
from twinning.plans.models import Evidence, Plan, PlanTemplate, Task, Topic
from twinning.plans.schemas import (
    BulkStatusIn,
    CommentIn,
    ComparisonOut,
    EvidenceOut,
    GoalIn,
    GoalOut,
    GoalPatchIn,
    ImportOut,
    PhaseIn,
    PhaseOut,
    PhasePatchIn,
    PlanDetailOut,
    PlanIn,
    PlanListOut,
    PlanOut,
    PlanPatchIn,
    TaskIn,
    TaskOut,
    TaskPatchIn,
    TemplateIn,
    TemplateOut,
    TemplatePatchIn,
    TopicIn,
    TopicOut,
    TopicPatchIn,
)
from twinning.plans.views import DOCX, XLSX

router = Router(tags=["plans"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _sent(payload: Schema) -> dict[str, Any]:
    """PATCH semantics: the fields the client sent, and only those."""
    return payload.dict(exclude_unset=True)


def _detail(plan: Plan) -> Plan:
    """The plan with its roll-ups attached, for PlanDetailOut's resolvers to read."""
    overview = queries.overview_of(plan)
    for phase in overview.phases:
        phase.progress = overview.by_phase.get(phase.pk)  # type: ignore[attr-defined]
    plan.overview = overview  # type: ignore[attr-defined]
    return plan


def _plan_detail(request: HttpRequest, plan_id: int) -> Plan:
    return _detail(queries.get_plan_for(_actor(request), plan_id))


# ---------------------------------------------------------------- plans


class PlanQuery(Schema):
    status: str | None = None
    pairing: int | None = None
    province: str | None = None
    q: str | None = None
    archived: bool = False
    all_versions: bool = False
    sort: Literal["pair", "status", "updated", "overdue", "title"] = "pair"


@router.get("/plans", response=list[PlanListOut], summary="List plans")
@paginate(PageNumberPagination, page_size=50)
def list_plans(request: HttpRequest, filters: Query[PlanQuery]) -> QuerySet[Plan]:
    return queries.list_plans_for(_actor(request), queries.PlanFilters(**filters.dict()))


@router.post(
    "/plans", response={201: PlanDetailOut}, summary="Create a plan (optionally from a template)"
)
def create_plan(request: HttpRequest, payload: PlanIn) -> tuple[int, Plan]:
    data = payload.dict()
    plan = services.create_plan(actor=_actor(request), topic_codes=data.pop("topics"), **data)
    return 201, _plan_detail(request, plan.pk)


@router.get(
    "/plans/{plan_id}", response=PlanDetailOut, summary="Get a plan with goals, phases, progress"
)
def get_plan(request: HttpRequest, plan_id: int) -> Plan:
    return _plan_detail(request, plan_id)


@router.patch("/plans/{plan_id}", response=PlanDetailOut, summary="Edit a draft plan")
def update_plan(request: HttpRequest, plan_id: int, payload: PlanPatchIn) -> Plan:
    values = _sent(payload)
    expected = values.pop("lock_version", None)
    services.update_plan(
        actor=_actor(request), plan_id=plan_id, values=values, expected_version=expected
    )
    return _plan_detail(request, plan_id)


def _lifecycle(name: str, summary: str, service: Any, takes: str | None) -> None:
    def handler(request: HttpRequest, plan_id: int, payload: CommentIn) -> Plan:
        arguments: dict[str, Any] = {"actor": _actor(request), "plan_id": plan_id}
        if takes:
            arguments[takes] = payload.comment
        plan = service(**arguments)
        return _plan_detail(request, plan.pk)

    handler.__name__ = f"plan_{name.replace('-', '_')}"
    router.post(f"/plans/{{plan_id}}/{name}", response=PlanDetailOut, summary=summary)(handler)


_lifecycle("submit", "Submit a draft for both sides to sign", services.submit_plan, "note")
_lifecycle("sign", "Sign for your side (coordinators)", services.sign_plan, "note")
_lifecycle("request-changes", "Send a submitted plan back", services.request_changes, "comment")
_lifecycle("file", "File an agreed plan (Ministry)", services.file_plan, "note")
_lifecycle(
    "return", "Return an agreed plan with comments (Ministry)", services.return_plan, "comment"
)
_lifecycle("in-force", "Put a filed plan in force", services.put_in_force, "note")
_lifecycle("revise", "Start a revision: a new draft version", services.start_revision, "note")
_lifecycle("archive", "Archive a plan", services.archive_plan, None)
_lifecycle("restore", "Restore an archived plan", services.restore_plan, None)


@router.get("/plans/{plan_id}/versions", response=list[PlanOut], summary="All versions of a plan")
def plan_versions(request: HttpRequest, plan_id: int) -> Any:
    return queries.versions_of(queries.get_plan_for(_actor(request), plan_id)).select_related(
        "pairing__leading_region", "pairing__partner_region"
    )


@router.get("/plans/{plan_id}/compare", response=ComparisonOut, summary="Compare two versions")
def compare_versions(request: HttpRequest, plan_id: int, other: int) -> dict[str, Any]:
    actor = _actor(request)
    plan = queries.get_plan_for(actor, plan_id)
    older = queries.get_plan_for(actor, other)
    if older.lineage != plan.lineage:
        raise NotFound(_("该版本不属于此方案。"), code="not_a_version")
    result = compare(older, plan)

    def rows(fields: list[tuple[str, Any, Any]]) -> list[dict[str, Any]]:
        return [{"field": f, "old": _plain(a), "new": _plain(b)} for f, a, b in fields]

    def items(changes: Any) -> list[dict[str, Any]]:
        return [{"kind": c.kind, "label": c.label, "fields": rows(c.fields)} for c in changes]

    return {
        "older_id": result.older.pk,
        "older_version": result.older.version,
        "newer_id": result.newer.pk,
        "newer_version": result.newer.version,
        "plan_fields": rows(result.plan_fields),
        "goals": items(result.goals),
        "phases": items(result.phases),
        "tasks": items(result.tasks),
    }


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


@router.get(
    "/plans/{plan_id}/history", response=list[AuditOut], summary="Changes to a plan and its tasks"
)
def plan_history(request: HttpRequest, plan_id: int) -> list[AuditEntry]:
    actor = _actor(request)
    return queries.history_of(actor, queries.get_plan_for(actor, plan_id))


@router.get(
    "/plans/{plan_id}/export.xlsx",
    summary="The division-of-labour table as Excel",
    response={200: None},
    openapi_extra={"responses": {200: {"content": {XLSX: {}}, "description": "xlsx file"}}},
)
def export_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = queries.get_plan_for(_actor(request), plan_id)
    return _file(excel.tasks_workbook(plan), XLSX, f"plan-{plan.pk}-v{plan.version}.xlsx")


@router.get(
    "/plans/{plan_id}/export.docx",
    summary="The whole plan as a Word document",
    response={200: None},
    openapi_extra={"responses": {200: {"content": {DOCX: {}}, "description": "docx file"}}},
)
def export_docx(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = queries.get_plan_for(_actor(request), plan_id)
    return _file(word.plan_document(plan), DOCX, f"plan-{plan.pk}-v{plan.version}.docx")


def _file(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/plans/{plan_id}/import",
    response=ImportOut,
    summary="Import the table from Excel (all or nothing; errors name row and column)",
)
def import_xlsx(request: HttpRequest, plan_id: int, file: File[UploadedFile]) -> Any:
    return excel.import_tasks(actor=_actor(request), plan_id=plan_id, stream=file)


# ---------------------------------------------------------------- goals and phases


@router.post("/plans/{plan_id}/goals", response={201: GoalOut}, summary="Add a goal")
def add_goal(request: HttpRequest, plan_id: int, payload: GoalIn) -> Any:
    values = {k: v for k, v in payload.dict().items() if v is not None}
    return 201, services.add_goal(actor=_actor(request), plan_id=plan_id, values=values)


@router.patch("/goals/{goal_id}", response=GoalOut, summary="Edit a goal")
def update_goal(request: HttpRequest, goal_id: int, payload: GoalPatchIn) -> Any:
    return services.update_goal(actor=_actor(request), goal_id=goal_id, values=_sent(payload))


@router.post("/goals/{goal_id}/archive", response=GoalOut, summary="Archive a goal")
def archive_goal(request: HttpRequest, goal_id: int) -> Any:
    return services.archive_goal(actor=_actor(request), goal_id=goal_id)


@router.post("/goals/{goal_id}/restore", response=GoalOut, summary="Restore a goal")
def restore_goal(request: HttpRequest, goal_id: int) -> Any:
    return services.archive_goal(actor=_actor(request), goal_id=goal_id, archived=False)


@router.post("/plans/{plan_id}/phases", response={201: PhaseOut}, summary="Add a phase")
def add_phase(request: HttpRequest, plan_id: int, payload: PhaseIn) -> Any:
    values = {k: v for k, v in payload.dict().items() if v is not None}
    return 201, services.add_phase(actor=_actor(request), plan_id=plan_id, values=values)


@router.patch("/phases/{phase_id}", response=PhaseOut, summary="Edit a phase")
def update_phase(request: HttpRequest, phase_id: int, payload: PhasePatchIn) -> Any:
    return services.update_phase(actor=_actor(request), phase_id=phase_id, values=_sent(payload))


@router.post("/phases/{phase_id}/archive", response=PhaseOut, summary="Archive a phase")
def archive_phase(request: HttpRequest, phase_id: int) -> Any:
    return services.archive_phase(actor=_actor(request), phase_id=phase_id)


@router.post("/phases/{phase_id}/restore", response=PhaseOut, summary="Restore a phase")
def restore_phase(request: HttpRequest, phase_id: int) -> Any:
    return services.archive_phase(actor=_actor(request), phase_id=phase_id, archived=False)


# ---------------------------------------------------------------- tasks


class TaskQuery(Schema):
    side: str | None = None
    phase: int | None = None
    status: str | None = None
    owner: int | None = None
    overdue: bool = False
    q: str | None = None
    archived: bool = False
    sort: Literal["number", "due", "status", "owner", "phase"] = "number"


def _task(request: HttpRequest, task_id: int) -> Task:
    return queries.get_task_for(_actor(request), task_id)


@router.get(
    "/plans/{plan_id}/tasks", response=list[TaskOut], summary="The division-of-labour table"
)
@paginate(PageNumberPagination, page_size=100)
def list_tasks(request: HttpRequest, plan_id: int, filters: Query[TaskQuery]) -> Any:
    plan = queries.get_plan_for(_actor(request), plan_id)
    rows = queries.tasks_of(plan, queries.TaskFilters(**filters.dict()))
    return rows.select_related("parent", "updated_by").prefetch_related("co_owners")


@router.post("/plans/{plan_id}/tasks", response={201: TaskOut}, summary="Add a task")
def add_task(request: HttpRequest, plan_id: int, payload: TaskIn) -> Any:
    task = tasks.add_task(actor=_actor(request), plan_id=plan_id, values=payload.dict())
    return 201, _task(request, task.pk)


@router.get("/tasks/{task_id}", response=TaskOut, summary="Get a task")
def get_task(request: HttpRequest, task_id: int) -> Task:
    return _task(request, task_id)


@router.patch(
    "/tasks/{task_id}",
    response=TaskOut,
    summary="Edit a task (send lock_version; a stale one is refused with 409)",
)
def update_task(request: HttpRequest, task_id: int, payload: TaskPatchIn) -> Task:
    values = _sent(payload)
    expected = values.pop("lock_version", None)
    tasks.update_task(
        actor=_actor(request), task_id=task_id, values=values, expected_version=expected
    )
    return _task(request, task_id)


@router.post(
    "/plans/{plan_id}/tasks/bulk-status",
    response=list[TaskOut],
    summary="One status for many tasks (all or nothing)",
)
def bulk_status(request: HttpRequest, plan_id: int, payload: BulkStatusIn) -> list[Task]:
    changed = tasks.bulk_set_status(
        actor=_actor(request), plan_id=plan_id, task_ids=payload.task_ids, status=payload.status
    )
    return [_task(request, t.pk) for t in changed]


@router.post("/tasks/{task_id}/archive", response=TaskOut, summary="Archive a task")
def archive_task(request: HttpRequest, task_id: int) -> Task:
    tasks.archive_task(actor=_actor(request), task_id=task_id)
    return _task(request, task_id)


@router.post("/tasks/{task_id}/restore", response=TaskOut, summary="Restore a task")
def restore_task(request: HttpRequest, task_id: int) -> Task:
    tasks.archive_task(actor=_actor(request), task_id=task_id, archived=False)
    return _task(request, task_id)


@router.get("/me/tasks", response=list[TaskOut], summary="My tasks across all my pairs")
@paginate(PageNumberPagination, page_size=100)
def my_tasks(request: HttpRequest, status: str | None = None, overdue: bool = False) -> Any:
    rows = queries.my_tasks_for(_actor(request), status=status, overdue=overdue)
    return rows.select_related("parent", "updated_by", "topic").prefetch_related("co_owners")


@router.get("/tasks/{task_id}/evidence", response=list[EvidenceOut], summary="A task's evidence")
def list_evidence(request: HttpRequest, task_id: int) -> Any:
    return _task(request, task_id).evidence.select_related("uploaded_by")


@router.post("/tasks/{task_id}/evidence", response={201: EvidenceOut}, summary="Upload evidence")
def add_evidence(
    request: HttpRequest, task_id: int, file: File[UploadedFile], description: Form[str] = ""
) -> Any:
    evidence = tasks.add_evidence(
        actor=_actor(request),
        task_id=task_id,
        stream=file,
        filename=file.name or "file",
        description=description,
    )
    return 201, evidence


@router.get(
    "/evidence/{evidence_id}/download",
    summary="Download an evidence file",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "the file"}}},
)
def download_evidence(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = queries.get_evidence_for(_actor(request), evidence_id)
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@router.post("/evidence/{evidence_id}/archive", response=EvidenceOut, summary="Archive evidence")
def archive_evidence(request: HttpRequest, evidence_id: int) -> Evidence:
    return tasks.archive_evidence(actor=_actor(request), evidence_id=evidence_id)


@router.post("/evidence/{evidence_id}/restore", response=EvidenceOut, summary="Restore evidence")
def restore_evidence(request: HttpRequest, evidence_id: int) -> Evidence:
    return tasks.archive_evidence(actor=_actor(request), evidence_id=evidence_id, archived=False)


# ---------------------------------------------------------------- templates and topics


@router.get("/plan-templates", response=list[TemplateOut], summary="Plan templates")
def list_templates(request: HttpRequest, archived: bool = False) -> Any:
    return queries.list_templates(archived=archived)


@router.post("/plan-templates", response={201: TemplateOut}, summary="Add a template (admins)")
def create_template(request: HttpRequest, payload: TemplateIn) -> Any:
    return 201, services.save_template(actor=_actor(request), values=payload.dict())


@router.patch("/plan-templates/{template_id}", response=TemplateOut, summary="Edit a template")
def update_template(request: HttpRequest, template_id: int, payload: TemplatePatchIn) -> Any:
    return services.save_template(
        actor=_actor(request), values=_sent(payload), template_id=template_id
    )


def _admin_record(model: type[PlanTemplate] | type[Topic], pk: int) -> Any:
    record = model.objects.filter(pk=pk).first()
    if record is None:
        raise NotFound(_("记录不存在。"))
    return record


@router.post(
    "/plan-templates/{template_id}/archive", response=TemplateOut, summary="Retire a template"
)
def archive_template(request: HttpRequest, template_id: int) -> Any:
    record = _admin_record(PlanTemplate, template_id)
    return services.archive_admin_record(actor=_actor(request), obj=record, archived=True)


@router.post(
    "/plan-templates/{template_id}/restore", response=TemplateOut, summary="Restore a template"
)
def restore_template(request: HttpRequest, template_id: int) -> Any:
    record = _admin_record(PlanTemplate, template_id)
    return services.archive_admin_record(actor=_actor(request), obj=record, archived=False)


@router.get("/topics", response=list[TopicOut], summary="The cooperation-content taxonomy")
def list_topics(request: HttpRequest, archived: bool = False) -> Any:
    return Topic.objects.filter(archived_at__isnull=not archived)


@router.post("/topics", response={201: TopicOut}, summary="Add a topic (admins)")
def create_topic(request: HttpRequest, payload: TopicIn) -> Any:
    return 201, services.save_topic(actor=_actor(request), values=payload.dict())


@router.patch("/topics/{topic_id}", response=TopicOut, summary="Edit a topic (admins)")
def update_topic(request: HttpRequest, topic_id: int, payload: TopicPatchIn) -> Any:
    return services.save_topic(actor=_actor(request), values=_sent(payload), topic_id=topic_id)


@router.post("/topics/{topic_id}/archive", response=TopicOut, summary="Retire a topic")
def archive_topic(request: HttpRequest, topic_id: int) -> Any:
    record = _admin_record(Topic, topic_id)
    return services.archive_admin_record(actor=_actor(request), obj=record, archived=True)


@router.post("/topics/{topic_id}/restore", response=TopicOut, summary="Restore a topic")
def restore_topic(request: HttpRequest, topic_id: int) -> Any:
    record = _admin_record(Topic, topic_id)
    return services.archive_admin_record(actor=_actor(request), obj=record, archived=False)
