import csv
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial, wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import mfa_setup_redirect
from accounts.http import SupervisorHttpRequest
from accounts.models import Agency, Membership, User
from accounts.selectors import agency_join_domains
from accounts.services import MembershipRefused, membership_remove
from courses.assignments import (
    AssignmentRefused,
    assignment_cancel,
    assignment_change,
    assignment_create,
)
from courses.models import (
    Component,
    Enrollment,
    EnrollmentStatus,
    ModuleCompletion,
    Progress,
    QuizAttempt,
    Series,
)
from lms.csvstream import Echo, csv_safe
from lms.db_router import reads_reports, report_db, reports_read
from lms.ids import parse_id
from reminders.models import Reminder
from reminders.planner import reminded_on
from supervision import selectors, services
from supervision.forms import AssignmentChangeForm, AssignmentForm, LearnerFilterForm
from supervision.selectors import Filters

PAGE_SIZE = 50
EXPORT_CHUNK = 1000  # rows fetched from the database, and written to the client, at a time
CSV_COLUMNS = [
    "agency",
    "learner_name",
    "learner_email",
    "series",
    "status",
    "percent_complete",
    "due_on",
    "completed_on",
    "last_activity",
]


def supervisor_required(view: Callable) -> Callable:
    """Supervisors only (403 for everyone else), with MFA turned on when the site requires it.

    Sets ``request.agencies`` (the agencies supervised) and ``request.agency`` (the one chosen
    with ``?agency=<slug>``; a supervisor of one agency never needs to choose).
    """

    @wraps(view)
    def wrapper(request: SupervisorHttpRequest, *args, **kwargs) -> HttpResponse:
        agencies = list(selectors.agencies_for_supervisor(user=request.user))
        if not agencies:
            raise PermissionDenied(_("Only supervisors can open agency pages."))
        why = _("Supervisor pages hold learners' training records")
        if (setup := mfa_setup_redirect(request, why=why)) is not None:
            return setup
        slug = request.GET.get("agency") or request.POST.get("agency")
        request.agencies = agencies
        request.agency = next((a for a in agencies if a.slug == slug), agencies[0])
        return view(request, *args, **kwargs)

    return wrapper


def _filter_form(
    request: SupervisorHttpRequest, *, counts: selectors.TableCounts | None = None
) -> LearnerFilterForm:
    """The table's filters; their series are those the agency's learners are enrolled in
    (``counts``: already counted, so only their titles are read)."""
    if counts is not None:
        series = Series.objects.filter(pk__in=counts.series_ids)
    else:
        series = Series.objects.filter(pk__in=_scoped(request).values("series_id"))
    choices = list(series.order_by("title").values_list("pk", "title"))
    return LearnerFilterForm(request.GET or None, series_choices=choices)


class _CountedPaginator(Paginator):
    """A paginator told its count (``None``: it counts, as Django's does)."""

    def __init__(self, object_list, per_page: int, *, count: int | None) -> None:
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached property


def _query(agency: Agency, filters: Filters, **changes) -> str:
    params = {"agency": agency.slug, **filters.as_dict(), **changes}
    if params.get("sort") == "status":
        params["sort"] = None  # the default order needs no parameter
    params = {k: ("1" if v is True else v) for k, v in params.items() if v not in (None, "", False)}
    return urlencode(params)


def _scoped(request: SupervisorHttpRequest) -> QuerySet[Enrollment]:
    return selectors.enrollments_for_supervisor(supervisor=request.user, agency=request.agency)


@require_GET
@supervisor_required
@reads_reports
def dashboard(request: SupervisorHttpRequest) -> HttpResponse:
    agency = request.agency
    figures = selectors.dashboard(supervisor=request.user, agency=agency)
    return render(
        request,
        "supervision/dashboard.html",
        {
            "agency": agency,
            "agencies": request.agencies,
            "summaries": figures.summaries,
            # Drawn only when its kept fragment (keyed by the weeks' figures) is missing.
            "chart": SimpleLazyObject(partial(_chart, figures.weeks)),
            "weeks": figures.weeks,
            "behind": figures.behind,
            "overdue_total": figures.overdue_total,
            "as_of": figures.as_of,
            "standings": figures.standings,
            # Read only by the empty state (an agency with no enrollment yet).
            "join_domains": SimpleLazyObject(partial(agency_join_domains, agency)),
            # What the kept fragments show, as their cache keys (see the template).
            "fragment_keys": {
                "series": [
                    (s.series.pk, s.series.title, s.total, s.counts) for s in figures.summaries
                ],
                "behind": figures.behind,
            },
            "fragment_seconds": settings.LMS_DASHBOARD_CACHE_SECONDS,
        },
    )


