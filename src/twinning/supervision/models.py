"""Guidance and urging notices (督办通知): the Ministry's notice to a pair, the pair's answer
(acknowledgement, rectification plan, progress with evidence) and the Ministry's verification,
kept as a timeline of steps until the notice is closed."""

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable
from twinning.core.permissions import region_scope_q
from twinning.pairings.models import choice_label


class Guidance(models.TextChoices):
    """The special guidance (专题指导) a notice announces, if any."""

    NONE = "none", _("无")
    MEETING = "meeting", _("专题指导会")
    EXPERT_VISIT = "expert_visit", _("专家现场指导")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def visible_to(self, user: Any) -> "NoticeQuerySet":
        """Notices are visible exactly when their pair is: the Ministry and the pair's sides."""
        return self.filter(
            region_scope_q(user, "pairing__leading_region", "pairing__partner_region")
        )

    def live(self) -> "NoticeQuerySet":
        return self.filter(archived_at__isnull=True)

    def open(self) -> "NoticeQuerySet":
        return self.filter(status__in=Notice.OPEN_STATUSES)

    def overdue(self, today: dt.date | None = None) -> "NoticeQuerySet":
        return self.open().filter(deadline__lt=today or timezone.localdate())


class Notice(Archivable):
    """A guidance and urging notice (督办通知) issued by the Ministry to one pair."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("已下发")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        RECTIFYING = "rectifying", _("整改中")
        REPORTED = "reported", _("已报送整改情况")
        CLOSED = "closed", _("已办结")

    OPEN_STATUSES = (Status.ISSUED, Status.ACKNOWLEDGED, Status.RECTIFYING, Status.REPORTED)

    number = models.CharField(_("文号"), max_length=60, unique=True)
    pairing = models.ForeignKey(
        "pairings.Pairing", verbose_name=_("结对"), on_delete=models.PROTECT, related_name="notices"
    )
    title = models.CharField(_("标题"), max_length=200)
    reasons = models.TextField(_("督办事由"))
    # The health signal's reasons as they stood when the notice was issued (reason dicts).
    health_reasons = models.JSONField(_("健康度预警原因"), default=list, blank=True)
    health_level = models.CharField(_("下发时健康度"), max_length=10, blank=True)
    required_actions = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改期限"), db_index=True)
    guidance = models.CharField(
        _("专题指导"), max_length=20, choices=Guidance.choices, default=Guidance.NONE
    )
    guidance_date = models.DateField(_("指导日期"), null=True, blank=True)
    guidance_note = models.TextField(_("指导安排"), blank=True)
    status = models.CharField(
        _("状态"), max_length=14, choices=Status.choices, default=Status.ISSUED, db_index=True
    )
    escalation_level = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    # The daily job's stamps: the day it reminded of the deadline, and the day it last escalated
    # the notice for being overdue (it escalates again 7 days later while the notice stays open).
    due_reminded_on = models.DateField(_("到期提醒日期"), null=True, blank=True)
    overdue_escalated_on = models.DateField(_("逾期升级日期"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("下发时间"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Optimistic locking: every change increments it; a change based on an older number is refused.
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办通知")
        verbose_name_plural = _("督办通知")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="notice_status_deadline"),
            models.Index(fields=["pairing", "status"], name="notice_pair_status"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    @classmethod
    def audit_labels(cls, names: list[str]) -> dict[str, str]:
        """How history names the changes recorded under names that are not fields."""
        labels = {"rectification_tasks": _("整改任务"), "files": _("佐证材料")}
        return {name: str(labels[name]) for name in names if name in labels}

    def get_guidance_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Guidance, self.guidance)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue_on(self, today: dt.date) -> bool:
        return self.is_open and self.deadline < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def days_overdue(self) -> int:
        return max(0, (timezone.localdate() - self.deadline).days) if self.is_open else 0


class NoticeStep(models.Model):
    """One entry of a notice's timeline: who did what, when, with which text, tasks and files."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("下发督办通知")
        ACKNOWLEDGED = "acknowledged", _("签收")
        PLAN_SUBMITTED = "plan_submitted", _("报送整改方案")
        PROGRESS_REPORTED = "progress_reported", _("报送整改进展")
        RETURNED = "returned", _("退回继续整改")
        VERIFIED_CLOSED = "verified_closed", _("核验办结")
        ESCALATED = "escalated", _("升级督办")
        REMINDED = "reminded", _("到期提醒")

    notice = models.ForeignKey(
        Notice, verbose_name=_("督办通知"), on_delete=models.PROTECT, related_name="steps"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    # What a person wrote; what the platform writes itself is `system_text` (an untranslated
    # msgid) with `params`, translated when shown.
    text = models.TextField(_("说明"), blank=True)
    system_text = models.CharField(_("系统说明"), max_length=200, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    tasks = models.ManyToManyField(
        "plans.Task", verbose_name=_("整改任务"), blank=True, related_name="notice_steps"
    )

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["notice_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.kind} {self.at:%Y-%m-%d}"

    def get_kind_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Kind, self.kind)

    @property
    def text_display(self) -> str:
        if self.system_text:
            message = gettext(self.system_text)
            return message % self.params if self.params else message
        return self.text


def notice_file_path(instance: "NoticeFile", filename: str) -> str:
    # The stored name is random: the original name is kept in a field, never used on disk.
    return f"supervision/files/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class NoticeFile(Archivable):
    """Evidence attached to a step (a progress report's photos, minutes, documents)."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("督办通知"), on_delete=models.PROTECT, related_name="files"
    )
    step = models.ForeignKey(
        NoticeStep, verbose_name=_("督办记录"), on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField(_("文件"), upload_to=notice_file_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
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
        verbose_name = _("督办佐证材料")
        verbose_name_plural = _("督办佐证材料")
        ordering = ["notice_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
