"""HTML forms of indicators and targets; they parse input, the services validate the rules.

The reporting grid is not a Django form: its fields are one per cell (`GridInput`), named after
the cell's key "<period>:<indicator code>" so errors from the services land beside the cell.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from twinning.core.forms import StyledForm
from twinning.indicators.models import Direction, Indicator, PeriodType
from twinning.plans.models import Goal
from twinning.regions.models import Region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _bound(label: Any) -> forms.DecimalField:
    """An optional limit of the hard range or the plausible band."""
    return forms.DecimalField(label=label, max_digits=18, decimal_places=4, required=False)


def _codes(text: str) -> list[str]:
    """Component lists are typed as codes separated by commas or spaces."""
    return [part for part in text.replace("，", ",").replace(",", " ").split() if part]


class IndicatorForm(StyledForm):
    """Add or change a catalogue entry; the code is fixed once the indicator exists."""

    code = forms.SlugField(
        label=gettext_lazy("代码"),
        max_length=60,
        help_text=gettext_lazy("英文小写字母、数字和下划线，如 recovery_rate；创建后不可修改。"),
    )
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    name_en = forms.CharField(label=gettext_lazy("英文名称"), max_length=150, required=False)
    unit = forms.CharField(label=pgettext_lazy("measure", "单位"), max_length=20)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=Indicator.Kind.choices)
    period_type = forms.ChoiceField(label=gettext_lazy("报告周期"), choices=PeriodType.choices)
    direction = forms.ChoiceField(label=gettext_lazy("方向"), choices=Direction.choices)
    aggregation = forms.ChoiceField(
        label=gettext_lazy("汇总方式"), choices=Indicator.Aggregation.choices
    )
    definition = forms.CharField(
        label=gettext_lazy("定义"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    formula = forms.CharField(label=gettext_lazy("计算公式"), max_length=300, required=False)
    numerator = forms.CharField(
        label=gettext_lazy("分子指标"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("计算指标：分子的指标代码，多个用逗号分隔。"),
    )
    denominator = forms.CharField(
        label=gettext_lazy("分母指标"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("计算指标：分母的指标代码，多个用逗号分隔。"),
    )
    factor = forms.DecimalField(
        label=gettext_lazy("系数"), max_digits=10, decimal_places=4, initial=Decimal(100)
    )
    hard_min = _bound(gettext_lazy("允许最小值"))
    hard_max = _bound(gettext_lazy("允许最大值"))
    soft_min = _bound(gettext_lazy("合理区间下限"))
    soft_max = _bound(gettext_lazy("合理区间上限"))
    source = forms.CharField(label=gettext_lazy("来源"), max_length=300, required=False)
    required = forms.BooleanField(
        label=gettext_lazy("必填"), required=False, help_text=gettext_lazy("报送前必须填写。")
    )
    position = forms.IntegerField(label=gettext_lazy("排序"), min_value=0, initial=0)
    note = forms.CharField(
        label=gettext_lazy("修订说明"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("修改定义会生成新的定义版本；请说明修改原因。"),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = (
        "name",
        "name_en",
        "unit",
        "kind",
        "period_type",
        "direction",
        "aggregation",
        "definition",
        "formula",
        "numerator",
        "denominator",
        "factor",
        "hard_min",
        "hard_max",
        "soft_min",
        "soft_max",
        "source",
        "required",
        "position",
    )

    def __init__(self, *args: Any, indicator: Indicator | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["required"].widget.attrs.pop("class", None)
        if indicator is None:
            del self.fields["note"], self.fields["lock_version"]
        else:
            del self.fields["code"]

    @classmethod
    def initial_for(cls, indicator: Indicator) -> dict[str, Any]:
        initial = {name: getattr(indicator, name) for name in cls.FIELDS}
        initial["numerator"] = ", ".join(indicator.numerator or [])
        initial["denominator"] = ", ".join(indicator.denominator or [])
        initial["lock_version"] = indicator.lock_version
        return initial

    def clean_numerator(self) -> list[str]:
        return _codes(self.cleaned_data["numerator"])

    def clean_denominator(self) -> list[str]:
        return _codes(self.cleaned_data["denominator"])

    def values(self) -> dict[str, Any]:
        """The indicator's fields as the services take them (with the code of a new one; no
        note, no version)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in {"note", "lock_version"}
        }


