"""Supervisor pages of proof of training: the agency's rule and who meets it, the hours and
roster files for the state, a learner's transcript. Every read goes through a selector that
takes the supervisor (``certificates.hours``, ``supervision.selectors``)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.db.models import F, Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import SupervisorHttpRequest
from accounts.models import User
from certificates.hours import (
    PeriodRefused,
    compliance_learners,
    hours_cell,
    hours_rows,
    meets_q,
    period_from,
    roster_rows,
    rules_for_agency,
    transcript,
)
from certificates.models import Period, TrainingRule
from certificates.rules import training_rule_set
from certificates.views.transcripts import (
    period_or_default,
    transcript_context,
    transcript_pdf,
)
from courses.models import Series
from lms.csvstream import csv_response, csv_safe, csv_stream
from lms.db_router import reads_reports, report_db
from supervision import services
from supervision.forms import COMPLIANCE_SORTS, ComplianceFilterForm, TrainingRuleForm
from supervision.views import PAGE_SIZE, learner_for_page, supervisor_required

HOURS_COLUMNS = [
    "agency",
    "learner_name",
    "learner_email",
    "officer_id",
    "credit_type",
    "hours",
    "completions",
]
ROSTER_COLUMNS = [
    "agency",
    "series",
    "learner_name",
    "officer_id",
    "learner_email",
    "completed_on",
    "credit_type",
    "hours",
    "certificate_code",
]
EXPORT_CHUNK = 2000  # rows fetched from the database at a time


def _rule(request: SupervisorHttpRequest, rules: list[TrainingRule]) -> TrainingRule | None:
    """The rule chosen with ``?rule=<id>`` among the agency's, else its first."""
    chosen = request.GET.get("rule", "")
    return next((r for r in rules if str(r.pk) == chosen), rules[0] if rules else None)


@require_GET
@supervisor_required
@reads_reports
def compliance(request: SupervisorHttpRequest) -> HttpResponseBase:
    """Who meets the agency's rule in the current cycle, who is short and by how much.
    A fixed number of queries however many learners: one count, one page."""
    agency = request.agency
    rules = rules_for_agency(agency)
    rule = _rule(request, rules)
    context: dict = {"agency": agency, "agencies": request.agencies, "rules": rules, "rule": rule}
    if rule is None:
        return render(request, "supervision/compliance.html", context)
    today = agency.today()
    cycle = rule.cycle_on(today)
    form = ComplianceFilterForm(request.GET or None)
    chosen = form.values()
    people = compliance_learners(supervisor=request.user, agency=agency, rule=rule, cycle=cycle)
    if chosen["standing"] == "meets":
        people = people.filter(meets_q(rule))
    elif chosen["standing"] == "short":
        people = people.exclude(meets_q(rule))
    for word in chosen["q"].split()[:6]:
        people = people.filter(
            Q(full_name__icontains=word)
            | Q(email__icontains=word)
            | Q(certificate_name__icontains=word)
            | Q(officer_id__icontains=word)
        )
    key = chosen["sort"].lstrip("-")
    descending = chosen["sort"].startswith("-")
    first, *rest = COMPLIANCE_SORTS.get(key, COMPLIANCE_SORTS["hours"])
    lead = F(first).desc() if descending else F(first).asc()
    people = people.only("pk", "full_name", "email", "certificate_name", "officer_id").order_by(
        lead, *rest, "pk"
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "learner": person,
            "hours": person.hours,  # type: ignore[attr-defined]  # annotated by the selector
            "short": max(Decimal(0), rule.hours_required - person.hours),  # type: ignore[attr-defined]
        }
        for person in page.object_list
    ]
    base = {"agency": agency.slug, "rule": rule.pk}
    kept = {k: v for k, v in chosen.items() if v and not (k == "sort" and v == "hours")}
    headers = [
        {
            "label": label,
            "active": key == column,
            "descending": key == column and descending,
            "query": urlencode(
                {
                    **base,
                    **{k: v for k, v in kept.items() if k != "sort"},
                    "sort": f"-{column}" if key == column and not descending else column,
                }
            ),
        }
        for column, label in (
            ("name", _("Name")),
            ("email", _("Email")),
            ("officer", _("Officer ID")),
            ("hours", _("Hours this cycle")),
        )
    ]
    cycle_query = urlencode({"from": cycle.start.isoformat(), "to": cycle.end.isoformat()})
    context.update(
        cycle=cycle,
        form=form,
        page=page,
        rows=rows,
        headers=headers,
        query=urlencode({**base, **kept}),
        cycle_query=cycle_query,
        days_left=(cycle.end - today).days,
    )
    return render(request, "supervision/compliance.html", context)


@require_http_methods(["GET", "POST"])
@supervisor_required
def compliance_rule(request: SupervisorHttpRequest) -> HttpResponseBase:
    """Set the agency's rule (one per credit type: the same type again changes it)."""
    agency = request.agency
    rules = rules_for_agency(agency)
    rule = _rule(request, rules)
    initial = (
        {
            "credit_type": rule.credit_type,
            "hours_required": rule.hours_required,
            "cycle_months": rule.cycle_months,
            "cycle_ends_on": rule.cycle_ends_on,
        }
        if rule is not None
        else {"credit_type": "POST CPT", "cycle_months": 24}
    )
    form = TrainingRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = training_rule_set(by=request.user, agency=agency, **form.cleaned_data)
        messages.success(
            request,
            _("Rule saved: %(hours)s hours of %(credit_type)s every %(months)s months.")
            % {
                "hours": saved.hours_required,
                "credit_type": saved.credit_type,
                "months": saved.cycle_months,
            },
        )
        query = urlencode({"agency": agency.slug, "rule": saved.pk})
        return redirect(f"{reverse('agency:compliance')}?{query}")
    return render(
        request,
        "supervision/compliance_rule.html",
        {"agency": agency, "agencies": request.agencies, "form": form, "rule": rule},
    )


