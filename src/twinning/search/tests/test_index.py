"""Keeping the index in step: what each kind of record is found by, and the services of
consultations and exchanges updating it in their own transaction."""

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from twinning.consultations import services as consultations
from twinning.exchanges import services as exchanges
from twinning.knowledge.models import DocumentVersion, TextStatus, Visibility
from twinning.plans.models import Topic
from twinning.search import index, queries
from twinning.search.models import SearchEntry
from twinning.search.sources import SOURCES
from twinning.search.tests.conftest import make_case, make_document, make_exchange, make_problem

pytestmark = pytest.mark.django_db


def _entry(kind: str, object_id: int) -> SearchEntry:
    return SearchEntry.objects.get(kind=kind, object_id=object_id)


def test_a_document_entry(programme: Any) -> None:
    topic = Topic.objects.order_by("position").first()
    assert topic is not None
    document = make_document(
        "许昌市生活垃圾分类管理办法",
        "第一条 为了推进生活垃圾分类。",
        summary="办法的摘要。",
        kind="regulation",
        region="411000",
        issued_on=dt.date(2022, 7, 1),
        topics=(topic,),
    )
    document.issuing_body = "许昌市人民政府"
    document.number = "许政〔2022〕8号"
    document.save()
    # A newer version replaces the text that is searched.
    DocumentVersion.objects.create(
        document=document,
        number=2,
        file="knowledge/test/v2.txt",
        original_name="v2.txt",
        extension="txt",
        content_type="text/plain",
        size=1,
        sha256="1" * 64,
        text="第二版正文：推行桶边督导。",
        text_status=TextStatus.DONE,
    )
    index.index_object("document", document.pk)
    entry = _entry("document", document.pk)
    assert entry.title == "许昌市生活垃圾分类管理办法"
    assert "办法的摘要。" in entry.body and "第二版正文" in entry.body
    assert "第一条" not in entry.body
    assert "许昌市人民政府" in entry.body and "许政〔2022〕8号" in entry.body
    assert entry.subkind == "regulation" and entry.region_id == "411000"
    assert entry.year == 2022 and entry.dated == dt.date(2022, 7, 1)
    assert list(entry.topics.all()) == [topic]
    assert entry.url == f"/knowledge/documents/{document.pk}/"


def test_a_case_problem_and_exchange_entry(tianjin_henan: Any) -> None:
    topic = Topic.objects.order_by("position").first()
    case = make_case(
        "内江蒲公英计划",
        region="511000",
        problem="居民参与低",
        approach="志愿者入户",
        results="参与率提高",
        topic=topic,
    )
    entry = _entry("case", case.pk)
    assert entry.body == "居民参与低\n志愿者入户\n参与率提高"
    assert entry.region_id == "511000" and [t.pk for t in entry.topics.all()] == [topic.pk]  # type: ignore[union-attr]
    assert entry.url == f"/knowledge/cases/{case.pk}/"

    problem = make_problem(tianjin_henan, "难题标题", "难题描述", answers=("第一条解答",))
    entry = _entry("problem", problem.pk)
    assert entry.body == "难题描述\n第一条解答"
    assert entry.region_id == "410000"
    assert entry.url == f"/consultations/{problem.pk}/"

    exchange = make_exchange(tianjin_henan, "交流标题", "纪要内容", start=dt.date(2024, 4, 2))
    entry = _entry("exchange", exchange.pk)
    assert entry.body == "纪要内容"
    assert entry.year == 2024 and entry.region_id == "410000"
    assert entry.url == f"/exchanges/{exchange.pk}/"


def test_an_archived_answer_is_not_searched(tianjin_henan: Any, supervisor: Any) -> None:
    from django.utils import timezone

    problem = make_problem(tianjin_henan, "中转站异味", "异味大。", answers=("加装除臭喷淋",))
    assert queries.search(supervisor, "除臭喷淋").total == 1
    problem.answers.update(archived_at=timezone.now())
    index.index_object("problem", problem.pk)
    assert queries.search(supervisor, "除臭喷淋").total == 0


def test_indexing_follows_the_writing_transaction(supervisor: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        make_document("回滚的文档", "资源化利用回滚测试。")
        assert queries.search(supervisor, "回滚测试").total == 1
        raise RuntimeError
    assert queries.search(supervisor, "回滚测试").total == 0
    assert not SearchEntry.objects.filter(title="回滚的文档").exists()


def test_consultation_services_update_the_index(
    tianjin_henan: Any, henan: Any, tianjin: Any, supervisor: Any
) -> None:
    problem = consultations.create_problem(
        actor=henan,
        pairing_id=tianjin_henan.pk,
        title="撤桶并点后居民投放不便",
        description="部分老人投放距离过远。",
    )
    assert [h.object_id for h in queries.search(henan, "投放不便").hits] == [problem.pk]
    consultations.update_problem(
        actor=henan, problem_id=problem.pk, values={"description": "夜间投放没有照明。"}
    )
    assert queries.search(henan, "照明").total == 1
    assert queries.search(henan, "距离过远").total == 0
    consultations.add_answer(actor=tianjin, problem_id=problem.pk, body="增设太阳能路灯。")
    assert queries.search(henan, "太阳能路灯").total == 1
    consultations.archive_problem(actor=henan, problem_id=problem.pk)
    assert queries.search(supervisor, "投放不便").total == 0
    consultations.archive_problem(actor=henan, problem_id=problem.pk, archived=False)
    assert queries.search(supervisor, "投放不便").total == 1


def test_exchange_services_update_the_index(
    tianjin_henan: Any, tianjin: Any, jiangxi: Any, supervisor: Any
) -> None:
    exchange = exchanges.create_exchange(
        actor=tianjin,
        pairing_id=tianjin_henan.pk,
        values={
            "title": "两网融合现场观摩",
            "kind": "symposium",
            "direction": "leading_to_partner",
            "start_date": dt.date(2026, 5, 11),
            "end_date": dt.date(2026, 5, 12),
            "summary": "参观再生资源分拣中心。",
        },
    )
    assert queries.search(tianjin, "分拣中心").total == 1
    assert queries.search(jiangxi, "分拣中心").total == 0
    exchanges.update_exchange(
        actor=tianjin, exchange_id=exchange.pk, values={"title": "积分兑换现场观摩"}
    )
    assert [h.title for h in queries.search(tianjin, "观摩").hits] == ["积分兑换现场观摩"]
    exchanges.archive_exchange(actor=tianjin, exchange_id=exchange.pk)
    assert queries.search(supervisor, "观摩").total == 0
    exchanges.restore_exchange(actor=tianjin, exchange_id=exchange.pk)
    assert queries.search(supervisor, "观摩").total == 1


def test_every_kind_has_a_source() -> None:
    assert set(SOURCES) == {"document", "case", "problem", "exchange"}


def test_reindex_of_every_kind(tianjin_henan: Any, supervisor: Any) -> None:
    make_document("文档甲", "分类收集。", visibility=Visibility.PROGRAMME)
    make_case("案例乙", problem="分类收集")
    make_problem(tianjin_henan, "难题丙", "分类收集")
    make_exchange(tianjin_henan, "交流丁", "分类收集")
    SearchEntry.objects.all().delete()
    assert queries.search(supervisor, "分类收集").total == 0
    assert index.reindex() >= 4
    assert queries.search(supervisor, "分类收集").total == 4
    assert index.reindex(["case"]) >= 1
    assert queries.search(supervisor, "分类收集").total == 4
