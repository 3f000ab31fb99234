"""Relevance: the mean reciprocal rank of the relevance set (`relevance_queries.py`) over the
starting data and the generated demo files, for the Ministry (who sees everything), on whichever
database the suite runs on (SQLite, and PostgreSQL in CI's second run)."""

from typing import Any

import pytest

from twinning.knowledge.demo import load_knowledge_demo
from twinning.knowledge.models import Document, DocumentVersion, TextStatus
from twinning.knowledge.programme import load_knowledge
from twinning.search import queries
from twinning.search.index import reindex
from twinning.search.tests.relevance_queries import (
    MRR_TARGET,
    QUERIES,
    TIANJIN_HENAN_PLAN,
    RelevanceQuery,
)
from twinning.search.vocabulary import load_vocabulary

PER_PAGE = 10


@pytest.fixture
def corpus(programme: Any, django_capture_on_commit_callbacks: Any) -> None:
    """The vocabulary, the starting documents and cases and the demo files, extracted and
    indexed (the extraction queued at the commit runs inside the captured block)."""
    with django_capture_on_commit_callbacks(execute=True):
        load_vocabulary()
        knowledge = load_knowledge()
        demo = load_knowledge_demo()
    assert not knowledge.missing, knowledge.missing
    assert demo.texts_other == [], demo.texts_other
    reindex()


def _rank(actor: Any, item: RelevanceQuery) -> tuple[int, list[str]]:
    """The position of the first expected title on the first page (0 if absent), and the
    titles found there."""
    page = queries.search(actor, item.q, per_page=PER_PAGE)
    titles = [hit.title for hit in page.hits]
    for position, title in enumerate(titles, start=1):
        if title in item.expected:
            return position, titles
    return 0, titles


def test_relevance_set_is_large_enough_and_names_loaded_records(corpus: None) -> None:
    assert len(QUERIES) >= 30
    assert len({q.q for q in QUERIES}) == len(QUERIES)
    from twinning.knowledge.models import ModelCase

    titles = set(Document.objects.values_list("title", flat=True))
    titles |= set(ModelCase.objects.values_list("title", flat=True))
    unknown = sorted({t for q in QUERIES for t in q.expected} - titles)
    assert unknown == [], f"expected titles not in the corpus: {unknown}"


def test_demo_texts_are_extracted(corpus: None) -> None:
    versions = DocumentVersion.objects.filter(document__is_demo=True)
    assert versions.count() >= 20
    assert set(versions.values_list("text_status", flat=True)) == {TextStatus.DONE}
    long_pdf = versions.filter(extension="pdf").order_by("-pages").first()
    assert long_pdf is not None and (long_pdf.pages or 0) >= 15


def test_mean_reciprocal_rank(corpus: None, supervisor: Any) -> None:
    lines = []
    total = 0.0
    for item in QUERIES:
        rank, titles = _rank(supervisor, item)
        total += 1.0 / rank if rank else 0.0
        if rank != 1:
            lines.append(f"  rank {rank or '—'}  {item.q!r} ({item.why}); first hits: {titles[:3]}")
    mrr = total / len(QUERIES)
    report = "\n".join([f"MRR {mrr:.3f} over {len(QUERIES)} queries; not first:", *lines])
    print(report)
    assert mrr >= MRR_TARGET, report


def test_pair_private_demo_file_is_found_only_by_its_pair(
    corpus: None, tianjin: Any, jiangxi: Any
) -> None:
    query = "和平区 信阳市"
    assert TIANJIN_HENAN_PLAN in [h.title for h in queries.search(tianjin, query).hits]
    outsider = queries.search(jiangxi, query)
    assert TIANJIN_HENAN_PLAN not in [h.title for h in outsider.hits]
