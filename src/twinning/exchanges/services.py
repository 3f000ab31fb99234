"""Writing exchanges: record, edit, archive, files, follow-up tasks and calendar feeds.

Every function checks permission, validates, writes inside one transaction and records the change.
"""

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import User
from twinning.core import audit
from twinning.core.errors import Conflict, Invalid
from twinning.core.permissions import require
from twinning.core.uploads import DOCUMENT_KINDS, CheckedUpload, check_upload
from twinning.core.validation import clean, invalid
from twinning.exchanges import queries
from twinning.exchanges.models import (
    CalendarFeed,
    Delegate,
    Direction,
    Exchange,
    ExchangeFile,
    FollowUp,
)
from twinning.exchanges.permissions import can_record
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing, Side
from twinning.pairings.queries import get_pairing_for
from twinning.plans import queries as plan_queries
from twinning.plans import tasks as plan_tasks
from twinning.plans.models import Task, Topic
from twinning.search.index import index_object

EXCHANGE_FIELDS = [
    "kind",
    "direction",
    "title",
    "start_date",
    "end_date",
    "place",
    "online",
    "participant_count",
    "summary",
    "agreements",
    "materials",
    "status",
    "source",
]
REQUIRED = ["kind", "direction", "title", "start_date", "end_date"]
# What `values` may carry besides the plain fields.
RELATED = ["topics", "delegates"]
FOLLOW_UP_FIELDS = {"title", "side", "due_date", "owner"}
RECORDER_MESSAGE = gettext_noop("只有结对双方的协调员和成员可以记录交流活动。")


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes and the name the uploader gave it."""

    stream: IO[bytes]
    filename: str


# ---------------------------------------------------------------- helpers


def check_version(exchange: Exchange, expected: int | None) -> None:
    """Optimistic locking: refuse a save based on an older version, naming who changed it."""
    if expected is None or expected == exchange.lock_version:
        return
    who = str(exchange.updated_by) if exchange.updated_by else _("系统")
    when = date_format(timezone.localtime(exchange.updated_at), "Y-m-d H:i")
    raise Conflict(
        _("保存失败：%(who)s 已于 %(when)s 修改了此交流活动。请刷新页面查看最新内容后再修改。")
        % {"who": who, "when": when},
        code="stale_version",
    )


def _touch(exchange: Exchange, actor: User | None) -> None:
    exchange.updated_at = timezone.now()
    exchange.updated_by = actor
    exchange.lock_version += 1


def _topics(codes: Iterable[str]) -> list[Topic]:
    codes = [str(c).strip() for c in dict.fromkeys(codes) if str(c).strip()]
    topics = list(Topic.objects.filter(code__in=codes, archived_at__isnull=True))
    missing = [c for c in codes if c not in {t.code for t in topics}]
    if missing:
        raise invalid(
            "topics", _("未知的交流内容：%(t)s。") % {"t": "、".join(missing)}, "unknown_topic"
        )
    return topics


def _delegates(rows: Iterable[Any]) -> list[Delegate]:
    """Delegate rows from dicts {name, unit, position, side}; unsaved, in the order given."""
    delegates: list[Delegate] = []
    for number, row in enumerate(rows, start=1):
        data = dict(row) if not isinstance(row, Delegate) else {}
        name = str(data.get("name", "")).strip()
        side = str(data.get("side", "")).strip()
        if not name:
            raise invalid(
                "delegates", _("第 %(n)s 位参加人员缺少姓名。") % {"n": number}, "invalid_delegate"
            )
        if side not in Side.values:
            raise invalid(
                "delegates",
                _("第 %(n)s 位参加人员（%(name)s）的所属方须为先行方或结对方。")
                % {"n": number, "name": name},
                "invalid_delegate",
            )
        delegate = Delegate(
            name=name,
            unit=str(data.get("unit") or "").strip(),
            position=str(data.get("position") or "").strip(),
            side=side,
            position_in_list=number,
        )
        try:
            delegate.full_clean(exclude=["exchange"])
        except ValidationError as exc:
            messages = [f"{name}：{m}" for ms in exc.message_dict.values() for m in ms]
            raise Invalid(
                messages[0], code="invalid_delegate", fields={"delegates": messages}
            ) from exc
        delegates.append(delegate)
    return delegates


def _check_rules(exchange: Exchange, delegate_count: int) -> None:
    """The rules across fields, checked after the values are applied."""
    if exchange.start_date and exchange.end_date and exchange.end_date < exchange.start_date:
        raise invalid("end_date", _("结束日期不能早于开始日期。"), "invalid_dates")
    if exchange.direction == Direction.ONLINE and not exchange.online:
        raise invalid("online", _("交流方向为“线上”时，活动须为线上举办。"), "online_mismatch")
    if exchange.online and exchange.direction != Direction.ONLINE:
        raise invalid("direction", _("线上举办的活动，交流方向请选择“线上”。"), "online_mismatch")
    if exchange.online and exchange.place.strip():
        raise invalid("place", _("线上举办的活动不填写地点。"), "place_online")
    if exchange.status == Exchange.Status.HELD and exchange.start_date > timezone.localdate():
        raise invalid("status", _("活动尚未开始，不能标记为已举办。"), "held_in_future")
    if exchange.participant_count < delegate_count:
        raise invalid(
            "participant_count",
            _("参加人数（%(n)s）不能少于填写的参加人员人数（%(d)s）。")
            % {"n": exchange.participant_count, "d": delegate_count},
            "too_few_participants",
        )


def _check_files(files: Sequence[Upload]) -> list[tuple[Upload, CheckedUpload]]:
    """Every file's real kind, or Invalid naming the file; nothing is stored before all pass."""
    checked = []
    for upload in files:
        try:
            checked.append((upload, check_upload(upload.stream, DOCUMENT_KINDS, field="files")))
        except Invalid as exc:
            message = f"{upload.filename}：{exc.message}"
            raise Invalid(message, code=exc.code, fields={"files": [message]}) from exc
    return checked


