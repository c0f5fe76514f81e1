"""Writes for assignments: a supervisor requires a series of an agency's learners by a date.

Every follow-up of an assignment is called from here, whoever makes the change (the supervisor's
pages, Django admin, ``seed_demo``, a learner joining the agency): the learners' enrollments,
the refresher cycles of recurring assignments, and forgetting the agency's dashboard figures once
the change commits (``courses.dashboard``).
"""

from __future__ import annotations

import calendar
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import dateformat, timezone
from django.utils.translation import gettext, ngettext

from accounts.models import Agency, Membership, User
from accounts.selectors import learner_here, supervision_of
from audit.services import audit_record
from courses.dashboard import dashboard_forget_on_commit
from courses.models import Assignment, Enrollment, Series
from lms.batching import batched

BATCH = 1000


class AssignmentRefused(Exception):
    """The assignment was not made or changed; the message says why, for the supervisor."""


def _day(day: date) -> str:
    """A date as the outcome's sentences give it (``1 Jun 2027``), in the active language."""
    return dateformat.format(day, "j M Y")


@dataclass(frozen=True)
class AssignmentOutcome:
    """What an assignment did for each learner it covers, counted, for the supervisor to read.

    Every learner covered is in exactly one count: ``enrolled`` (enrolled in nothing of the
    series before), ``due_moved`` (unfinished, now due by the assignment's earlier date),
    ``due_kept`` (unfinished, their own due date was already as early or earlier),
    ``completed`` (completed already: the completion stands, and with a recurring assignment
    their next refresher falls due between ``refresher_from`` and ``refresher_to``),
    ``reopened`` (completed, but so long ago that the refresher was due before the assignment's
    date: a new cycle opens now, due by it) and ``unchanged`` (already had this assignment).
    """

    due: date | None = None
    enrolled: int = 0
    due_moved: int = 0
    due_kept: int = 0
    completed: int = 0
    reopened: int = 0
    unchanged: int = 0
    refresher_from: date | None = None
    refresher_to: date | None = None
    recurring: bool = field(default=False, compare=False)

    @property
    def covered(self) -> int:
        return (
            self.enrolled
            + self.due_moved
            + self.due_kept
            + self.completed
            + self.reopened
            + self.unchanged
        )

    def describe(self) -> str:
        """One sentence per kind of learner, only the kinds there are."""
        due = _day(self.due) if self.due else ""
        parts = []
        if self.enrolled:
            parts.append(
                ngettext(
                    "%(count)s learner newly enrolled, due %(due)s",
                    "%(count)s learners newly enrolled, due %(due)s",
                    self.enrolled,
                )
                % {"count": self.enrolled, "due": due}
            )
        if self.due_moved:
            parts.append(
                ngettext(
                    "%(count)s learner already enrolled: due date moved earlier to %(due)s",
                    "%(count)s learners already enrolled: due date moved earlier to %(due)s",
                    self.due_moved,
                )
                % {"count": self.due_moved, "due": due}
            )
        if self.due_kept:
            parts.append(
                ngettext(
                    "%(count)s learner already enrolled keeps their own due date, which was "
                    "already on or before %(due)s",
                    "%(count)s learners already enrolled keep their own due dates, which were "
                    "already on or before %(due)s",
                    self.due_kept,
                )
                % {"count": self.due_kept, "due": due}
            )
        if self.completed:
            n = self.completed
            if self.refresher_from and self.refresher_from == self.refresher_to:
                text = ngettext(
                    "%(count)s learner already completed it; next refresher due %(date)s",
                    "%(count)s learners already completed it; next refresher due %(date)s",
                    n,
                ) % {"count": n, "date": _day(self.refresher_from)}
            elif self.refresher_from and self.refresher_to:
                text = ngettext(
                    "%(count)s learner already completed it; next refreshers due between "
                    "%(start)s and %(end)s",
                    "%(count)s learners already completed it; next refreshers due between "
                    "%(start)s and %(end)s",
                    n,
                ) % {
                    "count": n,
                    "start": _day(self.refresher_from),
                    "end": _day(self.refresher_to),
                }
            elif not self.recurring:
                text = ngettext(
                    "%(count)s learner already completed it (no refresher: the assignment does "
                    "not recur)",
                    "%(count)s learners already completed it (no refresher: the assignment does "
                    "not recur)",
                    n,
                ) % {"count": n}
            else:
                text = ngettext(
                    "%(count)s learner already completed it",
                    "%(count)s learners already completed it",
                    n,
                ) % {"count": n}
            parts.append(text)
        if self.reopened:
            parts.append(
                ngettext(
                    "%(count)s learner completed it too long ago: a refresher opens now, "
                    "due %(due)s",
                    "%(count)s learners completed it too long ago: a refresher opens now, "
                    "due %(due)s",
                    self.reopened,
                )
                % {"count": self.reopened, "due": due}
            )
        if self.unchanged:
            parts.append(
                ngettext(
                    "%(count)s learner already had it",
                    "%(count)s learners already had it",
                    self.unchanged,
                )
                % {"count": self.unchanged}
            )
        if not parts:
            return gettext(
                "No learner is covered yet; learners who join the agency later receive it."
            )
        # Each part is a whole clause on its own, in the active language.
        return "; ".join(parts) + "."

    def __add__(self, other: AssignmentOutcome) -> AssignmentOutcome:
        froms = [d for d in (self.refresher_from, other.refresher_from) if d]
        tos = [d for d in (self.refresher_to, other.refresher_to) if d]
        return AssignmentOutcome(
            due=self.due or other.due,
            enrolled=self.enrolled + other.enrolled,
            due_moved=self.due_moved + other.due_moved,
            due_kept=self.due_kept + other.due_kept,
            completed=self.completed + other.completed,
            reopened=self.reopened + other.reopened,
            unchanged=self.unchanged + other.unchanged,
            refresher_from=min(froms) if froms else None,
            refresher_to=max(tos) if tos else None,
            recurring=self.recurring or other.recurring,
        )


