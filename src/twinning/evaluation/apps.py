from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "twinning.evaluation"
    verbose_name = _("阶段评估")
