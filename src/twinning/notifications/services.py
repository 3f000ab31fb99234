"""Telling people: `notify` (called by every app), the inbox's read marks, preferences, and the
pairs' group robots.

`notify` writes inside the caller's transaction and hands e-mails and robot messages to the
background queue only after the commit; a channel that fails never fails the caller's action.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import User
from twinning.core import audit
from twinning.core.errors import Conflict
from twinning.core.permissions import require
from twinning.core.validation import clean, invalid
from twinning.notifications import delivery as sending
from twinning.notifications import queries
from twinning.notifications.events import Event
from twinning.notifications.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    Notification,
    PairWebhook,
    Preference,
    mask_url,
)
from twinning.notifications.permissions import can_manage_webhooks
from twinning.pairings.models import Pairing
from twinning.pairings.queries import get_pairing_for

Kind = PairWebhook.Kind
WEBHOOK_FIELDS = ["name", "kind", "events"]


# ---------------------------------------------------------------- notify


def _email_text(title: str, body: str, url: str) -> str:
    parts = [title, body]
    if url:
        parts.append(_("查看详情：%(link)s") % {"link": sending.absolute(url)})
    parts.append(
        "—\n"
        + _("您收到这封邮件，是因为您开启了此类事件的邮件通知。调整通知设置：%(link)s")
        % {"link": sending.absolute(reverse("notifications:preferences"))}
    )
    return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Message:
    """One piece of news for `notify_many`; the arguments of `notify`."""

    event: str
    pairing: Pairing | None
    recipients: Iterable[User]
    can_see: Callable[[User], bool]
    title: str
    body: str
    url: str
    actor: User | None = None


def notify(
    *,
    event: str,
    pairing: Pairing | None,
    recipients: Iterable[User],
    can_see: Callable[[User], bool],
    title: str,
    body: str,
    url: str,
    actor: User | None = None,
) -> list[Notification]:
    """Tell the recipients (and the pair's subscribed robots) about `event`.

    Recipients are de-duplicated; the actor, inactive users and anyone for whom `can_see` is
    False are dropped; each person's preferences choose in-app and e-mail. Returns the in-app
    notifications created. E-mails and robot messages are sent after the caller's commit.
    """
    message = Message(event, pairing, recipients, can_see, title, body, url, actor)
    return notify_many([message])


def _people(message: Message) -> list[User]:
    unique: dict[int, User] = {}
    for user in message.recipients:
        if user is not None and user.pk is not None:
            unique.setdefault(user.pk, user)
    actor = message.actor
    return [
        user
        for user in unique.values()
        if user.is_active and (actor is None or user.pk != actor.pk) and message.can_see(user)
    ]


def notify_many(messages: list[Message]) -> list[Notification]:
    """`notify` for many messages at once (a reminder run): the same rules, with preferences,
    robots, inserts and the queue each touched once for the lot."""
    audiences = [(_people(m), m) for m in messages]
    everyone = {u.pk for people, _m in audiences for u in people}
    events = {Event(m.event).value for m in messages}
    with transaction.atomic():
        chosen = {
            (p.user_id, p.event, p.channel): p.enabled
            for p in Preference.objects.filter(user__in=everyone, event__in=events)
        }
        pair_ids = {m.pairing.pk for m in messages if m.pairing is not None}
        robots: dict[int, list[PairWebhook]] = defaultdict(list)
        for robot in PairWebhook.objects.filter(pairing__in=pair_ids, archived_at__isnull=True):
            robots[robot.pairing_id].append(robot)
        now = timezone.now()
        platform = _("“1对1”交流协作平台")
        notifications: list[Notification] = []
        pending: list[Delivery] = []
        for people, message in audiences:
            event = Event(message.event).value
            title = message.title[:200]
            text = _email_text(title, message.body, message.url)
            for user in people:
                notice = None
                if chosen.get((user.pk, event, Channel.IN_APP), True):
                    notice = Notification(
                        recipient=user,
                        event=event,
                        title=title,
                        body=message.body,
                        url=message.url,
                        pairing=message.pairing,
                        actor=message.actor,
                        created_at=now,
                    )
                    notifications.append(notice)
                if user.email and chosen.get((user.pk, event, Channel.EMAIL), True):
                    # Saved after the notices, so the e-mail points at its in-app notice.
                    pending.append(
                        Delivery(
                            channel=Delivery.Channel.EMAIL,
                            notification=notice,
                            address=user.email,
                            subject=f"[{platform}] {title}"[:200],
                            payload={"body": text},
                            next_attempt_at=now,
                            created_at=now,
                        )
                    )
            if message.pairing is not None:
                pending += [
                    Delivery(
                        channel=robot.kind,
                        webhook=robot,
                        address=str(robot.pk),
                        subject=title,
                        payload=sending.robot_message(robot.kind, title, message.body, message.url),
                        next_attempt_at=now,
                        created_at=now,
                    )
                    for robot in robots[message.pairing.pk]
                    if robot.subscribed_to(event)
                ]
        created = Notification.objects.bulk_create(notifications)
        deliveries = Delivery.objects.bulk_create(pending)
        ids = [d.pk for d in deliveries if d.pk is not None]
        if ids:
            transaction.on_commit(partial(sending.enqueue, ids))
    return created


# ---------------------------------------------------------------- inbox and preferences


def mark_read(*, actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's own notifications read (again: no change)."""
    notification = queries.get_notification_for(actor, notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, actor: User) -> int:
    """Mark all the actor's unread notifications read; returns how many there were."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def set_preferences(*, actor: User, choices: Mapping[tuple[str, str], bool]) -> None:
    """Switch channels on or off per event: {(event, channel): enabled}."""
    for (event, channel), enabled in choices.items():
        if event not in Event.values:
            raise invalid("event", _("未知的事件：%(event)s。") % {"event": event})
        if channel not in Channel.values:
            raise invalid("channel", _("未知的通知方式：%(channel)s。") % {"channel": channel})
        Preference.objects.update_or_create(
            user=actor, event=event, channel=channel, defaults={"enabled": bool(enabled)}
        )


# ---------------------------------------------------------------- group robots


def _kind(value: str) -> str:
    if value not in Kind.values:
        raise invalid("kind", _("请选择机器人类型（企业微信或钉钉）。"))
    return value


def _events(values: Iterable[str]) -> list[str]:
    events = list(dict.fromkeys(values))
    unknown = [e for e in events if e not in Event.values]
    if unknown:
        raise invalid("events", _("未知的事件：%(e)s。") % {"e": "、".join(unknown)})
    return events


def check_url(kind: str, url: str) -> str:
    """The robot's address, if it is one the platform may send to; else Invalid on `url`."""
    url = url.strip()
    if not url:
        raise invalid("url", _("请填写机器人网址。"))
    malformed = invalid(
        "url",
        _("机器人网址格式不正确，应形如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"),
        "malformed_url",
    )
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        _port = parts.port
    except ValueError:
        raise malformed from None
    if parts.scheme not in {"http", "https"} or not host or parts.username or parts.password:
        raise malformed
    if not sending.allowed_host(url):
        raise invalid(
            "url",
            _("只能使用以下地址的群机器人：%(hosts)s。")
            % {"hosts": "、".join(settings.TWINNING_WEBHOOK_ALLOWED_HOSTS)},
            "host_not_allowed",
        )
    test_host = host in sending.TEST_HOSTS
    if parts.scheme != "https" and not test_host:
        raise invalid("url", _("机器人网址必须以 https:// 开头。"), "insecure_url")
    if not test_host and sending.host_kind(host) != kind:
        raise invalid(
            "url",
            _("网址与机器人类型“%(kind)s”不符。") % {"kind": Kind(kind).label},
            "kind_mismatch",
        )
    return url


def _check_secret(kind: str, secret: str) -> str:
    secret = secret.strip()
    if secret and kind != Kind.DINGTALK:
        raise invalid("secret", _("只有钉钉群机器人使用签名密钥（加签）。"))
    return secret


def _try_robot(kind: str, url: str, secret: str) -> sending.Outcome:
    outcome = sending.check_robot(kind, url, secret)
    if not outcome.ok:
        raise invalid(
            "url",
            _("测试消息发送失败，未保存：%(error)s 请检查机器人网址%(secret)s。")
            % {
                "error": outcome.error,
                "secret": _("和签名密钥") if kind == Kind.DINGTALK else "",
            },
            "webhook_unreachable",
        )
    return outcome


def _log_test(webhook: PairWebhook, outcome: sending.Outcome) -> None:
    """The accepted test message, in the robot's delivery log."""
    now = timezone.now()
    test = Delivery.objects.create(
        channel=webhook.kind,
        webhook=webhook,
        address=str(webhook.pk),
        subject=_("测试消息"),
        payload={},
        status=Delivery.Status.SENT,
        attempts=1,
        next_attempt_at=None,
        sent_at=now,
    )
    DeliveryAttempt.objects.create(delivery=test, at=now, ok=True, status_code=outcome.status_code)


def _snapshot(webhook: PairWebhook) -> dict[str, Any]:
    """The audited values: the address masked, the secret never."""
    values = audit.snapshot(webhook, WEBHOOK_FIELDS)
    values["url"] = mask_url(webhook.url) if webhook.url else ""
    return values


def _require_manager(actor: User, pairing: Pairing) -> None:
    require(
        can_manage_webhooks(actor, pairing),
        _("只有结对双方的协调员可以设置群机器人。"),
    )


@transaction.atomic
def create_webhook(
    *,
    actor: User,
    pairing_id: int,
    kind: str,
    name: str,
    url: str,
    secret: str = "",
    events: Iterable[str] = (),
) -> PairWebhook:
    """Add a group robot to a pair, once it has accepted a test message."""
    pairing = get_pairing_for(actor, pairing_id)
    _require_manager(actor, pairing)
    if pairing.is_archived:
        raise Conflict(_("该结对已归档。"), code="pairing_archived")
    kind = _kind(kind)
    webhook = PairWebhook(
        pairing=pairing,
        kind=kind,
        name=name.strip(),
        url=check_url(kind, url),
        secret=_check_secret(kind, secret),
        events=_events(events),
        created_by=actor,
    )
    clean(webhook, exclude=["pairing", "created_by", "archived_by"])
    outcome = _try_robot(webhook.kind, webhook.url, webhook.secret)
    webhook.save()
    _log_test(webhook, outcome)
    audit.record(
        actor=actor,
        action="create",
        target=webhook,
        pairing=pairing,
        changes=audit.diff({}, _snapshot(webhook)),
    )
    return webhook


def _locked_webhook(actor: User, webhook_id: int) -> PairWebhook:
    webhook = queries.get_webhook_for(actor, webhook_id)
    return (
        PairWebhook.objects.select_for_update(of=("self",))
        .select_related("pairing")
        .get(pk=webhook.pk)
    )


@transaction.atomic
def update_webhook(*, actor: User, webhook_id: int, values: Mapping[str, Any]) -> PairWebhook:
    """Edit a robot: name, kind, url, secret ("" clears it, absent keeps it), events.

    A changed address, kind or secret is tried with a test message before it is saved.
    """
    webhook = _locked_webhook(actor, webhook_id)
    _require_manager(actor, webhook.pairing)
    if webhook.is_archived:
        raise Conflict(_("该群机器人已归档，请先恢复。"), code="webhook_archived")
    before = _snapshot(webhook)
    old_address = (webhook.kind, webhook.url, webhook.secret)
    if "name" in values:
        webhook.name = str(values["name"] or "").strip()
    if "kind" in values:
        webhook.kind = _kind(str(values["kind"]))
    if values.get("url"):
        webhook.url = str(values["url"])
    if "secret" in values and values["secret"] is not None:
        webhook.secret = str(values["secret"])
    elif webhook.kind != Kind.DINGTALK:
        webhook.secret = ""
    if "events" in values:
        webhook.events = _events(values["events"] or [])
    webhook.url = check_url(webhook.kind, webhook.url)
    webhook.secret = _check_secret(webhook.kind, webhook.secret)
    clean(webhook, exclude=["pairing", "created_by", "archived_by"])
    outcome = None
    if (webhook.kind, webhook.url, webhook.secret) != old_address:
        outcome = _try_robot(webhook.kind, webhook.url, webhook.secret)
    webhook.save()
    if outcome is not None:
        _log_test(webhook, outcome)
    changes = audit.diff(before, _snapshot(webhook))
    secret_changed = webhook.secret != old_address[2]
    if changes or secret_changed:
        audit.record(
            actor=actor,
            action="update",
            target=webhook,
            pairing=webhook.pairing,
            changes=changes,
            note=gettext_noop("签名密钥已更改") if secret_changed else "",
        )
    return webhook


@transaction.atomic
def archive_webhook(*, actor: User, webhook_id: int, archived: bool = True) -> PairWebhook:
    """Archive a robot (it is told nothing more) or restore it."""
    webhook = _locked_webhook(actor, webhook_id)
    _require_manager(actor, webhook.pairing)
    if webhook.is_archived == archived:
        raise Conflict(
            _("该群机器人已归档。") if archived else _("该群机器人未归档。"),
            code="already_archived" if archived else "not_archived",
        )
    webhook.archived_at = timezone.now() if archived else None
    webhook.archived_by = actor if archived else None
    webhook.save(update_fields=["archived_at", "archived_by"])
    audit.record(
        actor=actor,
        action="archive" if archived else "restore",
        target=webhook,
        pairing=webhook.pairing,
    )
    return webhook
