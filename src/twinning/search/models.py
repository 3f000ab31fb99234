"""The search index: one row per searchable record (a document, a model case, a consultation,
an exchange), with the text it is found by and the facets it is counted under.

The full-text part lives beside this table, in the backend's own structure: an FTS5 table on
SQLite, a tsvector table with a GIN index on PostgreSQL (created in this app's migrations). Both
hold the text already cut into words by the segmenter, so neither database needs to know Chinese.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable


class SourceKind(models.TextChoices):
    DOCUMENT = "document", _("文档")
    CASE = "case", _("典型案例")
    PROBLEM = "problem", _("难题会诊")
    EXCHANGE = "exchange", _("交流活动")


class SearchEntry(models.Model):
    kind = models.CharField(_("来源"), max_length=20, choices=SourceKind.choices)
    object_id = models.PositiveIntegerField(_("记录编号"))
    title = models.CharField(_("标题"), max_length=300)
    url = models.CharField(_("链接"), max_length=300)
    # Facets.
    subkind = models.CharField(_("类别"), max_length=20, blank=True, db_index=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("地区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    topics = models.ManyToManyField("plans.Topic", verbose_name=_("主题"), related_name="+")
    year = models.PositiveIntegerField(_("年份"), null=True, blank=True, db_index=True)
    # The date recency is counted from (issued, asked, held …).
    dated = models.DateField(_("日期"), null=True, blank=True)
    indexed_at = models.DateTimeField(_("索引时间"), default=timezone.now, db_index=True)
    # Who may see it, copied from the record at index time, so the scope of a search is a filter
    # on this table (the Ministry sees all; see queries.scope_q).
    visibility = models.CharField(_("可见范围"), max_length=20, default="programme")
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对关系"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # The original text (not segmented): snippets are cut from it. Last, so SQLite reads the
    # facet columns without walking the long text's overflow pages.
    body = models.TextField(_("正文"), blank=True)

    class Meta:
        verbose_name = _("检索条目")
        verbose_name_plural = _("检索条目")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")
        ]
        indexes = [
            models.Index(fields=["kind", "object_id"], name="search_entry_kind_object"),
            models.Index(fields=["visibility", "pairing"], name="search_entry_scope"),
        ]

    def __str__(self) -> str:
        return self.title


class IndexState(models.Model):
    """One row whose token changes with every change to the index (a new random value each
    time, written in the same transaction), so a process can tell whether its copy of the
    index's columns (`search.large`) is current with one primary-key read."""

    token = models.CharField(_("版本"), max_length=32)

    class Meta:
        verbose_name = _("索引版本")
        verbose_name_plural = _("索引版本")

    def __str__(self) -> str:
        return self.token


class DictionaryWord(Archivable):
    """A word the segmenter must keep whole (撤桶并点, 蒲公英计划 …)."""

    word = models.CharField(_("词语"), max_length=30, unique=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("添加人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("添加时间"), default=timezone.now)

    class Meta:
        verbose_name = _("领域词")
        verbose_name_plural = _("领域词")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class SynonymGroup(Archivable):
    """Words that mean the same thing; a query for any of them finds all (湿垃圾 = 厨余垃圾)."""

    words = models.CharField(_("同义词"), max_length=300, help_text=_("用空格或逗号分隔。"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("添加人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("添加时间"), default=timezone.now)

    class Meta:
        verbose_name = _("同义词组")
        verbose_name_plural = _("同义词组")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.words

    @property
    def word_list(self) -> list[str]:
        return [w for w in self.words.replace("，", ",").replace(",", " ").split() if w]
