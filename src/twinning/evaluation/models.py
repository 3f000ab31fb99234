"""Records of 阶段评估 (phase evaluation): versioned rubrics, rounds, each side's assessment with
its items and evidence, and the one appeal a side may file after publication."""

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable
from twinning.pairings.models import Side, choice_label

ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)


def one_decimal(value: Decimal) -> Decimal:
    """Scores are shown and stored to one decimal, rounded half up as people do by hand."""
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _person(verbose_name: Any, *, blank: bool = True) -> "models.ForeignKey[Any, Any]":
    """Who did something (created, published, scored…): a user kept when they leave (PROTECT),
    empty for the platform itself, with no reverse accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=blank,
        on_delete=models.PROTECT,
        related_name="+",
    )


class Rubric(Archivable):
    """A scoring rubric (评估细则) in one version. Versions of the same rubric share `lineage`;
    only a draft is edited, and at most one version of a lineage is active."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ACTIVE = "active", _("启用")
        RETIRED = "retired", _("已停用")

    lineage = models.UUIDField(_("细则系列"), default=uuid.uuid4, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = _person(_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    class Meta:
        verbose_name = _("评估细则")
        verbose_name_plural = _("评估细则")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="rubric_version_unique"),
            models.UniqueConstraint(
                fields=["lineage"],
                condition=Q(status="active"),
                name="rubric_one_active_per_lineage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class RubricDimension(models.Model):
    """One dimension of a rubric: its weight (the weights of a rubric sum to 100), the points a
    side can get on it and the evidence it must bring."""

    rubric = models.ForeignKey(
        Rubric, verbose_name=_("评估细则"), on_delete=models.CASCADE, related_name="dimensions"
    )
    position = models.PositiveIntegerField(_("序号"), default=0)
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("名称"), max_length=50)
    weight = models.DecimalField(
        _("权重"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(HUNDRED)],
    )
    max_points = models.PositiveIntegerField(_("满分"), validators=[MinValueValidator(1)])
    evidence_required = models.TextField(_("佐证材料要求"), blank=True)

    class Meta:
        verbose_name = _("评估维度")
        verbose_name_plural = _("评估维度")
        ordering = ["rubric_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="dimension_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class EvaluationRound(Archivable):
    """A phase evaluation (阶段工作实效评估) of a set of pairs with one exact rubric version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("自评互评中")
        SCORING = "scoring", _("评分中")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("已结束")

    RESULT_STATUSES = (Status.PUBLISHED, Status.CLOSED)

    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    rubric = models.ForeignKey(
        Rubric, verbose_name=_("评估细则"), on_delete=models.PROTECT, related_name="rounds"
    )
    period_start = models.DateField(_("评估期开始"))
    period_end = models.DateField(_("评估期结束"))
    self_due = models.DateField(_("自评截止"))
    comment_due = models.DateField(_("互评截止"), null=True, blank=True)
    appeal_days = models.PositiveIntegerField(
        _("申诉期（天）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    pairings = models.ManyToManyField(
        "pairings.Pairing", verbose_name=_("参评结对"), related_name="evaluation_rounds"
    )
    created_by = _person(_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = _person(_("发布人"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    class Meta:
        verbose_name = _("评估轮次")
        verbose_name_plural = _("评估轮次")
        ordering = ["-period_start", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    @property
    def is_published(self) -> bool:
        return self.status in self.RESULT_STATUSES

    @property
    def appeal_deadline(self) -> dt.date | None:
        """The last day a side may appeal: `appeal_days` after the day of publication."""
        if self.published_at is None:
            return None
        return timezone.localdate(self.published_at) + dt.timedelta(days=self.appeal_days)


class Assessment(models.Model):
    """One side's assessment in a round: its self-assessment, the other side's comments and the
    Ministry's scores, item by item (`items`)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待自评")
        SUBMITTED = "submitted", _("已自评")
        SCORED = "scored", _("已评分")

    round = models.ForeignKey(
        EvaluationRound,
        verbose_name=_("评估轮次"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    side = models.CharField(_("所属方"), max_length=10, choices=Side.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    self_total = models.DecimalField(
        _("自评得分"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("自评提交时间"), null=True, blank=True)
    submitted_by = _person(_("自评提交人"))
    peer_comment_at = models.DateTimeField(_("互评时间"), null=True, blank=True)
    peer_comment_by = _person(_("互评人"))
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    scored_by = _person(_("评分人"))
    ministry_total = models.DecimalField(
        _("评定得分"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    class Meta:
        verbose_name = _("评估表")
        verbose_name_plural = _("评估表")
        ordering = ["round_id", "pairing_id", "-side"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "pairing", "side"], name="assessment_one_per_side"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round.name} · {self.pairing} · {self.region.name}"

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    def get_side_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Side, self.side)

    @property
    def region(self) -> Any:
        return self.pairing.region_of(self.side)

    @property
    def other_side(self) -> str:
        return Side.PARTNER if self.side == Side.LEADING else Side.LEADING


class AssessmentItem(models.Model):
    """One dimension of an assessment: the side's own score and evidence, the other side's
    comment, the Ministry's score and comment."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("评估表"), on_delete=models.CASCADE, related_name="items"
    )
    dimension = models.ForeignKey(
        RubricDimension, verbose_name=_("评估维度"), on_delete=models.PROTECT, related_name="+"
    )
    self_score = models.DecimalField(
        _("自评分"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    self_evidence = models.TextField(_("佐证说明"), blank=True)
    peer_comment = models.TextField(_("对方意见"), blank=True)
    ministry_score = models.DecimalField(
        _("评定分"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    ministry_comment = models.TextField(_("评定意见"), blank=True)

    class Meta:
        verbose_name = _("评估项")
        verbose_name_plural = _("评估项")
        ordering = ["assessment_id", "dimension__position", "dimension_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "dimension"], name="assessment_item_unique"
            )
        ]

    def __str__(self) -> str:
        return self.dimension.name


def evidence_path(instance: "EvidenceFile", filename: str) -> str:
    # The stored name is not the uploaded one: people's file names may clash or be unsafe.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evaluation/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class EvidenceFile(Archivable):
    """A file a side attaches to an item of its self-assessment, checked by its content."""

    item = models.ForeignKey(
        AssessmentItem, verbose_name=_("评估项"), on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = _person(_("上传人"), blank=False)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["item_id", "id"]

    def __str__(self) -> str:
        return self.original_name


class Appeal(models.Model):
    """A side's one appeal against its published scores, and the Ministry's decision with the
    item scores it changed (`changes`: {dimension code: [old, new]})."""

    class Decision(models.TextChoices):
        UPHELD = "upheld", _("申诉成立")
        PARTLY = "partly", _("部分成立")
        REJECTED = "rejected", _("不予支持")

    assessment = models.OneToOneField(
        Assessment, verbose_name=_("评估表"), on_delete=models.PROTECT, related_name="appeal"
    )
    reasons = models.TextField(_("申诉理由"))
    filed_by = _person(_("申诉人"), blank=False)
    filed_at = models.DateTimeField(_("申诉时间"), auto_now_add=True)
    decision = models.CharField(_("决定"), max_length=10, choices=Decision.choices, blank=True)
    decision_note = models.TextField(_("决定说明"), blank=True)
    decided_by = _person(_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    changes = models.JSONField(_("调整的评分"), default=dict, blank=True)
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    class Meta:
        verbose_name = _("评估申诉")
        verbose_name_plural = _("评估申诉")
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.assessment.pairing} · {self.assessment.region.name}"

    def get_decision_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Decision, self.decision) if self.decision else ""

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)
