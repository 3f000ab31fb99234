"""The search pages through HTTP: results with highlighted snippets and facets, filter links,
pages, scoping to what the user may see, bad queries, suggestions and the vocabulary page."""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.knowledge.models import (
    Document,
    DocumentKind,
    DocumentVersion,
    ModelCase,
    TextStatus,
    Visibility,
)
from twinning.pairings.models import Pairing
from twinning.plans.models import Topic
from twinning.search import segment
from twinning.search.index import index_object
from twinning.search.models import DictionaryWord, SynonymGroup
from twinning.search.vocabulary import load_vocabulary

pytestmark = pytest.mark.django_db

PRIVATE_TITLE = "天津河南结对内部工作底稿"


@pytest.fixture(autouse=True)
def vocabulary(programme: Any) -> Iterator[None]:
    """The starting dictionary and synonyms, as load-programme seeds them."""
    load_vocabulary()
    segment.reload_vocabulary()
    yield
    segment.reload_vocabulary()


def make_document(
    title: str,
    text: str,
    *,
    kind: str = DocumentKind.POLICY,
    region: str | None = "410000",
    issued: dt.date | None = dt.date(2024, 5, 1),
    topics: tuple[str, ...] = (),
    visibility: str = Visibility.PROGRAMME,
    pairing: Pairing | None = None,
) -> Document:
    """A document with one version whose text is extracted, indexed as the services do."""
    document = Document.objects.create(
        title=title,
        kind=kind,
        region_id=region,
        issued_on=issued,
        visibility=visibility,
        pairing=pairing,
    )
    document.topics.set(Topic.objects.filter(code__in=topics))
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


def make_case(
    title: str,
    *,
    region: str = "120000",
    problem: str = "居民分类投放准确率低。",
    approach: str = "推行撤桶并点和桶边督导。",
    results: str = "准确投放率提高到九成。",
    visibility: str = Visibility.PROGRAMME,
    pairing: Pairing | None = None,
) -> ModelCase:
    case = ModelCase.objects.create(
        title=title,
        region_id=region,
        problem=problem,
        approach=approach,
        results=results,
        visibility=visibility,
        pairing=pairing,
        status=ModelCase.Status.PROMOTED,
    )
    index_object("case", case.pk)
    return case


def html(response: Any) -> str:
    return str(response.content.decode())


def hits(response: Any) -> list[str]:
    """The titles of the hits on a results page, in order."""
    found = re.findall(r'class="search-title" href="[^"]*">(.*?)</a>', html(response))
    return [unescape(re.sub(r"<[^>]+>", "", t)) for t in found]


def facet(response: Any, name: str) -> dict[str, tuple[int, str]]:
    """A facet of the sidebar: label → (count, link)."""
    block = re.search(
        rf'<div class="facet-group" id="facet-{name}">(.*?)</div>', html(response), re.S
    )
    if block is None:
        return {}
    rows = re.findall(
        r'<a href="([^"]*)" data-facet="[^"]*" data-value="[^"]*"[^>]*>([^<]*)</a> '
        r'<span class="facet-count">(\d+)</span>',
        block.group(1),
    )
    return {unescape(label): (int(count), unescape(url)) for url, label, count in rows}


def total(response: Any) -> int:
    found = re.search(r'id="search-count">\D*(\d+)', html(response))
    assert found, "no result count on the page"
    return int(found.group(1))


# ---------------------------------------------------------------- the page itself


def test_without_a_query_the_page_gives_tips_and_examples(
    login: Callable[[User], Client], henan: User
) -> None:
    response = login(henan).get("/search/")
    assert response.status_code == 200
    page = html(response)
    assert "如何检索" in page
    for example in ("湿垃圾", "撤桶并点", "蒲公英计划"):
        assert f'href="/search/?q={quote(example)}"' in page


def test_signed_in_pages_have_a_search_box_in_the_top_bar(
    login: Callable[[User], Client], henan: User
) -> None:
    page = html(login(henan).get("/consultations/"))
    assert 'class="topsearch" action="/search/"' in page
    assert 'hx-get="/search/suggest/"' in page
    assert "topsearch" not in html(Client().get("/login/"))


