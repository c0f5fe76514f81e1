"""Studio URLs for “Preview as learner”: the learner's pages of any series, recording nothing."""

from django.urls import path

from studio import views_preview

urlpatterns = [
    path("preview/<slug:series_slug>/", views_preview.preview_series, name="preview-series"),
    path(
        "preview/<slug:series_slug>/<slug:module_slug>/",
        views_preview.preview_module,
        name="preview-module",
    ),
    path(
        "preview/<slug:series_slug>/<slug:module_slug>/<slug:component_slug>/",
        views_preview.preview_component,
        name="preview-component",
    ),
    path(
        "preview/<slug:series_slug>/<slug:module_slug>/<slug:component_slug>/media/",
        views_preview.preview_media,
        name="preview-media",
    ),
]
