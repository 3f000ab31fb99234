"""Writing notices (督办): issue, acknowledge, rectification plan, progress, verification and
closure, return, escalation, archive.

Every function finds the notice through what the actor may see (else NotFound), checks the
permission (Forbidden), the status (Conflict `invalid_transition`) and the revision the actor
read (Conflict `stale_version`), validates (Invalid), writes inside one transaction, records a
step of the notice's timeline and an audit entry, and tells the people concerned.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import Role, User
from twinning.core import audit
from twinning.core.errors import Conflict, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.core.permissions import require
from twinning.core.uploads import check_upload
from twinning.core.validation import clean, invalid
from twinning.notifications.events import Event
from twinning.notifications.services import Message, notify_many
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing
from twinning.pairings.queries import get_pairing_for
from twinning.plans import queries as plan_queries
from twinning.plans import tasks as plan_tasks
from twinning.plans.models import Plan, ResponsibleSide, Task
from twinning.supervision import permissions as perms
from twinning.supervision import queries
from twinning.supervision.models import Guidance, Notice, NoticeFile, NoticeStep

Action = AuditEntry.Action
Status = Notice.Status
Kind = NoticeStep.Kind

NOTICE_FIELDS = [
    "number",
    "title",
    "reasons",
    "required_actions",
    "deadline",
    "guidance",
    "guidance_date",
    "guidance_note",
]
TASK_FIELDS = {"title", "due_date", "side", "owner", "deliverable", "evidence_required"}
# The document number the Ministry's notices carry: 建办城督〔2026〕3号.
NUMBER_PREFIX = "建办城督"
MAX_TASKS = 30


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes and the name the uploader gave it."""

    stream: IO[bytes]
    filename: str


# ---------------------------------------------------------------- helpers


def number_prefix(year: int) -> str:
    return f"{NUMBER_PREFIX}〔{year}〕"


def suggest_number(today: dt.date | None = None) -> str:
    """The next free document number of the year, e.g. 建办城督〔2026〕3号 (editable)."""
    year = (today or timezone.localdate()).year
    prefix = number_prefix(year)
    used = Notice.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    sequence = 0
    for number in used:
        digits = number[len(prefix) :].removesuffix("号")
        if digits.isdigit():
            sequence = max(sequence, int(digits))
    return f"{prefix}{sequence + 1}号"


def default_title(pairing: Pairing) -> str:
    return _("关于督促%(pair)s加快推进生活垃圾分类“1对1”交流协作工作的通知") % {"pair": pairing}


def health_snapshot(actor: Any, pairing_id: int) -> tuple[str, list[dict[str, Any]]]:
    """The pair's health level and reason dicts now ("" and [] when it was never computed)."""
    from twinning.health import queries as health_queries

    try:
        health = health_queries.health_of(actor, pairing_id)
    except NotFound:
        return "", []
    return str(health.level), [dict(r) for r in (health.reasons or [])]


def reasons_text(reasons: Sequence[dict[str, Any]]) -> str:
    """The reasons as numbered sentences, to prefill a notice's 督办事由."""
    from twinning.health.engine import reason_text

    return "\n".join(f"{n}. {reason_text(dict(r))}" for n, r in enumerate(reasons, start=1))


def _check_version(notice: Notice, expected: int | None) -> None:
    """Optimistic locking: refuse a change based on an older revision, naming who changed it."""
    if expected is None or int(expected) == notice.lock_version:
        return
    who = str(notice.updated_by) if notice.updated_by else _("系统")
    when = date_format(timezone.localtime(notice.updated_at), "Y-m-d H:i")
    raise Conflict(
        _("操作失败：%(who)s 已于 %(when)s 更新了此督办通知。请刷新页面查看最新情况后再操作。")
        % {"who": who, "when": when},
        code="stale_version",
    )


def _touch(notice: Notice, actor: User | None) -> None:
    notice.updated_at = timezone.now()
    notice.updated_by = actor
    notice.lock_version += 1