def _chart(weeks: list) -> dict:
    """Geometry of a bar chart drawn as SVG on the server (no script, no library).

    Numbers and dates are formatted here, once: the template's localised filters cost more
    than the rest of the page at this many values.
    """
    width, height, top, bottom, left = 720, 200, 16, 28, 32
    peak = max((n for _, n in weeks), default=0) or 1
    step = (width - left) / max(1, len(weeks))
    bars = []
    # Month names in the page's language, formatted once per month rather than once a bar.
    months: dict[tuple[int, int], tuple[str, str]] = {}

    def names(day: date) -> tuple[str, str]:
        key = (day.year, day.month)
        if key not in months:
            months[key] = (dateformat.format(day, "M Y"), dateformat.format(day, "M y"))
        return months[key]

    def week(day: date) -> str:
        return f"{day.day} {names(day)[0]}"

    def short(day: date) -> str:
        return f"{day.day} {names(day)[1]}"

    for i, (monday, n) in enumerate(weeks):
        bar_height = (height - top - bottom) * n / peak
        bars.append(
            {
                "x": f"{left + i * step + 2:.1f}",
                "y": f"{height - bottom - bar_height:.1f}",
                "width": f"{step - 4:.1f}",
                "height": f"{bar_height:.1f}",
                "title": ngettext(
                    "Week of %(week)s: %(count)s completion",
                    "Week of %(week)s: %(count)s completions",
                    n,
                )
                % {"week": week(monday), "count": n},
                "label": short(monday) if i % 4 == 0 else "",
                "label_x": f"{left + i * step + step / 2:.1f}",
                # Every other label gives way on a phone, where the labels are drawn larger.
                "label_minor": i % 8 == 4,
            }
        )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "peak": peak,
        "axis_y": height - bottom,
        "label_y": height - 8,
        "total": sum(n for _, n in weeks),
        "left": left,
    }


@require_GET
@supervisor_required
@reads_reports
def learners(request: SupervisorHttpRequest) -> HttpResponse:
    agency = request.agency
    counts = selectors.table_counts(_scoped(request))
    form = _filter_form(request, counts=counts)
    filters = form.filters()
    if request.GET.get("show") == "unenrolled":
        # Learners enrolled in nothing have no row in the table: they are listed on their own.
        people = Paginator(
            selectors.learners_without_enrollment(supervisor=request.user, agency=agency).order_by(
                "full_name", "email"
            ),
            PAGE_SIZE,
        ).get_page(request.GET.get("page"))
        return render(
            request,
            "supervision/unenrolled.html",
            {"agency": agency, "agencies": request.agencies, "people": people},
        )
    rows = selectors.filter_enrollments(_scoped(request), filters, agency=agency).select_related(
        "user", "series"
    )
    by_status = counts.by_status(filters) if filters.sort == "status" else None
    if by_status is not None:
        pages = selectors.StatusPages(
            rows, by_status, today=agency.today(), descending=filters.descending
        )
        # StatusPages has what a Paginator uses of a query set: count() and slices.
        paginator: Paginator = Paginator(pages, PAGE_SIZE)  # type: ignore[arg-type]
        page = paginator.get_page(request.GET.get("page"))
    else:
        page = _CountedPaginator(rows, PAGE_SIZE, count=counts.matching(filters)).get_page(
            request.GET.get("page")
        )
    columns = [
        ("name", _("Name")),
        ("email", _("Email")),
        ("series", _("Series")),
        ("status", _("Status")),
        ("percent", _("Progress")),
        ("due", _("Due")),
        ("completed", _("Completed")),
        ("activity", _("Last activity")),
    ]
    headers = [
        {
            "key": key,
            "label": label,
            "active": filters.sort == key,
            "descending": filters.sort == key and filters.descending,
            # A click sorts by the column; a second click on it reverses the order.
            "query": _query(
                agency,
                filters,
                sort=f"-{key}" if filters.sort == key and not filters.descending else key,
                page=None,
            ),
        }
        for key, label in columns
    ]
    return render(
        request,
        "supervision/learners.html",
        {
            "agency": agency,
            "agencies": request.agencies,
            "form": form,
            "page": page,
            "headers": headers,
            "query": _query(agency, filters),
            "status_labels": dict(EnrollmentStatus.choices),
            "today": agency.today(),
            "filtered": bool(filters.series or filters.status or filters.overdue or filters.q),
            # Read only by the empty state (an agency with no enrollment yet).
            "join_domains": SimpleLazyObject(partial(agency_join_domains, agency)),
        },
    )


