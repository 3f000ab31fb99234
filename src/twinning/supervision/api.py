"""Notices API (督办): thin handlers over supervision.queries and services.

Notices of pairs the caller is not a side of answer 404; notices the caller sees but may not act
on answer 403 (members and experts read; only the Ministry's supervisors issue, close, return and
escalate; only the pair's coordinators acknowledge, plan and report). A transition from a status
that does not allow it answers 409 `invalid_transition`; a stale `lock_version` 409
`stale_version`.
"""

from collections.abc import Callable
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from twinning.core.models import AuditEntry
from twinning.pairings.schemas import AuditOut
from twinning.supervision import queries, services
from twinning.supervision.models import Notice
from twinning.supervision.schemas import (
    NoteIn,
    NoticeCountsOut,
    NoticeDetailOut,
    NoticeIn,
    NoticeOut,
    RectificationIn,
)

router = Router(tags=["notices"])

FILE_HELP = (
    "PDF, DOCX, XLSX, JPG, PNG or TXT, checked by content; a refused file answers 422 "
    "(`unsupported_file_type`, `file_too_large`, `empty_file`) and nothing is stored."
)


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _detail(request: HttpRequest, notice_id: int) -> Notice:
    return queries.notice_for(_actor(request), notice_id)


def _noted(
    request: HttpRequest, notice_id: int, payload: NoteIn, action: Callable[..., Any]
) -> Notice:
    """Run a step that takes a note and the lock version; answer the notice as it is now."""
    action(
        actor=_actor(request),
        notice_id=notice_id,
        note=payload.note,
        lock_version=payload.lock_version,
    )
    return _detail(request, notice_id)


class NoticeQuery(Schema):
    status: Literal["open", "issued", "acknowledged", "rectifying", "reported", "closed"] | None = (
        Field(None, description="A status, or `open` for every status but closed.")
    )
    overdue: bool = Field(False, description="Open notices past their deadline.")
    escalated: bool = Field(False, description="Open notices escalated at least once.")
    pairing: int | None = Field(None, description="A pair's id.")
    province: str | None = Field(None, description="Region code: pairs with a side inside it.")
    q: str | None = Field(None, description="Part of the number or title.")
    archived: bool = Field(False, description="Archived notices instead of live ones.")
    sort: Literal[
        "issued", "-issued", "deadline", "-deadline", "number", "-number",
        "status", "-status", "escalation", "-escalation",
    ] = "-issued"  # fmt: skip


@router.get("/notices", response=list[NoticeOut], summary="List notices you may see")
@paginate(PageNumberPagination, page_size=50)
def list_notices(request: HttpRequest, filters: Query[NoticeQuery]) -> QuerySet[Notice]:
    return queries.notices_for(_actor(request), **filters.dict())


@router.get(
    "/notices/counts", response=NoticeCountsOut, summary="How many notices are open, overdue"
)
def notice_counts(request: HttpRequest) -> dict[str, int]:
    return queries.open_counts(_actor(request))


@router.post(
    "/pairings/{pairing_id}/notices",
    response={201: NoticeDetailOut},
    summary="Issue a notice to a pair (Ministry supervisors)",
    description=(
        "Both sides' coordinators are told. The pair's health reasons at this moment are kept "
        "with the notice (`health_reasons`). Refused with 422: `deadline_not_future`, "
        "`required_actions_required`, `number_taken`, `guidance_date_required`."
    ),
)
def issue_notice(request: HttpRequest, pairing_id: int, payload: NoticeIn) -> tuple[int, Notice]:
    actor = _actor(request)
    values = payload.dict()
    values["number"] = values["number"] or services.suggest_number(timezone.localdate())
    if not (values["reasons"] or "").strip():
        _level, reasons = services.health_snapshot(actor, pairing_id)
        values["reasons"] = services.reasons_text(reasons)
    notice = services.issue_notice(actor=actor, pairing_id=pairing_id, values=values)
    return 201, _detail(request, notice.pk)