def _locked(actor: Any, notice_id: int) -> Notice:
    """The notice the actor may see (else NotFound), locked for the rest of the transaction."""
    found = queries.notice_for(actor, notice_id)
    return (
        Notice.objects.select_for_update(of=("self",))
        .select_related("pairing__leading_region", "pairing__partner_region", "updated_by")
        .get(pk=found.pk)
    )


def _require_status(notice: Notice, allowed: Sequence[str], action: str) -> None:
    if notice.is_archived:
        raise Conflict(_("该督办通知已归档。"), code="archived")
    if notice.status not in allowed:
        raise Conflict(
            _("督办通知当前状态为“%(status)s”，不能%(action)s。")
            % {"status": notice.get_status_display(), "action": action},
            code="invalid_transition",
        )


def _text(value: Any, field: str, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise invalid(field, message, f"{field}_required")
    return text


def _step(
    notice: Notice,
    kind: str,
    actor: User | None,
    text: str = "",
    system_text: str = "",
    params: dict[str, Any] | None = None,
) -> NoticeStep:
    return NoticeStep.objects.create(
        notice=notice,
        kind=kind,
        actor=actor,
        text=text,
        system_text=system_text,
        params=params or {},
    )


def _transition(
    actor: User | None,
    notice: Notice,
    new: str,
    *,
    note: str = "",
    extra: dict[str, Any] | None = None,
    also: dict[str, list[Any]] | None = None,
) -> Notice:
    """Move the notice to `new` (or keep its status) with the `extra` field values, save it and
    record the change (`also`: further changes to show in the history, e.g. the tasks added)."""
    names = ["status", *(extra or {})]
    before = audit.snapshot(notice, names)
    notice.status = new
    for name, value in (extra or {}).items():
        setattr(notice, name, value)
    _touch(notice, actor)
    notice.save()
    changes = {**audit.diff(before, audit.snapshot(notice, names)), **(also or {})}
    audit.record(
        actor=actor,
        action=Action.TRANSITION if before["status"] != new else Action.UPDATE,
        target=notice,
        pairing=notice.pairing,
        changes=changes,
        note=note,
    )
    return notice


# ---------------------------------------------------------------- who is told


def pair_coordinators(pairing: Pairing) -> list[User]:
    """The coordinators of both sides (and of the provinces above them)."""
    return list(
        User.objects.filter(is_active=True, role=Role.COORDINATOR)
        .filter(
            plan_tasks.region_scope_q_for_organisation(
                pairing.leading_region.path, pairing.partner_region.path
            )
        )
        .select_related("organisation__region")
    )


def supervisors() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.SUPERVISOR))


def _ministry_recipients(notice: Notice) -> list[User]:
    """The supervisor who issued the notice, or every supervisor when that one has left."""
    issuer = notice.issued_by
    if issuer is not None and issuer.is_active:
        return [issuer]
    return supervisors()


def notice_message(
    notice: Notice, event: str, recipients: list[User], title: str, actor: User | None
) -> Message:
    pairing = notice.pairing
    return Message(
        event=event,
        pairing=pairing,
        recipients=recipients,
        can_see=lambda user: pair_perms.can_view(user, pairing),
        title=title,
        body=_("%(number)s · %(pair)s · 整改期限 %(deadline)s")
        % {"number": notice.number, "pair": pairing, "deadline": notice.deadline.isoformat()},
        url=reverse("supervision:detail", args=[notice.pk]),
        actor=actor,
    )


def _tell(
    notice: Notice, event: str, recipients: list[User], title: str, actor: User | None
) -> None:
    notify_many([notice_message(notice, event, recipients, title, actor)])


