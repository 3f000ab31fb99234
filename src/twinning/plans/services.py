"""Writing work plans: the plan, its goals and phases, the lifecycle, versions and templates.

Every function checks permission, validates, writes inside one transaction and records the change.
Task rows (the division-of-labour table) are written in `plans.tasks`.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import User
from twinning.core import audit
from twinning.core.errors import Conflict, Invalid, NotFound
from twinning.core.permissions import require
from twinning.core.validation import clean, invalid
from twinning.pairings.models import Pairing
from twinning.pairings.queries import get_pairing_for
from twinning.plans import permissions as perms
from twinning.plans import queries
from twinning.plans.models import (
    Evidence,
    Goal,
    Method,
    Phase,
    Plan,
    PlanTemplate,
    ResponsibleSide,
    Task,
    Topic,
)

Status = Plan.Status

PLAN_FIELDS = ["title", "period_start", "period_end", "principles", "background", "methods"]
GOAL_FIELDS = ["text", "indicator", "unit", "target_value", "due_date", "position"]
PHASE_FIELDS = ["name", "start_date", "end_date", "description", "position"]
TEMPLATE_FIELDS = [
    "code",
    "name",
    "description",
    "source",
    "principles",
    "methods",
    "phases",
    "goals",
    "tasks",
    "position",
]
TOPIC_FIELDS = ["code", "name", "position"]


# ---------------------------------------------------------------- shared helpers


def check_version(obj: Plan | Task, expected: int | None) -> None:
    """Optimistic locking: refuse a save based on an older version, naming who changed it."""
    if expected is None or expected == obj.lock_version:
        return
    who = str(obj.updated_by) if obj.updated_by else _("系统")
    when = date_format(timezone.localtime(obj.updated_at), "Y-m-d H:i")
    raise Conflict(
        _("保存失败：%(who)s 已于 %(when)s 修改了此内容。请刷新页面查看最新内容后再修改。")
        % {"who": who, "when": when},
        code="stale_version",
    )


def touch(obj: Plan | Task, actor: User | None) -> None:
    obj.updated_at = timezone.now()
    obj.updated_by = actor
    obj.lock_version += 1


def require_editable(plan: Plan) -> None:
    """Goals, phases, tasks and the plan's text change only while it is a draft."""
    if plan.is_archived:
        raise Conflict(_("该方案已归档。"), code="plan_archived")
    if not plan.is_editable:
        raise Conflict(
            _("方案状态为“%(status)s”，内容已冻结；如需修改，请先修订方案（生成新版本）。")
            % {"status": plan.get_status_display()},
            code="plan_frozen",
        )


def _methods(values: Iterable[str]) -> list[str]:
    methods = list(dict.fromkeys(values))
    unknown = [m for m in methods if m not in Method.values]
    if unknown:
        raise invalid("methods", _("未知的协作方式：%(m)s。") % {"m": "、".join(unknown)})
    return methods


def _topics(codes: Iterable[str]) -> list[Topic]:
    codes = list(dict.fromkeys(codes))
    topics = list(Topic.objects.filter(code__in=codes, archived_at__isnull=True))
    missing = sorted(set(codes) - {t.code for t in topics})
    if missing:
        raise invalid("topics", _("未知的协作内容：%(t)s。") % {"t": "、".join(missing)})
    return topics


def _locked_plan(actor: User, plan_id: int) -> Plan:
    plan = queries.get_plan_for(actor, plan_id)
    return (
        Plan.objects.select_for_update(of=("self",))
        .select_related("pairing__leading_region", "pairing__partner_region", "updated_by")
        .get(pk=plan.pk)
    )


def _plan_snapshot(plan: Plan) -> dict[str, Any]:
    values = audit.snapshot(plan, PLAN_FIELDS)
    values["topics"] = sorted(t.code for t in plan.topics.all()) if plan.pk else []
    return values


def _record(actor: User | None, action: str, obj: models.Model, plan: Plan, **kw: Any) -> None:
    audit.record(actor=actor, action=action, target=obj, pairing=plan.pairing, **kw)


# ---------------------------------------------------------------- plans


