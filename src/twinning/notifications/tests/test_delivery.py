"""Sending, against a local robot server on 127.0.0.1: the payloads, DingTalk's signature,
retries (server errors, robot error codes, timeouts), the final failure, e-mails, and
`twinning deliver-notifications` sending each message once however often it runs."""

import base64
import datetime as dt
import hashlib
import hmac
import time
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from twinning.accounts.models import User
from twinning.notifications import delivery as sending
from twinning.notifications import services
from twinning.notifications.events import Event
from twinning.notifications.models import Delivery, PairWebhook
from twinning.notifications.tests.conftest import MakeRobot, RobotServer
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db

TITLE = "河南提出新难题：厨余垃圾处理设施选址"


def news(pairing: Pairing, recipients: list[User], actor: User | None = None) -> None:
    services.notify(
        event=Event.PROBLEM_NEW,
        pairing=pairing,
        recipients=recipients,
        can_see=lambda user: pair_perms.can_view(user, pairing),
        title=TITLE,
        body="郑州市厨余垃圾处理设施选址遇到邻避问题，请天津给予指导。",
        url="/consultations/7/",
        actor=actor,
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """Run `notify` and then its after-commit callbacks, as a committed request would."""

    def run(*args: Any, **kwargs: Any) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            news(*args, **kwargs)

    return run


def robot_delivery(robot: PairWebhook) -> Delivery:
    return Delivery.objects.get(webhook=robot, subject=TITLE)


class TestPayloads:
    def test_wecom_gets_a_markdown_message_with_a_link(
        self,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        committed: Any,
    ) -> None:
        robot = make_robot(kind=PairWebhook.Kind.WECOM)

        committed(tianjin_henan, [])

        [received] = robot_server.requests
        assert received.path == "/cgi-bin/webhook/send"
        assert received.query == {"key": ["test-key-0123456789"]}
        assert set(received.body) == {"msgtype", "markdown"}
        assert received.body["msgtype"] == "markdown"
        content = received.body["markdown"]["content"]
        assert set(received.body["markdown"]) == {"content"}
        assert TITLE in content and "邻避问题" in content
        assert "http://127.0.0.1:8000/consultations/7/" in content
        delivery = robot_delivery(robot)
        assert (delivery.status, delivery.attempts, delivery.channel) == ("sent", 1, "wecom")
        assert delivery.sent_at is not None and delivery.next_attempt_at is None

    def test_dingtalk_gets_title_and_text_and_a_correct_signature(
        self,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        committed: Any,
    ) -> None:
        secret = "SECabcdef0123456789abcdef0123456789"
        make_robot(
            kind=PairWebhook.Kind.DINGTALK, secret=secret, path="/robot/send?access_token=tok123"
        )
        before = round(time.time() * 1000)

        committed(tianjin_henan, [])

        [received] = robot_server.requests
        assert received.body["msgtype"] == "markdown"
        assert received.body["markdown"]["title"] == TITLE
        assert "/consultations/7/" in received.body["markdown"]["text"]
        assert received.query["access_token"] == ["tok123"]
        [timestamp] = received.query["timestamp"]
        [sign] = received.query["sign"]  # parse_qs has undone the URL-encoding
        assert before <= int(timestamp) <= round(time.time() * 1000)
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        assert sign == expected

    def test_dingtalk_without_a_secret_is_not_signed(
        self,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        committed: Any,
    ) -> None:
        make_robot(kind=PairWebhook.Kind.DINGTALK, path="/robot/send?access_token=tok123")

        committed(tianjin_henan, [])

        assert set(robot_server.requests[0].query) == {"access_token"}


class TestRetries:
    def test_a_server_error_is_retried_until_it_gets_through(
        self,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        committed: Any,
    ) -> None:
        robot = make_robot()
        robot_server.reply(500, b"oops")

        committed(tianjin_henan, [])

        delivery = robot_delivery(robot)
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
        log = list(delivery.attempt_log.order_by("at", "id"))
        assert [(a.ok, a.status_code) for a in log] == [(False, 500), (True, 200)]
        assert "HTTP 500" in log[0].error
        assert len(robot_server.requests) == 2

    def test_a_robot_error_code_is_a_failure_and_retried(
        self,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        committed: Any,
    ) -> None:
        robot = make_robot()
        robot_server.reply(200, {"errcode": 45009, "errmsg": "api freq out of limit"})

        committed(tianjin_henan, [])

        delivery = robot_delivery(robot)
        assert (delivery.status, delivery.attempts) == ("sent", 2)
        first = delivery.attempt_log.order_by("at", "id").first()
        assert first is not None and not first.ok
        assert "45009" in first.error and "api freq out of limit" in first.error

    def test_a_timeout_is_retried(
        self,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        committed: Any,
    ) -> None:
        robot = make_robot()
        robot_server.reply(200, delay=1.5)  # longer than the test timeout of 0.5 s

        committed(tianjin_henan, [])

        delivery = robot_delivery(robot)
        assert (delivery.status, delivery.attempts) == ("sent", 2)
        first = delivery.attempt_log.order_by("at", "id").first()
        assert first is not None and not first.ok and first.status_code is None
        assert "超时" in first.error

    def test_after_the_last_attempt_the_delivery_has_failed(
        self,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        committed: Any,
    ) -> None:
        robot = make_robot()
        for _ in range(5):
            robot_server.reply(503, b"")

        committed(tianjin_henan, [])

        delivery = robot_delivery(robot)
        assert (delivery.status, delivery.attempts) == ("failed", 3)
        assert delivery.next_attempt_at is None and "503" in delivery.last_error
        assert delivery.attempt_log.filter(ok=False).count() == 3
        assert len(robot_server.requests) == 3

    def test_a_client_error_is_not_retried(
        self,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        committed: Any,
    ) -> None:
        robot = make_robot()
        robot_server.reply(404, b"")

        committed(tianjin_henan, [])

        delivery = robot_delivery(robot)
        assert (delivery.status, delivery.attempts) == ("failed", 1)

    @override_settings(TWINNING_DELIVERY_BACKOFF_SECONDS=60)
    def test_with_a_backoff_the_retry_waits_for_its_time(
        self,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        committed: Any,
    ) -> None:
        robot = make_robot()
        robot_server.reply(500, b"")

        committed(tianjin_henan, [])

        delivery = robot_delivery(robot)
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert delivery.next_attempt_at is not None
        wait = delivery.next_attempt_at - timezone.now()
        assert dt.timedelta(seconds=50) < wait <= dt.timedelta(seconds=60)
        assert sending.deliver_pending() == {"sent": 0, "failed": 0, "retrying": 0}

        Delivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
        )
        assert sending.deliver_pending() == {"sent": 1, "failed": 0, "retrying": 0}
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("sent", 2)

    def test_an_archived_robot_is_not_sent_to(
        self,
        tianjin_henan: Pairing,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        tianjin: User,
    ) -> None:
        robot = make_robot()
        news(tianjin_henan, [])
        services.archive_webhook(actor=tianjin, webhook_id=robot.pk)

        sending.deliver_pending()

        delivery = robot_delivery(robot)
        assert delivery.status == "failed" and "归档" in delivery.last_error
        assert robot_server.requests == []


