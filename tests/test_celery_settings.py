from lms.celery import app


def test_tasks_run_in_process_in_tests_even_with_a_broker(settings):
    """The test settings keep Celery eager, so no test leaves messages waiting in Redis."""
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert app.conf.task_always_eager is True