def learner_for_page(
    request: SupervisorHttpRequest, learner_id: int, *, viewed: str = ""
) -> tuple[User, Agency]:
    """The learner (404 unless they learn in one of the supervisor's agencies) and the agency
    the page is about: the chosen one when they learn there, else their first. ``viewed``
    names a page that shows the learner's record: opening it is audited (``record.viewed``),
    and so is a refused attempt."""
    try:
        learner, agencies = selectors.learner_for_supervisor(
            supervisor=request.user, learner_id=learner_id
        )
    except Http404:
        if viewed:
            services.record_viewed(
                supervisor=request.user,
                agency=request.agency,
                page=viewed,
                request=request,
                learner_id=learner_id,
            )
        raise
    agency = request.agency if request.agency in agencies else agencies[0]
    if viewed:
        services.record_viewed(
            supervisor=request.user, agency=agency, page=viewed, request=request, learner=learner
        )
    return learner, agency


def _learner_cycles(learner: User, agency: Agency) -> list[dict]:
    """The learner's record on the drill-down: each enrollment cycle, its modules and
    components with the learner's progress and quiz scores."""
    enrollments = list(
        Enrollment.objects.filter(user=learner)
        .select_related("series")
        .order_by("series__title", "-cycle")
    )
    components = list(
        Component.objects.filter(module__series__in={e.series_id for e in enrollments})
        .select_related("module")
        .order_by("module__series_id", "module__position", "position")
    )
    progress = {
        (p.enrollment_id, p.component_id): p
        for p in Progress.objects.filter(enrollment__in=enrollments)
    }
    module_done = {
        (m.enrollment_id, m.module_id): m.completed_at
        for m in ModuleCompletion.objects.filter(enrollment__in=enrollments)
    }
    scores: dict[tuple[int, int], list[QuizAttempt]] = {}
    for attempt in QuizAttempt.objects.filter(
        enrollment__in=enrollments, submitted_at__isnull=False
    ).order_by("number"):
        scores.setdefault((attempt.enrollment_id, attempt.component_id), []).append(attempt)
    today = agency.today()
    cycles = []
    for enrollment in enrollments:
        modules: dict[int, dict] = {}
        for component in components:
            if component.module.series_id != enrollment.series_id:
                continue
            key = (enrollment.pk, component.pk)
            # Content an author removed shows only where this learner has a record in it.
            removed = component.archived_at or component.module.archived_at
            if removed and key not in progress:
                continue
            entry = modules.setdefault(
                component.module_id,
                {
                    "module": component.module,
                    "completed_at": module_done.get((enrollment.pk, component.module_id)),
                    "components": [],
                },
            )
            entry["components"].append(
                {
                    "component": component,
                    "progress": progress.get(key),
                    "attempts": scores.get(key, []),
                    "removed": bool(removed),
                }
            )
        status = selectors.status_of(enrollment, today)
        cycles.append(
            {
                "enrollment": enrollment,
                "status": status,
                "status_label": status.label,
                "modules": list(modules.values()),
            }
        )
    return cycles


