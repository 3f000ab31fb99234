"""Writing problems: asking, assigning, answering, accepting, rating, closing, the expert pool.

Every function checks permission, validates, writes inside one transaction, records the change
and tells the people concerned (notifications are filtered by `queries.can_see`).

Status machine: open → assigned (first assignment) → answered (first answer) → resolved (an
answer accepted); any of these → closed (with a reason); resolved/closed → reopen (back to
answered, assigned or open, whichever the problem has reached).
"""

from collections.abc import Iterable
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import Role, User
from twinning.consultations import permissions as perms
from twinning.consultations import queries
from twinning.consultations.models import (
    Answer,
    Assignment,
    Attachment,
    Comment,
    ExpertTopic,
    Problem,
    Urgency,
    default_due,
)
from twinning.core import audit
from twinning.core.errors import Conflict, Invalid, NotFound
from twinning.core.permissions import require
from twinning.core.uploads import DOCUMENT_KINDS, CheckedUpload, check_upload
from twinning.core.validation import clean, invalid
from twinning.notifications.events import Event
from twinning.notifications.services import notify
from twinning.pairings.models import Pairing
from twinning.plans.models import Topic
from twinning.search.index import index_object

Status = Problem.Status

PROBLEM_FIELDS = ["title", "description", "topic", "urgency"]
MIN_RESPONSE_DAYS = 1
MAX_RESPONSE_DAYS = 60
# Uploads are named (stream, file name) pairs.
Upload = tuple[IO[bytes], str]


# ---------------------------------------------------------------- shared helpers


def _url(problem: Problem) -> str:
    return reverse("consultations:detail", args=[problem.pk])


def _locked(actor: User, problem_id: int) -> Problem:
    """The problem, if the actor sees it, locked for the rest of the transaction."""
    problem = queries.get_problem_for(actor, problem_id)
    return (
        Problem.objects.select_for_update(of=("self",))
        .select_related("pairing__leading_region", "pairing__partner_region", "topic", "asked_by")
        .get(pk=problem.pk)
    )


def _require_live(problem: Problem) -> None:
    if problem.is_archived:
        raise Conflict(_("该难题已归档，请先恢复。"), code="problem_archived")


def _require_open(problem: Problem) -> None:
    """Answers, assignments and acceptances stop once a problem is resolved or closed."""
    _require_live(problem)
    if problem.is_finished:
        raise Conflict(
            _("该难题状态为“%(status)s”，不能再操作；如问题仍未解决，请先重新打开。")
            % {"status": problem.get_status_display()},
            code="problem_closed",
        )


def _save(problem: Problem, fields: list[str]) -> None:
    problem.lock_version += 1
    problem.save(update_fields=[*fields, "lock_version", "updated_at"])


def _transition(actor: User | None, problem: Problem, status: str, note: str = "") -> None:
    old = problem.status
    problem.status = status
    audit.record(
        actor=actor,
        action="transition",
        target=problem,
        pairing=problem.pairing,
        changes={"status": [old, status]},
        note=note,
    )


def _topic(value: Topic | str | None) -> Topic | None:
    if value in (None, ""):
        return None
    if isinstance(value, Topic):
        topic: Topic | None = value if value.archived_at is None else None
    else:
        topic = Topic.objects.filter(
            Q(code=str(value)) | Q(name=str(value)), archived_at__isnull=True
        ).first()
    if topic is None:
        raise invalid("topic", _("协作内容“%(t)s”不存在。") % {"t": value}, "unknown_topic")
    return topic


def _response_days(days: int | None) -> int | None:
    if days is None:
        return None
    if not MIN_RESPONSE_DAYS <= days <= MAX_RESPONSE_DAYS:
        raise invalid(
            "response_days",
            _("答复期限须在 %(min)s 至 %(max)s 天之间。")
            % {"min": MIN_RESPONSE_DAYS, "max": MAX_RESPONSE_DAYS},
            "invalid_response_days",
        )
    return days


def _check_files(files: Iterable[Upload]) -> list[tuple[IO[bytes], str, CheckedUpload]]:
    """Every file checked before any is stored, so a bad one refuses the whole change."""
    return [(stream, name, check_upload(stream, DOCUMENT_KINDS, "files")) for stream, name in files]


