"""Search API: one query over documents, model cases, consultations and exchanges, the
suggestions shown while typing, and the vocabulary (dictionary words and synonyms) that platform
admins extend.

Results, counts, facets and suggestions hold only what the caller may see. A query that is
empty, only punctuation or longer than 100 characters is refused with 422 (`empty_query`,
`query_too_long`).
"""

from typing import Any, Literal, TypeVar

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from twinning.core.errors import NotFound
from twinning.core.permissions import require
from twinning.search import queries, services, tasks
from twinning.search.models import DictionaryWord, SourceKind, SynonymGroup
from twinning.search.schemas import (
    DictionaryWordIn,
    DictionaryWordOut,
    ReindexOut,
    SearchHitOut,
    SearchResultsOut,
    SynonymGroupIn,
    SynonymGroupOut,
    hit_row,
)

router = Router(tags=["search"])

KindCode = Literal[tuple(SourceKind.values)]  # type: ignore[valid-type]
MAX_PER_PAGE = 50
MAX_SUGGESTIONS = 10


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _require_admin(actor: Any) -> None:
    require(
        bool(getattr(actor, "is_platform_admin", False)),
        _("只有平台管理员可以维护检索词典和同义词。"),
    )


def _admin(request: HttpRequest) -> Any:
    """The caller, who must be a platform admin."""
    actor = _actor(request)
    _require_admin(actor)
    return actor


# ---------------------------------------------------------------- search


class SearchQuery(Schema):
    q: str = Field(
        "", description="The words to find (Chinese is segmented; at most 100 characters)."
    )
    kind: KindCode | None = None  # type: ignore[valid-type]
    subkind: str | None = Field(None, description="Document kind (with kind=document).")
    topic: int | None = Field(None, description="Topic id (as in the `topic` facet).")
    region: str | None = Field(None, description="Region code: that region and those inside it.")
    year: int | None = None
    page: int = Field(1, ge=1, description="A page past the end gives the last page.")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


@router.get(
    "/search",
    response=SearchResultsOut,
    summary="Search documents, model cases, consultations and exchanges you may see",
)
def search(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    """Every word must match (a word with synonyms matches any of them); when nothing has every
    word, the records with any of them are returned and `relaxed` is true. Ranked by relevance
    (title first) with a boost for recent records."""
    filters = queries.SearchFilters(
        kind=params.kind,
        subkind=params.subkind or None,
        topic=params.topic,
        region=params.region or None,
        year=params.year,
    )
    result = queries.search(
        _actor(request), params.q, filters, page=params.page, per_page=params.per_page
    )
    return {
        "q": params.q,
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "relaxed": result.relaxed,
        "hits": [hit_row(hit) for hit in result.hits],
        "facets": {
            name: [
                {
                    "value": str(v.value),
                    "label": str(v.label),
                    "count": v.count,
                    "selected": v.selected,
                }
                for v in values
            ]
            for name, values in result.facets.items()
        },
    }


class SuggestQuery(Schema):
    q: str = Field("", description="The text typed so far (only its first 100 characters count).")
    kind: list[KindCode] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["case", "document"],
        description="Kinds to suggest (repeat the parameter); default: cases and documents.",
    )
    limit: int = Field(5, ge=1, le=MAX_SUGGESTIONS)


@router.get(
    "/search/suggest",
    response=list[SearchHitOut],
    summary="The best few matches for a text being typed (never refused)",
)
def suggest(request: HttpRequest, params: Query[SuggestQuery]) -> list[dict[str, Any]]:
    """Used while a consultation is written: text too short or without words gives []."""
    hits = queries.suggest(_actor(request), params.q, kinds=tuple(params.kind), limit=params.limit)
    return [hit_row(hit) for hit in hits]


# ---------------------------------------------------------------- vocabulary (admins)


class VocabularyQuery(Schema):
    archived: bool = Field(False, description="Archived entries instead of live ones.")


Entry = TypeVar("Entry", DictionaryWord, SynonymGroup)