def test_a_matching_document_is_shown_with_its_highlighted_snippet(
    login: Callable[[User], Client], henan: User
) -> None:
    make_document(
        "许昌市生活垃圾分类工作方案",
        "为推进生活垃圾分类，许昌市在中心城区开展撤桶并点试点，居民按时段投放，"
        "桶边督导员现场指导。厨余垃圾单独收运。",
        kind=DocumentKind.WORK_PLAN,
        region="411000",
    )
    make_document("无关的文件", "关于道路绿化养护的通知。")
    response = login(henan).get("/search/", {"q": "撤桶并点"})
    assert response.status_code == 200
    assert hits(response) == ["许昌市生活垃圾分类工作方案"]
    assert total(response) == 1
    page = html(response)
    snippet = re.search(r'<p class="search-snippet">(.*?)</p>', page, re.S)
    assert snippet is not None
    assert "<mark>撤桶并点</mark>" in snippet.group(1)
    hit = re.search(r'<li class="search-hit"(.*?)</li>', page, re.S)
    assert hit is not None
    assert "文档" in hit.group(1)  # the kind badge
    assert "工作方案" in hit.group(1)  # the document kind
    assert "许昌市" in hit.group(1)  # the region
    assert "2024-05-01" in hit.group(1)


def test_a_synonym_finds_a_document_that_only_uses_the_other_word(
    login: Callable[[User], Client], henan: User
) -> None:
    make_document("昆明市厨余垃圾收运处理办法", "厨余垃圾实行专车收运，日产日清。")
    response = login(henan).get("/search/", {"q": "湿垃圾"})
    assert hits(response) == ["昆明市厨余垃圾收运处理办法"]
    assert "<mark>厨余垃圾</mark>" in html(response)


def test_a_query_matching_not_every_word_says_the_results_are_relaxed(
    login: Callable[[User], Client], henan: User
) -> None:
    make_document("内江市蒲公英计划实施方案", "蒲公英计划动员中小学生参与垃圾分类宣传。")
    response = login(henan).get("/search/", {"q": "蒲公英计划 焚烧发电"})
    assert hits(response) == ["内江市蒲公英计划实施方案"]
    assert "下面是包含其中部分词语的结果" in html(response)
    strict = login(henan).get("/search/", {"q": "蒲公英计划"})
    assert "下面是包含其中部分词语的结果" not in html(strict)


def test_no_results_suggest_what_to_try(login: Callable[[User], Client], henan: User) -> None:
    make_document("文件甲", "撤桶并点试点。")
    response = login(henan).get("/search/", {"q": "航天飞机", "kind": "document"})
    assert response.status_code == 200
    page = html(response)
    assert total(response) == 0
    assert "没有找到相关内容" in page
    assert "去掉筛选条件再查一次" in page


# ---------------------------------------------------------------- facets and filters


@pytest.fixture
def corpus(programme: Any) -> dict[str, Any]:
    """Four documents and one case, all about 撤桶并点, spread over kinds, regions and years."""
    return {
        "a": make_document(
            "许昌撤桶并点实施方案",
            "撤桶并点实施方案全文。",
            kind=DocumentKind.WORK_PLAN,
            region="411000",
            issued=dt.date(2024, 3, 1),
            topics=("sorted_disposal",),
        ),
        "b": make_document(
            "河南省撤桶并点工作通知",
            "关于推进撤桶并点的通知。",
            kind=DocumentKind.POLICY,
            region="410000",
            issued=dt.date(2024, 6, 1),
            topics=("sorted_disposal",),
        ),
        "c": make_document(
            "河南省撤桶并点验收办法",
            "撤桶并点小区验收办法。",
            kind=DocumentKind.POLICY,
            region="410000",
            issued=dt.date(2023, 9, 1),
        ),
        "d": make_document(
            "撤桶并点设施设置标准",
            "撤桶并点投放点设置标准。",
            kind=DocumentKind.STANDARD,
            region="120000",
            issued=dt.date(2022, 1, 10),
        ),
        "case": make_case("南开区撤桶并点示范小区", region="120104"),
    }


