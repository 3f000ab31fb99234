"""Comparing two versions of a plan: what changed in the text, goals, phases and tasks.

Items are matched by their `key`, which a revision copies, so a renamed task is "changed",
not "removed and added". For tasks the comparison also sets the plan against the actual:
the due date against the completion date.
"""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from twinning.pairings.models import choice_label
from twinning.plans.models import Goal, Method, Phase, Plan, ResponsibleSide, Task


@dataclass
class ItemChange:
    kind: str  # added / removed / changed
    label: str
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)


@dataclass
class Comparison:
    older: Plan
    newer: Plan
    plan_fields: list[tuple[str, Any, Any]]
    goals: list[ItemChange]
    phases: list[ItemChange]
    tasks: list[ItemChange]

    @property
    def is_empty(self) -> bool:
        return not (self.plan_fields or self.goals or self.phases or self.tasks)


def _fields(old: Any, new: Any, names: list[tuple[str, str]]) -> list[tuple[str, Any, Any]]:
    rows = []
    for attr, label in names:
        a, b = _value(old, attr), _value(new, attr)
        if a != b:
            rows.append((label, a, b))
    return rows


def _value(obj: Any, attr: str) -> Any:
    value = getattr(obj, attr)
    if attr == "status" and isinstance(obj, Task):
        return choice_label(Task.Status, value)
    if attr == "side":
        return choice_label(ResponsibleSide, value)
    if attr == "methods":
        return "、".join(choice_label(Method, m) for m in value)
    if attr == "phase":
        return value.name if value else None
    if attr == "topics":
        return "、".join(t.name for t in obj.topics.all())
    return value


def _items(
    old: dict[Any, Any], new: dict[Any, Any], names: list[tuple[str, str]], label: Any
) -> list[ItemChange]:
    changes = []
    for key, item in new.items():
        if key not in old:
            changes.append(ItemChange("added", label(item)))
        else:
            rows = _fields(old[key], item, names)
            if rows:
                changes.append(ItemChange("changed", label(item), rows))
    changes.extend(
        ItemChange("removed", label(item)) for key, item in old.items() if key not in new
    )
    return changes


def compare(older: Plan, newer: Plan) -> Comparison:
    if older.version > newer.version:
        older, newer = newer, older
    plan_names = [
        ("title", _("方案名称")),
        ("period_start", _("起始日期")),
        ("period_end", _("截止日期")),
        ("background", _("工作目的")),
        ("principles", _("工作原则")),
        ("methods", _("协作方式")),
        ("topics", _("协作内容")),
    ]
    goal_names = [
        ("text", _("目标")),
        ("indicator", _("指标")),
        ("unit", _("单位")),
        ("target_value", _("目标值")),
        ("due_date", _("完成时限")),
    ]
    phase_names = [
        ("name", _("阶段名称")),
        ("start_date", _("开始日期")),
        ("end_date", _("结束日期")),
        ("description", _("阶段工作内容")),
    ]
    task_names = [
        ("title", _("任务")),
        ("phase", _("阶段")),
        ("side", _("责任方")),
        ("start_date", _("开始日期")),
        ("due_date", _("完成时限")),
        ("status", _("状态")),
        ("progress", _("进度（%）")),
        ("completed_on", _("完成日期")),
        ("deliverable", _("成果形式")),
    ]

    def goals(plan: Plan) -> dict[Any, Goal]:
        return {g.key: g for g in plan.goals.filter(archived_at__isnull=True)}

    def phases(plan: Plan) -> dict[Any, Phase]:
        return {p.key: p for p in plan.phases.filter(archived_at__isnull=True)}

    def tasks(plan: Plan) -> dict[Any, Task]:
        live = plan.tasks.filter(archived_at__isnull=True).select_related("phase")
        return {t.key: t for t in live}

    return Comparison(
        older=older,
        newer=newer,
        plan_fields=_fields(older, newer, plan_names),
        goals=_items(goals(older), goals(newer), goal_names, lambda g: g.text[:60]),
        phases=_items(phases(older), phases(newer), phase_names, lambda p: p.name),
        tasks=_items(tasks(older), tasks(newer), task_names, str),
    )


def delay_days(task: Task) -> int | None:
    """Plan against actual: days a finished task was late (negative: early)."""
    if task.due_date is None or task.completed_on is None:
        return None
    return (task.completed_on - task.due_date).days
