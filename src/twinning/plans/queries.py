"""Reading work plans, always starting from what the actor may see (outsiders get 404)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.core.errors import NotFound
from twinning.core.models import AuditEntry
from twinning.pairings.queries import get_pairing_for, readable_history
from twinning.plans.models import (
    Evidence,
    Goal,
    Phase,
    Plan,
    PlanQuerySet,
    PlanTemplate,
    Task,
    Topic,
)
from twinning.plans.progress import Rollup, rollup

PLAN_SORTS = {
    "pair": ("pairing__leading_region__code", "pairing__partner_region__code", "-version"),
    "status": ("status", "pairing__leading_region__code"),
    "updated": ("-updated_at", "id"),
    "overdue": ("-overdue_count", "pairing__leading_region__code"),
    "title": ("title", "id"),
}
TASK_SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "number": ("position", "number"),
    "due": (F("due_date").asc(nulls_last=True), "number"),
    "status": ("status", "number"),
    "owner": ("owner__full_name", "number"),
    "phase": ("phase__position", "phase__start_date", "number"),
}


def _not_found() -> NotFound:
    return NotFound(_("工作方案不存在，或您无权查看。"))


def visible_plans(actor: Any) -> PlanQuerySet:
    return Plan.objects.visible_to(actor).select_related(
        "pairing__leading_region", "pairing__partner_region"
    )


def get_plan_for(actor: Any, plan_id: int) -> Plan:
    plan = visible_plans(actor).filter(pk=plan_id).first()
    if plan is None:
        raise _not_found()
    return plan


def get_task_for(actor: Any, task_id: int) -> Task:
    task = (
        Task.objects.visible_to(actor)
        .select_related(
            "plan__pairing__leading_region",
            "plan__pairing__partner_region",
            "owner",
            "updated_by",
            "phase",
            "topic",
            "body",
            "parent",
        )
        .prefetch_related("co_owners")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound(_("任务不存在，或您无权查看。"))
    return task


def get_goal_for(actor: Any, goal_id: int) -> Goal:
    goal = (
        Goal.objects.filter(pk=goal_id, plan__in=visible_plans(actor))
        .select_related("plan")
        .first()
    )
    if goal is None:
        raise NotFound(_("目标不存在，或您无权查看。"))
    return goal


def get_phase_for(actor: Any, phase_id: int) -> Phase:
    phase = (
        Phase.objects.filter(pk=phase_id, plan__in=visible_plans(actor))
        .select_related("plan")
        .first()
    )
    if phase is None:
        raise NotFound(_("阶段不存在，或您无权查看。"))
    return phase


def get_evidence_for(actor: Any, evidence_id: int) -> Evidence:
    evidence = (
        Evidence.objects.filter(pk=evidence_id, task__in=Task.objects.visible_to(actor))
        .select_related(
            "task__plan__pairing__leading_region", "task__plan__pairing__partner_region"
        )
        .first()
    )
    if evidence is None:
        raise NotFound(_("佐证材料不存在，或您无权查看。"))
    return evidence


@dataclass(frozen=True)
class PlanFilters:
    status: str | None = None
    pairing: int | None = None
    province: str | None = None
    q: str | None = None
    archived: bool = False
    all_versions: bool = False
    sort: str = "pair"


def _overdue_tasks(today: dt.date) -> QuerySet[Task]:
    return Task.objects.filter(plan=OuterRef("pk"), archived_at__isnull=True).overdue(today)


def list_plans_for(actor: Any, filters: PlanFilters = PlanFilters()) -> QuerySet[Plan]:
    """Plans the actor may see, with their overdue-task counts, filtered and sorted."""
    today = timezone.localdate()
    plans = visible_plans(actor).filter(archived_at__isnull=not filters.archived)
    if not filters.all_versions:
        plans = plans.current()
    if filters.status:
        plans = plans.filter(status=filters.status)
    if filters.pairing is not None:
        plans = plans.filter(pairing_id=filters.pairing)
    if filters.province:
        prefix = f"/{filters.province}/"
        plans = plans.filter(
            Q(pairing__leading_region__path__startswith=prefix)
            | Q(pairing__partner_region__path__startswith=prefix)
        )
    if filters.q:
        plans = plans.filter(
            Q(title__icontains=filters.q)
            | Q(pairing__leading_region__name__icontains=filters.q)
            | Q(pairing__partner_region__name__icontains=filters.q)
        )
    plans = plans.annotate(
        overdue_count=Count(
            "tasks",
            filter=Q(
                tasks__archived_at__isnull=True,
                tasks__due_date__lt=today,
            )
            & ~Q(tasks__status__in=Task.CLOSED_STATUSES),
        ),
        task_count=Count("tasks", filter=Q(tasks__archived_at__isnull=True)),
    )
    return plans.order_by(*PLAN_SORTS.get(filters.sort, PLAN_SORTS["pair"]))


def plans_by_status(actor: Any) -> dict[str, int]:
    """How many current plans are in each state (the Ministry's overview)."""
    rows = visible_plans(actor).live().current().values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def plans_of_pairing(actor: Any, pairing_id: int) -> QuerySet[Plan]:
    pairing = get_pairing_for(actor, pairing_id)
    return Plan.objects.filter(pairing=pairing).order_by("lineage", "-version")


def versions_of(plan: Plan) -> QuerySet[Plan]:
    return Plan.objects.filter(lineage=plan.lineage).order_by("-version")


@dataclass(frozen=True)
class TaskFilters:
    side: str | None = None
    phase: int | None = None
    status: str | None = None
    owner: int | None = None
    overdue: bool = False
    q: str | None = None
    archived: bool = False
    sort: str = "number"


def tasks_of(plan: Plan, filters: TaskFilters = TaskFilters()) -> QuerySet[Task]:
    """The plan's table rows, filtered and sorted (the plan has already been scoped)."""
    tasks = plan.tasks.filter(archived_at__isnull=not filters.archived)
    if filters.side:
        tasks = tasks.filter(side=filters.side)
    if filters.phase is not None:
        tasks = tasks.filter(phase_id=filters.phase)
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.owner is not None:
        tasks = tasks.filter(Q(owner_id=filters.owner) | Q(co_owners__id=filters.owner)).distinct()
    if filters.overdue:
        tasks = tasks.overdue()
    if filters.q:
        tasks = tasks.filter(Q(title__icontains=filters.q) | Q(deliverable__icontains=filters.q))
    return tasks.select_related("owner", "phase", "topic", "body").order_by(
        *TASK_SORTS.get(filters.sort, TASK_SORTS["number"])
    )


@dataclass
class PlanOverview:
    """What the plan page shows above the table: roll-ups per phase and for the plan."""

    plan: Plan
    goals: list[Goal]
    phases: list[Phase]
    overall: Rollup
    by_phase: dict[int | None, Rollup]
    task_count: int
    overdue_count: int
    by_status: dict[str, int] = field(default_factory=dict)
    # Numbers of live tasks without a due date (dates freeze when the plan is submitted).
    undated: list[int] = field(default_factory=list)


TASK_ROLLUP_FIELDS = (
    "id",
    "number",
    "parent_id",
    "phase_id",
    "status",
    "progress",
    "weight",
    "due_date",
)


def overview_of(plan: Plan) -> PlanOverview:
    """Roll-ups from one narrow query over the plan's tasks (500 tasks stay cheap)."""
    today = timezone.localdate()
    rows = list(plan.tasks.filter(archived_at__isnull=True).values(*TASK_ROLLUP_FIELDS))
    top = [r for r in rows if r["parent_id"] is None]
    by_phase_rows: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for row in top:
        by_phase_rows[row["phase_id"]].append(row)
    by_status: dict[str, int] = defaultdict(int)
    for row in rows:
        by_status[row["status"]] += 1
    overdue = sum(
        1
        for r in rows
        if r["due_date"] is not None
        and r["due_date"] < today
        and r["status"] not in Task.CLOSED_STATUSES
    )
    return PlanOverview(
        plan=plan,
        goals=list(
            plan.goals.filter(archived_at__isnull=True).prefetch_related(
                # The indicator targets that measure a goal (indicators app), shown beside it.
                Prefetch(
                    "indicator_targets",
                    queryset=apps.get_model("indicators", "Target")
                    .objects.filter(archived_at__isnull=True)
                    .select_related("region", "indicator"),
                    to_attr="live_targets",
                )
            )
        ),
        phases=list(plan.phases.filter(archived_at__isnull=True)),
        overall=rollup(top),
        by_phase={phase: rollup(items) for phase, items in by_phase_rows.items()},
        task_count=len(rows),
        overdue_count=overdue,
        by_status=dict(by_status),
        undated=sorted(r["number"] for r in rows if r["due_date"] is None),
    )


def timeline_of(plan: Plan, phases: Iterable[Phase]) -> dict[str, Any]:
    """Data for the time-axis chart: phases and dated tasks, with today and overdue marked."""
    today = timezone.localdate()
    tasks: list[Any] = list(
        plan.tasks.filter(archived_at__isnull=True)
        .exclude(due_date__isnull=True)
        .order_by("position", "number")
        .values("id", "number", "title", "start_date", "due_date", "status", "progress")
    )
    return {
        "today": today.isoformat(),
        "start": plan.period_start.isoformat(),
        "end": plan.period_end.isoformat(),
        "phases": [
            {"name": p.name, "start": p.start_date.isoformat(), "end": p.end_date.isoformat()}
            for p in phases
        ],
        "tasks": [
            {
                "id": t["id"],
                "label": f"{t['number']}. {t['title'][:40]}",
                "start": (t["start_date"] or t["due_date"]).isoformat(),
                "end": t["due_date"].isoformat(),
                "progress": t["progress"],
                "status": t["status"],
                "overdue": t["due_date"] < today and t["status"] not in Task.CLOSED_STATUSES,
                "milestone": t["start_date"] is None,
            }
            for t in tasks
        ],
    }


def working_versions() -> QuerySet[Plan]:
    """The versions whose tasks people report on: live, not replaced, and not a revision still
    being agreed (its rows are copies; see `tasks.accepts_progress`)."""
    return Plan.objects.filter(archived_at__isnull=True, superseded_at__isnull=True).filter(
        Q(previous__isnull=True) | Q(status=Plan.Status.IN_FORCE)
    )


def working_plan_of(pairing_id: int) -> Plan | None:
    """The version of a pair's plan that people report on (the newest, if several lineages)."""
    return working_versions().filter(pairing_id=pairing_id).order_by("-updated_at").first()


def my_tasks_for(actor: Any, *, status: str | None = None, overdue: bool = False) -> QuerySet[Task]:
    """Tasks the actor owns or shares, across all their pairs' current plans."""
    mine = Task.objects.filter(Q(owner=actor) | Q(co_owners=actor)).values("pk")
    tasks = (
        Task.objects.visible_to(actor)
        .filter(pk__in=mine, archived_at__isnull=True)
        .filter(plan__in=working_versions())
        .select_related(
            "plan__pairing__leading_region", "plan__pairing__partner_region", "phase", "owner"
        )
    )
    if status:
        tasks = tasks.filter(status=status)
    if overdue:
        tasks = tasks.overdue()
    return tasks.order_by(F("due_date").asc(nulls_last=True), "plan_id", "number")


def overdue_by_pairing(actor: Any) -> list[dict[str, Any]]:
    """Overdue tasks counted per pair, worst first (the Ministry's watch list)."""
    rows = (
        Task.objects.visible_to(actor)
        .filter(archived_at__isnull=True, plan__in=working_versions())
        .overdue()
        .values(
            "plan__pairing_id",
            "plan__pairing__leading_region__name",
            "plan__pairing__partner_region__name",
        )
        .annotate(n=Count("id"))
        .order_by("-n", "plan__pairing_id")
    )
    return [
        {
            "pairing_id": r["plan__pairing_id"],
            "label": f"{r['plan__pairing__leading_region__name']}—"
            f"{r['plan__pairing__partner_region__name']}",
            "overdue": r["n"],
        }
        for r in rows
    ]


def has_live_evidence() -> Exists:
    return Exists(Evidence.objects.filter(task=OuterRef("pk"), archived_at__isnull=True))


def live_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(archived_at__isnull=True)


def list_templates(*, archived: bool = False) -> QuerySet[PlanTemplate]:
    return PlanTemplate.objects.filter(archived_at__isnull=not archived)


def get_template(template_id: int) -> PlanTemplate:
    template = PlanTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("方案模板不存在。"))
    return template


def history_of(actor: Any, plan: Plan) -> list[AuditEntry]:
    """The recorded changes of a plan version, its goals, phases, tasks and evidence, newest
    first, with private values masked for readers who may not see them."""

    def ids(rows: Any) -> list[str]:
        return [str(pk) for pk in rows.values_list("pk", flat=True)]

    entries = AuditEntry.objects.filter(
        Q(target_type="plans.plan", target_id=str(plan.pk))
        | Q(target_type="plans.task", target_id__in=ids(plan.tasks))
        | Q(
            target_type="plans.evidence",
            target_id__in=ids(Evidence.objects.filter(task__plan=plan)),
        )
        | Q(target_type="plans.goal", target_id__in=ids(plan.goals))
        | Q(target_type="plans.phase", target_id__in=ids(plan.phases))
    ).select_related("actor", "pairing")[:500]
    return readable_history(actor, entries)
