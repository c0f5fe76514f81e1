"""The load scenario: learners and supervisors of the scale agency, through the real pages.

Run by ``bench/load.py``, which seeds the data, writes the accounts file this reads (learners,
supervisors with their authenticator secrets, the pages to visit) and starts gunicorn; by hand::

    .venv/bin/locust -f bench/locustfile.py --headless -u 200 -r 5 -t 5m \
        --host http://127.0.0.1:8123 --accounts bench/out/load-accounts.json

Nine users in ten are learners, one a supervisor (weights 9:1: 180 and 20 of 200). Each signs
in through the sign-in form, as a browser does, into an account of its own:

- a learner is a seeded scale learner with a component in progress (``load.py`` picks them).
  Before the measurement it enrols in the demo series (its video: the scale series holds
  readings only) and acknowledges that module's content advisory, and enrols in the load's quiz
  series (``bench/load_quiz_series.json``: one quiz), as the pages ask;
- a supervisor is one of the load's supervisors of the scale agency, each with an
  authenticator app (the site requires two-factor authentication of supervisors, and a code is
  accepted once per account: twenty sessions of one account could not all sign in within a
  code's 30 s).

What a user does, and how often (the pace: the constants below; ``load.py`` prints the rate
they offer). A learner works through a series the way the site's own client paces it. It plays
a stretch of video, ``WATCH_HEARTBEATS`` (12 to 36) reports of five more seconds played, one
every ``HEARTBEAT_SECONDS`` (5 s: ``static/js/video.js`` flushes every 5 s of playing, JSON
with ``X-CSRFToken`` from the page): 1 to 3 minutes of playing. (The demo video is a 12 s
placeholder: the player starts it again, standing in for a real training video's length.)
Then it visits ``PAGES_BETWEEN_VIDEOS`` (2 to 4) pages, each picked by ``PAGE_WEIGHTS``, and
spends ``READING_SECONDS`` (5 to 15 s) on each page before its next request:

- home (its home page), series (the scale series' page): one request each;
- reading: resume the scale series (a redirect to the next reading), read it, “I have read
  this” (the form POST that records a completion): two pauses, three requests;
- quiz: the quiz page; unless already passed, “Start the quiz” (or “Try again”), answer the
  four questions (``ANSWERING_SECONDS``, 15 to 45 s), each right with ``RIGHT_ANSWER_CHANCE``
  (0.7: three of four pass, about 65% of attempts), submit as the form does (CSRF token,
  ``attempt``, one ``q<question id>`` radio each), and read the result the redirect leads to
  (its score and verdict are checked against the answers given): three pauses, five requests.
  Once passed (the series is complete), the quiz is a page of its own: one request;

then goes back to the video page and plays on. Averaged, a round is about 196 s and 33
requests, 24 of them heartbeats (73%): about 0.17 requests a second per learner. A supervisor,
reviewing actively, opens the dashboard or a page of the learners table (4:5) with
``REVIEW_SECONDS`` (2 to 5 s) between them, and exports the CSV once every ``--export-every``
seconds. These rates are at zero response time: a slow answer delays the user's next request.

Sessions end after 40 to 160 actions (100 to 300 for supervisors: about 4 to 17 minutes at this
pace); the first ends after 1 to that many, as a run finds people mid-session. Then the user
signs out and in again, so signing in is measured too. Statistics are reset once every user has
signed in and set up (``--reset-stats`` would reset when the last user is *spawned*, while the
sign-ins are still running), and a learner found mid-session starts mid-video; the run then
lasts ``--measure-seconds`` and stops. What happened before the reset is kept apart in the
summary file (``--summary``): a failure there fails the run as well.

The load generator stands in for the TLS-terminating proxy in front of the servers: it sends
``X-Forwarded-Proto: https`` (``SECURE_PROXY_SSL_HEADER``), the ``Origin`` a browser sends with
an HTTPS page's POST, and returns the ``Secure`` cookies over the loopback connection.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import logging
import random
import re
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.cookiejar import Cookie
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from locust import HttpUser, events, task
from locust.clients import ResponseContextManager
from locust.env import Environment
from requests.cookies import RequestsCookieJar

logger = logging.getLogger(__name__)

# The pace (the module docstring and README's "### Load": what a user does, and how often).
HEARTBEAT_SECONDS = 5.0  # video.js reports every 5 s of playing (FLUSH_MS = 5000)
WATCH_HEARTBEATS = (12, 36)  # heartbeats in a row: a stretch of 1 to 3 minutes of playing
PAGES_BETWEEN_VIDEOS = (2, 4)  # pages visited after each stretch of video
PAGE_WEIGHTS = {"home": 1, "series": 1, "reading": 2, "quiz": 1}  # which page each of those is
READING_SECONDS = (5.0, 15.0)  # a learner on a page before its next request
ANSWERING_SECONDS = (15.0, 45.0)  # answering the quiz's questions before submitting them
RIGHT_ANSWER_CHANCE = 0.7  # each question answered right with this chance
REVIEW_SECONDS = (2.0, 5.0)  # a supervisor between dashboard and table pages


class Visit(NamedTuple):
    """A page visit as a ``LearnerUser.visit_*`` method makes it: its actions (tasks), its
    requests, and the pauses after its actions (how many of each kind)."""

    actions: int
    requests: int
    reading_pauses: int
    answering_pauses: int = 0


PAGE_VISITS = {  # the quiz as taken (once passed, a visit is one page: Visit(1, 1, 1))
    "home": Visit(1, 1, 1),
    "series": Visit(1, 1, 1),
    "reading": Visit(2, 3, 2),
    "quiz": Visit(3, 5, 2, 1),
}
TOTP_PERIOD, TOTP_DIGITS = 30, 6  # allauth's defaults, which the project keeps
CODE_MARGIN_SECONDS = 5  # a code this close to its end may reach the server too late
LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"
MFA_URL = "/accounts/2fa/authenticate/"
TABLE_PAGE_SIZE = 50  # supervision.views.PAGE_SIZE
EXPORT_HEADER = (
    b"agency,learner_name,learner_email,series,status,percent_complete,due_on,completed_on,"
    b"last_activity"
)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
QUIZ_ATTEMPT = re.compile(r'name="attempt" value="([0-9]+)"')
QUIZ_CHOICE = re.compile(r'name="q([0-9]+)" id="c[0-9]+" value="([0-9]+)"')
PROGRESS_URL = re.compile(r'data-progress-url="([^"]+)"')
RESUME_AT = re.compile(r'data-resume="([0-9.]+)"')


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument(
        "--accounts",
        default=str(Path(__file__).resolve().parent / "out" / "load-accounts.json"),
        help="the accounts file bench/load.py writes",
    )
    parser.add_argument(
        "--measure-seconds",
        type=float,
        default=180.0,
        help="how long to measure once every user has signed in (then the run stops)",
    )
    parser.add_argument(
        "--export-every",
        type=float,
        default=180.0,
        help="seconds between one supervisor's CSV exports (the first at a random moment)",
    )
    parser.add_argument("--summary", default="", help="write the run's summary here (JSON)")


class Run:
    """What the users of this process share: the accounts, and the phase of the run."""

    accounts: dict[str, Any] = {}
    learner_numbers = itertools.count()
    supervisor_numbers = itertools.count()
    ready = 0
    ready_by_class: Counter[str] = Counter()
    measure_started: float | None = None
    measure_ended: float | None = None
    setup = {"requests": 0, "failures": 0}
    setup_entries: list[dict[str, Any]] = []
    failure_samples: list[str] = []
    user_errors: list[str] = []


@events.init.add_listener
def _load_accounts(environment: Environment, **_kwargs: Any) -> None:
    options = environment.parsed_options
    if options is None:
        return
    Run.accounts = json.loads(Path(options.accounts).read_text())


@events.request.add_listener
def _tally(name: str, exception: BaseException | None, **_kwargs: Any) -> None:
    if Run.measure_started is None:
        Run.setup["requests"] += 1
        Run.setup["failures"] += exception is not None
    if exception is not None and len(Run.failure_samples) < 50:
        phase = "setup" if Run.measure_started is None else "measured"
        Run.failure_samples.append(f"{phase}: {name}: {exception}")


@events.user_error.add_listener
def _user_error(exception: BaseException, **_kwargs: Any) -> None:
    # An exception in a task is not a request failure in locust's table: count it apart.
    Run.user_errors.append(f"{type(exception).__name__}: {exception}")


def _user_ready(user: SiteUser) -> None:
    """Called by each user once signed in and set up; the last one starts the measurement."""
    environment = user.environment
    Run.ready += 1
    Run.ready_by_class[type(user).__name__] += 1
    options, runner = environment.parsed_options, environment.runner
    if options is None or runner is None or Run.measure_started is not None:
        return
    if Run.ready < options.num_users:
        return
    ramp = time.time() - environment.stats.total.start_time
    Run.setup_entries = [_figures(e, ramp) for e in _entries(environment)]
    Run.setup_entries.append(_figures(environment.stats.total, ramp))
    environment.stats.reset_all()
    Run.measure_started = time.time()
    logger.warning("All %d users are signed in: statistics reset, measuring.", Run.ready)

    def stop() -> None:
        time.sleep(options.measure_seconds)  # gevent's sleep: locust patches the standard library
        Run.measure_ended = time.time()
        runner.quit()

    runner.greenlet.spawn(stop)


def _mean(bounds: tuple[float, float]) -> float:
    return (bounds[0] + bounds[1]) / 2


def offered_pace(learners: int, supervisors: int, export_every: float) -> dict[str, Any]:
    """The rate the pace constants offer, at zero response time. A learner's round (a stretch
    of video, then its pages) on average: its actions, requests and seconds; the long-run rate
    is their ratio. The quiz is counted as taken (once passed, it is one page)."""
    reading, answering = _mean(READING_SECONDS), _mean(ANSWERING_SECONDS)
    beats, pages = _mean(WATCH_HEARTBEATS), _mean(PAGES_BETWEEN_VIDEOS)

    def per_page(value: Callable[[Visit], float]) -> float:
        mix = [(PAGE_WEIGHTS[name], value(visit)) for name, visit in PAGE_VISITS.items()]
        return sum(weight * v for weight, v in mix) / sum(weight for weight, _ in mix)

    # The video page (a heartbeat's pause after it), the heartbeats (a reading pause after the
    # last), then the pages.
    actions = 1 + beats + pages * per_page(lambda visit: visit.actions)
    requests = 1 + beats + pages * per_page(lambda visit: visit.requests)
    paused = per_page(lambda v: v.reading_pauses * reading + v.answering_pauses * answering)
    seconds = HEARTBEAT_SECONDS * beats + reading + pages * paused
    learner_actions, learner_requests = actions / seconds, requests / seconds
    supervisor_actions = 1 / _mean(REVIEW_SECONDS)
    supervisor_requests = supervisor_actions + (1 / export_every if export_every else 0.0)
    return {
        "learners": learners,
        "supervisors": supervisors,
        "learner_round_seconds": seconds,
        "learner_round_requests": requests,
        "heartbeat_share": beats / requests,
        "learner_actions_per_s": learner_actions,
        "learner_requests_per_s": learner_requests,
        "supervisor_actions_per_s": supervisor_actions,
        "supervisor_requests_per_s": supervisor_requests,
        "actions_per_s": learners * learner_actions + supervisors * supervisor_actions,
        "requests_per_s": learners * learner_requests + supervisors * supervisor_requests,
        "model": (
            f"learner: a heartbeat every {HEARTBEAT_SECONDS:g} s while a video plays "
            f"({WATCH_HEARTBEATS[0]}-{WATCH_HEARTBEATS[1]} in a row), then "
            f"{PAGES_BETWEEN_VIDEOS[0]}-{PAGES_BETWEEN_VIDEOS[1]} pages "
            f"({', '.join(f'{k} {v}' for k, v in PAGE_WEIGHTS.items())}), "
            f"{READING_SECONDS[0]:g}-{READING_SECONDS[1]:g} s on each "
            f"({ANSWERING_SECONDS[0]:g}-{ANSWERING_SECONDS[1]:g} s answering the quiz); "
            f"supervisor: {REVIEW_SECONDS[0]:g}-{REVIEW_SECONDS[1]:g} s between pages, "
            f"an export every {export_every:g} s"
        ),
    }


def _entries(environment: Environment) -> list[Any]:
    return sorted(environment.stats.entries.values(), key=lambda e: (e.name, e.method or ""))


def _figures(entry: Any, seconds: float) -> dict[str, Any]:
    return {
        "name": entry.name,
        "method": entry.method,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": entry.num_requests / seconds if seconds else 0.0,
        "p50": entry.get_response_time_percentile(0.50),
        "p95": entry.get_response_time_percentile(0.95),
        "p99": entry.get_response_time_percentile(0.99),
        "max": entry.max_response_time,
    }


@events.quitting.add_listener
def _write_summary(environment: Environment, **_kwargs: Any) -> None:
    options = environment.parsed_options
    if options is None or not options.summary:
        return
    started = Run.measure_started
    ended = Run.measure_ended or time.time()
    seconds = ended - started if started else 0.0
    summary = {
        "users_ready": Run.ready,
        "pace": offered_pace(
            Run.ready_by_class["LearnerUser"],
            Run.ready_by_class["SupervisorUser"],
            options.export_every,
        ),
        "measure_started": started,
        "measure_ended": ended,
        "measured_seconds": seconds,
        "setup": Run.setup,
        "setup_entries": Run.setup_entries,
        "failure_samples": Run.failure_samples,
        "user_errors": Run.user_errors[:50],
        "user_error_count": len(Run.user_errors),
        "entries": [_figures(e, seconds) for e in _entries(environment)],
        "total": _figures(environment.stats.total, seconds),
    }
    Path(options.summary).write_text(json.dumps(summary, indent=2) + "\n")


class ProxyCookieJar(RequestsCookieJar):
    """The cookie jar of a TLS-terminating proxy's client: the ``Secure`` cookies (the session,
    the CSRF cookie) go back over the plain loopback hop, as they do over HTTPS to the proxy."""

    def set_cookie(self, cookie: Cookie, *args: Any, **kwargs: Any) -> None:
        cookie.secure = False
        super().set_cookie(cookie, *args, **kwargs)


def totp_code(secret: str, at: float) -> str:
    """The authenticator app's code (RFC 6238, as allauth checks it) at time ``at``."""
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(at) // TOTP_PERIOD), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**TOTP_DIGITS:0{TOTP_DIGITS}d}"


