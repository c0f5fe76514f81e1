"""Every studio URL, in groups: content, questions, preview, statistics, toolkit."""

from django.urls import path

from studio.views import components, modules, preview, questions, series, stats, toolkit

app_name = "studio"

content_patterns = [
    path("", series.index, name="index"),
    path("series/new/", series.series_new, name="series-new"),
    path("series/<slug:series_slug>/", series.series_detail, name="series-detail"),
    path("series/<slug:series_slug>/edit/", series.series_edit, name="series-edit"),
    path("series/<slug:series_slug>/status/", series.series_status, name="series-status"),
    path("series/<slug:series_slug>/modules/new/", modules.module_new, name="module-new"),
    path(
        "series/<slug:series_slug>/modules/order/",
        modules.modules_reorder,
        name="modules-reorder",
    ),
    path("modules/<id:module_id>/edit/", modules.module_edit, name="module-edit"),
    path("modules/<id:module_id>/move/", modules.module_move, name="module-move"),
    path("modules/<id:module_id>/delete/", modules.module_delete, name="module-delete"),
    path("modules/<id:module_id>/components/new/", components.component_new, name="component-new"),
    path(
        "modules/<id:module_id>/components/order/",
        components.components_reorder,
        name="components-reorder",
    ),
    path("components/<id:component_id>/edit/", components.component_edit, name="component-edit"),
    path("components/<id:component_id>/move/", components.component_move, name="component-move"),
    path(
        "components/<id:component_id>/delete/",
        components.component_delete,
        name="component-delete",
    ),
]

# The questions of a quiz or survey, their choices and order.
question_patterns = [
    path("components/<id:component_id>/questions/", questions.questions, name="questions"),
    path(
        "components/<id:component_id>/questions/new/",
        questions.question_new,
        name="question-new",
    ),
    path("questions/<id:question_id>/edit/", questions.question_edit, name="question-edit"),
    path("questions/<id:question_id>/delete/", questions.question_delete, name="question-delete"),
    path("questions/<id:question_id>/move/", questions.question_move, name="question-move"),
]

# “Preview as learner”: the learner's pages of any series, recording nothing.
preview_patterns = [
    path("preview/<slug:series_slug>/", preview.preview_series, name="preview-series"),
    path(
        "preview/<slug:series_slug>/<slug:module_slug>/",
        preview.preview_module,
        name="preview-module",
    ),
    path(
        "preview/<slug:series_slug>/<slug:module_slug>/<slug:component_slug>/",
        preview.preview_component,
        name="preview-component",
    ),
    path(
        "preview/<slug:series_slug>/<slug:module_slug>/<slug:component_slug>/media/",
        preview.preview_media,
        name="preview-media",
    ),
    path(
        "preview/<slug:series_slug>/<slug:module_slug>/<slug:component_slug>/captions/",
        preview.preview_captions,
        name="preview-captions",
    ),
]

# The nameless statistics of a component.
stats_patterns = [
    path("components/<id:component_id>/stats/", stats.component_stats, name="component-stats"),
]

# The resource toolkit.
toolkit_patterns = [
    path("toolkit/", toolkit.toolkit, name="toolkit"),
    path("toolkit/new/", toolkit.resource_new, name="resource-new"),
    path("toolkit/<id:resource_id>/edit/", toolkit.resource_edit, name="resource-edit"),
    path("toolkit/<id:resource_id>/retire/", toolkit.resource_retire, name="resource-retire"),
    path("toolkit/<id:resource_id>/restore/", toolkit.resource_restore, name="resource-restore"),
    path("toolkit/<id:resource_id>/check/", toolkit.resource_check, name="resource-check"),
]

urlpatterns = [
    *content_patterns,
    *question_patterns,
    *preview_patterns,
    *stats_patterns,
    *toolkit_patterns,
]
