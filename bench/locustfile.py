"""The load scenario: learners and supervisors of the scale agency, through the real pages.

Run by ``bench/load.py``, which seeds the data, writes the accounts file this reads (learners,
supervisors with their authenticator secrets, the pages to visit) and starts gunicorn; by hand::

    .venv/bin/locust -f bench/locustfile.py --headless -u 200 -r 5 -t 5m \
        --host http://127.0.0.1:8123 --accounts bench/out/load-accounts.json

Nine users in ten are learners, one a supervisor (weights 9:1: 180 and 20 of 200). Each signs
in through the sign-in form, as a browser does, into an account of its own:

- a learner is a seeded scale learner with a component in progress (``load.py`` picks them);
  it opens its home page and the scale series, reports a video's progress as the player's
  script does (``static/js/video.js``: JSON, ``X-CSRFToken`` from the page, every 5 s of
  playing) and works through the series' readings (“I have read this”). The scale series holds
  readings only, so the video is the demo series' first one (the learner enrols in it and
  acknowledges its content advisory once, as the pages ask), and there is no quiz to take;
- a supervisor is one of the load's supervisors of the scale agency, each with an
  authenticator app (the site requires two-factor authentication of supervisors, and a code is
  accepted once per account: twenty sessions of one account could not all sign in within a
  code's 30 s); it opens the dashboard and pages of the learners table, and exports the CSV.

Sessions end after a while (sign out, sign in again), so signing in is measured too. Statistics
are reset once every user has signed in and set up (``--reset-stats`` would reset when the last
user is *spawned*, while the sign-ins are still running); the run then lasts
``--measure-seconds`` and stops. What happened before the reset is kept apart in the summary
file (``--summary``): a failure there fails the run as well.

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
from http.cookiejar import Cookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from locust.clients import ResponseContextManager
from locust.env import Environment
from requests.cookies import RequestsCookieJar

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0  # video.js reports every 5 s of playing
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


def _user_ready(environment: Environment) -> None:
    """Called by each user once signed in and set up; the last one starts the measurement."""
    Run.ready += 1
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
    wait_time = between(1, 3)
    email = ""
    first_page = "/"  # where the sign-in form's POST leads
    session_min, session_max = 40, 160  # tasks in a session before it ends

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
        self.tasks_left = random.randint(self.session_min, self.session_max)
        _user_ready(self.environment)

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
        if self.sign_out() and self.sign_in():
            self.set_up()


class LearnerUser(SiteUser):
    weight = 9

    def choose_account(self) -> None:
        learners = Run.accounts["learners"]
        self.email = learners[next(Run.learner_numbers) % len(learners)]
        self.series_url = Run.accounts["series_url"]
        self.series_title = Run.accounts["series_title"]
        self.video_url = Run.accounts["video"]["url"]
        self.video_series_url = Run.accounts["video"]["series_url"]
        self.duration = float(Run.accounts["video"]["duration"])

    def set_up(self) -> bool:
        """Open the video page as the learner's browser does, enrolling in its series and
        acknowledging its module's content advisory on the way when the site asks."""
        for _step in range(4):
            with self.get(self.video_url, name="video page") as page:
                if page.status_code == 200:
                    return self._player(page)
                target = location(page) if page.status_code == 302 else ""
                if not target.endswith("/advisory/") and target != self.video_series_url:
                    return self.expect(page, 200)
                page.success()
            done = self._acknowledge(target) if target.endswith("/advisory/") else self._enrol()
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

    def _enrol(self) -> bool:
        url = self.video_series_url
        with self.get(url, name="video: series page") as page:
            if not self.expect(page, 200, contains=f"{url}enrol/"):
                return False
            form = {"csrfmiddlewaretoken": csrf_input(page.text) or ""}
        self.wait()  # reading about the series
        with self.post_form(f"{url}enrol/", form, name="video: enrol", referer=url) as answer:
            return self.expect(answer, 302, to=url)

    @task(2)
    def home(self) -> None:
        with self.get("/", name="home") as page:
            self.expect(page, 200, contains=self.series_title)
        self.session_goes_on()

    @task(2)
    def series(self) -> None:
        with self.get(self.series_url, name="series") as page:
            self.expect(page, 200, contains=self.series_title)
        self.session_goes_on()

    @task(5)
    def heartbeat(self) -> None:
        """Five more seconds of the video played, reported as video.js reports them; from the
        start again once it has ended (the learner watches it again)."""
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
        self.session_goes_on()

    @task(1)
    def reading(self) -> None:
        """Resume the series and mark the reading it opens as read: the form POST that records
        a completion (the scale series has no quiz). Once the series is complete, resuming
        leads to the series page and there is nothing left to read."""
        resume = f"{self.series_url}resume/"
        with self.get(resume, name="series resume") as answer:
            if not self.expect(answer, 302, to=f"{self.series_url}*"):
                return
            target = location(answer)
        if target != self.series_url:
            with self.get(target, name="reading") as page:
                if self.expect(page, 200) and "I have read this" in page.text:
                    form = {"csrfmiddlewaretoken": csrf_input(page.text) or ""}
                    with self.post_form(
                        f"{target}progress/", form, name="reading: I have read this", referer=target
                    ) as done:
                        self.expect(done, 302, to=resume)
        self.session_goes_on()


class SupervisorUser(SiteUser):
    weight = 1
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
