import csv
import io

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Membership, User
from courses import services as course_services
from courses.models import Enrollment, Series
from reminders.models import Reminder
from supervision import selectors
from supervision.forms import LearnerFilterForm
from supervision.models import ExportLog
from supervision.views import CSV_COLUMNS
from tests import factories
from tests.supervision.conftest import bulk_learners

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_pages_open_for_the_supervisor(supervisor_client, agency, series, learner):
    """Dashboard, table and drill-down answer 200 with the agency's data."""
    course_services.enrollment_create(user=learner, series=series)
    dashboard = supervisor_client.get("/agency/")
    assert dashboard.status_code == 200
    assert b"<svg" in dashboard.content
    table = supervisor_client.get("/agency/learners/")
    assert table.status_code == 200
    assert learner.email.encode() in table.content
    detail = supervisor_client.get(f"/agency/learners/{learner.pk}/")
    assert detail.status_code == 200
    assert b"Not started" in detail.content


def test_learners_and_other_roles_are_refused(client, learner, settings):
    """A learner gets 403 at the agency pages; anonymous users go to sign in."""
    settings.LMS_REQUIRE_MFA = False
    assert client.get("/agency/").status_code == 302
    client.force_login(learner)
    for url in ("/agency/", "/agency/learners/", "/agency/export.csv"):
        assert client.get(url).status_code == 403
    assert client.post("/agency/nudge-overdue/").status_code == 403
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/agency/").status_code == 403


def test_other_agency_learner_is_404_everywhere(supervisor_client, other_learner, series):
    """Drill-down and nudge of a learner of another agency answer 404, never 403."""
    course_services.enrollment_create(user=other_learner, series=series)
    assert supervisor_client.get(f"/agency/learners/{other_learner.pk}/").status_code == 404
    assert supervisor_client.post(f"/agency/learners/{other_learner.pk}/nudge/").status_code == 404
    assert supervisor_client.get("/agency/learners/987654/").status_code == 404
    assert not Reminder.objects.exists()


def test_choosing_another_agency_by_slug_does_not_open_it(
    supervisor_client, other_agency, other_learner, series
):
    """?agency=<slug of an agency not supervised> falls back to the supervisor's own."""
    course_services.enrollment_create(user=other_learner, series=series)
    response = supervisor_client.get(f"/agency/learners/?agency={other_agency.slug}")
    assert response.status_code == 200
    assert other_learner.email.encode() not in response.content
    export = supervisor_client.get(f"/agency/export.csv?agency={other_agency.slug}")
    assert all(other_learner.email not in row for row in _csv(export))


def test_a_supervisor_of_two_agencies_picks_one(
    supervisor_client, supervisor, agency, other_agency, learner, other_learner, series
):
    """The picker appears for two agencies and switches the data; never for one."""
    course_services.enrollment_create(user=learner, series=series)
    course_services.enrollment_create(user=other_learner, series=series)
    assert b"agency-picker" not in supervisor_client.get("/agency/").content
    factories.membership_ensure(user=supervisor, agency=other_agency, role="supervisor")
    first = supervisor_client.get("/agency/")
    assert b"agency-picker" in first.content
    other = supervisor_client.get(f"/agency/learners/?agency={other_agency.slug}")
    assert other_learner.email.encode() in other.content
    assert learner.email.encode() not in other.content


