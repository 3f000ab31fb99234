"""Writing phase evaluations: rubrics and their versions, rounds and their stages, each side's
self-assessment, the other side's comments, the Ministry's scores, publication and appeals.

Every function finds the record through what the actor may see (NotFound), checks the
permission (Forbidden), checks the stage of the round (Conflict) and the input (Invalid) before
it writes, inside one transaction, with the change in the audit log. A round's rubric version is
frozen: only drafts are edited, and a new version is a copy. Scores are frozen at publication;
after that only an appeal decision changes them, and says so.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import Role, User
from twinning.consultations.queries import side_users
from twinning.core import audit
from twinning.core.errors import Conflict, Invalid
from twinning.core.models import AuditEntry
from twinning.core.permissions import is_ministry, require
from twinning.core.uploads import check_upload
from twinning.core.validation import clean, invalid
from twinning.evaluation import permissions as perms
from twinning.evaluation import queries
from twinning.evaluation.models import (
    HUNDRED,
    Appeal,
    Assessment,
    AssessmentItem,
    EvaluationRound,
    EvidenceFile,
    Rubric,
    RubricDimension,
)
from twinning.evaluation.scoring import weighted_total
from twinning.notifications.events import Event
from twinning.notifications.services import Message, notify_many
from twinning.pairings.models import Pairing, Side
from twinning.pairings.permissions import sides_of

Action = AuditEntry.Action
RoundStatus = EvaluationRound.Status
RUBRIC_FIELDS = ["name", "description"]
ROUND_FIELDS = [
    "name",
    "description",
    "period_start",
    "period_end",
    "self_due",
    "comment_due",
    "appeal_days",
]
DIMENSION_FIELDS = ("code", "name", "weight", "max_points", "evidence_required")


# ---------------------------------------------------------------- helpers


def _require_ministry(actor: Any) -> None:
    """The Ministry's actions; `actor=None` is the platform itself (the starting-data and demo
    loaders), as in the other apps' loaders."""
    require(actor is None or perms.can_manage(actor), _("只有住建部可以执行此操作。"))


def _system_or(actor: Any, check: Any) -> Any:
    """`check(actor, record)` as a one-argument test; the platform itself (None) passes."""
    return lambda record: actor is None or check(actor, record)


def _check_lock(obj: Any, expected: int | None) -> None:
    """Optimistic locking: refuse a change based on an older revision."""
    if expected is None or int(expected) == obj.lock_version:
        return
    raise Conflict(
        _("保存失败：此记录已被他人修改。请刷新页面查看最新内容后再操作。"),
        code="stale_version",
    )


def _touch(obj: Any) -> None:
    obj.lock_version += 1


def _record(
    actor: Any,
    action: str,
    target: Any,
    *,
    changes: dict[str, list[Any]] | None = None,
    pairing: Pairing | None = None,
    note: str = "",
) -> None:
    audit.record(
        actor=actor, action=action, target=target, pairing=pairing, changes=changes, note=note
    )


def _status_change(actor: Any, obj: Any, old: str, note: str = "", **kwargs: Any) -> None:
    _record(
        actor, Action.TRANSITION, obj, changes={"status": [old, obj.status]}, note=note, **kwargs
    )


def plain_number(value: Decimal) -> str:
    """20.00 → "20", 12.50 → "12.5": a number as people write it."""
    return format(value.normalize(), "f")


def _decimal(value: Any, field: str) -> Decimal:
    """A number people typed: at most one decimal place."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise invalid(field, _("请填写数字。"), "not_a_number") from None
    if not number.is_finite():
        raise invalid(field, _("请填写数字。"), "not_a_number")
    if number != number.quantize(Decimal("0.1")):
        raise invalid(field, _("最多保留一位小数。"), "too_many_decimals")
    return number.quantize(Decimal("0.1"))


def _points(value: Any, dimension: RubricDimension, field: str) -> Decimal:
    """A score on one dimension: a number from 0 to the dimension's maximum."""
    if value is None or str(value).strip() == "":
        raise invalid(field, _("请为“%(d)s”评分。") % {"d": dimension.name}, "score_missing")
    try:
        points = _decimal(value, field)
    except Invalid as exc:
        message = _("“%(d)s”：%(problem)s") % {"d": dimension.name, "problem": exc.message}
        raise invalid(field, message, exc.code) from None
    if points < 0 or points > dimension.max_points:
        raise invalid(
            field,
            _("“%(d)s”的分数应在 0 到 %(max)s 之间。")
            % {"d": dimension.name, "max": dimension.max_points},
            "score_out_of_range",
        )
    return points


def _collect(errors: dict[str, list[str]], check: Any) -> Any:
    """Run `check`; an Invalid's field messages go into `errors` so every bad row is named."""
    try:
        return check()
    except Invalid as exc:
        for field, messages in exc.fields.items():
            errors.setdefault(field, []).extend(messages)
        return None


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise Invalid(_("请检查填写的内容。"), fields=errors)


# ---------------------------------------------------------------- rubrics


