"""Knowledge base API: thin handlers over knowledge.queries, services and compile.

Documents, model cases and compilations a caller may not see answer 404; ones the caller sees
but may not change answer 403 (experts only read). Every change takes the `lock_version` the
client read and answers 409 `stale_version` when someone else changed the record meanwhile.
"""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from twinning.core.errors import Conflict, NotFound
from twinning.core.models import AuditEntry
from twinning.knowledge import compile as compiling
from twinning.knowledge import queries, services
from twinning.knowledge.models import (
    CaseAdoption,
    Compilation,
    Document,
    DocumentVersion,
    ModelCase,
)
from twinning.knowledge.schemas import (
    AdoptionIn,
    AdoptionOut,
    CaseDetailOut,
    CaseIn,
    CaseOut,
    CasePatchIn,
    CaseProposeIn,
    CaseReviewIn,
    CaseStatusCode,
    CompilationDetailOut,
    CompilationDocumentsIn,
    CompilationIn,
    CompilationOut,
    CompilationPatchIn,
    DocumentDetailOut,
    DocumentIn,
    DocumentKindCode,
    DocumentOut,
    DocumentPatchIn,
    DocumentTextOut,
    DocumentVersionOut,
    TextStatusCode,
    VisibilityCode,
)
from twinning.pairings.schemas import AuditOut

router = Router(tags=["knowledge"])

FILE_HELP = (
    "PDF, DOCX, XLSX, TXT or Markdown (text is extracted in the background), JPG or PNG "
    "(attachments). The kind is found from the content and must match the name's extension; "
    "refused with 422 and nothing stored: `empty_file`, `file_too_large`, "
    "`unsupported_file_type`, `content_mismatch`, `encrypted_pdf`, `corrupt_file`, "
    "`archive_too_large`."
)
ARCHIVED_HELP = "Archived records instead of live ones."


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _sent(payload: Schema) -> dict[str, Any]:
    """PATCH semantics: the fields the client sent, and only those."""
    return payload.dict(exclude_unset=True)


def _sent_with_lock(payload: Schema) -> tuple[int | None, dict[str, Any]]:
    """The `lock_version` the client read, and the other fields it sent."""
    values = _sent(payload)
    return values.pop("lock_version"), values


# ---------------------------------------------------------------- documents


class DocumentQuery(Schema):
    q: str | None = Field(None, description="Part of the title, number or issuing body.")
    kind: DocumentKindCode | None = None  # type: ignore[valid-type]
    topic: str | None = Field(None, description="Topic code.")
    region: str | None = Field(None, description="Region code: that region and those inside it.")
    year: int | None = Field(None, description="Year of issue.")
    visibility: VisibilityCode | None = None  # type: ignore[valid-type]
    text_status: TextStatusCode | None = None  # type: ignore[valid-type]
    archived: bool = Field(False, description=ARCHIVED_HELP)
    sort: Literal[
        "issued", "-issued", "title", "-title", "kind", "-kind",
        "created", "-created", "updated", "-updated",
    ] = "-issued"  # fmt: skip


def _document(request: HttpRequest, document_id: int) -> Document:
    return queries.get_document(_actor(request), document_id)


@router.get("/documents", response=list[DocumentOut], summary="List documents you may see")
@paginate(PageNumberPagination, page_size=50)
def list_documents(request: HttpRequest, filters: Query[DocumentQuery]) -> QuerySet[Document]:
    return queries.list_documents(_actor(request), queries.DocumentFilters(**filters.dict()))


@router.post(
    "/documents",
    response={201: DocumentDetailOut},
    summary="Upload a document (multipart: `file` and the metadata fields)",
    description=(
        "Creates the document and its version 1; the title defaults to the file name and the "
        "region to yours. Visibility `pair` needs `pairing` (a pair you are a side of); "
        f"`ministry` is the Ministry's only. {FILE_HELP}"
    ),
)
def create_document(
    request: HttpRequest, file: File[UploadedFile], metadata: Form[DocumentIn]
) -> tuple[int, Document]:
    document = services.create_document(
        actor=_actor(request), file=file, name=file.name or "", **metadata.dict()
    )
    return 201, _document(request, document.pk)


