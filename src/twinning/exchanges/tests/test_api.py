"""The exchanges API: CRUD, archive, files, follow-ups, statistics, calendar and feeds."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from icalendar import Calendar

from twinning.core.testing import assert_problem
from twinning.exchanges.models import Exchange
from twinning.exchanges.tests.conftest import EXE, PDF, exchanges_state
from twinning.plans import queries as plan_queries


def payload(pairing, **values):
    return {
        "pairing_id": pairing.pk,
        "kind": "training",
        "direction": "partner_to_leading",
        "title": "河南赴天津培训",
        "start_date": "2026-05-11",
        "end_date": "2026-05-13",
        "place": "天津市",
        "topics": ["sorted_disposal"],
        "delegates": [{"name": "李娜", "unit": "河南省住建厅", "side": "partner"}],
        **values,
    }


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


class TestCrud:
    def test_create_get_list_patch(self, api, henan, tianjin, tianjin_henan):
        client = api(henan)
        body = payload(
            tianjin_henan,
            follow_ups=[{"title": "总结培训成果", "side": "partner", "due_date": "2026-08-31"}],
        )
        created = post(client, "/api/v1/exchanges", body)
        assert created.status_code == 201, created.content
        data = created.json()
        assert data["participant_count"] == 1
        assert data["topics"] == ["sorted_disposal"]
        assert data["delegates"][0]["side_label"] == "结对方"
        follow_up = data["follow_ups"][0]
        assert follow_up["url"] == f"/plans/tasks/{follow_up['task_id']}/"
        assert follow_up["plan_id"] == plan_queries.working_plan_of(tianjin_henan.pk).pk
        exchange_id = data["id"]

        listed = api(tianjin).get("/api/v1/exchanges", {"kind": "training"}).json()
        assert listed["count"] == 1 and listed["items"][0]["id"] == exchange_id
        assert api(tianjin).get("/api/v1/exchanges", {"kind": "lecture"}).json()["count"] == 0

        changed = patch(
            api(tianjin),
            f"/api/v1/exchanges/{exchange_id}",
            {"summary": "效果很好", "lock_version": 1},
        )
        assert changed.status_code == 200
        assert changed.json()["summary"] == "效果很好"
        assert changed.json()["title"] == "河南赴天津培训"
        stale = patch(client, f"/api/v1/exchanges/{exchange_id}", {"title": "x", "lock_version": 1})
        assert "tianjin" in assert_problem(stale, 409, "stale_version")["detail"]

    def test_validation_errors(self, api, henan, tianjin_henan):
        client = api(henan)
        before = exchanges_state()  # after the token (its creation is audited)
        bad_dates = post(client, "/api/v1/exchanges", payload(tianjin_henan, end_date="2026-05-01"))
        assert assert_problem(bad_dates, 422, "invalid_dates")["errors"]["end_date"]
        bad_topic = post(client, "/api/v1/exchanges", payload(tianjin_henan, topics=["nope"]))
        assert_problem(bad_topic, 422, "unknown_topic")
        unknown_pair = post(
            client, "/api/v1/exchanges", {**payload(tianjin_henan), "pairing_id": 999999}
        )
        assert_problem(unknown_pair, 404, "not_found")
        assert exchanges_state() == before

    def test_rights(self, api, tianjin, jiangxi, henan_expert, supervisor, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        assert_problem(api(jiangxi).get(f"/api/v1/exchanges/{exchange.pk}"), 404, "not_found")
        for user in (henan_expert, supervisor):
            client = api(user)
            assert client.get(f"/api/v1/exchanges/{exchange.pk}").status_code == 200
            assert_problem(
                post(client, "/api/v1/exchanges", payload(tianjin_henan)), 403, "forbidden"
            )
            assert_problem(
                patch(client, f"/api/v1/exchanges/{exchange.pk}", {"title": "x"}), 403, "forbidden"
            )
        assert Client().get("/api/v1/exchanges").status_code == 401

    def test_archive_and_restore(self, api, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        client = api(tianjin)
        assert post(client, f"/api/v1/exchanges/{exchange.pk}/archive", {}).json()["archived"]
        assert_problem(
            post(client, f"/api/v1/exchanges/{exchange.pk}/archive", {}), 409, "already_archived"
        )
        assert not post(client, f"/api/v1/exchanges/{exchange.pk}/restore", {}).json()["archived"]


class TestFilesAndFollowUps:
    def test_upload_and_download(self, api, tianjin, jiangxi, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        client = api(tianjin)
        response = client.post(
            f"/api/v1/exchanges/{exchange.pk}/files",
            {"files": [SimpleUploadedFile("纪要.pdf", PDF)]},
        )
        assert response.status_code == 201, response.content
        stored = response.json()[0]
        assert stored["content_type"] == "application/pdf" and not stored["is_photo"]
        download = client.get(stored["download_url"])
        assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
        assert_problem(api(jiangxi).get(stored["download_url"]), 404, "not_found")

    def test_disguised_upload_is_refused(self, api, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        client = api(tianjin)
        before = exchanges_state()
        response = client.post(
            f"/api/v1/exchanges/{exchange.pk}/files",
            {"files": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", EXE)]},
        )
        assert_problem(response, 422, "unsupported_file_type")
        assert exchanges_state() == before

    def test_follow_ups(self, api, xuchang, tianjin, tianjin_henan, nankai_xuchang, record):
        exchange = record(tianjin, tianjin_henan)
        response = post(
            api(tianjin),
            f"/api/v1/exchanges/{exchange.pk}/follow-ups",
            {"tasks": [{"title": "修订分类指南", "side": "leading", "due_date": "2026-10-01"}]},
        )
        assert response.status_code == 201, response.content
        assert response.json()[0]["title"] == "修订分类指南"
        other = record(xuchang, nankai_xuchang)
        refused = post(
            api(xuchang), f"/api/v1/exchanges/{other.pk}/follow-ups", {"tasks": [{"title": "x"}]}
        )
        body = assert_problem(refused, 409, "no_working_plan")
        assert f"/plans/new/?pairing={nankai_xuchang.pk}" in body["detail"]


class TestStatsCalendarFeed:
    def test_stats_and_calendar(self, api, tianjin, tianjin_henan, record):
        record(tianjin, tianjin_henan, title="五月座谈")
        client = api(tianjin)
        stats = client.get("/api/v1/exchanges/stats").json()
        assert stats["total"] == 1 and stats["planned"] == 1 and not stats["national"]
        assert stats["visits"] == {"leading_to_partner": 1, "partner_to_leading": 0}
        month = client.get("/api/v1/exchanges/calendar", {"month": "2026-05"}).json()
        assert (month["previous"], month["next"]) == ("2026-04", "2026-06")
        assert [e["title"] for e in month["exchanges"]] == ["五月座谈"]
        assert [d["date"] for d in month["days"]] == ["2026-05-11", "2026-05-12"]
        assert_problem(
            client.get("/api/v1/exchanges/calendar", {"month": "x"}), 422, "invalid_month"
        )

    def test_feed_url_once_then_revoke(self, api, tianjin, tianjin_henan, record):
        record(tianjin, tianjin_henan)
        client = api(tianjin)
        created = post(client, "/api/v1/me/calendar-feed", {})
        assert created.status_code == 201
        url = created.json()["url"]
        assert url.startswith("http://testserver/exchanges/calendar/feed/") and url.endswith(".ics")
        path = url.removeprefix("http://testserver")
        feed = Client().get(path)
        assert len(list(Calendar.from_ical(feed.content).walk("VEVENT"))) == 1
        assert post(client, "/api/v1/me/calendar-feed/revoke", {}).json() == {"revoked": 1}
        assert Client().get(path).status_code == 404
        assert_problem(post(client, "/api/v1/me/calendar-feed/revoke", {}), 409, "no_active_feed")
        assert Exchange.objects.count() == 1
