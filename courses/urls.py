from django.urls import path

from courses import views

app_name = "courses"

component = "<slug:series_slug>/<slug:module_slug>/<slug:component_slug>/"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<slug:series_slug>/", views.series_detail, name="series-detail"),
    path("<slug:series_slug>/enrol/", views.series_enrol, name="series-enrol"),
    path("<slug:series_slug>/resume/", views.series_resume, name="series-resume"),
    path("<slug:series_slug>/<slug:module_slug>/", views.module_detail, name="module-detail"),
    path(
        "<slug:series_slug>/<slug:module_slug>/advisory/",
        views.module_advisory,
        name="module-advisory",
    ),
    path(component, views.component_detail, name="component-detail"),
    path(component + "progress/", views.component_progress, name="component-progress"),
    path(component + "open/", views.component_open, name="component-open"),
    path(component + "media/", views.component_media, name="component-media"),
    path(component + "captions/", views.component_captions, name="component-captions"),
    path(component + "quiz/start/", views.quiz_start, name="quiz-start"),
    path(component + "quiz/submit/", views.quiz_submit, name="quiz-submit"),
    path(component + "survey/", views.survey_submit, name="survey-submit"),
]
