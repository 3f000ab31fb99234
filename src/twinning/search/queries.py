"""Searching: one query over documents, model cases, consultations and exchanges.

1. The query is cut into words (`segment.parse_query`; Invalid for empty or too long queries).
2. The actor's scope is a filter on the index: for each kind, the entries whose record the
   kind's own visibility rule lets the actor see (the Ministry sees everything). Results, the
   total, the facets and suggestions all use this same scope.
3. The backend gives the matching ids, unscored; the scope, the chosen filters, the total and
   the facets are worked out over them in Python (`search.large`: one pass, whatever the number
   of matches). Up to LARGE_MATCH, the backend scores them and the best RANK_WINDOW are
   re-ranked with a recency boost, 1 + 0.3 × 0.5^(age in years / 2), so a newer text wins a
   close call; above it, titles holding the words come first, then the newest.
4. If every word together finds nothing, any word is enough (`relaxed`), and the page says so.
"""

import datetime as dt
import heapq
import math
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString

from twinning.core.errors import Invalid
from twinning.core.permissions import is_ministry, region_scope_q
from twinning.search import large, segment
from twinning.search.backends import get_backend
from twinning.search.models import SearchEntry, SourceKind
from twinning.search.segment import ParsedQuery
from twinning.search.snippets import mark, snippet
from twinning.search.sources import SOURCES

RANK_WINDOW = 200
# Above this many matches (within the scope and filters) the words are in most texts: scoring
# each match tells little and costs most of the search (PostgreSQL reads every vector out of
# TOAST), so titles holding the words come first, then the newest (`_by_title_then_newest`).
LARGE_MATCH = 1000
RECENCY_WEIGHT = 0.3
RECENCY_HALF_LIFE_YEARS = 2.0
MAX_PER_PAGE = 100
FACETS = ("kind", "subkind", "topic", "region", "year")


@dataclass(frozen=True)
class SearchFilters:
    kind: str | None = None
    subkind: str | None = None
    topic: int | None = None
    region: str | None = None
    year: int | None = None

    def q(self, without: str | None = None) -> Q:
        """The filter for every chosen facet except `without`, as a queryset condition (the
        reference the tests hold `search.large`'s counting to)."""
        condition = Q()
        if self.kind and without != "kind":
            condition &= Q(kind=self.kind)
        if self.subkind and without != "subkind":
            condition &= Q(subkind=self.subkind)
        if self.topic and without != "topic":
            condition &= Q(topics=self.topic)
        if self.region and without != "region":
            condition &= Q(region_id=self.region)
        if self.year and without != "year":
            condition &= Q(year=self.year)
        return condition

    def selected(self, facet: str) -> str | None:
        value = getattr(self, facet)
        return str(value) if value not in (None, "") else None


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: str
    object_id: int
    title: str
    url: str
    snippet: SafeString
    region_name: str
    dated: dt.date | None
    subkind_label: str
    score: float
    title_marked: SafeString = field(default_factory=lambda: SafeString(""))


@dataclass
class SearchPage:
    query: str
    hits: list[Hit]
    total: int
    relaxed: bool
    facets: dict[str, list[FacetValue]]
    page: int = 1
    per_page: int = 20
    words: list[str] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def page_obj(self) -> Page:  # type: ignore[type-arg]
        """A Django Page of the hits, for templates that page like the other lists."""
        return Page(self.hits, self.page, Paginator(range(self.total), self.per_page))


# ---------------------------------------------------------------- scope


def _visible_pairings(actor: Any) -> list[int]:
    """The pairs whose records the actor sees: those with a side inside the actor's region."""
    from twinning.pairings.models import Pairing

    pairs = Pairing.objects.filter(region_scope_q(actor, "leading_region", "partner_region"))
    return list(pairs.values_list("pk", flat=True))


def _problems_beyond(actor: Any, pairings: list[int]) -> list[int]:
    """Problems the actor sees outside their pairs: assigned to them, or in their expert pool."""
    problems = SOURCES[SourceKind.PROBLEM].visible(actor).exclude(pairing_id__in=pairings)
    return list(problems.values_list("pk", flat=True))


def scope_q(actor: Any, kinds: tuple[str, ...] | None = None) -> Q:
    """The index entries `actor` may see (of `kinds`, all by default).

    Each entry carries its record's visibility and pair (copied at index time), so the scope is
    a filter on the index itself; it is the same rule as each kind's `visible` (a test compares
    them record by record)."""
    if not getattr(actor, "is_authenticated", False):
        return Q(pk__in=[])
    of_kinds = Q() if kinds is None else Q(kind__in=[k for k in SOURCES if k in kinds])
    if is_ministry(actor):
        return of_kinds
    pairings = _visible_pairings(actor)
    condition = Q(visibility="programme") | Q(visibility="pair", pairing_id__in=pairings)
    if kinds is None or SourceKind.PROBLEM in kinds:
        beyond = _problems_beyond(actor, pairings)
        if beyond:
            condition |= Q(kind=SourceKind.PROBLEM, object_id__in=beyond)
    return of_kinds & condition