@require_GET
@supervisor_required
def learner_detail(request: SupervisorHttpRequest, learner_id: int) -> HttpResponse:
    learner, agency = learner_for_page(request, learner_id, viewed="detail")
    # The record's figures may come from the replica; the access check above and the emails
    # below read the primary (a nudge just sent shows on the page it redirects to).
    with reports_read():
        cycles = _learner_cycles(learner, agency)
    today = agency.today()
    back = _back_query(request, agency)
    emails = list(
        Reminder.objects.filter(recipient=learner, enrollment__isnull=False)
        .select_related("enrollment__series", "sent_by")
        .order_by("-created_at")[:20]
    )
    # One reminder email a day at most: a nudge or an automatic reminder today uses it up.
    reminded_today = reminded_on(agency, today).filter(recipient=learner).exists()
    # Nobody is reminded about training they finished: no button without an open enrollment.
    open_enrollment = any(cycle["enrollment"].completed_at is None for cycle in cycles)
    return render(
        request,
        "supervision/learner_detail.html",
        {
            "agency": agency,
            "agencies": request.agencies,
            "learner": learner,
            "cycles": cycles,
            "reminded_today": reminded_today,
            "open_enrollment": open_enrollment,
            "back": back,
            "emails": emails,
            "zone": agency.timezone,
        },
    )


@require_GET
@supervisor_required
@reads_reports
def export_csv(request: SupervisorHttpRequest) -> StreamingHttpResponse:
    """Every row of the current filters, streamed: memory stays flat however many learners.

    One row per learner and series enrolled; then each learner of the agency enrolled in
    nothing, once, with an empty series and status not_started (README), by name.
    """
    agency = request.agency
    filters = _filter_form(request).filters()
    rows = selectors.filter_enrollments(_scoped(request), filters, agency=agency).values_list(
        "user__full_name",
        "user__email",
        "series__title",
        "status",
        "percent_complete",
        "due_on",
        "completed_at",
        "last_activity_at",
    )
    unenrolled = selectors.learners_without_enrollment_matching(
        supervisor=request.user, agency=agency, filters=filters
    ).values_list("full_name", "email")
    # The rows are read while the response streams, after the view (and reports_read) ended.
    rows, unenrolled = rows.using(report_db()), unenrolled.using(report_db())
    log = services.export_started(
        supervisor=request.user,
        agency=agency,
        filters=filters.as_dict(),
        file="learners",
        request=request,
    )
    tz = selectors.agency_zone(agency)
    writer = csv.writer(Echo())

    def stream() -> Iterator[str]:
        count = 0
        try:
            yield writer.writerow(CSV_COLUMNS)
            agency_name = csv_safe(agency.name)
            block: list[str] = []
            for name, email, series, status, percent, due_on, done, activity in rows.iterator(
                chunk_size=EXPORT_CHUNK
            ):
                block.append(
                    writer.writerow(
                        (
                            agency_name,
                            csv_safe(name or ""),
                            csv_safe(email),
                            csv_safe(series),
                            status,
                            percent,
                            due_on.isoformat() if due_on else "",
                            done.astimezone(tz).date().isoformat() if done else "",
                            activity.astimezone(tz).isoformat(timespec="seconds")
                            if activity
                            else "",
                        )
                    )
                )
                if len(block) == EXPORT_CHUNK:
                    # Hundreds of rows per write: a network write per row would dominate.
                    count += len(block)
                    yield "".join(block)
                    block = []
            for name, email in unenrolled.iterator(chunk_size=EXPORT_CHUNK):
                block.append(
                    writer.writerow(
                        (
                            agency_name,
                            csv_safe(name or ""),
                            csv_safe(email),
                            "",
                            EnrollmentStatus.NOT_STARTED.value,
                            0,
                            "",
                            "",
                            "",
                        )
                    )
                )
                if len(block) == EXPORT_CHUNK:
                    count += len(block)
                    yield "".join(block)
                    block = []
            count += len(block)
            yield "".join(block)
        finally:
            services.export_finished(log=log, rows=count)

    filename = f"training-{agency.slug}-{agency.today().isoformat()}.csv"
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@supervisor_required
def nudge(request: SupervisorHttpRequest, learner_id: int) -> HttpResponse:
    learner, agency = learner_for_page(request, learner_id)
    scoped = selectors.enrollments_for_supervisor(supervisor=request.user, agency=agency)
    chosen = parse_id(request.POST.get("enrollment"))
    enrollment = scoped.filter(user=learner, pk=chosen).first() if chosen else None
    if enrollment is None:
        enrollment = (
            scoped.filter(user=learner, completed_at__isnull=True)
            .order_by("status_rank", "due_on")  # type: ignore[misc]  # annotated by the selector
            .first()
        )
    if enrollment is None:
        messages.info(
            request, _("%(learner)s has nothing left to complete.") % {"learner": learner}
        )
    else:
        try:
            services.nudge_send(supervisor=request.user, agency=agency, enrollment=enrollment)
        except services.NudgeRefused as refusal:
            messages.warning(request, str(refusal))
        else:
            messages.success(request, _("Reminder sent to %(learner)s.") % {"learner": learner})
    detail = reverse("agency:learner-detail", kwargs={"learner_id": learner.pk})
    return redirect(_back(request, f"{detail}?agency={agency.slug}"))