def csrf_input(html: str) -> str | None:
    match = CSRF_INPUT.search(html)
    return match.group(1) if match else None


def location(response: Any) -> str:
    """The path a redirect points to (Django sends relative ones; absolute ones are cut)."""
    target = urlsplit(str(response.headers.get("Location") or ""))
    return target.path + (f"?{target.query}" if target.query else "")


class SiteUser(HttpUser):
    """What learners and supervisors share: the browser's headers, signing in and out."""

    abstract = True
    email = ""
    first_page = "/"  # where the sign-in form's POST leads
    session_min, session_max = 40, 160  # tasks in a session before it ends
    pace = READING_SECONDS  # seconds between tasks, and before a form's POST

    def wait_time(self) -> float:
        return random.uniform(*self.pace)

    def on_start(self) -> None:
        self.client.cookies = ProxyCookieJar()
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.origin = "https://" + urlsplit(str(self.host)).netloc
        self.client.headers["Origin"] = self.origin
        self.password = Run.accounts["password"]
        self.choose_account()
        for attempt in range(5):
            if self.sign_in() and self.set_up():
                break
            time.sleep(2 + attempt)  # a failure is counted; try again, as a person would
        # The run finds the user mid-session: the first ends after 1 to session_max tasks.
        self.tasks_left = random.randint(1, self.session_max)
        self.ready()
        _user_ready(self)

    def ready(self) -> None:
        """Signed in and set up, before the first task."""

    def choose_account(self) -> None:
        raise NotImplementedError

    def set_up(self) -> bool:
        """After signing in: what the user's pages need (True when done)."""
        return True

    def expect(self, response: ResponseContextManager, status: int, **checks: Any) -> bool:
        """Mark ``response`` failed unless it has ``status`` and passes ``checks``: ``to`` (a
        redirect's target, or a prefix of it ending in ``*``), ``contains`` (text in the page)."""
        if response.status_code != status:
            where = f" to {location(response)}" if response.status_code in (301, 302) else ""
            response.failure(f"{response.status_code}{where} (expected {status})")
            return False
        to = checks.get("to")
        if to is not None:
            target = location(response)
            if not (target.startswith(to[:-1]) if to.endswith("*") else target == to):
                response.failure(f"redirected to {target}, not {to}")
                return False
        contains = checks.get("contains")
        if contains is not None and contains not in response.text:
            response.failure(f"no {contains!r} in the page")
            return False
        response.success()
        return True

    def get(self, url: str, *, name: str) -> ResponseContextManager:
        """A page, as the user's browser asks for it (a redirect is an answer of its own)."""
        return self.client.get(url, name=name, allow_redirects=False, catch_response=True)

    def post_form(
        self, url: str, data: dict[str, str], *, name: str, referer: str
    ) -> ResponseContextManager:
        return self.client.post(
            url,
            data=data,
            name=name,
            headers={"Referer": self.origin + referer},
            allow_redirects=False,
            catch_response=True,
        )

    def sign_in(self) -> bool:
        with self.get(LOGIN_URL, name="sign in: form") as page:
            if not self.expect(page, 200, contains='name="password"'):
                return False
            token = csrf_input(page.text)
        self.wait()  # typing the email address and password
        form = {"csrfmiddlewaretoken": token or "", "login": self.email, "password": self.password}
        with self.post_form(LOGIN_URL, form, name="sign in", referer=LOGIN_URL) as answer:
            return self.expect(answer, 302, to=self.first_page)

    def sign_out(self) -> bool:
        token = self.client.cookies.get("csrftoken") or ""
        form = {"csrfmiddlewaretoken": token}
        with self.post_form(LOGOUT_URL, form, name="sign out", referer="/") as answer:
            return self.expect(answer, 302, to="/")

    def session_goes_on(self) -> None:
        """End the session after its tasks, and start another (sign out, sign in, set up)."""
        self.tasks_left -= 1
        if self.tasks_left > 0:
            return
        self.tasks_left = random.randint(self.session_min, self.session_max)
        if self.sign_out() and self.sign_in() and self.set_up():
            self.ready()


