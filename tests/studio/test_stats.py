"""The author's statistics of a component: nameless figures, small numbers suppressed, a fixed
number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from courses import quizzes
from courses import services as course_services
from courses.models import Component, Enrollment, Module, Progress, Question, Series
from studio import selectors_stats
from studio.views.stats import duration_text
from tests import factories

pytestmark = pytest.mark.django_db

# The page's queries: session, user, the author check, the component, then the figures
# (see studio.selectors_stats). The same on SQLite and PostgreSQL.
PAGE_QUERIES = {"document": 6, "quiz": 8, "survey": 11}
T0 = timezone.now().replace(microsecond=0) - timedelta(days=10)


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


@pytest.fixture
def author_client(client):
    client.force_login(factories.author(full_name="Robin Author"))
    return client


@pytest.fixture
def module(series) -> Module:
    return series.modules.get(slug="understanding")


@pytest.fixture
def reading(module) -> Component:
    return module.components.get(slug="reading")


@pytest.fixture
def quiz(module) -> Component:
    return factories.quiz(module, slug="check", position=9, pass_mark=100)


@pytest.fixture
def survey(module) -> Component:
    return factories.survey(module, slug="feedback", position=10)


def _url(component: Component) -> str:
    return f"/studio/components/{component.pk}/stats/"


def _learners(agency, series: Series, n: int, tag: str = "stat") -> list:
    """``n`` enrolled learners with names and emails no page should show."""
    learners = []
    for i in range(n):
        user = factories.learner_of(
            agency, email=f"{tag}.learner{i}@example.org", full_name=f"Quill{tag} Marrow{i}"
        )
        course_services.enrollment_create(user=user, series=series)
        learners.append(user)
    return learners


def _read(user, component: Component, *, minutes: int | None) -> None:
    """Open the reading at T0; mark it read ``minutes`` later (None: left open)."""
    course_services.progress_start(user=user, component=component, now=T0)
    if minutes is not None:
        course_services.progress_record(
            user=user, component=component, now=T0 + timedelta(minutes=minutes)
        )


def _answers(quiz: Component, right: set[str]) -> dict[int, list[int]]:
    """Answers to every question: the correct choices for the slugs in ``right``, else the
    first wrong one."""
    answers = {}
    for question in quiz.questions.prefetch_related("choices"):
        choices = list(question.choices.all())
        if question.slug in right:
            answers[question.pk] = [c.pk for c in choices if c.is_correct]
        else:
            answers[question.pk] = [next(c.pk for c in choices if not c.is_correct)]
    return answers


def _take(user, quiz: Component, right: set[str]) -> None:
    attempt = quizzes.quiz_attempt_start(user=user, component=quiz)
    quizzes.quiz_attempt_submit(user=user, attempt_id=attempt.pk, answers=_answers(quiz, right))


def _respond(user, survey: Component, *, useful: int, role: str, comment: str = "", days_ago=0):
    questions = {q.slug: q for q in survey.questions.prefetch_related("choices")}
    choice = next(c for c in questions["role"].choices.all() if c.text == role)
    quizzes.survey_submit(
        user=user,
        component=survey,
        answers={
            questions["useful"].pk: useful,
            questions["role"].pk: [choice.pk],
            questions["comments"].pk: comment,
        },
        now=timezone.now() - timedelta(days=days_ago),
    )


def _figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</dd>', html, re.S)
    assert match, f"no figure {name}"
    return match.group(1).strip()


def _assert_nameless(html: str, learners: list, agency) -> None:
    for user in learners:
        assert user.full_name not in html and user.email not in html
    assert agency.name not in html


# --- Figures --------------------------------------------------------------------------------


def test_document_shows_started_completed_rate_and_median_time(
    author_client, agency, series, reading
):
    """Six opened the reading, five marked it read after 10 to 50 minutes: 83%, median 30 min."""
    learners = _learners(agency, series, 6)
    for user, minutes in zip(learners, [10, 20, 30, 40, 50, None], strict=True):
        _read(user, reading, minutes=minutes)

    response = author_client.get(_url(reading))

    assert response.status_code == 200
    html = response.content.decode()
    assert _figure(html, "started") == "6"
    assert _figure(html, "completed") == "5"
    assert _figure(html, "completion-rate") == "83%"
    assert _figure(html, "median") == "30 min"
    assert "data-suppressed" not in html
    _assert_nameless(html, learners, agency)


def test_median_of_an_even_number_of_completions_is_the_mean_of_the_middle_two(
    agency, series, reading
):
    """Completions after 10, 20, …, 60 minutes: the median is 35 minutes, on either database."""
    for user, minutes in zip(_learners(agency, series, 6), range(10, 70, 10), strict=True):
        _read(user, reading, minutes=minutes)

    figures = selectors_stats.progress_figures(component=reading)

    assert (figures.started, figures.completed, figures.rate) == (6, 6, 100)
    assert figures.median == timedelta(minutes=35)


def test_quiz_shows_attempts_pass_rate_bands_and_the_question_that_trips_people_up(
    author_client, agency, series, quiz
):
    """Seven attempts by six learners (one passes on the second try): 3 of 6 passed; scores
    0, 0, 0, 50, 100, 100, 100; q1 right 4 of 7 times, q2 3 of 7: q2 is flagged."""
    learners = _learners(agency, series, 6)
    both = {"q1", "q2"}
    for user, right in zip(learners, [both, both, {"q1"}, set(), set(), set()], strict=True):
        _take(user, quiz, right)
    _take(learners[3], quiz, both)  # a second try, passed

    response = author_client.get(_url(quiz))

    html = response.content.decode()
    assert _figure(html, "attempts") == "7"
    assert _figure(html, "attempted") == "6"
    assert _figure(html, "pass-rate") == "50%"
    assert _figure(html, "attempts-per-learner") == "1.2"
    bands = dict(re.findall(r'data-band="([^"]+)" data-attempts="(\d+)"', html))
    assert bands == {
        "0–9": "3", "10–19": "0", "20–29": "0", "30–39": "0", "40–49": "0",
        "50–59": "1", "60–69": "0", "70–79": "0", "80–89": "0", "90–100": "3",
    }  # fmt: skip
    shares = dict(re.findall(r'data-question="(q\d)".*?data-share="(\d+)"', html, re.S))
    assert shares == {"q1": "57", "q2": "43"}
    hardest = re.search(r'data-question="(q\d)" class="table-warning"', html)
    assert hardest and hardest.group(1) == "q2"
    # Three completions only: the median time is held back, the rest of the page is not.
    assert "fewer than 5 completions" in _figure(html, "median")
    assert _figure(html, "started") == "6"
    _assert_nameless(html, learners, agency)


def test_a_perfect_score_falls_in_the_top_band(agency, series, quiz):
    """100% is in 90–100; 50% in 50–59."""
    learners = _learners(agency, series, 5)
    for user in learners[:4]:
        _take(user, quiz, {"q1", "q2"})
    _take(learners[4], quiz, {"q1"})

    figures = selectors_stats.quiz_figures(component=quiz)

    assert {b.label: b.attempts for b in figures.bands if b.attempts} == {
        "90–100": 4,
        "50–59": 1,
    }


def test_survey_shows_choice_counts_likert_mean_and_free_text_without_names_or_dates(
    author_client, agency, series, survey
):
    """Six responses: agreement 5, 4, 4, 3, 5, 2 (mean 3.8), Patrol 4 (67%), Investigations 2
    (33%); three comments, newest day first, with the note that words can identify people."""
    learners = _learners(agency, series, 6)
    rows = [
        (5, "Patrol", "The role-play helped.", 3),
        (4, "Patrol", "", 3),
        (4, "Investigations", "More on trauma-informed interviews, please.", 2),
        (3, "Patrol", "", 2),
        (5, "Investigations", "Shorter videos would help on shift.", 1),
        (2, "Patrol", "", 0),
    ]
    for user, (useful, role, comment, days_ago) in zip(learners, rows, strict=True):
        _respond(user, survey, useful=useful, role=role, comment=comment, days_ago=days_ago)

    response = author_client.get(_url(survey))

    html = response.content.decode()
    assert re.search(r'data-figure="responses">6<', html)
    assert re.search(r'data-figure="mean">3.8<', html)
    scale = re.findall(r'data-scale="(\d)".*?data-count>(\d+)<', html, re.S)
    assert scale == [("1", "0"), ("2", "1"), ("3", "1"), ("4", "2"), ("5", "2")]
    choices = re.findall(
        r'data-choice="\d"><td>(\w+)</td>.*?data-count>(\d+)<.*?data-share>(\d+)%', html, re.S
    )
    assert choices == [("Patrol", "4", "67"), ("Investigations", "2", "33")]
    texts = re.search(r"data-free-text>(.*?)</ul>", html, re.S).group(1)
    assert [t for t in re.findall(r'<li class="list-group-item">(.*?)</li>', texts)] == [
        "Shorter videos would help on shift.",
        "More on trauma-informed interviews, please.",
        "The role-play helped.",
    ]
    assert "data-free-text-note" in html and "can identify people" in html
    _assert_nameless(html, learners, agency)
    for days_ago in range(4):
        day = timezone.localdate() - timedelta(days=days_ago)
        assert day.isoformat() not in html and date_format(day) not in html


def test_anonymous_survey_figures_are_the_same(author_client, agency, series, module):
    """An anonymous survey's responses keep no enrollment; they are counted all the same."""
    survey = factories.survey(module, slug="anon", position=11, anonymous=True)
    for i, user in enumerate(_learners(agency, series, 5)):
        _respond(user, survey, useful=4, role="Patrol", comment=f"Comment {i}")

    html = author_client.get(_url(survey)).content.decode()

    assert re.search(r'data-figure="responses">5<', html)
    assert "the survey is anonymous" in html
    assert html.count('<li class="list-group-item">Comment') == 5


