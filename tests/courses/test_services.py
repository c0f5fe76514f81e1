from datetime import timedelta

import pytest
from django.utils import timezone

from courses import services
from courses.models import Component, Enrollment, ModuleCompletion, Progress, Series
from tests import factories


def _components(series):
    return {c.slug: c for c in Component.objects.filter(module__series=series)}


def _complete_video(user, component, *, at):
    services.progress_start(user=user, component=component, now=at)
    later = at + timedelta(seconds=component.duration_seconds)
    return services.progress_record(
        user=user, component=component, watched_ranges=[[0, component.duration_seconds]], now=later
    )


def test_enrol_is_idempotent(learner, series):
    """Enrolling twice returns the same open cycle."""
    first = services.enrollment_create(user=learner, series=series)
    second = services.enrollment_create(user=learner, series=series)
    assert first.pk == second.pk
    assert Enrollment.objects.filter(user=learner, series=series).count() == 1


def test_cannot_enrol_in_a_draft_series(learner, series):
    """Drafts are closed to enrolment."""
    series.status = Series.Status.DRAFT
    series.save()
    with pytest.raises(services.ProgressRefused):
        services.enrollment_create(user=learner, series=series)


def test_progress_needs_an_enrollment(learner, series):
    """No enrollment, no progress."""
    component = _components(series)["reading"]
    with pytest.raises(services.ProgressRefused):
        services.progress_record(user=learner, component=component)
    assert not Progress.objects.exists()


def test_document_completes_once_and_repeats_change_nothing(learner, series):
    """“I have read this” completes; a repeat keeps the first completion time."""
    services.enrollment_create(user=learner, series=series)
    component = _components(series)["reading"]
    first = services.progress_record(user=learner, component=component)
    assert first.component_completed
    again = services.progress_record(user=learner, component=component)
    assert not again.component_completed
    progress = Progress.objects.get()
    assert progress.completed_at == first.progress.completed_at
    assert progress.percent == 100


def test_video_seeking_to_the_end_does_not_complete(learner, series):
    """Claiming every second at once is credited only as fast as the clock allows."""
    services.enrollment_create(user=learner, series=series)
    video = _components(series)["intro-video"]
    now = timezone.now()
    services.progress_start(user=learner, component=video, now=now)
    result = services.progress_record(
        user=learner, component=video, watched_ranges=[[0, 100]], now=now + timedelta(seconds=1)
    )
    assert not result.progress.is_complete
    assert result.progress.percent == 12  # 2 × 1 s + 10 s slack


def test_video_only_the_end_counts_as_the_end(learner, series):
    """Watching only the last seconds leaves the video incomplete however long it took."""
    services.enrollment_create(user=learner, series=series)
    video = _components(series)["intro-video"]
    now = timezone.now()
    services.progress_start(user=learner, component=video, now=now)
    result = services.progress_record(
        user=learner, component=video, watched_ranges=[[95, 100]], now=now + timedelta(hours=1)
    )
    assert result.progress.percent == 5
    assert not result.progress.is_complete


def test_video_completes_at_the_threshold_of_distinct_seconds(learner, series):
    """Ninety distinct seconds of a hundred complete it; rewatching adds nothing."""
    services.enrollment_create(user=learner, series=series)
    video = _components(series)["intro-video"]
    now = timezone.now()
    services.progress_start(user=learner, component=video, now=now)
    for second in range(0, 80, 10):
        services.progress_record(
            user=learner,
            component=video,
            watched_ranges=[[second, second + 10]],
            now=now + timedelta(seconds=second + 10),
        )
    replay = services.progress_record(
        user=learner, component=video, watched_ranges=[[0, 80]], now=now + timedelta(seconds=200)
    )
    assert replay.progress.percent == 80
    assert not replay.progress.is_complete
    done = services.progress_record(
        user=learner,
        component=video,
        watched_ranges=[[80, 90]],
        position=90,
        now=now + timedelta(seconds=210),
    )
    assert done.component_completed
    assert done.progress.percent == 90
    assert done.progress.position_seconds == 90


def test_video_threshold_comes_from_the_component(learner, series):
    """A component's own threshold overrides the site default."""
    services.enrollment_create(user=learner, series=series)
    video = _components(series)["intro-video"]
    video.completion_threshold = 50
    video.save()
    result = _complete_video(learner, video, at=timezone.now())
    assert result.progress.is_complete
    partial = factories.video(video.module, slug="second-video", position=5, duration=100)
    partial.completion_threshold = 50
    partial.save()
    now = timezone.now()
    services.progress_start(user=learner, component=partial, now=now)
    halfway = services.progress_record(
        user=learner, component=partial, watched_ranges=[[0, 50]], now=now + timedelta(minutes=1)
    )
    assert halfway.component_completed


def test_resume_position_is_clamped_to_the_video(learner, series):
    """A resume position outside the video is clamped into it."""
    services.enrollment_create(user=learner, series=series)
    video = _components(series)["intro-video"]
    result = services.progress_record(user=learner, component=video, position=5000)
    assert result.progress.position_seconds == 100
    result = services.progress_record(user=learner, component=video, position=-4)
    assert result.progress.position_seconds == 0


