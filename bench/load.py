r"""The load test, one command: 200 users of the scale agency against gunicorn for 3 minutes.

    createdb -h 127.0.0.1 -U postgres lms_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_load \
        .venv/bin/python bench/load.py --learners 100000 --users 200 --minutes 3

On the database DATABASE_URL names (PostgreSQL) and a Redis database of the run's own
(``--redis-url``, default ``redis://127.0.0.1:6379/13``: the Celery tasks the run queues are
purged from it before and after):

1. migrates, collects the static files, loads ``seed_scale --learners N`` and ``seed_demo``
   (both idempotent: a second run loads nothing) with DEMO_PASSWORD, imports the load's own quiz
   series (``import_series bench/load_quiz_series.json``: one module, one quiz of four
   single-choice questions, pass mark 75%, published; unchanged on a second run), and prepares
   the accounts the users sign in with (``bench/out/load-accounts.json``, mode 0600): scale
   learners with a component in progress, and one supervisor of the scale agency per ten users,
   each with an authenticator app (``LMS_REQUIRE_MFA`` is on, as in production);
2. starts gunicorn (``lms.wsgi``, ``lms.settings.production``, DEBUG off, Redis cache and broker,
   persistent database connections, 2 x cores + 1 sync workers) on a free loopback port and waits
   for ``/healthz``;
3. runs ``bench/locustfile.py`` headless: ``--users`` users spawned at ``--spawn-rate`` a
   second; once all have signed in the statistics are reset and ``--minutes`` are measured;
4. stops gunicorn, and prints the pace the scenario offers (tasks and requests a second at
   zero response time, from the locustfile's pace constants), per request: count, failures,
   requests/s, p50/p95/p99 (ms), the aggregate, and whether the targets are met: no error,
   aggregate p95 under 250 ms. Exits 1 when they are not.

The learners enrol in the demo series to play its video and in the quiz series to take its quiz
(the scale series holds readings only); those enrolments, with their progress, quiz attempts,
module completions and certificates, are removed again at the end (and at the start, after an
interrupted run), so ``seed_scale`` still finds its data as it left it and every run's learners
meet the quiz unanswered. Only loopback addresses are served and loaded. Logs and figures land
in ``bench/out/load*``.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
P95_TARGET_MS = 250.0
LOAD_SUPERVISOR = "load-supervisor-{:02d}@example.com"  # supervisors of the scale agency
DEFAULT_PASSWORD = "scale-load-password"  # noqa: S105 (loopback test accounts)
QUIZ_SERIES_FILE = ROOT / "bench" / "load_quiz_series.json"  # the load's own series: one quiz
QUIZ_SERIES_SLUG = "load-test-quiz"  # its slug in that file


def loopback(host: str) -> str:
    """The host if it is a loopback address (127.0.0.0/8, ::1); refused otherwise."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise SystemExit(f"--host {host!r}: give a loopback IP address (127.0.0.1, ::1)") from None
    if not address.is_loopback:
        raise SystemExit(f"--host {host}: not a loopback address; the load test stays local.")
    return str(address)


def netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def secret_file(path: Path, make: Any) -> str:
    """The secret kept in ``path`` (mode 0600), made by ``make()`` the first time."""
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def signing_key() -> str:
    from joserfc.jwk import OKPKey

    return json.dumps(OKPKey.generate_key("Ed25519").as_dict(private=True))


def server_environment(args: argparse.Namespace, host: str, port: int) -> dict[str, str]:
    """The production settings as README's "Run it on real services" sets them, on loopback."""
    key_file = OUT / "load-signing-key.jwk"
    secret_file(key_file, signing_key)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "DEBUG": "false",
        "SECRET_KEY": secret_file(OUT / "load-secret-key", lambda: secrets.token_urlsafe(50)),
        "LMS_SIGNING_KEY": str(key_file),
        "ALLOWED_HOSTS": host if ":" not in host else f"[{host}]",
        "LMS_BASE_URL": f"https://{netloc(host, port)}",
        "REDIS_URL": args.redis_url,
        # Each process keeps its connection (README, "How a deployment grows").
        "CONN_MAX_AGE": "600",
        "EMAIL_URL": "consolemail://",  # into bench/out/load-gunicorn.log
        "MEDIA_ROOT": str(OUT / "load-media"),
        "LMS_AUDIT_LOG_FILE": str(OUT / "load-audit.log"),
        "DEMO_PASSWORD": args.password,
    }


def manage(env: dict[str, str], log: Any, *command: str) -> None:
    print(f"manage.py {' '.join(command)}", file=sys.stderr, flush=True)
    log.write(f"\n$ manage.py {' '.join(command)}\n")
    log.flush()
    subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, str(ROOT / "manage.py"), *command],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=True,
    )


