"""Notifications: the in-app inbox, each person's preferences, the pairs' group robots, and the
queue of e-mails and robot messages with a record of every sending attempt."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable
from twinning.notifications.events import Event

MASK = "••••"


def mask_secret(value: str) -> str:
    """A secret as it may be shown again: its last four characters only."""
    if not value:
        return ""
    return MASK + value[-4:] if len(value) > 8 else MASK


def mask_url(url: str) -> str:
    """A robot's address with its access key masked (the key lets anyone post to the group)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    query = urlencode([(k, mask_secret(v)) for k, v in parse_qsl(parts.query)], safe="•")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


class Channel(models.TextChoices):
    """The ways a person can be told, each switched on or off per event in their preferences."""

    IN_APP = "in_app", _("站内通知")
    EMAIL = "email", _("电子邮件")


class Notification(models.Model):
    """One message in a person's in-app inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("事件"), max_length=40, choices=Event.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Preference(models.Model):
    """Whether a person wants an event on a channel; without a row, every channel is on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event = models.CharField(_("事件"), max_length=40, choices=Event.choices)
    channel = models.CharField(_("方式"), max_length=20, choices=Channel.choices)
    enabled = models.BooleanField(_("接收"), default=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event", "channel"], name="notification_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.event} {self.channel} {self.enabled}"


class PairWebhook(Archivable):
    """A pair's group robot (企业微信 or 钉钉 group chat) told about the pair's events."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对"),
        on_delete=models.PROTECT,
        related_name="webhooks",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    url = models.CharField(_("机器人网址"), max_length=500)
    # DingTalk's optional signing secret ("加签"); never shown back in full, never audited.
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True)
    # Event values the robot is told about; empty means every event.
    events = models.JSONField(_("订阅的事件"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["pairing", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def subscribed_to(self, event: str) -> bool:
        return not self.events or event in self.events

    @property
    def url_masked(self) -> str:
        return mask_url(self.url)

    @property
    def secret_masked(self) -> str:
        return mask_secret(self.secret)

    def event_labels(self) -> list[str]:
        labels = dict(Event.choices)
        return [str(labels.get(e, e)) for e in self.events]


class Delivery(models.Model):
    """One e-mail or robot message waiting to be sent, sent, or given up on."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.CharField(_("方式"), max_length=20, choices=Channel.choices)
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("通知"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    webhook = models.ForeignKey(
        PairWebhook,
        verbose_name=_("群机器人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    # The e-mail address, or the robot's id.
    address = models.CharField(_("地址"), max_length=254)
    subject = models.CharField(_("主题"), max_length=200)
    payload = models.JSONField(_("内容"), default=dict)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(
        _("下次尝试"), null=True, blank=True, default=timezone.now
    )
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.subject}"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery: when, whether it worked, what the other side replied."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("发送记录"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    ok = models.BooleanField(_("成功"))
    status_code = models.PositiveIntegerField(_("HTTP 状态码"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        verbose_name = _("发送尝试")
        verbose_name_plural = _("发送尝试")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.at:%Y-%m-%d %H:%M:%S} {self.ok}"