def _advance(
    actor: User,
    notice: Notice,
    *,
    kind: str,
    status: str,
    note: str,
    tell: list[User],
    title: str,
    extra: dict[str, Any] | None = None,
    also: dict[str, list[Any]] | None = None,
) -> NoticeStep:
    """One step of the pair's or the Ministry's: on the timeline, the notice moved to `status`
    (audited), and `tell` told `title` (a sentence with the notice's `%(number)s`)."""
    step = _step(notice, kind, actor, text=note)
    _transition(actor, notice, status, note=note, extra=extra, also=also)
    _tell(notice, Event.NOTICE_UPDATED, tell, title % {"number": notice.number}, actor)
    return step


# ---------------------------------------------------------------- issue


def _clean_values(values: dict[str, Any], today: dt.date) -> dict[str, Any]:
    unknown = set(values) - set(NOTICE_FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], _("不能填写此项。"), "unknown_field")
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    cleaned["number"] = _text(cleaned.get("number"), "number", _("请填写文号。"))
    cleaned["reasons"] = _text(cleaned.get("reasons"), "reasons", _("请填写督办事由。"))
    cleaned["required_actions"] = _text(
        cleaned.get("required_actions"), "required_actions", _("请填写整改要求。")
    )
    deadline = cleaned.get("deadline")
    if not isinstance(deadline, dt.date):
        raise invalid("deadline", _("请填写整改期限。"), "deadline_required")
    if deadline <= today:
        raise invalid(
            "deadline",
            _("整改期限须晚于今天（%(today)s）。") % {"today": today.isoformat()},
            "deadline_not_future",
        )
    guidance = cleaned.get("guidance") or Guidance.NONE
    if guidance not in Guidance.values:
        raise invalid(
            "guidance", _("专题指导须为无、专题指导会或专家现场指导。"), "invalid_guidance"
        )
    cleaned["guidance"] = guidance
    guidance_date = cleaned.get("guidance_date")
    if guidance == Guidance.NONE:
        cleaned["guidance_date"] = None
    elif not isinstance(guidance_date, dt.date):
        raise invalid("guidance_date", _("请填写专题指导的日期。"), "guidance_date_required")
    elif guidance_date < today:
        raise invalid("guidance_date", _("专题指导的日期不能早于今天。"), "guidance_date_past")
    cleaned["guidance_note"] = cleaned.get("guidance_note") or ""
    if Notice.objects.filter(number=cleaned["number"]).exists():
        raise invalid(
            "number",
            _("文号“%(number)s”已被使用，请换一个（建议：%(next)s）。")
            % {"number": cleaned["number"], "next": suggest_number(today)},
            "number_taken",
        )
    return cleaned


@transaction.atomic
def issue_notice(*, actor: User, pairing_id: int, values: dict[str, Any]) -> Notice:
    """The Ministry issues a notice to a pair; the pair's health reasons are copied with it and
    both sides' coordinators are told."""
    pairing = get_pairing_for(actor, pairing_id)
    require(perms.can_issue(actor), _("只有住建部督导人员可以下发督办通知。"))
    if pairing.is_archived:
        raise Conflict(_("该结对已归档，不能下发督办通知。"), code="pairing_archived")
    today = timezone.localdate()
    cleaned = _clean_values(values, today)
    cleaned["title"] = cleaned.get("title") or default_title(pairing)
    level, reasons = health_snapshot(actor, pairing.pk)
    notice = Notice(
        pairing=pairing,
        health_level=level,
        health_reasons=reasons,
        issued_by=actor,
        issued_at=timezone.now(),
        updated_by=actor,
        **cleaned,
    )
    clean(notice, exclude=["pairing", "issued_by", "updated_by", "closed_by", "archived_by"])
    notice.save()
    _step(notice, Kind.ISSUED, actor, text=notice.required_actions)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        target=notice,
        pairing=pairing,
        changes={
            k: v
            for k, v in audit.diff({}, audit.snapshot(notice, [*NOTICE_FIELDS, "status"])).items()
            if v[1]
        },
    )
    _tell(
        notice,
        Event.NOTICE_ISSUED,
        pair_coordinators(pairing),
        _("收到督办通知：%(title)s") % {"title": notice.title},
        actor,
    )
    return notice


