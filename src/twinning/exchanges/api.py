"""Exchanges API: thin handlers over exchanges.queries, services and stats."""

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from twinning.exchanges import queries, services
from twinning.exchanges.models import Exchange, ExchangeFile
from twinning.exchanges.schemas import (
    CalendarOut,
    ExchangeDetailOut,
    ExchangeIn,
    ExchangeOut,
    ExchangePatchIn,
    FeedOut,
    FileOut,
    FollowUpsIn,
    FollowUpTaskOut,
    RevokedOut,
    StatsOut,
)
from twinning.exchanges.stats import stats_for

router = Router(tags=["exchanges"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _detail(request: HttpRequest, exchange_id: int) -> Exchange:
    return queries.get_exchange_detail_for(_actor(request), exchange_id)


class ExchangeQuery(Schema):
    pairing: int | None = None
    province: str | None = None
    kind: str | None = None
    direction: str | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    topic: str | None = None
    q: str | None = None
    archived: bool = False
    sort: Literal[
        "date",
        "-date",
        "pair",
        "-pair",
        "kind",
        "-kind",
        "status",
        "-status",
        "participants",
        "-participants",
        "updated",
        "-updated",
    ] = "-date"


@router.get("/exchanges", response=list[ExchangeOut], summary="List exchanges")
@paginate(PageNumberPagination, page_size=50)
def list_exchanges(request: HttpRequest, filters: Query[ExchangeQuery]) -> QuerySet[Exchange]:
    return queries.list_exchanges_for(_actor(request), queries.ExchangeFilters(**filters.dict()))


@router.post(
    "/exchanges",
    response={201: ExchangeDetailOut},
    summary="Record an exchange (with delegates and follow-up tasks)",
)
def create_exchange(request: HttpRequest, payload: ExchangeIn) -> tuple[int, Exchange]:
    data = payload.dict()
    pairing_id = data.pop("pairing_id")
    follow_ups = data.pop("follow_ups")
    values = {
        k: v for k, v in data.items() if not (k in ("online", "participant_count") and v is None)
    }
    exchange = services.create_exchange(
        actor=_actor(request), pairing_id=pairing_id, values=values, follow_ups=follow_ups
    )
    return 201, _detail(request, exchange.pk)


@router.get("/exchanges/stats", response=StatsOut, summary="Exchange statistics in your scope")
def exchange_stats(request: HttpRequest, filters: Query[ExchangeQuery]) -> dict[str, Any]:
    stats = stats_for(_actor(request), queries.ExchangeFilters(**filters.dict()))
    return {
        **stats.__dict__,
        "held": stats.held,
        "planned": stats.planned,
        "cancelled": stats.cancelled,
    }


@router.get("/exchanges/calendar", response=CalendarOut, summary="A month of exchanges")
def exchange_calendar(request: HttpRequest, month: str | None = None) -> dict[str, Any]:
    first = queries.parse_month(month)
    calendar = queries.calendar_month(_actor(request), first)
    days = [
        {"date": day, "exchange_ids": [e.pk for e in items]}
        for week in calendar.weeks
        for day, in_month, items in week
        if in_month and items
    ]
    return {
        "month": f"{calendar.first:%Y-%m}",
        "previous": f"{calendar.previous:%Y-%m}",
        "next": f"{calendar.next:%Y-%m}",
        "exchanges": calendar.exchanges,
        "days": days,
    }


@router.get("/exchanges/{exchange_id}", response=ExchangeDetailOut, summary="Get an exchange")
def get_exchange(request: HttpRequest, exchange_id: int) -> Exchange:
    return _detail(request, exchange_id)


@router.patch(
    "/exchanges/{exchange_id}", response=ExchangeDetailOut, summary="Change the given fields"
)
def update_exchange(request: HttpRequest, exchange_id: int, payload: ExchangePatchIn) -> Exchange:
    values = payload.dict(exclude_unset=True)
    expected = values.pop("lock_version", None)
    services.update_exchange(
        actor=_actor(request), exchange_id=exchange_id, values=values, expected_version=expected
    )
    return _detail(request, exchange_id)


@router.post(
    "/exchanges/{exchange_id}/archive", response=ExchangeDetailOut, summary="Archive an exchange"
)
def archive_exchange(request: HttpRequest, exchange_id: int) -> Exchange:
    services.archive_exchange(actor=_actor(request), exchange_id=exchange_id)
    return _detail(request, exchange_id)


@router.post(
    "/exchanges/{exchange_id}/restore", response=ExchangeDetailOut, summary="Restore an exchange"
)
def restore_exchange(request: HttpRequest, exchange_id: int) -> Exchange:
    services.restore_exchange(actor=_actor(request), exchange_id=exchange_id)
    return _detail(request, exchange_id)


@router.post(
    "/exchanges/{exchange_id}/files",
    response={201: list[FileOut]},
    summary="Upload files or photos (multipart, field `files`, one or more)",
)
def add_files(
    request: HttpRequest, exchange_id: int, files: File[list[UploadedFile]]
) -> tuple[int, list[ExchangeFile]]:
    stored = services.add_files(
        actor=_actor(request),
        exchange_id=exchange_id,
        files=[services.Upload(f, f.name or "file") for f in files],
    )
    return 201, stored


@router.get(
    "/exchange-files/{file_id}/download",
    summary="Download a file of an exchange",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "the file"}}},
)
def download_file(request: HttpRequest, file_id: int) -> FileResponse:
    record = queries.get_file_for(_actor(request), file_id)
    return FileResponse(
        record.file.open("rb"),
        as_attachment=True,
        filename=record.original_name,
        content_type=record.content_type,
    )


@router.post(
    "/exchanges/{exchange_id}/follow-ups",
    response={201: list[FollowUpTaskOut]},
    summary="Add follow-up tasks to the pair's working plan",
)
def add_follow_ups(
    request: HttpRequest, exchange_id: int, payload: FollowUpsIn
) -> tuple[int, list[Any]]:
    tasks = services.add_follow_up_tasks(
        actor=_actor(request),
        exchange_id=exchange_id,
        tasks=[t.dict(exclude_none=True) for t in payload.tasks],
    )
    exchange = _detail(request, exchange_id)
    ids = {t.pk for t in tasks}
    return 201, [link for link in exchange.follow_ups.all() if link.task_id in ids]


@router.post(
    "/me/calendar-feed",
    response={201: FeedOut},
    summary="Create your personal iCal feed URL (shown once; replaces any earlier one)",
)
def create_feed(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    issued = services.create_calendar_feed(actor=_actor(request))
    url = request.build_absolute_uri(reverse("exchanges:feed", kwargs={"token": issued.token}))
    note = _("此地址只显示这一次，请妥善保存；任何持有该地址的人都能看到您的交流活动日历。")
    return 201, {"url": url, "created_at": issued.feed.created_at, "note": note}


@router.post("/me/calendar-feed/revoke", response=RevokedOut, summary="Revoke your iCal feed URL")
def revoke_feed(request: HttpRequest) -> dict[str, int]:
    return {"revoked": services.revoke_calendar_feed(actor=_actor(request))}