def _refuse_unless_manager(user: User, agency: Agency) -> None:
    """Staff (Django admin) and the agency's supervisors manage its assignments; nobody else."""
    if not (user.is_staff or supervision_of(user=user, agency=agency).exists()):
        raise AssignmentRefused(
            gettext("Only the agency's supervisors can change its assignments.")
        )


def _rule(assignment: Assignment) -> dict[str, object]:
    """The assignment's due rule and recurrence, as the audit records them."""
    return {
        "due_on": assignment.due_on.isoformat() if assignment.due_on else None,
        "due_in_days": assignment.due_in_days,
        "recurrence_months": assignment.recurrence_months,
    }


def assignment_audit(
    action: str,
    assignment: Assignment,
    *,
    by: User | None,
    request: HttpRequest | None = None,
    **details: object,
) -> None:
    """One security-log record about an assignment (``assignment.created``, ``.changed``,
    ``.cancelled``), in the caller's transaction: the agency and series by slug, ids and
    counts only."""
    audit_record(
        action=action,
        actor=by,
        target=assignment,
        request=request,
        details={
            "agency": assignment.agency.slug,
            "series": assignment.series.slug,
            "everyone": assignment.everyone,
            **details,
        },
    )


@transaction.atomic
def assignment_create(
    *,
    supervisor: User,
    agency: Agency,
    series: Series,
    today: date,
    everyone: bool = False,
    learners: Iterable[User] = (),
    due_on: date | None = None,
    due_in_days: int | None = None,
    recurrence_months: int | None = None,
    request: HttpRequest | None = None,
) -> tuple[Assignment, AssignmentOutcome]:
    """Assign a published series to the whole agency or to chosen learners of it.

    Every learner covered is linked to the assignment (``assignment_enrol`` says how), so its
    reminders and refreshers reach all of them. A fixed number of queries per 1,000 learners.
    The agency's dashboard figures are forgotten on commit. Audited (``assignment.created``).
    Returns the assignment and what it did for each learner.
    """
    if not supervision_of(user=supervisor, agency=agency).exists():
        raise AssignmentRefused(gettext("Only the agency's supervisors can assign its training."))
    if series.status != Series.Status.PUBLISHED:
        raise AssignmentRefused(gettext("Only a published series can be assigned."))
    if (due_on is None) == (due_in_days is None):
        raise AssignmentRefused(gettext("Give either a due date or a number of days, not both."))
    chosen = {u.pk for u in learners}
    if not everyone and not chosen:
        raise AssignmentRefused(gettext("Choose the learners, or assign the whole agency."))
    members = set(
        Membership.objects.filter(agency=agency, role=Membership.Role.LEARNER).values_list(
            "user_id", flat=True
        )
    )
    strangers = chosen - members
    if strangers:
        raise AssignmentRefused(
            gettext("Some of the chosen people are not learners of this agency.")
        )
    assignment = Assignment(
        agency=agency,
        series=series,
        created_by=supervisor,
        everyone=everyone,
        due_on=due_on,
        due_in_days=due_in_days,
        recurrence_months=recurrence_months,
    )
    assignment.full_clean()
    assignment.save()
    if not everyone:
        assignment.learners.set(chosen)
    outcome = assignment_enrol(assignment=assignment, today=today)
    assignment_audit(
        "assignment.created",
        assignment,
        by=supervisor,
        request=request,
        learners=len(chosen),
        covered=outcome.covered,
        enrolled=outcome.enrolled,
        **_rule(assignment),
    )
    return assignment, outcome