class LearnerUser(SiteUser):
    """A learner working through a series: stretches of video, pages between them (the module
    docstring). Its one task is the next action of ``working_through``, which yields the pause
    that follows each action."""

    weight = 9

    def choose_account(self) -> None:
        learners = Run.accounts["learners"]
        self.email = learners[next(Run.learner_numbers) % len(learners)]
        self.series_url = Run.accounts["series_url"]
        self.series_title = Run.accounts["series_title"]
        self.video_url = Run.accounts["video"]["url"]
        self.video_series_url = Run.accounts["video"]["series_url"]
        self.duration = float(Run.accounts["video"]["duration"])
        quiz = Run.accounts["quiz"]
        self.quiz_url, self.quiz_series_url = quiz["url"], quiz["series_url"]
        self.pass_mark = int(quiz["pass_mark"])
        self.right_choice = {int(q): int(c) for q, c in quiz["right"].items()}
        self.on_video_page = False
        self.next_pause: float | None = None
        self.mid_session = True
        self.activity: Iterator[float] = iter(())

    def wait_time(self) -> float:
        """After a task, the pause its action asked for; elsewhere (signing in, enrolling,
        before a form's POST), a reading pause."""
        pause, self.next_pause = self.next_pause, None
        return pause if pause is not None else super().wait_time()

    def set_up(self) -> bool:
        """Enrol in the quiz series when not enrolled yet, then open the video page (enrolling
        in its series and acknowledging its module's content advisory when the site asks)."""
        return self._open_enrolled(self.quiz_url, "quiz", self.quiz_series_url) and (
            self._video_page()
        )

    def ready(self) -> None:
        """A new session works through the series from the video page; the first one starts
        mid-video."""
        self.activity = self.working_through(mid_video=self.mid_session)
        self.mid_session = False

    @task
    def act(self) -> None:
        try:
            self.next_pause = next(self.activity)
        except StopIteration:  # after an exception in it (counted): start again
            self.activity = self.working_through(mid_video=False)
            self.next_pause = next(self.activity)
        self.session_goes_on()

    def working_through(self, *, mid_video: bool) -> Iterator[float]:
        """The session, one action a step, each yielding the pause after it: a stretch of
        video, then a few pages, again and again."""
        pages, weights = list(PAGE_WEIGHTS), list(PAGE_WEIGHTS.values())
        visits: dict[str, Callable[[], Iterator[float]]] = {
            "home": self.visit_home,
            "series": self.visit_series,
            "reading": self.visit_reading,
            "quiz": self.visit_quiz,
        }
        while True:
            low, high = WATCH_HEARTBEATS
            yield from self.watch(random.randint(1 if mid_video else low, high))
            mid_video = False
            for page in random.choices(pages, weights, k=random.randint(*PAGES_BETWEEN_VIDEOS)):
                self.on_video_page = False
                yield from visits[page]()

    @staticmethod
    def reading() -> float:
        return random.uniform(*READING_SECONDS)

    # --- the video ---------------------------------------------------------------------------

    def watch(self, beats: int) -> Iterator[float]:
        """Open the video page (unless on it) and play: ``beats`` heartbeats 5 s apart."""
        if not self.on_video_page:
            if not self._video_page():
                yield self.reading()
                return
            yield HEARTBEAT_SECONDS
        for beat in range(beats):
            self.heartbeat()
            yield HEARTBEAT_SECONDS if beat < beats - 1 else self.reading()

    def _video_page(self) -> bool:
        """The video page as the browser opens it, through the advisory or the enrolment the
        site asks for first; sets up the player (progress URL, CSRF token, where to resume)."""
        for _step in range(4):
            with self.get(self.video_url, name="video page") as page:
                if page.status_code == 200:
                    return self._player(page)
                target = location(page) if page.status_code == 302 else ""
                if not target.endswith("/advisory/") and target != self.video_series_url:
                    return self.expect(page, 200)
                page.success()
            if target.endswith("/advisory/"):
                done = self._acknowledge(target)
            else:
                done = self._enrol(self.video_series_url, "video")
            if not done:
                return False
        return False

    def _player(self, page: ResponseContextManager) -> bool:
        progress, resume = PROGRESS_URL.search(page.text), RESUME_AT.search(page.text)
        token = csrf_input(page.text)
        if progress is None or token is None:
            page.failure("no video player on the page")
            return False
        self.progress_url, self.page_token = progress.group(1), token
        self.position = float(resume.group(1)) if resume else 0.0
        self.on_video_page = True
        return self.expect(page, 200)

    def _acknowledge(self, advisory: str) -> bool:
        with self.get(advisory, name="video: advisory") as page:
            if not self.expect(page, 200, contains="I understand"):
                return False
            form = {"csrfmiddlewaretoken": csrf_input(page.text) or ""}
        self.wait()  # reading the advisory
        with self.post_form(
            advisory, form, name="video: advisory, I understand", referer=advisory
        ) as answer:
            return self.expect(answer, 302, to=self.video_url)

    def _enrol(self, url: str, label: str) -> bool:
        with self.get(url, name=f"{label}: series page") as page:
            if not self.expect(page, 200, contains=f"{url}enrol/"):
                return False
            form = {"csrfmiddlewaretoken": csrf_input(page.text) or ""}
        self.wait()  # reading about the series
        with self.post_form(f"{url}enrol/", form, name=f"{label}: enrol", referer=url) as answer:
            return self.expect(answer, 302, to=url)

    def _open_enrolled(self, url: str, label: str, series_url: str) -> bool:
        """Open ``url``, enrolling in its series first when the site sends the learner there."""
        for _step in range(2):
            with self.get(url, name=label) as page:
                if page.status_code == 200:
                    return self.expect(page, 200)
                if page.status_code != 302 or location(page) != series_url:
                    return self.expect(page, 200)
                page.success()
            if not self._enrol(series_url, label):
                return False
        return False

    def heartbeat(self) -> None:
        """Five more seconds of the video played, reported as video.js reports them; from the
        start again once it has ended (the player starts it again)."""
        if self.position >= self.duration - 0.5:
            self.position = 0.0
        start, end = self.position, min(self.position + HEARTBEAT_SECONDS, self.duration)
        with self.client.post(
            self.progress_url,
            data=json.dumps({"watched": [[start, end]], "position": end}),
            name="heartbeat",
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self.page_token,
                "Referer": self.origin + self.video_url,
            },
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if self.expect(answer, 200) and "percent" not in answer.json():
                answer.failure("no percent in the answer")
        self.position = end

    # --- the pages between videos ------------------------------------------------------------

    def visit_home(self) -> Iterator[float]:
        with self.get("/", name="home") as page:
            self.expect(page, 200, contains=self.series_title)
        yield self.reading()

    def visit_series(self) -> Iterator[float]:
        with self.get(self.series_url, name="series") as page:
            self.expect(page, 200, contains=self.series_title)
        yield self.reading()

    def visit_reading(self) -> Iterator[float]:
        """Resume the series, read the reading it opens and mark it read: the form POST that
        records a completion. Once the series is complete, resuming leads to the series page
        and there is nothing left to read."""
        resume = f"{self.series_url}resume/"
        with self.get(resume, name="series resume") as answer:
            ok = self.expect(answer, 302, to=f"{self.series_url}*")
            target = location(answer)
        form = None
        if ok and target != self.series_url:
            with self.get(target, name="reading") as page:
                if self.expect(page, 200) and "I have read this" in page.text:
                    form = {"csrfmiddlewaretoken": csrf_input(page.text) or ""}
        yield self.reading()
        if form is not None:
            with self.post_form(
                f"{target}progress/", form, name="reading: I have read this", referer=target
            ) as done:
                self.expect(done, 302, to=resume)
            yield self.reading()

    def visit_quiz(self) -> Iterator[float]:
        """The quiz page; unless passed, start an attempt (or carry on with the open one),
        answer, submit and read the result, as the quiz template's forms post."""
        url = self.quiz_url
        with self.get(url, name="quiz") as page:
            html = page.text if self.expect(page, 200) else ""
        start = f'action="{url}quiz/start/"' in html
        if start or f'action="{url}quiz/submit/"' not in html:  # passed, or to start
            yield self.reading()
        if start:
            form = {"csrfmiddlewaretoken": csrf_input(html) or ""}
            with self.post_form(f"{url}quiz/start/", form, name="quiz: start", referer=url) as ans:
                started = self.expect(ans, 302, to=url)
            html = ""
            if started:  # the browser follows the redirect to the attempt's questions
                with self.get(url, name="quiz: questions") as page:
                    if self.expect(page, 200, contains=f'action="{url}quiz/submit/"'):
                        html = page.text
        attempt, token = QUIZ_ATTEMPT.search(html), csrf_input(html)
        if attempt is None or token is None:  # passed, or a failure (counted)
            if start:
                yield self.reading()
            return
        choices: dict[int, list[int]] = {}
        for question, choice in QUIZ_CHOICE.findall(html):
            choices.setdefault(int(question), []).append(int(choice))
        answers, right = self.answer(choices)
        yield random.uniform(*ANSWERING_SECONDS)
        form = {"csrfmiddlewaretoken": token, "attempt": attempt.group(1)}
        form |= {f"q{question}": str(choice) for question, choice in answers.items()}
        with self.post_form(f"{url}quiz/submit/", form, name="quiz: submit", referer=url) as ans:
            submitted = self.expect(ans, 302, to=url)
            if submitted and not str(ans.headers.get("Location", "")).endswith("#results"):
                ans.failure(f"redirected to {ans.headers.get('Location')}, not to #results")
                submitted = False
        if submitted:  # the browser follows the redirect to the result
            score = 100 * right // len(answers)
            verdict = "passed" if score >= self.pass_mark else "not passed yet"
            with self.get(url, name="quiz: result") as page:
                self.expect(page, 200, contains=f"{score}% — {verdict}</h2>")
        yield self.reading()

    def answer(self, choices: dict[int, list[int]]) -> tuple[dict[int, int], int]:
        """One choice per question: the right one with ``RIGHT_ANSWER_CHANCE``, else another.
        Returns the answers and how many are right."""
        answers, right = {}, 0
        for question, offered in choices.items():
            correct = self.right_choice.get(question)
            wrong = [choice for choice in offered if choice != correct]
            if correct in offered and (not wrong or random.random() < RIGHT_ANSWER_CHANCE):
                answers[question], right = correct, right + 1
            else:
                answers[question] = random.choice(wrong)
        return answers, right


