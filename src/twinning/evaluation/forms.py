"""Forms of the evaluation pages. An assessment's form has one row per dimension of its rubric;
its field names (`score_<code>`, `evidence_<code>`, `comment_<code>`) are the ones the services
name in their errors, so each message appears beside its cell."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from twinning.core.forms import StyledForm
from twinning.evaluation.models import Appeal, AssessmentItem, Rubric
from twinning.evaluation.services import default_pairings
from twinning.pairings.models import Pairing

DATE = forms.DateInput(attrs={"type": "date"})


class RubricForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lock_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def dimension_rows(post: Any) -> list[dict[str, str]]:
    """The dimension rows of the rubric form (parallel lists), blank rows left out."""
    columns = ("code", "name", "weight", "max_points", "evidence_required")
    lists = [post.getlist(f"dim_{c}") for c in columns]
    rows = []
    for values in zip(*lists, strict=False):
        row = dict(zip(columns, (v.strip() for v in values), strict=True))
        if any(row.values()):
            rows.append(row)
    return rows


class PairingChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class RoundForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    rubric = forms.ModelChoiceField(label=_("评估细则"), queryset=Rubric.objects.none())
    period_start = forms.DateField(label=_("评估期开始"), widget=DATE)
    period_end = forms.DateField(label=_("评估期结束"), widget=DATE)
    self_due = forms.DateField(label=_("自评截止"), widget=DATE)
    comment_due = forms.DateField(label=_("互评截止"), required=False, widget=DATE)
    appeal_days = forms.IntegerField(label=_("申诉期（天）"), min_value=1, max_value=90, initial=10)
    pairings = PairingChoice(
        label=_("参评结对"),
        queryset=Pairing.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("默认：全部协作中的省级结对。"),
    )

    service_fields = {"rubric_id": "rubric", "pairing_ids": "pairings"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rubric"].queryset = Rubric.objects.filter(  # type: ignore[attr-defined]
            status=Rubric.Status.ACTIVE, archived_at__isnull=True
        )
        self.fields["pairings"].queryset = Pairing.objects.filter(  # type: ignore[attr-defined]
            archived_at__isnull=True, parent__isnull=True
        ).select_related("leading_region", "partner_region")
        self.fields["pairings"].widget.attrs.pop("class", None)
        if not self.is_bound:
            self.initial.setdefault(
                "pairings", list(default_pairings().values_list("pk", flat=True))
            )

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["rubric_id"] = data.pop("rubric").pk
        data["pairing_ids"] = [p.pk for p in data.pop("pairings")]
        return data


class ItemsForm(forms.Form):
    """One row per item: the inputs of `mode` ("self", "comment" or "score")."""

    MODES = ("self", "comment", "score")

    def __init__(self, items: Iterable[AssessmentItem], mode: str, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.codes: list[str] = []
        for item in items:
            code = item.dimension.code
            self.codes.append(code)
            maximum = item.dimension.max_points
            if mode in ("self", "score"):
                initial = item.self_score if mode == "self" else item.ministry_score
                self.fields[f"score_{code}"] = forms.CharField(
                    label=item.dimension.name,
                    required=False,
                    initial="" if initial is None else initial,
                    widget=forms.TextInput(
                        attrs={"class": "input score", "inputmode": "decimal", "size": 5,
                               "aria-label": f"{item.dimension.name}（0–{maximum}）"}
                    ),
                )  # fmt: skip
            text_field, initial_text = {
                "self": ("evidence", item.self_evidence),
                "comment": ("comment", item.peer_comment),
                "score": ("ministry_comment", item.ministry_comment),
            }[mode]
            self.fields[f"{text_field}_{code}"] = forms.CharField(
                label=item.dimension.name,
                required=False,
                initial=initial_text,
                widget=forms.Textarea(attrs={"rows": 2, "class": "input"}),
            )
        self.fields["lock_version"] = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def rows(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.mode == "self":
            return {
                c: {"score": data.get(f"score_{c}"), "evidence": data.get(f"evidence_{c}")}
                for c in self.codes
            }
        if self.mode == "score":
            return {
                c: {"score": data.get(f"score_{c}"), "comment": data.get(f"ministry_comment_{c}")}
                for c in self.codes
            }
        return {c: data.get(f"comment_{c}") or "" for c in self.codes}

    def cell(self, kind: str, code: str) -> Any:
        name = f"{kind}_{code}"
        return self[name] if name in self.fields else None


class EvidenceForm(StyledForm):
    dimension = forms.ChoiceField(label=_("评估维度"))
    file = forms.FileField(label=_("文件"), help_text=_("PDF、Word、Excel、图片或文本。"))

    def __init__(self, items: Iterable[AssessmentItem], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = [  # type: ignore[attr-defined]
            (i.dimension.code, i.dimension.name) for i in items
        ]


class AppealForm(StyledForm):
    reasons = forms.CharField(
        label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(label=_("决定"), choices=Appeal.Decision.choices)
    note = forms.CharField(
        label=_("决定说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    lock_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, items: Iterable[AssessmentItem], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.codes = []
        for item in items:
            code = item.dimension.code
            self.codes.append(code)
            self.fields[f"score_{code}"] = forms.CharField(
                label=_("%(d)s 调整后分数（现为 %(s)s，满分 %(m)s）")
                % {
                    "d": item.dimension.name,
                    "s": item.ministry_score,
                    "m": item.dimension.max_points,
                },
                required=False,
                widget=forms.TextInput(attrs={"class": "input", "inputmode": "decimal", "size": 5}),
            )

    def scores(self) -> dict[str, Any]:
        return {c: self.cleaned_data.get(f"score_{c}") for c in self.codes}
