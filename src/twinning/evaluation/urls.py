"""Pages of 阶段评估 (evaluation), under /evaluations/."""

from django.urls import path

from twinning.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("rounds/<int:round_id>/action/", views.round_action, name="round_action"),
    path("rounds/<int:round_id>/rankings/", views.rankings, name="rankings"),
    path("assessments/<int:assessment_id>/", views.assessment_detail, name="assessment"),
    path(
        "assessments/<int:assessment_id>/evidence/", views.evidence_upload, name="evidence_upload"
    ),
    path("assessments/<int:assessment_id>/appeal/", views.appeal_new, name="appeal_new"),
    path("appeals/<int:appeal_id>/decide/", views.appeal_decide, name="appeal_decide"),
    path("evidence/<int:file_id>/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:file_id>/archive/", views.evidence_archive, name="evidence_archive"),
    path("rubrics/", views.rubric_list, name="rubrics"),
    path("rubrics/new/", views.rubric_new, name="rubric_new"),
    path("rubrics/<int:rubric_id>/", views.rubric_detail, name="rubric"),
    path("rubrics/<int:rubric_id>/edit/", views.rubric_edit, name="rubric_edit"),
    path("rubrics/<int:rubric_id>/action/", views.rubric_action, name="rubric_action"),
]
