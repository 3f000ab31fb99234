from django.urls import path

from twinning.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("ministry/", views.ministry, name="ministry"),
    path("me/", views.me, name="me"),
    path("pairs/<int:pairing_id>/", views.pair, name="pair"),
    path("propose-case/", views.propose_case, name="propose_case"),
    path("origin/<str:kind>/<int:origin_id>/", views.origin, name="origin"),
]
