from django.urls import path  # noqa: F401 - routes are added by the web owners

app_name = "search"

urlpatterns: list = []