def test_mfa_is_required_when_the_site_says_so(client, supervisor, settings):
    """Without MFA a supervisor is sent to set it up; with TOTP they get in."""
    settings.LMS_REQUIRE_MFA = True
    client.force_login(supervisor)
    response = client.get("/agency/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"
    Authenticator.objects.create(user=supervisor, type=Authenticator.Type.TOTP, data={})
    assert client.get("/agency/").status_code == 200


def test_filters_live_in_the_url_and_bad_values_are_ignored(supervisor_client, agency, series):
    """Filters and sort come from the query string; nonsense is dropped, not an error."""
    bulk_learners(agency, series, 8)
    overdue = supervisor_client.get("/agency/learners/?overdue=1&sort=-due")
    assert overdue.status_code == 200
    rows = overdue.context["page"].object_list
    assert {r.status for r in rows} == {"overdue"}
    assert "overdue=1" in overdue.context["query"]
    nonsense = supervisor_client.get("/agency/learners/?series=abc&status=zzz&sort=nope&page=x")
    assert nonsense.status_code == 200
    assert nonsense.context["page"].paginator.count == 8


def test_the_table_is_paginated(supervisor_client, agency, series):
    """Fifty rows a page, with a next link that keeps the filters."""
    bulk_learners(agency, series, 120)
    first = supervisor_client.get("/agency/learners/?sort=name")
    assert len(first.context["page"].object_list) == 50
    assert b"page=2" in first.content and b"sort=name" in first.content
    last = supervisor_client.get("/agency/learners/?sort=name&page=3")
    assert len(last.context["page"].object_list) == 20


def test_export_has_the_contract_columns_in_order_and_is_audited(
    supervisor_client, supervisor, agency, series
):
    """The CSV header is the contract; rows follow the filters; the export is logged."""
    bulk_learners(agency, series, 12)
    response = supervisor_client.get("/agency/export.csv?status=completed")
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    disposition = response["Content-Disposition"]
    assert f"training-{agency.slug}-" in disposition and disposition.endswith('.csv"')
    rows = _csv(response)
    assert (
        rows[0]
        == CSV_COLUMNS
        == [
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
    )
    assert len(rows) == 1 + 3
    assert {r[0] for r in rows[1:]} == {agency.name}
    assert {r[4] for r in rows[1:]} == {"completed"}
    assert all(r[5] == "100" and r[7] for r in rows[1:])
    log = ExportLog.objects.get()
    assert log.user == supervisor and log.agency == agency
    assert log.filters["status"] == "completed"
    assert log.row_count == 3 and log.finished_at is not None


def test_export_neutralises_spreadsheet_formulas(supervisor_client, agency, series):
    """A name that looks like a formula is written as text."""
    evil = factories.learner_of(agency, full_name='=HYPERLINK("http://x","y")')
    course_services.enrollment_create(user=evil, series=series)
    rows = _csv(supervisor_client.get("/agency/export.csv"))
    assert rows[1][1].startswith("'=")


# The export: the enrolled rows, then the learners enrolled in nothing (one query each), and its
# security audit record (lock, chain link and row, in savepoints inside the test). The
# dashboard with fresh figures: the session, the user and the agencies supervised; the
# figures' one aggregate, the behind-schedule list and the agency's training rules (with
# rules, the supervision check, the learners and one aggregate a rule), which PostgreSQL
# answers in one round trip and SQLite in three.
DASHBOARD_QUERIES = 4 if connection.vendor == "postgresql" else 6
TABLE_QUERIES, EXPORT_QUERIES = 6, 15
# With the figures kept: the session, the user and the agencies supervised.
DASHBOARD_KEPT_QUERIES = 3


def _unenrolled_learners(agency, count: int, *, prefix: str) -> None:
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@{agency.slug}.example.org") for i in range(count)]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, agency=agency, role=Membership.Role.LEARNER) for u in users]
    )


def test_export_and_dashboard_queries_do_not_grow_with_learners(
    supervisor_client, agency, series, django_assert_max_num_queries
):
    """The same number of queries for 10 and for 500 learners (a tenth of them enrolled in
    nothing), within fixed bounds."""
    counts = []
    for size in (10, 500):
        bulk_learners(agency, series, size - 10 if counts else size, prefix=f"s{size}-")
        _unenrolled_learners(agency, size // 10 - (1 if counts else 0), prefix=f"u{size}-")
        cache.clear()  # the figures, not the cached copy of them
        with django_assert_max_num_queries(DASHBOARD_QUERIES) as dashboard:
            assert supervisor_client.get("/agency/").status_code == 200
        with django_assert_max_num_queries(TABLE_QUERIES) as table:
            assert supervisor_client.get("/agency/learners/?sort=activity").status_code == 200
        with django_assert_max_num_queries(EXPORT_QUERIES) as export:
            response = supervisor_client.get("/agency/export.csv")
            assert len(_csv(response)) == 1 + size + size // 10
        counts.append((len(dashboard), len(table), len(export)))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("size", [3, 30])
def test_dashboard_queries_are_the_same_for_3_and_30_learners(
    supervisor_client, agency, series, size, django_assert_max_num_queries
):
    """Fresh figures in four queries (six on SQLite) and kept ones in three, whatever the
    number of learners (a mix of every status, a quarter of them overdue)."""
    bulk_learners(agency, series, size)
    cache.clear()  # the figures and their fragments, not the kept copies
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        fresh = supervisor_client.get("/agency/")
    assert sum(s.total for s in fresh.context["summaries"]) == size
    assert len(fresh.context["behind"]) == min(10, size // 4)
    with django_assert_max_num_queries(DASHBOARD_KEPT_QUERIES):
        kept = supervisor_client.get("/agency/")
    assert kept.context["as_of"] == fresh.context["as_of"]


def test_nudge_from_the_drill_down_then_refused_the_same_day(
    supervisor_client, learner, series, django_capture_on_commit_callbacks
):
    """The first reminder is sent; the second the same day is refused with a message."""
    course_services.enrollment_create(user=learner, series=series)
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(f"/agency/learners/{learner.pk}/nudge/", follow=True)
    assert b"Reminder sent" in response.content
    assert len(mail.outbox) == 1
    again = supervisor_client.post(f"/agency/learners/{learner.pk}/nudge/", follow=True)
    assert b"already reminded today" in again.content
    assert len(mail.outbox) == 1
    assert (
        b"Already reminded today"
        in supervisor_client.get(f"/agency/learners/{learner.pk}/").content
    )


@pytest.mark.parametrize("posted", ["16\x00", "abc", "1.5", "\u00b2", "9" * 30, "-1"])
def test_nudge_with_an_enrollment_that_is_no_id_nudges_the_most_urgent(
    supervisor_client, learner, series, posted
):
    """An ``enrollment`` that cannot name one is read as none given: the learner's most urgent
    open enrollment is nudged (found by the fuzz: “16\\x00” was a 500)."""
    course_services.enrollment_create(user=learner, series=series)
    response = supervisor_client.post(
        f"/agency/learners/{learner.pk}/nudge/", {"enrollment": posted}, follow=True
    )
    assert response.status_code == 200
    assert b"Reminder sent" in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/agency/learners/{id}/",
        "/agency/learners/{id}/nudge/",
        "/agency/learners/{id}/transcript/",
        "/agency/assignments/{id}/",
        "/agency/assignments/{id}/cancel/",
    ],
)
def test_an_id_longer_than_any_key_is_not_found(supervisor_client, path):
    """An id of more digits than a 64-bit key holds is a 404 at the resolver, never a query
    the database refuses (found by the fuzz: a 500 on SQLite)."""
    address = path.format(id="9" * 30)
    assert supervisor_client.get(address).status_code == 404
    assert supervisor_client.post(address).status_code == 404


def test_nudge_redirect_stays_on_agency_pages(supervisor_client, learner, series):
    """An offsite ``next`` is ignored."""
    course_services.enrollment_create(user=learner, series=series)
    response = supervisor_client.post(
        f"/agency/learners/{learner.pk}/nudge/", {"next": "https://evil.example/agency/"}
    )
    assert response["Location"].startswith(f"/agency/learners/{learner.pk}/")


def test_nudge_all_overdue(supervisor_client, agency, series, django_capture_on_commit_callbacks):
    """The dashboard button reminds every overdue learner once."""
    bulk_learners(agency, series, 16)
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post("/agency/nudge-overdue/", follow=True)
    assert b"Reminders sent to 4 overdue learners." in response.content
    assert len(mail.outbox) == 4
    again = supervisor_client.post("/agency/nudge-overdue/", follow=True)
    assert b"4 learners were already reminded today." in again.content


def test_get_is_not_allowed_on_nudges(supervisor_client, learner):
    """Nudges are POST only."""
    assert supervisor_client.get(f"/agency/learners/{learner.pk}/nudge/").status_code == 405
    assert supervisor_client.get("/agency/nudge-overdue/").status_code == 405


def test_learners_enrolled_in_nothing_are_listed_on_their_own(
    supervisor_client, agency, learner, series
):
    """A learner of the agency with no enrollment is findable, not silently missing."""
    idle = factories.learner_of(agency, full_name="Ethan Morales")
    course_services.enrollment_create(user=learner, series=series)
    dashboard = supervisor_client.get("/agency/")
    assert b"show=unenrolled" in dashboard.content
    page = supervisor_client.get("/agency/learners/?show=unenrolled")
    assert page.status_code == 200
    assert list(page.context["people"].object_list) == [idle]
    assert f'/agency/learners/{idle.pk}/?agency={agency.slug}">Ethan Morales</a>'.encode() in (
        page.content
    )
    assert learner.email.encode() not in page.content


def test_drill_down_links_back_to_the_filtered_list(supervisor_client, agency, learner, series):
    """The list's filters travel to the drill-down and back; unknown keys are dropped."""
    course_services.enrollment_create(user=learner, series=series)
    table = supervisor_client.get("/agency/learners/?sort=-due&q=ellis")
    assert b"back=agency%3Dagency-" in table.content and b"sort%3D-due" in table.content
    back = "agency%3Dx%26overdue%3D1%26sort%3D-due%26next%3Dhttps%3A%2F%2Fevil.example"
    detail = supervisor_client.get(f"/agency/learners/{learner.pk}/?back={back}")
    assert detail.context["back"] == f"agency={agency.slug}&overdue=1&sort=-due"


def test_a_reminder_for_an_overdue_learner_says_was_due(
    supervisor_client, agency, series, django_capture_on_commit_callbacks
):
    """Past due dates are written in the past tense."""
    bulk_learners(agency, series, 4)
    with django_capture_on_commit_callbacks(execute=True):
        supervisor_client.post("/agency/nudge-overdue/")
    (message,) = mail.outbox
    assert " was due " in message.subject
    assert "It was due on" in message.body


def test_drill_down_lists_the_reminder_emails_sent(supervisor_client, agency, learner, series):
    """The drill-down shows the reminder pipeline's emails to this learner."""
    from django.utils import timezone

    from reminders.models import Reminder

    enrollment = course_services.enrollment_create(user=learner, series=series)
    Reminder.objects.create(
        recipient=learner, enrollment=enrollment, agency=agency, kind="overdue", step=1,
        cycle=1, status="sent", sent_at=timezone.now(),
    )  # fmt: skip
    response = supervisor_client.get(f"/agency/learners/{learner.pk}/")
    assert [r.kind for r in response.context["emails"]] == ["overdue"]
    assert b"Reminder emails" in response.content and b"Overdue" in response.content


def test_dashboard_figures_are_kept_a_minute_per_agency(
    supervisor_client, agency, other_agency, series, learner, settings
):
    """A second look within the minute reads the kept figures (two queries fewer: no figures,
    no behind-schedule list), which say when they were computed; they are the agency's own."""
    enrollment = course_services.enrollment_create(user=learner, series=series)
    first = supervisor_client.get("/agency/")
    assert first.context["summaries"][0].counts["not_started"] == 1
    assert b"Figures as of" in first.content
    Enrollment.objects.filter(pk=enrollment.pk).update(started_at=timezone.now())
    kept = supervisor_client.get("/agency/")
    assert kept.context["summaries"][0].counts["not_started"] == 1  # a minute old at most
    assert kept.context["as_of"] == first.context["as_of"]
    # Another agency's supervisor gets their own figures, not these.
    other = factories.supervisor_of(other_agency)
    supervisor_client.force_login(other)
    assert supervisor_client.get("/agency/").context["summaries"] == []


def test_dashboard_figures_are_recomputed_after_an_assignment(
    supervisor_client, agency, series, learner, django_capture_on_commit_callbacks
):
    """A supervisor who assigns a series sees its learners on the dashboard at once (the
    figures are forgotten when the assignment commits)."""
    assert supervisor_client.get("/agency/").context["summaries"] == []
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(
            "/agency/assignments/new/",
            {"series": series.pk, "audience": "everyone", "due_rule": "days", "due_in_days": 21},
            follow=True,
        )
    assert b"assigned" in response.content
    summaries = supervisor_client.get("/agency/").context["summaries"]
    assert [s.total for s in summaries] == [1]


def test_dashboard_figures_expire(supervisor_client, learner, series, settings):
    """With no time to keep them, every look computes the figures afresh."""
    settings.LMS_DASHBOARD_CACHE_SECONDS = 0
    enrollment = course_services.enrollment_create(user=learner, series=series)
    supervisor_client.get("/agency/")
    Enrollment.objects.filter(pk=enrollment.pk).update(started_at=timezone.now())
    counts = supervisor_client.get("/agency/").context["summaries"][0].counts
    assert counts["in_progress"] == 1 and counts["not_started"] == 0


def test_drill_down_shows_quiz_scores_and_hides_removed_content_without_records(
    supervisor_client, learner, series
):
    """Each submitted attempt's score; a removed component shows only where the learner has a
    record in it."""
    from courses import quizzes
    from courses.models import Component

    module = series.modules.get(slug="understanding")
    quiz = factories.quiz(module, position=9, pass_mark=100)
    course_services.enrollment_create(user=learner, series=series)
    wrong = {q.pk: [q.choices.filter(is_correct=False).first().pk] for q in quiz.questions.all()}
    right = {
        q.pk: list(q.choices.filter(is_correct=True).values_list("pk", flat=True))
        for q in quiz.questions.all()
    }
    for answers in (wrong, right):
        attempt = quizzes.quiz_attempt_start(user=learner, component=quiz)
        quizzes.quiz_attempt_submit(user=learner, attempt_id=attempt.pk, answers=answers)
    reading = module.components.get(slug="reading")
    untouched = series.modules.get(slug="first-contact").components.get(slug="checklist")
    course_services.progress_record(user=learner, component=reading)
    Component.objects.filter(pk__in=[reading.pk, untouched.pk]).update(archived_at=timezone.now())
    page = supervisor_client.get(f"/agency/learners/{learner.pk}/").content.decode()
    assert "Quiz: 0%, 100% (passed)" in page
    assert f"{reading.title} <span" in page and "since removed from the series" in page
    assert untouched.title not in page


def test_learners_table_series_and_count_are_those_of_the_rows(
    client, settings, agency, other_agency, supervisor, other_supervisor, series
):
    """The filter's series and the table's count come from one grouped read: the same series
    as the rows' (a learner's own enrollment without an assignment included, another agency's
    and a finished earlier cycle's left out), the same count as the rows for every filter, and
    nothing of this agency for another agency's supervisor."""
    settings.LMS_REQUIRE_MFA = False
    bulk_learners(agency, series, 12)
    own = factories.ComponentFactory(module__series__title="Chosen alone").module.series
    learner = factories.learner_of(agency)
    course_services.enrollment_create(user=learner, series=own)  # self-enrolled
    assert not Enrollment.objects.get(user=learner, series=own).assignment_id
    theirs = factories.ComponentFactory(module__series__title="Theirs only").module.series
    course_services.enrollment_create(user=factories.learner_of(other_agency), series=theirs)
    earlier = factories.ComponentFactory(module__series__title="Earlier cycle").module.series
    Enrollment.objects.create(
        user=learner,
        series=earlier,
        is_current=False,
        completed_at=timezone.now(),
        percent_complete=100,
    )
    client.force_login(supervisor)
    response = client.get("/agency/learners/")
    choices = [(pk, title) for pk, title in response.context["form"].fields["series"].choices]
    scoped = selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency)
    expected = [
        (s.pk, s.title)
        for s in Series.objects.filter(pk__in=scoped.values("series_id")).order_by("title")
    ]
    assert choices[1:] == expected == [(own.pk, "Chosen alone"), (series.pk, series.title)]
    for query in (
        "",
        f"series={own.pk}",
        f"series={series.pk}",
        "status=overdue",
        f"series={series.pk}&status=completed",
        "overdue=1",
        "q=bulk+0003",
        "series=987654",
    ):
        page = client.get(f"/agency/learners/?{query}").context["page"]
        filters = LearnerFilterForm(QueryDict(query), series_choices=expected).filters()
        rows = selectors.filter_enrollments(scoped, filters, agency=agency)
        assert page.paginator.count == rows.count(), query
    assert client.get("/agency/learners/").context["page"].paginator.count == 13
    client.force_login(other_supervisor)
    response = client.get(f"/agency/learners/?agency={agency.slug}")
    assert response.context["agency"] == other_agency
    assert [pk for pk, _ in response.context["form"].fields["series"].choices[1:]] == [theirs.pk]
    assert response.context["page"].paginator.count == 1
    client.force_login(learner)
    assert client.get("/agency/learners/").status_code == 403


