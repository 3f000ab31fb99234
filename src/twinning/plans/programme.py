"""Loading the plans' starting data: the topics, the templates and the plans the article reports.

Runs after `pairings.programme.load_programme` (the plans belong to its pairs) and, like it, is
idempotent: topics and templates are matched by code and brought up to date, and a pair that
already has a plan (any version, even archived) is left alone.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from twinning.core import audit
from twinning.core.validation import clean
from twinning.pairings.models import Pairing
from twinning.plans import services
from twinning.plans.models import Goal, Phase, Plan, PlanTemplate, Task, Topic
from twinning.plans.programme_data import PLANS, TEMPLATES, TOPICS, PlanRow


@dataclass
class PlansResult:
    topics_created: int = 0
    templates_created: int = 0
    plans_created: int = 0
    plans_existing: int = 0
    # Pairs named in PLANS that are not in the database (load_programme not run, or changed).
    pairs_missing: list[str] = field(default_factory=list)


@transaction.atomic
def load_plans() -> PlansResult:
    """Create the topics, templates and plans that are missing; keep what is there.

    Admins may have renamed a topic or edited a template since: loading again (``make run`` does
    on every start) must not undo their work, so existing records are left alone."""
    result = PlansResult()
    for position, (code, name) in enumerate(TOPICS):
        topic = Topic.objects.filter(code=code).first()
        values: dict[str, Any] = {"code": code, "name": name, "position": position}
        if topic is not None:
            continue
        services.save_topic(actor=None, values=values)
        result.topics_created += 1
    for position, row in enumerate(TEMPLATES):
        template = PlanTemplate.objects.filter(code=row["code"]).first()
        values = {**row, "position": position}
        if template is not None:
            continue
        services.save_template(actor=None, values=values)
        result.templates_created += 1
    for (leading, partner), plan_row in PLANS.items():
        pairing = Pairing.objects.filter(
            leading_region_id=leading, partner_region_id=partner
        ).first()
        if pairing is None:
            result.pairs_missing.append(f"{leading}–{partner}")
            continue
        if Plan.objects.filter(pairing=pairing).exists():
            result.plans_existing += 1
            continue
        _create_plan(pairing, plan_row)
        result.plans_created += 1
    return result


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _create_plan(pairing: Pairing, row: PlanRow) -> Plan:
    """The plan as drafted through the service, its content, then in force as the article says.

    Nobody signed or filed these plans in the platform, so the signatures and filing stay empty;
    the status is set directly and the change recorded as the system's.
    """
    plan = services.create_plan(
        actor=None,
        pairing_id=pairing.pk,
        title=row["title"],
        period_start=dt.date.fromisoformat(row["period_start"]),
        period_end=dt.date.fromisoformat(row["period_end"]),
        principles=row["principles"],
        background=row["background"],
        methods=row["methods"],
        topic_codes=row["topics"],
        source=row["source"],
    )
    for position, goal_row in enumerate(row["goals"]):
        target = goal_row.get("target_value")
        goal = Goal(
            plan=plan,
            position=position,
            text=goal_row["text"],
            indicator=goal_row.get("indicator", ""),
            unit=goal_row.get("unit", ""),
            target_value=Decimal(target) if target is not None else None,
            due_date=_date(goal_row.get("due_date")),
        )
        clean(goal, exclude=["plan"])
        goal.save()
    phases: list[Phase] = []
    for position, phase_row in enumerate(row["phases"]):
        phase = Phase(
            plan=plan,
            position=position,
            name=phase_row["name"],
            start_date=dt.date.fromisoformat(phase_row["start"]),
            end_date=dt.date.fromisoformat(phase_row["end"]),
            description=phase_row["description"],
        )
        clean(phase, exclude=["plan"])
        phase.save()
        phases.append(phase)
    topics = {t.code: t for t in Topic.objects.all()}
    for number, task_row in enumerate(row["tasks"], start=1):
        status = Task.Status(task_row.get("status", Task.Status.NOT_STARTED))
        phase_index = task_row["phase"]
        task = Task(
            plan=plan,
            number=number,
            position=number,
            title=task_row["title"],
            side=task_row["side"],
            topic=topics[task_row["topic"]] if task_row["topic"] else None,
            phase=phases[phase_index] if phase_index is not None else None,
            start_date=_date(task_row["start"]),
            due_date=_date(task_row["due"]),
            deliverable=task_row["deliverable"],
            status=status,
            progress=Task.STATUS_PROGRESS[status],
            notes=task_row.get("notes", ""),
        )
        clean(task, exclude=["plan"])
        task.save()
    plan.status = Plan.Status.IN_FORCE
    plan.save(update_fields=["status"])
    audit.record(
        actor=None,
        action="transition",
        target=plan,
        pairing=pairing,
        changes={"status": [Plan.Status.DRAFT.value, Plan.Status.IN_FORCE.value]},
        note=gettext_noop("据2021年进展报道载入：方案已制订并在执行"),
    )
    return plan
