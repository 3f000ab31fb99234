"""Reading notifications and robots: a person's own inbox only; robots of pairs in scope."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from twinning.core.errors import NotFound
from twinning.core.permissions import region_scope_q
from twinning.notifications.events import Event
from twinning.notifications.models import (
    Channel,
    DeliveryAttempt,
    Notification,
    PairWebhook,
    Preference,
)

LOG_SIZE = 50


def inbox_of(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, unread first, newest first within each."""
    rows = Notification.objects.filter(recipient=user).select_related("pairing", "actor")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.annotate(
        unread=Case(
            When(read_at__isnull=True, then=Value(1)), default=0, output_field=IntegerField()
        )
    ).order_by("-unread", "-created_at", "-id")


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def get_notification_for(user: Any, notification_id: int) -> Notification:
    """One of the user's own notifications; anyone else's is not found."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFound(_("通知不存在。"))
    return notification


def preferences_of(user: Any) -> dict[tuple[str, str], bool]:
    """(event, channel) → on/off for every event and channel, the defaults filled in."""
    chosen = {(p.event, p.channel): p.enabled for p in Preference.objects.filter(user=user)}
    return {
        (event, channel): chosen.get((event, channel), True)
        for event in Event.values
        for channel in Channel.values
    }


def _webhooks_in_scope(user: Any) -> QuerySet[PairWebhook]:
    return PairWebhook.objects.filter(
        region_scope_q(user, "pairing__leading_region", "pairing__partner_region")
    ).select_related("pairing__leading_region", "pairing__partner_region", "created_by")


def webhooks_of(
    user: Any, pairing_id: int, *, archived: bool | None = False
) -> QuerySet[PairWebhook]:
    """The pair's robots (live ones by default; archived=None for all) if the pair is in scope."""
    rows = _webhooks_in_scope(user).filter(pairing_id=pairing_id)
    if archived is not None:
        rows = rows.filter(archived_at__isnull=not archived)
    return rows.order_by("name", "id")


def get_webhook_for(user: Any, webhook_id: int) -> PairWebhook:
    webhook = _webhooks_in_scope(user).filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound(_("群机器人不存在。"))
    return webhook


def attempts_of(
    webhooks: Iterable[PairWebhook], size: int = LOG_SIZE
) -> dict[int, list[DeliveryAttempt]]:
    """The last `size` sending attempts of each robot, newest first."""
    return {
        webhook.pk: list(
            DeliveryAttempt.objects.filter(delivery__webhook=webhook)
            .select_related("delivery")
            .order_by("-at", "-id")[:size]
        )
        for webhook in webhooks
    }
