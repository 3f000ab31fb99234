"""`notify`: who is told (can_see, the actor, inactive people, preferences) and through what
(in-app rows, e-mails, the pair's subscribed robots), and that channels never fail the caller."""

from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.notifications import services
from twinning.notifications.events import Event
from twinning.notifications.models import Channel, Delivery, Notification, Preference
from twinning.notifications.schemas import ChannelCode, EventCode
from twinning.notifications.tests.conftest import MakeRobot, RobotServer
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db


def say(pairing: Pairing, recipients: list[User], **kw: Any) -> list[Notification]:
    values: dict[str, Any] = {
        "event": Event.EXCHANGE_NEW,
        "pairing": pairing,
        "recipients": recipients,
        "can_see": lambda user: pair_perms.can_view(user, pairing),
        "title": "天津赴河南交流调研",
        "body": "4月15日，天津市城市管理委赴郑州市交流生活垃圾分类经验。",
        "url": "/exchanges/1/",
    }
    values.update(kw)
    return services.notify(**values)


class TestWhoIsTold:
    def test_only_people_who_can_see_the_pair_are_told(
        self, tianjin_henan: Pairing, henan: User, jiangxi: User, supervisor: User
    ) -> None:
        made = say(tianjin_henan, [henan, jiangxi, supervisor])

        assert {n.recipient for n in made} == {henan, supervisor}
        assert not Notification.objects.filter(recipient=jiangxi).exists()
        row = Notification.objects.get(recipient=henan)
        assert (row.event, row.url, row.pairing) == ("exchange_new", "/exchanges/1/", tianjin_henan)

    def test_the_actor_is_never_told_of_their_own_action(
        self, tianjin_henan: Pairing, tianjin: User, henan: User
    ) -> None:
        made = say(tianjin_henan, [tianjin, henan], actor=tianjin)

        assert [n.recipient for n in made] == [henan]
        assert made[0].actor == tianjin

    def test_recipients_are_deduplicated_and_inactive_people_dropped(
        self, tianjin_henan: Pairing, henan: User, henan_member: User
    ) -> None:
        henan_member.is_active = False
        henan_member.save(update_fields=["is_active"])

        made = say(tianjin_henan, [henan, henan, henan_member])

        assert [n.recipient for n in made] == [henan]

    def test_can_see_decides_even_inside_the_pair(
        self, tianjin_henan: Pairing, henan: User, henan_member: User
    ) -> None:
        made = say(tianjin_henan, [henan, henan_member], can_see=lambda u: u == henan_member)

        assert [n.recipient for n in made] == [henan_member]

    def test_the_email_of_someone_who_cannot_see_is_never_queued(
        self, tianjin_henan: Pairing, jiangxi: User
    ) -> None:
        jiangxi.email = "jiangxi@example.cn"
        jiangxi.save(update_fields=["email"])

        say(tianjin_henan, [jiangxi])

        assert not Delivery.objects.filter(address="jiangxi@example.cn").exists()


class TestPreferences:
    def test_without_preferences_in_app_and_email_are_both_on(
        self, tianjin_henan: Pairing, with_email: tuple[User, User]
    ) -> None:
        henan, member = with_email

        made = say(tianjin_henan, [henan, member])

        assert len(made) == 2
        emails = Delivery.objects.filter(channel="email")
        assert sorted(emails.values_list("address", flat=True)) == [
            "henan@example.cn",
            "member@example.cn",
        ]
        assert all(d.status == "pending" and d.notification_id for d in emails)

    def test_switched_off_channels_are_honoured_per_event(
        self, tianjin_henan: Pairing, with_email: tuple[User, User]
    ) -> None:
        henan, member = with_email
        services.set_preferences(actor=henan, choices={("exchange_new", "in_app"): False})
        services.set_preferences(
            actor=member,
            choices={("exchange_new", "email"): False, ("problem_new", "in_app"): False},
        )

        made = say(tianjin_henan, [henan, member])

        assert [n.recipient for n in made] == [member]
        email = Delivery.objects.get(channel="email")
        assert (email.address, email.notification_id) == ("henan@example.cn", None)

    def test_people_without_an_address_get_no_email(
        self, tianjin_henan: Pairing, henan: User
    ) -> None:
        say(tianjin_henan, [henan])

        assert not Delivery.objects.filter(channel="email").exists()

    def test_unknown_event_or_channel_is_refused(self, henan: User) -> None:
        from twinning.core.errors import Invalid

        with pytest.raises(Invalid):
            services.set_preferences(actor=henan, choices={("nonsense", "email"): False})
        with pytest.raises(Invalid):
            services.set_preferences(actor=henan, choices={("reminder", "sms"): False})
        assert not Preference.objects.filter(user=henan).exists()


