"""Answers before asking: while a problem is typed, the form suggests model cases and documents
about the same thing (search.queries.suggest), limited to what the asker may see."""

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from twinning.accounts.models import User
from twinning.knowledge.models import (
    Document,
    DocumentKind,
    DocumentVersion,
    ModelCase,
    TextStatus,
    Visibility,
)
from twinning.pairings.models import Pairing
from twinning.search import segment
from twinning.search.index import index_object
from twinning.search.vocabulary import load_vocabulary

pytestmark = pytest.mark.django_db

CASE_TITLE = "昆明市厨余垃圾收运处理全链条"
DOCUMENT_TITLE = "厨余垃圾分出率提升工作指引"
PRIVATE_TITLE = "天津河南结对厨余垃圾内部测算"


@pytest.fixture(autouse=True)
def vocabulary(programme: Any) -> Iterator[None]:
    load_vocabulary()
    segment.reload_vocabulary()
    yield
    segment.reload_vocabulary()


def make_document(
    title: str,
    text: str,
    *,
    visibility: str = Visibility.PROGRAMME,
    pairing: Pairing | None = None,
) -> Document:
    document = Document.objects.create(
        title=title,
        kind=DocumentKind.POLICY,
        region_id="410000",
        issued_on=dt.date(2024, 5, 1),
        visibility=visibility,
        pairing=pairing,
    )
    DocumentVersion.objects.create(
        document=document,
        number=1,
        file="knowledge/documents/test.txt",
        original_name=f"{title}.txt",
        extension="txt",
        content_type="text/plain",
        size=len(text.encode()),
        sha256="0" * 64,
        text=text,
        text_status=TextStatus.DONE,
    )
    index_object("document", document.pk)
    return document


@pytest.fixture
def knowledge(tianjin_henan: Pairing) -> dict[str, Any]:
    case = ModelCase.objects.create(
        title=CASE_TITLE,
        region_id="530100",
        problem="厨余垃圾分出率低，收运不及时。",
        approach="建立厨余垃圾专车收运和集中处理的全链条。",
        results="厨余垃圾分出率提高到三成。",
        status=ModelCase.Status.PROMOTED,
    )
    index_object("case", case.pk)
    return {
        "case": case,
        "document": make_document(DOCUMENT_TITLE, "提高居民参与度、提升厨余垃圾分出率的十项措施。"),
        "unrelated": make_document("道路绿化养护办法", "行道树修剪和绿地养护。"),
        "private": make_document(
            PRIVATE_TITLE,
            "厨余垃圾分出率的内部测算，仅结对双方可见。",
            visibility=Visibility.PAIR,
            pairing=tianjin_henan,
        ),
    }


def suggestions(client: Client, **values: str) -> str:
    response = client.get("/consultations/similar/", values, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return str(response.content.decode())


def test_typing_a_problem_suggests_related_cases_and_documents(
    login: Callable[[User], Client], henan: User, knowledge: dict[str, Any]
) -> None:
    page = suggestions(login(henan), title="厨余垃圾分出率低怎么办", description="居民参与度不高")
    assert "相关典型案例和文档" in page
    assert CASE_TITLE in page
    assert DOCUMENT_TITLE in page
    assert "道路绿化养护办法" not in page
    assert f'href="/knowledge/cases/{knowledge["case"].pk}/"' in page
    assert "<mark>" in page


def test_a_synonym_in_the_problem_finds_the_same_knowledge(
    login: Callable[[User], Client], henan: User, knowledge: dict[str, Any]
) -> None:
    page = suggestions(login(henan), title="湿垃圾分出率太低")
    assert CASE_TITLE in page


def test_the_suggestions_keep_pair_private_documents_to_the_pair(
    login: Callable[[User], Client], henan: User, jiangxi: User, knowledge: dict[str, Any]
) -> None:
    text = {"title": "厨余垃圾分出率内部测算"}
    assert PRIVATE_TITLE in suggestions(login(henan), **text)
    outside = suggestions(login(jiangxi), **text)
    assert PRIVATE_TITLE not in outside
    assert CASE_TITLE in outside or DOCUMENT_TITLE in outside


def test_nothing_typed_or_nonsense_suggests_nothing(
    login: Callable[[User], Client], henan: User, knowledge: dict[str, Any]
) -> None:
    client = login(henan)
    assert "相关典型案例和文档" not in suggestions(client, title="", description="")
    assert "相关典型案例和文档" not in suggestions(client, title="！？。，")
    # A long description is fine: the suggestions use its start.
    long = suggestions(client, title="厨余垃圾", description="厨余垃圾分出率" * 300)
    assert "相关典型案例和文档" in long


def test_the_new_problem_form_still_asks_for_suggestions_while_typing(
    login: Callable[[User], Client], henan: User, tianjin_henan: Pairing
) -> None:
    page = login(henan).get("/consultations/new/", {"pairing": tianjin_henan.pk})
    assert page.status_code == 200
    assert 'hx-get="/consultations/similar/"' in page.content.decode()