def _clean_dimensions(rows: Iterable[Mapping[str, Any]]) -> list[RubricDimension]:
    """Dimensions from (code, name, weight, max_points, evidence_required) rows: each complete,
    codes unique, the weights summing to 100."""
    dimensions: list[RubricDimension] = []
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for position, row in enumerate(rows, start=1):
        prefix = f"dimensions.{position}"
        code = str(row.get("code") or "").strip()
        name = str(row.get("name") or "").strip()
        if not code:
            errors.setdefault(f"{prefix}.code", []).append(
                _("第 %(n)s 行：请填写代码。") % {"n": position}
            )
        elif code in seen:
            errors.setdefault(f"{prefix}.code", []).append(
                _("第 %(n)s 行：代码“%(c)s”重复。") % {"n": position, "c": code}
            )
        seen.add(code)
        if not name:
            errors.setdefault(f"{prefix}.name", []).append(
                _("第 %(n)s 行：请填写名称。") % {"n": position}
            )
        weight = _collect(errors, lambda r=row, p=prefix: _decimal(r.get("weight"), f"{p}.weight"))
        if weight is not None and not Decimal(0) < weight <= HUNDRED:
            errors.setdefault(f"{prefix}.weight", []).append(
                _("第 %(n)s 行：权重应大于 0、不超过 100。") % {"n": position}
            )
        max_points = _collect(
            errors, lambda r=row, p=prefix: _decimal(r.get("max_points"), f"{p}.max_points")
        )
        if max_points is not None and (max_points <= 0 or max_points != int(max_points)):
            errors.setdefault(f"{prefix}.max_points", []).append(
                _("第 %(n)s 行：满分应为正整数。") % {"n": position}
            )
        dimensions.append(
            RubricDimension(
                position=position,
                code=code,
                name=name,
                weight=weight or Decimal(0),
                max_points=int(max_points) if max_points and max_points > 0 else 1,
                evidence_required=str(row.get("evidence_required") or "").strip(),
            )
        )
    if not dimensions:
        errors.setdefault("dimensions", []).append(_("评估细则至少需要一个维度。"))
    _refuse(errors)
    total = sum((d.weight for d in dimensions), Decimal(0))
    if total != HUNDRED:
        raise invalid(
            "dimensions",
            _("各维度权重之和应为 100，现为 %(total)s。") % {"total": plain_number(total)},
            "weights_not_100",
        )
    return dimensions


def _save_dimensions(rubric: Rubric, dimensions: list[RubricDimension]) -> None:
    for dimension in dimensions:
        dimension.rubric = rubric
        clean(dimension, exclude=["rubric"])
    RubricDimension.objects.bulk_create(dimensions)


def _dimension_rows(rubric: Rubric) -> list[dict[str, Any]]:
    return [
        {name: getattr(d, name) for name in DIMENSION_FIELDS}
        for d in rubric.dimensions.order_by("position", "id")
    ]


