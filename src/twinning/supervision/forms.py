"""Forms of the notice pages; the services check everything again."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from twinning.core.forms import StyledForm
from twinning.plans.models import ResponsibleSide
from twinning.supervision.models import Guidance

# Rows of the rectification-task table on the page (the API takes any number up to the limit).
TASK_ROWS = 5
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoticeForm(StyledForm):
    number = forms.CharField(label=_("文号"), max_length=60)
    title = forms.CharField(label=_("标题"), max_length=200)
    reasons = forms.CharField(
        label=_("督办事由"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("已按结对健康度的预警原因预先填写，可修改。"),
    )
    required_actions = forms.CharField(
        label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 5})
    )
    deadline = forms.DateField(label=_("整改期限"), widget=DATE)
    guidance = forms.ChoiceField(label=_("专题指导"), choices=Guidance.choices)
    guidance_date = forms.DateField(label=_("指导日期"), required=False, widget=DATE)
    guidance_note = forms.CharField(
        label=_("指导安排"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(StyledForm):
    note = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lock_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RectificationForm(StyledForm):
    """The rectification plan and up to TASK_ROWS tasks; empty rows are ignored."""

    text = forms.CharField(label=_("整改方案"), widget=forms.Textarea(attrs={"rows": 4}))
    lock_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(1, TASK_ROWS + 1):
            self.fields[f"task_{row}_title"] = forms.CharField(
                label=_("任务"), required=False, max_length=300
            )
            self.fields[f"task_{row}_due_date"] = forms.DateField(
                label=_("完成时限"), required=False, widget=DATE
            )
            self.fields[f"task_{row}_side"] = forms.ChoiceField(
                label=_("责任方"),
                choices=ResponsibleSide.choices,
                initial=ResponsibleSide.JOINT,
                required=False,
            )
            for name in ("title", "due_date", "side"):
                self.fields[f"task_{row}_{name}"].widget.attrs.setdefault("class", "input")

    def task_rows(self) -> list[list[Any]]:
        """The bound fields of each row, for the template's table."""
        return [
            [self[f"task_{row}_{name}"] for name in ("title", "due_date", "side")]
            for row in range(1, TASK_ROWS + 1)
        ]

    def tasks(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        rows = []
        for row in range(1, TASK_ROWS + 1):
            title = (data.get(f"task_{row}_title") or "").strip()
            due = data.get(f"task_{row}_due_date")
            if not title and not due:
                continue
            rows.append(
                {"title": title, "due_date": due, "side": data.get(f"task_{row}_side") or "joint"}
            )
        return rows


class ProgressForm(StyledForm):
    text = forms.CharField(label=_("整改进展"), widget=forms.Textarea(attrs={"rows": 4}))
    lock_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The rectification form on the same page has a `text` field too.
        kwargs.setdefault("auto_id", "id_progress_%s")
        super().__init__(*args, **kwargs)
