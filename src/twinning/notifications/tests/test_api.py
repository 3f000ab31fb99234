"""The notifications API: one's own inbox and preferences only; robots scoped like their pair
(outsiders 404, read-only users 403 on writes); secrets never returned."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from twinning.accounts.models import User
from twinning.core.testing import assert_problem
from twinning.notifications.events import Event
from twinning.notifications.models import Notification, PairWebhook, Preference
from twinning.notifications.tests.conftest import MakeRobot, RobotServer
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db
API = "/api/v1"
ApiFor = Callable[[User], Client]


def post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(f"{API}{url}", data if data is not None else {}, "application/json")


def send(client: Client, method: str, url: str, data: Any) -> Any:
    return getattr(client, method)(f"{API}{url}", json.dumps(data), "application/json")


def notes(user: User, count: int, read: int = 0) -> list[Notification]:
    return [
        Notification.objects.create(
            recipient=user,
            event=Event.REMINDER,
            title=f"提醒{i}",
            read_at=timezone.now() if i < read else None,
        )
        for i in range(count)
    ]


class TestInbox:
    def test_list_is_mine_only_unread_first_and_paginated(
        self, api: ApiFor, henan: User, tianjin: User
    ) -> None:
        notes(henan, 55, read=5)
        notes(tianjin, 3)
        client = api(henan)

        first = client.get(f"{API}/notifications").json()
        assert first["count"] == 55 and len(first["items"]) == 50
        assert all(item["unread"] for item in first["items"])
        assert first["items"][0]["event_label"] == "答复期限提醒"
        second = client.get(f"{API}/notifications", {"page": 2}).json()
        assert [i["unread"] for i in second["items"]] == [False] * 5

        unread = client.get(f"{API}/notifications", {"unread": "true"}).json()
        assert unread["count"] == 50

    def test_mark_one_read_and_all_read(self, api: ApiFor, henan: User, tianjin: User) -> None:
        mine = notes(henan, 3)
        [theirs] = notes(tianjin, 1)
        client = api(henan)

        one = post(client, f"/notifications/{mine[0].pk}/read")
        assert one.status_code == 200 and one.json()["unread"] is False
        assert_problem(post(client, f"/notifications/{theirs.pk}/read"), 404, "not_found")
        theirs.refresh_from_db()
        assert theirs.read_at is None

        assert post(client, "/notifications/read-all").json() == {"marked": 2}
        assert not Notification.objects.filter(recipient=henan, read_at__isnull=True).exists()
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_preferences(self, api: ApiFor, henan: User) -> None:
        client = api(henan)
        rows = client.get(f"{API}/notifications/preferences").json()
        assert len(rows) == len(Event.values) * 2 and all(r["enabled"] for r in rows)

        response = send(
            client,
            "put",
            "/notifications/preferences",
            [{"event": "reminder", "channel": "email", "enabled": False}],
        )

        assert response.status_code == 200
        off = [(r["event"], r["channel"]) for r in response.json() if not r["enabled"]]
        assert off == [("reminder", "email")]
        assert Preference.objects.filter(user=henan).count() == 1
        bad = send(
            client, "put", "/notifications/preferences", [{"event": "x", "channel": "email"}]
        )
        assert_problem(bad, 422, "invalid_input")


class TestWebhooks:
    def test_list_is_scoped_and_masked(
        self,
        api: ApiFor,
        henan_expert: User,
        jiangxi: User,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
    ) -> None:
        make_robot(kind="dingtalk", secret="SECapi-secret-value-7777")

        rows = api(henan_expert).get(f"{API}/pairings/{tianjin_henan.pk}/webhooks").json()
        assert [r["name"] for r in rows] == ["天津—河南工作群"]
        assert rows[0]["secret"] == "••••7777"
        assert "test-key-0123456789" not in rows[0]["url"]
        assert "SECapi" not in json.dumps(rows)

        outsider = api(jiangxi).get(f"{API}/pairings/{tianjin_henan.pk}/webhooks")
        assert_problem(outsider, 404, "not_found")

    def test_create_edit_archive_restore(
        self, api: ApiFor, tianjin: User, tianjin_henan: Pairing, robot_server: RobotServer
    ) -> None:
        client = api(tianjin)
        created = post(
            client,
            f"/pairings/{tianjin_henan.pk}/webhooks",
            {"kind": "wecom", "name": "天津群", "url": robot_server.url(), "events": ["reminder"]},
        )
        assert created.status_code == 201, created.content
        robot_id = created.json()["id"]
        assert created.json()["events"] == ["reminder"]

        patched = send(client, "patch", f"/webhooks/{robot_id}", {"name": "改名"})
        assert patched.status_code == 200 and patched.json()["name"] == "改名"

        assert post(client, f"/webhooks/{robot_id}/archive").json()["archived"] is True
        assert_problem(post(client, f"/webhooks/{robot_id}/archive"), 409, "already_archived")
        assert post(client, f"/webhooks/{robot_id}/restore").json()["archived"] is False

        log = client.get(f"{API}/webhooks/{robot_id}/deliveries").json()
        assert log["count"] == 1
        assert log["items"][0]["subject"] == "测试消息"
        assert log["items"][0]["attempt_log"][0]["ok"] is True

    def test_bad_input_saves_nothing(
        self, api: ApiFor, tianjin: User, tianjin_henan: Pairing
    ) -> None:
        client = api(tianjin)
        refused = post(
            client,
            f"/pairings/{tianjin_henan.pk}/webhooks",
            {"kind": "wecom", "name": "群", "url": "https://169.254.169.254/latest/meta-data"},
        )
        body = assert_problem(refused, 422, "host_not_allowed")
        assert body["errors"]["url"]
        malformed = post(
            client,
            f"/pairings/{tianjin_henan.pk}/webhooks",
            {"kind": "wecom", "name": "群", "url": "::::"},
        )
        assert_problem(malformed, 422, "malformed_url")
        assert not PairWebhook.objects.exists()

    def test_read_only_users_are_forbidden_and_outsiders_not_found(
        self,
        api: ApiFor,
        henan_member: User,
        jiangxi: User,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
    ) -> None:
        robot = make_robot()
        payload = {"kind": "wecom", "name": "群", "url": robot_server.url()}
        reader, outsider = api(henan_member), api(jiangxi)

        assert_problem(
            post(reader, f"/pairings/{tianjin_henan.pk}/webhooks", payload), 403, "forbidden"
        )
        assert_problem(
            send(reader, "patch", f"/webhooks/{robot.pk}", {"name": "x"}), 403, "forbidden"
        )
        assert_problem(post(reader, f"/webhooks/{robot.pk}/archive"), 403, "forbidden")
        assert reader.get(f"{API}/webhooks/{robot.pk}/deliveries").status_code == 200

        assert_problem(
            post(outsider, f"/pairings/{tianjin_henan.pk}/webhooks", payload), 404, "not_found"
        )
        assert_problem(
            send(outsider, "patch", f"/webhooks/{robot.pk}", {"name": "x"}), 404, "not_found"
        )
        assert_problem(post(outsider, f"/webhooks/{robot.pk}/restore"), 404, "not_found")
        assert_problem(outsider.get(f"{API}/webhooks/{robot.pk}/deliveries"), 404, "not_found")
        assert PairWebhook.objects.get().name == "天津—河南工作群"
        assert robot_server.requests == []
