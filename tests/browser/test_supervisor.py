"""Supervisors at /agency/, in a real browser against the live server: the demo supervisor works
through overdue learners; the other agency's supervisor sees none of them."""

import csv
import io
import re
import zoneinfo
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Download, Page, expect

from accounts.models import Agency, Membership, User
from courses.management.commands.seed_demo import DEMO_PD_LEARNERS, SHERIFF_LEARNERS
from courses.models import Enrollment
from reminders.models import Reminder
from tests.browser.test_learner_path import DEMO_PASSWORD, _seed, _sign_in

pytestmark = pytest.mark.browser

CSV_HEADER = (
    "agency,learner_name,learner_email,series,status,percent_complete,due_on,completed_on,"
    "last_activity"
)
DEMO_PD = "Demo Police Department"
SHERIFF = "Neighbouring Sheriff's Office"
STATUS_LABELS = {
    "overdue": "Overdue",
    "in_progress": "In progress",
    "not_started": "Not started",
    "completed": "Completed",
}


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    """The embedded demo's setting; the live server thread reads the same settings."""
    settings.LMS_REQUIRE_MFA = False


def _agency_today(agency: Agency):
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(agency.timezone))


def _expected_statuses(agency: Agency) -> dict[str, str]:
    """Each enrolled learner's status, worked out here from the rows and the agency's today."""
    today = _agency_today(agency)
    statuses = {}
    for e in Enrollment.objects.filter(
        user__memberships__agency=agency, user__memberships__role=Membership.Role.LEARNER
    ).select_related("user"):
        if e.completed_at:
            status = "completed"
        elif e.due_on and e.due_on < today:
            status = "overdue"
        elif e.started_at:
            status = "in_progress"
        else:
            status = "not_started"
        statuses[e.user.full_name] = status
    return statuses


def _open_agency_pages(page: Page, agency_name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agency").click()
    expect(page).to_have_url(re.compile(r"/agency/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(agency_name)


def _download_csv(page: Page) -> tuple[Download, list[str]]:
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV of these rows").click()
    download = info.value
    assert download.failure() is None
    text = Path(download.path()).read_text(encoding="utf-8")
    return download, text.splitlines()


def _table_names(page: Page) -> list[str]:
    return page.locator("table.learners-table tbody tr td:first-child a").all_text_contents()


def test_supervisor_filters_overdue_opens_a_learner_and_downloads_the_csv(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch
):
    _seed(monkeypatch)
    demo = Agency.objects.get(name=DEMO_PD)
    statuses = _expected_statuses(demo)
    overdue = sorted(name for name, status in statuses.items() if status == "overdue")
    assert {"Marcus Reed", "Sofia Alvarez"} <= set(overdue)
    assert statuses["Liam Walsh"] == "completed"
    _sign_in(page, "supervisor@example.com", DEMO_PASSWORD)

    # The dashboard: counts per series and status, and the completions chart.
    _open_agency_pages(page, DEMO_PD)
    section = page.locator("section.card", has_text="Working with Victims and Survivors of CSAM")
    expect(section.get_by_role("link", name=f"{len(statuses)} learners")).to_be_visible()
    for status, label in STATUS_LABELS.items():
        count = sum(1 for s in statuses.values() if s == status)
        tile = section.locator(f".status-tile.status-{status}")
        expect(tile).to_contain_text(label)
        expect(tile.locator(".fs-4")).to_have_text(str(count))
    chart = page.locator("svg.completion-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar")).to_have_count(26)
    completed = sum(1 for s in statuses.values() if s == "completed")
    expect(page.locator("figcaption")).to_contain_text(f"{completed} completions in 26 weeks")
    behind = page.get_by_role("region", name="Behind schedule")
    for name in overdue:
        expect(behind.get_by_role("link", name=name)).to_be_visible()
    screenshot(page, "supervisor-01-dashboard")

    # Learners, overdue only.
    page.get_by_role("link", name="Learners", exact=True).click()
    expect(page.locator("table.learners-table tbody tr")).to_have_count(len(statuses))
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]overdue=1(&|$)"))
    rows = page.locator("table.learners-table tbody tr")
    expect(rows).to_have_count(len(overdue))
    expect(rows.locator(".status-badge")).to_have_text(["Overdue"] * len(overdue))
    assert sorted(_table_names(page)) == overdue
    expect(rows.filter(has_text="Marcus Reed")).to_have_count(1)
    expect(rows.filter(has_text="Sofia Alvarez")).to_have_count(1)
    expect(rows.filter(has_text="Liam Walsh")).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text(f"{len(overdue)} results")
    overdue_url = page.url
    screenshot(page, "supervisor-02-learners-overdue")

    # Drill-down: Sofia Alvarez completed the first video and nothing else.
    page.get_by_role("link", name="Sofia Alvarez").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Sofia Alvarez")
    expect(page.get_by_text("sofia.alvarez@example.com")).to_be_visible()
    cycle = page.locator("section.card")
    expect(cycle.locator(".status-badge")).to_have_text("Overdue")
    table = cycle.locator("table")
    expect(table.locator("tr.table-light th")).to_have_text(
        [
            "Understanding CSAM and Its Impacts",
            "Making First Contact and Victim Communication in CSAM Cases",
        ]
    )
    states = table.locator("tbody tr:not(.table-light) td:nth-child(2)")
    expect(states).to_have_text(["Completed", "Not started", "Not started", "Not started"])
    expect(table.locator("tbody tr:not(.table-light)").first).to_contain_text(
        "Video: Understanding CSAM and Its Impacts"
    )
    expect(page.get_by_text("No reminder emails yet.")).to_be_visible()
    screenshot(page, "supervisor-03-learner-drill-down")

    # A reminder: sent once, then the button says it was.
    button = page.get_by_role("button", name="Send a reminder")
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_role("status")).to_contain_text("Reminder sent to Sofia Alvarez.")
    expect(page.get_by_role("button", name="Send a reminder")).to_be_disabled()
    expect(
        page.get_by_text("Already reminded today (one reminder email a day at most).")
    ).to_be_visible()
    reminders = page.get_by_role("region", name="Reminder emails")
    expect(reminders.locator("tbody tr")).to_have_count(1)
    expect(reminders.locator("tbody tr")).to_contain_text("Sam Carter")
    sofia = User.objects.get(email="sofia.alvarez@example.com")
    assert Reminder.objects.filter(recipient=sofia, kind=Reminder.Kind.NUDGE).count() == 1
    assert [m.to for m in mail.outbox] == [["sofia.alvarez@example.com"]]
    screenshot(page, "supervisor-04-reminder-sent")

    # Back to the overdue rows, and their CSV.
    page.goto(overdue_url)
    expect(rows).to_have_count(len(overdue))
    download, lines = _download_csv(page)
    today = _agency_today(demo).isoformat()
    assert "demo-police-department" in download.suggested_filename
    assert today in download.suggested_filename
    assert lines[0] == CSV_HEADER
    records = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert sorted(r["learner_name"] for r in records) == overdue
    assert {r["status"] for r in records} == {"overdue"}
    assert {r["agency"] for r in records} == {DEMO_PD}
    assert all(r["due_on"] < today for r in records)


