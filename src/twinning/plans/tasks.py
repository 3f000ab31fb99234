"""Writing the division-of-labour table: task rows, their status, progress and evidence.

A task's *definition* (what, when, who is responsible) is frozen with the plan once it is
submitted; its *tracking* (status, completion, notes, evidence, owners) goes on all the time.
"""

from collections.abc import Iterable
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.accounts.models import User
from twinning.core import audit
from twinning.core.errors import Conflict, Invalid
from twinning.core.permissions import require
from twinning.core.uploads import check_upload
from twinning.core.validation import clean, invalid
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Body
from twinning.plans import permissions as perms
from twinning.plans import queries
from twinning.plans.models import Evidence, Phase, Plan, ResponsibleSide, Task, Topic
from twinning.plans.services import check_version, require_editable, touch

DEFINITION_FIELDS = [
    "title",
    "topic",
    "phase",
    "side",
    "body",
    "parent",
    "start_date",
    "due_date",
    "weight",
    "deliverable",
    "evidence_required",
    "position",
]
TRACKING_FIELDS = ["status", "completed_on", "notes", "owner", "co_owners"]
TASK_FIELDS = DEFINITION_FIELDS + TRACKING_FIELDS
REFERENCES = ["topic", "phase", "body", "parent", "owner", "updated_by", "archived_by"]
AUDITED = [f for f in TASK_FIELDS if f != "co_owners"] + ["progress"]


def _snapshot(task: Task, with_co_owners: bool = True) -> dict[str, Any]:
    values = audit.snapshot(task, AUDITED)
    if with_co_owners:
        values["co_owners"] = sorted(str(u) for u in task.co_owners.all()) if task.pk else []
    return values


def accepts_progress(plan: Plan) -> bool:
    """A revision in draft gets its statuses from the version in force when it replaces it."""
    if plan.is_archived or plan.status == Plan.Status.SUPERSEDED:
        return False
    return plan.previous_id is None or plan.status == Plan.Status.IN_FORCE


# ---------------------------------------------------------------- resolving references


def plan_users(plan: Plan) -> Any:
    """People who may own a task: users of the two sides' organisations."""
    pairing = plan.pairing
    return User.objects.filter(is_active=True).filter(
        region_scope_q_for_organisation(pairing.leading_region.path, pairing.partner_region.path)
    )


def region_scope_q_for_organisation(*paths: str) -> Q:
    """Users whose organisation's region lies inside, or contains, one of the pair's regions."""
    condition = Q(pk__in=[])
    for path in paths:
        ancestors = [f"/{'/'.join(path.strip('/').split('/')[:i])}/" for i in range(1, 4)]
        condition |= Q(organisation__region__path__startswith=path) | Q(
            organisation__region__path__in=ancestors
        )
    return condition


def _user(plan: Plan, value: Any, field: str) -> User | None:
    if value in (None, ""):
        return None
    if isinstance(value, User):
        candidate: User | None = value
    else:
        key = str(value).strip()
        candidate = plan_users(plan).filter(Q(username=key) | Q(full_name=key)).first()
    if candidate is None or not plan_users(plan).filter(pk=candidate.pk).exists():
        raise invalid(
            field, _("“%(name)s”不是该结对双方的用户。") % {"name": value}, "unknown_user"
        )
    return candidate