def test_learners_table_pages_read_a_status_at_a_time_are_those_of_the_one_sorted_read(
    client, settings, agency, supervisor, series
):
    """The default order (status, due date, name) read status by status gives every page the
    same rows in the same order as sorting all of them at once: pages that span two statuses,
    the last page, the reversed order, and a series, status or overdue filter."""
    from supervision.views import PAGE_SIZE

    settings.LMS_REQUIRE_MFA = False
    bulk_learners(agency, series, 2 * PAGE_SIZE + 30)  # every status about 32 rows
    other = factories.ComponentFactory(module__series__title="Another series").module.series
    for _ in range(7):
        course_services.enrollment_create(user=factories.learner_of(agency), series=other)
    client.force_login(supervisor)
    scoped = selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency)
    choices = [(series.pk, series.title), (other.pk, other.title)]
    for query in (
        "",
        "sort=-status",
        f"series={series.pk}",
        f"series={other.pk}",
        "status=in_progress",
        "overdue=1&sort=-status",
        f"series={series.pk}&sort=-status",
    ):
        filters = LearnerFilterForm(QueryDict(query), series_choices=choices).filters()
        assert filters.descending == ("-status" in query), query
        expected = list(
            selectors.filter_enrollments(scoped, filters, agency=agency).values_list(
                "pk", flat=True
            )
        )
        shown = []
        for number in range(1, len(expected) // PAGE_SIZE + 2):
            page = client.get(f"/agency/learners/?{query}&page={number}").context["page"]
            assert isinstance(page.paginator.object_list, selectors.StatusPages), query
            assert page.paginator.count == len(expected), query
            shown.extend(row.pk for row in page.object_list)
        assert shown == expected, query
        assert len(expected) > 0, query


def test_a_learner_who_completed_everything_is_offered_no_reminder(
    supervisor_client, learner, series
):
    """The drill-down of a learner with nothing left to complete has no “Send a reminder”, and
    a forged POST is refused with a message: nothing is queued."""
    enrollment = course_services.enrollment_create(user=learner, series=series)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        completed_at=timezone.now(), percent_complete=100
    )
    page = supervisor_client.get(f"/agency/learners/{learner.pk}/")
    assert b"Send a reminder" not in page.content
    assert b"Nothing left to complete" in page.content
    posted = supervisor_client.post(f"/agency/learners/{learner.pk}/nudge/", follow=True)
    assert b"has nothing left to complete" in posted.content
    named = supervisor_client.post(
        f"/agency/learners/{learner.pk}/nudge/", {"enrollment": enrollment.pk}, follow=True
    )
    assert b"already completed the series" in named.content
    assert not Reminder.objects.exists()


