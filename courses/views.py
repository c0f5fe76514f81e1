import math

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.middleware import NAV_AUTHOR_KEY
from accounts.middleware import SESSION_KEY as AGENCY_ZONE_KEY
from accounts.selectors import belongs_to_an_agency, user_for_calendar_token
from courses import quiz_views, quizzes, selectors, services
from courses.calendar import learner_calendar
from courses.forms import CatalogSearchForm
from courses.media import captions_response, video_response
from courses.models import Component, Series
from courses.selectors import ModuleState, Outline
from lms.jsonbody import JsonBodyRefused, parse_json_body


def _get_series_for_user(request: AuthenticatedHttpRequest, series_slug: str) -> Series:
    """The series if the user may see it; 404 otherwise (drafts are nobody's business yet)."""
    return get_object_or_404(selectors.series_visible_to(user=request.user), slug=series_slug)


def _load_component(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> tuple[Series, Outline, ModuleState, Component]:
    """The component and the learner's view of its series; 404 for anything out of reach."""
    series = _get_series_for_user(request, series_slug)
    outline = selectors.series_outline(user=request.user, series=series)
    state = selectors.module_state_or_404(outline=outline, module_slug=module_slug)
    return (
        series,
        outline,
        state,
        selectors.component_or_404(state=state, component_slug=component_slug),
    )


def _gate(
    request: AuthenticatedHttpRequest, outline: Outline, state: ModuleState
) -> HttpResponse | None:
    """Send the learner where they must go before a module's content: enrol, prerequisites,
    content advisory. None when the way is clear."""
    series_url = outline.series.get_absolute_url()
    if outline.enrollment is None:
        messages.info(request, gettext("Enroll in this series to start its modules."))
        return redirect(series_url)
    if state.locked:
        names = ", ".join(f"“{m.title}”" for m in state.missing_prerequisites)
        messages.warning(
            request,
            gettext("This module builds on %(names)s. Complete that first.") % {"names": names},
        )
        return redirect(series_url)
    if state.needs_advisory:
        return redirect(
            "courses:module-advisory",
            series_slug=outline.series.slug,
            module_slug=state.module.slug,
        )
    return None


@login_not_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "courses/welcome.html")
    enrollments = selectors.enrollments_for_home(user=request.user)
    return render(
        request,
        "courses/home.html",
        {
            "enrollments": enrollments,
            "today": timezone.localdate(),
            "without_agency": _without_agency(request),
        },
    )