def _dimension_summary(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """For the audit log: each dimension as "name weight/max"."""
    return [f"{r['name']} {plain_number(Decimal(r['weight']))}/{r['max_points']}" for r in rows]


@transaction.atomic
def create_rubric(
    *, actor: Any, name: str, description: str = "", dimensions: Iterable[Mapping[str, Any]]
) -> Rubric:
    """A new rubric, version 1, as a draft."""
    _require_ministry(actor)
    rubric = Rubric(name=(name or "").strip(), description=description or "", created_by=actor)
    clean(rubric, exclude=["created_by", "archived_by", "lineage"])
    cleaned = _clean_dimensions(dimensions)
    rubric.save()
    _save_dimensions(rubric, cleaned)
    _record(
        actor,
        Action.CREATE,
        rubric,
        changes={
            "name": [None, rubric.name],
            "dimensions": [None, _dimension_summary(_dimension_rows(rubric))],
        },
    )
    return rubric


def _locked_rubric(actor: Any, rubric_id: int) -> Rubric:
    if actor is not None:
        queries.rubric_for(actor, rubric_id)
    return Rubric.objects.select_for_update(of=("self",)).get(pk=rubric_id)


def _require_draft(rubric: Rubric) -> None:
    if rubric.is_archived:
        raise Conflict(_("该评估细则已归档。"), code="archived")
    if not rubric.is_draft:
        raise Conflict(
            _("启用或停用后的评估细则不能修改；请“新建版本”后修改新版本。"), code="rubric_frozen"
        )


@transaction.atomic
def update_rubric(
    *,
    actor: Any,
    rubric_id: int,
    lock_version: int | None = None,
    name: str | None = None,
    description: str | None = None,
    dimensions: Iterable[Mapping[str, Any]] | None = None,
) -> Rubric:
    """Change a draft: its name, description and (all at once) its dimensions."""
    rubric = _locked_rubric(actor, rubric_id)
    _require_ministry(actor)
    _check_lock(rubric, lock_version)
    _require_draft(rubric)
    before = audit.snapshot(rubric, RUBRIC_FIELDS)
    old_rows = _dimension_rows(rubric)
    if name is not None:
        rubric.name = name.strip()
    if description is not None:
        rubric.description = description
    clean(rubric, exclude=["created_by", "archived_by", "lineage"])
    changes = audit.diff(before, audit.snapshot(rubric, RUBRIC_FIELDS))
    if dimensions is not None:
        cleaned = _clean_dimensions(dimensions)
        rubric.dimensions.all().delete()  # a draft's rows: nothing refers to them yet
        _save_dimensions(rubric, cleaned)
        new_rows = _dimension_rows(rubric)
        if new_rows != old_rows:
            changes["dimensions"] = [_dimension_summary(old_rows), _dimension_summary(new_rows)]
    if changes:
        _touch(rubric)
        rubric.save()
        _record(actor, Action.UPDATE, rubric, changes=changes)
    return rubric


@transaction.atomic
def new_rubric_version(*, actor: Any, rubric_id: int) -> Rubric:
    """A draft copy of a rubric (next version of the same lineage) to edit and then activate."""
    source = _locked_rubric(actor, rubric_id)
    _require_ministry(actor)
    if source.is_draft:
        raise Conflict(_("草稿可以直接修改，无需新建版本。"), code="already_draft")
    if Rubric.objects.filter(lineage=source.lineage, status=Rubric.Status.DRAFT).exists():
        raise Conflict(_("该评估细则已有一个草稿版本，请先修改或启用它。"), code="draft_exists")
    latest = Rubric.objects.filter(lineage=source.lineage).aggregate(v=Max("version"))["v"]
    copy = Rubric.objects.create(
        lineage=source.lineage,
        version=(latest or 0) + 1,
        name=source.name,
        description=source.description,
        created_by=actor,
    )
    rows = _dimension_rows(source)
    _save_dimensions(copy, [RubricDimension(position=i, **r) for i, r in enumerate(rows, 1)])
    _record(
        actor,
        Action.CREATE,
        copy,
        changes={"version": [source.version, copy.version]},
        note=gettext_noop("由上一版本复制"),
    )
    return copy


@transaction.atomic
def activate_rubric(*, actor: Any, rubric_id: int, lock_version: int | None = None) -> Rubric:
    """Put a draft in force; the version of its lineage in force until now is retired (rounds
    that use it keep it: they refer to the exact version)."""
    rubric = _locked_rubric(actor, rubric_id)
    _require_ministry(actor)
    _check_lock(rubric, lock_version)
    _require_draft(rubric)
    _clean_dimensions(_dimension_rows(rubric))  # still complete and summing to 100
    for previous in Rubric.objects.select_for_update(of=("self",)).filter(
        lineage=rubric.lineage, status=Rubric.Status.ACTIVE
    ):
        previous.status = Rubric.Status.RETIRED
        _touch(previous)
        previous.save(update_fields=["status", "lock_version", "updated_at"])
        _status_change(actor, previous, Rubric.Status.ACTIVE)
    rubric.status = Rubric.Status.ACTIVE
    rubric.activated_at = timezone.now()
    _touch(rubric)
    rubric.save()
    _status_change(actor, rubric, Rubric.Status.DRAFT)
    return rubric


@transaction.atomic
def archive_rubric(*, actor: Any, rubric_id: int, restore: bool = False) -> Rubric:
    """Archive a draft or retired version (the one in force is replaced, not archived)."""
    rubric = _locked_rubric(actor, rubric_id)
    _require_ministry(actor)
    if restore:
        if not rubric.is_archived:
            return rubric
        rubric.archived_at, rubric.archived_by = None, None
    else:
        if rubric.is_archived:
            return rubric
        if rubric.status == Rubric.Status.ACTIVE:
            raise Conflict(
                _("正在启用的评估细则不能归档；启用新版本后旧版本即停用。"), code="rubric_active"
            )
        rubric.archived_at, rubric.archived_by = timezone.now(), actor
    _touch(rubric)
    rubric.save()
    _record(actor, Action.RESTORE if restore else Action.ARCHIVE, rubric)
    return rubric


# ---------------------------------------------------------------- rounds


def default_pairings() -> Any:
    """Who is evaluated unless the Ministry chooses: every active top-level pair."""
    return Pairing.objects.filter(
        status=Pairing.Status.ACTIVE, parent__isnull=True, archived_at__isnull=True
    )


def _pairings(ids: Iterable[int] | None) -> list[Pairing]:
    if ids is None:
        return list(default_pairings())
    wanted = {int(i) for i in ids}
    found = list(Pairing.objects.filter(pk__in=wanted, archived_at__isnull=True))
    if len(found) != len(wanted):
        raise invalid("pairings", _("有的结对不存在或已归档。"), "unknown_pairing")
    return found


def _check_round_dates(evaluation_round: EvaluationRound) -> None:
    errors: dict[str, list[str]] = {}
    if evaluation_round.period_end < evaluation_round.period_start:
        errors["period_end"] = [_("评估期结束日期不能早于开始日期。")]
    due = evaluation_round.comment_due
    if due is not None and due < evaluation_round.self_due:
        errors["comment_due"] = [_("互评截止日期不能早于自评截止日期。")]
    _refuse(errors)


def _active_rubric(actor: Any, rubric_id: Any) -> Rubric:
    try:
        rubric = (
            queries.rubric_for(actor, int(rubric_id))
            if actor is not None
            else Rubric.objects.get(pk=int(rubric_id))
        )
    except (TypeError, ValueError, Rubric.DoesNotExist):
        raise invalid("rubric", _("请选择评估细则。"), "rubric_missing") from None
    if rubric.status != Rubric.Status.ACTIVE or rubric.is_archived:
        raise invalid("rubric", _("只能使用正在启用的评估细则。"), "rubric_not_active")
    return rubric


@transaction.atomic
def create_round(
    *,
    actor: Any,
    name: str,
    rubric_id: int,
    period_start: dt.date,
    period_end: dt.date,
    self_due: dt.date,
    comment_due: dt.date | None = None,
    appeal_days: int = 10,
    description: str = "",
    pairing_ids: Iterable[int] | None = None,
) -> EvaluationRound:
    """A draft round; its pairs default to every active top-level pair."""
    _require_ministry(actor)
    evaluation_round = EvaluationRound(
        name=(name or "").strip(),
        description=description or "",
        rubric=_active_rubric(actor, rubric_id),
        period_start=period_start,
        period_end=period_end,
        self_due=self_due,
        comment_due=comment_due,
        appeal_days=appeal_days,
        created_by=actor,
    )
    clean(evaluation_round, exclude=["created_by", "archived_by", "published_by"])
    _check_round_dates(evaluation_round)
    pairings = _pairings(pairing_ids)
    if not pairings:
        raise invalid("pairings", _("请至少选择一个参评结对。"), "no_pairings")
    evaluation_round.save()
    evaluation_round.pairings.set(pairings)
    changes: dict[str, list[Any]] = {
        k: [None, v] for k, v in audit.snapshot(evaluation_round, [*ROUND_FIELDS, "rubric"]).items()
    }
    changes["pairings"] = [None, sorted(str(p) for p in pairings)]
    _record(actor, Action.CREATE, evaluation_round, changes=changes)
    return evaluation_round


def _locked_round(actor: Any, round_id: int) -> EvaluationRound:
    if actor is not None:
        queries.round_for(actor, round_id)
    return (
        EvaluationRound.objects.select_for_update(of=("self",))
        .select_related("rubric")
        .get(pk=round_id)
    )


def _require_round_status(evaluation_round: EvaluationRound, *allowed: str) -> None:
    if evaluation_round.is_archived:
        raise Conflict(_("该评估轮次已归档。"), code="archived")
    if evaluation_round.status in allowed:
        return
    if evaluation_round.is_published:
        raise Conflict(
            _("评估结果已发布，评分已冻结，不能再修改；如有异议请申诉。"), code="published"
        )
    raise Conflict(
        _("评估轮次当前状态为“%(s)s”，不能执行此操作。")
        % {"s": evaluation_round.get_status_display()},
        code="wrong_status",
    )


@transaction.atomic
def update_round(
    *,
    actor: Any,
    round_id: int,
    lock_version: int | None = None,
    pairing_ids: Iterable[int] | None = None,
    **fields: Any,
) -> EvaluationRound:
    """Change a draft round: its name, dates, rubric and pairs."""
    evaluation_round = _locked_round(actor, round_id)
    _require_ministry(actor)
    _check_lock(evaluation_round, lock_version)
    _require_round_status(evaluation_round, RoundStatus.DRAFT)
    unknown = set(fields) - {*ROUND_FIELDS, "rubric_id"}
    if unknown:
        raise invalid(sorted(unknown)[0], _("不能修改此项。"), "unknown_field")
    before = audit.snapshot(evaluation_round, [*ROUND_FIELDS, "rubric"])
    for name, value in fields.items():
        if name == "rubric_id":
            evaluation_round.rubric = _active_rubric(actor, value)
        else:
            setattr(evaluation_round, name, value)
    clean(evaluation_round, exclude=["created_by", "archived_by", "published_by"])
    _check_round_dates(evaluation_round)
    changes = audit.diff(before, audit.snapshot(evaluation_round, [*ROUND_FIELDS, "rubric"]))
    if pairing_ids is not None:
        old = sorted(str(p) for p in evaluation_round.pairings.all())
        pairings = _pairings(pairing_ids)
        if not pairings:
            raise invalid("pairings", _("请至少选择一个参评结对。"), "no_pairings")
        evaluation_round.pairings.set(pairings)
        new = sorted(str(p) for p in pairings)
        if new != old:
            changes["pairings"] = [old, new]
    if changes:
        _touch(evaluation_round)
        evaluation_round.save()
        _record(actor, Action.UPDATE, evaluation_round, changes=changes)
    return evaluation_round


def coordinators_of(pairing: Pairing, side: str) -> list[User]:
    return list(side_users(pairing.region_of(side), [Role.COORDINATOR]))


def _pair_member_check(pairing: Pairing) -> Callable[[User], bool]:
    """Who may read news about a pair: the Ministry and the pair's two sides."""

    def check(user: User) -> bool:
        return is_ministry(user) or bool(sides_of(user, pairing))

    return check


def _round_url(evaluation_round: EvaluationRound) -> str:
    return reverse("evaluation:round", args=[evaluation_round.pk])


def _tell_pairs(
    evaluation_round: EvaluationRound, event: str, title: str, body: str, actor: Any
) -> None:
    """One message per pair of the round, to both sides' coordinators."""
    messages = []
    for pairing in queries.round_pairings(evaluation_round):
        people = coordinators_of(pairing, Side.LEADING) + coordinators_of(pairing, Side.PARTNER)
        messages.append(
            Message(
                event=event,
                pairing=pairing,
                recipients=people,
                can_see=_pair_member_check(pairing),
                title=title,
                body=body,
                url=_round_url(evaluation_round),
                actor=actor,
            )
        )
    notify_many(messages)


@transaction.atomic
def open_round(*, actor: Any, round_id: int, lock_version: int | None = None) -> EvaluationRound:
    """Start self-assessment: an assessment for each side of each pair, one item per dimension
    of the round's rubric (which is frozen from now on); the sides' coordinators are told."""
    evaluation_round = _locked_round(actor, round_id)
    _require_ministry(actor)
    _check_lock(evaluation_round, lock_version)
    _require_round_status(evaluation_round, RoundStatus.DRAFT)
    rubric = evaluation_round.rubric
    if rubric.status != Rubric.Status.ACTIVE:
        raise Conflict(
            _("该轮次使用的评估细则已不在启用状态，请改用启用的版本。"), code="rubric_not_active"
        )
    pairings = list(evaluation_round.pairings.all())
    if not pairings:
        raise Conflict(_("该轮次没有参评结对。"), code="no_pairings")
    dimensions = list(rubric.dimensions.order_by("position"))
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(round=evaluation_round, pairing=p, side=side)
            for p in pairings
            for side in (Side.LEADING, Side.PARTNER)
        ]
    )
    AssessmentItem.objects.bulk_create(
        [AssessmentItem(assessment=a, dimension=d) for a in assessments for d in dimensions]
    )
    evaluation_round.status = RoundStatus.OPEN
    evaluation_round.opened_at = timezone.now()
    _touch(evaluation_round)
    evaluation_round.save()
    _status_change(actor, evaluation_round, RoundStatus.DRAFT)
    _tell_pairs(
        evaluation_round,
        Event.EVALUATION_OPENED,
        _("阶段评估已开始：%(name)s") % {"name": evaluation_round.name},
        _("请于 %(due)s 前完成自评并提交佐证材料，并对结对另一方的自评提出意见。")
        % {"due": evaluation_round.self_due.isoformat()},
        actor,
    )
    return evaluation_round