def _store(
    actor: User,
    checked: list[tuple[IO[bytes], str, CheckedUpload]],
    *,
    problem: Problem | None = None,
    answer: Answer | None = None,
) -> list[Attachment]:
    pairing = (problem or answer.problem).pairing  # type: ignore[union-attr]
    stored = []
    for stream, name, kind in checked:
        attachment = Attachment(
            problem=problem,
            answer=answer,
            original_name=(name or "file")[-200:],
            content_type=kind.content_type,
            size=kind.size,
            uploaded_by=actor,
        )
        attachment.file.save(attachment.original_name, File(stream), save=False)
        attachment.save()
        audit.record(
            actor=actor,
            action="create",
            target=attachment,
            pairing=pairing,
            changes={"attachment": [None, attachment.original_name]},
        )
        stored.append(attachment)
    return stored


def _tell(
    problem: Problem,
    event: str,
    recipients: Iterable[User],
    title: str,
    body: str = "",
    actor: User | None = None,
) -> None:
    """Notify `recipients` who may see the problem (never the actor)."""
    notify(
        event=event,
        pairing=problem.pairing,
        recipients=list(recipients),
        can_see=lambda user: queries.can_see(user, problem.pk),
        title=title,
        body=body,
        url=_url(problem),
        actor=actor,
    )


