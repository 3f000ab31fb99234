"""Indicators (指标), targets (目标值) and the periodic reports (填报) that carry their values.

A region reports once per period (a month by default): a `Report` holds its `Value`s, one per
indicator. Computed indicators (回收利用率 = 回收利用量 ÷ 产生量) are stored beside the reported
ones each time a report changes, so charts and rankings read plain rows; quarters and years are
recomputed from summed components (`calc.py`), never averaged.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from twinning.core.models import Archivable
from twinning.pairings.models import choice_label


class PeriodType(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年度")


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class Scope(models.TextChoices):
    """The area a value covers; the same indicator differs between the two (DOMAIN.md §4.9)."""

    URBAN = "urban", _("城区")
    WHOLE_CITY = "whole_city", _("全市")


class Indicator(Archivable):
    """One entry of the catalogue; its definition is versioned (`IndicatorVersion`)."""

    class Kind(models.TextChoices):
        REPORTED = "reported", pgettext_lazy("indicator kind", "填报")
        COMPUTED = "computed", _("计算")

    class Aggregation(models.TextChoices):
        """How months add up to quarters and years."""

        SUM = "sum", _("累加")
        LAST = "last", _("取期末值")
        RATIO = "ratio", _("由分子分母重算")

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    unit = models.CharField(pgettext_lazy("measure", "单位"), max_length=20)
    definition = models.TextField(_("定义"), blank=True)
    formula = models.CharField(_("计算公式"), max_length=300, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.REPORTED)
    # Computed indicators: factor × Σ numerator ÷ Σ denominator, by indicator code.
    numerator = models.JSONField(_("分子指标"), default=list, blank=True)
    denominator = models.JSONField(_("分母指标"), default=list, blank=True)
    factor = models.DecimalField(_("系数"), max_digits=10, decimal_places=4, default=Decimal(100))
    period_type = models.CharField(
        _("报告周期"), max_length=10, choices=PeriodType.choices, default=PeriodType.MONTH
    )
    direction = models.CharField(
        _("方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    aggregation = models.CharField(
        _("汇总方式"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    hard_min = models.DecimalField(
        _("允许最小值"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    hard_max = models.DecimalField(
        _("允许最大值"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    soft_min = models.DecimalField(
        _("合理区间下限"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    soft_max = models.DecimalField(
        _("合理区间上限"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    source = models.CharField(_("来源"), max_length=300, blank=True)
    required = models.BooleanField(_("必填"), default=False, help_text=_("报送前必须填写。"))
    position = models.PositiveIntegerField(_("排序"), default=0)
    version = models.PositiveIntegerField(_("定义版本"), default=1)
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # A change to any of these is a new definition version.
    DEFINITION_FIELDS = (
        "name",
        "unit",
        "definition",
        "formula",
        "numerator",
        "denominator",
        "factor",
        "hard_min",
        "hard_max",
        "soft_min",
        "soft_max",
        "direction",
        "aggregation",
    )

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_computed(self) -> bool:
        return self.kind == self.Kind.COMPUTED

    @property
    def label(self) -> str:
        """The name in the reader's language: the English name on English pages, if there is one."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def get_kind_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Kind, self.kind)

    def get_period_type_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(PeriodType, self.period_type)

    def get_direction_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Direction, self.direction)

    def get_aggregation_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Aggregation, self.aggregation)