@router.get("/documents/{document_id}", response=DocumentDetailOut, summary="Get a document")
def get_document(request: HttpRequest, document_id: int) -> Document:
    return _document(request, document_id)


@router.patch(
    "/documents/{document_id}", response=DocumentDetailOut, summary="Edit a document's metadata"
)
def update_document(request: HttpRequest, document_id: int, payload: DocumentPatchIn) -> Document:
    """Only the fields sent change. A stale `lock_version` is refused with 409."""
    lock_version, values = _sent_with_lock(payload)
    services.update_document(
        actor=_actor(request),
        document=_document(request, document_id),
        lock_version=lock_version,
        **values,
    )
    return _document(request, document_id)


@router.get(
    "/documents/{document_id}/versions",
    response=list[DocumentVersionOut],
    summary="A document's versions, newest first",
)
def list_versions(request: HttpRequest, document_id: int) -> list[DocumentVersion]:
    return queries.versions_of(_document(request, document_id))


@router.post(
    "/documents/{document_id}/versions",
    response={201: DocumentVersionOut},
    summary="Upload a new version (multipart: `file`, optional `note`); old ones are kept",
    description=FILE_HELP,
)
def add_version(
    request: HttpRequest,
    document_id: int,
    file: File[UploadedFile],
    note: Form[str] = "",
) -> tuple[int, DocumentVersion]:
    version = services.add_version(
        actor=_actor(request),
        document=_document(request, document_id),
        file=file,
        name=file.name or "file",
        note=note,
    )
    return 201, queries.get_version(_actor(request), document_id, version.number)


@router.get(
    "/documents/{document_id}/versions/{number}/file",
    summary="Download a version's file (as uploaded)",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "the file"}}},
)
def download_version(request: HttpRequest, document_id: int, number: int) -> FileResponse:
    version = queries.get_version(_actor(request), document_id, number)
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type or "application/octet-stream",
    )


@router.get(
    "/documents/{document_id}/text",
    response=DocumentTextOut,
    summary="The text extracted from a version (default: the newest)",
)
def document_text(
    request: HttpRequest, document_id: int, version: int | None = None
) -> dict[str, Any]:
    """`text_status` says whether the text is still being read (`pending`), was read (`done`),
    none was found (`empty`, e.g. a scan), reading failed (`failed`, with `text_error`), or
    the file is an image (`not_text`)."""
    found = queries.get_version(_actor(request), document_id, version)
    return {
        "document_id": document_id,
        "version": found.number,
        "text_status": found.text_status,
        "text_status_label": found.get_text_status_display(),
        "text_error": found.text_error,
        "pages": found.pages,
        "text": found.text,
    }


@router.post(
    "/documents/{document_id}/archive", response=DocumentDetailOut, summary="Archive a document"
)
def archive_document(request: HttpRequest, document_id: int) -> Document:
    """Archived documents leave the lists and the search; they are kept and can be restored."""
    services.archive_document(actor=_actor(request), document=_document(request, document_id))
    return _document(request, document_id)


@router.post(
    "/documents/{document_id}/restore", response=DocumentDetailOut, summary="Restore a document"
)
def restore_document(request: HttpRequest, document_id: int) -> Document:
    services.restore_document(actor=_actor(request), document=_document(request, document_id))
    return _document(request, document_id)


@router.get(
    "/documents/{document_id}/history",
    response=list[AuditOut],
    summary="Changes to a document and its versions, newest first",
)
def document_history(request: HttpRequest, document_id: int) -> list[AuditEntry]:
    return queries.history_of(_actor(request), _document(request, document_id))


# ---------------------------------------------------------------- model cases