@transaction.atomic
def close_self_assessment(
    *, actor: Any, round_id: int, lock_version: int | None = None
) -> EvaluationRound:
    """End self-assessment and peer comments; the Ministry scores from now on."""
    evaluation_round = _locked_round(actor, round_id)
    _require_ministry(actor)
    _check_lock(evaluation_round, lock_version)
    _require_round_status(evaluation_round, RoundStatus.OPEN)
    evaluation_round.status = RoundStatus.SCORING
    _touch(evaluation_round)
    evaluation_round.save()
    _status_change(actor, evaluation_round, RoundStatus.OPEN)
    return evaluation_round


@transaction.atomic
def publish_round(*, actor: Any, round_id: int, lock_version: int | None = None) -> EvaluationRound:
    """Publish the scores (frozen from now on) once every assessment is scored; the appeal
    window starts today."""
    evaluation_round = _locked_round(actor, round_id)
    _require_ministry(actor)
    _check_lock(evaluation_round, lock_version)
    _require_round_status(evaluation_round, RoundStatus.SCORING)
    missing = [
        str(a)
        for a in queries.assessments_for(actor, evaluation_round).filter(
            ministry_total__isnull=True
        )
    ]
    if missing:
        raise Conflict(
            _("还有 %(n)s 份评估表未评分，不能发布：%(list)s")
            % {"n": len(missing), "list": "；".join(missing)},
            code="not_all_scored",
        )
    evaluation_round.status = RoundStatus.PUBLISHED
    evaluation_round.published_at = timezone.now()
    evaluation_round.published_by = actor
    _touch(evaluation_round)
    evaluation_round.save()
    _status_change(actor, evaluation_round, RoundStatus.SCORING)
    deadline = evaluation_round.appeal_deadline
    _tell_pairs(
        evaluation_round,
        Event.EVALUATION_PUBLISHED,
        _("阶段评估结果已发布：%(name)s") % {"name": evaluation_round.name},
        _("如对评分有异议，可在 %(due)s 前申诉一次。")
        % {"due": deadline.isoformat() if deadline else ""},
        actor,
    )
    return evaluation_round


