"""The knowledge base's starting data (load-programme) and generated demo files (load-demo)."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from twinning.core.models import AuditEntry
from twinning.knowledge.demo import DEMO_FILES, DEMO_LABEL, TIANJIN_HENAN, load_knowledge_demo
from twinning.knowledge.models import (
    CaseAdoption,
    Compilation,
    Document,
    DocumentVersion,
    ModelCase,
    TextStatus,
    Visibility,
)
from twinning.knowledge.programme import load_knowledge
from twinning.knowledge.programme_data import CASES, COMPILATIONS, DEMO_NOTE, DOCUMENTS
from twinning.regions.models import Region
from twinning.search import queries
from twinning.search.vocabulary import load_vocabulary


@pytest.fixture
def loaded(programme: Any, django_capture_on_commit_callbacks: Any) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        load_vocabulary()
        return load_knowledge()


def test_every_region_and_text_length_of_the_starting_data_is_valid(programme: Any) -> None:
    codes = set(Region.objects.values_list("code", flat=True))
    named = {d["region"] for d in DOCUMENTS if d["region"]} | {c["region"] for c in CASES}
    named |= {a["region"] for c in CASES for a in c.get("adoptions", [])}
    assert named <= codes
    for row in DOCUMENTS:
        assert 300 <= len(row["text"]) <= 1500, row["title"]
    for case in CASES:
        length = len(case["problem"] + case["approach"] + case["results"])
        assert 150 <= length <= 1500, case["title"]


def test_starting_data_is_loaded_through_the_services_and_marked_as_demo(
    loaded: Any, supervisor: Any
) -> None:
    assert loaded.missing == []
    assert (loaded.documents_created, loaded.compilations_created) == (len(DOCUMENTS), 2)
    assert loaded.cases_created == len(CASES)
    documents = Document.objects.filter(is_demo=True)
    assert documents.count() == len(DOCUMENTS)
    assert all(d.summary.startswith(DEMO_NOTE) for d in documents)
    assert set(
        DocumentVersion.objects.filter(document__in=documents).values_list("text_status", flat=True)
    ) == {TextStatus.DONE}
    assert Document.objects.get(number="建城〔2020〕93号").issued_on is not None
    promoted = ModelCase.objects.filter(status=ModelCase.Status.PROMOTED)
    assert promoted.count() == sum(c["status"] == "promoted" for c in CASES) >= 5
    assert all(DEMO_NOTE in c.results and c.is_demo for c in ModelCase.objects.all())
    beijing = Compilation.objects.get(title=COMPILATIONS[0]["title"])
    assert [i.document.title for i in beijing.items.order_by("position")][0].startswith("北京市")
    assert CaseAdoption.objects.filter(region_id="460000").count() == 1
    # Audited (by the system) and indexed.
    assert AuditEntry.objects.filter(target_type="knowledge.modelcase", actor=None).exists()
    hits = queries.search(supervisor, "蒲公英计划").hits
    assert hits and hits[0].title.startswith("内江市")


def test_loading_again_creates_nothing(loaded: Any) -> None:
    again = load_knowledge()
    assert (again.documents_created, again.compilations_created, again.cases_created) == (0, 0, 0)
    assert again.documents_existing == len(DOCUMENTS)
    assert again.cases_existing == len(CASES)


def test_load_programme_prints_the_knowledge_counts(programme: Any) -> None:
    out = StringIO()
    call_command("load_programme", stdout=out)
    text = out.getvalue()
    assert f"knowledge: {len(DOCUMENTS)} documents created" in text
    assert "search vocabulary:" in text and "search index:" in text


def test_demo_files_are_extracted_labelled_and_two_are_pair_private(
    programme: Any, django_capture_on_commit_callbacks: Any, jiangxi: Any, tianjin: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = load_knowledge_demo()
    assert result.created == len(DEMO_FILES) and result.texts_other == []
    assert result.texts_done == len(DEMO_FILES)
    assert result.pair_private == 2
    private = Document.objects.filter(visibility=Visibility.PAIR, is_demo=True)
    assert {(d.pairing.leading_region_id, d.pairing.partner_region_id) for d in private} == {
        TIANJIN_HENAN
    }
    versions = DocumentVersion.objects.filter(document__is_demo=True)
    assert {v.extension for v in versions} == {"pdf", "docx", "xlsx"}
    assert all(DEMO_LABEL in v.text for v in versions)
    assert all(d.summary.startswith(DEMO_LABEL) for d in Document.objects.filter(is_demo=True))
    assert max(v.pages or 0 for v in versions) >= 15
    # Scoping: the pair's minutes are found by 天津, not by 江西.
    assert queries.search(tianjin, "纪要").total >= 1
    assert all("纪要" not in h.title for h in queries.search(jiangxi, "纪要").hits)
    again = load_knowledge_demo()
    assert again.created == 0 and again.existing == len(DEMO_FILES)