def _period_or_400(request: SupervisorHttpRequest) -> Period | HttpResponse:
    try:
        return period_from(request.GET, today=request.agency.today())
    except PeriodRefused as refusal:
        return HttpResponseBadRequest(str(refusal), content_type="text/plain; charset=utf-8")


def _audited(request: SupervisorHttpRequest, kind: str, period: Period, **extra: str):
    """The export's audit records, written before the first row leaves; returns the callback
    that records how many rows left."""
    log = services.export_started(
        supervisor=request.user,
        agency=request.agency,
        filters={"file": kind, "from": period.start.isoformat(), "to": period.end.isoformat()}
        | extra,
        file=kind,
        request=request,
    )
    return lambda rows: services.export_finished(log=log, rows=rows)


@require_GET
@supervisor_required
@reads_reports
def hours_csv(request: SupervisorHttpRequest) -> HttpResponseBase:
    """Hours of valid certificates per learner and credit type in the period, streamed a block
    at a time (memory flat), by name. Learners with no completion in the period have no row."""
    agency = request.agency
    period = _period_or_400(request)
    if isinstance(period, HttpResponse):
        return period
    # Read while the response streams, after the view (and its report reads) ended.
    rows = hours_rows(supervisor=request.user, agency=agency, period=period).using(report_db())
    agency_name = csv_safe(agency.name)

    def lines():
        for row in rows.iterator(chunk_size=EXPORT_CHUNK):
            person = User(
                full_name=row["full_name"],
                certificate_name=row["certificate_name"],
                email=row["email"],
            )
            yield (
                agency_name,
                csv_safe(person.name_for_certificates()),
                csv_safe(row["email"]),
                csv_safe(row["officer_id"]),
                csv_safe(row["credit_type"]),
                hours_cell(row["hours"]),
                row["completions"],
            )

    finished = _audited(request, "hours", period)
    return csv_response(
        csv_stream(HOURS_COLUMNS, lines(), finished=finished),
        filename=f"hours-{agency.slug}-{period.start}-{period.end}.csv",
    )


@require_GET
@supervisor_required
@reads_reports
def roster_csv(request: SupervisorHttpRequest) -> HttpResponseBase:
    """The completions roster a training coordinator submits to the state: each valid
    certificate of the agency's learners in the period (of one series with ``?series=<slug>``),
    with the name as printed on it, streamed."""
    agency = request.agency
    period = _period_or_400(request)
    if isinstance(period, HttpResponse):
        return period
    slug = request.GET.get("series", "").strip()
    # Only a slug is looked up: other characters (a NUL byte, which PostgreSQL refuses with an
    # error) name no series.
    series = Series.objects.filter(slug=slug).first() if slug_re.match(slug) else None
    if slug and series is None:
        return HttpResponseBadRequest(
            _("No series “%(slug)s”: give a series' slug, as in its address.")
            % {"slug": slug[:80]},
            content_type="text/plain; charset=utf-8",
        )
    rows = roster_rows(
        supervisor=request.user, agency=agency, period=period, series=series
    ).values_list(
        "series_title",
        "learner_name",
        "user__officer_id",
        "user__email",
        "completed_on",
        "credit_type",
        "credit_hours",
        "code",
    )
    rows = rows.using(report_db())  # read while the response streams, after the view
    agency_name = csv_safe(agency.name)

    def lines():
        for title, name, officer_id, email, done, kind, hours, code in rows.iterator(
            chunk_size=EXPORT_CHUNK
        ):
            yield (
                agency_name,
                csv_safe(title),
                csv_safe(name),
                csv_safe(officer_id),
                csv_safe(email),
                done.isoformat(),
                csv_safe(kind),
                hours_cell(hours),
                code,
            )

    finished = _audited(request, "roster", period, series=slug)
    return csv_response(
        csv_stream(ROSTER_COLUMNS, lines(), finished=finished),
        filename=f"roster-{agency.slug}-{slug or 'all'}-{period.start}-{period.end}.csv",
    )


@require_GET
@supervisor_required
def learner_transcript(request: SupervisorHttpRequest, learner_id: int) -> HttpResponseBase:
    """A learner's transcript, for supervisors of the learner's agency (404 for any other)."""
    learner, agency = learner_for_page(request, learner_id, viewed="transcript")
    period = period_or_default(request, today=agency.today())
    data = transcript(learner=learner, period=period)
    return render(
        request,
        "supervision/learner_transcript.html",
        {**transcript_context(data), "agency": agency, "agencies": request.agencies},
    )


@require_GET
@supervisor_required
def learner_transcript_pdf(request: SupervisorHttpRequest, learner_id: int) -> HttpResponseBase:
    learner, agency = learner_for_page(request, learner_id, viewed="transcript.pdf")
    try:
        period = period_from(request.GET, today=agency.today())
    except PeriodRefused as refusal:
        return HttpResponseBadRequest(str(refusal), content_type="text/plain; charset=utf-8")
    data = transcript(learner=learner, period=period)
    return transcript_pdf(
        request, data, filename=f"transcript-{learner.pk}-{period.start}-{period.end}.pdf"
    )