@transaction.atomic
def close_round(
    *,
    actor: Any,
    round_id: int,
    lock_version: int | None = None,
    today: dt.date | None = None,
) -> EvaluationRound:
    """End the round once its appeal window is over and every appeal is decided."""
    evaluation_round = _locked_round(actor, round_id)
    _require_ministry(actor)
    _check_lock(evaluation_round, lock_version)
    _require_round_status(evaluation_round, RoundStatus.PUBLISHED)
    today = today or timezone.localdate()
    deadline = evaluation_round.appeal_deadline
    if deadline is not None and today <= deadline:
        raise Conflict(
            _("申诉期至 %(due)s，申诉期结束后才能结束本轮评估。") % {"due": deadline.isoformat()},
            code="appeal_window_open",
        )
    if Appeal.objects.filter(assessment__round=evaluation_round, decision="").exists():
        raise Conflict(_("还有申诉未作决定，不能结束本轮评估。"), code="appeals_pending")
    evaluation_round.status = RoundStatus.CLOSED
    evaluation_round.closed_at = timezone.now()
    _touch(evaluation_round)
    evaluation_round.save()
    _status_change(actor, evaluation_round, RoundStatus.PUBLISHED)
    return evaluation_round


@transaction.atomic
def archive_round(*, actor: Any, round_id: int, restore: bool = False) -> EvaluationRound:
    """Archive a draft or closed round (one in progress is finished first)."""
    evaluation_round = _locked_round(actor, round_id)
    _require_ministry(actor)
    if restore == (not evaluation_round.is_archived):
        return evaluation_round  # already as asked
    if restore:
        evaluation_round.archived_at, evaluation_round.archived_by = None, None
    else:
        if evaluation_round.status not in (RoundStatus.DRAFT, RoundStatus.CLOSED):
            raise Conflict(_("进行中的评估轮次不能归档。"), code="round_in_progress")
        evaluation_round.archived_at, evaluation_round.archived_by = timezone.now(), actor
    _touch(evaluation_round)
    evaluation_round.save()
    _record(actor, Action.RESTORE if restore else Action.ARCHIVE, evaluation_round)
    return evaluation_round


