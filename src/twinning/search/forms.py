"""Forms of the search pages: the query with its filters, and the vocabulary an admin extends."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from twinning.core.forms import StyledForm
from twinning.knowledge.models import DocumentKind
from twinning.search.models import SourceKind


class SearchForm(forms.Form):
    """The filters of the results page's query string. A value that does not parse is dropped
    (a hand-edited link shows the unfiltered results). The query itself (`q`) is checked by the
    engine, whose message the page shows."""

    kind = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部")), *SourceKind.choices]
    )
    subkind = forms.ChoiceField(
        label=_("文档类别"), required=False, choices=[("", _("全部")), *DocumentKind.choices]
    )
    topic = forms.IntegerField(label=_("主题"), required=False, min_value=1)
    region = forms.RegexField(label=_("地区"), required=False, regex=r"^\d{1,12}$")
    year = forms.IntegerField(label=_("年份"), required=False, min_value=1900, max_value=2999)
    page = forms.IntegerField(required=False, min_value=1)

    def value(self, name: str) -> Any:
        """The cleaned value of `name`, or None when it was missing or did not parse."""
        self.is_valid()  # fills cleaned_data with the fields that parsed
        return self.cleaned_data.get(name) or None


class WordForm(StyledForm):
    word = forms.CharField(
        label=_("领域词"),
        max_length=30,
        help_text=_("分词时保持完整的词语，例如“撤桶并点”。"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class SynonymForm(StyledForm):
    words = forms.CharField(
        label=_("同义词"),
        max_length=300,
        help_text=_(
            "用空格或逗号分隔，例如“湿垃圾 厨余垃圾”。检索其中任一个词，都能找到含其他词的内容。"
        ),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