def test_free_text_beyond_the_first_ten_is_a_page_away(
    author_client, agency, series, survey, monkeypatch
):
    """Twelve comments: the page shows the ten newest and links to all twelve, paginated."""
    monkeypatch.setattr(selectors_stats, "FREE_TEXT_PER_PAGE", 5)
    for i, user in enumerate(_learners(agency, series, 12)):
        _respond(user, survey, useful=3, role="Patrol", comment=f"Remark {i:02d}", days_ago=12 - i)
    comments = survey.questions.get(slug="comments")

    html = author_client.get(_url(survey)).content.decode()
    assert html.count('<li class="list-group-item">Remark') == 10
    assert "Remark 11" in html and "Remark 01" not in html  # newest first
    assert f'href="?question={comments.pk}">Read all 12</a>' in html

    first = author_client.get(_url(survey), {"question": comments.pk}).content.decode()
    last = author_client.get(_url(survey), {"question": comments.pk, "page": 3}).content.decode()
    assert re.findall(r"Remark (\d+)", first) == ["11", "10", "09", "08", "07"]
    assert re.findall(r"Remark (\d+)", last) == ["01", "00"]
    assert "page 3 of 3" in last and "can identify people" in last


def test_answers_page_only_for_a_free_text_question_of_this_survey(author_client, survey, quiz):
    """A choice question, another component's question or a bad id: 404."""
    role = survey.questions.get(slug="role")
    other = quiz.questions.first()
    for value in (role.pk, other.pk, "x"):
        assert author_client.get(_url(survey), {"question": value}).status_code == 404


