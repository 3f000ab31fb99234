from django.urls import path

from twinning.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.indicator_edit, name="indicator_new"),
    path("catalogue/<slug:code>/", views.indicator_detail, name="indicator"),
    path("catalogue/<slug:code>/edit/", views.indicator_edit, name="indicator_edit"),
    path("catalogue/<slug:code>/archive/", views.indicator_archive, name="indicator_archive"),
    path("reports/", views.my_reports, name="reports"),
    path("regions/<str:region>/", views.region_detail, name="region"),
    path("regions/<str:region>/grid/", views.grid, name="grid"),
    path("regions/<str:region>/<str:period>/", views.report_detail, name="report"),
    path(
        "regions/<str:region>/<str:period>/do/<str:action>/",
        views.report_action,
        name="report_action",
    ),
    path(
        "regions/<str:region>/<str:period>/evidence/",
        views.evidence_upload,
        name="evidence_upload",
    ),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("evidence/<int:evidence_id>/archive/", views.evidence_archive, name="evidence_archive"),
    path("completeness/", views.completeness, name="completeness"),
    path("completeness/remind/", views.send_reminders, name="remind"),
    path("targets/", views.target_list, name="targets"),
    path("targets/new/", views.target_edit, name="target_new"),
    path("targets/<int:target_id>/edit/", views.target_edit, name="target_edit"),
    path("targets/<int:target_id>/archive/", views.target_archive, name="target_archive"),
    path("map/", views.indicator_map, name="map"),
    path("excel/template/", views.excel_template, name="excel_template"),
    path("excel/import/", views.excel_import, name="excel_import"),
]
