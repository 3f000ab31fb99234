"""HTML forms of exchanges; they parse input (including the one-per-line lists), the services
validate the rules."""

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from twinning.core.forms import StyledForm
from twinning.exchanges.models import Direction, Exchange
from twinning.pairings.models import Side
from twinning.plans.models import Method, ResponsibleSide, Topic

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SEPARATORS = ("|", "｜")


def _cells(line: str) -> list[str]:
    for separator in SEPARATORS[1:]:
        line = line.replace(separator, SEPARATORS[0])
    return [cell.strip() for cell in line.split(SEPARATORS[0])]


def _side(value: str, choices: type[Any], pairing: Any = None) -> str | None:
    """A side typed as its code, its label, or the name of its region."""
    text = value.strip()
    if text == _("双方") and choices is ResponsibleSide:
        return str(ResponsibleSide.JOINT)
    for code, label in choices.choices:
        if text in (code, str(label)):
            return str(code)
    if pairing is not None:
        if text and text in pairing.leading_region.name:
            return str(Side.LEADING)
        if text and text in pairing.partner_region.name:
            return str(Side.PARTNER)
    return None


def parse_date(value: str) -> dt.date | None:
    """A date typed as YYYY-MM-DD (or with / or . between the parts), else None."""
    parts = value.strip().replace("/", "-").replace(".", "-").split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def parse_delegates(text: str, pairing: Any = None) -> list[dict[str, str]]:
    """Lines "姓名 | 单位 | 职务 | 所属方"; raises ValidationError naming the bad line."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = _cells(line) + ["", "", "", ""]
        name, unit, position, side_text = cells[:4]
        side = _side(side_text, Side, pairing)
        if not name or side is None:
            raise forms.ValidationError(
                _("第 %(n)s 行格式不对：请按“姓名 | 单位 | 职务 | 所属方（先行方或结对方）”填写。")
                % {"n": number}
            )
        rows.append({"name": name, "unit": unit, "position": position, "side": side})
    return rows


def parse_follow_ups(text: str, pairing: Any = None) -> list[dict[str, Any]]:
    """Lines "任务 | 责任方 | 完成时限"; raises ValidationError naming the bad line."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = _cells(line) + ["", ""]
        title, side_text, due_text = cells[:3]
        side = _side(side_text or str(ResponsibleSide.JOINT.label), ResponsibleSide, pairing)
        due = parse_date(due_text) if due_text else None
        if not title or side is None or (due_text and due is None):
            raise forms.ValidationError(
                _(
                    "第 %(n)s 行格式不对：请按“任务 | 责任方（先行方、结对方或双方共同）"
                    " | 完成时限（YYYY-MM-DD）”填写。"
                )
                % {"n": number}
            )
        rows.append({"title": title, "side": side, "due_date": due})
    return rows


def delegates_text(exchange: Exchange) -> str:
    return "\n".join(
        f"{d.name} | {d.unit} | {d.position} | {d.get_side_display()}"
        for d in exchange.delegates.all()
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ExchangeForm(StyledForm):
    title = forms.CharField(label=gettext_lazy("活动名称"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("交流方式"), choices=Method.choices)
    direction = forms.ChoiceField(label=gettext_lazy("交流方向"), choices=Direction.choices)
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=Exchange.Status.choices)
    start_date = forms.DateField(label=gettext_lazy("开始日期"), widget=DATE)
    end_date = forms.DateField(label=gettext_lazy("结束日期"), widget=DATE)
    online = forms.BooleanField(label=gettext_lazy("线上举办"), required=False)
    place = forms.CharField(
        label=gettext_lazy("地点"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("线上举办的活动不填写地点。"),
    )
    participant_count = forms.IntegerField(
        label=gettext_lazy("参加人数"),
        min_value=0,
        required=False,
        help_text=gettext_lazy("不填则按参加人员名单计数。"),
    )
    topics = forms.ModelMultipleChoiceField(
        label=gettext_lazy("交流内容"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )
    delegates = forms.CharField(
        label=gettext_lazy("参加人员"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": gettext_lazy("张三 | 天津市城市管理委员会 | 处长 | 先行方"),
            }
        ),
        help_text=gettext_lazy("每行一人：姓名 | 单位 | 职务 | 所属方（先行方或结对方）。"),
    )
    summary = forms.CharField(
        label=gettext_lazy("活动纪要"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    agreements = forms.CharField(
        label=gettext_lazy("达成的共识"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    materials = forms.CharField(
        label=gettext_lazy("交流材料"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    source = forms.CharField(label=gettext_lazy("来源"), max_length=200, required=False)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, pairing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pairing = pairing
        self.fields["topics"].queryset = Topic.objects.filter(archived_at__isnull=True)  # type: ignore[attr-defined]
        for name in ("topics", "online"):
            self.fields[name].widget.attrs.pop("class", None)

    def clean_delegates(self) -> list[dict[str, str]]:
        return parse_delegates(self.cleaned_data.get("delegates") or "", self.pairing)

    def values(self) -> dict[str, Any]:
        """The service's `values`: every field, topics as codes, delegates as dicts."""
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in (
                "title",
                "kind",
                "direction",
                "status",
                "start_date",
                "end_date",
                "online",
                "place",
                "summary",
                "agreements",
                "materials",
                "source",
            )
        }
        if data.get("participant_count") is not None:
            values["participant_count"] = data["participant_count"]
        values["topics"] = [t.code for t in data["topics"]]
        values["delegates"] = data["delegates"]
        return values


class NewExchangeForm(ExchangeForm):
    # `files` is taken by Django's forms (the uploaded files); the service's name is mapped.
    service_fields = {"files": "attachments"}
    attachments = MultipleFileField(
        label=gettext_lazy("文件和照片"),
        required=False,
        help_text=gettext_lazy("可上传 PDF、Word、Excel、JPG、PNG 或文本文件，每个不超过 20 MB。"),
    )
    follow_ups = forms.CharField(
        label=gettext_lazy("后续任务"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": gettext_lazy("编制垃圾分类宣传手册 | 结对方 | 2026-12-31"),
            }
        ),
        help_text=gettext_lazy(
            "每行一项：任务 | 责任方（先行方、结对方或双方共同） | 完成时限；"
            "将加入本结对正在执行的工作方案。"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["lock_version"]
        self.fields["attachments"].widget.attrs.pop("class", None)

    def clean_follow_ups(self) -> list[dict[str, Any]]:
        return parse_follow_ups(self.cleaned_data.get("follow_ups") or "", self.pairing)


class FollowUpForm(StyledForm):
    follow_ups = forms.CharField(
        label=gettext_lazy("后续任务"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "每行一项：任务 | 责任方（先行方、结对方或双方共同） | 完成时限（YYYY-MM-DD）。"
        ),
    )

    def __init__(self, *args: Any, pairing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pairing = pairing

    def clean_follow_ups(self) -> list[dict[str, Any]]:
        rows = parse_follow_ups(self.cleaned_data.get("follow_ups") or "", self.pairing)
        if not rows:
            raise forms.ValidationError(_("请至少填写一项后续任务。"))
        return rows


class UploadForm(StyledForm):
    service_fields = {"files": "attachments"}
    attachments = MultipleFileField(label=gettext_lazy("文件和照片"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].widget.attrs.pop("class", None)