def _store_files(
    actor: User, exchange: Exchange, checked: list[tuple[Upload, CheckedUpload]]
) -> list[ExchangeFile]:
    """Store checked files; if anything fails, the files already written are removed again."""
    stored: list[ExchangeFile] = []
    try:
        for upload, result in checked:
            record = ExchangeFile(
                exchange=exchange,
                original_name=(upload.filename or "file")[-200:],
                content_type=result.content_type,
                size=result.size,
                is_photo=result.content_type.startswith("image/"),
                uploaded_by=actor,
            )
            record.file.save(record.original_name, File(upload.stream), save=False)
            stored.append(record)
            record.save()
            audit.record(
                actor=actor,
                action="create",
                target=record,
                pairing=exchange.pairing,
                changes={"file": [None, record.original_name]},
            )
    except Exception:
        for record in stored:
            record.file.delete(save=False)
        raise
    return stored


def _snapshot(exchange: Exchange) -> dict[str, Any]:
    values = audit.snapshot(exchange, EXCHANGE_FIELDS)
    if exchange.pk:
        values["topics"] = [t.name for t in exchange.topics.order_by("position", "pk")]
        values["delegate_names"] = [
            f"{d.name}（{d.get_side_display()}）" for d in exchange.delegates.all()
        ]
    else:
        values["topics"], values["delegate_names"] = [], []
    return values


def _locked(actor: User, exchange_id: int) -> Exchange:
    exchange = queries.get_exchange_for(actor, exchange_id)
    return (
        Exchange.objects.select_for_update(of=("self",))
        .select_related("pairing__leading_region", "pairing__partner_region", "updated_by")
        .get(pk=exchange.pk)
    )


def _require_recorder(actor: User, pairing: Pairing) -> None:
    require(can_record(actor, pairing), _(RECORDER_MESSAGE))


