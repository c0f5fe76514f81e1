r"""Every benchmark at one size, one table: ``make bench LEARNERS=10000``.

Runs each script of ``bench/`` as its own process, one after the other, on the database that
DATABASE_URL names (PostgreSQL for figures worth quoting; each script makes and drops its own test
database) and prints one table: the path, our figure, its reference measured in the same run by
the same script (a trivial view, the raw SQL, a bare smtplib loop), the ratio and the target.
Each script's own output goes to ``bench/out/<script>.log``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \
        .venv/bin/python bench/run.py --learners 10000
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts(learners: int, emails: int) -> list[list[str]]:
    size = ["--learners", str(learners)]
    return [
        ["progress_write.py"],
        ["supervisor_dashboard.py", *size],
        ["recompute.py", *size],
        ["reminders.py", *size, "--emails", str(emails)],
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--emails", type=int, default=3_000, help="reminders the delivery sends")
    args = parser.parse_args()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    failed = []
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as results:
        env = {**os.environ, "BENCH_RESULTS": results.name}
        for command in scripts(args.learners, args.emails):
            name = command[0].removesuffix(".py")
            started = time.perf_counter()
            with open(out / f"{name}.log", "w") as log:
                done = subprocess.run(  # noqa: S603 (our own scripts, fixed arguments)
                    [sys.executable, str(HERE / command[0]), *command[1:]],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            took = time.perf_counter() - started
            print(f"{name}: exit {done.returncode} in {took:.0f} s", file=sys.stderr)
            if done.returncode:
                failed.append(name)
        rows = [json.loads(line) for line in results.read().splitlines()]
    print_table(rows, learners=args.learners)
    for name in failed:
        print(f"FAILED: {name} (see bench/out/{name}.log)")
    return 1 if failed or not rows else 0


def print_table(rows: list[dict], *, learners: int) -> None:
    columns = ["path", "ours", "reference", "ratio", "target"]
    print(f"\n{learners:,} learners, {os.environ.get('DATABASE_URL', 'SQLite')}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join(" --- " for _ in columns) + "|")
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")


if __name__ == "__main__":
    sys.exit(main())
