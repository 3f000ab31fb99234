"""Reading the knowledge base, always starting from what the actor may see (else 404)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from twinning.core.errors import NotFound
from twinning.core.models import AuditEntry
from twinning.knowledge.models import (
    CaseAdoption,
    Compilation,
    CompilationItem,
    Document,
    DocumentVersion,
    ModelCase,
)
from twinning.pairings.queries import readable_history

DOCUMENT_SORTS: dict[str, tuple[str, ...]] = {
    "issued": ("issued_on",),
    "title": ("title",),
    "kind": ("kind", "issued_on"),
    "created": ("created_at",),
    "updated": ("updated_at",),
}
CASE_SORTS: dict[str, tuple[str, ...]] = {
    "created": ("created_at",),
    "title": ("title",),
    "status": ("status", "created_at"),
    "updated": ("updated_at",),
    "reviewed": ("reviewed_at",),
}
COMPILATION_SORTS: dict[str, tuple[str, ...]] = {
    "created": ("created_at",),
    "title": ("title",),
    "updated": ("updated_at",),
}
DEFAULT_DOCUMENT_SORT = "-issued"
DEFAULT_CASE_SORT = "-created"
DEFAULT_COMPILATION_SORT = "-created"


@dataclass(frozen=True)
class DocumentFilters:
    q: str | None = None
    kind: str | None = None
    topic: str | None = None  # a topic code (or a topic id given as digits)
    region: str | None = None  # a region code: that region and the regions inside it
    year: int | None = None  # the year of issue
    visibility: str | None = None
    text_status: str | None = None
    archived: bool = False
    sort: str = DEFAULT_DOCUMENT_SORT


@dataclass(frozen=True)
class CaseFilters:
    q: str | None = None
    status: str | None = None
    topic: str | None = None
    region: str | None = None
    year: int | None = None  # the year the case was written
    visibility: str | None = None
    archived: bool = False
    sort: str = DEFAULT_CASE_SORT


@dataclass(frozen=True)
class CompilationFilters:
    q: str | None = None
    region: str | None = None
    visibility: str | None = None
    archived: bool = False
    sort: str = DEFAULT_COMPILATION_SORT


def scoped(queryset: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    """`queryset.visible_to(actor)`; `None` as the actor is the platform itself (all records)."""
    if actor is None:
        return queryset.all()
    return queryset.visible_to(actor)  # type: ignore[attr-defined, no-any-return]


def _ordering(sort: str, sorts: dict[str, tuple[str, ...]], default: str) -> list[str]:
    key = sort.lstrip("-")
    if key not in sorts:
        sort, key = default, default.lstrip("-")
    descending = sort.startswith("-")
    ordering = [f"-{k}" if descending else k for k in sorts[key]]
    ordering.append("-id" if descending else "id")
    return ordering


def _region_q(code: str, lookup: str = "region") -> Q:
    from twinning.regions.models import Region

    region = Region.objects.filter(code=code).first()
    if region is None:
        return Q(pk__in=[])
    inside = Region.objects.filter(path__startswith=region.path).values("code")
    return Q(**{f"{lookup}__in": inside})


def _topic_q(topic: str, lookup: str) -> Q:
    topic = str(topic).strip()
    if topic.isdigit():
        return Q(**{f"{lookup}__pk": int(topic)})
    return Q(**{f"{lookup}__code": topic})


# ---------------------------------------------------------------- documents


def visible_documents(actor: Any) -> QuerySet[Document]:
    """Every document the actor may see, archived ones included."""
    return scoped(Document.objects.all(), actor).select_related(
        "region", "pairing__leading_region", "pairing__partner_region"
    )


def documents_for(actor: Any, filters: DocumentFilters = DocumentFilters()) -> QuerySet[Document]:
    """The documents of the list: scoped, filtered and sorted, versions prefetched."""
    documents = visible_documents(actor).filter(archived_at__isnull=not filters.archived)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        documents = documents.filter(
            Q(title__icontains=text) | Q(number__icontains=text) | Q(issuing_body__icontains=text)
        )
    if filters.kind:
        documents = documents.filter(kind=filters.kind)
    if filters.topic:
        documents = documents.filter(
            pk__in=Document.objects.filter(_topic_q(filters.topic, "topics")).values("pk")
        )
    if filters.region:
        documents = documents.filter(_region_q(filters.region))
    if filters.year:
        documents = documents.filter(issued_on__year=filters.year)
    if filters.visibility:
        documents = documents.filter(visibility=filters.visibility)
    if filters.text_status:
        latest = DocumentVersion.objects.filter(text_status=filters.text_status)
        documents = documents.filter(versions__in=latest).distinct()
    ordering = _ordering(filters.sort, DOCUMENT_SORTS, DEFAULT_DOCUMENT_SORT)
    return documents.prefetch_related("versions", "topics").order_by(*ordering)


def list_documents(actor: Any, filters: DocumentFilters = DocumentFilters()) -> QuerySet[Document]:
    return documents_for(actor, filters)


def _document_not_found() -> NotFound:
    return NotFound(_("文档不存在，或您无权查看。"))


def get_document(actor: Any, document_id: int) -> Document:
    """One document the actor may see (archived included), with its versions, else NotFound."""
    document = (
        visible_documents(actor)
        .select_related("created_by", "archived_by")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=DocumentVersion.objects.select_related("uploaded_by").order_by("-number"),
            ),
            "topics",
        )
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise _document_not_found()
    return document


def versions_of(document: Document) -> list[DocumentVersion]:
    """The document's versions, newest first."""
    return sorted(document.versions.all(), key=lambda v: v.number, reverse=True)


