"""The learner's transcript: completions and credit hours for a period, as a page, a PDF and a
CSV. Supervisors see a learner's through ``supervision`` with the same parts."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from certificates.hours import (
    PeriodRefused,
    Transcript,
    default_period,
    hours_cell,
    learner_today,
    period_from,
    transcript,
)
from certificates.models import Period
from certificates.pdf import render_pdf
from lms.csvstream import csv_response, csv_safe, csv_stream

CSV_COLUMNS = [
    "series",
    "provider",
    "cycle",
    "completed_on",
    "credit_type",
    "hours",
    "certificate_code",
]


def certificate_pdf_path(code: str) -> str:
    """Where a certificate's PDF is served."""
    return reverse("certificates:pdf", kwargs={"code": code})


def period_or_default(request: HttpRequest, *, today: date) -> Period:
    """The period the query asks for; a bad one says why (a message) and gives the default."""
    try:
        return period_from(request.GET, today=today)
    except PeriodRefused as refusal:
        messages.warning(
            request,
            gettext("%(refusal)s Showing the last 24 months instead.") % {"refusal": refusal},
        )
        return default_period(today)


def period_query(period: Period) -> str:
    return urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})


def transcript_context(data: Transcript) -> dict:
    """What the page and the PDF show: each completion with its certificate's link."""
    return {
        "transcript": data,
        "learner": data.learner,
        "period": data.period,
        "period_query": period_query(data.period),
        "rows": [
            {"certificate": c, "pdf": certificate_pdf_path(c.code)} for c in data.certificates
        ],
    }


def transcript_pdf(request: HttpRequest, data: Transcript, *, filename: str) -> HttpResponseBase:
    document = render_pdf(
        "certificates/transcript_pdf.html",
        {
            **transcript_context(data),
            "generated_at": timezone.now(),
            "verify_base": request.build_absolute_uri("/certificates/verify/"),
        },
    )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _download_period(request: AuthenticatedHttpRequest) -> Period | HttpResponse:
    try:
        return period_from(request.GET, today=learner_today(request.user))
    except PeriodRefused as refusal:
        return HttpResponseBadRequest(str(refusal), content_type="text/plain; charset=utf-8")


@require_GET
def page(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    period = period_or_default(request, today=learner_today(request.user))
    data = transcript(learner=request.user, period=period)
    return render(request, "certificates/transcript.html", transcript_context(data))


@require_GET
def pdf(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    period = _download_period(request)
    if isinstance(period, HttpResponse):
        return period
    data = transcript(learner=request.user, period=period)
    return transcript_pdf(request, data, filename=f"transcript-{period.start}-{period.end}.pdf")


@require_GET
def csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The valid completions of the period (a revoked certificate is no proof: left out)."""
    period = _download_period(request)
    if isinstance(period, HttpResponse):
        return period
    data = transcript(learner=request.user, period=period)
    rows = (
        (
            csv_safe(c.series_title),
            csv_safe(c.provider),
            c.enrollment.cycle,
            c.completed_on.isoformat(),
            csv_safe(c.credit_type),
            hours_cell(c.credit_hours),
            c.code,
        )
        for c in data.certificates
        if c.is_valid
    )
    return csv_response(
        csv_stream(CSV_COLUMNS, rows), filename=f"transcript-{period.start}-{period.end}.csv"
    )
