from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "twinning.consultations"
    verbose_name = _("难题会诊")
