"""Pages of notices (督办) under /notices/."""

from django.urls import path

from twinning.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("export.xlsx", views.notice_export, name="export"),
    path("new/<int:pairing_id>/", views.notice_issue, name="issue"),
    path("<int:notice_id>/", views.notice_detail, name="detail"),
    path("<int:notice_id>/acknowledge/", views.notice_acknowledge, name="acknowledge"),
    path("<int:notice_id>/rectification/", views.notice_rectification, name="rectification"),
    path("<int:notice_id>/progress/", views.notice_progress, name="progress"),
    path("<int:notice_id>/close/", views.notice_close, name="close"),
    path("<int:notice_id>/return/", views.notice_return, name="return"),
    path("<int:notice_id>/escalate/", views.notice_escalate, name="escalate"),
    path("<int:notice_id>/archive/", views.notice_archive, name="archive"),
    path("<int:notice_id>/files/<int:file_id>/", views.notice_file, name="file"),
]
