"""API shapes of the knowledge base: `…In` for what clients send, `…Out` for what they get.

Inputs name regions by code, topics by code and pairs by id; outputs give codes and names.
The schema names are unique across apps (the OpenAPI components are keyed by class name).
"""

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from twinning.knowledge.models import (
    CaseAdoption,
    Compilation,
    Document,
    DocumentKind,
    DocumentVersion,
    ModelCase,
    TextStatus,
    Visibility,
)
from twinning.knowledge.queries import items_of
from twinning.pairings.models import choice_label
from twinning.pairings.schemas import RegionBrief

DocumentKindCode = Literal[tuple(DocumentKind.values)]  # type: ignore[valid-type]
VisibilityCode = Literal[tuple(Visibility.values)]  # type: ignore[valid-type]
CaseStatusCode = Literal[tuple(ModelCase.Status.values)]  # type: ignore[valid-type]
TextStatusCode = Literal[tuple(TextStatus.values)]  # type: ignore[valid-type]

LOCK_VERSION_HELP = "The lock_version you read; a stale one is refused with 409 stale_version."
VISIBILITY_HELP = (
    "programme: every participant; pair: the two sides of `pairing` (and the Ministry); "
    "ministry: the Ministry only."
)
TEXT_STATUS_HELP = (
    "pending (being read), done, empty (no text found, e.g. a scan), failed (see text_error) "
    "or not_text (an image)."
)
API = "/api/v1"


def _region(obj: Any) -> dict[str, str] | None:
    region = obj.region if obj.region_id else None
    if region is None:
        return None
    return {"code": region.code, "name": region.name, "level": region.level}


def _pairing(obj: Any) -> str | None:
    return str(obj.pairing) if obj.pairing_id else None


def _username(user: Any) -> str | None:
    return str(user) if user is not None else None


# ---------------------------------------------------------------- documents


class DocumentVersionOut(Schema):
    """One uploaded file of a document; `download_url` returns it whatever its text status."""

    number: int
    original_name: str
    extension: str
    content_type: str = Field(description="The kind found in the file's content, not its name.")
    size: int
    sha256: str
    note: str
    uploaded_by: str | None
    uploaded_at: dt.datetime
    text_status: str = Field(description=TEXT_STATUS_HELP)
    text_status_label: str
    text_error: str = Field(description="Why no text could be read (empty when it could).")
    pages: int | None
    extracted_at: dt.datetime | None
    download_url: str
    text_url: str

    @staticmethod
    def resolve_uploaded_by(obj: DocumentVersion) -> str | None:
        return _username(obj.uploaded_by) if obj.uploaded_by_id else None

    @staticmethod
    def resolve_text_status_label(obj: DocumentVersion) -> str:
        return choice_label(TextStatus, obj.text_status)

    @staticmethod
    def resolve_download_url(obj: DocumentVersion) -> str:
        return f"{API}/documents/{obj.document_id}/versions/{obj.number}/file"

    @staticmethod
    def resolve_text_url(obj: DocumentVersion) -> str:
        return f"{API}/documents/{obj.document_id}/text?version={obj.number}"


class DocumentOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    issuing_body: str
    region: RegionBrief | None
    number: str = Field(description="The document number (文号).")
    issued_on: dt.date | None
    effective_on: dt.date | None
    repealed_on: dt.date | None
    topics: list[str] = Field(description="Topic codes.")
    visibility: str = Field(description=VISIBILITY_HELP)
    visibility_label: str
    pairing_id: int | None
    pairing: str | None
    current_version: int | None = Field(description="Number of the newest version.")
    text_status: str | None = Field(description="The newest version's text status.")
    archived: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    lock_version: int

    @staticmethod
    def resolve_kind_label(obj: Document) -> str:
        return choice_label(DocumentKind, obj.kind)

    @staticmethod
    def resolve_region(obj: Document) -> dict[str, str] | None:
        return _region(obj)

    @staticmethod
    def resolve_topics(obj: Document) -> list[str]:
        return [t.code for t in obj.topics.all()]

    @staticmethod
    def resolve_visibility_label(obj: Document) -> str:
        return choice_label(Visibility, obj.visibility)

    @staticmethod
    def resolve_pairing(obj: Document) -> str | None:
        return _pairing(obj)

    @staticmethod
    def resolve_current_version(obj: Document) -> int | None:
        current = obj.current_version
        return current.number if current else None

    @staticmethod
    def resolve_text_status(obj: Document) -> str | None:
        current = obj.current_version
        return current.text_status if current else None

    @staticmethod
    def resolve_archived(obj: Document) -> bool:
        return obj.is_archived


class DocumentDetailOut(DocumentOut):
    summary: str
    created_by: str | None
    versions: list[DocumentVersionOut] = Field(description="Newest first.")

    @staticmethod
    def resolve_created_by(obj: Document) -> str | None:
        return _username(obj.created_by) if obj.created_by_id else None

    @staticmethod
    def resolve_versions(obj: Document) -> list[DocumentVersion]:
        return sorted(obj.versions.all(), key=lambda v: -v.number)


