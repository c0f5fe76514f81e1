r"""Sign-in answers for a real account and for an unknown email, timed: no enumeration by time.

Each round makes a fresh account and a fresh made-up email, then posts the same wrong password
for both, alternately, through the whole sign-in stack (Django's test client, the deployed
settings: Argon2, the audit log, the lockout), seven times each: four failures, the failure that
locks (``LMS_LOCKOUT_FAILURES``, 5), and two attempts once locked. Each round comes from its own
client address, so allauth's per-address limits never step in. Medians per kind of attempt.

    createdb -h 127.0.0.1 -U postgres lms_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench
    export REDIS_URL=redis://127.0.0.1:6379/0  # the owner's email queued as in production
    .venv/bin/python bench/signin_lockout.py
"""

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file, from anywhere
from bench import harness

harness.django_setup()
# The audit log's JSON lines (one per attempt) would bury the table.
logging.getLogger("lms.audit").setLevel(logging.WARNING)

WRONG = "not the password, a guess"  # a bench input, not a secret
PASSWORD = "the right pass phrase 2718"  # noqa: S105


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    harness.prepare_database()

    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.test import Client

    from accounts.models import SignInLock, User

    limit = settings.LMS_LOCKOUT_FAILURES
    stages = [
        *(["wrong password"] * (limit - 1)),
        "the failure that locks",
        "locked",
        "locked",
    ]
    times: dict[tuple[str, str], list[float]] = {}
    print(
        f"{settings.PASSWORD_HASHERS[0].rsplit('.', 1)[1]}, lock after {limit} failures; "
        f"{args.rounds} rounds, median ms per attempt",
        flush=True,
    )
    stamp = int(time.time())
    made: list[int] = []
    try:
        for round_ in range(args.rounds):
            email = f"bench-lockout-{stamp}-{round_}@example.org"
            user = User.objects.create_user(email=email, password=PASSWORD)
            made.append(user.pk)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            unknown = f"bench-nobody-{stamp}-{round_}@example.org"
            address = f"198.18.{round_ // 250}.{round_ % 250 + 1}"
            clients = {"real account": Client(REMOTE_ADDR=address), "unknown email": Client()}
            clients["unknown email"].defaults["REMOTE_ADDR"] = address
            for stage in stages:
                order = ["real account", "unknown email"]
                if round_ % 2:
                    order.reverse()  # neither kind always goes first
                for kind in order:
                    login = email if kind == "real account" else unknown
                    start = time.perf_counter()
                    response = clients[kind].post(
                        "/accounts/login/", {"login": login, "password": WRONG}
                    )
                    elapsed = time.perf_counter() - start
                    assert response.status_code == 200, response.status_code
                    times.setdefault((stage, kind), []).append(elapsed)
    finally:
        SignInLock.objects.filter(login__startswith="bench-").delete()
        User.objects.filter(pk__in=made).delete()

    print(f"{'attempt':26} {'real account':>14} {'unknown email':>14} {'difference':>11}")
    for stage in dict.fromkeys(stages):
        real_ms = statistics.median(times[(stage, "real account")]) * 1000
        unknown_ms = statistics.median(times[(stage, "unknown email")]) * 1000
        print(
            f"{stage:26} {real_ms:11.1f} ms {unknown_ms:11.1f} ms {unknown_ms - real_ms:+8.1f} ms"
        )


if __name__ == "__main__":
    main()