# ---------------------------------------------------------------- the pair's answers


def _require_answerer(actor: User, notice: Notice) -> None:
    require(
        perms.can_answer(actor, notice.pairing),
        _("只有结对双方的协调员可以办理督办通知。"),
    )


@transaction.atomic
def acknowledge(
    *, actor: User, notice_id: int, note: str = "", lock_version: int | None = None
) -> Notice:
    """A coordinator of either side signs for the notice (签收)."""
    notice = _locked(actor, notice_id)
    _require_answerer(actor, notice)
    _check_version(notice, lock_version)
    _require_status(notice, [Status.ISSUED], _("签收"))
    _advance(
        actor,
        notice,
        kind=Kind.ACKNOWLEDGED,
        status=Status.ACKNOWLEDGED,
        note=(note or "").strip(),
        tell=_ministry_recipients(notice),
        title=_("督办通知已签收：%(number)s"),
        extra={"acknowledged_at": timezone.now()},
    )
    return notice


def plan_in_force(pairing: Pairing) -> Plan:
    """The plan version rectification tasks join, or Conflict naming what to do."""
    plan = plan_queries.working_plan_of(pairing.pk)
    if plan is None or plan.status != Plan.Status.IN_FORCE:
        message = _(
            "结对“%(pair)s”没有执行中的工作方案，整改任务无法加入方案。"
            "请先完成工作方案的确认、备案并使其生效，再报送整改方案。"
        ) % {"pair": pairing}
        raise Conflict(message, code="no_plan_in_force", fields={"tasks": [message]})
    return plan


def _task_error(number: int, message: str, code: str) -> Invalid:
    text = _("第 %(n)s 项整改任务：%(msg)s") % {"n": number, "msg": message}
    return Invalid(text, code=code, fields={"tasks": [text]})


def _task_values(number: int, row: dict[str, Any], plan: Plan, today: dt.date) -> dict[str, Any]:
    """One rectification task's values, checked before the plan's own rules."""
    unknown = set(row) - TASK_FIELDS
    if unknown:
        raise _task_error(
            number,
            _("含有不支持的字段：%(f)s。") % {"f": "、".join(sorted(unknown))},
            "unknown_field",
        )
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
    values = {k: v for k, v in values.items() if v not in (None, "")}
    if not values.get("title"):
        raise _task_error(number, _("请填写任务名称。"), "title_required")
    due = values.get("due_date")
    if isinstance(due, str):
        try:
            due = dt.date.fromisoformat(due)
        except ValueError:
            raise _task_error(number, _("完成时限不是有效的日期。"), "invalid_date") from None
    if not isinstance(due, dt.date):
        raise _task_error(number, _("请填写完成时限。"), "due_date_required")
    if due < today:
        raise _task_error(number, _("完成时限不能早于今天。"), "due_date_past")
    if due > plan.period_end:
        raise _task_error(
            number,
            _("完成时限 %(due)s 晚于工作方案的截止日期 %(end)s。")
            % {"due": due.isoformat(), "end": plan.period_end.isoformat()},
            "due_after_plan",
        )
    values["due_date"] = due
    values.setdefault("side", ResponsibleSide.JOINT)
    return values


