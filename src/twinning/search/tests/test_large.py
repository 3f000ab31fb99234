"""Matches are counted and faceted in Python (`search.large`); the total and the facets must be
exactly what the index gives through the ORM (scope, filters, facets each ignoring its own
choice), and a match of very many entries is ordered by title, then newest."""

import datetime as dt
from typing import Any

import pytest

from twinning.knowledge.models import Visibility
from twinning.search import large, queries
from twinning.search.queries import SearchFilters
from twinning.search.tests.conftest import make_case, make_document, make_exchange, make_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(tianjin_henan: Any, nankai_xuchang: Any, topic: Any) -> None:
    for n in range(6):
        make_document(
            f"垃圾分类文件{n}",
            "居民垃圾分类，厨余垃圾单独收运。",
            region="410000" if n % 2 else "110000",
            kind="policy" if n % 3 else "standard",
            issued_on=dt.date(2020 + n % 3, 5, 1),
            topics=(topic,) if n % 2 else (),
        )
    make_document(
        "天津河南内部的垃圾分类方案",
        "垃圾分类内部稿。",
        visibility=Visibility.PAIR,
        pairing=tianjin_henan,
        region="410000",
    )
    make_document("仅部里的垃圾分类通报", "垃圾分类问题。", visibility=Visibility.MINISTRY)
    make_case("垃圾分类案例", region="410000", problem="垃圾分类难")
    make_problem(nankai_xuchang, "许昌垃圾分类难题", "垃圾分类怎么推进")
    make_exchange(tianjin_henan, "垃圾分类交流", "垃圾分类经验")


@pytest.fixture
def topic() -> Any:
    from twinning.plans.models import Topic

    return Topic.objects.order_by("pk").first()


def _page(actor: Any, filters: SearchFilters, threshold: int) -> queries.SearchPage:
    original = queries.LARGE_MATCH
    queries.LARGE_MATCH = threshold
    try:
        return queries.search(actor, "垃圾分类", filters)
    finally:
        queries.LARGE_MATCH = original


def _facets(page: queries.SearchPage) -> dict[str, dict[str, int]]:
    return {
        name: {f.value: f.count for f in values if f.count} for name, values in page.facets.items()
    }


COLUMNS = {"kind": "kind", "subkind": "subkind", "region": "region_id", "year": "year"}


def _reference(actor: Any, filters: SearchFilters) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and facets computed by the database from the scope rule (`scope_q`)."""
    from django.db.models import Count

    from twinning.search import segment
    from twinning.search.models import SearchEntry

    ids = queries._Match(segment.parse_query("垃圾分类")).fetch()
    scoped = queries.scoped_entries(actor).filter(pk__in=ids)
    total = scoped.filter(filters.q()).distinct().count()
    facets: dict[str, dict[str, int]] = {}
    for facet, column in COLUMNS.items():
        rows = scoped.filter(filters.q(without=facet)).values(column).annotate(n=Count("pk"))
        facets[facet] = {str(r[column]): r["n"] for r in rows.order_by() if r[column]}
    topics = (
        SearchEntry.topics.through.objects.filter(
            searchentry__in=scoped.filter(filters.q(without="topic"))
        )
        .values("topic_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    facets["topic"] = {str(r["topic_id"]): r["n"] for r in topics}
    return total, facets


@pytest.mark.parametrize("persona", ["supervisor", "henan", "jiangxi", "xuchang"])
@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(),
        SearchFilters(kind="document"),
        SearchFilters(kind="document", subkind="policy"),
        SearchFilters(region="410000"),
        SearchFilters(year=2021),
        SearchFilters(topic=-1),
    ],
    ids=["none", "kind", "subkind", "region", "year", "topic"],
)
def test_counts_and_facets_are_the_databases(
    corpus: None,
    persona: str,
    filters: SearchFilters,
    topic: Any,
    request: pytest.FixtureRequest,
) -> None:
    if filters.topic == -1:
        filters = SearchFilters(topic=topic.pk)
    actor = request.getfixturevalue(persona)
    total, facets = _reference(actor, filters)
    for threshold in (0, 10_000):  # ordered by title and date, and scored
        page = _page(actor, filters, threshold=threshold)
        assert page.total == total
        assert _facets(page) == facets
        assert len(page.hits) == min(total, 20)
    assert total > 0


def test_titles_holding_the_words_come_first_then_the_newest(corpus: None, supervisor: Any) -> None:
    page = _page(supervisor, SearchFilters(kind="document"), threshold=0)
    titles = [h.title for h in page.hits]
    assert all("垃圾分类" in t for t in titles)
    dated = [h.dated for h in page.hits if h.dated]
    assert dated == sorted(dated, reverse=True)


def test_the_table_follows_the_index(corpus: None, supervisor: Any) -> None:
    before = len(large.table().rows)
    make_document("新增的垃圾分类文件", "垃圾分类。")
    assert len(large.table().rows) == before + 1
    assert _page(supervisor, SearchFilters(), threshold=0).total == (
        _page(supervisor, SearchFilters(), threshold=10_000).total
    )


def test_a_page_of_a_large_match_holds_one_page(corpus: None, supervisor: Any) -> None:
    original = queries.LARGE_MATCH
    queries.LARGE_MATCH = 0
    try:
        page = queries.search(supervisor, "垃圾分类", per_page=3, page=2)
    finally:
        queries.LARGE_MATCH = original
    assert page.total > 6
    assert len(page.hits) == 3