def _resolve(plan: Plan, task: Task, values: dict[str, Any]) -> dict[str, Any]:
    """Turn references (topic code, phase id, body id, parent number, usernames) into records."""
    resolved = dict(values)
    if "topic" in values and values["topic"] not in (None, ""):
        topic = values["topic"]
        if not isinstance(topic, Topic):
            topic = Topic.objects.filter(
                Q(code=str(topic)) | Q(name=str(topic)), archived_at__isnull=True
            ).first()
        if topic is None:
            raise invalid(
                "topic", _("协作内容“%(t)s”不存在。") % {"t": values["topic"]}, "unknown_topic"
            )
        resolved["topic"] = topic
    elif "topic" in values:
        resolved["topic"] = None
    if "phase" in values and values["phase"] not in (None, ""):
        phase = values["phase"]
        if not isinstance(phase, Phase):
            phase = plan.phases.filter(pk=phase).first() if str(phase).isdigit() else None
        if phase is None or phase.plan_id != plan.pk or phase.is_archived:
            raise invalid("phase", _("阶段不属于该方案。"), "unknown_phase")
        resolved["phase"] = phase
    elif "phase" in values:
        resolved["phase"] = None
    if "body" in values and values["body"] not in (None, ""):
        body = values["body"]
        if not isinstance(body, Body):
            body = Body.objects.filter(pk=body).first() if str(body).isdigit() else None
        if body is None or body.pairing_id != plan.pairing_id or body.is_archived:
            raise invalid("body", _("责任机构不属于该结对。"), "unknown_body")
        resolved["body"] = body
    elif "body" in values:
        resolved["body"] = None
    if "parent" in values and values["parent"] not in (None, ""):
        parent = values["parent"]
        if not isinstance(parent, Task):
            parent = plan.tasks.filter(number=parent).first() if str(parent).isdigit() else None
        if parent is None or parent.plan_id != plan.pk or parent.is_archived:
            raise invalid("parent", _("上级任务不存在。"), "unknown_parent")
        if parent.parent_id is not None or (task.pk and parent.pk == task.pk):
            raise invalid("parent", _("子任务只能挂在一级任务下。"), "nested_subtask")
        if task.pk and task.subtasks.filter(archived_at__isnull=True).exists():
            raise invalid("parent", _("有子任务的任务不能再作为子任务。"), "nested_subtask")
        resolved["parent"] = parent
    elif "parent" in values:
        resolved["parent"] = None
    if "owner" in values:
        resolved["owner"] = _user(plan, values["owner"], "owner")
    if "co_owners" in values:
        resolved["co_owners"] = [
            u for u in (_user(plan, v, "co_owners") for v in values["co_owners"] or []) if u
        ]
    if "side" in values and values["side"] not in ResponsibleSide.values:
        raise invalid("side", _("责任方须为先行方、结对方或双方共同。"), "invalid_side")
    if "status" in values and values["status"] not in Task.Status.values:
        raise invalid("status", _("任务状态不正确。"), "invalid_status")
    return resolved


# ---------------------------------------------------------------- rules


def _check_dates(task: Task) -> None:
    if task.start_date and task.due_date and task.due_date < task.start_date:
        raise invalid("due_date", _("完成时限不能早于开始日期。"), "invalid_dates")
    if task.completed_on and task.completed_on > timezone.localdate():
        raise invalid("completed_on", _("完成日期不能晚于今天。"), "invalid_dates")


def _check_closing(task: Task) -> None:
    """Closing as done needs the evidence the task asks for and no open sub-task."""
    if task.status != Task.Status.DONE:
        return
    has_evidence = task.pk is not None and (task.evidence.filter(archived_at__isnull=True).exists())
    if task.evidence_required and not has_evidence:
        raise invalid(
            "status",
            _("任务“%(task)s”要求上传佐证材料后才能标记为已完成。") % {"task": task.title},
            "evidence_required",
        )
    if (
        task.pk
        and task.subtasks.filter(archived_at__isnull=True)
        .exclude(status__in=Task.CLOSED_STATUSES)
        .exists()
    ):
        raise invalid(
            "status",
            _("任务“%(task)s”还有未完成的子任务。") % {"task": task.title},
            "subtasks_open",
        )


def _apply_status(task: Task, old_status: str) -> None:
    if task.status == Task.Status.DONE and old_status != Task.Status.DONE and not task.completed_on:
        task.completed_on = timezone.localdate()
    if task.status != Task.Status.DONE:
        task.completed_on = None


def _recompute_progress(task: Task) -> None:
    """From the status, or the weighted sub-tasks when there are any."""
    # Sub-tasks are one level deep: a new task or a sub-task has none to ask the database for.
    subtasks = (
        list(task.subtasks.filter(archived_at__isnull=True).values("status", "progress", "weight"))
        if task.pk and task.parent_id is None
        else []
    )
    if subtasks:
        from twinning.plans.progress import rollup

        task.progress = rollup(subtasks).progress
    else:
        task.progress = Task.STATUS_PROGRESS[Task.Status(task.status)]


