"""The knowledge base (经验库): documents with their versions and extracted text, model cases
(典型案例) and compilations (汇编) of documents.

Who sees a record is decided by its `visibility`: the whole programme, the two sides of one pair
(and the Ministry), or the Ministry only. The rule lives in `DocumentQuerySet.visible_to` (and the
same for cases and compilations) and every list, page, search and suggestion goes through it.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable
from twinning.core.permissions import is_ministry, region_scope_q


class Visibility(models.TextChoices):
    PROGRAMME = "programme", _("全体参与方")
    PAIR = "pair", _("结对双方")
    MINISTRY = "ministry", _("仅住建部")


def visible_q(user: Any) -> Q:
    """THE visibility rule of the knowledge base, for any model with `visibility` and `pairing`.

    Programme-wide records: every signed-in user. Pair records: the users whose region is, or
    contains, either side of the pair. Ministry records: the Ministry only (which sees all)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if is_ministry(user):
        return Q()
    pair_sides = region_scope_q(user, "pairing__leading_region", "pairing__partner_region")
    return Q(visibility=Visibility.PROGRAMME) | (Q(visibility=Visibility.PAIR) & pair_sides)


class KnowledgeQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> "KnowledgeQuerySet":
        return self.filter(visible_q(user))

    def live(self) -> "KnowledgeQuerySet":
        return self.filter(archived_at__isnull=True)


class DocumentKind(models.TextChoices):
    LAW = "law", _("法律")
    REGULATION = "regulation", _("法规规章")
    POLICY = "policy", _("政策文件")
    STANDARD = "standard", _("标准规范")
    WORK_PLAN = "work_plan", _("工作方案")
    COURSE = "course", _("培训教材")
    REPORT = "report", _("报告")
    OTHER = "other", _("其他")


