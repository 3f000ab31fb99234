"""Problem consultations (难题会诊): a partner side asks, experts and the leading side answer.

A problem belongs to a pair. The leading side's coordinators assign experts; anyone entitled to
answer does so within a response deadline; the asker accepts answers, rates the help and says
whether it solved the problem in practice. Unanswered problems are reminded and, once overdue,
escalated to the Ministry by `reminders.send_reminders`.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable
from twinning.pairings.models import choice_label


class ExpertTopic(models.Model):
    """An expert of the national pool (国家专家库) who answers problems of one topic."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("专家"),
        on_delete=models.PROTECT,
        related_name="expert_topics",
    )
    topic = models.ForeignKey(
        "plans.Topic", verbose_name=_("协作内容"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("在库"), default=True)
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("专家库成员")
        verbose_name_plural = _("专家库成员")
        ordering = ["topic__position", "topic_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="expert_topic_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}（{self.topic}）"


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class Problem(Archivable):
    """A difficult problem (难题) a partner side asks about, with its response deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("待指派")
        ASSIGNED = "assigned", _("已指派")
        ANSWERED = "answered", _("已解答")
        RESOLVED = "resolved", _("已解决")
        CLOSED = "closed", _("已关闭")

    # Asked, not answered yet: these are reminded and escalated.
    AWAITING = (Status.OPEN, Status.ASSIGNED)
    # No more answers, assignments or acceptances until reopened.
    FINISHED = (Status.RESOLVED, Status.CLOSED)

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("问题描述"))
    topic = models.ForeignKey(
        "plans.Topic",
        verbose_name=_("协作内容"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    # Empty only for problems loaded from the programme's published record (see `source`).
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提问人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)
    asked_at = models.DateTimeField(_("提出时间"), default=timezone.now, db_index=True)
    response_due = models.DateTimeField(_("答复期限"))
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    first_answered_at = models.DateTimeField(_("首次解答时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    rating_comment = models.TextField(_("评价"), blank=True)
    solved_in_practice_at = models.DateTimeField(_("实践见效时间"), null=True, blank=True)
    closed_reason = models.CharField(_("关闭原因"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    class Meta:
        verbose_name = _("难题")
        verbose_name_plural = _("难题")
        ordering = ["-asked_at", "-id"]
        indexes = [models.Index(fields=["status", "response_due"], name="problem_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="problem_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    def get_urgency_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Urgency, self.urgency)

    @property
    def is_awaiting(self) -> bool:
        return self.status in self.AWAITING

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_overdue(self) -> bool:
        return self.is_awaiting and timezone.now() > self.response_due


def default_due(asked_at: dt.datetime, days: int | None = None) -> dt.datetime:
    """The response deadline: `days` (the platform's default) after the problem was asked."""
    return asked_at + dt.timedelta(days=days or settings.TWINNING_RESPONSE_DAYS)


class Assignment(models.Model):
    """An expert the leading side (or the Ministry) asked to answer a problem."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("难题"), on_delete=models.PROTECT, related_name="assignments"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("专家"),
        on_delete=models.PROTECT,
        related_name="consultation_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("指派时间"), default=timezone.now)

    class Meta:
        verbose_name = _("专家指派")
        verbose_name_plural = _("专家指派")
        ordering = ["problem_id", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "expert"], name="assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.problem}"


class Answer(Archivable):
    """An answer (解答) to a problem; the asker may accept one or more."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("难题"), on_delete=models.PROTECT, related_name="answers"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解答人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("解答内容"))
    created_at = models.DateTimeField(_("解答时间"), default=timezone.now)
    accepted_at = models.DateTimeField(_("采纳时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("采纳人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("解答")
        verbose_name_plural = _("解答")
        ordering = ["problem_id", "created_at", "id"]

    def __str__(self) -> str:
        return str(_("%(author)s 的解答")) % {"author": self.author or _("载入数据")}

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None


_ONE_PARENT = Q(problem__isnull=False, answer__isnull=True) | Q(
    problem__isnull=True, answer__isnull=False
)


class Comment(Archivable):
    """A comment on a problem or on one of its answers."""

    problem = models.ForeignKey(
        Problem,
        verbose_name=_("难题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="comments",
    )
    answer = models.ForeignKey(
        Answer,
        verbose_name=_("解答"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评论人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=_ONE_PARENT, name="comment_one_parent")]

    def __str__(self) -> str:
        return self.body[:50]


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is random: the original name is kept in a field, never used on disk.
    return f"consultations/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file attached to a problem or to an answer, checked by its content."""

    problem = models.ForeignKey(
        Problem,
        verbose_name=_("难题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    answer = models.ForeignKey(
        Answer,
        verbose_name=_("解答"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]
        constraints = [models.CheckConstraint(condition=_ONE_PARENT, name="attachment_one_parent")]

    def __str__(self) -> str:
        return self.original_name
