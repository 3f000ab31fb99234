"""Records of 结对健康度 (health): each pair's current health signal and its history."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from twinning.pairings.models import choice_label


class Level(models.TextChoices):
    GREEN = "green", _("正常")
    AMBER = "amber", _("关注")
    RED = "red", _("预警")


# The order of severity: a pair's level is the worst of its reasons'.
LEVEL_RANK = {Level.GREEN: 0, Level.AMBER: 1, Level.RED: 2}


class PairHealth(models.Model):
    """The latest computed health of one pair (one row per pair, upserted by `recompute`)."""

    pairing = models.OneToOneField(
        "pairings.Pairing",
        verbose_name=_("结对"),
        on_delete=models.PROTECT,
        related_name="health",
    )
    level = models.CharField(
        _("健康度"), max_length=8, choices=Level.choices, default=Level.GREEN, db_index=True
    )
    # Higher means more at risk; the risk list sorts by it.
    score = models.PositiveIntegerField(_("风险分"), default=0, db_index=True)
    reasons = models.JSONField(_("原因"), default=list, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))
    # The day the data was judged against (a recompute may be run "as of" another day).
    computed_for = models.DateField(_("评估日期"))
    level_since = models.DateTimeField(_("当前等级起始时间"))

    class Meta:
        verbose_name = _("结对健康度")
        verbose_name_plural = _("结对健康度")
        ordering = ["-score", "pairing_id"]

    def __str__(self) -> str:
        return f"{self.pairing} · {self.get_level_display()}"

    def get_level_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Level, self.level)

    @property
    def reason_texts(self) -> list[str]:
        from twinning.health.engine import reason_text

        return [reason_text(r) for r in self.reasons]

    @property
    def reason_shorts(self) -> list[str]:
        from twinning.health.engine import reason_short

        return [reason_short(r) for r in self.reasons]

    @property
    def reason_rows(self) -> list[dict[str, Any]]:
        """The reasons with their translated sentence, for templates."""
        from twinning.health.engine import reason_text

        return [{**r, "text": reason_text(r)} for r in self.reasons]


class HealthChange(models.Model):
    """One change of a pair's level: when, from what to what, and why."""

    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对"),
        on_delete=models.PROTECT,
        related_name="health_changes",
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    old_level = models.CharField(_("原等级"), max_length=8, choices=Level.choices, blank=True)
    new_level = models.CharField(_("新等级"), max_length=8, choices=Level.choices)
    reasons = models.JSONField(_("原因"), default=list, blank=True)

    class Meta:
        verbose_name = _("健康度变化")
        verbose_name_plural = _("健康度变化")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.old_level or '-'} → {self.new_level}"

    def get_old_level_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Level, self.old_level) if self.old_level else ""

    def get_new_level_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Level, self.new_level)

    @property
    def reason_shorts(self) -> list[str]:
        from twinning.health.engine import reason_short

        return [reason_short(r) for r in self.reasons]

    @property
    def reason_rows(self) -> list[dict[str, Any]]:
        from twinning.health.engine import reason_text

        return [{**r, "text": reason_text(r)} for r in self.reasons]