def _apply(exchange: Exchange, values: dict[str, Any]) -> dict[str, Any]:
    """Set the plain fields; returns the related values (topics, delegates) still to write."""
    unknown = set(values) - set(EXCHANGE_FIELDS) - set(RELATED)
    if unknown:
        raise invalid(sorted(unknown)[0], _("不能修改此项。"), "unknown_field")
    for name in EXCHANGE_FIELDS:
        if name in values:
            value = values[name]
            if isinstance(value, str) and name not in ("summary", "agreements", "materials"):
                value = value.strip()
            setattr(exchange, name, value)
    if "online" not in values and "direction" in values:
        # The flag follows the direction unless it is given too (then both must agree).
        exchange.online = values["direction"] == Direction.ONLINE
    return {k: values[k] for k in RELATED if k in values}


# ---------------------------------------------------------------- exchanges


@transaction.atomic
def create_exchange(
    *,
    actor: User,
    pairing_id: int,
    values: dict[str, Any],
    files: Sequence[Upload] = (),
    follow_ups: Sequence[dict[str, Any]] = (),
) -> Exchange:
    """Record an exchange of a pair, with its topics, delegates, files and follow-up tasks.

    `values` holds the fields of `EXCHANGE_FIELDS` plus `topics` (codes) and `delegates`
    (dicts of name, unit, position, side). Files are checked before anything is written;
    follow-up tasks join the pair's working plan. Both sides' coordinators are told.
    """
    pairing = get_pairing_for(actor, pairing_id)
    _require_recorder(actor, pairing)
    if pairing.is_archived or pairing.status == Pairing.Status.DECLINED:
        raise Conflict(_("该结对已归档或已谢绝，不能再记录交流活动。"), code="pair_not_live")
    missing = [name for name in REQUIRED if values.get(name) in (None, "")]
    if missing:
        message = _("此项为必填项。")
        raise Invalid(
            _("请填写必填项。"), code="required", fields={name: [message] for name in missing}
        )
    exchange = Exchange(pairing=pairing, created_by=actor, updated_by=actor)
    related = _apply(exchange, values)
    topics = _topics(related.get("topics") or [])
    delegates = _delegates(related.get("delegates") or [])
    if "participant_count" not in values:
        exchange.participant_count = len(delegates)
    _check_rules(exchange, len(delegates))
    clean(exchange, exclude=["pairing", "topics", "created_by", "updated_by", "archived_by"])
    checked = _check_files(files)
    exchange.save()
    exchange.topics.set(topics)
    for delegate in delegates:
        delegate.exchange = exchange
    Delegate.objects.bulk_create(delegates)
    audit.record(
        actor=actor,
        action="create",
        target=exchange,
        pairing=pairing,
        changes={k: v for k, v in audit.diff({}, _snapshot(exchange)).items() if v[1]},
    )
    if follow_ups:
        _add_follow_ups(actor, exchange, follow_ups)
    _store_files(actor, exchange, checked)
    index_object("exchange", exchange.pk)
    _notify_new(actor, exchange)
    return exchange


