"""HTML forms of notifications; they parse input, the services validate the rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from twinning.core.forms import StyledForm
from twinning.notifications.events import Event
from twinning.notifications.models import PairWebhook


class WebhookForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("例如：天津—河南工作群"))
    kind = forms.ChoiceField(label=_("类型"), choices=PairWebhook.Kind.choices)
    url = forms.CharField(
        label=_("机器人网址"),
        max_length=500,
        help_text=_(
            "在群设置中添加“群机器人”后复制的 Webhook 地址；保存前会向群里发送一条测试消息。"
        ),
    )
    secret = forms.CharField(
        label=_("签名密钥"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("仅钉钉机器人在安全设置中选择“加签”时填写（以 SEC 开头）。"),
    )
    events = forms.MultipleChoiceField(
        label=_("推送的事件"),
        choices=Event.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则推送全部事件。"),
    )

    def __init__(self, *args: Any, editing: PairWebhook | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].widget.attrs.pop("class", None)
        if editing is not None:
            url = self.fields["url"]
            url.required = False
            url.help_text = _("当前：%(url)s。留空则保持不变。") % {"url": editing.url_masked}
            secret = self.fields["secret"]
            secret.help_text = (
                _("当前：%(secret)s。留空则保持不变。") % {"secret": editing.secret_masked}
                if editing.secret
                else _("未设置。仅钉钉机器人在安全设置中选择“加签”时填写。")
            )
            self.fields["clear_secret"] = forms.BooleanField(
                label=_("清除签名密钥"), required=False
            )
            self.fields["clear_secret"].widget.attrs.pop("class", None)