def get_version(actor: Any, document_id: int, number: int | None = None) -> DocumentVersion:
    """A version (the newest when `number` is None) of a document the actor may see."""
    document = get_document(actor, document_id)
    versions = versions_of(document)
    if number is None:
        if versions:
            return versions[0]
    else:
        for version in versions:
            if version.number == number:
                return version
    raise NotFound(_("文档版本不存在。"))


def get_version_by_id(actor: Any, version_id: int) -> DocumentVersion:
    """A version by its id, if the actor may see its document (downloads use this)."""
    version = (
        DocumentVersion.objects.filter(
            pk=version_id, document__in=scoped(Document.objects.all(), actor).values("pk")
        )
        .select_related("document", "uploaded_by")
        .first()
    )
    if version is None:
        raise NotFound(_("文档版本不存在，或您无权查看。"))
    return version


# ---------------------------------------------------------------- cases


def visible_cases(actor: Any) -> QuerySet[ModelCase]:
    return scoped(ModelCase.objects.all(), actor).select_related(
        "region", "topic", "pairing__leading_region", "pairing__partner_region"
    )


def cases_for(actor: Any, filters: CaseFilters = CaseFilters()) -> QuerySet[ModelCase]:
    cases = visible_cases(actor).filter(archived_at__isnull=not filters.archived)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        cases = cases.filter(Q(title__icontains=text) | Q(problem__icontains=text))
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.topic:
        cases = cases.filter(_topic_q(filters.topic, "topic"))
    if filters.region:
        cases = cases.filter(_region_q(filters.region))
    if filters.year:
        cases = cases.filter(created_at__year=filters.year)
    if filters.visibility:
        cases = cases.filter(visibility=filters.visibility)
    ordering = _ordering(filters.sort, CASE_SORTS, DEFAULT_CASE_SORT)
    return cases.order_by(*ordering)


def list_cases(actor: Any, filters: CaseFilters = CaseFilters()) -> QuerySet[ModelCase]:
    return cases_for(actor, filters)


def get_case(actor: Any, case_id: int) -> ModelCase:
    """One case the actor may see, with its documents (visible ones) and live adoptions."""
    case = (
        visible_cases(actor)
        .select_related("created_by", "nominated_by", "reviewed_by", "archived_by")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=scoped(Document.objects.live(), actor).order_by("title", "pk"),
            ),
            Prefetch(
                "adoptions",
                queryset=CaseAdoption.objects.filter(archived_at__isnull=True).select_related(
                    "region", "recorded_by"
                ),
            ),
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound(_("典型案例不存在，或您无权查看。"))
    return case


def adoptions_of(case: ModelCase, include_withdrawn: bool = False) -> list[CaseAdoption]:
    adoptions = CaseAdoption.objects.filter(case=case).select_related("region", "recorded_by")
    if not include_withdrawn:
        adoptions = adoptions.filter(archived_at__isnull=True)
    return list(adoptions.order_by("recorded_at", "pk"))


def get_adoption(actor: Any, adoption_id: int) -> CaseAdoption:
    adoption = (
        CaseAdoption.objects.filter(
            pk=adoption_id, case__in=scoped(ModelCase.objects.all(), actor).values("pk")
        )
        .select_related("case__region", "region")
        .first()
    )
    if adoption is None:
        raise NotFound(_("借鉴记录不存在，或您无权查看。"))
    return adoption


def featured_cases(actor: Any, limit: int = 6) -> list[ModelCase]:
    """Promoted, live cases the actor may see, most recently promoted first (the overview),
    each with the regions that adopted it (`live_adoptions`, oldest first)."""
    adoptions = CaseAdoption.objects.filter(archived_at__isnull=True).select_related("region")
    return list(
        visible_cases(actor)
        .filter(status=ModelCase.Status.PROMOTED, archived_at__isnull=True)
        .select_related("region", "topic")
        .prefetch_related(Prefetch("adoptions", queryset=adoptions, to_attr="live_adoptions"))
        .order_by("-reviewed_at", "-id")[:limit]
    )


