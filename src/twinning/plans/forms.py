"""HTML forms of work plans; they parse input, the services validate the rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from twinning.accounts.models import User
from twinning.core.forms import StyledForm
from twinning.pairings.models import Body
from twinning.plans.models import Method, Phase, Plan, PlanTemplate, ResponsibleSide, Task, Topic

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _topics() -> Any:
    return Topic.objects.filter(archived_at__isnull=True)


class PlanForm(StyledForm):
    title = forms.CharField(label=_("方案名称"), max_length=200)
    period_start = forms.DateField(label=_("起始日期"), widget=DATE)
    period_end = forms.DateField(label=_("截止日期"), widget=DATE)
    background = forms.CharField(
        label=_("工作目的"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    principles = forms.CharField(
        label=_("工作原则"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    methods = forms.MultipleChoiceField(
        label=_("协作方式"),
        choices=Method.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("协作内容"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = _topics()  # type: ignore[attr-defined]
        for name in ("methods", "topics"):
            self.fields[name].widget.attrs.pop("class", None)


class NewPlanForm(PlanForm):
    template = forms.ModelChoiceField(
        label=_("从模板开始"),
        queryset=PlanTemplate.objects.none(),
        required=False,
        empty_label=_("空白方案"),
        widget=forms.RadioSelect,
        help_text=_("不选模板即为空白方案。"),
    )

    field_order = ["template", "title", "period_start", "period_end"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = PlanTemplate.objects.filter(archived_at__isnull=True)  # type: ignore[attr-defined]
        self.fields["template"].widget.attrs.pop("class", None)
        del self.fields["lock_version"]


class CommentForm(StyledForm):
    comment = forms.CharField(
        label=_("意见"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class GoalForm(StyledForm):
    text = forms.CharField(label=_("目标"), widget=forms.Textarea(attrs={"rows": 2}))
    indicator = forms.CharField(label=_("指标"), max_length=100, required=False)
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    target_value = forms.DecimalField(
        label=_("目标值"), max_digits=14, decimal_places=4, required=False
    )
    due_date = forms.DateField(label=_("完成时限"), widget=DATE, required=False)


class PhaseForm(StyledForm):
    name = forms.CharField(label=_("阶段名称"), max_length=100)
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=DATE)
    description = forms.CharField(
        label=_("阶段工作内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class TaskForm(StyledForm):
    """The whole row; on a frozen plan only the tracking fields are offered."""

    title = forms.CharField(label=_("任务"), max_length=300)
    topic = forms.ModelChoiceField(
        label=_("协作内容"), queryset=Topic.objects.none(), required=False
    )
    phase = forms.ModelChoiceField(label=_("阶段"), queryset=Phase.objects.none(), required=False)
    side = forms.ChoiceField(label=_("责任方"), choices=ResponsibleSide.choices)
    body = forms.ModelChoiceField(label=_("责任机构"), queryset=Body.objects.none(), required=False)
    parent = forms.ModelChoiceField(
        label=_("上级任务"), queryset=Task.objects.none(), required=False
    )
    owner = forms.ModelChoiceField(label=_("负责人"), queryset=User.objects.none(), required=False)
    co_owners = forms.ModelMultipleChoiceField(
        label=_("协同人"),
        queryset=User.objects.none(),
        required=False,
    )
    start_date = forms.DateField(label=_("开始日期"), widget=DATE, required=False)
    due_date = forms.DateField(label=_("完成时限"), widget=DATE, required=False)
    weight = forms.IntegerField(label=_("权重"), min_value=0, max_value=100, initial=1)
    deliverable = forms.CharField(label=_("成果形式"), max_length=300, required=False)
    evidence_required = forms.BooleanField(label=_("完成须上传佐证"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=Task.Status.choices)
    completed_on = forms.DateField(label=_("完成日期"), widget=DATE, required=False)
    notes = forms.CharField(
        label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    DEFINITION = (
        "title",
        "topic",
        "phase",
        "side",
        "body",
        "parent",
        "start_date",
        "due_date",
        "weight",
        "deliverable",
        "evidence_required",
    )

    def __init__(
        self, *args: Any, plan: Plan, users: Any, task: Task | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["topic"].queryset = _topics()
        fields["phase"].queryset = plan.phases.filter(archived_at__isnull=True)
        fields["body"].queryset = plan.pairing.bodies.filter(archived_at__isnull=True)
        parents = plan.tasks.filter(archived_at__isnull=True, parent__isnull=True)
        fields["parent"].queryset = parents.exclude(pk=task.pk) if task else parents
        fields["owner"].queryset = users
        fields["co_owners"].queryset = users
        if not plan.is_editable:
            for name in self.DEFINITION:
                fields[name].disabled = True
        if task is None:
            del fields["status"], fields["completed_on"], fields["lock_version"]

    def changed_values(self) -> dict[str, Any]:
        """Only what the user changed: a frozen plan then refuses nothing it need not."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in self.changed_data
            if name in data and name != "lock_version" and not self.fields[name].disabled
        }


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("状态"), choices=Task.Status.choices)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class BulkStatusForm(forms.Form):
    tasks = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    status = forms.ChoiceField(label=_("批量改为"), choices=Task.Status.choices)

    def __init__(self, *args: Any, task_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tasks"].choices = [(i, i) for i in task_ids]  # type: ignore[attr-defined]


class UploadForm(StyledForm):
    file = forms.FileField(label=_("文件"))
    description = forms.CharField(label=_("说明"), max_length=200, required=False)


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


class TopicForm(StyledForm):
    code = forms.SlugField(label=_("代码"), max_length=40)
    name = forms.CharField(label=_("名称"), max_length=50)
    position = forms.IntegerField(label=_("排序"), min_value=0, initial=0)


def _split(line: str) -> list[str]:
    return [part.strip() for part in line.replace("｜", "|").split("|")]


class TemplateForm(StyledForm):
    """Templates are edited as text, one item per line, columns separated by |."""

    code = forms.SlugField(label=_("代码"), max_length=40)
    name = forms.CharField(label=_("模板名称"), max_length=100)
    description = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    source = forms.CharField(label=_("来源"), max_length=200, required=False)
    principles = forms.CharField(
        label=_("工作原则"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    methods = forms.MultipleChoiceField(
        label=_("协作方式"),
        choices=Method.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phases = forms.CharField(
        label=_("阶段"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个阶段：名称 | 自方案起始第几年开始（0 表示第一年）| 持续年数 | 说明"),
    )
    goals = forms.CharField(
        label=_("工作目标"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个目标。"),
    )
    tasks = forms.CharField(
        label=_("任务"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "每行一项任务：任务 | 阶段序号（从 1 起，可空）"
            "| 责任方（先行方/结对方/双方共同）| 协作内容代码 | 成果形式"
        ),
    )
    position = forms.IntegerField(label=_("排序"), min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["methods"].widget.attrs.pop("class", None)

    @staticmethod
    def initial_for(template: PlanTemplate) -> dict[str, Any]:
        sides = dict(ResponsibleSide.choices)
        return {
            "code": template.code,
            "name": template.name,
            "description": template.description,
            "source": template.source,
            "principles": template.principles,
            "methods": template.methods,
            "phases": "\n".join(
                " | ".join(
                    [p["name"], str(p.get("offset_years", 0)), str(p.get("years", 1))]
                    + [p.get("description", "")]
                )
                for p in template.phases
            ),
            "goals": "\n".join(g["text"] for g in template.goals),
            "tasks": "\n".join(
                " | ".join(
                    [
                        t["title"],
                        "" if t.get("phase") is None else str(t["phase"] + 1),
                        str(sides.get(t.get("side", "joint"), "")),
                        t.get("topic") or "",
                        t.get("deliverable", ""),
                    ]
                )
                for t in template.tasks
            ),
            "position": template.position,
        }

    def clean_phases(self) -> list[dict[str, Any]]:
        phases = []
        for number, line in enumerate(self.cleaned_data["phases"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = _split(line) + ["", "", ""]
            try:
                offset, years = int(parts[1] or 0), int(parts[2] or 1)
            except ValueError as exc:
                raise forms.ValidationError(
                    _("第 %(n)s 行：起始年和年数须为整数。"), params={"n": number}
                ) from exc
            phases.append(
                {"name": parts[0], "offset_years": offset, "years": years, "description": parts[3]}
            )
        return phases

    def clean_goals(self) -> list[dict[str, Any]]:
        return [
            {"text": line.strip()}
            for line in self.cleaned_data["goals"].splitlines()
            if line.strip()
        ]

    def clean_tasks(self) -> list[dict[str, Any]]:
        sides = {str(label): value for value, label in ResponsibleSide.choices}
        sides.update({value: value for value in ResponsibleSide.values})
        tasks = []
        for number, line in enumerate(self.cleaned_data["tasks"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = _split(line) + ["", "", "", ""]
            phase = parts[1]
            if phase and not phase.isdigit():
                raise forms.ValidationError(
                    _("第 %(n)s 行：阶段序号须为数字。"), params={"n": number}
                )
            side = sides.get(parts[2] or "joint")
            if side is None:
                raise forms.ValidationError(
                    _("第 %(n)s 行：责任方须为先行方、结对方或双方共同。"), params={"n": number}
                )
            tasks.append(
                {
                    "title": parts[0],
                    "phase": int(phase) - 1 if phase else None,
                    "side": side,
                    "topic": parts[3] or None,
                    "deliverable": parts[4],
                }
            )
        return tasks
