from django.urls import path

from twinning.health import views

app_name = "health"

urlpatterns = [
    path("", views.risk_list, name="risk"),
    path("recompute/", views.recompute, name="recompute"),
    path("pairs/<int:pairing_id>/", views.pair_health, name="pair"),
]
