"""The main navigation: each domain app adds its entry here when it lands."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    # URL name prefix (or prefixes) that marks the entry as current.
    section: str | tuple[str, ...]


NAVIGATION: list[NavEntry] = [
    NavEntry("overview", _("概览"), "overview"),
    NavEntry("dashboards:home", _("工作台"), "dashboards:"),
    NavEntry("pairings:list", pgettext_lazy("navigation", "结对"), "pairings:"),
    NavEntry("plans:list", _("工作方案"), "plans:"),
    NavEntry("exchanges:list", _("交流活动"), "exchanges:"),
    NavEntry("consultations:list", _("难题会诊"), "consultations:"),
    NavEntry("indicators:reports", _("指标与目标"), "indicators:"),
    NavEntry("knowledge:documents", _("知识库"), "knowledge:"),
    # One entry for the Ministry's oversight: the pages share a tab bar (health/_oversight_tabs).
    NavEntry(
        "health:risk",
        _("督导评估"),
        ("health:", "supervision:", "evaluation:", "bulletins:"),
    ),
]
