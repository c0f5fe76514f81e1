"""An author previews the seed series as a learner, in a real browser: the pages look as learners
see them, under the preview banner, the video plays, and nothing is recorded."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from courses.models import (
    AdvisoryAcknowledgement,
    Enrollment,
    Module,
    Progress,
    QuizAttempt,
    Series,
)
from tests import factories
from tests.browser.test_learner_path import DEMO_PASSWORD, MODULE_ONE, SERIES_TITLE, _seed, _sign_in

pytestmark = pytest.mark.browser

BANNER = "Preview: this is what learners see; nothing you do here is recorded."


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


def _records(author: User) -> list[int]:
    return [
        Enrollment.objects.filter(user=author).count(),
        Progress.objects.filter(enrollment__user=author).count(),
        QuizAttempt.objects.filter(enrollment__user=author).count(),
        AdvisoryAcknowledgement.objects.filter(user=author).count(),
    ]


def test_author_previews_the_seed_series_as_a_learner(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch
):
    _seed(monkeypatch)
    series = Series.objects.get(title=SERIES_TITLE)
    series.status = Series.Status.DRAFT
    series.save(update_fields=["status"])
    module = Module.objects.get(series=series, title=MODULE_ONE)
    quiz = factories.quiz(
        module, slug="preview-check", title="Check your understanding", position=99
    )
    author = User.objects.get(email="author@example.com")
    _sign_in(page, author.email, DEMO_PASSWORD)

    page.goto(f"/studio/series/{series.slug}/")
    page.get_by_role("link", name="Preview as learner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SERIES_TITLE)
    expect(page.get_by_text(BANNER)).to_be_visible()
    expect(page.get_by_role("button", name="Enroll in this series")).to_be_disabled()
    screenshot(page, "studio-preview-01-series")

    page.get_by_role("link", name=MODULE_ONE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MODULE_ONE)
    expect(page.get_by_text(module.content_advisory.splitlines()[0])).to_be_visible()
    screenshot(page, "studio-preview-02-module")

    page.locator("ol.list-group a").first.click()
    video = page.locator("#training-video")
    expect(video).to_be_visible()
    # A function, not an expression: Playwright polls an expression with eval() in the page,
    # which the Content-Security-Policy refuses.
    page.wait_for_function("() => document.getElementById('training-video').readyState >= 1")
    page.evaluate(
        "async () => { const v = document.getElementById('training-video');"
        " v.muted = true; await v.play(); await new Promise(r => setTimeout(r, 1500)); v.pause(); }"
    )
    assert page.evaluate("document.getElementById('training-video').currentTime") > 0.5
    screenshot(page, "studio-preview-03-video")

    page.goto(f"/studio/preview/{series.slug}/{module.slug}/{quiz.slug}/")
    expect(page.get_by_role("button", name="Submit answers")).to_be_disabled()
    page.get_by_label("CSAM").check()  # answering works; sending does not
    screenshot(page, "studio-preview-04-quiz")

    assert _records(author) == [0, 0, 0, 0]
