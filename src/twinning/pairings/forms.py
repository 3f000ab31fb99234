"""HTML forms of the pairing registry; they parse input, the services validate the rules."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from twinning.core.forms import StyledForm
from twinning.pairings.models import Body, DutyArea, Pairing, Side
from twinning.regions.models import Region

CODE_IN_TEXT = re.compile(r"\b(\d{6})\b")


def region_code_from(text: str) -> str:
    """Accept "411000", "411000 许昌市" or an unambiguous name such as "许昌市"."""
    text = text.strip()
    match = CODE_IN_TEXT.search(text)
    if match:
        return match.group(1)
    codes = list(Region.objects.filter(name=text).values_list("code", flat=True)[:2])
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise forms.ValidationError(
            _("找不到名为“%(name)s”的区划，请输入 6 位区划代码。"), params={"name": text}
        )
    raise forms.ValidationError(_("“%(name)s”有重名，请输入 6 位区划代码。"), params={"name": text})


class RegionField(forms.CharField):
    """A region typed as its code or its name; cleans to the code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)
        self.widget.attrs.update({"list": "region-options", "autocomplete": "off"})

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        return region_code_from(text) if text else ""


class RegionListField(forms.CharField):
    """Several regions separated by commas, 、 or spaces; cleans to a list of codes."""

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        parts = [p for p in re.split(r"[,，、;；\s]+", text) if p]
        return [region_code_from(p) for p in parts]


class ProposeForm(StyledForm):
    # The services name the regions' model fields; errors about them belong beside these inputs.
    service_fields = {"leading_region": "leading", "partner_region": "partner"}

    leading = RegionField(label=_("先行方"), help_text=_("输入区划名称或 6 位代码，如“宁波市”。"))
    partner = RegionField(label=_("结对方"))
    parent = forms.ModelChoiceField(
        label=_("上级结对"),
        queryset=Pairing.objects.none(),
        required=False,
        help_text=_("仅子结对需要选择。"),
    )
    focus_cities = RegionListField(
        label=_("重点城市"), required=False, help_text=_("多个城市用顿号或逗号分隔。")
    )
    established_on = forms.DateField(
        label=_("建立日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label=_("备注"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, parents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


class PairingEditForm(StyledForm):
    focus_cities = RegionListField(label=_("重点城市"), required=False)
    established_on = forms.DateField(
        label=_("建立日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.CharField(label=_("来源"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("备注"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class NoteForm(StyledForm):
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class TransitionForm(NoteForm):
    to_status = forms.ChoiceField(
        label=_("变更为"),
        choices=[
            (Pairing.Status.ACTIVE, _("恢复协作")),
            (Pairing.Status.SUSPENDED, _("暂停")),
            (Pairing.Status.CONCLUDED, _("结束")),
        ],
    )


class BodyForm(StyledForm):
    side = forms.ChoiceField(label=_("所属方"), choices=Side.choices)
    kind = forms.ChoiceField(label=_("类型"), choices=Body.Kind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    duties = forms.CharField(
        label=_("职责"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class BodyEditForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    duties = forms.CharField(
        label=_("职责"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PersonForm(StyledForm):
    person_name = forms.CharField(label=_("姓名"), max_length=50)
    position = forms.CharField(label=_("职务"), max_length=100, required=False)
    unit = forms.CharField(label=_("单位"), max_length=100, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)


class MemberForm(PersonForm):
    body_role = forms.CharField(
        label=_("机构内职务"), max_length=50, required=False, help_text=_("如：组长、副组长、成员")
    )
    duty_area = forms.ChoiceField(
        label=_("分工领域"), choices=[("", "—"), *DutyArea.choices], required=False
    )
    start_date = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("终止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ContactForm(PersonForm):
    region = RegionField(label=_("所在区划"), help_text=_("联络员所在的省、市或区县。"))
    counterpart = forms.ModelChoiceField(
        label=_("对口联络员"), queryset=Pairing.objects.none(), required=False
    )

    def __init__(self, *args: Any, counterparts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if counterparts is not None:
            self.fields["counterpart"].queryset = counterparts  # type: ignore[attr-defined]

    def service_values(self) -> dict[str, Any]:
        """The contact's fields as the services take them (the side is an argument of its own)."""
        data = dict(self.cleaned_data)
        data.pop("side", None)
        data["region_code"] = data.pop("region")
        counterpart = data.pop("counterpart")
        data["counterpart_id"] = counterpart.pk if counterpart else None
        return data


class NewContactForm(ContactForm):
    side = forms.ChoiceField(label=_("所属方"), choices=Side.choices)

    field_order = [
        "side",
        "region",
        "person_name",
        "position",
        "unit",
        "phone",
        "email",
        "counterpart",
    ]
