from django.urls import path

from twinning.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("my-tasks/", views.my_tasks, name="my_tasks"),
    path("new/", views.plan_new, name="new"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:template_id>/edit/", views.template_edit, name="template_edit"),
    path("topics/new/", views.topic_edit, name="topic_new"),
    path("topics/<int:topic_id>/edit/", views.topic_edit, name="topic_edit"),
    path(
        "templates/<int:record_id>/archive/",
        views.admin_archive,
        {"kind": "template"},
        name="template_archive",
    ),
    path(
        "topics/<int:record_id>/archive/",
        views.admin_archive,
        {"kind": "topic"},
        name="topic_archive",
    ),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/edit/", views.plan_edit, name="edit"),
    path("<int:plan_id>/history/", views.plan_history, name="history"),
    path("<int:plan_id>/compare/", views.plan_compare, name="compare"),
    path("<int:plan_id>/export.<str:fmt>", views.plan_export, name="export"),
    path("<int:plan_id>/import/", views.plan_import, name="import"),
    path("<int:plan_id>/do/<str:action>/", views.plan_action, name="action"),
    path("<int:plan_id>/goals/new/", views.goal_new, name="goal_new"),
    path("goals/<int:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/archive/", views.goal_archive, name="goal_archive"),
    path("<int:plan_id>/phases/new/", views.phase_new, name="phase_new"),
    path("phases/<int:phase_id>/edit/", views.phase_edit, name="phase_edit"),
    path("phases/<int:phase_id>/archive/", views.phase_archive, name="phase_archive"),
    path("<int:plan_id>/tasks/new/", views.task_new, name="task_new"),
    path("<int:plan_id>/tasks/bulk-status/", views.bulk_status, name="bulk_status"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/status/", views.task_status, name="task_status"),
    path("tasks/<int:task_id>/archive/", views.task_archive, name="task_archive"),
    path("tasks/<int:task_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("evidence/<int:evidence_id>/archive/", views.evidence_archive, name="evidence_archive"),
]