def test_other_agency_supervisor_sees_none_of_demo_pd_learners(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch
):
    _seed(monkeypatch)
    sheriff = Agency.objects.get(name=SHERIFF)
    demo_people = [text for email, name, _plan in DEMO_PD_LEARNERS for text in (email, name)]
    assert len(demo_people) == 22  # the 11 Demo PD learners, names and emails
    sheriff_emails = {email for email, _name, _plan in SHERIFF_LEARNERS}
    enrolled = _expected_statuses(sheriff)
    _sign_in(page, "supervisor2@example.com", DEMO_PASSWORD)

    def shows_no_demo_pd_learner() -> None:
        content = page.content()
        seen = [text for text in demo_people if text in content]
        assert not seen, f"{page.url} shows Demo PD learners: {seen}"
        assert DEMO_PD not in content

    _open_agency_pages(page, SHERIFF)
    section = page.locator("section.card", has_text="Working with Victims and Survivors of CSAM")
    expect(section.get_by_role("link", name=f"{len(enrolled)} learners")).to_be_visible()
    shows_no_demo_pd_learner()
    screenshot(page, "supervisor-05-other-agency-dashboard")

    page.get_by_role("link", name="Learners", exact=True).click()
    expect(page.locator("table.learners-table tbody tr")).to_have_count(len(enrolled))
    assert sorted(_table_names(page)) == sorted(enrolled)
    emails = page.locator("table.learners-table tbody tr td:nth-child(2)").all_text_contents()
    assert set(emails) <= sheriff_emails
    shows_no_demo_pd_learner()
    screenshot(page, "supervisor-06-other-agency-learners")

    _download, lines = _download_csv(page)
    assert lines[0] == CSV_HEADER
    records = list(csv.DictReader(io.StringIO("\n".join(lines))))
    # One row per enrolled learner, then the learner enrolled in nothing, once (README).
    unenrolled = [name for _email, name, plan in SHERIFF_LEARNERS if plan is None]
    assert len(records) == len(enrolled) + len(unenrolled)
    assert [(r["learner_name"], r["series"], r["status"]) for r in records[len(enrolled) :]] == [
        (name, "", "not_started") for name in unenrolled
    ]
    assert {r["agency"] for r in records} == {SHERIFF}
    assert {r["learner_email"] for r in records} <= sheriff_emails
    assert not [text for text in demo_people if text in "\n".join(lines)]

    # Demo PD's learner by id: the same “not found” page as for an id that does not exist.
    learner = User.objects.get(email="learner@example.com")
    response = page.goto(f"/agency/learners/{learner.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    shows_no_demo_pd_learner()
    screenshot(page, "supervisor-07-other-agency-learner-not-found")
