from django.urls import path

from supervision import views
from supervision.views import compliance as proof

app_name = "agency"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("learners/", views.learners, name="learners"),
    path("learners/<id:learner_id>/", views.learner_detail, name="learner-detail"),
    path("learners/<id:learner_id>/nudge/", views.nudge, name="nudge"),
    path("learners/<id:learner_id>/remove/", views.learner_remove, name="learner-remove"),
    path("nudge-overdue/", views.nudge_overdue, name="nudge-overdue"),
    path("export.csv", views.export_csv, name="export"),
    path(
        "learners/<id:learner_id>/transcript/", proof.learner_transcript, name="learner-transcript"
    ),
    path(
        "learners/<id:learner_id>/transcript.pdf",
        proof.learner_transcript_pdf,
        name="learner-transcript-pdf",
    ),
    path("compliance/", proof.compliance, name="compliance"),
    path("compliance/rule/", proof.compliance_rule, name="compliance-rule"),
    path("hours.csv", proof.hours_csv, name="hours"),
    path("roster.csv", proof.roster_csv, name="roster"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/new/", views.assignment_new, name="assignment-new"),
    path("assignments/<id:assignment_id>/", views.assignment_edit, name="assignment-edit"),
    path(
        "assignments/<id:assignment_id>/cancel/",
        views.assignment_cancel_view,
        name="assignment-cancel",
    ),
]