def _entries(model: type[Entry]) -> QuerySet[Entry]:
    return model.objects.select_related("created_by")


def _entry(model: type[Entry], pk: int) -> Entry:
    found = _entries(model).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("没有找到这条记录。"))
    return found


def _word(word_id: int) -> DictionaryWord:
    return _entry(DictionaryWord, word_id)


def _group(group_id: int) -> SynonymGroup:
    return _entry(SynonymGroup, group_id)


@router.get(
    "/search/dictionary",
    response=list[DictionaryWordOut],
    summary="Dictionary words the segmenter keeps whole (admins)",
)
def list_words(request: HttpRequest, filters: Query[VocabularyQuery]) -> QuerySet[DictionaryWord]:
    _admin(request)
    return _entries(DictionaryWord).filter(archived_at__isnull=not filters.archived)


@router.post(
    "/search/dictionary",
    response={201: DictionaryWordOut},
    summary="Add a dictionary word (admins; the index is rebuilt in the background)",
)
def add_word(request: HttpRequest, payload: DictionaryWordIn) -> tuple[int, DictionaryWord]:
    actor = _admin(request)
    word = services.add_word(actor=actor, word=payload.word, note=payload.note)
    return 201, _word(word.pk)


@router.post(
    "/search/dictionary/{word_id}/archive",
    response=DictionaryWordOut,
    summary="Archive a dictionary word (admins)",
)
def archive_word(request: HttpRequest, word_id: int) -> DictionaryWord:
    actor = _admin(request)
    services.archive_word(actor=actor, word=_word(word_id))
    return _word(word_id)


@router.post(
    "/search/dictionary/{word_id}/restore",
    response=DictionaryWordOut,
    summary="Restore a dictionary word (admins)",
)
def restore_word(request: HttpRequest, word_id: int) -> DictionaryWord:
    actor = _admin(request)
    services.restore_word(actor=actor, word=_word(word_id))
    return _word(word_id)


@router.get(
    "/search/synonyms",
    response=list[SynonymGroupOut],
    summary="Synonym groups: a query for any word finds all (admins)",
)
def list_synonyms(request: HttpRequest, filters: Query[VocabularyQuery]) -> QuerySet[SynonymGroup]:
    _admin(request)
    return _entries(SynonymGroup).filter(archived_at__isnull=not filters.archived)


@router.post(
    "/search/synonyms",
    response={201: SynonymGroupOut},
    summary="Add a synonym group (admins; the index is rebuilt in the background)",
)
def add_synonyms(request: HttpRequest, payload: SynonymGroupIn) -> tuple[int, SynonymGroup]:
    actor = _admin(request)
    group = services.add_synonym_group(
        actor=actor, words=" ".join(payload.words), note=payload.note
    )
    return 201, _group(group.pk)


@router.post(
    "/search/synonyms/{group_id}/archive",
    response=SynonymGroupOut,
    summary="Archive a synonym group (admins)",
)
def archive_synonyms(request: HttpRequest, group_id: int) -> SynonymGroup:
    actor = _admin(request)
    services.archive_synonym_group(actor=actor, group=_group(group_id))
    return _group(group_id)


@router.post(
    "/search/synonyms/{group_id}/restore",
    response=SynonymGroupOut,
    summary="Restore a synonym group (admins)",
)
def restore_synonyms(request: HttpRequest, group_id: int) -> SynonymGroup:
    actor = _admin(request)
    services.restore_synonym_group(actor=actor, group=_group(group_id))
    return _group(group_id)


@router.post(
    "/search/reindex",
    response={202: ReindexOut},
    summary="Rebuild the whole search index in the background (admins)",
)
def reindex(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """Queues the rebuild and answers at once; `twinning reindex` does the same in a terminal."""
    _require_admin(_actor(request))
    transaction.on_commit(tasks.enqueue_reindex)
    return 202, {"queued": True, "detail": _("检索索引将在后台重建。")}