class DocumentIn(Schema):
    """The metadata sent with the file (multipart form fields)."""

    title: str = Field("", max_length=300, description="Default: the file name without extension.")
    kind: DocumentKindCode = "other"  # type: ignore[valid-type]
    issuing_body: str = Field("", max_length=200)
    region: str | None = Field(None, description="Region code.")
    number: str = Field("", max_length=100, description="The document number (文号).")
    issued_on: dt.date | None = None
    effective_on: dt.date | None = None
    repealed_on: dt.date | None = None
    topics: list[str] = Field(default_factory=list, description="Topic codes (repeat the field).")
    summary: str = ""
    visibility: VisibilityCode = Field("programme", description=VISIBILITY_HELP)  # type: ignore[valid-type]
    pairing: int | None = Field(None, description="Pair id; required for visibility `pair`.")
    note: str = Field("", max_length=300, description="Note on the first version.")


class DocumentPatchIn(Schema):
    title: str | None = Field(None, max_length=300)
    kind: DocumentKindCode | None = None  # type: ignore[valid-type]
    issuing_body: str | None = Field(None, max_length=200)
    region: str | None = Field(None, description="Region code.")
    number: str | None = Field(None, max_length=100)
    issued_on: dt.date | None = None
    effective_on: dt.date | None = None
    repealed_on: dt.date | None = None
    topics: list[str] | None = Field(None, description="Topic codes; replaces all topics.")
    summary: str | None = None
    visibility: VisibilityCode | None = Field(None, description=VISIBILITY_HELP)  # type: ignore[valid-type]
    pairing: int | None = None
    lock_version: int = Field(description=LOCK_VERSION_HELP)


class DocumentTextOut(Schema):
    document_id: int
    version: int
    text_status: str = Field(description=TEXT_STATUS_HELP)
    text_status_label: str
    text_error: str
    pages: int | None
    text: str


# ---------------------------------------------------------------- model cases


class AdoptionOut(Schema):
    """A region that reused a model case ("adopted by")."""

    id: int
    case_id: int
    region: RegionBrief
    note: str
    adopted_on: dt.date | None
    recorded_by: str | None
    recorded_at: dt.datetime
    withdrawn: bool = Field(description="Withdrawn adoptions are kept.")

    @staticmethod
    def resolve_region(obj: CaseAdoption) -> dict[str, str] | None:
        return _region(obj)

    @staticmethod
    def resolve_recorded_by(obj: CaseAdoption) -> str | None:
        return _username(obj.recorded_by) if obj.recorded_by_id else None

    @staticmethod
    def resolve_withdrawn(obj: CaseAdoption) -> bool:
        return obj.archived_at is not None


class AdoptionIn(Schema):
    region: str = Field(description="Code of the region that reused the case.")
    note: str = Field("", max_length=500)
    adopted_on: dt.date | None = None


class CaseOut(Schema):
    id: int
    title: str
    region: RegionBrief
    pairing_id: int | None
    pairing: str | None
    topic: str | None = Field(description="Topic code.")
    visibility: str = Field(description=VISIBILITY_HELP)
    visibility_label: str
    status: str = Field(description="draft, nominated, returned or promoted.")
    status_label: str
    archived: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    lock_version: int
    origin_kind: str = Field(
        description="The good result the case was proposed from: notice, target, evaluation; "
        "empty for a case written directly."
    )
    origin_id: int | None = Field(description="The id of that notice, target or assessment.")
    origin_label: str

    @staticmethod
    def resolve_region(obj: ModelCase) -> dict[str, str] | None:
        return _region(obj)

    @staticmethod
    def resolve_pairing(obj: ModelCase) -> str | None:
        return _pairing(obj)

    @staticmethod
    def resolve_topic(obj: ModelCase) -> str | None:
        return obj.topic.code if obj.topic is not None else None

    @staticmethod
    def resolve_visibility_label(obj: ModelCase) -> str:
        return choice_label(Visibility, obj.visibility)

    @staticmethod
    def resolve_status_label(obj: ModelCase) -> str:
        return choice_label(ModelCase.Status, obj.status)

    @staticmethod
    def resolve_archived(obj: ModelCase) -> bool:
        return obj.is_archived


class CaseDetailOut(CaseOut):
    problem: str
    approach: str
    results: str
    figures: str
    contacts: str
    documents: list[int] = Field(description="Ids of the linked documents you may see.")
    nominated_by: str | None
    nominated_at: dt.datetime | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_note: str
    created_by: str | None
    adoptions: list[AdoptionOut] = Field(description="Live adoptions.")

    @staticmethod
    def resolve_documents(obj: ModelCase) -> list[int]:
        # queries.get_case prefetches only the live documents the reader may see.
        return [d.pk for d in obj.documents.all()]

    @staticmethod
    def resolve_nominated_by(obj: ModelCase) -> str | None:
        return _username(obj.nominated_by) if obj.nominated_by_id else None

    @staticmethod
    def resolve_reviewed_by(obj: ModelCase) -> str | None:
        return _username(obj.reviewed_by) if obj.reviewed_by_id else None

    @staticmethod
    def resolve_created_by(obj: ModelCase) -> str | None:
        return _username(obj.created_by) if obj.created_by_id else None

    @staticmethod
    def resolve_adoptions(obj: ModelCase) -> list[CaseAdoption]:
        return [a for a in obj.adoptions.all() if a.archived_at is None]


