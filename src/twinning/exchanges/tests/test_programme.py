"""The exchanges' starting data: the activities the 2021 article reports."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from twinning.core.models import AuditEntry
from twinning.exchanges import programme as exchanges_programme
from twinning.exchanges.models import Direction, Exchange
from twinning.exchanges.programme import load_exchanges
from twinning.exchanges.programme_data import EXCHANGES
from twinning.exchanges.stats import stats_for
from twinning.notifications.models import Notification
from twinning.pairings.programme_data import SOURCE
from twinning.plans.models import Method

NINGBO_PARTNERS = ["610000", "222401", "222404"]
# The article covers the months from the implementation plan (7 February) to August 2021.
ARTICLE_MONTHS = (dt.date(2021, 2, 7), dt.date(2021, 8, 31))


@pytest.fixture
def loaded(programme):
    result = load_exchanges()
    assert result.pairs_missing == []
    return result


def of_pair(pair, leading: str, partner: str):
    return Exchange.objects.filter(pairing=pair(leading, partner))


def counts() -> dict[str, int]:
    return {
        "exchanges": Exchange.objects.count(),
        "topics": Exchange.topics.through.objects.count(),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
    }


def test_every_reported_exchange_is_created_held_and_marked_as_from_the_article(loaded):
    assert loaded.created == len(EXCHANGES) == 14
    assert loaded.existing == 0
    exchanges = Exchange.objects.filter(source__contains=SOURCE)
    assert exchanges.count() == len(EXCHANGES)
    for exchange in exchanges:
        assert exchange.status == Exchange.Status.HELD
        assert "日期" in exchange.source and "演示" in exchange.source
        assert exchange.created_by is None and exchange.updated_by is None
        assert ARTICLE_MONTHS[0] <= exchange.start_date <= exchange.end_date <= ARTICLE_MONTHS[1]
        assert exchange.summary and exchange.topics.exists()
        assert not exchange.delegates.exists() and exchange.participant_count == 0


def test_ningbo_sent_three_teams_that_lectured_and_visited_sites(loaded, pair):
    for partner in NINGBO_PARTNERS:
        exchanges = of_pair(pair, "330200", partner)
        assert sorted(exchanges.values_list("kind", flat=True)) == [
            Method.FIELD_RESEARCH,
            Method.LECTURE,
        ]
        assert {e.direction for e in exchanges} == {Direction.LEADING_TO_PARTNER}
        assert all(not e.online and e.place for e in exchanges)
        visit = exchanges.get(kind=Method.FIELD_RESEARCH)
        assert "转运站" in visit.summary and "处理设施" in visit.summary
        assert "答疑" in exchanges.get(kind=Method.LECTURE).summary
    # The three teams went at the same time.
    starts = Exchange.objects.filter(pairing__leading_region_id="330200").values("start_date")
    assert len({row["start_date"] for row in starts}) == 1


def test_fuzhou_and_yunnan_visited_each_other(loaded, pair):
    exchanges = of_pair(pair, "350100", "530000")
    assert Counter(exchanges.values_list("direction", flat=True)) == {
        Direction.PARTNER_TO_LEADING: 1,
        Direction.LEADING_TO_PARTNER: 2,
    }
    assert exchanges.filter(kind=Method.SYMPOSIUM).exists()
    assert exchanges.get(direction=Direction.PARTNER_TO_LEADING).place == "福建省福州市"


def test_the_online_groups_are_online_without_a_place(loaded, pair):
    online = [
        ("320500", "660000", 2),
        ("510100", "150100", 1),
        ("510100", "220200", 1),
        ("110000", "630000", 1),
    ]
    for leading, partner, number in online:
        exchanges = of_pair(pair, leading, partner)
        assert exchanges.count() == number
        for exchange in exchanges:
            assert (exchange.kind, exchange.direction) == (
                Method.ONLINE_EXCHANGE,
                Direction.ONLINE,
            )
            assert exchange.online and exchange.place == ""
    assert "微信群" in of_pair(pair, "510100", "150100").get().title


def test_beijing_sent_qinghai_its_policy_compendium(loaded, pair):
    exchange = of_pair(pair, "110000", "630000").get()
    assert exchange.materials == "《北京市垃圾分类政策文件汇编》"
    assert set(exchange.topics.values_list("code", flat=True)) == {
        "laws_standards",
        "institutions",
    }


def test_each_exchange_records_its_creation_as_the_systems_and_notifies_nobody(programme):
    notifications = Notification.objects.count()

    load_exchanges()

    entries = AuditEntry.objects.filter(target_type="exchanges.exchange")
    assert entries.count() == len(EXCHANGES)
    assert set(entries.values_list("action", "actor")) == {("create", None)}
    first = entries.get(target_id=str(Exchange.objects.get(title=EXCHANGES[0]["title"]).pk))
    assert first.changes["title"] == [None, EXCHANGES[0]["title"]]
    assert first.pairing is not None
    assert Notification.objects.count() == notifications


def test_the_ministrys_statistics_count_the_loaded_exchanges(loaded, supervisor):
    stats = stats_for(supervisor, today=dt.date(2021, 8, 31))

    assert stats.national
    assert stats.total == stats.held == len(EXCHANGES)
    kinds = {row["code"]: row["count"] for row in stats.by_kind}
    assert kinds[Method.LECTURE] == 3
    assert kinds[Method.FIELD_RESEARCH] == 4
    assert kinds[Method.ONLINE_EXCHANGE] == 5
    assert stats.visits == {
        Direction.LEADING_TO_PARTNER.value: 8,
        Direction.PARTNER_TO_LEADING.value: 1,
    }
    by_pair = {row["label"]: row["count"] for row in stats.by_pair}
    assert by_pair["宁波市—陕西省"] == 2
    assert by_pair["福州市—云南省"] == 3
    assert by_pair["天津市—河南省"] == 0
    provinces = {row["code"]: row["count"] for row in stats.by_province}
    # 宁波's six and 福州's three put 浙江 and 福建 first; 吉林 has 延吉, 珲春 and 吉林市.
    assert provinces["330000"] == 6
    assert provinces["220000"] == 5
    assert provinces["610000"] == 2
    assert sum(row["held"] for row in stats.by_month) == len(EXCHANGES)


def test_a_side_sees_only_its_own_loaded_exchanges(loaded, ningbo):
    stats = stats_for(ningbo, today=dt.date(2021, 8, 31))
    assert not stats.national
    assert stats.total == 6


def test_a_second_load_creates_and_changes_nothing(loaded):
    before = counts()

    result = load_exchanges()

    assert (result.created, result.existing) == (0, len(EXCHANGES))
    assert counts() == before


def test_an_edited_or_archived_exchange_is_left_alone(loaded, pair):
    exchanges = of_pair(pair, "320500", "660000").order_by("start_date")
    first, second = exchanges
    Exchange.objects.filter(pk=first.pk).update(summary="已由苏州市补充纪要")
    Exchange.objects.filter(pk=second.pk).update(archived_at=dt.datetime.now(tz=dt.UTC))

    result = load_exchanges()

    assert result.created == 0
    assert exchanges.count() == 2
    assert Exchange.objects.get(pk=first.pk).summary == "已由苏州市补充纪要"
    assert Exchange.objects.get(pk=second.pk).is_archived


def test_a_missing_exchange_is_added_back_alone(loaded):
    Exchange.topics.through.objects.filter(exchange__title=EXCHANGES[-1]["title"]).delete()
    AuditEntry.objects.filter(target_type="exchanges.exchange").delete()
    Exchange.objects.filter(title=EXCHANGES[-1]["title"]).delete()

    result = load_exchanges()

    assert (result.created, result.existing) == (1, len(EXCHANGES) - 1)
    assert Exchange.objects.filter(title=EXCHANGES[-1]["title"]).count() == 1


def test_a_pair_missing_from_the_registry_is_reported_not_created(programme, monkeypatch):
    row = {**EXCHANGES[0], "leading": "990000", "partner": "980000"}
    monkeypatch.setattr(exchanges_programme, "EXCHANGES", [row, row])

    result = load_exchanges()

    assert result.pairs_missing == ["990000–980000"]
    assert result.created == 0
    assert not Exchange.objects.exists()


def test_an_unknown_topic_in_the_data_stops_the_loading(programme, monkeypatch):
    row = {**EXCHANGES[0], "topics": ["no_such_topic"]}
    monkeypatch.setattr(exchanges_programme, "EXCHANGES", [row])

    with pytest.raises(ValueError, match="no_such_topic"):
        load_exchanges()

    assert not Exchange.objects.exists()


def test_the_command_reports_the_exchanges(programme):
    out = StringIO()

    call_command("load_programme", stdout=out)
    call_command("load_programme", stdout=out)

    assert f"exchanges: {len(EXCHANGES)} created, 0 already there" in out.getvalue()
    assert f"exchanges: 0 created, {len(EXCHANGES)} already there" in out.getvalue()
    assert Exchange.objects.count() == len(EXCHANGES)


def test_a_loaded_exchange_shows_its_source_on_its_page(loaded, login, supervisor):
    exchange = Exchange.objects.get(title=EXCHANGES[0]["title"])

    response = login(supervisor).get(reverse("exchanges:detail", args=[exchange.pk]))

    assert response.status_code == 200
    assert SOURCE in response.content.decode()
