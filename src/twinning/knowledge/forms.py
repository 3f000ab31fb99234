"""HTML forms of the knowledge base: they parse input; the services check the rules (the file's
content, visibility, who may write) and their errors are shown beside the fields."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from twinning.core.forms import StyledForm
from twinning.core.permissions import is_ministry, user_region_path
from twinning.knowledge.models import Document, DocumentKind, Visibility
from twinning.pairings.models import Pairing
from twinning.plans.models import Topic
from twinning.regions.models import Region

# How many documents a case's "related documents" list offers (besides the chosen ones).
DOCUMENT_CHOICES = 300
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FILE_HELP = _(
    "可上传 PDF、Word（.docx）、Excel（.xlsx）、文本（.txt、.md）或图片（JPG、PNG）；"
    "系统会在后台提取文字，图片仅作为附件。"
)


def _pk(value: Any) -> int:
    """A document's id from a Document, an id or a posted string; 0 if it is none of these."""
    if isinstance(value, Document):
        return value.pk
    text = str(value)
    return int(text) if text.isdigit() else 0


def region_options(actor: Any) -> QuerySet[Region]:
    """The regions the actor may file records under: the Ministry any province or city, others
    their own region and what it contains."""
    regions = Region.objects.only("code", "name", "level").order_by("code")
    if is_ministry(actor):
        return regions.exclude(level=Region.Level.COUNTY)
    path = user_region_path(actor)
    if path is None:
        return regions.none()
    return regions.filter(path__startswith=path)


def pairing_options(actor: Any) -> QuerySet[Pairing]:
    return (
        Pairing.objects.visible_to(actor)
        .live()
        .select_related("leading_region", "partner_region")
        .order_by("leading_region_id", "partner_region_id")
    )


def topic_options() -> QuerySet[Topic]:
    return Topic.objects.filter(archived_at__isnull=True)


def default_region(actor: Any) -> Region | None:
    organisation = getattr(actor, "organisation", None)
    return getattr(organisation, "region", None) if not is_ministry(actor) else None


class _ScopedForm(StyledForm):
    """A form with region and pairing choices limited to what the actor may use."""

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "region" in self.fields:
            self.fields["region"].queryset = region_options(actor)  # type: ignore[attr-defined]
        if "pairing" in self.fields:
            self.fields["pairing"].queryset = pairing_options(actor)  # type: ignore[attr-defined]
        if "topics" in self.fields:
            self.fields["topics"].queryset = topic_options()  # type: ignore[attr-defined]
        if "topic" in self.fields:
            self.fields["topic"].queryset = topic_options()  # type: ignore[attr-defined]


