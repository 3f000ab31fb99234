"""Shared fixtures for the plans tests: plans built through the services, never by hand.

- `make_plan(...)` builds a draft plan on 天津–河南 (or any pair) with the given goals, phases
  and tasks, written by 天津's coordinator unless another actor is named.
- `draft_plan` is a small draft: one goal, two phases, three tasks (joint / partner / leading).
- `plan_in_force` is `draft_plan` taken through submit → both signatures → filing → in force.

Dates are relative to the current year, so nothing in these plans becomes overdue with time:
the period runs from 1 January this year to 31 December in four years; the first phase is this
year, the second the rest of the period.

`db_state()` snapshots every row the plans services write (plus the audit trail's size): take
one before a refused change and compare after.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.utils import timezone

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.pairings.models import Pairing
from twinning.plans import services
from twinning.plans import tasks as task_services
from twinning.plans.models import Evidence, Goal, Phase, Plan, PlanTemplate, Task, Topic

MakePlan = Callable[..., Plan]


def period() -> tuple[dt.date, dt.date]:
    """The default plan period: this year's 1 January to 31 December four years on."""
    year = timezone.localdate().year
    return dt.date(year, 1, 1), dt.date(year + 4, 12, 31)


def plans_state() -> dict[str, Any]:
    """Every row a plans service can write, plus the size of the audit trail."""
    return {
        "plans": list(Plan.objects.order_by("pk").values()),
        "plan_topics": list(
            Plan.topics.through.objects.order_by("pk").values_list("plan_id", "topic_id")
        ),
        "goals": list(Goal.objects.order_by("pk").values()),
        "phases": list(Phase.objects.order_by("pk").values()),
        "tasks": list(Task.objects.order_by("pk").values()),
        "co_owners": list(
            Task.co_owners.through.objects.order_by("pk").values_list("task_id", "user_id")
        ),
        "evidence": list(Evidence.objects.order_by("pk").values()),
        "templates": list(PlanTemplate.objects.order_by("pk").values()),
        "topics": list(Topic.objects.order_by("pk").values()),
        "audit_entries": AuditEntry.objects.count(),
    }


@pytest.fixture
def db_state() -> Callable[[], dict[str, Any]]:
    """`db_state()` snapshots every plans row; a refused change must leave it equal."""
    return plans_state


@pytest.fixture
def make_plan(tianjin: User, tianjin_henan: Pairing) -> MakePlan:
    """Build a draft plan through the services.

    make_plan(title=..., template="three-phases", goals=["text", {...}],
              phases=[{"name": ..., "start_date": ..., "end_date": ...}],
              tasks=[{"title": ..., "phase_index": 0, ...}], actor=..., pairing=...)

    Goals are texts or `add_goal` values; phases are `add_phase` values; tasks are `add_task`
    values where `phase_index` (optional) points into the phases just created. Any other keyword
    goes to `create_plan` (principles, methods, topic_codes, background, source).
    """

    def build(
        *,
        actor: User | None = None,
        pairing: Pairing | None = None,
        title: str = "天津—河南生活垃圾分类交流协作工作方案（测试）",
        period_start: dt.date | None = None,
        period_end: dt.date | None = None,
        template: str | None = None,
        goals: Iterable[str | dict[str, Any]] = (),
        phases: Iterable[dict[str, Any]] = (),
        tasks: Iterable[dict[str, Any]] = (),
        **extra: Any,
    ) -> Plan:
        writer = actor or tianjin
        default_start, default_end = period()
        template_id = PlanTemplate.objects.get(code=template).pk if template else None
        plan = services.create_plan(
            actor=writer,
            pairing_id=(pairing or tianjin_henan).pk,
            title=title,
            period_start=period_start or default_start,
            period_end=period_end or default_end,
            template_id=template_id,
            **extra,
        )
        for goal in goals:
            values = {"text": goal} if isinstance(goal, str) else dict(goal)
            services.add_goal(actor=writer, plan_id=plan.pk, values=values)
        made_phases = [
            services.add_phase(actor=writer, plan_id=plan.pk, values=dict(values))
            for values in phases
        ]
        for row in tasks:
            values = dict(row)
            index = values.pop("phase_index", None)
            if index is not None:
                values["phase"] = made_phases[index].pk
            task_services.add_task(actor=writer, plan_id=plan.pk, values=values)
        plan.refresh_from_db()
        return plan

    return build


@pytest.fixture
def draft_plan(make_plan: MakePlan) -> Plan:
    """A draft on 天津–河南: goal 1; phases 试点阶段 (this year) and 推广阶段 (the rest);
    tasks 1 joint in phase 1, 2 partner-side in phase 2, 3 leading-side without phase or dates."""
    start, end = period()
    first_end = dt.date(start.year, 12, 31)
    return make_plan(
        goals=["建立两地生活垃圾分类长效协作机制"],
        phases=[
            {"name": "试点阶段", "start_date": start, "end_date": first_end},
            {
                "name": "推广阶段",
                "start_date": first_end + dt.timedelta(days=1),
                "end_date": end,
            },
        ],
        tasks=[
            {
                "title": "建立联络机制，梳理协作工作清单",
                "side": "joint",
                "topic": "institutions",
                "phase_index": 0,
                "start_date": start,
                "due_date": first_end,
                "deliverable": "联络人名单、工作清单",
            },
            {
                "title": "建设分类投放和分类收集设施",
                "side": "partner",
                "topic": "sorted_disposal",
                "phase_index": 1,
                "start_date": first_end + dt.timedelta(days=1),
                "due_date": end,
                "deliverable": "设施建设台账",
            },
            {
                "title": "提供政策文件和标准规范汇编",
                "side": "leading",
                "topic": "laws_standards",
            },
        ],
    )


@pytest.fixture
def plan_in_force(draft_plan: Plan, tianjin: User, henan: User, supervisor: User) -> Plan:
    """`draft_plan` submitted by 天津, signed by 天津 and 河南, filed by the Ministry, in force."""
    services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
    services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
    services.sign_plan(actor=henan, plan_id=draft_plan.pk)
    services.file_plan(actor=supervisor, plan_id=draft_plan.pk)
    services.put_in_force(actor=tianjin, plan_id=draft_plan.pk)
    draft_plan.refresh_from_db()
    return draft_plan
