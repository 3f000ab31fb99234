"""Statistics on a small known dataset, the month calendar and the personal iCal feed."""

import datetime as dt
import statistics
import time

import pytest
from django.test import Client
from icalendar import Calendar

from twinning.core.pagination import page_of
from twinning.exchanges import queries, services
from twinning.exchanges.models import Exchange
from twinning.exchanges.stats import stats_for
from twinning.pairings.models import Pairing

TODAY = dt.date(2026, 6, 30)


@pytest.fixture
def shanghai_jiangxi(pair):
    return pair("310000", "360000")


@pytest.fixture
def dataset(tianjin, jiangxi, tianjin_henan, shanghai_jiangxi, record):
    """天津–河南: two held, one planned, one cancelled; 上海–江西: one held, long ago."""
    return {
        "a": record(
            tianjin,
            tianjin_henan,
            title="A",
            status="held",
            start_date=dt.date(2026, 1, 10),
            end_date=dt.date(2026, 1, 11),
        ),
        "b": record(
            tianjin,
            tianjin_henan,
            title="B",
            kind="training",
            status="held",
            direction="partner_to_leading",
            place="天津市",
            start_date=dt.date(2026, 3, 5),
            end_date=dt.date(2026, 3, 5),
        ),
        "c": record(
            tianjin,
            tianjin_henan,
            title="C",
            kind="training",
            direction="online",
            place="",
            start_date=dt.date(2026, 12, 1),
            end_date=dt.date(2026, 12, 1),
        ),
        "d": record(
            tianjin,
            tianjin_henan,
            title="D",
            status="cancelled",
            start_date=dt.date(2026, 2, 1),
            end_date=dt.date(2026, 2, 1),
        ),
        "e": record(
            jiangxi,
            shanghai_jiangxi,
            title="E",
            kind="field_research",
            status="held",
            start_date=dt.date(2025, 3, 1),
            end_date=dt.date(2025, 3, 2),
        ),
    }