class CaseQuery(Schema):
    q: str | None = Field(None, description="Part of the title or the problem.")
    status: CaseStatusCode | None = None  # type: ignore[valid-type]
    topic: str | None = Field(None, description="Topic code.")
    region: str | None = Field(None, description="Region code: that region and those inside it.")
    year: int | None = Field(None, description="Year the case was written.")
    visibility: VisibilityCode | None = None  # type: ignore[valid-type]
    archived: bool = Field(False, description=ARCHIVED_HELP)
    sort: Literal[
        "created", "-created", "title", "-title", "status", "-status",
        "updated", "-updated", "reviewed", "-reviewed",
    ] = "-created"  # fmt: skip


def _case(request: HttpRequest, case_id: int) -> ModelCase:
    return queries.get_case(_actor(request), case_id)


@router.get("/cases", response=list[CaseOut], summary="List model cases you may see")
@paginate(PageNumberPagination, page_size=50)
def list_cases(request: HttpRequest, filters: Query[CaseQuery]) -> QuerySet[ModelCase]:
    return queries.list_cases(_actor(request), queries.CaseFilters(**filters.dict()))


@router.post(
    "/cases",
    response={201: CaseDetailOut},
    summary="Write a model case (a draft, by contributors of its region)",
)
def create_case(request: HttpRequest, payload: CaseIn) -> tuple[int, ModelCase]:
    case = services.create_case(actor=_actor(request), **payload.dict())
    return 201, _case(request, case.pk)


@router.post(
    "/cases/propose",
    response={201: CaseDetailOut},
    summary="Propose a model case from a good result (a draft, prefilled from it)",
)
def propose_case(request: HttpRequest, payload: CaseProposeIn) -> tuple[int, ModelCase]:
    """A closed notice, a target met before its due date or a scored assessment of a published
    round. 404 when the source is not one you see; 403 unless you are a coordinator of a region
    concerned or the Ministry; 422 `unknown_origin`, `notice_not_closed`, `target_not_achieved`,
    `evaluation_not_published`, or a field the draft still needs (e.g. `approach`); 409
    `already_proposed` when a live case was already proposed from it. `values` replace the
    prefilled fields."""
    case = services.propose_case(
        actor=_actor(request),
        origin_kind=payload.origin_kind,
        origin_id=payload.origin_id,
        values=payload.values.dict(exclude_none=True) if payload.values else {},
    )
    return 201, _case(request, case.pk)


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="Get a model case")
def get_case(request: HttpRequest, case_id: int) -> ModelCase:
    return _case(request, case_id)


@router.patch(
    "/cases/{case_id}",
    response=CaseDetailOut,
    summary="Edit a draft or returned case (its region's contributors)",
)
def update_case(request: HttpRequest, case_id: int, payload: CasePatchIn) -> ModelCase:
    """Only the fields sent change. A stale `lock_version` is refused with 409."""
    lock_version, values = _sent_with_lock(payload)
    services.update_case(
        actor=_actor(request), case=_case(request, case_id), lock_version=lock_version, **values
    )
    return _case(request, case_id)


@router.post(
    "/cases/{case_id}/nominate",
    response=CaseDetailOut,
    summary="Nominate a case to the Ministry (a coordinator of its region)",
)
def nominate_case(request: HttpRequest, case_id: int) -> ModelCase:
    services.nominate_case(actor=_actor(request), case=_case(request, case_id))
    return _case(request, case_id)


@router.post(
    "/cases/{case_id}/promote",
    response=CaseDetailOut,
    summary="Promote a nominated case (the Ministry); it is featured on the overview",
)
def promote_case(request: HttpRequest, case_id: int, payload: CaseReviewIn) -> ModelCase:
    services.promote_case(
        actor=_actor(request),
        case=_case(request, case_id),
        note=payload.note,
        lock_version=payload.lock_version,
    )
    return _case(request, case_id)


@router.post(
    "/cases/{case_id}/return",
    response=CaseDetailOut,
    summary="Return a nominated case with a note (the Ministry); it can be edited again",
)
def return_case(request: HttpRequest, case_id: int, payload: CaseReviewIn) -> ModelCase:
    services.return_case(
        actor=_actor(request),
        case=_case(request, case_id),
        note=payload.note,
        lock_version=payload.lock_version,
    )
    return _case(request, case_id)