class SupervisorUser(SiteUser):
    weight = 1
    pace = REVIEW_SECONDS
    first_page = MFA_URL  # the second step of signing in
    session_min, session_max = 100, 300

    def choose_account(self) -> None:
        supervisors = Run.accounts["supervisors"]
        account = supervisors[next(Run.supervisor_numbers) % len(supervisors)]
        self.email, self.secret = account["email"], account["totp_secret"]
        self.last_step = -1
        self.table_pages = max(1, min(20, Run.accounts["learner_count"] // TABLE_PAGE_SIZE))
        self.agency_name = Run.accounts["agency_name"]
        self.export_rows = Run.accounts["learner_count"]
        self.next_export: float | None = None

    def set_up(self) -> bool:
        """The second step of signing in: the authenticator app's code. A code is taken once
        and only in its own 30 s: like a person, wait for a fresh code when this one was used
        or is about to run out, and type the next one if it was refused."""
        with self.get(MFA_URL, name="sign in: code form") as page:
            if not self.expect(page, 200, contains='name="code"'):
                return False
            token = csrf_input(page.text)
        self.wait()  # opening the authenticator app
        for _try in range(3):
            while (
                int(time.time()) // TOTP_PERIOD == self.last_step
                or TOTP_PERIOD - time.time() % TOTP_PERIOD < CODE_MARGIN_SECONDS
            ):
                time.sleep(1)
            now = time.time()
            self.last_step = int(now) // TOTP_PERIOD
            form = {"csrfmiddlewaretoken": token or "", "code": totp_code(self.secret, now)}
            with self.post_form(MFA_URL, form, name="sign in: code", referer=MFA_URL) as answer:
                if self.expect(answer, 302, to="/"):
                    return True
                token = csrf_input(answer.text) or token
        return False

    @task(4)
    def dashboard(self) -> None:
        with self.get("/agency/", name="agency: dashboard") as page:
            self.expect(page, 200, contains=self.agency_name)
        self.export_when_due()
        self.session_goes_on()

    @task(5)
    def table(self) -> None:
        page_number = random.randint(1, self.table_pages)
        url = f"/agency/learners/?page={page_number}"
        with self.get(url, name="agency: learners table") as page:
            self.expect(page, 200, contains="scale-learner-")
        self.export_when_due()
        self.session_goes_on()

    def export_when_due(self) -> None:
        """The CSV export of every learner, once every ``--export-every`` seconds of the
        measurement (the first at a random moment in the first interval)."""
        options = self.environment.parsed_options
        if Run.measure_started is None or options is None:
            return
        if self.next_export is None:
            self.next_export = Run.measure_started + random.uniform(0, options.export_every)
        if time.time() < self.next_export:
            return
        self.next_export += options.export_every
        with self.get("/agency/export.csv", name="agency: export.csv") as export:
            if not self.expect(export, 200):
                return
            header = export.content[: export.content.find(b"\r\n")]
            rows = export.content.count(b"\n") - 1
            if header != EXPORT_HEADER:
                export.failure(f"unexpected header {header[:120]!r}")
            elif rows < self.export_rows:
                export.failure(f"{rows} rows, fewer than the {self.export_rows} learners")
