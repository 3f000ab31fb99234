from django.urls import path

from twinning.bulletins import views

app_name = "bulletins"

urlpatterns = [
    path("", views.bulletin_list, name="list"),
    path("new/", views.bulletin_new, name="new"),
    path("<int:bulletin_id>/", views.bulletin_detail, name="detail"),
    path("<int:bulletin_id>/do/<str:action>/", views.bulletin_action, name="action"),
    path("<int:bulletin_id>/export.<str:fmt>", views.bulletin_export, name="export"),
    path("<int:bulletin_id>/trace/<str:key>/", views.bulletin_trace, name="trace"),
]
