from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "twinning.health"
    verbose_name = _("结对健康度")

    def ready(self) -> None:
        from twinning.health import signals

        signals.connect()