class TargetForm(StyledForm):
    """A region's target; the goal list offers the goals of the plans of the region's pairs."""

    region = forms.ModelChoiceField(label=gettext_lazy("区划"), queryset=Region.objects.none())
    indicator = forms.ModelChoiceField(
        label=gettext_lazy("指标"), queryset=Indicator.objects.none(), to_field_name="code"
    )
    baseline_value = forms.DecimalField(
        label=gettext_lazy("基准值"), max_digits=18, decimal_places=4
    )
    baseline_date = forms.DateField(label=gettext_lazy("基准日期"), widget=DATE)
    target_value = forms.DecimalField(label=gettext_lazy("目标值"), max_digits=18, decimal_places=4)
    due_date = forms.DateField(label=gettext_lazy("完成时限"), widget=DATE)
    goal = forms.ModelChoiceField(
        label=gettext_lazy("对应的工作目标"),
        queryset=Goal.objects.none(),
        required=False,
        help_text=gettext_lazy("可选：结对工作方案中与此目标对应的工作目标。"),
    )
    note = forms.CharField(
        label=gettext_lazy("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    source = forms.CharField(label=gettext_lazy("来源"), max_length=300, required=False)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = (
        "baseline_value",
        "baseline_date",
        "target_value",
        "due_date",
        "goal",
        "note",
        "source",
    )

    def __init__(
        self,
        *args: Any,
        regions: QuerySet[Region],
        indicators: QuerySet[Indicator],
        goals: QuerySet[Goal],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["region"].queryset = regions
        fields["indicator"].queryset = indicators
        fields["goal"].queryset = goals
        fields["goal"].label_from_instance = lambda g: f"{g.plan.pairing} · {g.text[:60]}"
        if editing:
            # Which region and indicator a target is for does not change: archive and add anew.
            fields["region"].disabled = True
            fields["indicator"].disabled = True
        else:
            del fields["lock_version"]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class CommentForm(StyledForm):
    comment = forms.CharField(
        label=gettext_lazy("意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EvidenceForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("文件"))
    indicator = forms.ModelChoiceField(
        label=gettext_lazy("对应指标"),
        queryset=Indicator.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=gettext_lazy("整份填报"),
    )

    def __init__(self, *args: Any, indicators: QuerySet[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]


class TemplateForm(StyledForm):
    """Which regions and which periods the Excel template is pre-filled for."""

    regions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("区划"),
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    first = forms.CharField(
        label=gettext_lazy("起始期间"), max_length=7, help_text=gettext_lazy("如 2025-01")
    )
    last = forms.CharField(
        label=gettext_lazy("截止期间"), max_length=7, help_text=gettext_lazy("如 2025-12")
    )

    def __init__(self, *args: Any, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = regions  # type: ignore[attr-defined]
        self.fields["regions"].widget.attrs.pop("class", None)


class ImportForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("Excel 文件（.xlsx）"))


# ---------------------------------------------------------------- the reporting grid


def cell_key(period_code: str, indicator_code: str) -> str:
    """The key of a grid cell; also the field key services' errors use."""
    return f"{period_code}:{indicator_code}"


@dataclass
class GridInput:
    """What a POST of the grid says about each cell: the typed text and the comment."""

    values: dict[str, str] = field(default_factory=dict)  # cell key → typed text
    comments: dict[str, str] = field(default_factory=dict)  # cell key → comment (if sent)
    errors: dict[str, list[str]] = field(default_factory=dict)  # cell key → messages

    @classmethod
    def of(cls, data: QueryDict) -> "GridInput":
        grid = cls()
        for name in data:
            kind, _sep, key = name.partition(":")
            text = str(data.get(name, ""))
            if kind == "v":
                grid.values[key] = text.strip()
            elif kind == "c":
                grid.comments[key] = text.strip()
        return grid

    def number(self, key: str) -> Decimal | None:
        """The typed value as a number (None for an empty cell); an error beside the cell when
        it is not one. Thousands separators and full-width digits are accepted."""
        text = self.values.get(key, "")
        plain = text.translate(FULL_WIDTH).replace(",", "").replace(" ", "")
        if not plain:
            return None
        try:
            number = Decimal(plain)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.errors.setdefault(key, []).append(
                _("“%(text)s”不是数字：请填写数值（可带小数）。") % {"text": text}
            )
            return None
        return number

    def add_errors(self, fields: dict[str, list[str]]) -> None:
        for key, messages in fields.items():
            self.errors.setdefault(key, []).extend(messages)


FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")