def test_facets_count_the_results_by_kind_document_kind_region_and_year(
    login: Callable[[User], Client], henan: User, corpus: dict[str, Any]
) -> None:
    response = login(henan).get("/search/", {"q": "撤桶并点"})
    assert total(response) == 5
    kinds = facet(response, "kind")
    assert kinds["文档"][0] == 4
    assert kinds["典型案例"][0] == 1
    subkinds = facet(response, "subkind")
    assert subkinds["政策文件"][0] == 2
    assert subkinds["工作方案"][0] == 1
    assert subkinds["标准规范"][0] == 1
    regions = facet(response, "region")
    assert regions["河南省"][0] == 2
    assert regions["许昌市"][0] == 1
    assert regions["天津市"][0] == 1
    years = facet(response, "year")
    assert years["2024"][0] == 2
    assert years["2023"][0] == 1
    assert years["2022"][0] == 1
    topics = facet(response, "topic")
    assert topics["分类投放"][0] == 2


def test_facet_links_add_and_remove_a_filter_keeping_the_query(
    login: Callable[[User], Client], henan: User, corpus: dict[str, Any]
) -> None:
    client = login(henan)
    first = client.get("/search/", {"q": "撤桶并点"})
    count, link = facet(first, "subkind")["政策文件"]
    assert "q=" in link and "subkind=policy" in link and "kind=document" in link
    filtered = client.get("/search/" + link)
    assert sorted(hits(filtered)) == ["河南省撤桶并点工作通知", "河南省撤桶并点验收办法"]
    assert total(filtered) == count == 2
    # The facet now shows as chosen; following it again removes the filter.
    chosen_count, back = facet(filtered, "subkind")["政策文件"]
    assert 'aria-current="true"' in html(filtered)
    assert "已选条件" in html(filtered)
    documents = client.get("/search/" + back)
    # Choosing a document kind also chose documents; that stays until removed as well.
    assert total(documents) == 4
    count, back = facet(documents, "kind")["文档"]
    assert count == 4
    assert "subkind" not in back
    unfiltered = client.get("/search/" + back)
    assert total(unfiltered) == 5
    assert "q=" in back

    by_year = client.get("/search/", {"q": "撤桶并点", "year": "2024"})
    assert sorted(hits(by_year)) == ["河南省撤桶并点工作通知", "许昌撤桶并点实施方案"]
    by_region = client.get("/search/", {"q": "撤桶并点", "region": "120000"})
    # 天津市 counts the records of its districts too, or only its own: either way the case of
    # 南开区 and the standard of 天津市 are the only candidates.
    assert set(hits(by_region)) <= {"撤桶并点设施设置标准", "南开区撤桶并点示范小区"}
    assert "撤桶并点设施设置标准" in hits(by_region)
    count, by_topic_link = facet(first, "topic")["分类投放"]
    by_topic = client.get("/search/" + by_topic_link)
    assert sorted(hits(by_topic)) == ["河南省撤桶并点工作通知", "许昌撤桶并点实施方案"]
    assert total(by_topic) == count == 2
    cases = client.get("/search/", {"q": "撤桶并点", "kind": "case"})
    assert hits(cases) == ["南开区撤桶并点示范小区"]


def test_filter_values_that_do_not_parse_are_ignored(
    login: Callable[[User], Client], henan: User, corpus: dict[str, Any]
) -> None:
    response = login(henan).get(
        "/search/", {"q": "撤桶并点", "kind": "nonsense", "year": "abc", "topic": "x", "page": "z"}
    )
    assert response.status_code == 200
    assert total(response) == 5


def test_results_come_in_pages(login: Callable[[User], Client], henan: User) -> None:
    for n in range(25):
        make_document(f"定时定点投放通知{n:02d}", f"第{n}号：推行定时定点投放。")
    client = login(henan)
    first = client.get("/search/", {"q": "定时定点"})
    assert total(first) == 25
    assert len(hits(first)) == 20
    assert "第 1 / 2 页" in html(first)
    assert "page=2" in html(first)
    second = client.get("/search/", {"q": "定时定点", "page": "2"})
    assert len(hits(second)) == 5
    assert set(hits(first)).isdisjoint(hits(second))
    past_the_end = client.get("/search/", {"q": "定时定点", "page": "99"})
    assert hits(past_the_end) == hits(second)


