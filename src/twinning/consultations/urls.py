from django.urls import path

from twinning.consultations import views

app_name = "consultations"

urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.problem_new, name="new"),
    path("similar/", views.similar, name="similar"),
    path("experts/", views.expert_pool, name="experts"),
    path("experts/<int:expert_topic_id>/remove/", views.expert_remove, name="expert_remove"),
    path("<int:problem_id>/", views.problem_detail, name="detail"),
    path("<int:problem_id>/edit/", views.problem_edit, name="edit"),
    path("<int:problem_id>/assign/", views.assign, name="assign"),
    path("<int:problem_id>/answer/", views.answer, name="answer"),
    path("<int:problem_id>/rate/", views.rate, name="rate"),
    path("<int:problem_id>/comment/", views.comment, name="comment"),
    path("<int:problem_id>/attach/", views.attach, name="attach"),
    path("<int:problem_id>/do/<str:action>/", views.problem_action, name="action"),
    path("answers/<int:answer_id>/accept/", views.accept, name="accept"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