@router.post("/cases/{case_id}/archive", response=CaseDetailOut, summary="Archive a model case")
def archive_case(request: HttpRequest, case_id: int) -> ModelCase:
    services.archive_case(actor=_actor(request), case=_case(request, case_id))
    return _case(request, case_id)


@router.post("/cases/{case_id}/restore", response=CaseDetailOut, summary="Restore a model case")
def restore_case(request: HttpRequest, case_id: int) -> ModelCase:
    services.restore_case(actor=_actor(request), case=_case(request, case_id))
    return _case(request, case_id)


@router.get(
    "/cases/{case_id}/history",
    response=list[AuditOut],
    summary="Changes to a case and its adoptions, newest first",
)
def case_history(request: HttpRequest, case_id: int) -> list[AuditEntry]:
    return queries.history_of(_actor(request), _case(request, case_id))


@router.get(
    "/cases/{case_id}/adoptions",
    response=list[AdoptionOut],
    summary="Regions that reused a case (\u201cadopted by\u201d)",
)
def list_adoptions(
    request: HttpRequest, case_id: int, withdrawn: bool = False
) -> list[CaseAdoption]:
    """Live adoptions; with `withdrawn`, withdrawn ones too."""
    return queries.adoptions_of(_case(request, case_id), include_withdrawn=withdrawn)


@router.post(
    "/cases/{case_id}/adoptions",
    response={201: AdoptionOut},
    summary="Record that a region reused a case (that region's contributors)",
)
def create_adoption(
    request: HttpRequest, case_id: int, payload: AdoptionIn
) -> tuple[int, CaseAdoption]:
    """One live adoption per case and region (409 otherwise)."""
    adoption = services.record_adoption(
        actor=_actor(request),
        case=_case(request, case_id),
        region=payload.region,
        note=payload.note,
        adopted_on=payload.adopted_on,
    )
    return 201, queries.get_adoption(_actor(request), adoption.pk)


@router.post(
    "/cases/{case_id}/adoptions/{adoption_id}/withdraw",
    response=AdoptionOut,
    summary="Withdraw an adoption (kept, marked withdrawn)",
)
def withdraw_adoption(request: HttpRequest, case_id: int, adoption_id: int) -> CaseAdoption:
    adoption = _adoption(request, case_id, adoption_id)
    services.withdraw_adoption(actor=_actor(request), adoption=adoption)
    return queries.get_adoption(_actor(request), adoption_id)


def _adoption(request: HttpRequest, case_id: int, adoption_id: int) -> CaseAdoption:
    adoption = queries.get_adoption(_actor(request), adoption_id)
    if adoption.case_id != case_id:
        raise NotFound(_("借鉴记录不存在，或您无权查看。"))
    return adoption


# ---------------------------------------------------------------- compilations


class CompilationQuery(Schema):
    q: str | None = Field(None, description="Part of the title.")
    region: str | None = Field(None, description="Region code: that region and those inside it.")
    visibility: VisibilityCode | None = None  # type: ignore[valid-type]
    archived: bool = Field(False, description=ARCHIVED_HELP)
    sort: Literal[
        "created", "-created", "title", "-title", "updated", "-updated"
    ] = "-created"  # fmt: skip


class ExportQuery(Schema):
    format: Literal["docx", "pdf", "zip"] = Field(
        "docx",
        description="docx: one Word file with a table of contents and every document's text; "
        "pdf: the same as PDF (409 `pdf_unavailable` when the server has no LibreOffice or "
        "the conversion fails); "
        "zip: the original files, numbered.",
    )


def _compilation(request: HttpRequest, compilation_id: int) -> Compilation:
    return queries.get_compilation(_actor(request), compilation_id)


