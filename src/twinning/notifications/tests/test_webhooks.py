"""Group robots: who may set them up, what address is accepted (SSRF guard, a test message must
get through), and that a refused robot leaves nothing behind. Secrets are never shown back."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from twinning.accounts.models import User
from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.notifications import services
from twinning.notifications.models import Delivery, DeliveryAttempt, PairWebhook
from twinning.notifications.tests.conftest import MakeRobot, RobotServer
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db


def state() -> dict[str, Any]:
    return {
        "webhooks": list(PairWebhook.objects.order_by("pk").values()),
        "deliveries": Delivery.objects.count(),
        "attempts": DeliveryAttempt.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@contextmanager
def unchanged() -> Iterator[None]:
    before = state()
    yield
    assert state() == before


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


class TestCreate:
    def test_a_coordinator_adds_a_robot_after_a_test_message(
        self, tianjin_henan: Pairing, henan: User, robot_server: RobotServer
    ) -> None:
        robot = services.create_webhook(
            actor=henan,
            pairing_id=tianjin_henan.pk,
            kind="dingtalk",
            name="河南工作群",
            url=robot_server.url("/robot/send?access_token=abcdef123456"),
            secret="SECthis-is-the-signing-secret-9876",
            events=["problem_new", "problem_new", "answer_new"],
        )

        [test] = robot_server.requests
        assert "测试消息" in test.body["markdown"]["title"]
        assert "sign" in test.query
        assert robot.events == ["problem_new", "answer_new"]
        assert robot.created_by == henan
        logged = Delivery.objects.get(webhook=robot)
        assert (logged.subject, logged.status) == ("测试消息", "sent")
        entry = AuditEntry.objects.get(target_type="notifications.pairwebhook", action="create")
        assert entry.pairing == tianjin_henan
        assert "secret" not in entry.changes
        assert "abcdef123456" not in str(entry.changes)
        assert "SECthis" not in str(entry.changes)
        assert robot.secret_masked == "••••9876"
        assert "abcdef123456" not in robot.url_masked and "3456" in robot.url_masked

    @pytest.mark.parametrize(
        ("kind", "url", "code"),
        [
            ("wecom", "not a url", "malformed_url"),
            ("wecom", "https://", "malformed_url"),
            ("wecom", "http://[::1", "malformed_url"),
            ("wecom", "ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "malformed_url"),
            ("wecom", "https://user:pw@qyapi.weixin.qq.com/send?key=k", "malformed_url"),
            ("wecom", "https://evil.example.com/hook", "host_not_allowed"),
            ("wecom", "https://qyapi.weixin.qq.com.evil.cn/send?key=k", "host_not_allowed"),
            ("wecom", "https://10.0.0.5/cgi-bin/webhook/send?key=k", "host_not_allowed"),
            ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "insecure_url"),
            ("dingtalk", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "kind_mismatch"),
            ("wecom", "https://oapi.dingtalk.com/robot/send?access_token=t", "kind_mismatch"),
        ],
    )
    def test_a_bad_address_is_refused_and_nothing_saved(
        self, tianjin_henan: Pairing, tianjin: User, kind: str, url: str, code: str
    ) -> None:
        with unchanged(), pytest.raises(Invalid) as refused:
            services.create_webhook(
                actor=tianjin, pairing_id=tianjin_henan.pk, kind=kind, name="群", url=url
            )
        assert refused.value.code == code
        assert refused.value.fields["url"]

    def test_an_unreachable_address_is_refused_and_nothing_saved(
        self, tianjin_henan: Pairing, tianjin: User
    ) -> None:
        url = f"http://127.0.0.1:{closed_port()}/cgi-bin/webhook/send?key=k"
        with unchanged(), pytest.raises(Invalid) as refused:
            services.create_webhook(
                actor=tianjin, pairing_id=tianjin_henan.pk, kind="wecom", name="群", url=url
            )
        assert refused.value.code == "webhook_unreachable"
        assert "无法连接" in refused.value.fields["url"][0]

    def test_an_error_reply_is_refused_and_nothing_saved(
        self, tianjin_henan: Pairing, tianjin: User, robot_server: RobotServer
    ) -> None:
        robot_server.reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        with unchanged(), pytest.raises(Invalid) as refused:
            services.create_webhook(
                actor=tianjin,
                pairing_id=tianjin_henan.pk,
                kind="wecom",
                name="群",
                url=robot_server.url(),
            )
        assert "93000" in refused.value.message

    def test_a_redirect_is_not_followed(
        self, tianjin_henan: Pairing, tianjin: User, robot_server: RobotServer
    ) -> None:
        robot_server.reply(302, b"")
        with unchanged(), pytest.raises(Invalid):
            services.create_webhook(
                actor=tianjin,
                pairing_id=tianjin_henan.pk,
                kind="wecom",
                name="群",
                url=robot_server.url(),
            )
        assert len(robot_server.requests) == 1

    def test_other_bad_input_is_refused(
        self, tianjin_henan: Pairing, tianjin: User, robot_server: RobotServer
    ) -> None:
        base = {"actor": tianjin, "pairing_id": tianjin_henan.pk, "url": robot_server.url()}
        cases = [
            ({"kind": "slack", "name": "群"}, "kind"),
            ({"kind": "wecom", "name": "  "}, "name"),
            ({"kind": "wecom", "name": "群", "events": ["nope"]}, "events"),
            ({"kind": "wecom", "name": "群", "secret": "SECx"}, "secret"),
        ]
        for extra, field in cases:
            with unchanged(), pytest.raises(Invalid) as refused:
                services.create_webhook(**base, **extra)
            assert field in refused.value.fields, extra
        assert robot_server.requests == []

    def test_only_the_pairs_coordinators_may_add_robots(
        self,
        tianjin_henan: Pairing,
        henan_member: User,
        henan_expert: User,
        jiangxi: User,
        robot_server: RobotServer,
    ) -> None:
        values = {"kind": "wecom", "name": "群", "url": robot_server.url()}
        with unchanged():
            for reader in (henan_member, henan_expert):
                with pytest.raises(Forbidden):
                    services.create_webhook(actor=reader, pairing_id=tianjin_henan.pk, **values)
            with pytest.raises(NotFound):
                services.create_webhook(actor=jiangxi, pairing_id=tianjin_henan.pk, **values)
        assert robot_server.requests == []


class TestEdit:
    def test_a_new_address_is_tried_before_it_is_saved(
        self, make_robot: MakeRobot, henan: User, robot_server: RobotServer
    ) -> None:
        robot = make_robot()
        new_url = robot_server.url("/cgi-bin/webhook/send?key=second-key-4321")

        saved = services.update_webhook(
            actor=henan, webhook_id=robot.pk, values={"url": new_url, "name": "新群"}
        )

        assert (saved.url, saved.name) == (new_url, "新群")
        assert [r.query["key"] for r in robot_server.requests] == [["second-key-4321"]]
        entry = AuditEntry.objects.filter(action="update").latest("at")
        assert "second-key" not in str(entry.changes)
        assert entry.changes["name"] == ["天津—河南工作群", "新群"]

    def test_a_rename_sends_no_test_message(
        self, make_robot: MakeRobot, henan: User, robot_server: RobotServer
    ) -> None:
        robot = make_robot()

        services.update_webhook(actor=henan, webhook_id=robot.pk, values={"name": "改名"})

        assert robot_server.requests == []

    def test_an_unreachable_new_address_keeps_the_old_one(
        self, make_robot: MakeRobot, henan: User
    ) -> None:
        robot = make_robot()
        url = f"http://127.0.0.1:{closed_port()}/send?key=k"

        with unchanged(), pytest.raises(Invalid):
            services.update_webhook(actor=henan, webhook_id=robot.pk, values={"url": url})

    def test_a_changed_secret_is_noted_but_not_recorded(
        self, make_robot: MakeRobot, tianjin: User
    ) -> None:
        robot = make_robot(kind="dingtalk", secret="SECfirst-secret-aaaa")

        services.update_webhook(
            actor=tianjin, webhook_id=robot.pk, values={"secret": "SECsecond-secret-bbbb"}
        )

        entry = AuditEntry.objects.filter(action="update").latest("at")
        assert entry.note == "签名密钥已更改"
        assert "secret" not in str(entry.changes)

    def test_archive_and_restore(
        self, make_robot: MakeRobot, tianjin: User, henan_member: User
    ) -> None:
        robot = make_robot()
        with pytest.raises(Forbidden):
            services.archive_webhook(actor=henan_member, webhook_id=robot.pk)

        services.archive_webhook(actor=tianjin, webhook_id=robot.pk)
        with pytest.raises(Conflict):
            services.archive_webhook(actor=tianjin, webhook_id=robot.pk)
        with pytest.raises(Conflict):
            services.update_webhook(actor=tianjin, webhook_id=robot.pk, values={"name": "x"})
        restored = services.archive_webhook(actor=tianjin, webhook_id=robot.pk, archived=False)

        assert not restored.is_archived
        actions = list(
            AuditEntry.objects.filter(
                target_type="notifications.pairwebhook", target_id=str(robot.pk)
            ).values_list("action", flat=True)
        )
        assert sorted(actions) == ["archive", "create", "restore"]
