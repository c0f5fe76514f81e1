"""Reads of credit hours: a learner's transcript, an agency's hours and roster, the agency's
rule and who meets it. Hours come from valid (unrevoked) certificates only, each counted on its
completion date as issued (the agency's calendar); a period includes both its ends.

The agency reads take the supervisor and return nothing unless they supervise the agency, the
same guard as ``supervision.selectors.enrollments_for_supervisor``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Agency, Membership, User
from accounts.selectors import learner_here, learner_zones, supervision_of
from certificates.models import Certificate, Period, TrainingRule
from courses.assignments import add_months
from courses.models import Series

DEFAULT_MONTHS = 24  # the default period: the last 24 months, today included
ZERO = Decimal("0")


def hours_cell(value: Decimal | int | None) -> str:
    """Hours as the files write them, two decimals on every database (``1.50``)."""
    return f"{Decimal(value or 0).quantize(Decimal('0.01'))}"


class PeriodRefused(ValueError):
    """``from``/``to`` could not be read; the message says why, for the person asking."""


def default_period(today: date) -> Period:
    """The last 24 months up to ``today``, both ends included."""
    return Period(add_months(today, -DEFAULT_MONTHS), today)


def period_from(params: Mapping[str, Any], *, today: date) -> Period:
    """The period ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` names; a missing end takes the default
    period's. Raises ``PeriodRefused`` for a date that is not one, or an end before the start."""
    default = default_period(today)
    ends = []
    for key, fallback in (("from", default.start), ("to", default.end)):
        text = str(params.get(key) or "").strip()
        if not text:
            ends.append(fallback)
            continue
        try:
            ends.append(date.fromisoformat(text))
        except ValueError as exc:
            raise PeriodRefused(
                gettext("“%(text)s” is not a date as YYYY-MM-DD (%(key)s).")
                % {"text": text[:20], "key": key}
            ) from exc
    start, end = ends
    if start > end:
        raise PeriodRefused(gettext("The period ends before it starts."))
    return Period(start, end)


def learner_today(user: User) -> date:
    """The learner's date now, in their time zone as a learner (the zone their certificates'
    dates were written in)."""
    return timezone.localdate(timezone=learner_zones([user.pk])[user.pk])


@dataclass
class Transcript:
    """A learner's completions in a period, newest first, and the hours of the valid ones by
    credit type."""

    learner: User
    period: Period
    certificates: list[Certificate]
    totals: list[tuple[str, Decimal, int]] = field(default_factory=list)  # type, hours, count
    earlier: int = 0  # completions before the period
    first_on: date | None = None  # the earliest completion ever

    @property
    def total_hours(self) -> Decimal:
        return sum((hours for _, hours, _ in self.totals), ZERO)


def transcript(*, learner: User, period: Period) -> Transcript:
    """Every completion of every cycle of ``learner`` in ``period`` (revoked ones too, marked
    so), and the hours of the valid ones by credit type. Callers decide who may see it: the
    learner, or a supervisor through ``supervision.selectors.learner_for_supervisor``."""
    mine = Certificate.objects.filter(user=learner)
    certificates = list(
        mine.filter(completed_on__range=(period.start, period.end))
        .select_related("enrollment", "series")
        .order_by("-completed_on", "series_title", "-enrollment__cycle")
    )
    totals: dict[str, tuple[Decimal, int]] = {}
    for certificate in certificates:
        if certificate.is_valid:
            hours, count = totals.get(certificate.credit_type, (ZERO, 0))
            totals[certificate.credit_type] = (hours + certificate.credit_hours, count + 1)
    return Transcript(
        learner=learner,
        period=period,
        certificates=certificates,
        totals=[(kind, hours, count) for kind, (hours, count) in sorted(totals.items())],
        earlier=mine.filter(completed_on__lt=period.start).count(),
        first_on=mine.order_by("completed_on").values_list("completed_on", flat=True).first(),
    )


def _valid_in(period: Period) -> Q:
    return Q(revoked_at__isnull=True, completed_on__range=(period.start, period.end))


def hours_rows(*, supervisor: User, agency: Agency, period: Period) -> QuerySet:
    """Hours of valid certificates per learner of the agency and credit type in ``period``:
    values ``user_id, full_name, certificate_name, email, officer_id, credit_type, hours,
    completions``, by name. A learner with no completion in the period has no row."""
    return (
        Certificate.objects.filter(
            Exists(supervision_of(user=supervisor, agency=agency)),
            learner_here(agency),
            _valid_in(period),
        )
        .values(
            "user_id",
            "credit_type",
            full_name=F("user__full_name"),
            certificate_name=F("user__certificate_name"),
            email=F("user__email"),
            officer_id=F("user__officer_id"),
        )
        .annotate(hours=Sum("credit_hours"), completions=Count("pk"))
        .order_by("full_name", "email", "user_id", "credit_type")
    )


def roster_rows(
    *, supervisor: User, agency: Agency, period: Period, series: Series | None
) -> QuerySet[Certificate]:
    """The valid certificates of the agency's learners completed in ``period`` (of ``series``
    when given), by series, date and name, with the learner's current officer ID and email."""
    rows = Certificate.objects.filter(
        Exists(supervision_of(user=supervisor, agency=agency)),
        learner_here(agency),
        _valid_in(period),
    )
    if series is not None:
        rows = rows.filter(series=series)
    return rows.order_by("series_title", "completed_on", "learner_name", "pk")


def rules_of_agency(agency: Agency) -> QuerySet[TrainingRule]:
    """The agency's rules, by credit type (a query not yet run: the dashboard reads it in the
    same round trip as its figures)."""
    return TrainingRule.objects.filter(agency=agency).order_by("credit_type")


def rules_for_agency(agency: Agency) -> list[TrainingRule]:
    return list(rules_of_agency(agency))


def compliance_learners(
    *, supervisor: User, agency: Agency, rule: TrainingRule, cycle: Period
) -> QuerySet[User]:
    """Every learner of the agency with ``hours``: the hours of ``rule``'s credit type on their
    valid certificates completed in ``cycle``; and ``short``: how many hours they lack (0 when
    they meet the rule). One query, however many learners; empty unless supervised."""
    earned = (
        Certificate.objects.filter(
            _valid_in(cycle), user_id=OuterRef("pk"), credit_type=rule.credit_type
        )
        .order_by()
        .values("user_id")
        .annotate(total=Sum("credit_hours"))
        .values("total")
    )
    money = DecimalField(max_digits=8, decimal_places=2)
    return User.objects.filter(
        Exists(supervision_of(user=supervisor, agency=agency)),
        Exists(
            Membership.objects.filter(
                user_id=OuterRef("pk"), agency=agency, role=Membership.Role.LEARNER
            )
        ),
    ).annotate(
        hours=Coalesce(Subquery(earned, output_field=money), Value(ZERO), output_field=money)
    )


def meets_q(rule: TrainingRule) -> Q:
    """For ``compliance_learners``: the learner has the hours the rule asks."""
    return Q(hours__gte=rule.hours_required)


@dataclass(frozen=True)
class RuleStanding:
    """How the agency stands against one rule in its current cycle."""

    rule: TrainingRule
    cycle: Period
    meeting: int
    learners: int


def compliance_standing(
    *, supervisor: User, agency: Agency, rules: list[TrainingRule] | None = None
) -> list[RuleStanding]:
    """For each of the agency's rules: its current cycle (agency's calendar), how many learners
    meet it, of how many; nothing unless ``supervisor`` supervises the agency. Grouped over the
    cycle's certificates, not one subquery per learner (the dashboard shows it): a fixed number
    of queries, one per rule and three besides. ``rules``: ``rules_of_agency`` already read
    (none left to read: no query at all for an agency without a rule)."""
    if rules is None:
        rules = rules_for_agency(agency)
    if not rules or not supervision_of(user=supervisor, agency=agency).exists():
        return []
    today = agency.today()
    learners = Membership.objects.filter(agency=agency, role=Membership.Role.LEARNER).count()
    of_agency = Exists(
        Membership.objects.filter(
            user_id=OuterRef("user_id"), agency=agency, role=Membership.Role.LEARNER
        )
    )
    standings = []
    for rule in rules:
        cycle = rule.cycle_on(today)
        meeting = (
            Certificate.objects.filter(_valid_in(cycle), of_agency, credit_type=rule.credit_type)
            .order_by()
            .values("user_id")
            .annotate(total=Sum("credit_hours"))
            .filter(total__gte=rule.hours_required)
            .count()
        )
        standings.append(RuleStanding(rule=rule, cycle=cycle, meeting=meeting, learners=learners))
    return standings
