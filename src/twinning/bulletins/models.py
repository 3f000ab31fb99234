"""Records of 工作简报 (bulletins): the numbers of a period counted from the records, the text
drafted from them and edited by people, frozen when released."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable
from twinning.pairings.models import choice_label


class Scope(models.TextChoices):
    NATIONAL = "national", _("全国")
    PROVINCE = "province", _("省级")
    PAIR = "pair", _("结对")


class Bulletin(Archivable):
    """One issue of a bulletin for a period and a scope (the whole programme, a province, a pair).

    `figures` holds every number with the ids of the records it counts (its trace); `sections`
    the ordered, editable text ([{"key", "heading", "text"}]). A released bulletin is frozen."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        RELEASED = "released", _("已印发")

    number = models.CharField(_("期号"), max_length=100, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    period_code = models.CharField(_("期间"), max_length=10, db_index=True)
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices, db_index=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("省份"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bulletins",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    figures = models.JSONField(_("数据"), default=dict, blank=True)
    sections = models.JSONField(_("正文"), default=list, blank=True)
    generated_at = models.DateTimeField(_("统计时间"))
    released_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("印发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起草人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    class Meta:
        verbose_name = _("工作简报")
        verbose_name_plural = _("工作简报")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="national", region__isnull=True, pairing__isnull=True)
                    | Q(scope="province", region__isnull=False, pairing__isnull=True)
                    | Q(scope="pair", region__isnull=True, pairing__isnull=False)
                ),
                name="bulletin_scope_target",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="bulletin_period_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    def get_scope_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Scope, self.scope)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def scope_label(self) -> str:
        """ "全国", the province's name or the pair's, as the bulletin's header says it."""
        if self.scope == Scope.PROVINCE and self.region is not None:
            return str(self.region.name)
        if self.scope == Scope.PAIR and self.pairing is not None:
            return str(self.pairing)
        return str(_("全国"))

    def section_text(self, key: str) -> str:
        for section in self.sections:
            if section.get("key") == key:
                return str(section.get("text", ""))
        return ""

    def figure(self, key: str) -> dict[str, Any]:
        found: dict[str, Any] = self.figures.get("numbers", {}).get(key, {})
        return found