@transaction.atomic
def assignment_enrol(*, assignment: Assignment, today: date) -> AssignmentOutcome:
    """Link every learner the assignment covers (the agency's, for a whole-agency one).

    A learner enrolled in nothing of the series is enrolled, due by the assignment's date. An
    unfinished enrollment takes the assignment; the earlier of its own due date and the
    assignment's stands. A completed one stays completed and takes the assignment (unless
    another live assignment already holds it), so a recurring assignment's refresher opens
    from that completion; a completion so old that the refresher was due before the
    assignment's date opens its next cycle now, due by the assignment's date. Safe to repeat;
    a cancelled assignment does nothing. The agency's dashboard figures are forgotten on commit.
    """
    due = assignment.due_date_from(today)
    if assignment.is_cancelled:
        return AssignmentOutcome(due=due, recurring=bool(assignment.recurrence_months))
    learners = Membership.objects.filter(agency=assignment.agency, role=Membership.Role.LEARNER)
    if not assignment.everyone:
        learners = learners.filter(user__in=assignment.learners.all())
    targets = sorted(learners.values_list("user_id", flat=True))
    dashboard_forget_on_commit(assignment.agency)
    return _link(assignment, targets, due=due)


def _link(assignment: Assignment, user_ids: list[int], *, due: date) -> AssignmentOutcome:
    """Give each learner the assignment on their current cycle, or a new enrollment."""
    months = assignment.recurrence_months
    outcome = AssignmentOutcome(due=due, recurring=bool(months))
    tz = zoneinfo.ZoneInfo(assignment.agency.timezone)  # completion dates are the agency's
    for chunk in batched(user_ids, BATCH):
        rows = Enrollment.objects.filter(
            user_id__in=chunk, series=assignment.series, is_current=True
        ).values_list(
            "pk",
            "user_id",
            "cycle",
            "completed_at",
            "due_on",
            "assignment_id",
            "assignment__cancelled_at",
            "assignment__recurrence_months",
        )
        have: set[int] = set()
        move, link_open, link_done = [], [], []
        reopen: list[tuple[int, int, int, date]] = []
        counts = dict.fromkeys(("due_moved", "due_kept", "completed", "unchanged"), 0)
        refreshers: list[date] = []
        for pk, user_id, cycle, done, own_due, linked, linked_cancelled, linked_months in rows:
            have.add(user_id)
            held = linked is not None and linked_cancelled is None  # by a live assignment
            if linked == assignment.pk:
                counts["unchanged"] += 1
            elif done is None:
                if own_due is None or own_due > due:
                    move.append(pk)
                    counts["due_moved"] += 1
                else:
                    counts["due_kept"] += 1
                    if not held:
                        link_open.append(pk)
            else:
                # A recurring assignment takes a completion from one that does not recur.
                takes = not held or (months is not None and linked_months is None)
                effective = months if takes else (linked_months if held else None)
                next_due = (
                    refresher_due(completed_on=done.astimezone(tz).date(), months=effective)
                    if effective
                    else None
                )
                if takes and months and next_due is not None and next_due < due:
                    reopen.append((pk, user_id, cycle, due))
                    continue
                if takes:
                    link_done.append(pk)
                if next_due is not None:
                    refreshers.append(next_due)
                counts["completed"] += 1
        Enrollment.objects.filter(pk__in=move, completed_at__isnull=True).update(
            assignment=assignment, due_on=due, source=Enrollment.Source.ASSIGNED
        )
        Enrollment.objects.filter(pk__in=link_open, completed_at__isnull=True).update(
            assignment=assignment, source=Enrollment.Source.ASSIGNED
        )
        Enrollment.objects.filter(pk__in=link_done).update(assignment=assignment)
        reopened = _open_next_cycles(
            [
                (pk, user_id, assignment.series_id, cycle, assignment.pk, next_due)
                for pk, user_id, cycle, next_due in reopen
            ]
        )
        fresh = [
            Enrollment(
                user_id=user_id,
                series=assignment.series,
                source=Enrollment.Source.ASSIGNED,
                assignment=assignment,
                due_on=due,
            )
            for user_id in chunk
            if user_id not in have
        ]
        # A learner enrolling at this very moment wins; the constraint drops the duplicate.
        Enrollment.objects.bulk_create(fresh, ignore_conflicts=True)
        outcome = outcome + AssignmentOutcome(
            enrolled=len(fresh),
            reopened=reopened,
            refresher_from=min(refreshers, default=None),
            refresher_to=max(refreshers, default=None),
            due_moved=counts["due_moved"],
            due_kept=counts["due_kept"],
            completed=counts["completed"],
            unchanged=counts["unchanged"],
        )
    return outcome