@transaction.atomic
def update_exchange(
    *,
    actor: User,
    exchange_id: int,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> Exchange:
    """Change the given fields only; `delegates`, when given, replace all of them.

    A stale `expected_version` is refused (409), naming who changed the exchange meanwhile.
    """
    exchange = _locked(actor, exchange_id)
    _require_recorder(actor, exchange.pairing)
    check_version(exchange, expected_version)
    if exchange.is_archived:
        raise Conflict(_("该交流活动已归档，请先恢复再修改。"), code="archived")
    before = _snapshot(exchange)
    related = _apply(exchange, values)
    topics = _topics(related["topics"]) if "topics" in related else None
    delegates = _delegates(related["delegates"]) if "delegates" in related else None
    count = len(delegates) if delegates is not None else exchange.delegates.count()
    if delegates is not None and "participant_count" not in values:
        exchange.participant_count = max(exchange.participant_count, count)
    for name in REQUIRED:
        if getattr(exchange, name) in (None, ""):
            raise invalid(name, _("此项为必填项。"), "required")
    _check_rules(exchange, count)
    clean(exchange, exclude=["pairing", "topics", "created_by", "updated_by", "archived_by"])
    _touch(exchange, actor)
    exchange.save()
    if topics is not None:
        exchange.topics.set(topics)
    if delegates is not None:
        exchange.delegates.all().delete()
        for delegate in delegates:
            delegate.exchange = exchange
        Delegate.objects.bulk_create(delegates)
    changes = audit.diff(before, _snapshot(exchange))
    if changes:
        audit.record(
            actor=actor, action="update", target=exchange, pairing=exchange.pairing, changes=changes
        )
    index_object("exchange", exchange.pk)
    return exchange


@transaction.atomic
def archive_exchange(*, actor: User, exchange_id: int, archived: bool = True) -> Exchange:
    """Archive (or restore) an exchange; archived ones stay readable but leave lists and stats."""
    exchange = _locked(actor, exchange_id)
    _require_recorder(actor, exchange.pairing)
    if archived == exchange.is_archived:
        raise Conflict(
            _("该交流活动已归档。") if archived else _("该交流活动未归档。"),
            code="already_archived" if archived else "not_archived",
        )
    exchange.archived_at, exchange.archived_by = (
        (timezone.now(), actor) if archived else (None, None)
    )
    _touch(exchange, actor)
    exchange.save()
    audit.record(
        actor=actor,
        action="archive" if archived else "restore",
        target=exchange,
        pairing=exchange.pairing,
    )
    index_object("exchange", exchange.pk)
    return exchange


def restore_exchange(*, actor: User, exchange_id: int) -> Exchange:
    return archive_exchange(actor=actor, exchange_id=exchange_id, archived=False)


@transaction.atomic
def add_files(*, actor: User, exchange_id: int, files: Sequence[Upload]) -> list[ExchangeFile]:
    """Attach files or photos after checking what they really are; one bad file stops all."""
    exchange = _locked(actor, exchange_id)
    _require_recorder(actor, exchange.pairing)
    if exchange.is_archived:
        raise Conflict(_("该交流活动已归档，请先恢复。"), code="archived")
    if not files:
        raise invalid("files", _("请选择要上传的文件。"), "no_files")
    checked = _check_files(files)
    stored = _store_files(actor, exchange, checked)
    _touch(exchange, actor)
    exchange.save(update_fields=["updated_at", "updated_by", "lock_version"])
    return stored


@transaction.atomic
def archive_file(*, actor: User, file_id: int, archived: bool = True) -> ExchangeFile:
    record = queries.get_file_for(actor, file_id)
    exchange = _locked(actor, record.exchange_id)
    _require_recorder(actor, exchange.pairing)
    if archived == record.is_archived:
        raise Conflict(
            _("该文件已归档。") if archived else _("该文件未归档。"),
            code="already_archived" if archived else "not_archived",
        )
    record.archived_at, record.archived_by = (timezone.now(), actor) if archived else (None, None)
    record.save(update_fields=["archived_at", "archived_by"])
    audit.record(
        actor=actor,
        action="archive" if archived else "restore",
        target=record,
        pairing=exchange.pairing,
    )
    return record


# ---------------------------------------------------------------- follow-up tasks


def _follow_up_error(number: int, exc: Invalid | Conflict) -> Invalid:
    message = _("第 %(n)s 项后续任务：%(msg)s") % {
        "n": number,
        "msg": "；".join(m for ms in exc.fields.values() for m in ms) or exc.message,
    }
    return Invalid(message, code=exc.code, fields={"follow_ups": [message]})


def _add_follow_ups(actor: User, exchange: Exchange, rows: Sequence[dict[str, Any]]) -> list[Task]:
    plan = plan_queries.working_plan_of(exchange.pairing_id)
    if plan is None:
        url = f"/plans/new/?pairing={exchange.pairing_id}"
        message = _(
            "结对“%(pair)s”还没有可以添加任务的工作方案。请先新建工作方案（%(url)s），"
            "再添加后续任务。"
        ) % {"pair": exchange.pairing, "url": url}
        raise Conflict(message, code="no_working_plan", fields={"follow_ups": [message]})
    created = []
    for number, row in enumerate(rows, start=1):
        unknown = set(row) - FOLLOW_UP_FIELDS
        if unknown:
            raise invalid(
                "follow_ups",
                _("第 %(n)s 项后续任务含有不支持的字段：%(f)s。")
                % {"n": number, "f": "、".join(sorted(unknown))},
                "unknown_field",
            )
        values = {k: v for k, v in row.items() if v not in (None, "")}
        try:
            task = plan_tasks.add_follow_up(
                actor=actor,
                plan_id=plan.pk,
                values=values,
                origin=f"交流活动：{exchange.title}",
            )
        except (Invalid, Conflict) as exc:
            raise _follow_up_error(number, exc) from exc
        FollowUp.objects.create(exchange=exchange, task=task)
        created.append(task)
    audit.record(
        actor=actor,
        action="update",
        target=exchange,
        pairing=exchange.pairing,
        changes={"follow_up_tasks": [None, [str(t) for t in created]]},
    )
    return created


@transaction.atomic
def add_follow_up_tasks(
    *, actor: User, exchange_id: int, tasks: Sequence[dict[str, Any]]
) -> list[Task]:
    """Tasks agreed at the exchange ({title, side, due_date, owner?} each) join the pair's
    working plan, even when it is in force, and are linked to the exchange."""
    exchange = _locked(actor, exchange_id)
    _require_recorder(actor, exchange.pairing)
    if exchange.is_archived:
        raise Conflict(_("该交流活动已归档，请先恢复。"), code="archived")
    if not tasks:
        raise invalid("follow_ups", _("请至少填写一项后续任务。"), "nothing_given")
    return _add_follow_ups(actor, exchange, tasks)


# ---------------------------------------------------------------- notifications


def _notify_new(actor: User, exchange: Exchange) -> None:
    """Tell both sides' coordinators about a new exchange (only those who may see it)."""
    from twinning.notifications.events import Event
    from twinning.notifications.services import notify

    pairing = exchange.pairing
    recipients = User.objects.filter(is_active=True, role="coordinator").filter(
        plan_tasks.region_scope_q_for_organisation(
            pairing.leading_region.path, pairing.partner_region.path
        )
    )
    notify(
        event=Event.EXCHANGE_NEW,
        pairing=pairing,
        recipients=recipients,
        can_see=lambda user: pair_perms.can_view(user, pairing),
        title=_("新的交流活动：%(title)s") % {"title": exchange.title},
        body=_("%(pair)s · %(kind)s · %(start)s 至 %(end)s")
        % {
            "pair": pairing,
            "kind": exchange.get_kind_display(),
            "start": exchange.start_date.isoformat(),
            "end": exchange.end_date.isoformat(),
        },
        url=f"/exchanges/{exchange.pk}/",
        actor=actor,
    )


# ---------------------------------------------------------------- calendar feeds


@dataclass(frozen=True)
class IssuedFeed:
    feed: CalendarFeed
    token: str


@transaction.atomic
def create_calendar_feed(*, actor: User) -> IssuedFeed:
    """A new personal feed token (shown once); any earlier active feed stops working."""
    now = timezone.now()
    for feed in CalendarFeed.objects.select_for_update().filter(
        user=actor, revoked_at__isnull=True
    ):
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor, action="archive", target=feed, note=gettext_noop("日历订阅已吊销")
        )
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=actor, token_hash=queries.token_hash(token))
    audit.record(actor=actor, action="create", target=feed)
    return IssuedFeed(feed=feed, token=token)


@transaction.atomic
def revoke_calendar_feed(*, actor: User) -> int:
    """Stop the actor's feed; returns how many were active (0 when there was none)."""
    feeds = list(
        CalendarFeed.objects.select_for_update().filter(user=actor, revoked_at__isnull=True)
    )
    if not feeds:
        raise Conflict(_("您当前没有有效的日历订阅。"), code="no_active_feed")
    now = timezone.now()
    for feed in feeds:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor, action="archive", target=feed, note=gettext_noop("日历订阅已吊销")
        )
    return len(feeds)
