"""API shapes of the search: results with facets, suggestions, and the vocabulary admins extend.

The schema names are unique across apps (the OpenAPI components are keyed by class name).
"""

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from twinning.search.models import DictionaryWord, SynonymGroup


class SearchHitOut(Schema):
    kind: str = Field(description="document, case, problem or exchange.")
    kind_label: str
    object_id: int
    title: str
    url: str = Field(description="The record's page on the platform.")
    snippet: str = Field(
        description="HTML: a passage of the original text around the first hit, escaped, with "
        "the query's words and their synonyms in <mark>."
    )
    region_name: str | None
    dated: dt.date | None
    subkind_label: str | None = Field(description="The document's kind (documents only).")
    score: float


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchResultsOut(Schema):
    q: str
    total: int = Field(description="Exact number of matches you may see.")
    page: int
    per_page: int
    relaxed: bool = Field(
        description="No record had every word: these results have at least one of them."
    )
    hits: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]] = Field(
        description="kind, subkind, topic (id), region (code), year; counted over your results."
    )


class DictionaryWordOut(Schema):
    id: int
    word: str
    note: str
    created_by: str | None
    created_at: dt.datetime
    archived: bool

    @staticmethod
    def resolve_created_by(obj: DictionaryWord) -> str | None:
        return str(obj.created_by) if obj.created_by_id else None

    @staticmethod
    def resolve_archived(obj: DictionaryWord) -> bool:
        return obj.is_archived


class DictionaryWordIn(Schema):
    word: str = Field(max_length=30, description="A word the segmenter keeps whole.")
    note: str = Field("", max_length=200)


class SynonymGroupOut(Schema):
    id: int
    words: list[str]
    note: str
    created_by: str | None
    created_at: dt.datetime
    archived: bool

    @staticmethod
    def resolve_words(obj: SynonymGroup) -> list[str]:
        return obj.word_list

    @staticmethod
    def resolve_created_by(obj: SynonymGroup) -> str | None:
        return str(obj.created_by) if obj.created_by_id else None

    @staticmethod
    def resolve_archived(obj: SynonymGroup) -> bool:
        return obj.is_archived


class SynonymGroupIn(Schema):
    words: list[str] = Field(min_length=2, description="Words that mean the same thing.")
    note: str = Field("", max_length=200)


class ReindexOut(Schema):
    queued: bool
    detail: str


def hit_row(hit: Any) -> dict[str, Any]:
    """A queries.Hit as the API shows it (the snippet stays HTML)."""
    return {
        "kind": hit.kind,
        "kind_label": str(hit.kind_label),
        "object_id": hit.object_id,
        "title": hit.title,
        "url": hit.url,
        "snippet": str(hit.snippet),
        "region_name": hit.region_name or None,
        "dated": hit.dated,
        "subkind_label": str(hit.subkind_label) if hit.subkind_label else None,
        "score": float(hit.score),
    }
