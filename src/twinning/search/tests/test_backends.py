"""The backend contract: the same tests pass on SQLite (FTS5) and on PostgreSQL (tsvector).

The suite runs on whichever database the tests use; CI runs it on both
(`TWINNING_DATABASE_URL=postgres://… pytest src/twinning/search`)."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from twinning.core.errors import Invalid
from twinning.search import index, queries
from twinning.search.backends import IndexRow, get_backend
from twinning.search.models import SearchEntry
from twinning.search.segment import index_tokens, parse_query
from twinning.search.tests.conftest import make_document

pytestmark = pytest.mark.django_db

FILLER = (
    "各地按照国家部署推进生活垃圾管理工作，完善投放、收集、运输和处理体系，",
    "加强宣传动员，提高居民参与程度，推动形成绿色生活方式。",
    "建立健全工作机制，明确部门职责，加强督促检查，确保各项任务落实到位。",
    "强化基础设施建设，补齐短板弱项，提升处理能力和运行水平。",
)


def _others(count: int = 6) -> None:
    """Unrelated documents, so that a word is rare in the index (as it is in real use)."""
    for number in range(count):
        make_document(f"工作简报第{number + 1}期", "".join(FILLER) * 2)


def _titles(actor: Any, q: str, **kwargs: Any) -> list[str]:
    return [h.title for h in queries.search(actor, q, **kwargs).hits]


def _matching(q: str) -> set[int]:
    sql, params = get_backend().match_sql(parse_query(q))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(row[0]) for row in cursor.fetchall()}


def test_backend_matches_the_vendor() -> None:
    assert get_backend().vendor == connection.vendor


def test_replace_and_delete_rows() -> None:
    entry = SearchEntry.objects.create(kind="document", object_id=999_001, title="t", url="/")
    backend = get_backend()
    backend.replace(
        [IndexRow(entry.pk, index_tokens("桶边督导"), index_tokens("垃圾分类示范片区"))]
    )
    assert _matching("桶边督导") == {entry.pk}
    assert _matching("示范片区") == {entry.pk}
    # Replacing forgets the old words.
    backend.replace([IndexRow(entry.pk, index_tokens("积分兑换"), index_tokens("两网融合"))])
    assert _matching("桶边督导") == set()
    assert _matching("两网融合") == {entry.pk}
    backend.delete([entry.pk])
    assert _matching("两网融合") == set()
    backend.replace([IndexRow(entry.pk, index_tokens("积分兑换"), "")])
    backend.clear()
    assert _matching("积分兑换") == set()


def test_index_replace_and_remove_a_document(supervisor: Any) -> None:
    document = make_document("桶边督导工作指引", "督导员每天早晚在投放点值守。")
    assert _titles(supervisor, "桶边督导") == ["桶边督导工作指引"]
    document.title = "垃圾分类督导员手册"
    document.save()
    index.index_object("document", document.pk)
    assert _titles(supervisor, "桶边督导") == []
    assert _titles(supervisor, "督导员手册") == ["垃圾分类督导员手册"]
    assert SearchEntry.objects.filter(kind="document", object_id=document.pk).count() == 1
    document.archived_at = timezone.now()
    document.save()
    index.index_object("document", document.pk)
    assert _titles(supervisor, "督导员") == []
    assert not SearchEntry.objects.filter(kind="document", object_id=document.pk).exists()


def test_every_word_must_be_found(supervisor: Any) -> None:
    make_document("甲方案", "推行撤桶并点，同步开展厨余垃圾就地处理。")
    make_document("乙方案", "开展厨余垃圾就地处理。")
    assert _titles(supervisor, "撤桶并点 厨余垃圾") == ["甲方案"]
    assert _titles(supervisor, "撤桶并点厨余垃圾") == ["甲方案"]
    assert sorted(_titles(supervisor, "厨余垃圾")) == ["乙方案", "甲方案"]


def test_a_synonym_finds_a_text_that_only_uses_another_word(supervisor: Any) -> None:
    make_document("餐后处理办法", "小区设置专门的厨余垃圾收集容器，每日清运。")
    make_document("分类标准", "干垃圾与可回收物分开投放。")
    assert _titles(supervisor, "湿垃圾") == ["餐后处理办法"]
    assert _titles(supervisor, "易腐垃圾") == ["餐后处理办法"]
    assert _titles(supervisor, "其他垃圾") == ["分类标准"]
    assert _titles(supervisor, "再生资源") == ["分类标准"]
    page = queries.search(supervisor, "湿垃圾")
    assert "<mark>厨余垃圾</mark>" in page.hits[0].snippet


def test_a_two_character_query_works(supervisor: Any) -> None:
    make_document("撤桶试点总结", "全区推行撤桶并点，厨余垃圾单独收运。")
    assert _titles(supervisor, "并点") == ["撤桶试点总结"]
    assert _titles(supervisor, "厨余") == ["撤桶试点总结"]
    assert _titles(supervisor, "收运") == ["撤桶试点总结"]


def test_a_word_deep_inside_a_long_text_is_found(supervisor: Any) -> None:
    # About a hundred pages (~150,000 characters); the word is near the end only.
    pages = []
    for number in range(100):
        page = f"第{number + 1}页。" + "".join(FILLER) * 6
        if number == 97:
            page += "在黄河滩区设立了渗滤液应急处置站，由专人负责。"
        pages.append(page)
    make_document("年度工作汇编", "\n".join(pages))
    _others(2)
    page = queries.search(supervisor, "应急处置站")
    assert [h.title for h in page.hits] == ["年度工作汇编"]
    assert "<mark>应急处置站</mark>" in page.hits[0].snippet or "应急" in page.hits[0].snippet
    assert "黄河滩区" in page.hits[0].snippet


def test_a_title_counts_more_than_the_body(supervisor: Any) -> None:
    _others()
    body = "本文介绍两网融合的做法。" + "".join(FILLER)
    make_document("工作情况通报", body, issued_on=dt.date(2024, 1, 1))
    make_document("两网融合工作通报", body, issued_on=dt.date(2024, 1, 1))
    assert _titles(supervisor, "两网融合") == ["两网融合工作通报", "工作情况通报"]


def test_a_newer_text_wins_a_close_call(supervisor: Any) -> None:
    _others()
    body = "推行积分兑换，激励居民参与。" + "".join(FILLER)
    today = timezone.localdate()
    make_document("积分办法（旧）", body, issued_on=today - dt.timedelta(days=365 * 12))
    make_document("积分办法（新）", body, issued_on=today - dt.timedelta(days=30))
    hits = queries.search(supervisor, "积分兑换").hits
    assert [h.title for h in hits] == ["积分办法（新）", "积分办法（旧）"]
    assert hits[0].score > hits[1].score


@pytest.mark.parametrize(
    "q",
    [
        '" OR * NEAR( ) & | ! :',
        "厨余 OR 垃圾",
        "title:厨余",
        "厨余*",
        "NEAR(厨余 垃圾, 2)",
        "厨余 -垃圾 NOT 分类",
        "' OR 1=1 --",
        "厨余'); DROP TABLE search_fts; --",
        "a & b | !c <-> d:*",
        "\\",
        "(((",
        "^厨余",
    ],
)
def test_query_syntax_in_the_query_does_not_break_anything(supervisor: Any, q: str) -> None:
    make_document("厨余垃圾处理办法", "厨余垃圾单独收运，垃圾分类全覆盖。")
    try:
        page = queries.search(supervisor, q)
    except Invalid as error:  # nothing but punctuation: a clear message, not an SQL error
        assert error.code == "empty_query"
    else:
        assert page.total == len(page.hits) <= 1
    # The index is intact afterwards.
    assert _titles(supervisor, "厨余垃圾") == ["厨余垃圾处理办法"]


def test_punctuation_only_query_is_refused(supervisor: Any) -> None:
    with pytest.raises(Invalid) as caught:
        queries.search(supervisor, "，。！？")
    assert caught.value.code == "empty_query"
    with pytest.raises(Invalid) as caught:
        queries.search(supervisor, "垃" * 1000)
    assert caught.value.code == "query_too_long"


def test_when_all_words_find_nothing_any_word_is_enough(supervisor: Any) -> None:
    make_document("蒲公英计划实施方案", "内江市蒲公英计划动员志愿者参与垃圾分类。")
    page = queries.search(supervisor, "蒲公英计划 火星基地")
    assert page.relaxed is True
    assert [h.title for h in page.hits] == ["蒲公英计划实施方案"]
    strict = queries.search(supervisor, "蒲公英计划 志愿者")
    assert strict.relaxed is False and strict.total == 1
    nothing = queries.search(supervisor, "火星基地 月球车")
    assert nothing.total == 0 and nothing.hits == [] and nothing.relaxed is False


def test_reindex_rebuilds_from_the_live_records(supervisor: Any) -> None:
    kept = make_document("示范片区建设指南", "示范片区全面推行四分类。")
    gone = make_document("示范片区旧方案", "示范片区试点。")
    gone.archived_at = timezone.now()
    gone.save()  # archived without telling the index: reindex notices
    SearchEntry.objects.filter(kind="document", object_id=kept.pk).update(title="过期标题")
    progress: list[tuple[int, int]] = []
    written = index.reindex(["document"], progress=lambda d, t: progress.append((d, t)))
    assert written == progress[-1][0] == progress[-1][1]
    assert _titles(supervisor, "示范片区") == ["示范片区建设指南"]


def test_index_many_adds_and_removes() -> None:
    first = make_document("误投率统计", "误投率逐月下降。", reindex=False)
    second = make_document("误投率通报", "误投率通报。", reindex=False)
    assert index.index_many("document", [first.pk, second.pk, 987_654]) == 2
    assert _matching("误投率") == set(
        SearchEntry.objects.filter(object_id__in=[first.pk, second.pk]).values_list("pk", flat=True)
    )
    index.remove("document", first.pk)
    assert len(_matching("误投率")) == 1
    with pytest.raises(ValueError):
        index.index_object("nonsense", 1)


def test_large_matches_put_title_hits_first_then_the_newest(
    supervisor: Any, jiangxi: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above LARGE_MATCH the words are taken to be everywhere: no scoring, the title hit
    first, then the newest; the filters and the scope still apply."""
    monkeypatch.setattr(queries, "LARGE_MATCH", 2)
    body = "开展园林垃圾资源化利用。" + "".join(FILLER)
    for number in range(5):
        make_document(f"月度简报{number}", body, issued_on=dt.date(2020, 1, 1 + number))
    make_document("园林垃圾处置办法", body, issued_on=dt.date(2015, 1, 1))
    page = queries.search(supervisor, "园林垃圾")
    assert page.total == 6
    assert [h.title for h in page.hits] == ["园林垃圾处置办法"] + [
        f"月度简报{n}" for n in (4, 3, 2, 1, 0)
    ]
    second = queries.search(supervisor, "园林垃圾", per_page=4, page=2)
    assert [h.title for h in second.hits] == ["月度简报1", "月度简报0"]
    assert queries.search(jiangxi, "园林垃圾", queries.SearchFilters(kind="case")).hits == []