class TestRobots:
    def test_subscribed_live_robots_of_the_pair_get_one_delivery_each(
        self, tianjin_henan: Pairing, henan: User, make_robot: MakeRobot, tianjin: User
    ) -> None:
        every = make_robot(name="全部事件")
        problems = make_robot(name="只推难题", events=["problem_new"])
        exchanges = make_robot(name="只推交流", events=["exchange_new", "reminder"])
        archived = make_robot(name="已归档")
        services.archive_webhook(actor=tianjin, webhook_id=archived.pk)

        say(tianjin_henan, [henan])

        robots = Delivery.objects.exclude(channel="email").exclude(subject="测试消息")
        assert sorted(d.webhook_id for d in robots) == sorted([every.pk, exchanges.pk])
        assert problems.pk not in {d.webhook_id for d in robots}
        assert all(d.address == str(d.webhook_id) for d in robots)

    def test_robots_are_told_even_when_no_person_is(
        self, tianjin_henan: Pairing, make_robot: MakeRobot
    ) -> None:
        robot = make_robot()

        assert say(tianjin_henan, []) == []
        assert Delivery.objects.filter(webhook=robot, subject="天津赴河南交流调研").count() == 1

    def test_robots_of_another_pair_are_not_told(
        self, tianjin_henan: Pairing, nankai_xuchang: Pairing, make_robot: MakeRobot
    ) -> None:
        robot = make_robot()

        say(nankai_xuchang, [])

        assert not Delivery.objects.filter(webhook=robot).exclude(subject="测试消息").exists()


class TestAfterTheCommit:
    def test_nothing_is_sent_before_the_commit(
        self,
        tianjin_henan: Pairing,
        with_email: tuple[User, User],
        make_robot: MakeRobot,
        robot_server: RobotServer,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        make_robot()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            say(tianjin_henan, list(with_email))

        assert len(callbacks) == 1
        assert mail.outbox == [] and robot_server.requests == []

    def test_a_failing_channel_never_fails_the_action(
        self,
        tianjin_henan: Pairing,
        tianjin: User,
        henan: User,
        make_robot: MakeRobot,
        robot_server: RobotServer,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        robot = make_robot()
        for _ in range(3):
            robot_server.reply(500, {"errcode": -1, "errmsg": "system busy"})
        entries = AuditEntry.objects.count()

        # The user's action: a change and the news of it, in one transaction.
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            AuditEntry.objects.create(actor=tianjin, action="create", target_type="x")
            made = say(tianjin_henan, [henan], actor=tianjin)

        assert AuditEntry.objects.count() == entries + 1
        assert Notification.objects.filter(pk=made[0].pk).exists()
        delivery = Delivery.objects.get(webhook=robot, subject="天津赴河南交流调研")
        assert (delivery.status, delivery.attempts) == ("failed", 3)
        assert "500" in delivery.last_error
        assert delivery.attempt_log.count() == 3


def test_api_literals_match_the_events_and_channels() -> None:
    assert set(EventCode.__args__) == set(Event.values)  # type: ignore[attr-defined]
    assert set(ChannelCode.__args__) == set(Channel.values)  # type: ignore[attr-defined]
