"""A second URL configuration for tests/test_urltag.py: the same name, another path."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("elsewhere/", lambda request: HttpResponse("ok"), name="home")]
