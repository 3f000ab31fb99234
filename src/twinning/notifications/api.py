"""Notifications API: the caller's own inbox and preferences, and the pairs' group robots."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from twinning.notifications import queries, services
from twinning.notifications.events import Event
from twinning.notifications.models import Channel, Delivery, DeliveryAttempt, Notification
from twinning.notifications.schemas import (
    DeliveryOut,
    NotificationOut,
    PreferenceOut,
    PreferenceRow,
    ReadAllOut,
    WebhookIn,
    WebhookOut,
    WebhookPatchIn,
)
from twinning.pairings.models import choice_label
from twinning.pairings.queries import get_pairing_for

router = Router(tags=["notifications"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# ---------------------------------------------------------------- inbox


class InboxQuery(Schema):
    unread: bool = False


@router.get(
    "/notifications", response=list[NotificationOut], summary="My notifications, unread first"
)
@paginate(PageNumberPagination, page_size=50)
def list_notifications(request: HttpRequest, filters: Query[InboxQuery]) -> QuerySet[Notification]:
    return queries.inbox_of(_actor(request), unread_only=filters.unread)


@router.post("/notifications/read-all", response=ReadAllOut, summary="Mark all mine read")
def read_all(request: HttpRequest) -> dict[str, int]:
    return {"marked": services.mark_all_read(actor=_actor(request))}


@router.post(
    "/notifications/{notification_id}/read", response=NotificationOut, summary="Mark one read"
)
def read_one(request: HttpRequest, notification_id: int) -> Notification:
    return services.mark_read(actor=_actor(request), notification_id=notification_id)


def _preferences(actor: Any) -> list[dict[str, Any]]:
    return [
        {
            "event": event,
            "channel": channel,
            "enabled": enabled,
            "event_label": choice_label(Event, event),
            "channel_label": choice_label(Channel, channel),
        }
        for (event, channel), enabled in queries.preferences_of(actor).items()
    ]


@router.get(
    "/notifications/preferences",
    response=list[PreferenceOut],
    summary="My channels per event (every one on unless switched off)",
)
def get_preferences(request: HttpRequest) -> list[dict[str, Any]]:
    return _preferences(_actor(request))


@router.put(
    "/notifications/preferences",
    response=list[PreferenceOut],
    summary="Switch channels on or off (rows not sent stay as they are)",
)
def put_preferences(request: HttpRequest, payload: list[PreferenceRow]) -> list[dict[str, Any]]:
    actor = _actor(request)
    services.set_preferences(
        actor=actor, choices={(row.event, row.channel): row.enabled for row in payload}
    )
    return _preferences(actor)


# ---------------------------------------------------------------- group robots


class WebhookQuery(Schema):
    archived: bool = False


@router.get(
    "/pairings/{pairing_id}/webhooks", response=list[WebhookOut], summary="A pair's group robots"
)
def list_webhooks(request: HttpRequest, pairing_id: int, filters: Query[WebhookQuery]) -> Any:
    actor = _actor(request)
    pairing = get_pairing_for(actor, pairing_id)
    return queries.webhooks_of(actor, pairing.pk, archived=filters.archived)


@router.post(
    "/pairings/{pairing_id}/webhooks",
    response={201: WebhookOut},
    summary="Add a group robot (a test message must get through first)",
)
def create_webhook(request: HttpRequest, pairing_id: int, payload: WebhookIn) -> Any:
    return 201, services.create_webhook(
        actor=_actor(request), pairing_id=pairing_id, **payload.dict()
    )


@router.patch("/webhooks/{webhook_id}", response=WebhookOut, summary="Edit a group robot")
def update_webhook(request: HttpRequest, webhook_id: int, payload: WebhookPatchIn) -> Any:
    return services.update_webhook(
        actor=_actor(request), webhook_id=webhook_id, values=payload.dict(exclude_unset=True)
    )


@router.post("/webhooks/{webhook_id}/archive", response=WebhookOut, summary="Archive a robot")
def archive_webhook(request: HttpRequest, webhook_id: int) -> Any:
    return services.archive_webhook(actor=_actor(request), webhook_id=webhook_id)


@router.post("/webhooks/{webhook_id}/restore", response=WebhookOut, summary="Restore a robot")
def restore_webhook(request: HttpRequest, webhook_id: int) -> Any:
    return services.archive_webhook(actor=_actor(request), webhook_id=webhook_id, archived=False)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response=list[DeliveryOut],
    summary="A robot's messages, newest first, with every sending attempt",
)
@paginate(PageNumberPagination, page_size=50)
def webhook_deliveries(request: HttpRequest, webhook_id: int) -> QuerySet[Delivery]:
    webhook = queries.get_webhook_for(_actor(request), webhook_id)
    attempts = DeliveryAttempt.objects.order_by("-at", "-id")
    return (
        Delivery.objects.filter(webhook=webhook)
        .order_by("-created_at", "-id")
        .prefetch_related(Prefetch("attempt_log", queryset=attempts))
    )
