"""Studio URLs of the resource toolkit."""

from django.urls import path

from studio import views_toolkit as views

urlpatterns = [
    path("toolkit/", views.toolkit, name="toolkit"),
    path("toolkit/new/", views.resource_new, name="resource-new"),
    path("toolkit/<int:resource_id>/edit/", views.resource_edit, name="resource-edit"),
    path("toolkit/<int:resource_id>/retire/", views.resource_retire, name="resource-retire"),
    path("toolkit/<int:resource_id>/restore/", views.resource_restore, name="resource-restore"),
    path("toolkit/<int:resource_id>/check/", views.resource_check, name="resource-check"),
]