# ---------------------------------------------------------------- scoping


@pytest.fixture
def private(tianjin_henan: Pairing) -> Document:
    """A document only the two sides of 天津–河南 (and the Ministry) may see."""
    return make_document(
        PRIVATE_TITLE,
        "结对内部讨论的撤桶并点推进计划，仅限双方。",
        kind=DocumentKind.REPORT,
        region="410000",
        issued=dt.date(2021, 4, 1),
        visibility=Visibility.PAIR,
        pairing=tianjin_henan,
    )


def test_a_pair_private_document_is_found_by_the_pair_only(
    login: Callable[[User], Client],
    henan: User,
    jiangxi: User,
    supervisor: User,
    private: Document,
    corpus: dict[str, Any],
) -> None:
    inside = login(henan).get("/search/", {"q": "撤桶并点"})
    assert PRIVATE_TITLE in hits(inside)
    assert total(inside) == 6
    assert facet(inside, "subkind")["报告"][0] == 1
    assert facet(inside, "year")["2021"][0] == 1
    assert facet(inside, "kind")["文档"][0] == 5

    outside = login(jiangxi).get("/search/", {"q": "撤桶并点"})
    assert PRIVATE_TITLE not in html(outside)
    assert total(outside) == 5
    assert "报告" not in facet(outside, "subkind")
    assert "2021" not in facet(outside, "year")
    assert facet(outside, "kind")["文档"][0] == 4
    assert facet(outside, "region")["河南省"][0] == 2
    # Asked for by a word only it contains, it is not there at all.
    only = login(jiangxi).get("/search/", {"q": "结对内部讨论"})
    assert PRIVATE_TITLE not in html(only)
    assert "报告" not in html(only)
    # Nor in the suggestions under the top bar.
    assert PRIVATE_TITLE not in html(login(jiangxi).get("/search/suggest/", {"q": "内部工作底稿"}))
    assert PRIVATE_TITLE in html(login(henan).get("/search/suggest/", {"q": "内部工作底稿"}))
    # The Ministry sees everything.
    assert PRIVATE_TITLE in hits(login(supervisor).get("/search/", {"q": "撤桶并点"}))


# ---------------------------------------------------------------- bad queries


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "请输入要查找的词语。"),
        ("   ", "请输入要查找的词语。"),
        ("！？。，、……——", "请输入要查找的词语。"),
        ("?!.,;:()[]", "请输入要查找的词语。"),
        ("垃" * 101, "检索词过长：最多 100 个字。"),
        ("垃圾分类" * 250, "检索词过长：最多 100 个字。"),
        ("a" * 1000, "检索词过长：最多 100 个字。"),
        ("<script>alert(1)</script>" * 40, "检索词过长：最多 100 个字。"),
    ],
)
def test_a_bad_query_shows_the_message_with_the_form(
    login: Callable[[User], Client], henan: User, q: str, message: str
) -> None:
    response = login(henan).get("/search/", {"q": q})
    assert response.status_code == 200
    page = html(response)
    assert message in page
    assert 'id="search-q"' in page
    assert "<script>alert" not in page


def test_a_bad_query_gives_no_suggestions_and_no_error(
    login: Callable[[User], Client], henan: User
) -> None:
    client = login(henan)
    for q in ("", "！？。", "垃圾" * 500):
        response = client.get("/search/suggest/", {"q": q})
        assert response.status_code == 200
        assert "search-hit" not in html(response)