class TestEmail:
    def test_an_email_goes_out_after_the_commit(
        self,
        tianjin_henan: Pairing,
        with_email: tuple[User, User],
        tianjin: User,
        committed: Any,
    ) -> None:
        henan, _member = with_email

        committed(tianjin_henan, [henan], actor=tianjin)

        [message] = mail.outbox
        assert message.to == ["henan@example.cn"]
        assert TITLE in message.subject
        assert "http://127.0.0.1:8000/consultations/7/" in message.body
        assert "/notifications/preferences/" in message.body
        delivery = Delivery.objects.get(channel="email")
        assert (delivery.status, delivery.attempts) == ("sent", 1)

    def test_a_failing_mail_server_is_retried_then_given_up(
        self,
        tianjin_henan: Pairing,
        with_email: tuple[User, User],
        committed: Any,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        def refuse(self: Any, fail_silently: bool = False) -> int:
            raise ConnectionRefusedError("SMTP server down")

        monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)

        committed(tianjin_henan, [with_email[0]])

        delivery = Delivery.objects.get(channel="email")
        assert (delivery.status, delivery.attempts) == ("failed", 3)
        assert "SMTP server down" in delivery.last_error


class TestDeliverPending:
    def test_running_the_command_twice_sends_each_message_once(
        self,
        tianjin_henan: Pairing,
        with_email: tuple[User, User],
        make_robot: MakeRobot,
        robot_server: RobotServer,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        make_robot()
        news(tianjin_henan, [with_email[0]])  # never committed: nothing queued yet
        assert Delivery.objects.filter(status="pending").count() == 2

        call_command("deliver_notifications")
        call_command("deliver_notifications")

        assert len(mail.outbox) == 1
        assert len(robot_server.requests) == 1
        assert not Delivery.objects.filter(status="pending").exists()
        out = capsys.readouterr().out.splitlines()
        assert out == ["sent 2, failed 0, to retry 0", "sent 0, failed 0, to retry 0"]

    def test_a_delivery_already_sent_is_not_sent_again(
        self,
        tianjin_henan: Pairing,
        with_email: tuple[User, User],
    ) -> None:
        news(tianjin_henan, [with_email[0]])
        delivery = Delivery.objects.get(channel="email")

        sending.deliver(delivery.pk)
        sending.deliver(delivery.pk)

        assert len(mail.outbox) == 1

    def test_the_cli_word_reaches_the_command(self) -> None:
        from twinning.config import cli

        cli.main(["twinning", "deliver-notifications"])  # nothing due: prints the counts


def test_only_allowed_hosts_are_ever_contacted() -> None:
    outcome = sending.send_robot("wecom", "https://example.com/hook", "", {"msgtype": "text"})

    assert not outcome.ok and not outcome.retry