class IndicatorVersion(models.Model):
    """A definition as it stood from `valid_from`; values name the version they were given under."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField(_("定义版本"))
    # The DEFINITION_FIELDS as they were, JSON-safe.
    definition = models.JSONField(_("定义"), default=dict)
    valid_from = models.DateTimeField(_("生效时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修订人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("修订说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("指标定义版本")
        verbose_name_plural = _("指标定义版本")
        ordering = ["indicator_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "version"], name="indicator_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} v{self.version}"


class Period(models.Model):
    """A reporting period of the calendar: "2025-03", "2025Q1" or "2025"."""

    code = models.CharField(_("期间"), max_length=7, unique=True)
    type = models.CharField(_("周期"), max_length=10, choices=PeriodType.choices)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    deadline = models.DateField(_("报送截止日期"))

    class Meta:
        verbose_name = _("填报期间")
        verbose_name_plural = _("填报期间")
        ordering = ["start", "type"]
        indexes = [models.Index(fields=["type", "start"])]

    def __str__(self) -> str:
        return self.code

    def get_type_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(PeriodType, self.type)

    def is_past_deadline(self, today: dt.date) -> bool:
        return today > self.deadline


class Report(models.Model):
    """One region's values for one period, with its reporting workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("填报中")
        SUBMITTED = "submitted", _("已报送")
        REVIEWED = "reviewed", _("先行方已审阅")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已审核锁定")

    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)
    SUBMITTED_STATUSES = (Status.SUBMITTED, Status.REVIEWED, Status.APPROVED)

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="reports"
    )
    period = models.ForeignKey(
        Period, verbose_name=_("期间"), on_delete=models.PROTECT, related_name="reports"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Generated demo series (load-demo) are marked and never mixed with reported data.
    is_demo = models.BooleanField(_("演示数据"), default=False)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审阅人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_comment = models.TextField(_("审阅意见"), blank=True)
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_comment = models.TextField(_("退回意见"), blank=True)
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("指标填报")
        verbose_name_plural = _("指标填报")
        ordering = ["region_id", "period__start"]
        constraints = [
            models.UniqueConstraint(fields=["region", "period"], name="report_unique_region_period")
        ]
        indexes = [models.Index(fields=["period", "status"])]

    def __str__(self) -> str:
        return f"{self.region} {self.period}"

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @classmethod
    def audit_labels(cls, names: list[str]) -> dict[str, str]:
        """How history names the recorded changes of values, "code[.comment|.scope]": by
        indicator, in one query."""
        codes = {name.partition(".")[0] for name in names}
        found = {i.code: i.label for i in Indicator.objects.filter(code__in=codes)}
        suffixes = {"comment": _("说明"), "scope": _("统计口径")}
        labels = {}
        for name in names:
            code, _dot, part = name.partition(".")
            label = found.get(code, code)
            suffix = suffixes.get(part)
            labels[name] = f"{label}（{suffix}）" if suffix else label
        return labels

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED


class Value(models.Model):
    """One indicator's value in a report, with the definition version and scope it was given in."""

    report = models.ForeignKey(
        Report, verbose_name=_("填报"), on_delete=models.PROTECT, related_name="values"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="values"
    )
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4)
    scope = models.CharField(
        _("统计口径"), max_length=12, choices=Scope.choices, default=Scope.URBAN
    )
    definition_version = models.PositiveIntegerField(_("定义版本"), default=1)
    is_computed = models.BooleanField(_("计算值"), default=False)
    comment = models.TextField(_("说明"), blank=True)
    # Soft-check findings [{"code": ..., "message": ...}] that need the comment above.
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")
        ordering = ["report_id", "indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="value_unique_indicator")
        ]
        indexes = [models.Index(fields=["indicator", "report"])]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value}"

    @property
    def needs_comment(self) -> bool:
        return bool(self.warnings) and not self.comment.strip()


class ReportFile(Archivable):
    """Evidence (佐证材料) for a report, optionally for one of its indicators."""

    report = models.ForeignKey(
        Report, verbose_name=_("填报"), on_delete=models.PROTECT, related_name="files"
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("文件"), upload_to="indicators/evidence/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"), default=0)
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["report_id", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


class Target(Archivable):
    """A region's target for an indicator: from a baseline to a value by a date."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="targets"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="targets"
    )
    baseline_value = models.DecimalField(_("基准值"), max_digits=18, decimal_places=4)
    baseline_date = models.DateField(_("基准日期"))
    target_value = models.DecimalField(_("目标值"), max_digits=18, decimal_places=4)
    due_date = models.DateField(_("完成时限"))
    goal = models.ForeignKey(
        "plans.Goal",
        verbose_name=_("工作目标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicator_targets",
    )
    note = models.TextField(_("备注"), blank=True)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    lock_version = models.PositiveIntegerField(_("修订号"), default=1)

    class Meta:
        verbose_name = _("指标目标")
        verbose_name_plural = _("指标目标")
        ordering = ["region_id", "indicator__position", "due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "due_date"],
                condition=Q(archived_at=None),
                name="target_unique_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.indicator} {self.target_value} ({self.due_date})"
