from django.urls import path

from certificates.views import credentials

app_name = "certificates"

urlpatterns = [
    path("<str:code>/credential.jwt", credentials.credential, name="credential"),
]
