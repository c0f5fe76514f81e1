"""Studio URLs of the question editor (spliced into the "studio" namespace by studio/urls.py)."""

from django.urls import path

from studio import views_questions as views

urlpatterns = [
    path("components/<int:component_id>/questions/", views.questions, name="questions"),
    path("components/<int:component_id>/questions/new/", views.question_new, name="question-new"),
    path("questions/<int:question_id>/edit/", views.question_edit, name="question-edit"),
    path("questions/<int:question_id>/delete/", views.question_delete, name="question-delete"),
    path("questions/<int:question_id>/move/", views.question_move, name="question-move"),
]