def test_a_completed_series_beside_an_open_one_is_not_the_one_reminded(
    supervisor_client, learner, series
):
    """The button stays for the open series; naming the completed one is refused."""
    done = course_services.enrollment_create(user=learner, series=series)
    Enrollment.objects.filter(pk=done.pk).update(completed_at=timezone.now(), percent_complete=100)
    other = factories.SeriesFactory(slug="second-series", title="Second series")
    course_services.enrollment_create(user=learner, series=other)
    assert b"Send a reminder" in supervisor_client.get(f"/agency/learners/{learner.pk}/").content
    refused = supervisor_client.post(
        f"/agency/learners/{learner.pk}/nudge/", {"enrollment": done.pk}, follow=True
    )
    assert b"already completed the series" in refused.content
    assert not Reminder.objects.exists()


def test_a_learner_reminded_automatically_today_is_not_nudged_again(
    supervisor_client, agency, learner, series
):
    """The schedule's reminder today uses up the learner's one email: the button is disabled
    with the reason, and a POST is refused without queuing anything."""
    enrollment = course_services.enrollment_create(user=learner, series=series)
    Reminder.objects.create(
        recipient=learner, enrollment=enrollment, agency=agency, kind=Reminder.Kind.OVERDUE,
        step=1, status=Reminder.Status.SENT, sent_at=timezone.now(),
    )  # fmt: skip
    page = supervisor_client.get(f"/agency/learners/{learner.pk}/").content.decode()
    assert 'disabled aria-describedby="reminded-today"' in page
    assert "Already reminded today" in page
    response = supervisor_client.post(f"/agency/learners/{learner.pk}/nudge/", follow=True)
    assert b"already reminded today: nothing more was sent" in response.content
    assert not Reminder.objects.filter(kind=Reminder.Kind.NUDGE).exists()
    assert len(mail.outbox) == 0
