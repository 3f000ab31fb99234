"""Forms of the bulletin pages: drafting one, and editing a draft's sections."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from twinning.bulletins.models import Bulletin, Scope
from twinning.core.forms import StyledForm
from twinning.pairings.models import Pairing
from twinning.regions.queries import province_choices


class DraftForm(StyledForm):
    """起草简报: the scope, the province or pair, the period and (optionally) the issue number."""

    scope = forms.ChoiceField(label=_("范围"), choices=Scope.choices)
    region = forms.ChoiceField(label=_("省份"), required=False)
    pairing = forms.TypedChoiceField(label=_("结对"), required=False, coerce=int, empty_value=None)
    period = forms.CharField(
        label=_("期间"),
        max_length=10,
        help_text=_("如 2021H1（上半年）、2021Q3（季度）、2021-05（月份）或 2021（年度）。"),
    )
    number = forms.CharField(
        label=_("期号"),
        max_length=100,
        required=False,
        help_text=_("留空则自动编号，如“2021年第3期”。"),
    )

    # The service names the period `period_code`; its errors go beside the period field.
    service_fields = {"period": "period", "region": "region", "scope": "scope"}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—"), *province_choices()]  # type: ignore[attr-defined]
        pairs = (
            Pairing.objects.live()
            .visible_to(user)
            .filter(status=Pairing.Status.ACTIVE)
            .select_related("leading_region", "partner_region")
        )
        self.fields["pairing"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((p.pk, str(p)) for p in pairs),
        ]


class SectionsForm(forms.Form):
    """A draft's number, title and one textarea per section (named `section_<key>`)."""

    number = forms.CharField(label=_("期号"), max_length=100)
    title = forms.CharField(label=_("标题"), max_length=200)
    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, bulletin: Bulletin, **kwargs: Any) -> None:
        from django.utils.translation import gettext

        super().__init__(*args, **kwargs)
        self.fields["number"].initial = bulletin.number
        self.fields["title"].initial = bulletin.title
        self.fields["lock_version"].initial = bulletin.lock_version
        for section in bulletin.sections:
            self.fields[f"section_{section['key']}"] = forms.CharField(
                label=gettext(section["heading"]),
                required=False,
                initial=section.get("text", ""),
                widget=forms.Textarea(attrs={"rows": 6, "class": "input"}),
            )
        for name in ("number", "title"):
            self.fields[name].widget.attrs.setdefault("class", "input")

    def section_texts(self) -> dict[str, str]:
        return {
            name.removeprefix("section_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("section_")
        }
