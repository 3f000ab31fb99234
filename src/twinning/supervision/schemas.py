"""API shapes of notices (督办): `…In` for what clients send, `…Out` for what they get.
The schema names are unique across apps (the OpenAPI components are keyed by class name)."""

import datetime as dt
from typing import Any, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from twinning.plans.models import ResponsibleSide
from twinning.supervision.models import Guidance, Notice, NoticeFile, NoticeStep

NoticeStatusCode = Literal[tuple(Notice.Status.values)]  # type: ignore[valid-type]
GuidanceCode = Literal[tuple(Guidance.values)]  # type: ignore[valid-type]
SideCode = Literal[tuple(ResponsibleSide.values)]  # type: ignore[valid-type]

LOCK_VERSION_HELP = "The lock_version you read; a stale one is refused with 409 stale_version."


class NoticeIn(Schema):
    """A new notice. `number` defaults to the next free 建办城督〔year〕n号; `reasons` to the
    pair's current health reasons; `title` to the standard urging title."""

    number: str | None = Field(None, max_length=60)
    title: str | None = Field(None, max_length=200)
    reasons: str | None = None
    required_actions: str
    deadline: dt.date = Field(description="After today.")
    guidance: GuidanceCode = "none"  # type: ignore[valid-type]
    guidance_date: dt.date | None = Field(None, description="Required for meeting/expert_visit.")
    guidance_note: str = ""


class NoteIn(Schema):
    note: str = ""
    lock_version: int | None = Field(None, description=LOCK_VERSION_HELP)


class RectificationTaskIn(Schema):
    title: str
    due_date: dt.date | None = Field(
        None, description="Not before today, not after the plan's end."
    )
    side: SideCode = "joint"  # type: ignore[valid-type]
    owner: str | None = Field(None, description="Username or full name of a user of the pair.")
    deliverable: str | None = None
    evidence_required: bool = False


class RectificationIn(Schema):
    text: str = Field(description="The rectification plan (整改方案).")
    tasks: list[RectificationTaskIn] = Field(
        description="Tasks added to the pair's plan in force, origin 督办 <number>."
    )
    lock_version: int | None = Field(None, description=LOCK_VERSION_HELP)


class NoticeTaskOut(Schema):
    id: int
    number: int
    title: str
    status: str
    status_label: str
    due_date: dt.date | None
    plan_id: int
    overdue: bool

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        from django.utils import timezone

        return bool(
            obj.due_date
            and obj.due_date < timezone.localdate()
            and obj.status not in ("done", "cancelled")
        )


class NoticeFileOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    uploaded_by: str | None
    uploaded_at: dt.datetime
    download_url: str

    @staticmethod
    def resolve_uploaded_by(obj: NoticeFile) -> str | None:
        return str(obj.uploaded_by) if obj.uploaded_by_id else None

    @staticmethod
    def resolve_download_url(obj: NoticeFile) -> str:
        return reverse(
            "api:download_notice_file", kwargs={"notice_id": obj.notice_id, "file_id": obj.pk}
        )


class NoticeStepOut(Schema):
    kind: str
    kind_label: str
    actor: str | None
    at: dt.datetime
    text: str
    task_ids: list[int]
    files: list[NoticeFileOut]

    @staticmethod
    def resolve_kind_label(obj: NoticeStep) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_actor(obj: NoticeStep) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    @staticmethod
    def resolve_text(obj: NoticeStep) -> str:
        return obj.text_display

    @staticmethod
    def resolve_task_ids(obj: NoticeStep) -> list[int]:
        return [t.pk for t in obj.tasks.all()]

    @staticmethod
    def resolve_files(obj: NoticeStep) -> list[NoticeFile]:
        return list(obj.files.all())


class NoticeOut(Schema):
    id: int
    number: str
    title: str
    pairing_id: int
    pairing: str
    status: str
    status_label: str
    deadline: dt.date
    overdue: bool
    escalation_level: int
    guidance: str
    issued_by: str | None
    issued_at: dt.datetime
    closed_at: dt.datetime | None
    archived: bool
    lock_version: int

    @staticmethod
    def resolve_pairing(obj: Notice) -> str:
        return str(obj.pairing)

    @staticmethod
    def resolve_status_label(obj: Notice) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_overdue(obj: Notice) -> bool:
        return obj.is_overdue

    @staticmethod
    def resolve_issued_by(obj: Notice) -> str | None:
        return str(obj.issued_by) if obj.issued_by_id else None

    @staticmethod
    def resolve_archived(obj: Notice) -> bool:
        return obj.is_archived


class NoticeDetailOut(NoticeOut):
    reasons: str
    health_level: str
    health_reasons: list[dict[str, Any]]
    required_actions: str
    guidance_date: dt.date | None
    guidance_note: str
    acknowledged_at: dt.datetime | None
    reported_at: dt.datetime | None
    steps: list[NoticeStepOut]
    tasks: list[NoticeTaskOut]

    @staticmethod
    def resolve_steps(obj: Notice) -> list[NoticeStep]:
        from twinning.supervision.queries import steps_of

        return steps_of(obj)

    @staticmethod
    def resolve_tasks(obj: Notice) -> list[Any]:
        from twinning.supervision.queries import tasks_of

        return tasks_of(obj)


class NoticeCountsOut(Schema):
    open: int
    overdue: int
    escalated: int
