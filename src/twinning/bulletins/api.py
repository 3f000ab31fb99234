"""Bulletins API: thin handlers over bulletins.queries, services and export.

Bulletins a caller may not see answer 404; ones the caller sees but may not change answer 403
(members and experts read only). Released bulletins are frozen (409 `bulletin_released`); a
change based on an older revision answers 409 `stale_version`.
"""

from collections.abc import Callable
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from twinning.bulletins import export, queries, services
from twinning.bulletins.models import Bulletin
from twinning.bulletins.schemas import (
    BulletinDetailOut,
    BulletinIn,
    BulletinOut,
    LockIn,
    RefreshIn,
    ScopeCode,
    SectionsIn,
    StatusCode,
)
from twinning.core.errors import Conflict
from twinning.core.models import AuditEntry
from twinning.pairings.schemas import AuditOut

router = Router(tags=["bulletins"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _bulletin(request: HttpRequest, bulletin_id: int) -> Bulletin:
    return queries.get_bulletin(_actor(request), bulletin_id)


def _changed(
    request: HttpRequest, bulletin_id: int, action: Callable[..., Any], **values: Any
) -> Bulletin:
    """Run a service on a bulletin the caller may see (404 otherwise); answer it as it is now."""
    action(actor=_actor(request), bulletin=_bulletin(request, bulletin_id), **values)
    return _bulletin(request, bulletin_id)


class BulletinQuery(Schema):
    scope: ScopeCode | None = None
    status: StatusCode | None = None
    period: str | None = Field(None, description="A period code or its start, e.g. 2021.")
    q: str | None = Field(None, description="Part of the title.")
    archived: bool = Field(False, description="Archived bulletins instead of live ones.")
    sort: Literal["period", "-period", "created", "-created", "title", "-title"] = "-period"


class ExportQuery(Schema):
    format: Literal["docx", "pdf", "xlsx"] = Field(
        "docx",
        description="docx: the bulletin in official layout with its charts; pdf: the same as PDF "
        "(409 `pdf_unavailable` without LibreOffice); xlsx: its tables and every record each "
        "number counts (明细).",
    )


@router.get("/bulletins", response=list[BulletinOut], summary="List bulletins you may see")
@paginate(PageNumberPagination, page_size=50)
def list_bulletins(request: HttpRequest, filters: Query[BulletinQuery]) -> QuerySet[Bulletin]:
    return queries.list_bulletins(_actor(request), queries.BulletinFilters(**filters.dict()))


@router.post(
    "/bulletins",
    response={201: BulletinDetailOut},
    summary="Draft a bulletin: count the period's figures for a scope and draft its text",
)
def draft_bulletin(request: HttpRequest, payload: BulletinIn) -> tuple[int, Bulletin]:
    bulletin = services.draft(
        actor=_actor(request),
        scope=payload.scope,
        region=payload.region,
        pairing=payload.pairing,
        period_code=payload.period,
        number=payload.number,
        title=payload.title,
    )
    return 201, _bulletin(request, bulletin.pk)


@router.get("/bulletins/{bulletin_id}", response=BulletinDetailOut, summary="Get a bulletin")
def get_bulletin(request: HttpRequest, bulletin_id: int) -> Bulletin:
    return _bulletin(request, bulletin_id)


@router.patch(
    "/bulletins/{bulletin_id}",
    response=BulletinDetailOut,
    summary="Edit a draft's sections (by key), number or title",
)
def update_bulletin(request: HttpRequest, bulletin_id: int, payload: SectionsIn) -> Bulletin:
    return _changed(
        request,
        bulletin_id,
        services.update_sections,
        sections=payload.sections,
        number=payload.number,
        title=payload.title,
        lock_version=payload.lock_version,
    )


@router.post(
    "/bulletins/{bulletin_id}/refresh",
    response=BulletinDetailOut,
    summary="Recount a draft's figures from the records as they are now",
)
def refresh_bulletin(request: HttpRequest, bulletin_id: int, payload: RefreshIn) -> Bulletin:
    return _changed(
        request,
        bulletin_id,
        services.refresh_figures,
        redraft=payload.redraft,
        lock_version=payload.lock_version,
    )


@router.post(
    "/bulletins/{bulletin_id}/release",
    response=BulletinDetailOut,
    summary="Release (印发) a draft: it is frozen and its readers are told",
)
def release_bulletin(request: HttpRequest, bulletin_id: int, payload: LockIn) -> Bulletin:
    return _changed(
        request,
        bulletin_id,
        services.release,
        lock_version=payload.lock_version,
    )


@router.post(
    "/bulletins/{bulletin_id}/archive", response=BulletinDetailOut, summary="Archive a bulletin"
)
def archive_bulletin(request: HttpRequest, bulletin_id: int) -> Bulletin:
    return _changed(request, bulletin_id, services.archive)


@router.post(
    "/bulletins/{bulletin_id}/restore", response=BulletinDetailOut, summary="Restore a bulletin"
)
def restore_bulletin(request: HttpRequest, bulletin_id: int) -> Bulletin:
    return _changed(request, bulletin_id, services.restore)


@router.get(
    "/bulletins/{bulletin_id}/export",
    summary="Export a bulletin: docx, pdf or xlsx",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "the file"}}},
)
def export_bulletin(
    request: HttpRequest, bulletin_id: int, params: Query[ExportQuery]
) -> HttpResponse:
    bulletin = _bulletin(request, bulletin_id)
    data = export.export(bulletin, params.format)
    if data is None:
        raise Conflict(
            _("无法导出 PDF：服务器未安装 LibreOffice 或转换失败，请导出 Word 文档（.docx）。"),
            code="pdf_unavailable",
        )
    response = HttpResponse(data, content_type=export.CONTENT_TYPES[params.format])
    response["Content-Disposition"] = content_disposition_header(
        True, export.filename(bulletin, params.format)
    )
    return response


@router.get(
    "/bulletins/{bulletin_id}/history",
    response=list[AuditOut],
    summary="Changes to a bulletin, newest first",
)
def bulletin_history(request: HttpRequest, bulletin_id: int) -> QuerySet[AuditEntry]:
    return queries.history_of(_actor(request), _bulletin(request, bulletin_id))
