"""The search API: results with snippets, totals and facets limited to what the caller may see,
refused queries (422 problem+json), suggestions, and the vocabulary and reindex operations of
platform admins. Documents are uploaded through the knowledge services, so their text is read
and indexed as in production."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.core.testing import assert_problem
from twinning.knowledge import services as knowledge
from twinning.knowledge.models import Document, ModelCase, Visibility
from twinning.knowledge.tests import files
from twinning.pairings.models import Pairing
from twinning.search import segment
from twinning.search.models import DictionaryWord, SearchEntry, SynonymGroup
from twinning.search.vocabulary import load_vocabulary

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
V1 = "/api/v1"
PRIVATE_TITLE = "天津河南结对内部工作底稿"


@pytest.fixture(autouse=True)
def vocabulary(programme: Any) -> Iterator[None]:
    """The starting dictionary and synonyms, as load-programme seeds them."""
    load_vocabulary()
    segment.reload_vocabulary()
    yield
    segment.reload_vocabulary()


@pytest.fixture(autouse=True)
def _no_leftover_files() -> Iterator[None]:
    root = Path(settings.MEDIA_ROOT)
    before = {p for p in root.rglob("*") if p.is_file()}
    yield
    for path in {p for p in root.rglob("*") if p.is_file()} - before:
        path.unlink(missing_ok=True)


def vocabulary_state() -> dict[str, Any]:
    return {
        "words": list(DictionaryWord.objects.order_by("pk").values()),
        "groups": list(SynonymGroup.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.exclude(target_type="accounts.apitoken").count(),
    }


@pytest.fixture
def upload(
    django_capture_on_commit_callbacks: Any,
) -> Callable[..., Document]:
    """Upload a document through the service; its text is read and indexed at the commit."""

    def make(actor: User, name: str, data: bytes, **fields: Any) -> Document:
        with django_capture_on_commit_callbacks(execute=True):
            return knowledge.create_document(
                actor, file=SimpleUploadedFile(name, data), name=name, **fields
            )

    return make


@pytest.fixture
def corpus(
    upload: Callable[..., Document], tianjin: User, henan: User, tianjin_henan: Pairing
) -> dict[str, Document]:
    """Three programme-wide documents and one private to 天津–河南 (a report of 2021)."""
    return {
        "kitchen": upload(
            henan,
            "厨余垃圾处理.pdf",
            files.pdf(["郑州市厨余垃圾收运处理体系建设情况。", "第二页：末端处理设施。"]),
            kind="report",
            issued_on="2024-03-01",
        ),
        "points": upload(
            tianjin,
            "撤桶并点方案.docx",
            files.docx(["天津市推行撤桶并点，定时定点投放。"], table=[["街道", "点位"]]),
            kind="work_plan",
            issued_on="2023-06-01",
        ),
        "sheet": upload(
            henan,
            "任务清单.xlsx",
            files.xlsx({"任务": [["序号", "任务"], [1, "撤桶并点改造"]]}),
            kind="work_plan",
            issued_on="2024-09-01",
        ),
        "private": upload(
            tianjin,
            "内部底稿.txt",
            "结对内部讨论：撤桶并点的经费安排。".encode(),
            title=PRIVATE_TITLE,
            kind="regulation",
            issued_on="2021-05-01",
            visibility=Visibility.PAIR,
            pairing=tianjin_henan,
        ),
    }


def search(client: Client, **params: Any) -> Any:
    response = client.get(f"{V1}/search", params)
    assert response.status_code == 200, response.content
    return response.json()


def facet(body: dict[str, Any], name: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in body["facets"].get(name, [])}


# ---------------------------------------------------------------- results


def test_a_word_inside_a_file_is_found_with_a_highlighted_snippet(
    api: ClientFor, henan: User, corpus: dict[str, Document]
) -> None:
    body = search(api(henan), q="末端处理设施")

    assert body["total"] == 1 and body["relaxed"] is False
    [hit] = body["hits"]
    assert (hit["kind"], hit["object_id"]) == ("document", corpus["kitchen"].pk)
    assert hit["title"] == "厨余垃圾处理"
    assert "<mark>" in hit["snippet"] and hit["url"].startswith("/knowledge/")
    assert hit["subkind_label"] == "报告"


def test_a_synonym_finds_a_document_that_only_uses_the_other_word(
    api: ClientFor, henan: User, corpus: dict[str, Document]
) -> None:
    body = search(api(henan), q="湿垃圾")

    assert corpus["kitchen"].pk in [h["object_id"] for h in body["hits"]]
    assert "<mark>厨余垃圾</mark>" in body["hits"][0]["snippet"]


def test_words_inside_word_and_excel_files_are_found(
    api: ClientFor, henan: User, corpus: dict[str, Document]
) -> None:
    client = api(henan)

    in_word = search(client, q="定时定点")
    in_excel = search(client, q="撤桶并点改造")

    assert [h["object_id"] for h in in_word["hits"]] == [corpus["points"].pk]
    assert corpus["sheet"].pk in [h["object_id"] for h in in_excel["hits"]]


def test_a_query_not_matching_every_word_is_relaxed(
    api: ClientFor, henan: User, corpus: dict[str, Document]
) -> None:
    body = search(api(henan), q="末端处理设施 火星基地")

    assert body["relaxed"] is True and body["total"] >= 1


def test_filters_and_facets(api: ClientFor, henan: User, corpus: dict[str, Document]) -> None:
    client = api(henan)

    everything = search(client, q="撤桶并点")
    plans = search(client, q="撤桶并点", kind="document", subkind="work_plan")
    of_2024 = search(client, q="撤桶并点", year=2024)
    tianjin_only = search(client, q="撤桶并点", region="120000")

    assert everything["total"] == 3  # the pair's private note too: 河南 is a side
    assert facet(everything, "kind") == {"document": 3}
    assert facet(everything, "subkind") == {"work_plan": 2, "regulation": 1}
    assert facet(everything, "year") == {"2024": 1, "2023": 1, "2021": 1}
    assert plans["total"] == 2
    assert [v["selected"] for v in plans["facets"]["subkind"] if v["value"] == "work_plan"] == [
        True
    ]
    assert [h["object_id"] for h in of_2024["hits"]] == [corpus["sheet"].pk]
    assert {h["object_id"] for h in tianjin_only["hits"]} == {
        corpus["points"].pk,
        corpus["private"].pk,
    }


def test_results_come_in_pages(api: ClientFor, henan: User, corpus: dict[str, Document]) -> None:
    client = api(henan)

    first = search(client, q="撤桶并点", per_page=2)
    second = search(client, q="撤桶并点", per_page=2, page=2)
    past_the_end = search(client, q="撤桶并点", per_page=2, page=9)

    assert (first["total"], len(first["hits"]), len(second["hits"])) == (3, 2, 1)
    ids = [h["object_id"] for h in first["hits"] + second["hits"]]
    assert len(set(ids)) == 3
    assert past_the_end["page"] == 2


def test_a_too_large_page_size_is_refused(api: ClientFor, henan: User) -> None:
    response = api(henan).get(f"{V1}/search", {"q": "垃圾", "per_page": "500"})

    assert_problem(response, 422, "invalid_input")


# ---------------------------------------------------------------- scoping


def test_a_pair_private_document_never_reaches_an_outsider(
    api: ClientFor, jiangxi: User, henan: User, supervisor: User, corpus: dict[str, Document]
) -> None:
    outsider = api(jiangxi)

    broad = search(outsider, q="撤桶并点")
    only = search(outsider, q="结对内部讨论")
    suggested = outsider.get(f"{V1}/search/suggest", {"q": "内部工作底稿 经费安排"}).json()
    side = api(henan).get(f"{V1}/search/suggest", {"q": "内部工作底稿 经费安排"}).json()

    assert broad["total"] == 2
    assert PRIVATE_TITLE not in str(broad)
    assert facet(broad, "kind") == {"document": 2}
    assert "regulation" not in facet(broad, "subkind")
    assert "2021" not in facet(broad, "year")
    assert only["total"] == 0 and PRIVATE_TITLE not in str(only)
    assert facet(only, "subkind") == {} and facet(only, "year") == {}
    assert PRIVATE_TITLE not in str(suggested)
    assert PRIVATE_TITLE in [h["title"] for h in side]
    assert search(api(supervisor), q="撤桶并点")["total"] == 3


def test_draft_cases_are_found_by_whoever_may_see_them(
    api: ClientFor, henan: User, jiangxi: User, tianjin_henan: Pairing
) -> None:
    knowledge.create_case(
        henan,
        title="许昌市蒲公英计划",
        problem="志愿者不足",
        approach="蒲公英计划招募志愿者",
        results="覆盖全部小区",
        visibility=Visibility.PAIR,
        pairing=tianjin_henan,
    )

    inside = search(api(henan), q="蒲公英计划", kind="case")
    outside = search(api(jiangxi), q="蒲公英计划")

    assert [h["title"] for h in inside["hits"]] == ["许昌市蒲公英计划"]
    assert outside["total"] == 0 and facet(outside, "kind") == {}


# ---------------------------------------------------------------- bad queries


@pytest.mark.parametrize(
    ("q", "code"),
    [
        ("", "empty_query"),
        ("   ", "empty_query"),
        ("！？。，、……——", "empty_query"),
        ("?!.,;:()[]", "empty_query"),
        ("垃" * 101, "query_too_long"),
        ("a" * 1000, "query_too_long"),
        ("<script>alert(1)</script>" * 40, "query_too_long"),
    ],
)
def test_a_bad_query_is_refused_with_a_clear_problem(
    api: ClientFor, henan: User, q: str, code: str
) -> None:
    response = api(henan).get(f"{V1}/search", {"q": q})

    body = assert_problem(response, 422, code)
    assert "<script>" not in body["detail"]


def test_a_missing_query_is_an_empty_one(api: ClientFor, henan: User) -> None:
    assert_problem(api(henan).get(f"{V1}/search"), 422, "empty_query")


def test_a_two_character_query_works(
    api: ClientFor, henan: User, corpus: dict[str, Document]
) -> None:
    body = search(api(henan), q="厨余")

    assert corpus["kitchen"].pk in [h["object_id"] for h in body["hits"]]


# ---------------------------------------------------------------- suggestions


def test_suggestions_list_the_best_matches(
    api: ClientFor, henan: User, corpus: dict[str, Document]
) -> None:
    response = api(henan).get(
        f"{V1}/search/suggest", {"q": "我们小区想推行撤桶并点，怎么做？", "kind": "document"}
    )

    assert response.status_code == 200
    titles = [h["title"] for h in response.json()]
    assert titles and len(titles) <= 5
    assert "撤桶并点方案" in titles


@pytest.mark.parametrize("q", ["", "！？。", "垃", "垃圾" * 500])
def test_suggestions_never_refuse(api: ClientFor, henan: User, q: str) -> None:
    response = api(henan).get(f"{V1}/search/suggest", {"q": q})

    assert response.status_code == 200
    assert isinstance(response.json(), list)


def test_suggestions_limit_is_bounded(api: ClientFor, henan: User) -> None:
    response = api(henan).get(f"{V1}/search/suggest", {"q": "撤桶并点", "limit": "99"})

    assert_problem(response, 422, "invalid_input")


# ---------------------------------------------------------------- vocabulary and reindex


def test_an_admin_adds_archives_and_restores_a_dictionary_word(
    api: ClientFor, admin_user: User
) -> None:
    client = api(admin_user)

    added = client.post(
        f"{V1}/search/dictionary", {"word": "绿色账户", "note": "积分"}, "application/json"
    )
    twice = client.post(f"{V1}/search/dictionary", {"word": "绿色账户"}, "application/json")
    word_id = added.json()["id"]
    listed = client.get(f"{V1}/search/dictionary").json()
    archived = client.post(f"{V1}/search/dictionary/{word_id}/archive")
    live = client.get(f"{V1}/search/dictionary").json()
    old = client.get(f"{V1}/search/dictionary", {"archived": "true"}).json()
    restored = client.post(f"{V1}/search/dictionary/{word_id}/restore")

    assert added.status_code == 201, added.content
    assert (added.json()["word"], added.json()["created_by"]) == ("绿色账户", "admin")
    assert_problem(twice, 409, "duplicate")
    assert "绿色账户" in [w["word"] for w in listed]
    assert archived.json()["archived"] is True
    assert "绿色账户" not in [w["word"] for w in live]
    assert [w["word"] for w in old] == ["绿色账户"]
    assert restored.json()["archived"] is False


def test_an_admin_adds_a_synonym_group_that_search_then_uses(
    api: ClientFor,
    admin_user: User,
    henan: User,
    upload: Callable[..., Document],
    django_capture_on_commit_callbacks: Any,
) -> None:
    upload(henan, "旧衣物.txt", "社区设置旧衣物回收箱。".encode())
    client = api(admin_user)

    with django_capture_on_commit_callbacks(execute=True):  # the index is rebuilt at the commit
        added = client.post(
            f"{V1}/search/synonyms",
            {"words": ["旧衣物", "废旧纺织物"], "note": "同义"},
            "application/json",
        )
    found = search(api(henan), q="废旧纺织物")
    group_id = added.json()["id"]
    archived = client.post(f"{V1}/search/synonyms/{group_id}/archive")
    restored = client.post(f"{V1}/search/synonyms/{group_id}/restore")
    listed = client.get(f"{V1}/search/synonyms").json()

    assert added.status_code == 201, added.content
    assert added.json()["words"] == ["旧衣物", "废旧纺织物"]
    assert [h["title"] for h in found["hits"]] == ["旧衣物"]
    assert archived.json()["archived"] is True and restored.json()["archived"] is False
    assert group_id in [g["id"] for g in listed]


def test_a_synonym_group_needs_two_words(api: ClientFor, admin_user: User) -> None:
    before = vocabulary_state()

    response = api(admin_user).post(
        f"{V1}/search/synonyms", {"words": ["湿垃圾"]}, "application/json"
    )

    assert_problem(response, 422, "invalid_input")
    assert vocabulary_state() == before


def test_an_unknown_word_or_group_is_404(api: ClientFor, admin_user: User) -> None:
    client = api(admin_user)

    assert_problem(client.post(f"{V1}/search/dictionary/999999/archive"), 404, "not_found")
    assert_problem(client.post(f"{V1}/search/synonyms/999999/restore"), 404, "not_found")


@pytest.mark.parametrize("persona", ["supervisor", "henan", "henan_expert"])
def test_only_platform_admins_keep_the_vocabulary(
    persona: str, api: ClientFor, request: pytest.FixtureRequest
) -> None:
    client = api(request.getfixturevalue(persona))
    word = DictionaryWord.objects.filter(archived_at__isnull=True).first()
    assert word is not None
    before = vocabulary_state()

    responses = [
        client.get(f"{V1}/search/dictionary"),
        client.post(f"{V1}/search/dictionary", {"word": "新词语"}, "application/json"),
        client.post(f"{V1}/search/dictionary/{word.pk}/archive"),
        client.get(f"{V1}/search/synonyms"),
        client.post(f"{V1}/search/synonyms", {"words": ["甲词", "乙词"]}, "application/json"),
        client.post(f"{V1}/search/reindex"),
    ]

    for response in responses:
        assert_problem(response, 403, "forbidden")
    assert vocabulary_state() == before


def test_an_admin_rebuilds_the_index_in_the_background(
    api: ClientFor,
    admin_user: User,
    corpus: dict[str, Document],
    django_capture_on_commit_callbacks: Any,
) -> None:
    SearchEntry.objects.filter(object_id=corpus["kitchen"].pk, kind="document").delete()

    with django_capture_on_commit_callbacks(execute=True):
        response = api(admin_user).post(f"{V1}/search/reindex")

    assert response.status_code == 202
    assert response.json()["queued"] is True
    assert SearchEntry.objects.filter(object_id=corpus["kitchen"].pk, kind="document").exists()


def test_the_case_kind_is_a_valid_filter(api: ClientFor, henan: User) -> None:
    assert ModelCase.objects.count() == 0
    assert search(api(henan), q="垃圾分类", kind="case")["total"] == 0
    assert_problem(api(henan).get(f"{V1}/search", {"q": "垃圾", "kind": "x"}), 422, "invalid_input")


# ---------------------------------------------------------------- the published contract


def test_every_search_operation_is_documented(client: Client) -> None:
    schema = client.get(f"{V1}/openapi.json").json()
    operations = [
        operation
        for path, methods in schema["paths"].items()
        if path.startswith(f"{V1}/search")
        for operation in methods.values()
    ]

    assert len(operations) == 11
    assert all(op.get("summary") and op["tags"] == ["search"] for op in operations)
    results = schema["paths"][f"{V1}/search"]["get"]["responses"]["200"]
    assert results["content"]["application/json"]["schema"]["$ref"].endswith("SearchResultsOut")