class Document(Archivable):
    """A document of the knowledge base; its files are its versions, newest first."""

    title = models.CharField(_("标题"), max_length=300)
    kind = models.CharField(
        _("类别"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    issuing_body = models.CharField(_("发文机关"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    number = models.CharField(_("文号"), max_length=100, blank=True)
    issued_on = models.DateField(_("发布日期"), null=True, blank=True)
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    repealed_on = models.DateField(_("废止日期"), null=True, blank=True)
    topics = models.ManyToManyField(
        "plans.Topic", verbose_name=_("主题"), blank=True, related_name="documents"
    )
    summary = models.TextField(_("摘要"), blank=True)
    visibility = models.CharField(
        _("可见范围"), max_length=20, choices=Visibility.choices, default=Visibility.PROGRAMME
    )
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对关系"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        help_text=_("可见范围为“结对双方”时必填。"),
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    objects = KnowledgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("文档")
        verbose_name_plural = _("文档")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["visibility", "pairing"])]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> "DocumentVersion | None":
        """The newest version (prefetch `versions` to avoid a query per document)."""
        versions = list(self.versions.all())
        return max(versions, key=lambda v: v.number) if versions else None


def document_file_path(instance: "DocumentVersion", filename: str) -> str:
    # The stored name is random: the original name is kept in a field, never used on disk.
    return f"knowledge/documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class TextStatus(models.TextChoices):
    PENDING = "pending", _("正在提取文字")
    DONE = "done", _("已提取文字")
    EMPTY = "empty", _("未找到文字")
    FAILED = "failed", _("文字提取失败")
    NOT_TEXT = "not_text", _("图片，不提取文字")


class DocumentVersion(models.Model):
    """One uploaded file of a document. New versions never replace old ones."""

    document = models.ForeignKey(
        Document, verbose_name=_("文档"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    file = models.FileField(_("文件"), upload_to=document_file_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    extension = models.CharField(_("格式"), max_length=10)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.CharField(_("版本说明"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    text = models.TextField(_("提取的文字"), blank=True)
    text_status = models.CharField(
        _("文字状态"), max_length=20, choices=TextStatus.choices, default=TextStatus.PENDING
    )
    text_error = models.CharField(_("提取说明"), max_length=300, blank=True)
    pages = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    extracted_at = models.DateTimeField(_("提取时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("文档版本")
        verbose_name_plural = _("文档版本")
        ordering = ["document_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class CaseOrigin(models.TextChoices):
    """The good result a case was proposed from (see `services.propose_case`)."""

    NOTICE = "notice", _("督办整改成效")
    TARGET = "target", _("提前达成的目标")
    EVALUATION = "evaluation", _("阶段评估高分")


class ModelCase(Archivable):
    """A model case (典型案例): what a region did about a problem, and what came of it.

    A pair writes it (draft) and nominates it; the Ministry promotes it (featured on the
    overview) or returns it with a note. A case proposed from a good result (a closed notice,
    a target met early, a top evaluation score) remembers that origin."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        NOMINATED = "nominated", _("已推荐")
        RETURNED = "returned", _("已退回")
        PROMOTED = "promoted", _("已遴选推广")

    title = models.CharField(_("标题"), max_length=300)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="cases"
    )
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对关系"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    topic = models.ForeignKey(
        "plans.Topic",
        verbose_name=_("主题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    problem = models.TextField(_("面临的问题"))
    approach = models.TextField(_("主要做法"))
    results = models.TextField(_("取得成效"))
    figures = models.CharField(_("关键数据"), max_length=500, blank=True)
    contacts = models.CharField(_("联系人"), max_length=300, blank=True)
    documents = models.ManyToManyField(
        Document, verbose_name=_("相关文档"), blank=True, related_name="cases"
    )
    visibility = models.CharField(
        _("可见范围"), max_length=20, choices=Visibility.choices, default=Visibility.PROGRAMME
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推荐人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    nominated_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    origin_kind = models.CharField(
        _("案例来源"), max_length=20, choices=CaseOrigin.choices, blank=True
    )
    origin_id = models.PositiveIntegerField(_("来源记录编号"), null=True, blank=True)
    # The source's name when proposed (a notice's number and title, a target, a round): the
    # source may later change, the case keeps what it was proposed from.
    origin_label = models.CharField(_("来源说明"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    objects = KnowledgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["origin_kind", "origin_id"])]

    def __str__(self) -> str:
        return self.title


class CaseAdoption(models.Model):
    """A region that reused a model case ("adopted by")."""

    case = models.ForeignKey(
        ModelCase, verbose_name=_("典型案例"), on_delete=models.PROTECT, related_name="adoptions"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("借鉴地区"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("借鉴情况"), max_length=500, blank=True)
    adopted_on = models.DateField(_("借鉴时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    archived_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("借鉴记录")
        verbose_name_plural = _("借鉴记录")
        ordering = ["case_id", "recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "region"],
                condition=Q(archived_at__isnull=True),
                name="case_adoption_unique_live",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} ← {self.region}"


class Compilation(Archivable):
    """A compilation (汇编): an ordered selection of documents with a title and a preface."""

    title = models.CharField(_("标题"), max_length=300)
    preface = models.TextField(_("前言"), blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("编印地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visibility = models.CharField(
        _("可见范围"), max_length=20, choices=Visibility.choices, default=Visibility.PROGRAMME
    )
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对关系"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compilations",
    )
    documents = models.ManyToManyField(
        Document, through="CompilationItem", verbose_name=_("文档"), related_name="compilations"
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    objects = KnowledgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("汇编")
        verbose_name_plural = _("汇编")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CompilationItem(models.Model):
    compilation = models.ForeignKey(
        Compilation, verbose_name=_("汇编"), on_delete=models.PROTECT, related_name="items"
    )
    document = models.ForeignKey(
        Document, verbose_name=_("文档"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField(_("顺序"))

    class Meta:
        verbose_name = _("汇编条目")
        verbose_name_plural = _("汇编条目")
        ordering = ["compilation_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["compilation", "document"], name="compilation_document_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.compilation_id}#{self.position}"
