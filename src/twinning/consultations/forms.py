"""HTML forms of consultations; they parse input, the services validate the rules."""

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from twinning.accounts.models import Role, User
from twinning.consultations.models import Urgency
from twinning.consultations.services import MAX_RESPONSE_DAYS, MIN_RESPONSE_DAYS
from twinning.core.forms import StyledForm
from twinning.plans.models import Topic


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the services check each by its content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _topics() -> QuerySet[Topic]:
    return Topic.objects.filter(archived_at__isnull=True)


class ProblemForm(StyledForm):
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(
        label=_("问题描述"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("请写明背景、已经做过的尝试和希望得到的帮助。"),
    )
    topic = forms.ModelChoiceField(
        label=_("协作内容"),
        queryset=Topic.objects.none(),
        required=False,
        empty_label=_("（未分类）"),
        help_text=_("选择协作内容后，该内容的国家专家库专家也能看到并解答。"),
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = _topics()  # type: ignore[attr-defined]


class NewProblemForm(ProblemForm):
    service_fields = {"files": "attachments"}
    response_days = forms.IntegerField(
        label=_("答复期限（天）"),
        min_value=MIN_RESPONSE_DAYS,
        max_value=MAX_RESPONSE_DAYS,
        initial=settings.TWINNING_RESPONSE_DAYS,
        help_text=_("1 至 60 天，逾期未答复将提请部里督办。"),
    )
    attachments = MultipleFileField(
        label=_("附件"), help_text=_("可上传 PDF、Word、Excel、图片或文本文件。")
    )


class EditProblemForm(ProblemForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AssignForm(StyledForm):
    expert = forms.ModelChoiceField(label=_("专家"), queryset=User.objects.none())

    def __init__(self, *args: Any, experts: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts  # type: ignore[attr-defined]


class AnswerForm(StyledForm):
    body = forms.CharField(label=_("解答"), widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField(label=_("附件"))
    service_fields = {"files": "attachments"}


class CommentForm(StyledForm):
    body = forms.CharField(
        label=_("评论"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    answer = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AttachForm(StyledForm):
    attachments = MultipleFileField(label=_("附件"), required=True)
    answer = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RateForm(StyledForm):
    rating = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
    )
    comment = forms.CharField(
        label=_("评价"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("原因"), max_length=500, required=False)


class PoolForm(StyledForm):
    user = forms.ModelChoiceField(label=_("专家"), queryset=User.objects.none())
    topic = forms.ModelChoiceField(label=_("协作内容"), queryset=Topic.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(role=Role.EXPERT, is_active=True)
            .select_related("organisation")
            .order_by("full_name", "username")
        )
        self.fields["topic"].queryset = _topics()  # type: ignore[attr-defined]
