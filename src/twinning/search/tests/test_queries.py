"""Search pages: hits, totals, facets (each ignoring its own choice), pages and suggestions."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from twinning.core.errors import Invalid
from twinning.plans.models import Topic
from twinning.search import queries
from twinning.search.queries import SearchFilters
from twinning.search.tests.conftest import make_case, make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(programme: Any) -> dict[str, Any]:
    topics = list(Topic.objects.order_by("position")[:2])
    return {
        "topics": topics,
        "a": make_document(
            "天津市定时定点投放办法",
            "推行定时定点投放。",
            region="120000",
            kind="regulation",
            issued_on=dt.date(2021, 3, 1),
            topics=(topics[0],),
        ),
        "b": make_document(
            "河南省定时定点工作方案",
            "全省推广定时定点。",
            region="410000",
            kind="work_plan",
            issued_on=dt.date(2023, 6, 1),
            topics=(topics[0], topics[1]),
        ),
        "c": make_case(
            "许昌定时定点典型案例",
            region="410000",
            approach="定时定点投放配合桶边督导。",
            topic=topics[1],
        ),
    }


def _facet(page: queries.SearchPage, name: str) -> dict[str, tuple[int, bool]]:
    return {f.value: (f.count, f.selected) for f in page.facets[name]}


def test_hits_carry_what_the_page_shows(corpus: Any, supervisor: Any) -> None:
    page = queries.search(supervisor, "定时定点投放办法")
    hit = page.hits[0]
    assert hit.kind == "document" and hit.kind_label == "文档"
    assert hit.object_id == corpus["a"].pk
    assert hit.url == f"/knowledge/documents/{corpus['a'].pk}/"
    assert hit.region_name == "天津市"
    assert hit.subkind_label == "法规规章"
    assert hit.dated == dt.date(2021, 3, 1)
    assert "<mark>定时定点</mark>" in hit.snippet
    assert "<mark>定时定点</mark>" in hit.title_marked
    assert page.words and page.query == "定时定点投放办法"


def test_facets_count_the_matches_and_ignore_their_own_choice(corpus: Any, supervisor: Any) -> None:
    topics = corpus["topics"]
    page = queries.search(supervisor, "定时定点")
    assert page.total == 3
    assert _facet(page, "kind") == {"document": (2, False), "case": (1, False)}
    assert _facet(page, "subkind") == {"regulation": (1, False), "work_plan": (1, False)}
    assert _facet(page, "region") == {"410000": (2, False), "120000": (1, False)}
    assert _facet(page, "topic") == {str(topics[0].pk): (2, False), str(topics[1].pk): (2, False)}
    this_year = str(timezone.localdate().year)
    assert _facet(page, "year") == {"2021": (1, False), "2023": (1, False), this_year: (1, False)}
    assert [f.value for f in page.facets["year"]] == sorted(_facet(page, "year"), reverse=True)
    assert {f.label for f in page.facets["region"]} == {"天津市", "河南省"}

    chosen = queries.search(supervisor, "定时定点", SearchFilters(kind="case"))
    assert [h.title for h in chosen.hits] == ["许昌定时定点典型案例"]
    assert chosen.total == 1
    # The kind facet still offers the other kind; the others count the chosen kind only.
    assert _facet(chosen, "kind") == {"document": (2, False), "case": (1, True)}
    assert _facet(chosen, "region") == {"410000": (1, False)}

    by_region = queries.search(supervisor, "定时定点", SearchFilters(region="410000"))
    assert by_region.total == 2
    assert _facet(by_region, "region") == {"410000": (2, True), "120000": (1, False)}
    assert _facet(by_region, "kind") == {"document": (1, False), "case": (1, False)}

    by_topic = queries.search(supervisor, "定时定点", SearchFilters(topic=topics[0].pk))
    assert {h.title for h in by_topic.hits} == {"天津市定时定点投放办法", "河南省定时定点工作方案"}
    assert by_topic.total == 2
    assert _facet(by_topic, "topic")[str(topics[0].pk)] == (2, True)
    assert _facet(by_topic, "kind") == {"document": (2, False)}

    by_year = queries.search(supervisor, "定时定点", SearchFilters(year=2023, subkind="work_plan"))
    assert [h.title for h in by_year.hits] == ["河南省定时定点工作方案"]
    assert _facet(by_year, "subkind") == {"work_plan": (1, True)}


def test_pages(supervisor: Any) -> None:
    for number in range(7):
        make_document(f"资源化利用简报{number}", "资源化利用情况。")
    first = queries.search(supervisor, "资源化利用", per_page=3)
    assert first.total == 7 and len(first.hits) == 3
    assert first.num_pages == 3 and first.has_next and not first.has_previous
    third = queries.search(supervisor, "资源化利用", page=3, per_page=3)
    assert len(third.hits) == 1 and not third.has_next
    # Past the end: the last page.
    assert queries.search(supervisor, "资源化利用", page=99, per_page=3).page == 3
    seen = [
        h.object_id
        for p in (1, 2, 3)
        for h in queries.search(supervisor, "资源化利用", page=p, per_page=3).hits
    ]
    assert len(set(seen)) == 7
    assert first.page_obj.paginator.count == 7


def test_pages_past_the_reranked_window(supervisor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "RANK_WINDOW", 4)
    for number in range(7):
        make_document(f"无害化处理简报{number}", "无害化处理情况。")
    seen = [
        h.object_id
        for p in (1, 2, 3, 4)
        for h in queries.search(supervisor, "无害化处理", page=p, per_page=2).hits
    ]
    assert len(seen) == 7 and len(set(seen)) == 7


def test_suggestions_for_a_problem_being_typed(corpus: Any, henan: Any) -> None:
    hits = queries.suggest(henan, "我们县想推行定时定点投放，居民不配合怎么办？")
    assert hits and hits[0].kind in {"document", "case"}
    assert {h.title for h in hits} <= {
        "天津市定时定点投放办法",
        "河南省定时定点工作方案",
        "许昌定时定点典型案例",
    }
    assert [h.kind for h in queries.suggest(henan, "定时定点", kinds=("case",))] == ["case"]
    assert len(queries.suggest(henan, "定时定点", limit=1)) == 1


@pytest.mark.parametrize("text", ["", " ", "，。", "定", "!!!", "a"])
def test_suggestions_never_fail_on_too_little_text(corpus: Any, henan: Any, text: str) -> None:
    assert queries.suggest(henan, text) == []


def test_suggestions_use_the_beginning_of_a_long_text(corpus: Any, henan: Any) -> None:
    long_text = "定时定点" + "，" * 50 + "的情况" * 400
    assert queries.suggest(henan, long_text)
    # Beyond the first 100 characters nothing counts.
    assert queries.suggest(henan, "情况" * 60 + "定时定点") == []


def test_a_bad_query_is_invalid(supervisor: Any) -> None:
    with pytest.raises(Invalid):
        queries.search(supervisor, "")


def test_an_anonymous_visitor_sees_nothing(corpus: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    page = queries.search(AnonymousUser(), "定时定点")
    assert page.total == 0 and page.hits == []
    assert all(not values for values in page.facets.values())
    assert queries.suggest(AnonymousUser(), "定时定点") == []
