from django.contrib import admin
from django.urls import include, path

from twinning.config.api import api
from twinning.pairings import views as pairings_views

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("twinning.accounts.urls")),
    path("pairings/", include("twinning.pairings.urls")),
    path("plans/", include("twinning.plans.urls")),
    path("exchanges/", include("twinning.exchanges.urls")),
    path("consultations/", include("twinning.consultations.urls")),
    path("indicators/", include("twinning.indicators.urls")),
    path("notifications/", include("twinning.notifications.urls")),
    path("knowledge/", include("twinning.knowledge.urls")),
    path("search/", include("twinning.search.urls")),
    path("health/", include("twinning.health.urls")),
    path("notices/", include("twinning.supervision.urls")),
    path("evaluations/", include("twinning.evaluation.urls")),
    path("bulletins/", include("twinning.bulletins.urls")),
    path("dashboard/", include("twinning.dashboards.urls")),
    path("", pairings_views.overview, name="overview"),
    path("", include("twinning.core.urls")),
]