def cases_from(origin_kind: str, origin_ids: Iterable[int]) -> dict[int, ModelCase]:
    """The live case proposed from each of these sources (unscoped: the dashboards show
    "已推荐" beside a source the actor already sees)."""
    rows = ModelCase.objects.filter(
        origin_kind=origin_kind, origin_id__in=list(origin_ids), archived_at__isnull=True
    ).order_by("pk")
    found: dict[int, ModelCase] = {}
    for case in rows:
        if case.origin_id is not None:
            found.setdefault(case.origin_id, case)
    return found


# ---------------------------------------------------------------- compilations


def visible_compilations(actor: Any) -> QuerySet[Compilation]:
    return scoped(Compilation.objects.all(), actor).select_related(
        "region", "pairing__leading_region", "pairing__partner_region"
    )


def compilations_for(
    actor: Any, filters: CompilationFilters = CompilationFilters()
) -> QuerySet[Compilation]:
    compilations = visible_compilations(actor).filter(archived_at__isnull=not filters.archived)
    if filters.q and filters.q.strip():
        compilations = compilations.filter(title__icontains=filters.q.strip())
    if filters.region:
        compilations = compilations.filter(_region_q(filters.region))
    if filters.visibility:
        compilations = compilations.filter(visibility=filters.visibility)
    ordering = _ordering(filters.sort, COMPILATION_SORTS, DEFAULT_COMPILATION_SORT)
    return compilations.order_by(*ordering)


def list_compilations(
    actor: Any, filters: CompilationFilters = CompilationFilters()
) -> QuerySet[Compilation]:
    return compilations_for(actor, filters)


def get_compilation(actor: Any, compilation_id: int) -> Compilation:
    compilation = (
        visible_compilations(actor)
        .select_related("created_by", "archived_by")
        .filter(pk=compilation_id)
        .first()
    )
    if compilation is None:
        raise NotFound(_("汇编不存在，或您无权查看。"))
    return compilation


def items_of(compilation: Compilation, actor: Any = None) -> list[CompilationItem]:
    """The compilation's items in order, each with its document and the document's versions.

    With an `actor`, documents the actor may not see are left out (a compilation is visible to
    more people than some of its documents only if its makers chose so; never leak them)."""
    items = CompilationItem.objects.filter(compilation=compilation).select_related(
        "document__region"
    )
    if actor is not None:
        items = items.filter(document__in=scoped(Document.objects.all(), actor).values("pk"))
    return list(
        items.prefetch_related("document__versions", "document__topics").order_by("position")
    )


def documents_of(compilation: Compilation, actor: Any = None) -> list[Document]:
    return [item.document for item in items_of(compilation, actor)]


# ---------------------------------------------------------------- history

TARGET_TYPES = {
    "document": "knowledge.document",
    "version": "knowledge.documentversion",
    "case": "knowledge.modelcase",
    "adoption": "knowledge.caseadoption",
    "compilation": "knowledge.compilation",
}


def history_of(actor: Any, obj: Document | ModelCase | Compilation) -> list[AuditEntry]:
    """The recorded changes of a document (with its versions), a case (with its adoptions) or
    a compilation, newest first."""
    if isinstance(obj, Document):
        ids = [str(pk) for pk in obj.versions.values_list("pk", flat=True)]
        condition = Q(target_type=TARGET_TYPES["document"], target_id=str(obj.pk)) | Q(
            target_type=TARGET_TYPES["version"], target_id__in=ids
        )
    elif isinstance(obj, ModelCase):
        ids = [str(pk) for pk in obj.adoptions.values_list("pk", flat=True)]
        condition = Q(target_type=TARGET_TYPES["case"], target_id=str(obj.pk)) | Q(
            target_type=TARGET_TYPES["adoption"], target_id__in=ids
        )
    else:
        condition = Q(target_type=TARGET_TYPES["compilation"], target_id=str(obj.pk))
    entries = (
        AuditEntry.objects.filter(condition).select_related("actor", "pairing").order_by("-at")
    )
    return readable_history(actor, entries[:200])


def years_of_documents(actor: Any) -> list[int]:
    """The years of issue present among the visible live documents (for the year filter)."""
    dates = (
        visible_documents(actor)
        .filter(archived_at__isnull=True, issued_on__isnull=False)
        .dates("issued_on", "year", order="DESC")
    )
    return [d.year for d in dates if isinstance(d, dt.date)]
