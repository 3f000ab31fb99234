"""Exchange activities (交流活动): visits, trainings and online sessions between the two sides of
a pair, with their delegates, files, follow-up tasks, and personal calendar feeds."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable
from twinning.core.permissions import region_scope_q
from twinning.pairings.models import Side, choice_label
from twinning.plans.models import Method


class Direction(models.TextChoices):
    LEADING_TO_PARTNER = "leading_to_partner", _("先行方赴结对方")
    PARTNER_TO_LEADING = "partner_to_leading", _("结对方赴先行方")
    JOINT = "joint", _("双方共同举办")
    ONLINE = "online", _("线上")


class ExchangeQuerySet(models.QuerySet["Exchange"]):
    def visible_to(self, user: Any) -> "ExchangeQuerySet":
        """Exchanges are visible exactly when their pair is."""
        return self.filter(
            region_scope_q(user, "pairing__leading_region", "pairing__partner_region")
        )

    def live(self) -> "ExchangeQuerySet":
        return self.filter(archived_at__isnull=True)


class Exchange(Archivable):
    """One exchange activity between the two sides of a pair."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        HELD = "held", _("已举办")
        CANCELLED = "cancelled", _("已取消")

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对"),
        on_delete=models.PROTECT,
        related_name="exchanges",
    )
    kind = models.CharField(_("交流方式"), max_length=24, choices=Method.choices)
    direction = models.CharField(_("交流方向"), max_length=20, choices=Direction.choices)
    title = models.CharField(_("活动名称"), max_length=200)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    online = models.BooleanField(_("线上举办"), default=False)
    participant_count = models.PositiveIntegerField(_("参加人数"), default=0)
    topics = models.ManyToManyField(
        "plans.Topic", verbose_name=_("交流内容"), blank=True, related_name="+"
    )
    summary = models.TextField(_("活动纪要"), blank=True)
    agreements = models.TextField(_("达成的共识"), blank=True)
    materials = models.TextField(_("交流材料"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Optimistic locking: every save increments it; a save based on an older number is refused.
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    objects = ExchangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("交流活动")
        verbose_name_plural = _("交流活动")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="exchange_dates_order"
            ),
        ]
        # The list's filters and the statistics' groupings; the start date leads the default
        # order, so a filtered, date-ordered page walks an index.
        indexes = [
            models.Index(fields=["start_date", "id"], name="exchange_start"),
            models.Index(fields=["pairing", "start_date"], name="exchange_pair_start"),
            models.Index(fields=["kind", "start_date"], name="exchange_kind_start"),
            models.Index(fields=["direction", "start_date"], name="exchange_direction_start"),
            models.Index(fields=["status", "start_date"], name="exchange_status_start"),
            # The held, live exchanges counted by month and kind (the Ministry dashboard's chart
            # and national numbers) are read from this index alone on SQLite.
            models.Index(
                fields=["status", "archived_at", "start_date", "kind"], name="exchange_held_month"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_kind_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Method, self.kind)

    def get_direction_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Direction, self.direction)

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class Delegate(models.Model):
    """A member of a delegation (参加人员): name, unit, position and the side they came from."""

    exchange = models.ForeignKey(
        Exchange, verbose_name=_("交流活动"), on_delete=models.CASCADE, related_name="delegates"
    )
    name = models.CharField(_("姓名"), max_length=50)
    unit = models.CharField(_("单位"), max_length=100, blank=True)
    position = models.CharField(_("职务"), max_length=100, blank=True)
    side = models.CharField(_("所属方"), max_length=10, choices=Side.choices)
    position_in_list = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("参加人员")
        verbose_name_plural = _("参加人员")
        ordering = ["exchange_id", "position_in_list", "id"]

    def __str__(self) -> str:
        return self.name

    def get_side_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Side, self.side)


def exchange_file_path(instance: "ExchangeFile", filename: str) -> str:
    # The stored name is random: the original name is kept in a field, never used on disk.
    return f"exchanges/files/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ExchangeFile(Archivable):
    """A file or photo from an exchange (materials, minutes, pictures)."""

    exchange = models.ForeignKey(
        Exchange, verbose_name=_("交流活动"), on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField(_("文件"), upload_to=exchange_file_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    is_photo = models.BooleanField(_("照片"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动文件")
        verbose_name_plural = _("活动文件")
        ordering = ["exchange_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class FollowUp(models.Model):
    """A task in the pair's work plan agreed at an exchange (后续任务)."""

    exchange = models.ForeignKey(
        Exchange, verbose_name=_("交流活动"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    task = models.ForeignKey(
        "plans.Task", verbose_name=_("任务"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("后续任务")
        verbose_name_plural = _("后续任务")
        ordering = ["exchange_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "task"], name="follow_up_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.exchange_id} → {self.task_id}"


class CalendarFeed(models.Model):
    """A personal iCal feed URL; only a hash of its secret token is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
