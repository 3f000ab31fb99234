"""API shapes of exchanges. Inputs name topics by code and sides by code; outputs say both."""

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from twinning.exchanges.models import Direction, Exchange, ExchangeFile, FollowUp
from twinning.pairings.models import choice_label
from twinning.plans.models import Method

KindCode = Literal[tuple(Method.values)]  # type: ignore[valid-type]
DirectionCode = Literal[tuple(Direction.values)]  # type: ignore[valid-type]
StatusCode = Literal["planned", "held", "cancelled"]
SideCode = Literal["leading", "partner"]
TaskSideCode = Literal["leading", "partner", "joint"]


class DelegateIn(Schema):
    name: str = Field(max_length=50)
    unit: str = Field("", max_length=100)
    position: str = Field("", max_length=100)
    side: SideCode


class DelegateOut(Schema):
    name: str
    unit: str
    position: str
    side: str
    side_label: str

    @staticmethod
    def resolve_side_label(obj: Any) -> str:
        return str(obj.get_side_display())


class FollowUpIn(Schema):
    title: str = Field(max_length=300)
    side: TaskSideCode = "joint"
    due_date: dt.date | None = None
    owner: str | None = Field(None, description="username or full name of a user of the pair")


class FollowUpsIn(Schema):
    tasks: list[FollowUpIn] = Field(min_length=1)


class ExchangeIn(Schema):
    pairing_id: int
    kind: KindCode  # type: ignore[valid-type]
    direction: DirectionCode  # type: ignore[valid-type]
    title: str = Field(max_length=200)
    start_date: dt.date
    end_date: dt.date
    place: str = Field("", max_length=200)
    online: bool | None = Field(None, description="defaults to true when direction is online")
    participant_count: int | None = Field(
        None, ge=0, description="defaults to the number of delegates"
    )
    topics: list[str] = Field(default_factory=list, description="topic codes")
    summary: str = ""
    agreements: str = ""
    materials: str = ""
    status: StatusCode = "planned"
    source: str = Field("", max_length=200)
    delegates: list[DelegateIn] = Field(default_factory=list)
    follow_ups: list[FollowUpIn] = Field(
        default_factory=list, description="tasks added to the pair's working plan"
    )


class ExchangePatchIn(Schema):
    kind: KindCode | None = None  # type: ignore[valid-type]
    direction: DirectionCode | None = None  # type: ignore[valid-type]
    title: str | None = Field(None, max_length=200)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    place: str | None = Field(None, max_length=200)
    online: bool | None = None
    participant_count: int | None = Field(None, ge=0)
    topics: list[str] | None = None
    summary: str | None = None
    agreements: str | None = None
    materials: str | None = None
    status: StatusCode | None = None
    source: str | None = Field(None, max_length=200)
    delegates: list[DelegateIn] | None = Field(None, description="replaces all delegates")
    lock_version: int | None = Field(None, description="refused (409) if stale")


class ExchangeOut(Schema):
    id: int
    pairing_id: int
    pairing: str
    kind: str
    kind_label: str
    direction: str
    direction_label: str
    title: str
    start_date: dt.date
    end_date: dt.date
    place: str
    online: bool
    participant_count: int
    status: str
    status_label: str
    archived: bool
    updated_at: dt.datetime
    lock_version: int

    @staticmethod
    def resolve_pairing(obj: Exchange) -> str:
        return str(obj.pairing)

    @staticmethod
    def resolve_kind_label(obj: Exchange) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_direction_label(obj: Exchange) -> str:
        return obj.get_direction_display()

    @staticmethod
    def resolve_status_label(obj: Exchange) -> str:
        return choice_label(Exchange.Status, obj.status)

    @staticmethod
    def resolve_archived(obj: Exchange) -> bool:
        return obj.is_archived


class FileOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    is_photo: bool
    uploaded_by: str | None
    uploaded_at: dt.datetime
    archived: bool
    download_url: str

    @staticmethod
    def resolve_uploaded_by(obj: ExchangeFile) -> str | None:
        return str(obj.uploaded_by) if obj.uploaded_by_id else None

    @staticmethod
    def resolve_archived(obj: ExchangeFile) -> bool:
        return obj.is_archived

    @staticmethod
    def resolve_download_url(obj: ExchangeFile) -> str:
        return f"/api/v1/exchange-files/{obj.pk}/download"


class FollowUpTaskOut(Schema):
    task_id: int
    plan_id: int
    number: int
    title: str
    side: str
    due_date: dt.date | None
    status: str
    url: str

    @staticmethod
    def resolve_plan_id(obj: FollowUp) -> int:
        return obj.task.plan_id

    @staticmethod
    def resolve_number(obj: FollowUp) -> int:
        return obj.task.number

    @staticmethod
    def resolve_title(obj: FollowUp) -> str:
        return obj.task.title

    @staticmethod
    def resolve_side(obj: FollowUp) -> str:
        return obj.task.side

    @staticmethod
    def resolve_due_date(obj: FollowUp) -> dt.date | None:
        return obj.task.due_date

    @staticmethod
    def resolve_status(obj: FollowUp) -> str:
        return obj.task.status

    @staticmethod
    def resolve_url(obj: FollowUp) -> str:
        return f"/plans/tasks/{obj.task_id}/"


class ExchangeDetailOut(ExchangeOut):
    topics: list[str]
    summary: str
    agreements: str
    materials: str
    source: str
    created_by: str | None
    created_at: dt.datetime
    delegates: list[DelegateOut]
    files: list[FileOut]
    follow_ups: list[FollowUpTaskOut]

    @staticmethod
    def resolve_topics(obj: Exchange) -> list[str]:
        return [t.code for t in obj.topics.all()]

    @staticmethod
    def resolve_created_by(obj: Exchange) -> str | None:
        return str(obj.created_by) if obj.created_by_id else None

    @staticmethod
    def resolve_delegates(obj: Exchange) -> list[Any]:
        return list(obj.delegates.all())

    @staticmethod
    def resolve_files(obj: Exchange) -> list[Any]:
        return list(obj.files.all())

    @staticmethod
    def resolve_follow_ups(obj: Exchange) -> list[Any]:
        return list(obj.follow_ups.all())


class CountOut(Schema):
    code: str
    label: str
    count: int


class PairCountOut(Schema):
    pairing_id: int
    label: str
    count: int
    recent: int = Field(description="exchanges in the last six months")


class ProvinceCountOut(Schema):
    code: str
    name: str
    count: int


class MonthCountOut(Schema):
    month: str
    held: int
    planned: int


class StatsOut(Schema):
    national: bool
    total: int
    held: int
    planned: int
    cancelled: int
    visits: dict[str, int]
    recent_since: dt.date | None
    by_kind: list[CountOut]
    by_direction: list[CountOut]
    by_pair: list[PairCountOut]
    by_province: list[ProvinceCountOut]
    by_month: list[MonthCountOut]


class CalendarDayOut(Schema):
    date: dt.date
    exchange_ids: list[int]


class CalendarOut(Schema):
    month: str
    previous: str
    next: str
    exchanges: list[ExchangeOut]
    days: list[CalendarDayOut]


class FeedOut(Schema):
    url: str
    created_at: dt.datetime
    note: str


class RevokedOut(Schema):
    revoked: int