def _snippet(text: str, length: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


# ---------------------------------------------------------------- asking


@transaction.atomic
def create_problem(
    *,
    actor: User,
    pairing_id: int,
    title: str,
    description: str,
    topic: Topic | str | None = None,
    urgency: str = Urgency.NORMAL,
    response_days: int | None = None,
    files: Iterable[Upload] = (),
) -> Problem:
    """A partner side asks the leading side (and the expert pool) for help."""
    pairing = (
        Pairing.objects.visible_to(actor)
        .live()
        .select_related("leading_region", "partner_region")
        .filter(pk=pairing_id)
        .first()
    )
    if pairing is None:
        raise invalid("pairing", _("结对不存在，或您无权查看。"), "unknown_pairing")
    require(perms.can_ask(actor, pairing), _("只有结对方（受援方）的协调员和成员可以提出难题。"))
    if pairing.status != Pairing.Status.ACTIVE:
        raise Conflict(
            _("该结对当前状态为“%(status)s”，不能提出难题。")
            % {"status": pairing.get_status_display()},
            code="pairing_not_active",
        )
    now = timezone.now()
    problem = Problem(
        pairing=pairing,
        title=title.strip(),
        description=description.strip(),
        topic=_topic(topic),
        urgency=urgency,
        asked_by=actor,
        asked_at=now,
        response_due=default_due(now, _response_days(response_days)),
    )
    clean(problem)
    checked = _check_files(files)
    problem.save()
    audit.record(
        actor=actor,
        action="create",
        target=problem,
        pairing=pairing,
        changes=audit.diff({}, audit.snapshot(problem, [*PROBLEM_FIELDS, "response_due"])),
    )
    _store(actor, checked, problem=problem)
    index_object("problem", problem.pk)
    leading = queries.side_users(pairing.leading_region, [Role.COORDINATOR, Role.EXPERT])
    pool = queries.pool_experts(problem.topic_id)
    _tell(
        problem,
        Event.PROBLEM_NEW,
        User.objects.filter(Q(pk__in=leading.values("pk")) | Q(pk__in=pool.values("pk"))),
        _("%(pair)s 提出难题：%(title)s") % {"pair": pairing, "title": problem.title},
        _snippet(problem.description),
        actor,
    )
    return problem


def check_version(problem: Problem, expected: int | None) -> None:
    """Optimistic locking: refuse a save based on an older version of the problem."""
    if expected is None or expected == problem.lock_version:
        return
    when = date_format(timezone.localtime(problem.updated_at), "Y-m-d H:i")
    raise Conflict(
        _("保存失败：此难题已于 %(when)s 被修改。请刷新页面查看最新内容后再修改。")
        % {"when": when},
        code="stale_version",
    )


@transaction.atomic
def update_problem(
    *, actor: User, problem_id: int, values: dict[str, Any], expected_version: int | None = None
) -> Problem:
    """The asker corrects the question while it still awaits an answer."""
    problem = _locked(actor, problem_id)
    require(perms.can_edit(actor, problem), _("只有提问人可以修改难题。"))
    _require_live(problem)
    if not problem.is_awaiting:
        raise Conflict(
            _("难题已有解答或已结束，不能再修改；请以评论补充说明。"), code="not_editable"
        )
    check_version(problem, expected_version)
    unknown = set(values) - set(PROBLEM_FIELDS)
    if unknown:
        raise Invalid(_("不能修改这些字段：%(f)s。") % {"f": "、".join(sorted(unknown))})
    before = audit.snapshot(problem, PROBLEM_FIELDS)
    for name, value in values.items():
        if name == "topic":
            problem.topic = _topic(value)
        elif isinstance(value, str):
            setattr(problem, name, value.strip())
        else:
            setattr(problem, name, value)
    clean(problem)
    changes = audit.diff(before, audit.snapshot(problem, PROBLEM_FIELDS))
    if changes:
        _save(problem, PROBLEM_FIELDS)
        audit.record(
            actor=actor, action="update", target=problem, pairing=problem.pairing, changes=changes
        )
        index_object("problem", problem.pk)
    return problem


# ---------------------------------------------------------------- assigning and answering


def _expert(problem: Problem, expert: User | int | str) -> User:
    candidates = queries.expert_candidates(problem)
    if isinstance(expert, User):
        found = candidates.filter(pk=expert.pk).first()
    elif isinstance(expert, int) or str(expert).isdigit():
        found = candidates.filter(pk=int(expert)).first()
    else:
        found = candidates.filter(username=str(expert)).first()
    if found is None:
        raise invalid(
            "expert",
            _("只能指派先行方的专家或该协作内容的专家库专家。"),
            "not_an_expert",
        )
    return found


@transaction.atomic
def assign_expert(*, actor: User, problem_id: int, expert: User | int | str) -> Assignment:
    """The leading side (or the Ministry) asks an expert to answer."""
    problem = _locked(actor, problem_id)
    require(perms.can_assign(actor, problem), _("只有先行方协调员和部级督导可以指派专家。"))
    _require_open(problem)
    chosen = _expert(problem, expert)
    if problem.assignments.filter(expert=chosen).exists():
        raise Conflict(_("该专家已被指派到此难题。"), code="already_assigned")
    assignment = Assignment.objects.create(problem=problem, expert=chosen, assigned_by=actor)
    audit.record(
        actor=actor,
        action="create",
        target=assignment,
        pairing=problem.pairing,
        changes={"expert": [None, str(chosen)]},
    )
    if problem.status == Status.OPEN:
        _transition(actor, problem, Status.ASSIGNED)
        _save(problem, ["status"])
    _tell(
        problem,
        Event.PROBLEM_ASSIGNED,
        [chosen],
        _("请您解答难题：%(title)s") % {"title": problem.title},
        _("答复期限：%(due)s")
        % {"due": date_format(timezone.localtime(problem.response_due), "Y-m-d H:i")},
        actor,
    )
    return assignment


@transaction.atomic
def add_answer(*, actor: User, problem_id: int, body: str, files: Iterable[Upload] = ()) -> Answer:
    """An expert or the leading side answers; the first answer marks the problem answered."""
    problem = _locked(actor, problem_id)
    require(
        perms.can_answer(actor, problem),
        _("只有被指派的专家、先行方人员和该协作内容的专家库专家可以解答。"),
    )
    _require_open(problem)
    answer = Answer(problem=problem, author=actor, body=body.strip())
    clean(answer)
    checked = _check_files(files)
    answer.save()
    audit.record(
        actor=actor,
        action="create",
        target=answer,
        pairing=problem.pairing,
        changes={"body": [None, _snippet(answer.body)]},
    )
    _store(actor, checked, answer=answer)
    index_object("problem", problem.pk)
    if problem.is_awaiting:
        problem.first_answered_at = answer.created_at
        _transition(actor, problem, Status.ANSWERED)
        _save(problem, ["status", "first_answered_at"])
    partner = queries.side_users(problem.pairing.partner_region, [Role.COORDINATOR])
    _tell(
        problem,
        Event.ANSWER_NEW,
        User.objects.filter(Q(pk=problem.asked_by_id) | Q(pk__in=partner.values("pk"))),
        _("难题有了新解答：%(title)s") % {"title": problem.title},
        _snippet(answer.body),
        actor,
    )
    return answer


@transaction.atomic
def accept_answer(*, actor: User, answer_id: int) -> Answer:
    """The asker (or the partner side's coordinators) accepts an answer: the problem is resolved."""
    answer = queries.get_answer_for(actor, answer_id)
    problem = _locked(actor, answer.problem_id)
    answer = (
        Answer.objects.select_for_update(of=("self",)).select_related("author").get(pk=answer.pk)
    )
    require(perms.can_decide(actor, problem), _("只有提问人和结对方协调员可以采纳解答。"))
    _require_live(problem)
    if problem.status == Status.CLOSED:
        raise Conflict(_("该难题已关闭，请先重新打开。"), code="problem_closed")
    if answer.is_archived:
        raise Conflict(_("该解答已归档，不能采纳。"), code="answer_archived")
    if answer.is_accepted:
        raise Conflict(_("该解答已被采纳。"), code="already_accepted")
    answer.accepted_at, answer.accepted_by = timezone.now(), actor
    answer.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        actor=actor,
        action="transition",
        target=answer,
        pairing=problem.pairing,
        note=gettext_noop("解答被采纳"),
    )
    if problem.status != Status.RESOLVED:
        _transition(actor, problem, Status.RESOLVED)
        _save(problem, ["status"])
    _tell(
        problem,
        Event.ANSWER_ACCEPTED,
        [answer.author] if answer.author else [],
        _("您的解答已被采纳：%(title)s") % {"title": problem.title},
        actor=actor,
    )
    return answer