@transaction.atomic
def assignment_change(
    *,
    by: User,
    assignment: Assignment,
    due_on: date | None = None,
    due_in_days: int | None = None,
    recurrence_months: int | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Change a live assignment's due rule and recurrence (audited, ``assignment.changed``).

    Every unfinished current enrollment of the assignment takes the new due date: the fixed
    date, or N days from the day the learner received the assignment (the later of the day it
    was made and the day they enrolled, agency time). Completions stay as they are; a changed
    recurrence applies to the next refresher to open. The agency's dashboard figures are
    forgotten on commit. Returns how many enrollments' due dates changed.
    """
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _refuse_unless_manager(by, assignment.agency)
    if assignment.is_cancelled:
        raise AssignmentRefused(
            gettext("This assignment was canceled; it can no longer be changed.")
        )
    if (due_on is None) == (due_in_days is None):
        raise AssignmentRefused(gettext("Give either a due date or a number of days, not both."))
    before = _rule(assignment)
    assignment.due_on, assignment.due_in_days = due_on, due_in_days
    assignment.recurrence_months = recurrence_months
    assignment.full_clean()
    assignment.save(update_fields=["due_on", "due_in_days", "recurrence_months"])
    tz = zoneinfo.ZoneInfo(assignment.agency.timezone)
    made_on = assignment.created_at.astimezone(tz).date()
    open_rows = Enrollment.objects.filter(
        assignment=assignment, is_current=True, completed_at__isnull=True
    )
    by_due: dict[date, list[int]] = {}
    for pk, enrolled_at, own_due in open_rows.values_list("pk", "enrolled_at", "due_on").iterator(
        chunk_size=BATCH
    ):
        new_due = assignment.due_date_from(max(made_on, enrolled_at.astimezone(tz).date()))
        if new_due != own_due:
            by_due.setdefault(new_due, []).append(pk)
    # One UPDATE per distinct date (one for a fixed date; one per joining day for N days).
    changed = 0
    for new_due, pks in sorted(by_due.items()):
        for chunk in batched(pks, BATCH):
            changed += Enrollment.objects.filter(pk__in=chunk, completed_at__isnull=True).update(
                due_on=new_due
            )
    dashboard_forget_on_commit(assignment.agency)
    assignment_audit(
        "assignment.changed",
        assignment,
        by=by,
        request=request,
        before=before,
        after=_rule(assignment),
        due_dates_moved=changed,
    )
    return changed


@transaction.atomic
def assignment_cancel(
    *, by: User, assignment: Assignment, request: HttpRequest | None = None
) -> Assignment:
    """Cancel an assignment: from now on it sends no reminder, opens no refresher and reaches
    no learner who joins later. Its enrollments, progress and completions stay on record.
    Cancelling twice changes nothing (and is recorded once, ``assignment.cancelled``). The
    agency's dashboard figures are forgotten on commit.
    """
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _refuse_unless_manager(by, assignment.agency)
    if not assignment.is_cancelled:
        assignment.cancelled_at, assignment.cancelled_by = timezone.now(), by
        assignment.save(update_fields=["cancelled_at", "cancelled_by"])
        dashboard_forget_on_commit(assignment.agency)
        open_count = assignment.enrollments.filter(
            is_current=True, completed_at__isnull=True
        ).count()
        assignment_audit(
            "assignment.cancelled", assignment, by=by, request=request, open_enrollments=open_count
        )
    return assignment


@transaction.atomic
def assignments_apply_to_new_learner(*, user: User, agency: Agency) -> AssignmentOutcome:
    """A learner who joins an agency receives its live whole-agency assignments of published
    series, due counted from the agency's today. Called by the membership service
    (``accounts.services.membership_ensure``) through ``settings.LMS_LEARNER_JOINED``.
    """
    today = agency.today()
    outcome = AssignmentOutcome()
    assignments = (
        Assignment.objects.live()
        .filter(agency=agency, everyone=True, series__status=Series.Status.PUBLISHED)
        .select_related("series", "agency")
        .order_by("pk")
    )
    for assignment in assignments:
        outcome = outcome + _link(assignment, [user.pk], due=assignment.due_date_from(today))
    if outcome.covered:
        dashboard_forget_on_commit(agency)
    return outcome


@dataclass(frozen=True)
class Release:
    """What ending a learner's place in an agency did to its assignments, counted."""

    open_released: int = 0  # unfinished enrollments no longer required (due date dropped)
    completed_released: int = 0  # completions kept, no refresher from the agency any more
    chosen_removed: int = 0  # assignments that named the learner and no longer do

    def as_dict(self) -> dict[str, int]:
        return {
            "enrollments_open_released": self.open_released,
            "enrollments_completed_released": self.completed_released,
            "assignments_unnamed": self.chosen_removed,
        }


@transaction.atomic
def assignments_release_learner(*, user: User, agency: Agency) -> dict[str, int]:
    """End the agency's assignments for a learner who left it (called by the membership
    service, ``accounts.services.membership_remove``, through ``settings.LMS_MEMBER_LEFT``).

    The learner's current enrollments held by the agency's assignments are let go: an
    unfinished one stays open, with its progress, but is no longer due (the due date came from
    the agency), and a completed one keeps its completion and certificate but no refresher
    opens from the agency's recurrence. Assignments that chose the learner by name no longer
    name them. Earlier cycles stay linked to the assignment they were done under (history).
    Nothing else of the learner's records changes; a learner who joins again receives the
    agency's live whole-agency assignments as any newcomer does. The agency's dashboard
    figures are forgotten on commit. Returns the counts, for the audit record.
    """
    held = Enrollment.objects.filter(user=user, is_current=True, assignment__agency=agency)
    open_released = held.filter(completed_at__isnull=True).update(assignment=None, due_on=None)
    completed_released = held.filter(completed_at__isnull=False).update(assignment=None)
    through = Assignment.learners.through
    chosen_removed, _ = through.objects.filter(user=user, assignment__agency=agency).delete()
    dashboard_forget_on_commit(agency)
    return Release(
        open_released=open_released,
        completed_released=completed_released,
        chosen_removed=chosen_removed,
    ).as_dict()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Jan + 1)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def refresher_due(*, completed_on: date, months: int) -> date:
    return add_months(completed_on, months)