# ---------------------------------------------------------------- assessments


def _locked_assessment(actor: Any, assessment_id: int) -> Assessment:
    if actor is not None:
        queries.assessment_for(actor, assessment_id)
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round__rubric", "pairing__leading_region", "pairing__partner_region")
        .get(pk=assessment_id)
    )


def _items_by_code(assessment: Assessment) -> dict[str, AssessmentItem]:
    return {i.dimension.code: i for i in queries.items_of(assessment)}


def _row(values: Mapping[str, Any], code: str) -> Mapping[str, Any]:
    row = values.get(code) or {}
    return row if isinstance(row, Mapping) else {"score": row}


def _refuse_unknown_codes(values: Mapping[str, Any], items: Mapping[str, Any]) -> None:
    unknown = sorted(set(values) - set(items))
    if unknown:
        raise invalid(
            "items", _("未知的评估维度：%(c)s。") % {"c": "、".join(unknown)}, "unknown_dimension"
        )


@transaction.atomic
def submit_self_assessment(
    *,
    actor: Any,
    assessment_id: int,
    items: Mapping[str, Mapping[str, Any]],
    lock_version: int | None = None,
) -> Assessment:
    """The side's coordinator submits (or, while the round is open, resubmits) its
    self-assessment: every dimension scored from 0 to its maximum, with evidence (text or a
    file) where the dimension asks for it. `items`: {dimension code: {score, evidence}}."""
    assessment = _locked_assessment(actor, assessment_id)
    require(_system_or(actor, perms.can_act_for)(assessment), _("只有本方协调员可以提交自评。"))
    _check_lock(assessment, lock_version)
    _require_round_status(assessment.round, RoundStatus.OPEN)
    by_code = _items_by_code(assessment)
    _refuse_unknown_codes(items, by_code)
    errors: dict[str, list[str]] = {}
    updates: list[tuple[AssessmentItem, Decimal | None, str]] = []
    for code, item in by_code.items():
        row, score = _typed_score(errors, items, code, item)
        evidence = str(row.get("evidence") or "").strip()
        has_file = any(f.archived_at is None for f in item.files.all())
        if item.dimension.evidence_required and not evidence and not has_file:
            errors.setdefault(f"evidence_{code}", []).append(
                _("“%(d)s”需要佐证材料：%(what)s")
                % {"d": item.dimension.name, "what": item.dimension.evidence_required}
            )
        updates.append((item, score, evidence))
    _refuse(errors)
    changes: dict[str, list[Any]] = {}
    for item, score, evidence in updates:
        if item.self_score != score or item.self_evidence != evidence:
            changes[item.dimension.name] = [
                _plain_score(item.self_score),
                _plain_score(score),
            ]
        item.self_score, item.self_evidence = score, evidence
    AssessmentItem.objects.bulk_update([u[0] for u in updates], ["self_score", "self_evidence"])
    old_status = assessment.status
    assessment.self_total = weighted_total(
        (i.self_score, i.dimension.max_points, i.dimension.weight) for i, _s, _e in updates
    )
    if assessment.status == Assessment.Status.PENDING:
        assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.submitted_by = actor
    changes["self_total"] = [None, _plain_score(assessment.self_total)]
    return _save_assessment(actor, assessment, old_status, changes, gettext_noop("提交自评"))