def test_split_by_cycle_only_when_every_cycle_has_enough_learners(agency, series, reading):
    """Refresher cycles are counted apart; a cycle under the threshold hides the split, since
    it could be worked out from the total."""
    users = [factories.learner_of(agency, email=f"cycle{i}@example.org") for i in range(7)]
    done = T0 + timedelta(hours=1)
    first = Enrollment.objects.bulk_create(
        Enrollment(
            user=u, series=series, cycle=1, is_current=i >= 5, completed_at=done,
            percent_complete=100,
        )
        for i, u in enumerate(users)
    )  # fmt: skip
    second = Enrollment.objects.bulk_create(
        Enrollment(user=u, series=series, cycle=2) for u in users[:5]
    )
    Progress.objects.bulk_create(
        [
            Progress(
                enrollment=e, component=reading, state="completed", percent=100,
                started_at=T0, completed_at=done,
            )
            for e in first
        ]
        + [Progress(enrollment=e, component=reading, started_at=T0) for e in second]
    )  # fmt: skip

    figures = selectors_stats.progress_figures(component=reading)
    assert (figures.started, figures.completed) == (12, 7)
    assert [(c.cycle, c.started, c.completed, c.rate) for c in figures.cycles] == [
        (1, 7, 7, 100),
        (2, 5, 0, 0),
    ]

    Progress.objects.filter(enrollment=second[0]).delete()
    assert selectors_stats.progress_figures(component=reading).cycles == []