class TestStats:
    def test_national_numbers(
        self, supervisor, dataset, tianjin_henan, shanghai_jiangxi, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(8):
            stats = stats_for(supervisor, today=TODAY)
        assert stats.national
        assert (stats.total, stats.held, stats.planned, stats.cancelled) == (5, 3, 1, 1)
        kinds = {row["code"]: row["count"] for row in stats.by_kind}
        assert kinds["symposium"] == 1 and kinds["training"] == 2
        assert kinds["field_research"] == 1 and kinds["lecture"] == 0
        assert stats.visits == {"leading_to_partner": 2, "partner_to_leading": 1}
        directions = {row["code"]: row["count"] for row in stats.by_direction}
        assert directions["online"] == 1
        provinces = {row["code"]: row["count"] for row in stats.by_province}
        assert provinces == {"120000": 3, "410000": 3, "310000": 1, "360000": 1}
        pairs = {row["pairing_id"]: row for row in stats.by_pair}
        assert (pairs[tianjin_henan.pk]["count"], pairs[tianjin_henan.pk]["recent"]) == (3, 2)
        assert (pairs[shanghai_jiangxi.pk]["count"], pairs[shanghai_jiangxi.pk]["recent"]) == (1, 0)
        assert shanghai_jiangxi.pk in {row["pairing_id"] for row in stats.quiet_pairs}
        months = {row["month"]: row for row in stats.by_month}
        assert months["2026-01"] == {"month": "2026-01", "held": 1, "planned": 0}
        assert months["2026-12"]["planned"] == 1
        assert months["2025-04"] == {"month": "2025-04", "held": 0, "planned": 0}  # gaps filled
        assert len(stats.by_month) == 22  # 2025-03 .. 2026-12

    def test_scoped_to_what_the_user_sees(self, tianjin, jiangxi, dataset):
        stats = stats_for(tianjin, today=TODAY)
        assert not stats.national
        assert (stats.total, stats.held) == (4, 2)
        assert {row["code"] for row in stats.by_province} == {"120000", "410000"}
        assert stats_for(jiangxi, today=TODAY).held == 1

    def test_filters_apply(self, supervisor, dataset):
        stats = stats_for(supervisor, queries.ExchangeFilters(province="360000"), today=TODAY)
        assert stats.total == 1
        stats = stats_for(
            supervisor, queries.ExchangeFilters(date_from=dt.date(2026, 1, 1)), today=TODAY
        )
        assert stats.held == 2


class TestCalendar:
    def test_month_grid(self, tianjin, henan, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)  # 2026-05-11 .. 12
        month = queries.calendar_month(henan, dt.date(2026, 5, 1))
        assert (month.previous, month.next) == (dt.date(2026, 4, 1), dt.date(2026, 6, 1))
        days = {day: items for week in month.weeks for day, _in, items in week}
        assert days[dt.date(2026, 5, 11)] == [exchange]
        assert days[dt.date(2026, 5, 12)] == [exchange]
        assert days[dt.date(2026, 5, 13)] == []
        assert all(week[0][0].weekday() == 0 for week in month.weeks)
        assert month.exchanges == [exchange]

    def test_outsiders_see_nothing(self, tianjin, jiangxi, tianjin_henan, record):
        record(tianjin, tianjin_henan)
        assert queries.calendar_month(jiangxi, dt.date(2026, 5, 1)).exchanges == []

    def test_month_parsing(self):
        assert queries.parse_month("2026-02") == dt.date(2026, 2, 1)
        assert queries.parse_month("2026-12").replace(day=1) == dt.date(2026, 12, 1)
        with pytest.raises(Exception, match="YYYY-MM"):
            queries.parse_month("May")


class TestFeed:
    def _get(self, token: str):
        return Client().get(f"/exchanges/calendar/feed/{token}.ics")

    def test_feed_lists_visible_exchanges_as_all_day_events(
        self, tianjin, jiangxi, tianjin_henan, shanghai_jiangxi, record
    ):
        mine = record(tianjin, tianjin_henan, delegates=[{"name": "张伟", "side": "leading"}])
        record(
            jiangxi,
            shanghai_jiangxi,
            title="上海—江西交流",
            start_date=dt.date(2026, 6, 1),
            end_date=dt.date(2026, 6, 1),
        )
        issued = services.create_calendar_feed(actor=tianjin)
        response = self._get(issued.token)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        events = list(calendar.walk("VEVENT"))
        assert len(events) == 1  # never an exchange outside the owner's scope
        event = events[0]
        assert str(event["UID"]) == f"exchange-{mine.pk}@twinning.exchanges"
        assert event.decoded("DTSTART") == dt.date(2026, 5, 11)
        assert event.decoded("DTEND") == dt.date(2026, 5, 13)  # exclusive end of an all-day event
        assert str(event["SUMMARY"]) == mine.title
        assert str(event["LOCATION"]) == "郑州市"
        assert str(tianjin_henan) in str(event["DESCRIPTION"])
        # The UID is stable across edits.
        services.update_exchange(actor=tianjin, exchange_id=mine.pk, values={"title": "改名"})
        again = Calendar.from_ical(self._get(issued.token).content)
        assert [str(e["UID"]) for e in again.walk("VEVENT")] == [str(event["UID"])]

    def test_revoked_and_unknown_tokens_are_404(self, tianjin):
        issued = services.create_calendar_feed(actor=tianjin)
        services.revoke_calendar_feed(actor=tianjin)
        assert self._get(issued.token).status_code == 404
        assert self._get("not-a-token").status_code == 404

    def test_a_new_feed_stops_the_old_one(self, tianjin):
        old = services.create_calendar_feed(actor=tianjin)
        new = services.create_calendar_feed(actor=tianjin)
        assert self._get(old.token).status_code == 404
        assert self._get(new.token).status_code == 200


def _bulk_exchanges(n: int) -> None:
    pairs = list(Pairing.objects.values_list("pk", flat=True))
    kinds = ["symposium", "training", "lecture", "field_research", "online_exchange"]
    directions = ["leading_to_partner", "partner_to_leading", "joint", "online"]
    rows = []
    for i in range(n):
        start = dt.date(2021, 1, 1) + dt.timedelta(days=i % 2000)
        direction = directions[i % 4]
        rows.append(
            Exchange(
                pairing_id=pairs[i % len(pairs)],
                kind=kinds[i % 5],
                direction=direction,
                online=direction == "online",
                title=f"交流活动 {i}",
                start_date=start,
                end_date=start + dt.timedelta(days=i % 3),
                place="" if direction == "online" else "某地",
                participant_count=i % 40,
                status="held" if start < dt.date(2026, 1, 1) else "planned",
            )
        )
    Exchange.objects.bulk_create(rows, batch_size=2000)


def _median_ms(action, repeat: int = 15) -> float:
    action()  # warm up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def test_lists_and_stats_are_fast_at_20000_exchanges(supervisor, tianjin):
    _bulk_exchanges(20_000)
    filters = queries.ExchangeFilters(kind="training", status="held", province="410000")

    def list_page() -> None:
        for user in (supervisor, tianjin):
            page = page_of(queries.list_exchanges_for(user, filters), "2", 50)
            [str(e.pairing) for e in page.object_list]

    def national_stats() -> None:
        stats_for(supervisor)

    list_ms, stats_ms = _median_ms(list_page) / 2, _median_ms(national_stats, repeat=7)
    print(f"list page {list_ms:.1f} ms, national stats {stats_ms:.1f} ms")  # noqa: T201
    assert list_ms < 100
    assert stats_ms < 100