def _plain_score(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _typed_score(
    errors: dict[str, list[str]],
    items: Mapping[str, Mapping[str, Any]],
    code: str,
    item: AssessmentItem,
) -> tuple[Mapping[str, Any], Decimal | None]:
    """A dimension's typed row and its score (None, with the reason in `errors`, when it is
    not a number from 0 to the dimension's maximum)."""
    row = _row(items, code)
    score = _collect(errors, lambda: _points(row.get("score"), item.dimension, f"score_{code}"))
    return row, score


def _save_assessment(
    actor: Any, assessment: Assessment, old_status: str, changes: dict[str, list[Any]], note: str
) -> Assessment:
    """Save a self-assessment or the Ministry's scoring and record what changed."""
    _touch(assessment)
    assessment.save()
    if old_status != assessment.status:
        changes["status"] = [old_status, assessment.status]
    _record(
        actor, Action.UPDATE, assessment, pairing=assessment.pairing, changes=changes, note=note
    )
    return assessment


@transaction.atomic
def add_evidence(
    *, actor: Any, assessment_id: int, dimension_code: str, file: IO[bytes], name: str
) -> EvidenceFile:
    """Attach a file to an item of the side's self-assessment, checked by its content."""
    assessment = _locked_assessment(actor, assessment_id)
    require(_system_or(actor, perms.can_act_for)(assessment), _("只有本方协调员可以上传佐证材料。"))
    _require_round_status(assessment.round, RoundStatus.OPEN)
    item = _items_by_code(assessment).get(dimension_code)
    if item is None:
        raise invalid(
            "dimension", _("未知的评估维度：%(c)s。") % {"c": dimension_code}, "unknown_dimension"
        )
    kind = check_upload(file, field="file")
    evidence = EvidenceFile(
        item=item,
        original_name=(name or "file")[-200:],
        content_type=kind.content_type,
        size=kind.size,
        uploaded_by=actor,
    )
    evidence.file.save(evidence.original_name, File(file), save=False)
    evidence.save()
    _record(
        actor,
        Action.CREATE,
        evidence,
        pairing=assessment.pairing,
        changes={"original_name": [None, evidence.original_name]},
        note=gettext_noop("上传佐证材料"),
    )
    return evidence


@transaction.atomic
def archive_evidence(*, actor: Any, file_id: int) -> EvidenceFile:
    found = queries.evidence_file_for(actor, file_id)
    assessment = _locked_assessment(actor, found.item.assessment_id)
    require(_system_or(actor, perms.can_act_for)(assessment), _("只有本方协调员可以删除佐证材料。"))
    _require_round_status(assessment.round, RoundStatus.OPEN)
    evidence = EvidenceFile.objects.select_for_update(of=("self",)).get(pk=file_id)
    evidence.archived_at, evidence.archived_by = timezone.now(), actor
    evidence.save()
    _record(actor, Action.ARCHIVE, evidence, pairing=assessment.pairing)
    return evidence


@transaction.atomic
def comment_on_peer(
    *,
    actor: Any,
    assessment_id: int,
    comments: Mapping[str, str],
    lock_version: int | None = None,
) -> Assessment:
    """The other side's coordinator comments, item by item, on a submitted self-assessment.
    `comments`: {dimension code: text}; at least one comment."""
    assessment = _locked_assessment(actor, assessment_id)
    require(
        _system_or(actor, perms.can_comment)(assessment),
        _("只有结对另一方的协调员可以提出互评意见。"),
    )
    _check_lock(assessment, lock_version)
    _require_round_status(assessment.round, RoundStatus.OPEN)
    if assessment.submitted_at is None:
        raise Conflict(_("对方尚未提交自评，暂不能提出意见。"), code="not_submitted")
    by_code = _items_by_code(assessment)
    _refuse_unknown_codes(comments, by_code)
    texts = {code: str(comments.get(code) or "").strip() for code in by_code}
    if not any(texts.values()):
        raise invalid("comments", _("请至少对一个维度提出意见。"), "comment_missing")
    changes: dict[str, list[Any]] = {}
    for code, item in by_code.items():
        if item.peer_comment != texts[code]:
            changes[item.dimension.name] = [item.peer_comment or None, texts[code] or None]
            item.peer_comment = texts[code]
    AssessmentItem.objects.bulk_update(list(by_code.values()), ["peer_comment"])
    assessment.peer_comment_at = timezone.now()
    assessment.peer_comment_by = actor
    # The status stays: only the changes are recorded.
    _save_assessment(actor, assessment, assessment.status, changes, gettext_noop("提出互评意见"))
    return assessment


def _apply_scores(
    assessment: Assessment, by_code: Mapping[str, AssessmentItem], scores: Mapping[str, Decimal]
) -> dict[str, list[Any]]:
    """Set the Ministry's scores given and recompute the side's total; {dimension: [old, new]}."""
    changes: dict[str, list[Any]] = {}
    for code, score in scores.items():
        item = by_code[code]
        if item.ministry_score != score:
            changes[item.dimension.name] = [_plain_score(item.ministry_score), _plain_score(score)]
            item.ministry_score = score
    AssessmentItem.objects.bulk_update(
        list(by_code.values()), ["ministry_score", "ministry_comment"]
    )
    old_total = assessment.ministry_total
    assessment.ministry_total = weighted_total(
        (i.ministry_score, i.dimension.max_points, i.dimension.weight) for i in by_code.values()
    )
    if old_total != assessment.ministry_total:
        changes["ministry_total"] = [
            _plain_score(old_total),
            _plain_score(assessment.ministry_total),
        ]
    return changes


@transaction.atomic
def score_assessment(
    *,
    actor: Any,
    assessment_id: int,
    items: Mapping[str, Mapping[str, Any]],
    lock_version: int | None = None,
) -> Assessment:
    """The Ministry scores every dimension (0 to its maximum), with an optional comment each.
    `items`: {dimension code: {score, comment}}. Scores may be changed until publication."""
    assessment = _locked_assessment(actor, assessment_id)
    _require_ministry(actor)
    _check_lock(assessment, lock_version)
    _require_round_status(assessment.round, RoundStatus.SCORING)
    by_code = _items_by_code(assessment)
    _refuse_unknown_codes(items, by_code)
    errors: dict[str, list[str]] = {}
    scores: dict[str, Decimal] = {}
    for code, item in by_code.items():
        row, score = _typed_score(errors, items, code, item)
        if score is not None:
            scores[code] = score
        item.ministry_comment = str(row.get("comment") or "").strip()
    _refuse(errors)
    changes = _apply_scores(assessment, by_code, scores)
    old_status = assessment.status
    assessment.status = Assessment.Status.SCORED
    assessment.scored_at = timezone.now()
    assessment.scored_by = actor
    return _save_assessment(actor, assessment, old_status, changes, gettext_noop("住建部评分"))


# ---------------------------------------------------------------- appeals


@transaction.atomic
def file_appeal(
    *, actor: Any, assessment_id: int, reasons: str, today: dt.date | None = None
) -> Appeal:
    """A side appeals its published scores: once per round, with reasons, within the round's
    appeal window."""
    assessment = _locked_assessment(actor, assessment_id)
    require(_system_or(actor, perms.can_act_for)(assessment), _("只有本方协调员可以申诉。"))
    evaluation_round = assessment.round
    if evaluation_round.status != RoundStatus.PUBLISHED:
        if evaluation_round.status == RoundStatus.CLOSED:
            raise Conflict(_("本轮评估已结束，不能再申诉。"), code="appeal_window_closed")
        raise Conflict(_("评估结果发布后才能申诉。"), code="not_published")
    deadline = evaluation_round.appeal_deadline
    if deadline is not None and (today or timezone.localdate()) > deadline:
        raise Conflict(
            _("申诉期已于 %(due)s 结束，不能再申诉。") % {"due": deadline.isoformat()},
            code="appeal_window_closed",
        )
    if Appeal.objects.filter(assessment=assessment).exists():
        raise Conflict(_("每一方每轮只能申诉一次，本方已申诉。"), code="already_appealed")
    text = (reasons or "").strip()
    if not text:
        raise invalid("reasons", _("请写明申诉理由。"), "reasons_missing")
    appeal = Appeal.objects.create(assessment=assessment, reasons=text, filed_by=actor)
    _record(
        actor,
        Action.CREATE,
        appeal,
        pairing=assessment.pairing,
        changes={"reasons": [None, text]},
        note=gettext_noop("提出申诉"),
    )
    return appeal


@transaction.atomic
def decide_appeal(
    *,
    actor: Any,
    appeal_id: int,
    decision: str,
    note: str,
    scores: Mapping[str, Any] | None = None,
    lock_version: int | None = None,
) -> Appeal:
    """The Ministry decides an appeal with a note; an upheld (or partly upheld) appeal changes
    item scores (`scores`: {dimension code: new points}), a rejected one changes none. The
    changed scores are kept on the appeal and in the audit log; the rankings follow them."""
    if actor is not None:
        queries.appeal_for(actor, appeal_id)
    _require_ministry(actor)
    appeal = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal_id)
    _check_lock(appeal, lock_version)
    if appeal.is_decided:
        raise Conflict(_("该申诉已有决定。"), code="already_decided")
    if decision not in Appeal.Decision.values:
        raise invalid("decision", _("请选择决定。"), "decision_missing")
    text = (note or "").strip()
    if not text:
        raise invalid("note", _("请写明决定说明。"), "note_missing")
    assessment = _locked_assessment(actor, appeal.assessment_id)
    by_code = _items_by_code(assessment)
    sent = {k: v for k, v in (scores or {}).items() if v is not None and str(v).strip() != ""}
    _refuse_unknown_codes(sent, by_code)
    errors: dict[str, list[str]] = {}
    new_scores = {}
    for code, value in sent.items():
        score = _collect(
            errors, lambda v=value, c=code: _points(v, by_code[c].dimension, f"score_{c}")
        )
        if score is not None and score != by_code[code].ministry_score:
            new_scores[code] = score
    _refuse(errors)
    if decision == Appeal.Decision.REJECTED and new_scores:
        raise invalid("decision", _("“不予支持”时不能调整评分。"), "rejected_with_changes")
    if decision != Appeal.Decision.REJECTED and not new_scores:
        raise invalid("scores", _("申诉成立或部分成立时，请调整至少一项评分。"), "no_changes")
    appeal.changes = {
        code: [_plain_score(by_code[code].ministry_score), _plain_score(score)]
        for code, score in new_scores.items()
    }
    changes = _apply_scores(assessment, by_code, new_scores)
    if new_scores:
        # The status stays: only the changes are recorded.
        _save_assessment(
            actor, assessment, assessment.status, changes, gettext_noop("根据申诉决定调整评分")
        )
    appeal.decision, appeal.decision_note = decision, text
    appeal.decided_by, appeal.decided_at = actor, timezone.now()
    _touch(appeal)
    appeal.save()
    _record(
        actor,
        Action.TRANSITION,
        appeal,
        pairing=assessment.pairing,
        changes={"decision": [None, decision], "decision_note": [None, text]},
    )
    _tell_appellant(appeal, assessment, actor)
    return appeal


def _tell_appellant(appeal: Appeal, assessment: Assessment, actor: Any) -> None:
    pairing = assessment.pairing
    notify_many(
        [
            Message(
                event=Event.APPEAL_DECIDED,
                pairing=pairing,
                recipients=coordinators_of(pairing, assessment.side),
                can_see=_pair_member_check(pairing),
                title=_("评估申诉已有决定：%(d)s") % {"d": appeal.get_decision_display()},
                body=appeal.decision_note,
                url=reverse("evaluation:assessment", args=[assessment.pk]),
                actor=actor,
            )
        ]
    )