@transaction.atomic
def submit_rectification(
    *,
    actor: User,
    notice_id: int,
    text: str,
    tasks: Sequence[dict[str, Any]],
    lock_version: int | None = None,
) -> Notice:
    """The pair answers with a rectification plan: its text, and tasks that join the pair's plan
    in force with the notice's number as their origin."""
    notice = _locked(actor, notice_id)
    _require_answerer(actor, notice)
    _check_version(notice, lock_version)
    if notice.status == Status.ISSUED:
        raise Conflict(_("请先签收督办通知，再报送整改方案。"), code="invalid_transition")
    _require_status(notice, [Status.ACKNOWLEDGED, Status.RECTIFYING], _("报送整改方案"))
    text = _text(text, "text", _("请填写整改方案。"))
    if not tasks:
        raise invalid("tasks", _("请至少填写一项整改任务。"), "tasks_required")
    if len(tasks) > MAX_TASKS:
        raise invalid(
            "tasks", _("一次最多报送 %(n)s 项整改任务。") % {"n": MAX_TASKS}, "too_many_tasks"
        )
    plan = plan_in_force(notice.pairing)
    today = timezone.localdate()
    rows = [_task_values(n, dict(row), plan, today) for n, row in enumerate(tasks, start=1)]
    created: list[Task] = []
    for number, values in enumerate(rows, start=1):
        try:
            task = plan_tasks.add_follow_up(
                actor=actor, plan_id=plan.pk, values=values, origin=f"督办 {notice.number}"
            )
        except (Invalid, Conflict) as exc:
            message = "；".join(m for ms in exc.fields.values() for m in ms) or exc.message
            raise _task_error(number, message, exc.code) from exc
        created.append(task)
    step = _advance(
        actor,
        notice,
        kind=Kind.PLAN_SUBMITTED,
        status=Status.RECTIFYING,
        note=text,
        tell=_ministry_recipients(notice),
        title=_("督办通知已报送整改方案：%(number)s"),
        also={"rectification_tasks": [None, [str(t) for t in created]]},
    )
    step.tasks.set(created)
    return notice


def _store_files(actor: User, notice: Notice, step: NoticeStep, files: Sequence[Upload]) -> None:
    """Check every file first (nothing is stored when one is refused), then store them all."""
    checked = [check_upload(upload.stream, field="files") for upload in files]
    for upload, kind in zip(files, checked, strict=True):
        record = NoticeFile(
            notice=notice,
            step=step,
            original_name=(upload.filename or "file")[-200:],
            content_type=kind.content_type,
            size=kind.size,
            uploaded_by=actor,
        )
        record.file.save(record.original_name, File(upload.stream), save=False)
        record.save()


@transaction.atomic
def report_progress(
    *,
    actor: User,
    notice_id: int,
    text: str,
    files: Sequence[Upload] = (),
    lock_version: int | None = None,
) -> Notice:
    """The pair reports the rectification's progress with evidence; the Ministry verifies."""
    notice = _locked(actor, notice_id)
    _require_answerer(actor, notice)
    _check_version(notice, lock_version)
    _require_status(notice, [Status.RECTIFYING, Status.REPORTED], _("报送整改进展"))
    text = _text(text, "text", _("请填写整改进展。"))
    step = _step(notice, Kind.PROGRESS_REPORTED, actor, text=text)
    _store_files(actor, notice, step, files)
    names = [f.original_name for f in step.files.all()]
    extra: dict[str, Any] = {"reported_at": timezone.now()}
    notice_after = _transition(actor, notice, Status.REPORTED, note=text, extra=extra)
    if names:
        audit.record(
            actor=actor,
            action=Action.CREATE,
            target_type=NoticeFile._meta.label_lower,
            target_label=notice.number,
            pairing=notice.pairing,
            changes={"files": [None, names]},
        )
    _tell(
        notice,
        Event.NOTICE_UPDATED,
        _ministry_recipients(notice),
        _("督办通知已报送整改进展，请核验：%(number)s") % {"number": notice.number},
        actor,
    )
    return notice_after


# ---------------------------------------------------------------- the Ministry's decisions


def _require_supervisor(actor: User, message: str) -> None:
    require(perms.is_supervisor(actor), message)


