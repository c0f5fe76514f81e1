r"""Sign-in capacity: how long one password check takes with PBKDF2 and with Argon2.

Each hasher at Django's default parameters (PBKDF2-SHA256's iterations; Argon2id's time, memory
and parallelism), in this one process: a password is hashed once, then ``check_password`` is
timed ROUNDS times. A sign-in costs one check, so 1 / median is the sign-ins a second one core
can verify. Argon2's parallelism may spread one check over several threads, so the CPU time of
a check (this process's, all threads) is shown too: 1 / median CPU time is the capacity of one
core when every core is busy with sign-ins.

    .venv/bin/python bench/password_hashing.py --rounds 20
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file, from anywhere

from django.conf import settings

HASHERS = {  # algorithm: dotted path
    "pbkdf2_sha256": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "argon2": "django.contrib.auth.hashers.Argon2PasswordHasher",
}
PASSWORD = "a long enough pass phrase 42"  # noqa: S105 -- a bench input, not a secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    settings.configure(PASSWORD_HASHERS=list(HASHERS.values()))
    from django.contrib.auth.hashers import (
        Argon2PasswordHasher,
        PBKDF2PasswordHasher,
        check_password,
        make_password,
    )

    print(f"{os.cpu_count()} CPUs; {args.rounds} checks per hasher, median shown", flush=True)
    pbkdf2, argon2 = PBKDF2PasswordHasher(), Argon2PasswordHasher()
    described = {
        "pbkdf2_sha256": ("PBKDF2", f"sha256, {pbkdf2.iterations:,} iterations"),
        "argon2": (
            "Argon2",
            f"argon2id, time_cost {argon2.time_cost}, memory {argon2.memory_cost // 1024} MiB, "
            f"parallelism {argon2.parallelism}",
        ),
    }
    for algorithm, (name, detail) in described.items():
        encoded = make_password(PASSWORD, hasher=algorithm)
        timings, cpu_times = [], []
        for _ in range(args.rounds):
            start, cpu_start = time.perf_counter(), time.process_time()
            assert check_password(PASSWORD, encoded)
            timings.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
        median, cpu = statistics.median(timings), statistics.median(cpu_times)
        print(
            f"{name:7} {median * 1000:7.1f} ms wall "
            f"(min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f}), "
            f"{cpu * 1000:7.1f} ms CPU  ->  {1 / cpu:5.1f} sign-ins/s per core  [{detail}]"
        )


if __name__ == "__main__":
    main()
