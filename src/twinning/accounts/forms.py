from django import forms
from django.utils.translation import gettext_lazy as _

from twinning.core.forms import StyledForm


class TokenForm(StyledForm):
    name = forms.CharField(label=_("令牌名称"), max_length=100, help_text=_("例如：数据上报脚本"))