def _check_period(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise invalid("period_end", _("截止日期不能早于起始日期。"), "invalid_dates")


@transaction.atomic
def create_plan(
    *,
    actor: User | None,
    pairing_id: int,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    principles: str = "",
    background: str = "",
    methods: Iterable[str] = (),
    topic_codes: Iterable[str] = (),
    template_id: int | None = None,
    source: str = "",
) -> Plan:
    """A new draft plan for a pair, empty or filled from a template. `actor=None` is the system
    loading the programme's starting data."""
    if actor is None:
        pairing = Pairing.objects.get(pk=pairing_id)
    else:
        pairing = get_pairing_for(actor, pairing_id)
        require(
            perms.can_write_plans(actor, pairing), _("只有结对双方的协调员和成员可以编写方案。")
        )
    template = None
    if template_id is not None:
        template = queries.list_templates().filter(pk=template_id).first()
        if template is None:
            raise invalid("template", _("方案模板不存在或已停用。"), "unknown_template")
    _check_period(period_start, period_end)
    plan = Plan(
        pairing=pairing,
        title=title,
        period_start=period_start,
        period_end=period_end,
        principles=principles or (template.principles if template else ""),
        background=background,
        methods=_methods(methods or (template.methods if template else [])),
        template=template,
        source=source,
        created_by=actor,
        updated_by=actor,
    )
    clean(plan)
    plan.save()
    plan.topics.set(_topics(topic_codes))
    _record(actor, "create", plan, plan, changes=audit.diff({}, _plan_snapshot(plan)))
    if template is not None:
        _apply_template(actor, plan, template)
    return plan


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _apply_template(actor: User | None, plan: Plan, template: PlanTemplate) -> None:
    """Copy the template's phases (dated from the plan's start), goals and tasks."""
    phases: list[Phase] = []
    for position, item in enumerate(template.phases):
        start = _add_years(plan.period_start, int(item.get("offset_years", 0)))
        end = _add_years(start, int(item.get("years", 1))) - dt.timedelta(days=1)
        start, end = min(start, plan.period_end), min(end, plan.period_end)
        phases.append(
            Phase.objects.create(
                plan=plan,
                position=position,
                name=item["name"],
                start_date=start,
                end_date=end,
                description=item.get("description", ""),
            )
        )
    for position, item in enumerate(template.goals):
        Goal.objects.create(plan=plan, position=position, text=item["text"])
    topics = {t.code: t for t in Topic.objects.filter(archived_at__isnull=True)}
    for number, item in enumerate(template.tasks, start=1):
        phase_index = item.get("phase")
        phase = (
            phases[phase_index] if phase_index is not None and phase_index < len(phases) else None
        )
        Task.objects.create(
            plan=plan,
            number=number,
            position=number,
            title=item["title"],
            side=item.get("side", ResponsibleSide.JOINT),
            topic=topics.get(item.get("topic") or ""),
            phase=phase,
            # Without a phase, the task runs for the whole plan until someone sets its dates.
            start_date=phase.start_date if phase else plan.period_start,
            due_date=phase.end_date if phase else plan.period_end,
            deliverable=item.get("deliverable", ""),
            updated_by=actor,
        )
    _record(
        actor,
        "update",
        plan,
        plan,
        note=gettext_noop("从模板创建"),
        changes={"template": [None, template.name]},
    )


@transaction.atomic
def update_plan(
    *, actor: User, plan_id: int, values: dict[str, Any], expected_version: int | None = None
) -> Plan:
    """Change the plan's own text (only given keys); `topics` is a list of topic codes."""
    plan = _locked_plan(actor, plan_id)
    require(
        perms.can_write_plans(actor, plan.pairing), _("只有结对双方的协调员和成员可以编写方案。")
    )
    check_version(plan, expected_version)
    require_editable(plan)
    before = _plan_snapshot(plan)
    topics = values.pop("topics", None)
    for name, value in values.items():
        if name not in PLAN_FIELDS:
            raise invalid(name, _("不能修改此项。"), "unknown_field")
        setattr(plan, name, _methods(value) if name == "methods" else value)
    _check_period(plan.period_start, plan.period_end)
    outside = plan.phases.filter(archived_at__isnull=True).filter(
        models.Q(start_date__lt=plan.period_start) | models.Q(end_date__gt=plan.period_end)
    )
    if outside.exists():
        raise invalid(
            "period_start",
            _("期限不能短于已有阶段：%(names)s。请先调整阶段日期。")
            % {"names": "、".join(p.name for p in outside)},
            "phase_outside_period",
        )
    clean(plan)
    if topics is not None:
        plan.topics.set(_topics(topics))
    changes = audit.diff(before, _plan_snapshot(plan))
    if changes:
        touch(plan, actor)
        plan.save()
        _record(actor, "update", plan, plan, changes=changes)
    return plan


def _set_plan_status(
    actor: User | None, plan: Plan, status: str, note: str = "", **extra: Any
) -> Plan:
    old = plan.status
    plan.status = status
    for name, value in extra.items():
        setattr(plan, name, value)
    touch(plan, actor)
    plan.save()
    _record(actor, "transition", plan, plan, changes={"status": [old, status]}, note=note)
    return plan


def _require_status(plan: Plan, *allowed: str) -> None:
    if plan.status not in allowed or plan.is_archived:
        raise Conflict(
            _("方案当前状态为“%(status)s”，不能执行此操作。")
            % {"status": plan.get_status_display()},
            code="invalid_transition",
        )


@transaction.atomic
def submit_plan(*, actor: User, plan_id: int, note: str = "") -> Plan:
    """Draft → submitted: the two sides' coordinators are asked to sign."""
    plan = _locked_plan(actor, plan_id)
    require(perms.can_coordinate(actor, plan.pairing), _("只有结对双方的协调员可以提交方案。"))
    _require_status(plan, Status.DRAFT, Status.RETURNED)
    if (
        not plan.tasks.filter(archived_at__isnull=True).exists()
        and not plan.goals.filter(archived_at__isnull=True).exists()
    ):
        raise Invalid(_("方案还没有目标和任务，不能提交。"), code="plan_empty")
    return _set_plan_status(
        actor,
        plan,
        Status.SUBMITTED,
        note,
        submitted_at=timezone.now(),
        leading_signed_at=None,
        leading_signed_by=None,
        partner_signed_at=None,
        partner_signed_by=None,
    )


@transaction.atomic
def sign_plan(*, actor: User, plan_id: int, note: str = "") -> Plan:
    """A side's coordinator agrees (签署确认); when both sides have, the plan is agreed."""
    plan = _locked_plan(actor, plan_id)
    sides = perms.signable_sides(actor, plan)
    require(bool(sides), _("只有结对双方的协调员可以确认方案。"))
    _require_status(plan, Status.SUBMITTED)
    waiting = {s for s in ("leading", "partner") if plan.signed_at(s) is None}
    mine = sides & waiting
    if not mine:
        raise Conflict(_("您所在一方已确认过该方案。"), code="already_signed")
    now = timezone.now()
    for side in sorted(mine):
        setattr(plan, f"{side}_signed_at", now)
        setattr(plan, f"{side}_signed_by", actor)
    changes = {f"{side}_signed_at": [None, now.isoformat()] for side in mine}
    if plan.leading_signed_at and plan.partner_signed_at:
        changes["status"] = [plan.status, Status.AGREED]
        plan.status = Status.AGREED
    touch(plan, actor)
    plan.save()
    _record(actor, "transition", plan, plan, changes=changes, note=note)
    return plan


@transaction.atomic
def request_changes(*, actor: User, plan_id: int, comment: str) -> Plan:
    """A side's coordinator sends a submitted plan back for changes instead of signing."""
    plan = _locked_plan(actor, plan_id)
    require(bool(perms.signable_sides(actor, plan)), _("只有结对双方的协调员可以退回方案。"))
    _require_status(plan, Status.SUBMITTED)
    if not comment.strip():
        raise invalid("comment", _("请填写退回意见。"), "comment_required")
    return _set_plan_status(actor, plan, Status.RETURNED, comment, review_comment=comment)


@transaction.atomic
def file_plan(*, actor: User, plan_id: int, note: str = "") -> Plan:
    """A Ministry supervisor acknowledges an agreed plan: it is filed (备案)."""
    plan = _locked_plan(actor, plan_id)
    require(perms.can_file(actor), _("只有部级督导可以备案方案。"))
    _require_status(plan, Status.AGREED)
    return _set_plan_status(
        actor, plan, Status.FILED, note, filed_at=timezone.now(), filed_by=actor, review_comment=""
    )


@transaction.atomic
def return_plan(*, actor: User, plan_id: int, comment: str) -> Plan:
    """A Ministry supervisor returns an agreed plan with comments; the sides revise and resubmit."""
    plan = _locked_plan(actor, plan_id)
    require(perms.can_file(actor), _("只有部级督导可以退回方案。"))
    _require_status(plan, Status.AGREED)
    if not comment.strip():
        raise invalid("comment", _("请填写退回意见。"), "comment_required")
    return _set_plan_status(actor, plan, Status.RETURNED, comment, review_comment=comment)


@transaction.atomic
def put_in_force(*, actor: User, plan_id: int, note: str = "") -> Plan:
    """A filed plan comes into force; a revision replaces the version it was made from."""
    plan = _locked_plan(actor, plan_id)
    require(perms.can_coordinate(actor, plan.pairing), _("只有结对双方的协调员可以宣布方案生效。"))
    _require_status(plan, Status.FILED)
    now = timezone.now()
    older = Plan.objects.select_for_update(of=("self",)).filter(
        lineage=plan.lineage, version__lt=plan.version, superseded_at__isnull=True
    )
    for old in older:
        if old.status == Status.IN_FORCE:
            _carry_progress(actor, old, plan)
        _set_plan_status(actor, old, Status.SUPERSEDED, superseded_at=now)
    return _set_plan_status(actor, plan, Status.IN_FORCE, note, in_force_at=now)


def _carry_progress(actor: User, old: Plan, new: Plan) -> None:
    """What happened under the old version (statuses, completion, evidence) carries over to the
    same tasks in the new one: the work did not stop while the revision was agreed."""
    old_tasks = {t.key: t for t in old.tasks.prefetch_related("evidence")}
    for task in new.tasks.all():
        before = old_tasks.get(task.key)
        if before is None:
            continue
        task.status, task.progress = before.status, before.progress
        task.completed_on, task.notes = before.completed_on, task.notes or before.notes
        task.save(update_fields=["status", "progress", "completed_on", "notes"])
        for item in before.evidence.all():
            if item.archived_at is None:
                Evidence.objects.create(
                    task=task,
                    file=item.file.name,
                    original_name=item.original_name,
                    content_type=item.content_type,
                    size=item.size,
                    description=item.description,
                    uploaded_by=item.uploaded_by,
                )


@transaction.atomic
def start_revision(*, actor: User, plan_id: int, note: str = "") -> Plan:
    """A revision (修订) is a new draft version copied from an agreed one, which stays frozen."""
    plan = _locked_plan(actor, plan_id)
    require(perms.can_coordinate(actor, plan.pairing), _("只有结对双方的协调员可以修订方案。"))
    _require_status(plan, Status.AGREED, Status.FILED, Status.IN_FORCE)
    if Plan.objects.filter(lineage=plan.lineage, version__gt=plan.version).exists():
        raise Conflict(_("该方案已有更新的版本。"), code="revision_exists")
    new = copy_plan(actor, plan)
    _record(
        actor,
        "create",
        new,
        new,
        note=note or gettext_noop("修订方案"),
        changes={"version": [plan.version, new.version]},
    )
    return new


def copy_plan(actor: User | None, plan: Plan) -> Plan:
    """A new draft version with the same goals, phases and tasks (and the same keys)."""
    new = Plan.objects.create(
        pairing=plan.pairing,
        lineage=plan.lineage,
        version=plan.version + 1,
        previous=plan,
        title=plan.title,
        period_start=plan.period_start,
        period_end=plan.period_end,
        principles=plan.principles,
        background=plan.background,
        methods=list(plan.methods),
        template=plan.template,
        source=plan.source,
        created_by=actor,
        updated_by=actor,
    )
    new.topics.set(plan.topics.all())
    for goal in plan.goals.filter(archived_at__isnull=True):
        goal.pk = None
        goal.plan = new
        goal.save()
    phase_map: dict[int, Phase] = {}
    for phase in plan.phases.filter(archived_at__isnull=True):
        old_id = phase.pk
        phase.pk = None
        phase.plan = new
        phase.save()
        phase_map[old_id] = phase
    task_map: dict[int, Task] = {}
    tasks = list(plan.tasks.filter(archived_at__isnull=True).prefetch_related("co_owners"))
    for task in sorted(tasks, key=lambda t: t.parent_id is not None):
        old_id = task.pk
        co_owners = list(task.co_owners.all())
        task.pk = None
        task.plan = new
        task.phase = phase_map.get(task.phase_id) if task.phase_id else None
        task.parent = task_map.get(task.parent_id) if task.parent_id else None
        task.lock_version = 1
        # The copy must not see the old row's prefetched co-owners, or `set` would write nothing.
        task._prefetched_objects_cache = {}  # type: ignore[attr-defined]
        task.save()
        task.co_owners.set(co_owners)
        task_map[old_id] = task
    return new


@transaction.atomic
def archive_plan(*, actor: User, plan_id: int) -> Plan:
    plan = _locked_plan(actor, plan_id)
    require(perms.can_coordinate(actor, plan.pairing), _("只有结对双方的协调员可以归档方案。"))
    if plan.is_archived:
        raise Conflict(_("该方案已归档。"), code="already_archived")
    plan.archived_at, plan.archived_by = timezone.now(), actor
    touch(plan, actor)
    plan.save()
    _record(actor, "archive", plan, plan)
    return plan


@transaction.atomic
def restore_plan(*, actor: User, plan_id: int) -> Plan:
    plan = _locked_plan(actor, plan_id)
    require(perms.can_coordinate(actor, plan.pairing), _("只有结对双方的协调员可以恢复方案。"))
    if not plan.is_archived:
        raise Conflict(_("该方案未归档。"), code="not_archived")
    plan.archived_at, plan.archived_by = None, None
    touch(plan, actor)
    plan.save()
    _record(actor, "restore", plan, plan)
    return plan


# ---------------------------------------------------------------- goals and phases


def _editable_plan(actor: User, plan_id: int) -> Plan:
    plan = _locked_plan(actor, plan_id)
    require(
        perms.can_write_plans(actor, plan.pairing), _("只有结对双方的协调员和成员可以编写方案。")
    )
    require_editable(plan)
    return plan


def _write_part(
    actor: User, plan: Plan, obj: Goal | Phase, fields: list[str], values: dict[str, Any]
) -> Any:
    before = audit.snapshot(obj, fields) if obj.pk else {}
    for name, value in values.items():
        if name not in fields:
            raise invalid(name, _("不能修改此项。"), "unknown_field")
        setattr(obj, name, value)
    clean(obj, exclude=["plan"])
    if isinstance(obj, Phase):
        _check_phase(plan, obj)
    changes = audit.diff(before, audit.snapshot(obj, fields))
    if changes or not obj.pk:
        action = "update" if obj.pk else "create"
        obj.save()
        touch(plan, actor)
        plan.save(update_fields=["updated_at", "updated_by", "lock_version"])
        _record(actor, action, obj, plan, changes=changes)
    return obj


def _check_phase(plan: Plan, phase: Phase) -> None:
    if phase.end_date < phase.start_date:
        raise invalid("end_date", _("结束日期不能早于开始日期。"), "invalid_dates")
    if phase.start_date < plan.period_start or phase.end_date > plan.period_end:
        raise invalid(
            "start_date",
            _("阶段须在方案期限（%(start)s 至 %(end)s）之内。")
            % {"start": plan.period_start, "end": plan.period_end},
            "phase_outside_period",
        )


@transaction.atomic
def add_goal(*, actor: User, plan_id: int, values: dict[str, Any]) -> Goal:
    plan = _editable_plan(actor, plan_id)
    position = plan.goals.count()
    result: Goal = _write_part(actor, plan, Goal(plan=plan, position=position), GOAL_FIELDS, values)
    return result


@transaction.atomic
def update_goal(*, actor: User, goal_id: int, values: dict[str, Any]) -> Goal:
    goal = queries.get_goal_for(actor, goal_id)
    plan = _editable_plan(actor, goal.plan_id)
    result: Goal = _write_part(actor, plan, goal, GOAL_FIELDS, values)
    return result


@transaction.atomic
def add_phase(*, actor: User, plan_id: int, values: dict[str, Any]) -> Phase:
    plan = _editable_plan(actor, plan_id)
    position = plan.phases.count()
    result: Phase = _write_part(
        actor, plan, Phase(plan=plan, position=position), PHASE_FIELDS, values
    )
    return result


@transaction.atomic
def update_phase(*, actor: User, phase_id: int, values: dict[str, Any]) -> Phase:
    phase = queries.get_phase_for(actor, phase_id)
    plan = _editable_plan(actor, phase.plan_id)
    result: Phase = _write_part(actor, plan, phase, PHASE_FIELDS, values)
    return result


def _set_archived(actor: User, plan: Plan, obj: Any, archived: bool) -> Any:
    if archived == obj.is_archived:
        raise Conflict(
            _("该记录已归档。") if archived else _("该记录未归档。"),
            code="already_archived" if archived else "not_archived",
        )
    obj.archived_at, obj.archived_by = (timezone.now(), actor) if archived else (None, None)
    obj.save(update_fields=["archived_at", "archived_by"])
    touch(plan, actor)
    plan.save(update_fields=["updated_at", "updated_by", "lock_version"])
    _record(actor, "archive" if archived else "restore", obj, plan)
    return obj


@transaction.atomic
def archive_goal(*, actor: User, goal_id: int, archived: bool = True) -> Goal:
    goal = queries.get_goal_for(actor, goal_id)
    plan = _editable_plan(actor, goal.plan_id)
    result: Goal = _set_archived(actor, plan, goal, archived)
    return result


@transaction.atomic
def archive_phase(*, actor: User, phase_id: int, archived: bool = True) -> Phase:
    phase = queries.get_phase_for(actor, phase_id)
    plan = _editable_plan(actor, phase.plan_id)
    if archived and phase.tasks.filter(archived_at__isnull=True).exists():
        raise Conflict(
            _("该阶段下还有任务，请先把任务移到其他阶段或归档。"), code="phase_has_tasks"
        )
    result: Phase = _set_archived(actor, plan, phase, archived)
    return result


# ---------------------------------------------------------------- templates and topics


def _check_template_items(template: PlanTemplate) -> None:
    """The JSON lists must have the shape `_apply_template` reads."""
    phases, goals, tasks = template.phases, template.goals, template.tasks
    if not all(isinstance(x, list) for x in (phases, goals, tasks, template.methods)):
        raise invalid("tasks", _("模板内容格式不正确。"), "invalid_template")
    for item in phases:
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise invalid("phases", _("每个阶段都要有名称。"), "invalid_template")
        if not (
            0 <= int(item.get("offset_years", 0)) <= 20 and 1 <= int(item.get("years", 1)) <= 20
        ):
            raise invalid("phases", _("阶段的起始年和年数须在 0–20 之间。"), "invalid_template")
    for item in goals:
        if not isinstance(item, dict) or not str(item.get("text", "")).strip():
            raise invalid("goals", _("每个目标都要有内容。"), "invalid_template")
    for item in tasks:
        if not isinstance(item, dict) or not str(item.get("title", "")).strip():
            raise invalid("tasks", _("每个任务都要有名称。"), "invalid_template")
        phase = item.get("phase")
        if phase is not None and not (isinstance(phase, int) and 0 <= phase < len(phases)):
            raise invalid("tasks", _("任务所属阶段不存在。"), "invalid_template")
        if item.get("side", ResponsibleSide.JOINT) not in ResponsibleSide.values:
            raise invalid("tasks", _("任务的责任方不正确。"), "invalid_template")
    _methods(template.methods)


def _write_admin_record(
    actor: User | None, obj: Any, fields: list[str], values: dict[str, Any]
) -> Any:
    if actor is not None:
        require(perms.can_manage_templates(actor), _("只有平台管理员可以管理模板和协作内容。"))
    before = audit.snapshot(obj, fields) if obj.pk else {}
    for name, value in values.items():
        if name not in fields:
            raise invalid(name, _("不能修改此项。"), "unknown_field")
        setattr(obj, name, value)
    duplicate = type(obj).objects.filter(code=obj.code).exclude(pk=obj.pk).exists()
    if duplicate:
        raise invalid("code", _("代码“%(code)s”已被使用。") % {"code": obj.code}, "duplicate_code")
    clean(obj)
    if isinstance(obj, PlanTemplate):
        _check_template_items(obj)
    changes = audit.diff(before, audit.snapshot(obj, fields))
    if changes:
        action = "update" if obj.pk else "create"
        obj.save()
        audit.record(actor=actor, action=action, target=obj, changes=changes)
    return obj


@transaction.atomic
def save_template(
    *, actor: User | None, values: dict[str, Any], template_id: int | None = None
) -> PlanTemplate:
    template = queries.get_template(template_id) if template_id else PlanTemplate()
    result: PlanTemplate = _write_admin_record(actor, template, TEMPLATE_FIELDS, values)
    return result


@transaction.atomic
def save_topic(*, actor: User | None, values: dict[str, Any], topic_id: int | None = None) -> Topic:
    topic = Topic.objects.filter(pk=topic_id).first() if topic_id else Topic()
    if topic is None:
        raise NotFound(_("协作内容不存在。"))
    result: Topic = _write_admin_record(actor, topic, TOPIC_FIELDS, values)
    return result


@transaction.atomic
def archive_admin_record(*, actor: User, obj: PlanTemplate | Topic, archived: bool) -> Any:
    require(perms.can_manage_templates(actor), _("只有平台管理员可以管理模板和协作内容。"))
    if archived == obj.is_archived:
        raise Conflict(
            _("该记录已归档。") if archived else _("该记录未归档。"), code="invalid_transition"
        )
    obj.archived_at, obj.archived_by = (timezone.now(), actor) if archived else (None, None)
    obj.save(update_fields=["archived_at", "archived_by"])
    audit.record(actor=actor, action="archive" if archived else "restore", target=obj)
    return obj