class DocumentForm(_ScopedForm):
    """A document's metadata (for a new document and when editing one)."""

    title = forms.CharField(label=_("标题"), max_length=300)
    kind = forms.ChoiceField(label=_("类别"), choices=DocumentKind.choices)
    issuing_body = forms.CharField(label=_("发文机关"), max_length=200, required=False)
    number = forms.CharField(label=_("文号"), max_length=100, required=False)
    region = forms.ModelChoiceField(
        label=_("地区"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("（不限地区）"),
    )
    issued_on = forms.DateField(label=_("发布日期"), required=False, widget=DATE)
    effective_on = forms.DateField(label=_("施行日期"), required=False, widget=DATE)
    repealed_on = forms.DateField(label=_("废止日期"), required=False, widget=DATE)
    topics = forms.ModelMultipleChoiceField(
        label=_("主题"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label=_("摘要"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    visibility = forms.ChoiceField(label=_("可见范围"), choices=Visibility.choices)
    pairing = forms.ModelChoiceField(
        label=_("结对关系"),
        queryset=Pairing.objects.none(),
        required=False,
        empty_label=_("（无）"),
        help_text=_("可见范围为“结对双方”时必填。"),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    METADATA = (
        "title",
        "kind",
        "issuing_body",
        "number",
        "region",
        "issued_on",
        "effective_on",
        "repealed_on",
        "topics",
        "summary",
        "visibility",
        "pairing",
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data.get(name) for name in self.METADATA}
        values["topics"] = list(data.get("topics") or [])
        for name in ("issuing_body", "number", "summary"):
            values[name] = values[name] or ""
        return values

    @staticmethod
    def initial_of(document: Document) -> dict[str, Any]:
        initial = {name: getattr(document, name) for name in DocumentForm.METADATA}
        initial["topics"] = list(document.topics.all())
        initial["lock_version"] = document.lock_version
        return initial


class NewDocumentForm(DocumentForm):
    """Upload a file with the document's metadata."""

    file = forms.FileField(label=_("文件"), help_text=FILE_HELP, allow_empty_file=True)
    note = forms.CharField(label=_("版本说明"), max_length=300, required=False)

    field_order = ["file", "title", "kind"]


class VersionForm(StyledForm):
    """Upload a new version of a document; the earlier versions are kept."""

    file = forms.FileField(label=_("新版本文件"), help_text=FILE_HELP, allow_empty_file=True)
    note = forms.CharField(label=_("版本说明"), max_length=300, required=False)


class CaseForm(_ScopedForm):
    title = forms.CharField(label=_("标题"), max_length=300)
    region = forms.ModelChoiceField(label=_("地区"), queryset=Region.objects.none())
    pairing = forms.ModelChoiceField(
        label=_("结对关系"),
        queryset=Pairing.objects.none(),
        required=False,
        empty_label=_("（无）"),
    )
    topic = forms.ModelChoiceField(
        label=_("主题"), queryset=Topic.objects.none(), required=False, empty_label=_("（未指定）")
    )
    problem = forms.CharField(label=_("面临的问题"), widget=forms.Textarea(attrs={"rows": 4}))
    approach = forms.CharField(label=_("主要做法"), widget=forms.Textarea(attrs={"rows": 6}))
    results = forms.CharField(label=_("取得成效"), widget=forms.Textarea(attrs={"rows": 4}))
    figures = forms.CharField(
        label=_("关键数据"),
        max_length=500,
        required=False,
        help_text=_("例如：回收利用率由 30% 提高到 38%。"),
    )
    contacts = forms.CharField(label=_("联系人"), max_length=300, required=False)
    documents = forms.ModelMultipleChoiceField(
        label=_("相关文档"),
        queryset=Document.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("按住 Ctrl（Mac 上为 Command）可选择多份文档。"),
    )
    visibility = forms.ChoiceField(label=_("可见范围"), choices=Visibility.choices)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = (
        "title",
        "region",
        "pairing",
        "topic",
        "problem",
        "approach",
        "results",
        "figures",
        "contacts",
        "documents",
        "visibility",
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        field = self.fields["documents"]
        visible = Document.objects.visible_to(actor).live()
        field.queryset = visible.only("id", "title")  # type: ignore[attr-defined]
        # The list offers the most recent documents and those already chosen, not every one of
        # possibly tens of thousands; any visible document is still accepted.
        chosen = [_pk(v) for v in self._chosen_documents()]
        offered = list(visible.filter(pk__in=chosen).only("id", "title")) + list(
            visible.exclude(pk__in=chosen)
            .only("id", "title")
            .order_by("-issued_on", "-id")[:DOCUMENT_CHOICES]
        )
        field.widget.choices = [(d.pk, d.title) for d in offered]

    def _chosen_documents(self) -> list[Any]:
        if self.is_bound:
            return list(self.data.getlist("documents") if hasattr(self.data, "getlist") else [])
        return list(self.initial.get("documents") or [])

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data.get(name) for name in self.FIELDS}
        values["documents"] = list(data.get("documents") or [])
        for name in ("figures", "contacts"):
            values[name] = values[name] or ""
        return values

    @staticmethod
    def initial_of(case: Any) -> dict[str, Any]:
        initial = {name: getattr(case, name) for name in CaseForm.FIELDS if name != "documents"}
        initial["documents"] = list(case.documents.all())
        initial["lock_version"] = case.lock_version
        return initial


class ReviewForm(StyledForm):
    note = forms.CharField(
        label=_("审核意见"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("退回时必填，说明需要修改的地方。"),
    )


class AdoptionForm(_ScopedForm):
    region = forms.ModelChoiceField(label=_("借鉴地区"), queryset=Region.objects.none())
    adopted_on = forms.DateField(label=_("借鉴时间"), required=False, widget=DATE)
    note = forms.CharField(label=_("借鉴情况"), max_length=500, required=False)


class CompilationForm(_ScopedForm):
    title = forms.CharField(label=_("标题"), max_length=300)
    preface = forms.CharField(
        label=_("前言"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    region = forms.ModelChoiceField(
        label=_("编印地区"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("（不限地区）"),
    )
    visibility = forms.ChoiceField(label=_("可见范围"), choices=Visibility.choices)
    pairing = forms.ModelChoiceField(
        label=_("结对关系"),
        queryset=Pairing.objects.none(),
        required=False,
        empty_label=_("（无）"),
        help_text=_("可见范围为“结对双方”时必填。"),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("title", "preface", "region", "visibility", "pairing")

    def values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data.get(name) for name in self.FIELDS}
        values["preface"] = values["preface"] or ""
        return values

    @staticmethod
    def initial_of(compilation: Any) -> dict[str, Any]:
        initial = {name: getattr(compilation, name) for name in CompilationForm.FIELDS}
        initial["lock_version"] = compilation.lock_version
        return initial
