"""Thin tasks of the courses app."""

from celery import shared_task

from courses import assignments, completion


@shared_task(ignore_result=True)
def refresh_series_enrollments(series_id: int) -> int:
    """After an author changed what a series requires: bring every open enrollment's summary
    and module completions up to date. Completed enrollments are left as they are."""
    return completion.enrollments_refresh(series_id=series_id)


@shared_task(ignore_result=True)
def open_refreshers() -> int:
    """The beat's hourly job (its own entry, apart from the reminders): open the refresher cycles
    of recurring assignments that are coming due, in every agency, on the agency's own date."""
    return assignments.refreshers_open_everywhere()
