from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "twinning.plans"
    verbose_name = _("工作方案")
