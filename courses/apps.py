from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Training series"

    def ready(self) -> None:
        from courses import signals  # noqa: F401
