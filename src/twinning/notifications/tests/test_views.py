"""The HTML pages: the inbox (unread first, filters, opening marks read, mark all), the bell,
preferences, and a pair's robots page with its scoping (outsiders 404, read-only 403)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory

from twinning.accounts.models import User
from twinning.notifications.context_processors import unread_notifications
from twinning.notifications.events import Event
from twinning.notifications.models import Notification, PairWebhook, Preference
from twinning.notifications.tests.conftest import MakeRobot, RobotServer
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def inbox(user: User, *titles: str, read: tuple[str, ...] = ()) -> list[Notification]:
    from django.utils import timezone

    return [
        Notification.objects.create(
            recipient=user,
            event=Event.ANSWER_NEW,
            title=title,
            url="/plans/",
            read_at=timezone.now() if title in read else None,
        )
        for title in titles
    ]


class TestInbox:
    def test_unread_come_first_and_the_filter_keeps_only_them(
        self, login: Login, henan: User
    ) -> None:
        inbox(henan, "旧的未读", "已读的", "新的未读", read=("已读的",))
        client = login(henan)

        page = client.get("/notifications/").content.decode()
        assert page.index("新的未读") < page.index("旧的未读") < page.index("已读的")

        unread = client.get("/notifications/", {"show": "unread"}).content.decode()
        assert "新的未读" in unread and "已读的" not in unread

    def test_empty_states(self, login: Login, henan: User) -> None:
        client = login(henan)
        assert "还没有通知" in client.get("/notifications/").content.decode()
        assert "没有未读通知" in client.get("/notifications/?show=unread").content.decode()

    def test_opening_marks_read_and_follows_the_link(self, login: Login, henan: User) -> None:
        [n] = inbox(henan, "新的解答")

        response = login(henan).get(f"/notifications/{n.pk}/")

        assert response.status_code == 302 and response["Location"] == "/plans/"
        n.refresh_from_db()
        assert n.read_at is not None

    def test_a_link_elsewhere_is_not_followed(self, login: Login, henan: User) -> None:
        [n] = inbox(henan, "外链")
        Notification.objects.filter(pk=n.pk).update(url="https://evil.example.com/")

        response = login(henan).get(f"/notifications/{n.pk}/")

        assert response["Location"] == "/notifications/"

    def test_someone_elses_notification_is_not_found(
        self, login: Login, henan: User, tianjin: User
    ) -> None:
        [n] = inbox(henan, "河南的通知")

        assert login(tianjin).get(f"/notifications/{n.pk}/").status_code == 404
        n.refresh_from_db()
        assert n.read_at is None

    def test_mark_all_read(self, login: Login, henan: User, tianjin: User) -> None:
        inbox(henan, "一", "二")
        [other] = inbox(tianjin, "天津的")

        response = login(henan).post("/notifications/read-all/")

        assert response.status_code == 302
        assert not Notification.objects.filter(recipient=henan, read_at__isnull=True).exists()
        other.refresh_from_db()
        assert other.read_at is None


class TestBell:
    def test_the_bell_shows_the_unread_count(self, login: Login, henan: User) -> None:
        inbox(henan, "一", "二", "三", read=("三",))

        page = login(henan).get("/notifications/preferences/").content.decode()

        assert 'id="notification-bell"' in page
        assert '<span class="badge" id="unread-count">2</span>' in page

    def test_no_count_when_all_are_read(self, login: Login, henan: User) -> None:
        page = login(henan).get("/notifications/preferences/").content.decode()
        assert 'id="notification-bell"' in page and "unread-count" not in page

    def test_the_count_is_one_query(self, henan: User, django_assert_num_queries: Any) -> None:
        inbox(henan, "一", "二")
        request = RequestFactory().get("/")
        request.user = henan

        with django_assert_num_queries(1):
            assert unread_notifications(request) == {"unread_notifications": 2}

    def test_anonymous_visitors_get_no_count(self) -> None:
        from django.contrib.auth.models import AnonymousUser

        request = RequestFactory().get("/")
        request.user = AnonymousUser()
        assert unread_notifications(request) == {}


class TestPreferences:
    def test_the_grid_starts_all_on_and_saves_what_was_unticked(
        self, login: Login, henan: User
    ) -> None:
        client = login(henan)
        page = client.get("/notifications/preferences/").content.decode()
        assert page.count('type="checkbox"') == len(Event.values) * 2
        assert page.count(" checked") == len(Event.values) * 2

        ticked = {f"{e}:in_app": "on" for e in Event.values}
        ticked["reminder:email"] = "on"
        response = client.post("/notifications/preferences/", ticked)

        assert response.status_code == 302
        off = set(
            Preference.objects.filter(user=henan, enabled=False).values_list("event", "channel")
        )
        assert off == {(e, "email") for e in Event.values if e != "reminder"}
        page = client.get("/notifications/preferences/").content.decode()
        assert page.count(" checked") == len(Event.values) + 1

    def test_coordinators_see_links_to_their_pairs_robots(
        self, login: Login, tianjin: User, henan_member: User, tianjin_henan: Pairing
    ) -> None:
        link = f"/notifications/pairs/{tianjin_henan.pk}/webhooks/"
        assert link in login(tianjin).get("/notifications/preferences/").content.decode()
        assert link not in login(henan_member).get("/notifications/preferences/").content.decode()


class TestWebhookPages:
    def url(self, pairing: Pairing) -> str:
        return f"/notifications/pairs/{pairing.pk}/webhooks/"

    def test_coordinators_see_the_robots_masked_with_their_log(
        self, login: Login, henan: User, tianjin_henan: Pairing, make_robot: MakeRobot
    ) -> None:
        make_robot(kind="dingtalk", secret="SECvery-secret-value-zz99")

        page = login(henan).get(self.url(tianjin_henan)).content.decode()

        assert "天津—河南工作群" in page and "测试消息" in page
        assert "SECvery-secret" not in page and "••••zz99" in page
        assert "test-key-0123456789" not in page
        assert 'id="new-webhook"' in page

    def test_read_only_users_see_the_page_without_forms_and_may_not_post(
        self,
        login: Login,
        henan_expert: User,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
    ) -> None:
        robot = make_robot()
        client = login(henan_expert)

        page = client.get(self.url(tianjin_henan)).content.decode()
        assert "天津—河南工作群" in page and 'id="new-webhook"' not in page

        posted = {"name": "群", "kind": "wecom", "url": robot_server.url()}
        assert client.post(self.url(tianjin_henan), posted).status_code == 403
        assert client.get(f"/notifications/webhooks/{robot.pk}/edit/").status_code == 403
        assert client.post(f"/notifications/webhooks/{robot.pk}/archive/").status_code == 403
        assert PairWebhook.objects.count() == 1 and robot_server.requests == []

    def test_outsiders_get_not_found(
        self, login: Login, jiangxi: User, tianjin_henan: Pairing, make_robot: MakeRobot
    ) -> None:
        robot = make_robot()
        client = login(jiangxi)

        assert client.get(self.url(tianjin_henan)).status_code == 404
        assert client.get(f"/notifications/webhooks/{robot.pk}/edit/").status_code == 404
        assert client.post(f"/notifications/webhooks/{robot.pk}/archive/").status_code == 404

    def test_add_a_robot(
        self, login: Login, tianjin: User, tianjin_henan: Pairing, robot_server: RobotServer
    ) -> None:
        response = login(tianjin).post(
            self.url(tianjin_henan),
            {
                "name": "天津工作群",
                "kind": "wecom",
                "url": robot_server.url(),
                "events": ["problem_new", "answer_new"],
            },
        )

        assert response.status_code == 302
        robot = PairWebhook.objects.get()
        assert robot.events == ["problem_new", "answer_new"]
        assert len(robot_server.requests) == 1

    def test_a_refused_address_is_shown_beside_the_field(
        self, login: Login, tianjin: User, tianjin_henan: Pairing
    ) -> None:
        response = login(tianjin).post(
            self.url(tianjin_henan),
            {"name": "群", "kind": "wecom", "url": "https://evil.example.com/hook"},
        )

        assert response.status_code == 422
        assert "只能使用以下地址的群机器人" in response.content.decode()
        assert not PairWebhook.objects.exists()

    def test_edit_keeps_the_address_and_secret_when_left_blank(
        self, login: Login, tianjin: User, make_robot: MakeRobot, robot_server: RobotServer
    ) -> None:
        robot = make_robot(kind="dingtalk", secret="SECkeep-this-secret-1234")
        client = login(tianjin)
        page = client.get(f"/notifications/webhooks/{robot.pk}/edit/").content.decode()
        assert "SECkeep" not in page and "••••1234" in page

        response = client.post(
            f"/notifications/webhooks/{robot.pk}/edit/",
            {"name": "改名的群", "kind": "dingtalk", "url": "", "secret": ""},
        )

        assert response.status_code == 302
        robot.refresh_from_db()
        assert robot.name == "改名的群" and robot.secret == "SECkeep-this-secret-1234"
        assert robot_server.requests == []

    def test_edit_can_clear_the_secret(
        self, login: Login, tianjin: User, make_robot: MakeRobot, robot_server: RobotServer
    ) -> None:
        robot = make_robot(kind="dingtalk", secret="SECclear-me-000000")

        login(tianjin).post(
            f"/notifications/webhooks/{robot.pk}/edit/",
            {"name": robot.name, "kind": "dingtalk", "clear_secret": "on"},
        )

        robot.refresh_from_db()
        assert robot.secret == "" and len(robot_server.requests) == 1

    def test_archive_then_restore(
        self, login: Login, henan: User, make_robot: MakeRobot, tianjin_henan: Pairing
    ) -> None:
        robot = make_robot()
        client = login(henan)

        client.post(f"/notifications/webhooks/{robot.pk}/archive/")
        assert f"webhook-{robot.pk}" not in client.get(self.url(tianjin_henan)).content.decode()
        archived = client.get(self.url(tianjin_henan), {"archived": "1"}).content.decode()
        assert f"webhook-{robot.pk}" in archived

        client.post(f"/notifications/webhooks/{robot.pk}/restore/")
        robot.refresh_from_db()
        assert not robot.is_archived
