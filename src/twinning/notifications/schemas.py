"""API shapes of notifications. Robot secrets and access keys are only ever returned masked."""

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from twinning.notifications.events import Event
from twinning.notifications.models import (
    Delivery,
    DeliveryAttempt,
    Notification,
    PairWebhook,
)
from twinning.pairings.models import choice_label

# Spelled out for the type checker; a test keeps them equal to Event.values and Channel.values.
EventCode = Literal[
    "exchange_new",
    "problem_new",
    "problem_assigned",
    "answer_new",
    "answer_accepted",
    "reminder",
    "escalation",
    "report_due",
    "report_missing",
    "health_red",
    "notice_issued",
    "notice_updated",
    "notice_due",
    "notice_overdue",
    "notice_escalated",
    "evaluation_opened",
    "evaluation_published",
    "appeal_decided",
    "bulletin_released",
]
ChannelCode = Literal["in_app", "email"]
KindCode = Literal["wecom", "dingtalk"]


class NotificationOut(Schema):
    id: int
    event: str
    event_label: str
    title: str
    body: str
    url: str
    pairing_id: int | None
    actor: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None
    unread: bool

    @staticmethod
    def resolve_event_label(obj: Notification) -> str:
        return choice_label(Event, obj.event)

    @staticmethod
    def resolve_actor(obj: Notification) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    @staticmethod
    def resolve_unread(obj: Notification) -> bool:
        return obj.read_at is None


class ReadAllOut(Schema):
    marked: int


class PreferenceRow(Schema):
    event: EventCode
    channel: ChannelCode
    enabled: bool


class PreferenceOut(PreferenceRow):
    event_label: str
    channel_label: str


class WebhookOut(Schema):
    id: int
    pairing_id: int
    kind: str
    kind_label: str
    name: str
    url: str = Field(description="The address with its access key masked")
    secret: str = Field(description="The signing secret masked (empty if none)")
    events: list[str]
    created_by: str | None
    created_at: dt.datetime
    archived: bool

    @staticmethod
    def resolve_kind_label(obj: PairWebhook) -> str:
        return choice_label(PairWebhook.Kind, obj.kind)

    @staticmethod
    def resolve_url(obj: PairWebhook) -> str:
        return obj.url_masked

    @staticmethod
    def resolve_secret(obj: PairWebhook) -> str:
        return obj.secret_masked

    @staticmethod
    def resolve_created_by(obj: PairWebhook) -> str | None:
        return str(obj.created_by) if obj.created_by_id else None

    @staticmethod
    def resolve_archived(obj: PairWebhook) -> bool:
        return obj.is_archived


class WebhookIn(Schema):
    kind: KindCode
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=500)
    secret: str = Field(default="", max_length=200)
    events: list[EventCode] = Field(default_factory=list, description="Empty: every event")


class WebhookPatchIn(Schema):
    kind: KindCode | None = None
    name: str | None = Field(default=None, min_length=1, max_length=100)
    url: str | None = Field(default=None, max_length=500)
    secret: str | None = Field(default=None, max_length=200, description='"" clears it')
    events: list[EventCode] | None = None


class AttemptOut(Schema):
    at: dt.datetime
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    channel: str
    subject: str
    status: str
    status_label: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_status_label(obj: Delivery) -> str:
        return choice_label(Delivery.Status, obj.status)

    @staticmethod
    def resolve_attempt_log(obj: Delivery) -> list[DeliveryAttempt]:
        return list(obj.attempt_log.all())