# ---------------------------------------------------------------- the asker's verdict


@transaction.atomic
def rate_problem(*, actor: User, problem_id: int, rating: int, comment: str = "") -> Problem:
    """How helpful the answers were, 1 to 5."""
    problem = _locked(actor, problem_id)
    require(perms.can_decide(actor, problem), _("只有提问人和结对方协调员可以评价。"))
    _require_live(problem)
    if problem.first_answered_at is None:
        raise Conflict(_("难题还没有解答，暂不能评价。"), code="nothing_to_rate")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise invalid("rating", _("评分须为 1 至 5 分。"), "invalid_rating")
    before = audit.snapshot(problem, ["rating", "rating_comment"])
    problem.rating, problem.rating_comment = rating, comment.strip()
    _save(problem, ["rating", "rating_comment"])
    audit.record(
        actor=actor,
        action="update",
        target=problem,
        pairing=problem.pairing,
        changes=audit.diff(before, audit.snapshot(problem, ["rating", "rating_comment"])),
    )
    return problem


@transaction.atomic
def mark_solved_in_practice(*, actor: User, problem_id: int) -> Problem:
    """The accepted solution worked out in practice (实践见效)."""
    problem = _locked(actor, problem_id)
    require(perms.can_decide(actor, problem), _("只有提问人和结对方协调员可以确认实践效果。"))
    _require_live(problem)
    if not problem.answers.filter(accepted_at__isnull=False, archived_at__isnull=True).exists():
        raise Conflict(_("请先采纳解答，再确认实践见效。"), code="no_accepted_answer")
    if problem.solved_in_practice_at is not None:
        raise Conflict(_("已确认过实践见效。"), code="already_solved")
    problem.solved_in_practice_at = timezone.now()
    _save(problem, ["solved_in_practice_at"])
    audit.record(
        actor=actor,
        action="update",
        target=problem,
        pairing=problem.pairing,
        changes={"solved_in_practice_at": [None, problem.solved_in_practice_at.isoformat()]},
    )
    return problem


@transaction.atomic
def close_problem(*, actor: User, problem_id: int, reason: str) -> Problem:
    """Close a problem (solved elsewhere, withdrawn, duplicate …), saying why."""
    problem = _locked(actor, problem_id)
    require(perms.can_decide(actor, problem), _("只有提问人和结对方协调员可以关闭难题。"))
    _require_live(problem)
    if problem.status == Status.CLOSED:
        raise Conflict(_("该难题已关闭。"), code="problem_closed")
    reason = reason.strip()
    if not reason:
        raise invalid("reason", _("请填写关闭原因。"), "reason_required")
    problem.closed_reason = reason[:500]
    _transition(actor, problem, Status.CLOSED, note=problem.closed_reason)
    _save(problem, ["status", "closed_reason"])
    return problem


def _reopened_status(problem: Problem) -> str:
    if problem.answers.filter(archived_at__isnull=True).exists():
        return Status.ANSWERED
    return Status.ASSIGNED if problem.assignments.exists() else Status.OPEN


@transaction.atomic
def reopen_problem(*, actor: User, problem_id: int, note: str = "") -> Problem:
    """A resolved or closed problem turns out not to be settled after all."""
    problem = _locked(actor, problem_id)
    require(perms.can_decide(actor, problem), _("只有提问人和结对方协调员可以重新打开难题。"))
    _require_live(problem)
    if not problem.is_finished:
        raise Conflict(_("该难题尚未解决或关闭，无需重新打开。"), code="not_finished")
    problem.closed_reason = ""
    _transition(actor, problem, _reopened_status(problem), note=note.strip()[:500])
    _save(problem, ["status", "closed_reason"])
    return problem


