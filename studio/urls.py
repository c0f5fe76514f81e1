from django.urls import path

from studio import views
from studio.urls_preview import urlpatterns as preview_patterns
from studio.urls_questions import urlpatterns as question_patterns
from studio.urls_stats import urlpatterns as stats_patterns
from studio.urls_toolkit import urlpatterns as toolkit_patterns

app_name = "studio"

urlpatterns = [
    path("", views.index, name="index"),
    path("series/new/", views.series_new, name="series-new"),
    path("series/<slug:series_slug>/", views.series_detail, name="series-detail"),
    path("series/<slug:series_slug>/edit/", views.series_edit, name="series-edit"),
    path("series/<slug:series_slug>/status/", views.series_status, name="series-status"),
    path("series/<slug:series_slug>/modules/new/", views.module_new, name="module-new"),
    path(
        "series/<slug:series_slug>/modules/order/",
        views.modules_reorder,
        name="modules-reorder",
    ),
    path("modules/<int:module_id>/edit/", views.module_edit, name="module-edit"),
    path("modules/<int:module_id>/move/", views.module_move, name="module-move"),
    path("modules/<int:module_id>/delete/", views.module_delete, name="module-delete"),
    path("modules/<int:module_id>/components/new/", views.component_new, name="component-new"),
    path(
        "modules/<int:module_id>/components/order/",
        views.components_reorder,
        name="components-reorder",
    ),
    path("components/<int:component_id>/edit/", views.component_edit, name="component-edit"),
    path("components/<int:component_id>/move/", views.component_move, name="component-move"),
    path("components/<int:component_id>/delete/", views.component_delete, name="component-delete"),
    *question_patterns,
    *preview_patterns,
    *stats_patterns,
    *toolkit_patterns,
]