def _without_agency(request: HttpRequest) -> str | None:
    """For a learner in no agency, the email domain no agency has registered (what the home
    page's next steps name); None otherwise. Sign-in remembers a member's agency time zone in
    the session, so a member's page costs no query for this."""
    user = request.user
    if (
        request.session.get(AGENCY_ZONE_KEY)
        or user.is_staff
        or request.session.get(NAV_AUTHOR_KEY)
        or belongs_to_an_agency(user)  # type: ignore[arg-type]
    ):
        return None
    return user.email.rpartition("@")[2]  # type: ignore[union-attr]


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The learner's private calendar feed. Calendar apps fetch it with no session: the
    unguessable token in the URL is the key; a reset or stopped link, or any other token, is
    404 (the same answer, so a token cannot be probed)."""
    user = user_for_calendar_token(token)
    if user is None:
        raise Http404("No such calendar.")
    body = learner_calendar(
        user=user,
        absolute=request.build_absolute_uri,
        domain=request.get_host().rsplit(":", 1)[0],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="training-due-dates.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def catalogue(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CatalogSearchForm(request.GET or None)
    # A refused search (too long, a null character) says why and shows the whole catalog.
    query = form.cleaned_data["q"] if form.is_valid() else ""
    series_list = selectors.series_catalogue(user=request.user, query=query)
    return render(
        request,
        "courses/catalogue.html",
        {"series_list": series_list, "form": form, "query": query},
    )


@require_GET
def series_detail(request: AuthenticatedHttpRequest, series_slug: str) -> HttpResponse:
    series = _get_series_for_user(request, series_slug)
    outline = selectors.series_outline(user=request.user, series=series)
    return render(
        request,
        "courses/series_detail.html",
        {"series": series, "outline": outline, "next_component": outline.next_component()},
    )


@require_POST
def series_enrol(request: AuthenticatedHttpRequest, series_slug: str) -> HttpResponse:
    series = _get_series_for_user(request, series_slug)
    try:
        services.enrollment_create(user=request.user, series=series)
    except services.ProgressRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, gettext("You are enrolled in “%(title)s”.") % {"title": series.title}
        )
    return redirect(series)


@require_GET
def series_resume(request: AuthenticatedHttpRequest, series_slug: str) -> HttpResponse:
    series = _get_series_for_user(request, series_slug)
    outline = selectors.series_outline(user=request.user, series=series)
    component = outline.next_component() if outline.enrollment else None
    if component is None:
        return redirect(series)
    return redirect(component.get_absolute_url())


@require_GET
def module_detail(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str
) -> HttpResponse:
    series = _get_series_for_user(request, series_slug)
    outline = selectors.series_outline(user=request.user, series=series)
    state = selectors.module_state_or_404(outline=outline, module_slug=module_slug)
    return render(
        request,
        "courses/module_detail.html",
        {"series": series, "outline": outline, "state": state},
    )


@require_http_methods(["GET", "POST"])
def module_advisory(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str
) -> HttpResponse:
    series = _get_series_for_user(request, series_slug)
    outline = selectors.series_outline(user=request.user, series=series)
    state = selectors.module_state_or_404(outline=outline, module_slug=module_slug)
    if not state.module.content_advisory:
        return redirect(state.module)
    if request.method == "POST":
        services.advisory_acknowledge(user=request.user, module=state.module)
        target = outline.next_in_module(state)
        if outline.enrollment is not None and target is not None and not state.locked:
            return redirect(target.get_absolute_url())
        return redirect(state.module)
    return render(
        request,
        "courses/module_advisory.html",
        {"series": series, "outline": outline, "state": state},
    )


@require_GET
def component_detail(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponse:
    series, outline, state, component = _load_component(
        request, series_slug, module_slug, component_slug
    )
    if (gate := _gate(request, outline, state)) is not None:
        return gate
    progress = services.progress_start(user=request.user, component=component)
    return _render_component(request, series, outline, state, component, progress)


def _render_component(
    request: AuthenticatedHttpRequest,
    series: Series,
    outline: Outline,
    state: ModuleState,
    component: Component,
    progress,
    *,
    extra: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    outline.progress[component.pk] = progress
    siblings = [c for s in outline.modules if not s.locked for c in s.components]
    index = next(i for i, c in enumerate(siblings) if c.pk == component.pk)
    context = {
        "series": series,
        "outline": outline,
        "state": state,
        "component": component,
        "progress": progress,
        "previous_component": siblings[index - 1] if index > 0 else None,
        "next_component": siblings[index + 1] if index + 1 < len(siblings) else None,
    }
    extra = extra or {}
    if component.kind == Component.Kind.QUIZ:
        context.update(
            quiz_views.quiz_context(
                enrollment=outline.enrollment,
                component=component,
                picked=extra.get("picked"),
                errors=extra.get("errors"),
            )
        )
    elif component.kind == Component.Kind.SURVEY:
        context.update(
            quiz_views.survey_context(
                component=component, given=extra.get("given"), errors=extra.get("errors")
            )
        )
    elif component.kind == Component.Kind.CERTIFICATE:
        context.update(_certificate_context(outline))
    context["refusal"] = extra.get("refusal", "")
    return render(
        request,
        [f"courses/components/{component.kind}.html", "courses/components/unavailable.html"],
        context,
        status=status,
    )


def _certificate_context(outline: Outline) -> dict:
    """The certificate of the learner's current cycle once issued (the template names what is
    left before then). It is reached through the enrollment's reverse one-to-one
    (``certificate``): ``courses`` sits below the ``certificates`` app and does not import it."""
    enrollment = outline.enrollment
    completed = enrollment is not None and enrollment.completed_at is not None
    return {"certificate": getattr(enrollment, "certificate", None) if completed else None}


def _answers_refused(
    request: AuthenticatedHttpRequest,
    series: Series,
    outline: Outline,
    state: ModuleState,
    component: Component,
    refusal: quizzes.AnswerRefused,
    **given,
) -> HttpResponse:
    """The quiz or survey again, as the learner filled it in, with a word at each question.

    A refusal records nothing: the progress shown is the one read with the outline (the page's
    own visit already started it), not started again."""
    return _render_component(
        request,
        series,
        outline,
        state,
        component,
        outline.progress.get(component.pk),
        extra={"errors": refusal.errors, "refusal": str(refusal), **given},
        status=400,
    )


@require_POST
def quiz_start(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponse:
    _, outline, state, component = _load_component(
        request, series_slug, module_slug, component_slug
    )
    if (gate := _gate(request, outline, state)) is not None:
        return gate
    try:
        quizzes.quiz_attempt_start(user=request.user, component=component)
    except services.ProgressRefused as refusal:
        messages.warning(request, str(refusal))
    return redirect(component.get_absolute_url())


@require_POST
def quiz_submit(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponse:
    """Score the open attempt; unanswered or invalid answers send the form back, as filled in."""
    series, outline, state, component = _load_component(
        request, series_slug, module_slug, component_slug
    )
    if (gate := _gate(request, outline, state)) is not None:
        return gate
    answers = quiz_views.answers_from(request.POST)
    try:
        attempt = quizzes.quiz_attempt_submit(
            user=request.user,
            attempt_id=quiz_views.int_or_zero(request.POST.get("attempt")),
            answers=answers,
        )
    except quizzes.AnswerRefused as refusal:
        return _answers_refused(request, series, outline, state, component, refusal, picked=answers)
    except services.ProgressRefused as refusal:
        messages.warning(request, str(refusal))
        return redirect(component.get_absolute_url())
    if attempt.passed:
        messages.success(
            request, gettext("You passed with %(score)s%%.") % {"score": attempt.score}
        )
    else:
        messages.info(
            request,
            gettext(
                "You scored %(score)s%%; the pass mark is %(mark)s%%. "
                "The answers to look at again are marked below."
            )
            % {"score": attempt.score, "mark": component.pass_mark},
        )
    return redirect(component.get_absolute_url() + "#results")


@require_POST
def survey_submit(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponse:
    series, outline, state, component = _load_component(
        request, series_slug, module_slug, component_slug
    )
    if (gate := _gate(request, outline, state)) is not None:
        return gate
    answers = quiz_views.survey_answers_from(request.POST, component=component)
    try:
        quizzes.survey_submit(user=request.user, component=component, answers=answers)
    except quizzes.AnswerRefused as refusal:
        return _answers_refused(request, series, outline, state, component, refusal, given=answers)
    except services.ProgressRefused as refusal:
        messages.warning(request, str(refusal))
        return redirect(component.get_absolute_url())
    messages.success(request, gettext("Thank you: your answers are recorded."))
    return redirect(component.get_absolute_url())


def _parse_progress_payload(request: AuthenticatedHttpRequest) -> tuple[list, float | None]:
    if request.content_type == "application/json":
        try:
            payload = parse_json_body(request, empty={})
        except JsonBodyRefused as exc:
            raise ValueError(str(exc)) from exc
    else:
        payload = request.POST.dict()
    if not isinstance(payload, dict):
        raise ValueError(gettext("The progress report must be an object."))
    ranges = payload.get("watched", [])
    if not isinstance(ranges, list) or len(ranges) > 500:
        raise ValueError(gettext("“watched” must be a list of at most 500 [start, end] pairs."))
    clean = []
    for pair in ranges:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in pair)
        ):
            raise ValueError(gettext("“watched” must be a list of [start, end] pairs of numbers."))
        clean.append(pair)
    position = payload.get("position")
    if isinstance(position, bool):
        raise ValueError(gettext("“position” must be a number of seconds."))
    if position is not None:
        try:
            position = float(position)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueError(gettext("“position” must be a number of seconds.")) from exc
        if not math.isfinite(position):
            raise ValueError(gettext("“position” must be a number of seconds."))
    return clean, position


@require_POST
def component_progress(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponse:
    """Record progress: a video player's heartbeat (JSON) or a document's “I have read this”."""
    if request.content_type == "application/json":
        # The hot path: most heartbeats are a read and an UPDATE (services.progress_heartbeat);
        # anything else it declines, having written nothing, and goes the full way below.
        try:
            ranges, position = _parse_progress_payload(request)
        except ValueError:
            pass  # the full path answers a bad report, after its 404s
        else:
            beat = services.progress_heartbeat(
                user=request.user,
                series_slug=series_slug,
                module_slug=module_slug,
                component_slug=component_slug,
                watched_ranges=ranges,
                position=position,
            )
            if beat is not None:
                return JsonResponse(
                    {
                        "state": beat.state,
                        "percent": beat.percent,
                        "completed": beat.completed,
                        "module_completed": False,
                        "series_completed": False,
                        "series_percent": beat.series_percent,
                    }
                )
    # One query on this hot path: the component with its series, then the visibility rule.
    component = get_object_or_404(
        Component.objects.live().select_related("module__series"),
        module__series__slug=series_slug,
        module__slug=module_slug,
        slug=component_slug,
    )
    series = component.module.series
    if series.status == Series.Status.DRAFT or (
        series.status == Series.Status.ARCHIVED
        and not series.enrollments.filter(user=request.user).exists()
    ):
        raise Http404("No such series.")
    wants_json = request.content_type == "application/json"
    try:
        ranges, position = _parse_progress_payload(request)
        result = services.progress_record(
            user=request.user, component=component, watched_ranges=ranges, position=position
        )
    except (ValueError, services.ProgressRefused) as error:
        if wants_json:
            return JsonResponse({"error": str(error)}, status=400)
        messages.error(request, str(error))
        return redirect(component.get_absolute_url())
    if wants_json:
        return JsonResponse(
            {
                "state": result.progress.state,
                "percent": result.progress.percent,
                "completed": result.progress.is_complete,
                "module_completed": result.module_completed,
                "series_completed": result.series_completed,
                "series_percent": result.enrollment.percent_complete,
            }
        )
    _announce(request, result, series=series, component=component)
    return redirect(reverse("courses:series-resume", kwargs={"series_slug": series.slug}))


def _announce(
    request: AuthenticatedHttpRequest,
    result: services.ProgressResult,
    *,
    series: Series,
    component: Component,
) -> None:
    """Tell the learner what they just completed, the biggest step first."""
    if result.series_completed:
        messages.success(
            request, gettext("You have completed “%(title)s”. Well done.") % {"title": series.title}
        )
    elif result.module_completed:
        messages.success(
            request, gettext("Module complete: “%(title)s”.") % {"title": component.module.title}
        )
    elif result.component_completed:
        messages.success(
            request, gettext("Marked as complete: “%(title)s”.") % {"title": component.title}
        )


@require_GET
def component_open(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponse:
    """The tracked link to a toolkit resource: opening it completes the component."""
    series, outline, state, component = _load_component(
        request, series_slug, module_slug, component_slug
    )
    if component.kind != Component.Kind.RESOURCE:
        raise Http404("This component has no link to open.")
    if (gate := _gate(request, outline, state)) is not None:
        return gate
    result = services.progress_record(user=request.user, component=component)
    _announce(request, result, series=series, component=component)
    # Only ever the stored URL of the resource: never a destination taken from the request.
    assert component.resource is not None  # the model's constraint for a resource component
    return HttpResponseRedirect(component.resource.url)


def _video_for_learner(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> Component:
    """The video if the learner may watch it (enrolled in its series); 404 otherwise."""
    series = _get_series_for_user(request, series_slug)
    component = get_object_or_404(
        Component.objects.unarchived().select_related("module__series"),
        module__series=series,
        module__slug=module_slug,
        slug=component_slug,
        kind=Component.Kind.VIDEO,
    )
    if not series.enrollments.filter(user=request.user).exists():
        raise Http404("Enroll to watch this video.")
    return component


@require_GET
def component_media(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponseBase:
    """Stream a video to a learner enrolled in its series; media is never public."""
    component = _video_for_learner(request, series_slug, module_slug, component_slug)
    return video_response(request, component)


@require_GET
def component_captions(
    request: AuthenticatedHttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponseBase:
    """A video's captions, to whoever may watch the video (and nobody else)."""
    component = _video_for_learner(request, series_slug, module_slug, component_slug)
    return captions_response(component)
