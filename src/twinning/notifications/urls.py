from django.urls import path

from twinning.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/", views.notification_open, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("pairs/<int:pairing_id>/webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:webhook_id>/edit/", views.webhook_edit, name="webhook_edit"),
    path(
        "webhooks/<int:webhook_id>/archive/",
        views.webhook_archive,
        {"archived": True},
        name="webhook_archive",
    ),
    path(
        "webhooks/<int:webhook_id>/restore/",
        views.webhook_archive,
        {"archived": False},
        name="webhook_restore",
    ),
]