# --- Small numbers --------------------------------------------------------------------------


def test_fewer_than_five_learners_show_fewer_than_5_and_no_figure(
    author_client, agency, series, reading
):
    """Four learners: the page says “fewer than 5” and gives no count, rate or time."""
    assert selectors_stats.SUPPRESS_BELOW == 5
    learners = _learners(agency, series, 4)
    for user, minutes in zip(learners, [10, 20, 30, 40], strict=True):
        _read(user, reading, minutes=minutes)

    html = author_client.get(_url(reading)).content.decode()

    assert 'data-suppressed="component"' in html
    assert "Fewer than 5 learners" in html
    assert "data-figure" not in html
    assert "100%" not in html and "25 min" not in html and ">4<" not in html
    _assert_nameless(html, learners, agency)


def test_five_learners_are_enough(author_client, agency, series, reading):
    """At the threshold itself the figures are given."""
    for user in _learners(agency, series, 5):
        _read(user, reading, minutes=15)

    html = author_client.get(_url(reading)).content.decode()

    assert _figure(html, "started") == "5" and _figure(html, "median") == "15 min"


def test_a_median_of_nothing_at_all_is_still_shown(author_client, agency, series, reading):
    """Marked read the moment it was opened: the median is 0 s, not “no completion”."""
    for user in _learners(agency, series, 5):
        course_services.progress_record(user=user, component=reading, now=T0)

    html = author_client.get(_url(reading)).content.decode()

    assert _figure(html, "median") == "0 s"


def test_threshold_is_the_module_constant(author_client, agency, series, reading, monkeypatch):
    """Raise it and five learners are no longer enough."""
    monkeypatch.setattr(selectors_stats, "SUPPRESS_BELOW", 6)
    for user in _learners(agency, series, 5):
        _read(user, reading, minutes=15)

    html = author_client.get(_url(reading)).content.decode()

    assert "Fewer than 6 learners" in html and "data-figure" not in html


def test_quiz_with_fewer_than_five_attempters_hides_its_results(
    author_client, agency, series, quiz
):
    """Six opened the quiz, three submitted it: the completion figures show, the results not."""
    learners = _learners(agency, series, 6)
    for user in learners:
        course_services.progress_start(user=user, component=quiz)
    for user in learners[:3]:
        _take(user, quiz, {"q1", "q2"})

    html = author_client.get(_url(quiz)).content.decode()

    assert _figure(html, "started") == "6"
    assert 'data-suppressed="quiz"' in html and "Fewer than 5 learners have submitted" in html
    assert 'data-figure="pass-rate"' not in html and "data-band" not in html


def test_a_question_answered_by_fewer_than_five_learners_hides_its_share(
    author_client, agency, series, quiz
):
    """A question added after five learners took the quiz, answered by two since."""
    learners = _learners(agency, series, 7)
    for user in learners[:5]:
        _take(user, quiz, {"q1", "q2"})
    late = Question.objects.create(
        component=quiz, slug="q3", position=3, kind="single", text="Added later?"
    )
    late.choices.create(position=1, text="Yes", is_correct=True)
    late.choices.create(position=2, text="No")
    for user in learners[5:]:
        _take(user, quiz, {"q1", "q2", "q3"})

    html = author_client.get(_url(quiz)).content.decode()

    row = re.search(r'data-question="q3".*?</tr>', html, re.S).group(0)
    assert 'data-share="suppressed"' in row and "fewer than 5 learners" in row
    assert re.search(r'data-question="q1".*?data-share="100"', html, re.S)


