"""The learner's transcript, at the site's root (``/transcript/``, ``.pdf``, ``.csv``)."""

from django.urls import path

from certificates.views import transcripts

app_name = "transcript"

urlpatterns = [
    path("transcript/", transcripts.page, name="page"),
    path("transcript.pdf", transcripts.pdf, name="pdf"),
    path("transcript.csv", transcripts.csv, name="csv"),
]