@transaction.atomic
def verify_and_close(
    *, actor: User, notice_id: int, note: str = "", lock_version: int | None = None
) -> Notice:
    """The Ministry verifies the reported rectification and closes the notice (办结)."""
    notice = _locked(actor, notice_id)
    _require_supervisor(actor, _("只有住建部督导人员可以核验办结督办通知。"))
    _check_version(notice, lock_version)
    _require_status(notice, [Status.REPORTED], _("核验办结"))
    _advance(
        actor,
        notice,
        kind=Kind.VERIFIED_CLOSED,
        status=Status.CLOSED,
        note=(note or "").strip(),
        tell=pair_coordinators(notice.pairing),
        title=_("督办通知已核验办结：%(number)s"),
        extra={"closed_at": timezone.now(), "closed_by": actor},
    )
    return notice


@transaction.atomic
def return_for_more(
    *, actor: User, notice_id: int, note: str, lock_version: int | None = None
) -> Notice:
    """The Ministry finds the rectification insufficient: back to 整改中, with the reasons."""
    notice = _locked(actor, notice_id)
    _require_supervisor(actor, _("只有住建部督导人员可以退回整改。"))
    _check_version(notice, lock_version)
    _require_status(notice, [Status.REPORTED], _("退回继续整改"))
    note = _text(note, "note", _("退回时请写明需要继续整改的内容。"))
    _advance(
        actor,
        notice,
        kind=Kind.RETURNED,
        status=Status.RECTIFYING,
        note=note,
        tell=pair_coordinators(notice.pairing),
        title=_("督办通知被退回，请继续整改：%(number)s"),
    )
    return notice


# The audit note of an escalation by the daily job (the timeline step says how many days).
AUTO_ESCALATION_NOTE = gettext_noop("逾期未办结，系统自动升级督办。")


def escalation_messages(notice: Notice, actor: User | None) -> list[Message]:
    """What an escalation tells: the Ministry and the provinces' coordinators."""
    title = _("督办事项已升级（第 %(level)s 级）：%(number)s") % {
        "level": notice.escalation_level,
        "number": notice.number,
    }
    return [
        notice_message(
            notice,
            Event.NOTICE_ESCALATED,
            supervisors() + pair_coordinators(notice.pairing),
            title,
            actor,
        )
    ]


def raise_level(
    notice: Notice,
    actor: User | None,
    note: str,
    system_text: str = "",
    params: dict[str, Any] | None = None,
) -> Notice:
    """Escalate a locked, open notice one level and record it (the caller tells people)."""
    _step(notice, Kind.ESCALATED, actor, text=note, system_text=system_text, params=params)
    return _transition(
        actor,
        notice,
        notice.status,
        note=note or (AUTO_ESCALATION_NOTE if actor is None else ""),
        extra={"escalation_level": notice.escalation_level + 1},
    )


@transaction.atomic
def escalate(
    *, actor: User, notice_id: int, note: str = "", lock_version: int | None = None
) -> Notice:
    """The Ministry escalates an open notice: the provinces' coordinators are told as well."""
    notice = _locked(actor, notice_id)
    _require_supervisor(actor, _("只有住建部督导人员可以升级督办。"))
    _check_version(notice, lock_version)
    _require_status(notice, Notice.OPEN_STATUSES, _("升级督办"))
    notice = raise_level(notice, actor, (note or "").strip())
    notify_many(escalation_messages(notice, actor))
    return notice


@transaction.atomic
def archive_notice(*, actor: User, notice_id: int, archived: bool = True) -> Notice:
    """Archive (or restore) a notice issued in error; it is kept and can be restored."""
    notice = _locked(actor, notice_id)
    _require_supervisor(actor, _("只有住建部督导人员可以归档督办通知。"))
    if archived == notice.is_archived:
        raise Conflict(
            _("该督办通知已归档。") if archived else _("该督办通知未归档。"),
            code="already_archived" if archived else "not_archived",
        )
    notice.archived_at, notice.archived_by = (timezone.now(), actor) if archived else (None, None)
    _touch(notice, actor)
    notice.save()
    audit.record(
        actor=actor,
        action=Action.ARCHIVE if archived else Action.RESTORE,
        target=notice,
        pairing=notice.pairing,
    )
    return notice