@router.get("/notices/{notice_id}", response=NoticeDetailOut, summary="Get a notice")
def get_notice(request: HttpRequest, notice_id: int) -> Notice:
    """With its timeline (`steps`, files included) and its rectification tasks' live status."""
    return _detail(request, notice_id)


@router.post(
    "/notices/{notice_id}/acknowledge",
    response=NoticeDetailOut,
    summary="Acknowledge a notice (the pair's coordinators)",
)
def acknowledge(request: HttpRequest, notice_id: int, payload: NoteIn) -> Notice:
    return _noted(request, notice_id, payload, services.acknowledge)


@router.post(
    "/notices/{notice_id}/rectification",
    response=NoticeDetailOut,
    summary="Submit the rectification plan with tasks (the pair's coordinators)",
    description=(
        "The tasks join the pair's plan in force (409 `no_plan_in_force` when it has none); a task "
        "without a title, a due date in the past or after the plan's end is refused with 422 and "
        "nothing is added."
    ),
)
def submit_rectification(request: HttpRequest, notice_id: int, payload: RectificationIn) -> Notice:
    services.submit_rectification(
        actor=_actor(request),
        notice_id=notice_id,
        text=payload.text,
        tasks=[t.dict(exclude_none=True) for t in payload.tasks],
        lock_version=payload.lock_version,
    )
    return _detail(request, notice_id)


@router.post(
    "/notices/{notice_id}/progress",
    response=NoticeDetailOut,
    summary="Report progress with evidence (multipart: `text`, `files`)",
    description=FILE_HELP,
)
def report_progress(
    request: HttpRequest,
    notice_id: int,
    text: Form[str],
    lock_version: Form[int | None] = None,
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Notice:
    uploads = [services.Upload(stream=f, filename=f.name or "file") for f in files or []]
    services.report_progress(
        actor=_actor(request),
        notice_id=notice_id,
        text=text,
        files=uploads,
        lock_version=lock_version,
    )
    return _detail(request, notice_id)


@router.post(
    "/notices/{notice_id}/close",
    response=NoticeDetailOut,
    summary="Verify the rectification and close the notice (Ministry supervisors)",
)
def close_notice(request: HttpRequest, notice_id: int, payload: NoteIn) -> Notice:
    return _noted(request, notice_id, payload, services.verify_and_close)


@router.post(
    "/notices/{notice_id}/return",
    response=NoticeDetailOut,
    summary="Return for more rectification, with a note (Ministry supervisors)",
)
def return_notice(request: HttpRequest, notice_id: int, payload: NoteIn) -> Notice:
    return _noted(request, notice_id, payload, services.return_for_more)


@router.post(
    "/notices/{notice_id}/escalate",
    response=NoticeDetailOut,
    summary="Escalate an open notice one level (Ministry supervisors)",
)
def escalate_notice(request: HttpRequest, notice_id: int, payload: NoteIn) -> Notice:
    return _noted(request, notice_id, payload, services.escalate)


class ArchiveIn(Schema):
    archived: bool = True


@router.post(
    "/notices/{notice_id}/archive",
    response=NoticeDetailOut,
    summary="Archive (or restore with archived=false) a notice (Ministry supervisors)",
)
def archive_notice(request: HttpRequest, notice_id: int, payload: ArchiveIn) -> Notice:
    services.archive_notice(actor=_actor(request), notice_id=notice_id, archived=payload.archived)
    return _detail(request, notice_id)


@router.get(
    "/notices/{notice_id}/history",
    response=list[AuditOut],
    summary="Recorded changes to a notice, newest first",
)
def notice_history(request: HttpRequest, notice_id: int) -> QuerySet[AuditEntry]:
    return queries.history_of(_actor(request), _detail(request, notice_id))


@router.get(
    "/notices/{notice_id}/files/{file_id}",
    url_name="download_notice_file",
    summary="Download an evidence file",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "the file"}}},
)
def download_notice_file(request: HttpRequest, notice_id: int, file_id: int) -> FileResponse:
    found = queries.file_for(_actor(request), notice_id, file_id)
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type or "application/octet-stream",
    )