class CaseIn(Schema):
    title: str = Field(max_length=300)
    region: str = Field(description="Region code.")
    pairing: int | None = Field(None, description="Pair id; required for visibility `pair`.")
    topic: str | None = Field(None, description="Topic code.")
    problem: str
    approach: str
    results: str
    figures: str = Field("", max_length=500)
    contacts: str = Field("", max_length=300)
    documents: list[int] = Field(default_factory=list, description="Linked document ids.")
    visibility: VisibilityCode = Field("programme", description=VISIBILITY_HELP)  # type: ignore[valid-type]


class CaseProposeValues(Schema):
    """Fields replacing the prefilled ones (all optional)."""

    title: str | None = Field(None, max_length=300)
    region: str | None = Field(None, description="Region code.")
    pairing: int | None = None
    topic: str | None = None
    problem: str | None = None
    approach: str | None = None
    results: str | None = None
    figures: str | None = Field(None, max_length=500)
    contacts: str | None = Field(None, max_length=300)
    documents: list[int] | None = None
    visibility: VisibilityCode | None = Field(None, description=VISIBILITY_HELP)  # type: ignore[valid-type]


class CaseProposeIn(Schema):
    origin_kind: str = Field(
        description="notice (a closed notice), target (a target met "
        "before its due date) or evaluation (a scored assessment of a "
        "published round)."
    )
    origin_id: int = Field(description="The notice's, target's or assessment's id.")
    values: CaseProposeValues | None = Field(None, description="Replaces prefilled fields.")


class CasePatchIn(Schema):
    title: str | None = Field(None, max_length=300)
    region: str | None = None
    pairing: int | None = None
    topic: str | None = None
    problem: str | None = None
    approach: str | None = None
    results: str | None = None
    figures: str | None = Field(None, max_length=500)
    contacts: str | None = Field(None, max_length=300)
    documents: list[int] | None = Field(None, description="Replaces all linked documents.")
    visibility: VisibilityCode | None = Field(None, description=VISIBILITY_HELP)  # type: ignore[valid-type]
    lock_version: int = Field(description=LOCK_VERSION_HELP)


class CaseReviewIn(Schema):
    note: str = Field("", max_length=500, description="The Ministry's note (required to return).")
    lock_version: int | None = Field(None, description=LOCK_VERSION_HELP)


# ---------------------------------------------------------------- compilations


class CompiledDocumentOut(Schema):
    position: int
    document_id: int
    title: str


class CompilationOut(Schema):
    id: int
    title: str
    region: RegionBrief | None
    visibility: str = Field(description=VISIBILITY_HELP)
    visibility_label: str
    pairing_id: int | None
    pairing: str | None
    archived: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    lock_version: int

    @staticmethod
    def resolve_region(obj: Compilation) -> dict[str, str] | None:
        return _region(obj)

    @staticmethod
    def resolve_visibility_label(obj: Compilation) -> str:
        return choice_label(Visibility, obj.visibility)

    @staticmethod
    def resolve_pairing(obj: Compilation) -> str | None:
        return _pairing(obj)

    @staticmethod
    def resolve_archived(obj: Compilation) -> bool:
        return obj.is_archived


class CompilationDetailOut(CompilationOut):
    preface: str
    created_by: str | None
    documents: list[CompiledDocumentOut] = Field(description="In the compilation's order.")

    @staticmethod
    def resolve_created_by(obj: Compilation) -> str | None:
        return _username(obj.created_by) if obj.created_by_id else None

    @staticmethod
    def resolve_documents(obj: Compilation, context: Any) -> list[dict[str, Any]]:
        """Only the documents the reader may see: a compilation never leaks the others."""
        return [
            {"position": i.position, "document_id": i.document_id, "title": i.document.title}
            for i in items_of(obj, context["request"].auth)
        ]


class CompilationIn(Schema):
    title: str = Field(max_length=300)
    preface: str = ""
    region: str | None = Field(None, description="Region code.")
    visibility: VisibilityCode = Field("programme", description=VISIBILITY_HELP)  # type: ignore[valid-type]
    pairing: int | None = Field(None, description="Pair id; required for visibility `pair`.")
    documents: list[int] = Field(default_factory=list, description="Document ids, in order.")


class CompilationPatchIn(Schema):
    title: str | None = Field(None, max_length=300)
    preface: str | None = None
    region: str | None = None
    visibility: VisibilityCode | None = Field(None, description=VISIBILITY_HELP)  # type: ignore[valid-type]
    pairing: int | None = None
    lock_version: int = Field(description=LOCK_VERSION_HELP)


class CompilationDocumentsIn(Schema):
    documents: list[int] = Field(description="Every document id, in the new order.")
    lock_version: int = Field(description=LOCK_VERSION_HELP)