@require_POST
@supervisor_required
def nudge_overdue(request: SupervisorHttpRequest) -> HttpResponse:
    agency = request.agency
    today = agency.today()
    overdue = (
        _scoped(request)
        .filter(selectors.status_q(EnrollmentStatus.OVERDUE, today))
        .only("pk", "user_id", "completed_at")
    )
    queued, skipped = services.nudge_many(
        supervisor=request.user, agency=agency, enrollments=overdue.iterator(chunk_size=2000)
    )
    if queued:
        messages.success(
            request,
            ngettext(
                "Reminder sent to %(count)s overdue learner.",
                "Reminders sent to %(count)s overdue learners.",
                queued,
            )
            % {"count": queued},
        )
    if skipped:
        messages.info(
            request,
            ngettext(
                "%(count)s learner was already reminded today.",
                "%(count)s learners were already reminded today.",
                skipped,
            )
            % {"count": skipped},
        )
    if not queued and not skipped:
        messages.info(request, _("No learner is overdue."))
    return redirect(_back(request, f"{reverse('agency:dashboard')}?agency={agency.slug}"))


@require_http_methods(["GET", "POST"])
@supervisor_required
def learner_remove(request: SupervisorHttpRequest, learner_id: int) -> HttpResponse:
    """Remove a learner from the agency: what will happen first (GET), done on the confirmed
    POST. Only the agency's learners (404 for anyone else, supervisors and oneself included,
    as on the drill-down)."""
    learner, agency = learner_for_page(request, learner_id)
    detail = reverse("agency:learner-detail", kwargs={"learner_id": learner.pk})
    detail = f"{detail}?agency={agency.slug}"
    if request.method == "POST":
        membership = (
            Membership.objects.select_related("user", "agency")
            .filter(user=learner, agency=agency, role=Membership.Role.LEARNER)
            .first()
        )
        if membership is None:  # removed by someone else a moment ago
            raise Http404("No such learner.")
        try:
            membership_remove(membership=membership, by=request.user, request=request)
        except MembershipRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(detail)
        messages.success(
            request,
            _(
                "%(learner)s is no longer a learner of %(agency)s. Their enrollments, progress, "
                "completions and certificates are kept; the agency's reminders to them stopped."
            )
            % {"learner": learner, "agency": agency.name},
        )
        return redirect(f"{reverse('agency:learners')}?agency={agency.slug}")
    return render(
        request,
        "supervision/learner_remove.html",
        {
            "agency": agency,
            "agencies": request.agencies,
            "learner": learner,
            "preview": selectors.removal_preview(
                supervisor=request.user, learner=learner, agency=agency
            ),
            "detail": detail,
        },
    )


BACK_KEYS = ("q", "series", "status", "overdue", "sort", "page")


def _back_query(request: SupervisorHttpRequest, agency: Agency) -> str:
    """The learners-table query the supervisor came from (``?back=``), known keys only."""
    came_from = QueryDict(request.GET.get("back", ""))
    kept = {key: came_from[key] for key in BACK_KEYS if came_from.get(key)}
    return urlencode({"agency": agency.slug, **kept})