def _open_next_cycles(rows: list[tuple[int, int, int, int, int, date]]) -> int:
    """Hand each completed current cycle (pk, user, series, cycle, assignment, due) over to a
    new open cycle due by ``due``. Safe under concurrent callers: a cycle is handed over by a
    conditional update, and the database refuses a second current cycle. Returns how many."""
    if not rows:
        return 0
    with transaction.atomic():
        handed_over = Enrollment.objects.filter(
            pk__in=[row[0] for row in rows], is_current=True, completed_at__isnull=False
        ).update(is_current=False)
        # Rows another caller handed over first conflict with its new cycles and drop out.
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    user_id=user_id,
                    series_id=series_id,
                    cycle=cycle + 1,
                    source=Enrollment.Source.ASSIGNED,
                    assignment_id=assignment_id,
                    due_on=due,
                )
                for _pk, user_id, series_id, cycle, assignment_id, due in rows
            ],
            ignore_conflicts=True,
        )
    return handed_over


def refreshers_open(*, agency: Agency, today: date) -> int:
    """Open the next cycle of live recurring assignments whose refresher is coming due.

    A learner who completed a cycle of an assignment that recurs every N months gets a new cycle
    due N months after that completion, opened ``LMS_REFRESHER_OPENS_DAYS_BEFORE`` days ahead.
    The completed cycle stays on record; a cancelled assignment opens nothing. Safe under
    concurrent runs. The agency's dashboard figures are forgotten on commit when a cycle opens.
    Returns how many cycles were opened.
    """
    zone = zoneinfo.ZoneInfo(agency.timezone)
    ahead = timedelta(days=settings.LMS_REFRESHER_OPENS_DAYS_BEFORE)
    candidates = (
        Enrollment.objects.filter(
            learner_here(agency),
            is_current=True,
            completed_at__isnull=False,
            assignment__agency=agency,  # each agency opens its own assignments' refreshers
            assignment__recurrence_months__isnull=False,
            assignment__cancelled_at__isnull=True,
        )
        .values_list(
            "pk",
            "user_id",
            "series_id",
            "cycle",
            "assignment_id",
            "completed_at",
            "assignment__recurrence_months",
        )
        .order_by("pk")
    )
    opened = 0
    for chunk in batched(candidates.iterator(chunk_size=BATCH), BATCH):
        due_now = []
        for pk, user_id, series_id, cycle, assignment_id, completed_at, months in chunk:
            assert completed_at is not None and months is not None  # the query filters on both
            due = refresher_due(completed_on=completed_at.astimezone(zone).date(), months=months)
            if due - ahead <= today:
                due_now.append((pk, user_id, series_id, cycle, assignment_id, due))
        opened += _open_next_cycles(due_now)
    if opened:
        dashboard_forget_on_commit(agency)
    return opened


def refreshers_open_everywhere() -> int:
    """Open due refreshers in every agency, each on its own today. Returns how many opened."""
    return sum(
        refreshers_open(agency=agency, today=agency.today())
        for agency in Agency.objects.order_by("pk")
    )