@transaction.atomic
def archive_problem(*, actor: User, problem_id: int, archived: bool = True) -> Problem:
    """Archive (or restore) a problem; it stays readable, nobody can act on it."""
    problem = _locked(actor, problem_id)
    require(
        perms.can_archive(actor, problem), _("只有提问人、结对方协调员和平台管理员可以归档难题。")
    )
    if archived == problem.is_archived:
        raise Conflict(
            _("该难题已归档。") if archived else _("该难题未归档。"), code="invalid_transition"
        )
    problem.archived_at, problem.archived_by = (timezone.now(), actor) if archived else (None, None)
    _save(problem, ["archived_at", "archived_by"])
    audit.record(
        actor=actor,
        action="archive" if archived else "restore",
        target=problem,
        pairing=problem.pairing,
    )
    index_object("problem", problem.pk)
    return problem


# ---------------------------------------------------------------- comments and files


def _parent(actor: User, problem_id: int, answer_id: int | None) -> tuple[Problem, Answer | None]:
    problem = _locked(actor, problem_id)
    answer = None
    if answer_id is not None:
        answer = problem.answers.filter(pk=answer_id).first()
        if answer is None:
            raise invalid("answer", _("解答不属于该难题。"), "unknown_answer")
    return problem, answer


@transaction.atomic
def add_comment(
    *, actor: User, problem_id: int, body: str, answer_id: int | None = None
) -> Comment:
    """Anyone who sees a problem may comment on it or on one of its answers."""
    problem, answer = _parent(actor, problem_id, answer_id)
    _require_live(problem)
    if answer is not None and answer.is_archived:
        raise Conflict(_("该解答已归档。"), code="answer_archived")
    comment = Comment(
        problem=None if answer else problem, answer=answer, author=actor, body=body.strip()
    )
    clean(comment)
    comment.save()
    audit.record(
        actor=actor,
        action="create",
        target=comment,
        pairing=problem.pairing,
        changes={"body": [None, _snippet(comment.body)]},
    )
    return comment


@transaction.atomic
def add_attachments(
    *, actor: User, problem_id: int, files: Iterable[Upload], answer_id: int | None = None
) -> list[Attachment]:
    """Files for the question (asker and partner side) or for an answer (its author)."""
    problem, answer = _parent(actor, problem_id, answer_id)
    if answer is None:
        require(
            perms.can_attach_to_problem(actor, problem),
            _("只有提问人和结对方人员可以为难题添加附件。"),
        )
    else:
        require(actor.pk == answer.author_id, _("只有解答人可以为解答添加附件。"))
    _require_live(problem)
    checked = _check_files(files)
    if not checked:
        raise invalid("files", _("请选择要上传的文件。"), "no_file")
    return _store(actor, checked, problem=None if answer else problem, answer=answer)


# ---------------------------------------------------------------- the national expert pool


@transaction.atomic
def add_pool_expert(*, actor: User, user: User | str, topic: Topic | str) -> ExpertTopic:
    """Put an expert in the national pool for a topic (or back in, if they left it)."""
    require(perms.can_manage_pool(actor), _("只有平台管理员可以维护专家库。"))
    if not isinstance(user, User):
        found = User.objects.filter(username=str(user)).first()
        if found is None:
            raise invalid("user", _("用户“%(u)s”不存在。") % {"u": user}, "unknown_user")
        user = found
    if user.role != Role.EXPERT or not user.is_active:
        raise invalid("user", _("只有在用的专家账号可以加入专家库。"), "not_an_expert")
    chosen = _topic(topic)
    if chosen is None:
        raise invalid("topic", _("请选择协作内容。"), "unknown_topic")
    row = ExpertTopic.objects.select_for_update().filter(user=user, topic=chosen).first()
    if row is not None and row.active:
        raise Conflict(_("该专家已在此协作内容的专家库中。"), code="already_in_pool")
    if row is None:
        row = ExpertTopic.objects.create(user=user, topic=chosen)
        audit.record(actor=actor, action="create", target=row)
    else:
        row.active = True
        row.save(update_fields=["active"])
        audit.record(actor=actor, action="restore", target=row)
    return row


@transaction.atomic
def remove_pool_expert(*, actor: User, expert_topic_id: int) -> ExpertTopic:
    """Take an expert out of a topic's pool; the row stays, inactive, for the record."""
    require(perms.can_manage_pool(actor), _("只有平台管理员可以维护专家库。"))
    row = ExpertTopic.objects.select_for_update().filter(pk=expert_topic_id).first()
    if row is None:
        raise NotFound(_("专家库记录不存在。"))
    if not row.active:
        raise Conflict(_("该专家已不在此协作内容的专家库中。"), code="invalid_transition")
    row.active = False
    row.save(update_fields=["active"])
    audit.record(actor=actor, action="archive", target=row)
    return row