def scoped_entries(actor: Any, kinds: tuple[str, ...] | None = None) -> QuerySet[SearchEntry]:
    """The index entries `actor` may see."""
    return SearchEntry.objects.filter(scope_q(actor, kinds))


class _Match:
    """The backend's match for one query."""

    def __init__(self, query: ParsedQuery) -> None:
        self.query = query
        self.backend = get_backend()
        self.sql, self.params = self.backend.match_sql(query)

    def fetch(self, title_only: bool = False) -> list[int]:
        """The matching entries' ids (all words in the title, with `title_only`), unscored."""
        backend = self.backend
        sql, params = (backend.title_filter_sql if title_only else backend.filter_sql)(self.query)
        with backend.searching(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    def scored_ids(self, ids: list[int], limit: int, offset: int = 0) -> list[Any]:
        """(entry_id, score) of the best of `ids` (all matching), by the backend's score."""
        if not ids:
            return []
        marks = ",".join(["%s"] * len(ids))
        if self.backend.scores_cheaply:
            # SQLite: score the whole (small) match once, then keep `ids`; FTS5 asked to
            # match row by row (rowid IN …) is a hundred times slower.
            sql = f"WITH m AS MATERIALIZED ({self.sql}) SELECT m.entry_id AS entry_id, "  # noqa: S608
            sql += f"m.score AS score FROM m WHERE m.entry_id IN ({marks})"
            params = [*self.params, *ids]
        else:
            sql, params = self.backend.score_sql(self.query, (marks, list(ids)))
        sql = f"SELECT s.entry_id, s.score FROM ({sql}) s "  # noqa: S608 - placeholders only
        sql += "ORDER BY s.score DESC, s.entry_id LIMIT %s OFFSET %s"
        with self.backend.searching(), connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            return list(cursor.fetchall())


def _recency(dated: dt.date | None, today: dt.date) -> float:
    if dated is None:
        return 1.0
    age = max(0.0, (today - dated).days / 365.25)
    return 1.0 + RECENCY_WEIGHT * math.pow(0.5, age / RECENCY_HALF_LIFE_YEARS)


def _rerank(rows: list[Any], table: large.Table) -> list[tuple[int, float]]:
    """The backend's scores times the recency boost, best first (dates from the index copy)."""
    today = timezone.localdate()
    dated = {pk: row.dated for pk, row in ((r[0], table.rows.get(r[0])) for r in rows) if row}
    scored = [(int(r[0]), float(r[1] or 0.0) * _recency(dated.get(r[0]), today)) for r in rows]
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored


# ---------------------------------------------------------------- facets


def _labels(facet: str, values: list[Any]) -> dict[str, str]:
    if facet == "kind":
        return {str(v): str(SourceKind(v).label) for v in values if v in SourceKind.values}
    if facet == "subkind":
        from twinning.knowledge.models import DocumentKind

        return {str(v): str(DocumentKind(v).label) for v in values if v in DocumentKind.values}
    if facet == "topic":
        from twinning.plans.models import Topic

        return {
            str(pk): name
            for pk, name in Topic.objects.filter(pk__in=values).values_list("pk", "name")
        }
    if facet == "region":
        from twinning.regions.models import Region

        return dict(Region.objects.filter(pk__in=values).values_list("pk", "name"))
    return {str(v): str(v) for v in values}


def _facet_values(facet: str, counts: dict[Any, int], filters: SearchFilters) -> list[FacetValue]:
    selected = filters.selected(facet)
    if selected is not None and selected not in {str(v) for v in counts}:
        counts[int(selected) if facet in ("year", "topic") else selected] = 0
    labels = _labels(facet, list(counts))
    values = [
        FacetValue(
            value=str(v), label=labels.get(str(v), str(v)), count=n, selected=selected == str(v)
        )
        for v, n in counts.items()
    ]
    if facet == "kind":
        order = {k: i for i, k in enumerate(SourceKind.values)}
        values.sort(key=lambda f: order.get(f.value, 99))
    elif facet == "year":
        values.sort(key=lambda f: f.value, reverse=True)
    else:
        values.sort(key=lambda f: (-f.count, f.label))
    return values


# ---------------------------------------------------------------- hits


def _hits(ranked: list[tuple[int, float]], query: ParsedQuery) -> list[Hit]:
    from twinning.knowledge.models import DocumentKind

    entries = SearchEntry.objects.select_related("region").in_bulk([pk for pk, _ in ranked])
    words = query.highlight
    hits = []
    for pk, score in ranked:
        entry = entries.get(pk)
        if entry is None:
            continue
        subkind = ""
        if entry.kind == SourceKind.DOCUMENT and entry.subkind in DocumentKind.values:
            subkind = str(DocumentKind(entry.subkind).label)
        hits.append(
            Hit(
                kind=entry.kind,
                kind_label=str(SourceKind(entry.kind).label),
                object_id=entry.object_id,
                title=entry.title,
                url=entry.url,
                snippet=snippet(entry.body, words),
                region_name=entry.region.name if entry.region else "",
                dated=entry.dated,
                subkind_label=subkind,
                score=score,
                title_marked=mark(entry.title, words),
            )
        )
    return hits


def _scope(actor: Any, kinds: tuple[str, ...] | None = None) -> large.Scope:
    """`scope_q` as a test on the rows of `large.table()`."""
    if not getattr(actor, "is_authenticated", False):
        return large.scope_for(actor, (), [], [])  # no kind at all: nothing
    if is_ministry(actor):
        pairings: list[int] = []
        beyond: list[int] = []
    else:
        pairings = _visible_pairings(actor)
        beyond = _problems_beyond(actor, pairings)
    return large.scope_for(actor, kinds, pairings, beyond)


@dataclass
class _Found:
    """What one query matches inside the actor's scope: the rows passing the filters, and the
    facets' counts."""

    match: _Match
    table: large.Table
    selected: list[large.Row]
    counts: dict[str, dict[Any, int]]


def _find(query: ParsedQuery, scope: large.Scope, filters: SearchFilters) -> _Found:
    """The match, its scope and its filters, counted in one pass (see `search.large`)."""
    match = _Match(query)
    table = large.table()
    rows = table.rows
    found = [rows[pk] for pk in match.fetch() if pk in rows]
    visible = scope.keep(found)
    chosen = {f: v for f in FACETS if (v := filters.selected(f)) is not None}
    selected, counts = large.facet_counts(visible, chosen)
    return _Found(match, table, selected, counts)


def _by_title_then_newest(found: _Found, wanted: int) -> list[tuple[int, float]]:
    """A match of very many entries, ordered without scoring each: the words are in nearly
    every text, so titles holding them come first, then the newest."""
    table = found.table
    keep = {row.pk for row in found.selected}
    titled = [pk for pk in found.match.fetch(title_only=True) if pk in keep]
    ordered = heapq.nsmallest(wanted, titled, key=table.position.__getitem__)
    if len(ordered) < wanted:
        in_title = set(titled)
        for pk in table.newest:
            if pk in keep and pk not in in_title:
                ordered.append(pk)
                if len(ordered) >= wanted:
                    break
    in_title = set(titled)
    return [(pk, 1.0 if pk in in_title else 0.0) for pk in ordered]


def _ranked(found: _Found, page: int, per_page: int) -> list[tuple[int, float]]:
    """The page's (entry id, score), best first."""
    offset = (page - 1) * per_page
    if len(found.selected) > LARGE_MATCH:
        return _by_title_then_newest(found, offset + per_page)[offset : offset + per_page]
    ids = [row.pk for row in found.selected]
    if offset + per_page <= RANK_WINDOW:
        best = found.match.scored_ids(ids, RANK_WINDOW)
        return _rerank(best, found.table)[offset : offset + per_page]
    # Past the re-ranked window the backend's order is kept.
    rows = found.match.scored_ids(ids, per_page, offset)
    return [(int(r[0]), float(r[1] or 0.0)) for r in rows]


def search(
    actor: Any, q: str, filters: SearchFilters | None = None, page: int = 1, per_page: int = 20
) -> SearchPage:
    """One page of what `actor` may see matching `q`, with the total and the facets.

    Raises Invalid for an empty or too long query (see `segment.parse_query`)."""
    filters = filters or SearchFilters()
    query = segment.parse_query(q)
    return _search(actor, query, filters, page, per_page)


def _search(
    actor: Any, query: ParsedQuery, filters: SearchFilters, page: int, per_page: int
) -> SearchPage:
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    scope = _scope(actor)
    found = _find(query, scope, filters)
    relaxed = False
    if not found.selected and len(query.groups) > 1:
        loose = _find(query.relaxed(), scope, filters)
        if loose.selected:
            query, found, relaxed = loose.match.query, loose, True
    total = len(found.selected)
    page = min(max(1, int(page)), max(1, math.ceil(total / per_page)))
    ranked = _ranked(found, page, per_page) if total else []
    facets = {f: _facet_values(f, found.counts.get(f, {}), filters) for f in FACETS}
    return SearchPage(
        query=query.text,
        hits=_hits(ranked, query),
        total=total,
        relaxed=relaxed,
        facets=facets,
        page=page,
        per_page=per_page,
        words=query.highlight,
    )


def suggest(
    actor: Any, text: str, kinds: tuple[str, ...] = ("case", "document"), limit: int = 5
) -> list[Hit]:
    """The records most like `text` (a problem being typed): any of its words counts, the best
    first. Never raises: too little text gives no suggestions; long text is cut to its first
    MAX_QUERY_CHARS characters."""
    cleaned = " ".join((text or "").split())
    if len("".join(segment._WORD.findall(cleaned))) < 2:
        return []
    try:
        query = segment.parse_query(cleaned[: segment.MAX_QUERY_CHARS]).relaxed()
    except Invalid:
        return []
    found = _find(query, _scope(actor, tuple(kinds)), SearchFilters())
    return _hits(_ranked(found, 1, limit), query)