def test_locked_module_refuses_progress(learner, series):
    """A module whose prerequisite is incomplete records nothing."""
    services.enrollment_create(user=learner, series=series)
    with pytest.raises(services.ProgressRefused):
        services.progress_record(user=learner, component=_components(series)["checklist"])
    assert not Progress.objects.exists()


def test_module_and_series_completion_follow(learner, series):
    """Completing every required component completes each module, then the series."""
    enrollment = services.enrollment_create(user=learner, series=series)
    parts = _components(series)
    _complete_video(learner, parts["intro-video"], at=timezone.now())
    reading = services.progress_record(user=learner, component=parts["reading"])
    assert reading.module_completed and not reading.series_completed
    enrollment.refresh_from_db()
    assert enrollment.percent_complete == 50
    services.progress_record(user=learner, component=parts["checklist"])
    last = services.progress_record(user=learner, component=parts["support"])
    assert last.series_completed
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None
    assert enrollment.percent_complete == 100
    assert enrollment.components_completed == 4
    assert ModuleCompletion.objects.filter(enrollment=enrollment).count() == 2


def test_optional_components_do_not_hold_back_completion(learner, series):
    """Only required components count."""
    enrollment = services.enrollment_create(user=learner, series=series)
    parts = _components(series)
    Component.objects.filter(pk=parts["intro-video"].pk).update(required=False)
    services.progress_record(user=learner, component=parts["reading"])
    enrollment.refresh_from_db()
    assert enrollment.percent_complete == 33
    assert ModuleCompletion.objects.filter(module=parts["reading"].module).exists()


def test_new_required_component_never_undoes_an_earned_completion(learner, series):
    """Content added after completion leaves the completion on record."""
    enrollment = services.enrollment_create(user=learner, series=series)
    parts = _components(series)
    _complete_video(learner, parts["intro-video"], at=timezone.now())
    for slug in ("reading", "checklist", "support"):
        services.progress_record(user=learner, component=parts[slug])
    enrollment.refresh_from_db()
    completed_at = enrollment.completed_at

    extra = factories.ComponentFactory(module=parts["reading"].module, slug="new", position=9)
    result = services.progress_record(user=learner, component=extra)
    enrollment.refresh_from_db()
    assert enrollment.completed_at == completed_at
    assert enrollment.percent_complete == 100
    assert not result.series_completed


def test_new_required_component_is_needed_by_learners_still_working(learner, other_learner, series):
    """A learner part-way through needs the new component: the module's completion stays on
    record, but the modules building on it stay locked until the new component is done."""
    parts = _components(series)
    services.enrollment_create(user=learner, series=series)
    _complete_video(learner, parts["intro-video"], at=timezone.now())
    services.progress_record(user=learner, component=parts["reading"])
    added = factories.ComponentFactory(module=parts["reading"].module, slug="added", position=9)
    with pytest.raises(services.ProgressRefused, match="builds on"):
        services.progress_record(user=learner, component=parts["checklist"])
    services.progress_record(user=learner, component=added)
    services.progress_record(user=learner, component=parts["checklist"])
    enrollment = Enrollment.objects.get(user=learner)
    assert enrollment.percent_complete == 80  # 4 of 5 required
    assert ModuleCompletion.objects.filter(
        enrollment=enrollment, module=parts["reading"].module
    ).exists()


def test_progress_start_keeps_a_completed_component_completed(learner, series):
    """Opening a completed component again does not reopen it."""
    services.enrollment_create(user=learner, series=series)
    reading = _components(series)["reading"]
    services.progress_record(user=learner, component=reading)
    progress = services.progress_start(user=learner, component=reading)
    assert progress.is_complete


def test_activity_times_are_recorded(learner, series):
    """The first activity sets started_at; every activity moves last_activity_at."""
    enrollment = services.enrollment_create(user=learner, series=series)
    reading = _components(series)["reading"]
    earlier = timezone.now() - timedelta(days=2)
    services.progress_start(user=learner, component=reading, now=earlier)
    services.progress_record(user=learner, component=reading)
    enrollment.refresh_from_db()
    assert enrollment.started_at == earlier
    assert enrollment.last_activity_at > earlier


def test_quiz_kind_is_not_recorded_through_the_generic_service(learner, series):
    """Kinds with their own pages refuse generic progress."""
    services.enrollment_create(user=learner, series=series)
    module = _components(series)["reading"].module
    quiz = factories.ComponentFactory(
        module=module, slug="quiz", kind=Component.Kind.QUIZ, position=7, pass_mark=80
    )
    with pytest.raises(services.ProgressRefused):
        services.progress_record(user=learner, component=quiz)


def test_advisory_acknowledgement_is_idempotent(learner, series):
    """Acknowledging twice keeps one row."""
    module = series.modules.first()
    first = services.advisory_acknowledge(user=learner, module=module)
    second = services.advisory_acknowledge(user=learner, module=module)
    assert first.pk == second.pk


def test_progress_times_follow_the_moment_given(learner, series):
    """A component opened and finished in the past records those moments, in order."""
    services.enrollment_create(user=learner, series=series)
    reading = _components(series)["reading"]
    opened = timezone.now() - timedelta(days=3)
    services.progress_start(user=learner, component=reading, now=opened)
    result = services.progress_record(
        user=learner, component=reading, now=opened + timedelta(minutes=5)
    )
    assert result.progress.started_at == opened
    assert result.progress.completed_at == opened + timedelta(minutes=5)