def test_survey_with_fewer_than_five_responses_shows_no_answers(
    author_client, agency, series, survey
):
    """Five opened it, three responded: no counts, no mean, and none of the words."""
    learners = _learners(agency, series, 5)
    for user in learners:
        course_services.progress_start(user=user, component=survey)
    for user in learners[:3]:
        _respond(user, survey, useful=5, role="Patrol", comment="A telling remark")
    comments = survey.questions.get(slug="comments")

    html = author_client.get(_url(survey)).content.decode()
    answers = author_client.get(_url(survey), {"question": comments.pk}).content.decode()

    assert 'data-suppressed="survey"' in html and "Fewer than 5 responses" in html
    assert "A telling remark" not in html and "A telling remark" not in answers
    assert 'data-figure="responses"' not in html and 'data-suppressed="survey"' in answers


# --- Who may see it -------------------------------------------------------------------------


def test_learner_and_supervisor_are_refused(client, agency, learner, reading):
    """403 for a learner and for a supervisor of the learners' own agency."""
    supervisor = factories.supervisor_of(agency)
    for user in (learner, supervisor):
        client.force_login(user)
        assert client.get(_url(reading)).status_code == 403


def test_anonymous_user_is_sent_to_sign_in(client, reading):
    response = client.get(_url(reading))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={_url(reading)}"


def test_unknown_or_archived_component_is_404(author_client, reading, module):
    """No such id, an archived component, a component of an archived module: 404."""
    assert author_client.get("/studio/components/999999/stats/").status_code == 404
    reading.archived_at = timezone.now()
    reading.save(update_fields=["archived_at"])
    assert author_client.get(_url(reading)).status_code == 404
    video = module.components.get(slug="intro-video")
    Module.objects.filter(pk=module.pk).update(archived_at=timezone.now())
    assert author_client.get(_url(video)).status_code == 404


def test_only_get(author_client, reading):
    assert author_client.post(_url(reading)).status_code == 405


def test_series_page_links_each_components_statistics(author_client, series, reading):
    html = author_client.get(f"/studio/series/{series.slug}/").content.decode()
    assert f'href="{_url(reading)}">Statistics</a>' in html


def test_duration_text_reads_like_a_person_would_say_it():
    assert duration_text(timedelta(seconds=44.6)) == "45 s"
    assert duration_text(timedelta(minutes=12, seconds=20)) == "12 min"
    assert duration_text(timedelta(hours=2)) == "2 h"
    assert duration_text(timedelta(hours=2, minutes=5)) == "2 h 5 min"
    assert duration_text(timedelta(days=1, hours=3)) == "1 day 3 h"
    assert duration_text(timedelta(days=3)) == "3 days"


# --- Queries --------------------------------------------------------------------------------


def _fill(kind: str, component: Component, agency, series: Series, n: int) -> None:
    learners = _learners(agency, series, n, tag=f"{kind}{n}")
    for i, user in enumerate(learners):
        if kind == "document":
            _read(user, component, minutes=i + 1)
        elif kind == "quiz":
            if i % 3 == 0:
                _take(user, component, {"q1"})  # failed first, passed the second time
            _take(user, component, {"q1", "q2"})
        else:
            _respond(user, component, useful=1 + i % 5, role="Patrol", comment=f"Note {i}")


@pytest.mark.parametrize("learners", [5, 50])
@pytest.mark.parametrize("kind", ["document", "quiz", "survey"])
def test_queries_do_not_grow_with_learners(
    author_client, agency, series, reading, quiz, survey, kind, learners,
    django_assert_max_num_queries,
):  # fmt: skip
    """The same bound at 5 and at 50 learners, every figure shown."""
    component = {"document": reading, "quiz": quiz, "survey": survey}[kind]
    _fill(kind, component, agency, series, learners)

    with django_assert_max_num_queries(PAGE_QUERIES[kind]):
        response = author_client.get(_url(component))

    assert response.status_code == 200
    assert b"data-suppressed" not in response.content
