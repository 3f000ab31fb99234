from django.urls import path

from twinning.search import views

app_name = "search"

urlpatterns = [
    path("", views.results, name="results"),
    path("suggest/", views.suggest, name="suggest"),
    path("vocabulary/", views.vocabulary, name="vocabulary"),
    path("vocabulary/words/<int:word_id>/archive/", views.word_archive, name="word_archive"),
    path(
        "vocabulary/synonyms/<int:group_id>/archive/",
        views.synonym_archive,
        name="synonym_archive",
    ),
]
