"""Completions are earned, in a real browser: the author adds a module with a required quiz to
the published seed series; a learner at 75% finishes the old modules and is not complete until
the quiz is passed."""

import re

import pytest
from playwright.sync_api import Page, expect

from courses.models import Component, Enrollment, Series
from tests.browser.test_author import _sign_out
from tests.browser.test_learner_path import DEMO_PASSWORD, _seed, _sign_in

pytestmark = pytest.mark.browser

SEED_SLUG = "working-with-victims-and-survivors-of-csam"
LEARNER = "grace.kim@example.com"  # 3 of the 4 required components done: 75%
MODULE = "Check Your Understanding"


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


def test_a_new_required_quiz_holds_back_a_learner_until_it_is_passed(
    page: Page, screenshot, monkeypatch
):
    _seed(monkeypatch)
    series = Series.objects.get(slug=SEED_SLUG)
    enrollment = Enrollment.objects.get(user__email=LEARNER, series=series)
    assert (enrollment.percent_complete, enrollment.completed_at) == (75, None)

    # The author adds a module and a quiz to the published series.
    _sign_in(page, "author@example.com", DEMO_PASSWORD)
    page.goto(f"/studio/series/{SEED_SLUG}/")
    expect(page.locator("#series-status")).to_have_text("Published")
    page.get_by_role("link", name="Add a module").click()
    page.get_by_label("Title").fill(MODULE)
    page.get_by_role("button", name="Add the module").click()
    expect(page.get_by_text(f"Module “{MODULE}” added.")).to_be_visible()
    module_id = series.modules.get(title=MODULE).pk
    page.locator(f"#module-{module_id}").get_by_role("link", name="Add a component").click()
    page.get_by_role("link", name="Quiz").click()
    page.get_by_label("Title").fill("Knowledge Check")
    page.get_by_label(re.compile("Pass mark")).fill("100")
    # Required by mistake, before it has questions: refused, nothing saved.
    page.get_by_label("Required").check()
    page.get_by_role("button", name="Add the quiz").click()
    expect(page.get_by_text(re.compile("required quiz without questions"))).to_be_visible()
    screenshot(page, "integrity-01-required-quiz-refused")
    assert not Component.objects.filter(module_id=module_id).exists()
    page.get_by_label("Required").uncheck()
    page.get_by_role("button", name="Add the quiz").click()
    expect(page.get_by_text("Quiz “Knowledge Check” added.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Add a question")).first.click()
    page.get_by_label("Single choice").check()
    page.locator("#id_text").fill("Who sets the pace of a conversation with a survivor?")
    page.get_by_label("Answer 1", exact=True).fill("The survivor")
    page.get_by_label("Answer 1 is correct").check()
    page.get_by_label("Answer 2", exact=True).fill("The officer")
    page.get_by_role("button", name="Add the question", exact=True).click()
    expect(page.get_by_text("Who sets the pace of a conversation with a survivor?")).to_be_visible()
    # Now it can be required.
    quiz = Component.objects.get(module_id=module_id, kind="quiz")
    page.goto(f"/studio/components/{quiz.pk}/edit/")
    page.get_by_label("Required").check()
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_text("Component saved.")).to_be_visible()
    screenshot(page, "integrity-02-series-with-quiz")
    _sign_out(page)

    enrollment.refresh_from_db()
    assert (enrollment.percent_complete, enrollment.completed_at) == (60, None)  # 3 of 5

    # The learner finishes the old modules: not complete yet.
    _sign_in(page, LEARNER, DEMO_PASSWORD)
    remaining = (
        Component.objects.live()
        .filter(module__series=series, required=True)
        .exclude(progress__enrollment=enrollment, progress__state="completed")
        .exclude(pk=quiz.pk)
        .get()
    )
    assert remaining.kind == Component.Kind.RESOURCE
    page.goto(remaining.get_absolute_url())
    advisory = page.get_by_role("button", name="I understand, continue to the module")
    if advisory.is_visible():
        advisory.click()
        page.goto(remaining.get_absolute_url())
    # The outside address is not reached from here (the browser allows loopback only).
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Open the resource").click()
    popup.value.close()
    page.reload()
    expect(page.locator("#component-state")).to_have_text("Completed")
    expect(page.locator("#series-progress .progress-bar")).to_have_text("80%")
    enrollment.refresh_from_db()
    assert (enrollment.percent_complete, enrollment.completed_at) == (80, None)
    page.goto(f"/series/{SEED_SLUG}/")
    expect(page.get_by_text(MODULE).first).to_be_visible()
    screenshot(page, "integrity-03-learner-not-complete")

    # The quiz: a wrong answer first, then the right one completes the series.
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("The officer").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("You scored 0%")).to_be_visible()
    enrollment.refresh_from_db()
    assert enrollment.completed_at is None
    page.get_by_role("button", name="Try again").click()
    page.get_by_label("The survivor").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("You passed with 100%.")).to_be_visible()
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None and enrollment.percent_complete == 100
    page.goto("/")
    screenshot(page, "integrity-04-learner-complete")
