"""Included at the site root: the paths are /certificates/... as the design names them."""

from django.urls import path

from certificates.views import credentials, documents

app_name = "certificates"

urlpatterns = [
    # The learner's proof documents.
    path("certificates/", documents.certificate_list, name="list"),
    path("certificates/<str:code>.pdf", documents.certificate_pdf, name="pdf"),
    # Public: anyone holding the code (printed on the certificate) may check it.
    path("certificates/verify/<str:code>/", documents.certificate_verify, name="verify"),
    # The verifiable credential (its key set is at the site's root, in lms/urls.py).
    path("certificates/<str:code>/credential.jwt", credentials.credential, name="credential"),
]