def test_search_needs_signing_in() -> None:
    response = Client().get("/search/", {"q": "垃圾"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# ---------------------------------------------------------------- suggestions


def test_suggestions_list_the_best_matches_and_a_link_to_all(
    login: Callable[[User], Client], henan: User
) -> None:
    make_case("内江市蒲公英计划", region="410000", approach="蒲公英计划动员学生。")
    make_document("蒲公英计划宣传手册", "蒲公英计划的宣传材料。", kind=DocumentKind.COURSE)
    response = login(henan).get("/search/suggest/", {"q": "蒲公英计划"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = html(response)
    assert "内江市蒲公英计划" in page
    assert "蒲公英计划宣传手册" in page
    assert "查看“蒲公英计划”的全部结果" in page
    assert "<html" not in page


# ---------------------------------------------------------------- vocabulary


@pytest.mark.parametrize("who", ["henan", "jiangxi", "supervisor", "henan_expert"])
def test_the_vocabulary_page_is_for_platform_admins_only(
    login: Callable[[User], Client], request: pytest.FixtureRequest, who: str
) -> None:
    client = login(request.getfixturevalue(who))
    assert client.get("/search/vocabulary/").status_code == 403
    before = DictionaryWord.objects.count()
    refused = client.post("/search/vocabulary/", {"form": "word", "word-word": "两网融合新"})
    assert refused.status_code == 403
    assert DictionaryWord.objects.count() == before
    word = DictionaryWord.objects.first()
    assert word is not None
    assert client.post(f"/search/vocabulary/words/{word.pk}/archive/").status_code == 403
    word.refresh_from_db()
    assert word.archived_at is None


def test_an_admin_adds_and_archives_a_dictionary_word(
    login: Callable[[User], Client], admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(admin_user)
    page = client.get("/search/vocabulary/")
    assert page.status_code == 200
    assert "撤桶并点" in html(page)
    assert "检索索引会在后台重新建立" in html(page)

    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            "/search/vocabulary/", {"form": "word", "word-word": "垃圾不落地", "word-note": "口号"}
        )
    assert added.status_code == 302
    word = DictionaryWord.objects.get(word="垃圾不落地")
    assert word.created_by == admin_user
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CREATE, target_id=str(word.pk), actor=admin_user
    ).exists()
    assert "垃圾不落地" in html(client.get("/search/vocabulary/"))

    with django_capture_on_commit_callbacks(execute=True):
        archived = client.post(f"/search/vocabulary/words/{word.pk}/archive/")
    assert archived.status_code == 302
    word.refresh_from_db()
    assert word.archived_at is not None
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.ARCHIVE, target_id=str(word.pk)
    ).exists()
    assert f'id="word-{word.pk}"' not in html(client.get("/search/vocabulary/"))
    assert f'id="word-{word.pk}"' in html(client.get("/search/vocabulary/", {"archived": "1"}))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/search/vocabulary/words/{word.pk}/archive/", {"restore": "1"})
    word.refresh_from_db()
    assert word.archived_at is None


def test_an_admin_adds_a_synonym_group_that_search_then_uses(
    login: Callable[[User], Client],
    admin_user: User,
    henan: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_document("垃圾收集点改造方案", "对小区垃圾收集点进行改造。")
    client = login(admin_user)
    assert "垃圾收集点改造方案" not in hits(login(henan).get("/search/", {"q": "投放亭"}))
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            "/search/vocabulary/", {"form": "synonym", "synonym-words": "投放亭，收集点"}
        )
    assert added.status_code == 302
    group = SynonymGroup.objects.get(words__contains="投放亭")
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CREATE, target_id=str(group.pk)
    ).exists()
    assert "垃圾收集点改造方案" in hits(login(henan).get("/search/", {"q": "投放亭"}))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/search/vocabulary/synonyms/{group.pk}/archive/")
    group.refresh_from_db()
    assert group.archived_at is not None


def test_a_refused_word_is_shown_beside_the_field(
    login: Callable[[User], Client], admin_user: User
) -> None:
    client = login(admin_user)
    empty = client.post("/search/vocabulary/", {"form": "word", "word-word": ""})
    assert empty.status_code == 422
    assert "field-errors" in html(empty)
    before = AuditEntry.objects.count()
    duplicate = client.post("/search/vocabulary/", {"form": "word", "word-word": "撤桶并点"})
    assert duplicate.status_code == 422
    assert "field-errors" in html(duplicate) or "form-errors" in html(duplicate)
    assert DictionaryWord.objects.filter(word="撤桶并点").count() == 1
    assert AuditEntry.objects.count() == before
