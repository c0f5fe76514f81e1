"""Studio URLs for the nameless statistics of a component."""

from django.urls import path

from studio import views_stats

urlpatterns = [
    path(
        "components/<int:component_id>/stats/",
        views_stats.component_stats,
        name="component-stats",
    ),
]
