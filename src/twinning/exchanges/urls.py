from django.urls import path

from twinning.exchanges import views

app_name = "exchanges"

urlpatterns = [
    path("", views.exchange_list, name="list"),
    path("export.xlsx", views.exchange_export, name="export"),
    path("new/", views.exchange_new, name="new"),
    path("stats/", views.stats_view, name="stats"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/feed/", views.feed_page, name="feed_page"),
    path("calendar/feed/<str:token>.ics", views.calendar_feed, name="feed"),
    path("<int:exchange_id>/", views.exchange_detail, name="detail"),
    path("<int:exchange_id>/edit/", views.exchange_edit, name="edit"),
    path("<int:exchange_id>/archive/", views.exchange_archive, name="archive"),
    path("<int:exchange_id>/files/", views.exchange_upload, name="upload"),
    path("<int:exchange_id>/follow-ups/", views.exchange_follow_ups, name="follow_ups"),
    path("files/<int:file_id>/", views.file_download, name="file"),
    path("files/<int:file_id>/archive/", views.file_archive, name="file_archive"),
]