@router.get("/compilations", response=list[CompilationOut], summary="List compilations you may see")
@paginate(PageNumberPagination, page_size=50)
def list_compilations(
    request: HttpRequest, filters: Query[CompilationQuery]
) -> QuerySet[Compilation]:
    return queries.list_compilations(_actor(request), queries.CompilationFilters(**filters.dict()))


@router.post(
    "/compilations",
    response={201: CompilationDetailOut},
    summary="Make a compilation: a title, a preface and an ordered selection of documents",
)
def create_compilation(request: HttpRequest, payload: CompilationIn) -> tuple[int, Compilation]:
    values = payload.dict()
    values["document_ids"] = values.pop("documents")
    compilation = services.create_compilation(actor=_actor(request), **values)
    return 201, _compilation(request, compilation.pk)


@router.get(
    "/compilations/{compilation_id}", response=CompilationDetailOut, summary="Get a compilation"
)
def get_compilation(request: HttpRequest, compilation_id: int) -> Compilation:
    return _compilation(request, compilation_id)


@router.patch(
    "/compilations/{compilation_id}",
    response=CompilationDetailOut,
    summary="Edit a compilation's title, preface, region or visibility",
)
def update_compilation(
    request: HttpRequest, compilation_id: int, payload: CompilationPatchIn
) -> Compilation:
    lock_version, values = _sent_with_lock(payload)
    services.update_compilation(
        actor=_actor(request),
        compilation=_compilation(request, compilation_id),
        lock_version=lock_version,
        **values,
    )
    return _compilation(request, compilation_id)


@router.put(
    "/compilations/{compilation_id}/documents",
    response=CompilationDetailOut,
    summary="Set a compilation's documents, in order",
)
def set_compilation_documents(
    request: HttpRequest, compilation_id: int, payload: CompilationDocumentsIn
) -> Compilation:
    """Every document must be one you may see and live (422 otherwise)."""
    services.set_compilation_documents(
        actor=_actor(request),
        compilation=_compilation(request, compilation_id),
        document_ids=payload.documents,
        lock_version=payload.lock_version,
    )
    return _compilation(request, compilation_id)


@router.get(
    "/compilations/{compilation_id}/export",
    summary="Export a compilation: docx, pdf or a zip of the originals",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "the file"}}},
)
def export_compilation(
    request: HttpRequest, compilation_id: int, params: Query[ExportQuery]
) -> HttpResponse:
    actor = _actor(request)
    compilation = _compilation(request, compilation_id)
    data: bytes | None
    if params.format == "docx":
        data = compiling.compilation_docx(compilation, actor)
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elif params.format == "pdf":
        data = compiling.compilation_pdf(compilation, actor)
        if data is None:
            raise Conflict(
                _("无法导出 PDF：服务器未安装 LibreOffice 或转换失败，请导出 Word 文档（.docx）。"),
                code="pdf_unavailable",
            )
        content_type = "application/pdf"
    else:
        data = compiling.compilation_zip(compilation, actor)
        content_type = "application/zip"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, compiling.export_filename(compilation, params.format)
    )
    return response


@router.post(
    "/compilations/{compilation_id}/archive",
    response=CompilationDetailOut,
    summary="Archive a compilation",
)
def archive_compilation(request: HttpRequest, compilation_id: int) -> Compilation:
    services.archive_compilation(
        actor=_actor(request), compilation=_compilation(request, compilation_id)
    )
    return _compilation(request, compilation_id)


@router.post(
    "/compilations/{compilation_id}/restore",
    response=CompilationDetailOut,
    summary="Restore a compilation",
)
def restore_compilation(request: HttpRequest, compilation_id: int) -> Compilation:
    services.restore_compilation(
        actor=_actor(request), compilation=_compilation(request, compilation_id)
    )
    return _compilation(request, compilation_id)


@router.get(
    "/compilations/{compilation_id}/history",
    response=list[AuditOut],
    summary="Changes to a compilation, newest first",
)
def compilation_history(request: HttpRequest, compilation_id: int) -> list[AuditEntry]:
    return queries.history_of(_actor(request), _compilation(request, compilation_id))