def _refresh_parent(actor: User | None, task: Task) -> None:
    if task.parent_id is None:
        return
    parent = Task.objects.select_for_update(of=("self",)).get(pk=task.parent_id)
    before = parent.progress
    _recompute_progress(parent)
    if parent.progress != before:
        parent.save(update_fields=["progress"])


# ---------------------------------------------------------------- writes


def _next_number(plan: Plan) -> int:
    return int(plan.tasks.aggregate(n=Max("number"))["n"] or 0) + 1


def _locked_task(actor: User, task_id: int) -> Task:
    task = queries.get_task_for(actor, task_id)
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related(
            "plan__pairing__leading_region", "plan__pairing__partner_region", "updated_by"
        )
        .get(pk=task.pk)
    )


def _write(actor: User | None, plan: Plan, task: Task, values: dict[str, Any]) -> Task:
    """Validate and save one row; the caller holds the transaction and the plan."""
    unknown = set(values) - set(TASK_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise invalid(name, _("不能修改此项。"), "unknown_field")
    creating = task.pk is None
    # Co-owners cost a query each time; they are compared only when they may have changed.
    co_owners_sent = "co_owners" in values
    before = _snapshot(task, co_owners_sent) if not creating else {}
    resolved = _resolve(plan, task, values)
    definition_changes = {
        k
        for k, v in resolved.items()
        if k in DEFINITION_FIELDS and (creating or getattr(task, k) != v)
    }
    if definition_changes:
        require_editable(plan)
    tracking = {k for k in resolved if k in {"status", "completed_on", "notes"}}
    if tracking and not creating and not accepts_progress(plan):
        raise Conflict(
            _("该方案版本尚未生效，任务进展请在执行中的版本里更新。"), code="plan_not_current"
        )
    old_status, old_parent_id = task.status, task.parent_id
    co_owners = resolved.pop("co_owners", None)
    for name, value in resolved.items():
        setattr(task, name, value)
    _apply_status(task, old_status)
    _check_dates(task)
    # References were looked up and checked by `_resolve`; full_clean would query each again.
    clean(task, exclude=["plan", "number", "co_owners", *REFERENCES])
    _check_closing(task)
    _recompute_progress(task)
    touch(task, actor)
    task.save()
    if co_owners is not None:
        task.co_owners.set(co_owners)
    changes = audit.diff(before, _snapshot(task, co_owners_sent or creating))
    if creating:
        # A new row's empty fields are not news: the history shows what was filled in.
        changes = {k: v for k, v in changes.items() if v[1] not in (None, "", [], False, 0)}
    audit.record(
        actor=actor,
        action="create" if creating else "update",
        target=task,
        pairing=plan.pairing,
        changes=changes,
    )
    _refresh_parent(actor, task)
    if old_parent_id is not None and old_parent_id != task.parent_id:
        _refresh_parent(actor, Task(parent_id=old_parent_id))
    return task


def _plan_for_write(actor: User, plan_id: int) -> Plan:
    plan = queries.get_plan_for(actor, plan_id)
    return (
        Plan.objects.select_for_update(of=("self",))
        .select_related("pairing__leading_region", "pairing__partner_region")
        .get(pk=plan.pk)
    )


@transaction.atomic
def add_task(*, actor: User, plan_id: int, values: dict[str, Any]) -> Task:
    plan = _plan_for_write(actor, plan_id)
    require(
        pair_perms.can_view(actor, plan.pairing) and perms.can_write_plans(actor, plan.pairing),
        _("只有结对双方的协调员和成员可以编写方案。"),
    )
    require_editable(plan)
    number = _next_number(plan)
    values = {"position": number, **values}
    return _write(actor, plan, Task(plan=plan, number=number), values)


@transaction.atomic
def add_follow_up(*, actor: User, plan_id: int, values: dict[str, Any], origin: str) -> Task:
    """A follow-up task (e.g. agreed at an exchange) joins the version people work on, even when
    it is in force: follow-ups are operational, and `origin` says where the task came from."""
    plan = _plan_for_write(actor, plan_id)
    require(
        perms.can_write_plans(actor, plan.pairing), _("只有结对双方的协调员和成员可以编写方案。")
    )
    if not accepts_progress(plan):
        raise Conflict(_("该方案版本不是正在执行的版本。"), code="plan_not_current")
    if not origin.strip():
        raise invalid("origin", _("请说明任务来源。"), "origin_required")
    number = _next_number(plan)
    task = Task(plan=plan, number=number, origin=origin[:200])
    # The definition is written directly: `_write` would refuse it on a frozen plan.
    resolved = _resolve(plan, task, {"position": number, **values})
    co_owners = resolved.pop("co_owners", None)
    for name, value in resolved.items():
        setattr(task, name, value)
    _check_dates(task)
    clean(task, exclude=["plan", "number", "co_owners", *REFERENCES])
    _recompute_progress(task)
    touch(task, actor)
    task.save()
    if co_owners:
        task.co_owners.set(co_owners)
    audit.record(
        actor=actor,
        action="create",
        target=task,
        pairing=plan.pairing,
        changes={k: v for k, v in audit.diff({}, _snapshot(task)).items() if v[1]},
        note=origin[:200],
    )
    return task


def _require_task_writer(actor: User, task: Task, values: dict[str, Any]) -> None:
    if set(values) - {"status", "completed_on", "notes"}:
        # Changing what the task is (or who owns it) is the plan writers' job.
        require(
            perms.can_write_plans(actor, task.plan.pairing) or perms.can_track(actor, task),
            _("只有结对双方的协调员和成员可以修改任务。"),
        )
        if set(values) & set(DEFINITION_FIELDS):
            require(
                perms.can_write_plans(actor, task.plan.pairing),
                _("只有结对双方的协调员和成员可以修改任务。"),
            )
    else:
        require(perms.can_track(actor, task), _("只有任务负责人、协同人和责任方可以更新该任务。"))


@transaction.atomic
def update_task(
    *, actor: User, task_id: int, values: dict[str, Any], expected_version: int | None = None
) -> Task:
    """Change the given fields of a task; a stale `expected_version` is refused (409)."""
    task = _locked_task(actor, task_id)
    check_version(task, expected_version)
    _require_task_writer(actor, task, values)
    return _write(actor, task.plan, task, values)


@transaction.atomic
def set_status(
    *, actor: User, task_id: int, status: str, expected_version: int | None = None, note: str = ""
) -> Task:
    values: dict[str, Any] = {"status": status}
    if note:
        values["notes"] = note
    return update_task(
        actor=actor, task_id=task_id, values=values, expected_version=expected_version
    )


@transaction.atomic
def bulk_set_status(
    *, actor: User, plan_id: int, task_ids: Iterable[int], status: str
) -> list[Task]:
    """One status for many rows, all or nothing: if one row may not change, none does."""
    plan = _plan_for_write(actor, plan_id)
    require(
        perms.can_write_plans(actor, plan.pairing),
        _("只有任务负责人、协同人和责任方可以更新任务。"),
    )
    ids = sorted({int(i) for i in task_ids})
    if not ids:
        raise invalid("tasks", _("请至少选择一项任务。"), "nothing_selected")
    if status not in Task.Status.values:
        raise invalid("status", _("任务状态不正确。"), "invalid_status")
    tasks = list(
        Task.objects.select_for_update(of=("self",))
        .filter(plan=plan, pk__in=ids, archived_at__isnull=True)
        .order_by("number")
    )
    if len(tasks) != len(ids):
        raise invalid("tasks", _("所选任务不属于该方案或已归档。"), "unknown_task")
    errors: list[str] = []
    changed: list[Task] = []
    for task in tasks:
        task.plan = plan
        if not perms.can_track(actor, task):
            errors.append(_("第 %(n)s 项：您无权更新此任务。") % {"n": task.number})
            continue
        try:
            changed.append(_write(actor, plan, task, {"status": status}))
        except (Invalid, Conflict) as exc:
            errors.append(_("第 %(n)s 项：%(msg)s") % {"n": task.number, "msg": exc.message})
    if errors:
        # Raising undoes the rows already written: the transaction rolls back as a whole.
        raise Invalid(
            _("没有任何任务被修改。") + " " + "；".join(errors),
            code="bulk_refused",
            fields={"tasks": errors},
        )
    return changed


@transaction.atomic
def archive_task(*, actor: User, task_id: int, archived: bool = True) -> Task:
    task = _locked_task(actor, task_id)
    require(
        perms.can_write_plans(actor, task.plan.pairing),
        _("只有结对双方的协调员和成员可以编写方案。"),
    )
    require_editable(task.plan)
    if archived == task.is_archived:
        raise Conflict(
            _("该任务已归档。") if archived else _("该任务未归档。"),
            code="already_archived" if archived else "not_archived",
        )
    if archived and task.subtasks.filter(archived_at__isnull=True).exists():
        raise Conflict(_("请先归档该任务的子任务。"), code="has_live_children")
    if not archived and task.parent_id and task.parent and task.parent.is_archived:
        raise Conflict(_("上级任务已归档，请先恢复上级任务。"), code="parent_archived")
    task.archived_at, task.archived_by = (timezone.now(), actor) if archived else (None, None)
    touch(task, actor)
    task.save()
    audit.record(
        actor=actor,
        action="archive" if archived else "restore",
        target=task,
        pairing=task.plan.pairing,
    )
    _refresh_parent(actor, task)
    return task


@transaction.atomic
def add_evidence(
    *, actor: User, task_id: int, stream: IO[bytes], filename: str, description: str = ""
) -> Evidence:
    """Attach a file after checking what it really is."""
    task = _locked_task(actor, task_id)
    require(perms.can_track(actor, task), _("只有任务负责人、协同人和责任方可以上传佐证材料。"))
    if not accepts_progress(task.plan):
        raise Conflict(
            _("该方案版本尚未生效或已被取代，佐证材料请上传到执行中的版本。"),
            code="plan_not_current",
        )
    checked = check_upload(stream)
    evidence = Evidence(
        task=task,
        original_name=(filename or "file")[-200:],
        content_type=checked.content_type,
        size=checked.size,
        description=description[:200],
        uploaded_by=actor,
    )
    evidence.file.save(evidence.original_name, File(stream), save=False)
    evidence.save()
    touch(task, actor)
    task.save(update_fields=["updated_at", "updated_by", "lock_version"])
    audit.record(
        actor=actor,
        action="create",
        target=evidence,
        pairing=task.plan.pairing,
        changes={"evidence": [None, evidence.original_name]},
    )
    return evidence


@transaction.atomic
def archive_evidence(*, actor: User, evidence_id: int, archived: bool = True) -> Evidence:
    evidence = queries.get_evidence_for(actor, evidence_id)
    task = _locked_task(actor, evidence.task_id)
    require(perms.can_track(actor, task), _("只有任务负责人、协同人和责任方可以管理佐证材料。"))
    if archived == evidence.is_archived:
        raise Conflict(
            _("该记录已归档。") if archived else _("该记录未归档。"), code="invalid_transition"
        )
    if (
        archived
        and task.status == Task.Status.DONE
        and task.evidence_required
        and not (task.evidence.filter(archived_at__isnull=True).exclude(pk=evidence.pk).exists())
    ):
        raise Conflict(
            _("任务已完成且要求佐证，不能归档最后一份佐证材料。"), code="evidence_required"
        )
    evidence.archived_at, evidence.archived_by = (
        (timezone.now(), actor) if archived else (None, None)
    )
    evidence.save(update_fields=["archived_at", "archived_by"])
    audit.record(
        actor=actor,
        action="archive" if archived else "restore",
        target=evidence,
        pairing=task.plan.pairing,
    )
    return evidence


def write_rows(
    actor: User, plan: Plan, rows: list[tuple[Task | None, dict[str, Any]]]
) -> tuple[int, int]:
    """Create or update many rows inside the caller's transaction (the Excel import).

    Returns (created, updated). Rows are checked one by one; the first error raises.
    """
    created = updated = 0
    next_number: int | None = None
    for task, values in rows:
        if task is None:
            next_number = next_number or _next_number(plan)
            values = {"position": next_number, **values}
            _write(actor, plan, Task(plan=plan, number=next_number), values)
            next_number += 1
            created += 1
        else:
            task.plan = plan
            if values:
                _require_task_writer(actor, task, values)
                _write(actor, plan, task, values)
                updated += 1
    return created, updated
