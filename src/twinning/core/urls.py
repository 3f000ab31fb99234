from django.urls import path

from twinning.core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