def _back(request: SupervisorHttpRequest, default: str) -> str:
    """Return to the page the form was on, but only ever within the agency pages."""
    target = request.POST.get("next", "")
    if target.startswith("/agency/") and "//" not in target and "\\" not in target:
        return target
    return default


@require_GET
@supervisor_required
def assignments(request: SupervisorHttpRequest) -> HttpResponse:
    agency = request.agency
    rows = selectors.assignments_for_supervisor(supervisor=request.user, agency=agency)
    outside = selectors.open_enrollments_outside_assignments(supervisor=request.user, agency=agency)
    return render(
        request,
        "supervision/assignments.html",
        {"agency": agency, "agencies": request.agencies, "assignments": rows, "outside": outside},
    )


def _assignments_url(agency: Agency) -> str:
    return f"{reverse('agency:assignments')}?agency={agency.slug}"


@require_http_methods(["GET", "POST"])
@supervisor_required
def assignment_new(request: SupervisorHttpRequest) -> HttpResponse:
    agency = request.agency
    today = agency.today()
    form = AssignmentForm(request.POST or None, agency=agency, today=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment, outcome = assignment_create(
                supervisor=request.user,
                agency=agency,
                series=data["series"],
                today=today,
                everyone=data["audience"] == "everyone",
                learners=form.learners,
                due_on=data["due_on"],
                due_in_days=data["due_in_days"],
                recurrence_months=data["recurrence_months"],
                request=request,
            )
        except AssignmentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("“%(series)s” assigned. %(outcome)s")
                % {"series": assignment.series.title, "outcome": outcome.describe()},
            )
            return redirect(_assignments_url(agency))
    return render(
        request,
        "supervision/assignment_form.html",
        {"agency": agency, "agencies": request.agencies, "form": form},
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def assignment_edit(request: SupervisorHttpRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.assignment_for_supervisor(
        supervisor=request.user, assignment_id=assignment_id
    )
    agency = assignment.agency
    if assignment.is_cancelled:
        messages.info(request, _("This assignment was canceled; it can no longer be changed."))
        return redirect(_assignments_url(agency))
    form = AssignmentChangeForm(request.POST or None, assignment=assignment, today=agency.today())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = assignment_change(
                by=request.user,
                assignment=assignment,
                due_on=data["due_on"],
                due_in_days=data["due_in_days"],
                recurrence_months=data["recurrence_months"],
                request=request,
            )
        except AssignmentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                ngettext(
                    "“%(series)s” changed: the due date of %(count)s unfinished enrollment "
                    "changed; completions stay as they are.",
                    "“%(series)s” changed: the due date of %(count)s unfinished enrollments "
                    "changed; completions stay as they are.",
                    moved,
                )
                % {"series": assignment.series.title, "count": moved},
            )
            return redirect(_assignments_url(agency))
    return render(
        request,
        "supervision/assignment_edit.html",
        {
            "agency": agency,
            "agencies": request.agencies,
            "assignment": assignment,
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def assignment_cancel_view(request: SupervisorHttpRequest, assignment_id: int) -> HttpResponse:
    """Ask first (GET), cancel on the confirmed POST."""
    assignment = selectors.assignment_for_supervisor(
        supervisor=request.user, assignment_id=assignment_id
    )
    agency = assignment.agency
    if assignment.is_cancelled:
        messages.info(request, _("This assignment was already canceled."))
        return redirect(_assignments_url(agency))
    if request.method == "POST":
        assignment_cancel(by=request.user, assignment=assignment, request=request)
        messages.success(
            request,
            _(
                "“%(series)s” canceled: no more reminders or refreshers from it, and learners "
                "who join later do not receive it. Enrollments and progress are kept."
            )
            % {"series": assignment.series.title},
        )
        return redirect(_assignments_url(agency))
    open_count = assignment.enrollments.filter(is_current=True, completed_at__isnull=True).count()
    return render(
        request,
        "supervision/assignment_cancel.html",
        {
            "agency": agency,
            "agencies": request.agencies,
            "assignment": assignment,
            "open_count": open_count,
        },
    )
