from django.urls import path

from twinning.pairings import views

app_name = "pairings"

urlpatterns = [
    path("", views.pairing_list, name="list"),
    path("new/", views.propose, name="propose"),
    path("<int:pairing_id>/", views.detail, name="detail"),
    path("<int:pairing_id>/edit/", views.edit, name="edit"),
    path("<int:pairing_id>/accept/", views.accept, name="accept"),
    path("<int:pairing_id>/decline/", views.decline, name="decline"),
    path("<int:pairing_id>/transition/", views.transition, name="transition"),
    path("<int:pairing_id>/archive/", views.archive, name="archive"),
    path("<int:pairing_id>/restore/", views.restore, name="restore"),
    path("<int:pairing_id>/bodies/new/", views.body_new, name="body_new"),
    path("bodies/<int:body_id>/edit/", views.body_edit, name="body_edit"),
    path("bodies/<int:body_id>/archive/", views.body_archive, name="body_archive"),
    path("bodies/<int:body_id>/restore/", views.body_restore, name="body_restore"),
    path("bodies/<int:body_id>/members/new/", views.member_new, name="member_new"),
    path("members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:member_id>/archive/", views.member_archive, name="member_archive"),
    path("members/<int:member_id>/restore/", views.member_restore, name="member_restore"),
    path("<int:pairing_id>/contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/archive/", views.contact_archive, name="contact_archive"),
    path("contacts/<int:contact_id>/restore/", views.contact_restore, name="contact_restore"),
]