def celery_purge(env: dict[str, str], log: Any) -> None:
    """Drop the tasks the run queued (certificate PDFs...) from the run's own Redis database."""
    subprocess.run(  # noqa: S603 (the project's celery, fixed arguments)
        [str(BIN / "celery"), "-A", "lms", "purge", "-f"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=True,
    )


# --- the data, through the ORM (after migrate) ---------------------------------------------------


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def forget_load_enrolments() -> tuple[int, int]:
    """Remove what the load's learners did outside the scale series (the video's series, the
    quiz series): an enrolment there makes ``seed_scale`` find its data changed and load it all
    again. Their quiz attempts (with the answers), progress, module completions and certificates
    go with the enrolments; the advisory acknowledgements, kept per learner and module, are
    removed apart. Returns (enrolments, quiz attempts) removed."""
    from accounts.models import Agency
    from bench import scale
    from courses.models import AdvisoryAcknowledgement, Enrollment, Progress, QuizAttempt

    agency = Agency.objects.filter(slug=scale.AGENCY_SLUG).first()
    if agency is None:
        return 0, 0
    learners = scale.scale_learners(agency).values("pk")
    elsewhere = Enrollment.objects.filter(user__in=learners).exclude(
        series__slug__startswith=scale.SERIES_PREFIX
    )
    count = elsewhere.count()
    AdvisoryAcknowledgement.objects.filter(
        user__in=learners, module__series__in=elsewhere.values("series")
    ).delete()
    _, deleted = QuizAttempt.objects.filter(enrollment__in=elsewhere.values("pk")).delete()
    Progress.objects.filter(enrollment__in=elsewhere.values("pk")).delete()
    elsewhere.delete()  # with their module completions and certificates
    return count, deleted.get(QuizAttempt._meta.label, 0)


def video_to_watch() -> dict[str, Any]:
    """The first video of a published series, in learning order (the demo series' first)."""
    from courses.models import Component, Series

    video = (
        Component.objects.live()
        .filter(kind=Component.Kind.VIDEO, module__series__status=Series.Status.PUBLISHED)
        .select_related("module__series")
        .order_by("module__series__slug", "module__position", "position")
        .first()
    )
    if video is None:
        raise SystemExit("No published series has a video: seed_demo should have made one.")
    return {
        "url": video.get_absolute_url(),
        "series_url": video.module.series.get_absolute_url(),
        "duration": video.duration_seconds,
    }


def quiz_to_take() -> dict[str, Any]:
    """The load quiz series' quiz: its page, its series, its pass mark, and the right choice of
    each question (the learners answer some questions right and some wrong on purpose)."""
    from courses.models import Choice, Component, Series

    quiz = (
        Component.objects.live()
        .filter(
            kind=Component.Kind.QUIZ,
            module__series__slug=QUIZ_SERIES_SLUG,
            module__series__status=Series.Status.PUBLISHED,
        )
        .select_related("module__series")
        .first()
    )
    if quiz is None:
        raise SystemExit(f"No published quiz in {QUIZ_SERIES_SLUG}: see {QUIZ_SERIES_FILE}.")
    right = Choice.objects.filter(question__component=quiz, is_correct=True)
    return {
        "url": quiz.get_absolute_url(),
        "series_url": quiz.module.series.get_absolute_url(),
        "pass_mark": quiz.pass_mark,
        "right": {str(question): pk for pk, question in right.values_list("pk", "question")},
    }


def learners_in_progress(learners: int, components: int, wanted: int) -> list[str]:
    """Scale learners whose plan has a component in progress and whose enrolment is still open
    (earlier runs completed some), in order: ``wanted`` of them."""
    from bench import scale
    from courses.models import Enrollment

    chosen: list[str] = []
    batch: list[str] = []
    plans = scale.plans(learners, components)
    while len(chosen) < wanted:
        plan = next(plans, None)
        if plan is not None and plan.state in (scale.STARTED, scale.IN_PROGRESS):
            batch.append(plan.email)
        if batch and (plan is None or len(batch) == 1000):
            still_open = set(
                Enrollment.objects.filter(
                    user__email__in=batch,
                    series__slug=scale.series_slug(components),
                    completed_at__isnull=True,
                ).values_list("user__email", flat=True)
            )
            chosen += [email for email in batch if email in still_open]
            batch = []
        if plan is None:
            break
    if len(chosen) < wanted:
        raise SystemExit(f"Only {len(chosen)} scale learners have a component in progress.")
    return chosen[:wanted]


def load_supervisors(count: int, password: str) -> list[dict[str, str]]:
    """Supervisors of the scale agency, each with an authenticator app of a fresh secret."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import Agency, Membership, User
    from accounts.services import membership_ensure
    from bench import scale

    agency = Agency.objects.get(slug=scale.AGENCY_SLUG)
    accounts = []
    for number in range(1, count + 1):
        email = LOAD_SUPERVISOR.format(number)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, full_name=f"Load Supervisor {number}")
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        membership_ensure(user=user, agency=agency, role=Membership.Role.SUPERVISOR)
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        accounts.append({"email": email, "totp_secret": secret})
    return accounts


def prepare_accounts(args: argparse.Namespace, supervisors: int) -> Path:
    from django.db import connections

    from bench import scale
    from courses.models import Component, Series

    series = Series.objects.get(slug=scale.series_slug(args.components))
    quizzes = Component.objects.live().filter(module__series=series, kind=Component.Kind.QUIZ)
    if quizzes.exists():  # series_ensure makes readings only; say so if that ever changes
        print(
            "The scale series now has a quiz: bench/locustfile.py takes only the load series' one.",
            file=sys.stderr,
        )
    accounts = {
        "password": args.password,
        "learners": learners_in_progress(args.learners, args.components, args.users),
        "learner_count": args.learners,
        "supervisors": load_supervisors(supervisors, args.password),
        "agency_name": scale.AGENCY_NAME,
        "series_url": series.get_absolute_url(),
        "series_title": series.title,
        "video": video_to_watch(),
        "quiz": quiz_to_take(),
    }
    connections.close_all()
    path = OUT / "load-accounts.json"
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(accounts, handle, indent=2)
    return path


# --- the processes -------------------------------------------------------------------------------


def _processes() -> list[tuple[int, int, float, str]]:
    """(pid, parent pid, CPU seconds, command line) of every process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cpu = (int(fields[11]) + int(fields[12])) / tick
            found.append((int(stat.parent.name), int(fields[1]), cpu, command))
    return found


def cpu_by_process() -> dict[int, tuple[int, float, str]]:
    return {pid: (parent, cpu, command) for pid, parent, cpu, command in _processes()}


def cpu_used(
    before: dict[int, tuple[int, float, str]], server: int, database: str
) -> dict[str, float]:
    """CPU seconds each part used since ``before``, among the processes alive now: gunicorn
    (the master ``server`` and its workers), PostgreSQL's backends of ``database`` (their
    process titles name it) and of other databases, Redis, and every other process by name."""
    used: dict[str, float] = defaultdict(float)
    for pid, (parent, cpu, command) in cpu_by_process().items():
        spent = cpu - before[pid][1] if pid in before and before[pid][2] == command else cpu
        if server in (pid, parent):
            part = "gunicorn"
        elif command.startswith("postgres: ") and f" {database} " in command:
            part = "PostgreSQL (this database)"
        elif command.startswith(("postgres: ", "/usr/lib/postgresql/")):
            part = "PostgreSQL (other databases, its own processes)"
        elif "redis-server" in command:
            part = "Redis"
        else:
            part = command[:70] or f"pid {pid}"
        used[part] += spent
    return dict(used)


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def start_gunicorn(env: dict[str, str], host: str, port: int, workers: int) -> subprocess.Popen:
    log = open(OUT / "load-gunicorn.log", "w")  # noqa: SIM115 (open while the server runs)
    return subprocess.Popen(  # noqa: S603 (the project's gunicorn, fixed arguments)
        [
            str(BIN / "gunicorn"),
            "lms.wsgi",
            "--bind",
            netloc(host, port),
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--access-logfile",
            str(OUT / "load-access.log"),
            "--access-logformat",
            '%(t)s %(s)s %(M)s "%(r)s"',
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_healthy(server: subprocess.Popen, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped: see bench/out/load-gunicorn.log")
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(request, timeout=5) as answer,  # noqa: S310 (loopback)
        ):
            if answer.status == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer 200 within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_locust(args: argparse.Namespace, url: str, accounts: Path) -> tuple[int, float]:
    """Run the scenario; returns locust's exit status and its CPU seconds."""
    measure = args.minutes * 60
    bound = args.users / args.spawn_rate + 120 + measure  # ramp-up, sign-ins, the measurement
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{bound:.0f}s",
        "--host",
        url,
        "--csv",
        str(OUT / "load"),
        "--html",
        str(OUT / "load.html"),
        "--only-summary",
        "--logfile",
        str(OUT / "load-locust.log"),
        "--accounts",
        str(accounts),
        "--measure-seconds",
        str(measure),
        "--export-every",
        str(args.export_every),
        "--summary",
        str(OUT / "load-summary.json"),
    ]
    print(
        f"locust: {args.users} users at {args.spawn_rate}/s against {url}, "
        f"then {measure:.0f} s measured",
        file=sys.stderr,
        flush=True,
    )
    with open(OUT / "load-locust.out", "w") as log:
        locust = subprocess.Popen(  # noqa: S603 (locust on our locustfile)
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(locust.pid, 0)
        locust.returncode = os.waitstatus_to_exitcode(status)
    return locust.returncode, usage.ru_utime + usage.ru_stime


# --- the report ----------------------------------------------------------------------------------

ACCESS_LINE = re.compile(
    r'^\[(?P<at>[^\]]+)\] (?P<status>\d+) (?P<ms>\d+) "(?P<method>\S+) (?P<path>\S+)'
)


def route(path: str) -> str:
    path = path.split("?", 1)[0]
    path = re.sub(r"/module-\d+/reading-\d+/", "/module-N/reading-N/", path)
    return re.sub(r"/series/working-[^/]+/[^/]+/[^/]+/", "/series/<demo video>/", path)


def server_times(started: float, ended: float) -> dict[str, list[int]]:
    """Milliseconds gunicorn's workers spent per request (its access log), by route, in the
    measured window (whole seconds: the log's resolution)."""
    times: dict[str, list[int]] = defaultdict(list)
    with contextlib.suppress(FileNotFoundError), open(OUT / "load-access.log") as log:
        for line in log:
            match = ACCESS_LINE.match(line)
            if match is None:
                continue
            at = datetime.strptime(match["at"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
            if started <= at < ended + 1:
                times[f"{match['method']} {route(match['path'])}"].append(int(match["ms"]))
    return times


def percentile(values: list[int], share: float) -> float:
    if len(values) < 2:
        return float(values[0]) if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def report(
    summary: dict[str, Any],
    cpu: dict[str, float],
    machine: dict[str, float],
    args: argparse.Namespace,
) -> bool:
    header = f"{'request':<36} {'count':>7} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} "
    header += f"{'p99':>6} {'max':>7}"
    print(
        f"\nLoad: {args.users} users, {args.learners:,} learners, "
        f"{summary['measured_seconds']:.0f} s measured after all {summary['users_ready']} "
        f"signed in (response times in ms, as the client saw them)"
    )
    pace = summary.get("pace")
    if pace:
        print(
            f"Offered (the pace at zero response time): {pace['learners']} learners x "
            f"{pace['learner_actions_per_s']:.3f} tasks/s + {pace['supervisors']} supervisors x "
            f"{pace['supervisor_actions_per_s']:.3f} tasks/s = {pace['actions_per_s']:.1f} "
            f"tasks/s, {pace['requests_per_s']:.1f} requests/s (a learner's round "
            f"{pace['learner_round_seconds']:.0f} s, {pace['learner_round_requests']:.0f} "
            f"requests, {pace['heartbeat_share']:.0%} heartbeats)"
        )
        print(f"Pace: {pace['model']}")
    print(header)
    print("-" * len(header))

    def row(entry: dict[str, Any], label: str) -> None:
        mark = " *" if entry["p95"] >= P95_TARGET_MS else ""
        print(
            f"{label:<36} {entry['requests']:>7} {entry['failures']:>5} {entry['rps']:>7.1f} "
            f"{entry['p50']:>6.0f} {entry['p95']:>6.0f} {entry['p99']:>6.0f} "
            f"{entry['max']:>7.0f}{mark}"
        )

    for entry in summary["entries"]:
        if entry["requests"] or entry["failures"]:
            row(entry, f"{entry['method']} {entry['name']}"[:36])
    print("-" * len(header))
    total = summary["total"]
    row(total, "Aggregated")
    print("(* p95 at or over 250 ms)")

    times = server_times(summary.get("measure_started", 0), summary.get("measure_ended", 0))
    if times:
        print("\nServer time per request (gunicorn's access log, ms; the rest is waiting for a")
        print("free worker and the load generator):")
        for name, values in sorted(times.items(), key=lambda item: -len(item[1])):
            print(
                f"  {name[:60]:<60} {len(values):>6}  p50 {percentile(values, 0.5):>5.0f}"
                f"  p95 {percentile(values, 0.95):>5.0f}  max {max(values):>6}"
            )

    if summary.get("setup_entries"):
        print(
            "\nBefore the measurement (spawning: signing in, enrolling, opening the quiz and the "
            "video):"
        )
        for entry in summary["setup_entries"][:-1]:
            if entry["requests"]:
                row(entry, f"{entry['method']} {entry['name']}"[:36])
        row(summary["setup_entries"][-1], "Aggregated (before the measurement)")

    setup, user_errors = summary["setup"], summary["user_error_count"]
    print(
        f"\nBefore the measurement: {setup['requests']} requests, {setup['failures']} failed. "
        f"Exceptions in users' tasks: {user_errors}."
    )
    for sample in summary["failure_samples"][:10] + summary["user_errors"][:10]:
        print(f"  {sample}")
    print(
        f"\nCPU seconds while locust ran (spawning and measurement): the machine "
        f"{machine['busy']:.0f} ({machine['share']:.0%} of {os.cpu_count()} cores), of which:"
    )
    named = sorted(cpu.items(), key=lambda item: -item[1])
    for part, seconds in [item for item in named if item[1] >= 0.5][:8]:
        print(f"  {seconds:>6.0f}  {part}")
    rest = machine["busy"] - sum(cpu.values())
    print(f"  {max(0.0, rest):>6.0f}  processes that ended meanwhile, the kernel, the rest")
    errors = total["failures"] + setup["failures"] + user_errors
    measured_enough = summary["measured_seconds"] >= args.minutes * 60 - 1
    met = errors == 0 and total["p95"] < P95_TARGET_MS and measured_enough
    print(
        f"\nTargets: errors {errors} (target 0): {'met' if errors == 0 else 'NOT met'}; "
        f"aggregate p95 {total['p95']:.0f} ms (target < {P95_TARGET_MS:.0f} ms): "
        f"{'met' if total['p95'] < P95_TARGET_MS else 'NOT met'}; "
        f"{total['rps']:.1f} requests/s."
    )
    if not measured_enough:
        print("The measurement did not run its full time: see bench/out/load-locust.log.")
    return met


def main() -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000, help="seed_scale --learners")
    parser.add_argument("--components", type=int, default=8, help="seed_scale --components")
    parser.add_argument("--users", type=int, default=200, help="concurrent users (9 in 10 learn)")
    parser.add_argument("--minutes", type=float, default=3.0, help="measured time")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started a second")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to serve on")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument(
        "--export-every",
        type=float,
        default=180.0,
        help="seconds between one supervisor's CSV exports of every learner (default: once in "
        "three minutes each)",
    )
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD)
    args = parser.parse_args()
    host = loopback(args.host)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    OUT.mkdir(exist_ok=True)
    port = args.port or free_port(host)
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[-1].split("?", 1)[0]
    env = server_environment(args, host, port)
    supervisors = max(1, -(-args.users // 10))

    with open(OUT / "load-setup.log", "w") as log:
        manage(env, log, "migrate", "--noinput")
        manage(env, log, "collectstatic", "--noinput")
        django_setup(env)
        from django.db import connections

        forgotten, attempts = forget_load_enrolments()
        if forgotten:
            print(
                f"Removed {forgotten} enrolments ({attempts} quiz attempts) of an earlier "
                "load run.",
                file=sys.stderr,
            )
        connections.close_all()
        manage(env, log, "seed_scale", "--learners", str(args.learners),
               "--components", str(args.components))  # fmt: skip
        manage(env, log, "seed_demo")
        manage(env, log, "import_series", str(QUIZ_SERIES_FILE))
        accounts = prepare_accounts(args, supervisors)
        celery_purge(env, log)

    url = f"http://{netloc(host, port)}"
    server = start_gunicorn(env, host, port, args.workers)
    try:
        wait_until_healthy(server, f"{url}/healthz")
        print(f"gunicorn: {args.workers} workers at {url}", file=sys.stderr, flush=True)
        busy_before, total_before = machine_busy()
        processes_before = cpu_by_process()
        status, locust_cpu = run_locust(args, url, accounts)
        busy_after, total_after = machine_busy()
        cpu = cpu_used(processes_before, server.pid, database)
    finally:
        stop(server)
    with open(OUT / "load-setup.log", "a") as log:
        celery_purge(env, log)
    forget_load_enrolments()

    summary_file = OUT / "load-summary.json"
    if not summary_file.exists():
        print(f"locust exited {status} without a summary: see bench/out/load-locust.log")
        return 1
    summary = json.loads(summary_file.read_text())
    cpu["locust"] = locust_cpu
    tick = os.sysconf("SC_CLK_TCK")
    machine = {
        "busy": (busy_after - busy_before) / tick,
        "share": (busy_after - busy_before) / max(1, total_after - total_before),
    }
    return 0 if report(summary, cpu, machine, args) else 1


if __name__ == "__main__":
    sys.exit(main())
