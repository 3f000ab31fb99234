from django.urls import path

from twinning.knowledge import views

app_name = "knowledge"

urlpatterns = [
    # Documents
    path("", views.document_list, name="documents"),
    path("documents/new/", views.document_new, name="document_new"),
    path("documents/<int:document_id>/", views.document_detail, name="document"),
    path("documents/<int:document_id>/edit/", views.document_edit, name="document_edit"),
    path("documents/<int:document_id>/versions/", views.document_version, name="document_version"),
    path(
        "documents/<int:document_id>/versions/<int:number>/file/",
        views.version_file,
        name="version_file",
    ),
    path("documents/<int:document_id>/archive/", views.document_archive, name="document_archive"),
    # Model cases
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:case_id>/nominate/", views.case_nominate, name="case_nominate"),
    path("cases/<int:case_id>/review/", views.case_review, name="case_review"),
    path("cases/<int:case_id>/adoptions/", views.case_adopt, name="case_adopt"),
    path(
        "adoptions/<int:adoption_id>/withdraw/", views.adoption_withdraw, name="adoption_withdraw"
    ),
    path("cases/<int:case_id>/archive/", views.case_archive, name="case_archive"),
    # Compilations
    path("compilations/", views.compilation_list, name="compilations"),
    path("compilations/new/", views.compilation_new, name="compilation_new"),
    path("compilations/<int:compilation_id>/", views.compilation_detail, name="compilation"),
    path(
        "compilations/<int:compilation_id>/edit/", views.compilation_edit, name="compilation_edit"
    ),
    path(
        "compilations/<int:compilation_id>/documents/",
        views.compilation_documents,
        name="compilation_documents",
    ),
    path(
        "compilations/<int:compilation_id>/export.<str:fmt>",
        views.compilation_export,
        name="compilation_export",
    ),
    path(
        "compilations/<int:compilation_id>/archive/",
        views.compilation_archive,
        name="compilation_archive",
    ),
]
