"""The demo author builds a series in the studio, in a real browser: a module, a reading and a
quiz, reordered by drag and drop; publishes it; then a learner passes the quiz."""

import re

import pytest
from playwright.sync_api import Page, expect

from courses.models import Component, QuizAttempt, Series
from tests.browser.test_learner_path import DEMO_PASSWORD, _seed, _sign_in

pytestmark = pytest.mark.browser

TITLE = "Trauma-Informed Interviewing in CSAM Cases"


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


def _sign_out(page: Page) -> None:
    page.get_by_role("link", name="Sign out").click()
    page.locator("main").get_by_role("button", name=re.compile("sign out", re.I)).click()
    expect(page.get_by_role("link", name=re.compile("sign in", re.I)).first).to_be_visible()


def test_author_builds_reorders_publishes_and_a_learner_passes_the_quiz(
    page: Page, screenshot, monkeypatch
):
    _seed(monkeypatch)
    _sign_in(page, "author@example.com", DEMO_PASSWORD)
    page.get_by_role("link", name="Studio").click()
    expect(page.get_by_role("heading", name="Series", level=1)).to_be_visible()
    screenshot(page, "author-01-studio")

    # A new series, as a draft.
    page.get_by_role("link", name="New series").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Provider").fill("Demo Training Unit")
    page.get_by_role("button", name="Create the series").click()
    expect(page.get_by_role("status").first).to_contain_text("created as a draft")
    expect(page.locator("#series-status")).to_have_text("Draft")

    # A module.
    page.get_by_role("link", name="Add a module").click()
    page.get_by_label("Title").fill("Preparing for the Interview")
    page.get_by_role("button", name="Add the module").click()
    expect(page.get_by_text("Module “Preparing for the Interview” added.")).to_be_visible()

    # A reading.
    page.get_by_role("link", name="Add a component").click()
    page.get_by_role("link", name="Document").click()
    page.get_by_label("Title").fill("Reading: Before You Begin")
    page.get_by_label("Reading").fill("Let the survivor set the pace. Explain what happens next.")
    page.get_by_role("button", name="Add the document").click()
    expect(page.get_by_text("Document “Reading: Before You Begin” added.")).to_be_visible()

    # A quiz, with one question, on the question editor it opens.
    page.get_by_role("link", name="Add a component").click()
    page.get_by_role("link", name="Quiz").click()
    page.get_by_label("Title").fill("Knowledge Check")
    page.get_by_label(re.compile("Pass mark")).fill("100")
    page.get_by_role("button", name="Add the quiz").click()
    expect(page.get_by_text("Quiz “Knowledge Check” added.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Add a question")).first.click()
    page.get_by_label("Single choice").check()
    page.locator("#id_text").fill("Who sets the pace of the interview?")
    page.get_by_label("Explanation").fill("Choice and control return to the survivor.")
    page.get_by_label("Answer 1", exact=True).fill("The survivor")
    page.get_by_label("Answer 1 is correct").check()
    page.get_by_label("Answer 2", exact=True).fill("The interviewer")
    screenshot(page, "author-02-question-editor")
    page.get_by_role("button", name="Add the question", exact=True).click()
    expect(page.get_by_text("Who sets the pace of the interview?")).to_be_visible()

    # Back on the series page: drag the quiz above the reading.
    page.get_by_role("link", name=TITLE).first.click()
    series = Series.objects.get(title=TITLE)
    reading = Component.objects.get(module__series=series, kind="document")
    quiz = Component.objects.get(module__series=series, kind="quiz")
    items = page.locator(f"#module-{reading.module_id} li[data-sort-item]")
    expect(items).to_have_count(2)
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    with page.expect_response(re.compile(r"/components/order/$")) as saved:
        page.locator(f"#component-{quiz.pk} .drag-handle").drag_to(
            page.locator(f"#component-{reading.pk} .drag-handle")
        )
    assert saved.value.ok
    expect(page.locator("#order-status")).to_have_text("Order saved.")
    assert [url for url in posted if url.endswith("/order/")] == [saved.value.url]
    quiz.refresh_from_db()
    reading.refresh_from_db()
    assert (quiz.position, reading.position) == (1, 2)
    # And back again with the buttons that need no JavaScript.
    page.get_by_role("button", name="Move “Knowledge Check” down").click()
    quiz.refresh_from_db()
    assert quiz.position == 2
    screenshot(page, "author-03-series-built")

    # Publish.
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#series-status")).to_have_text("Published")
    _sign_out(page)

    # A learner finds it, enrols, and passes the quiz.
    _sign_in(page, "learner@example.com", DEMO_PASSWORD)
    page.goto(f"/series/{series.slug}/")
    page.get_by_role("button", name=re.compile("Enroll", re.I)).click()
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("The interviewer").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("You scored 0%")).to_be_visible()
    expect(page.locator("[data-question-result=wrong]")).to_contain_text(
        "Choice and control return to the survivor."
    )
    screenshot(page, "author-04-learner-quiz-wrong")
    page.get_by_role("button", name="Try again").click()
    page.get_by_label("The survivor").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("You passed with 100%.")).to_be_visible()
    screenshot(page, "author-05-learner-quiz-passed")
    assert list(QuizAttempt.objects.filter(component=quiz).values_list("score", "passed")) == [
        (0, False),
        (100, True),
    ]
