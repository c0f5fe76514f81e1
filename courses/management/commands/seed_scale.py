"""Load scale test data: "Scale Test Agency" with N learners in one C-component series.

    python manage.py seed_scale --learners 100000 [--components 8]

Deterministic (the same arguments give the same learners and states, see ``bench.scale``) and
idempotent: a second run with the same arguments changes nothing; a run with other arguments
first deletes the scale agency's learners (and the old scale series) and writes them afresh.
Everything happens in one transaction, so an interrupted run leaves nothing half written.
"""

import os
import secrets
import time

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, reset_queries, transaction

from accounts.models import Agency, User
from bench import scale


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Load the scale test agency: N learners assigned one C-component series, in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=positive, required=True, help="number of learners")
        parser.add_argument(
            "--components",
            type=positive,
            default=8,
            help="components in the series, four to a module (default 8)",
        )
        parser.add_argument(
            "--batch-size",
            type=positive,
            default=scale.BATCH_SIZE,
            help=f"learners written per batch (default {scale.BATCH_SIZE})",
        )

    def handle(self, *args, **options) -> None:
        learners, components = options["learners"], options["components"]
        password = os.environ.get("DEMO_PASSWORD") or ""
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        started = time.monotonic()

        with transaction.atomic():
            agency = scale.agency_ensure()
            if scale.is_seeded(agency, learners=learners, components=components):
                self._already_seeded(agency, learners, components, password, generated)
                return
            password_hash = make_password(password)
            deleted, series_gone = scale.clear(agency, keep_series=scale.series_slug(components))
            if deleted or series_gone:
                self.stdout.write(
                    f"Deleted {deleted:,} learners of the earlier run"
                    + (f" and series {', '.join(series_gone)}" if series_gone else "")
                    + f" ({time.monotonic() - started:.1f} s)."
                )
            supervisor = scale.supervisor_ensure(agency, password_hash=password_hash)
            try:
                series, ordered = scale.series_ensure(components)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            assignment = scale.assignment_ensure(agency, series, supervisor=supervisor)
            scale.write_learners(
                agency,
                series,
                ordered,
                assignment=assignment,
                learners=learners,
                password_hash=password_hash,
                batch_size=options["batch_size"],
                log=self._batch_written,
            )

        if connection.vendor == "postgresql":
            # Fresh statistics for the planner: a bulk load leaves them empty until autovacuum
            # comes by (if it is on), and the first reads then pick nested loops over everything.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data is loaded: {learners:,} learners of {scale.AGENCY_NAME} in "
                f"{series.slug}, {time.monotonic() - started:.1f} s."
            )
        )
        if generated:
            self.stdout.write(
                f"Scale accounts ({scale.SUPERVISOR_EMAIL}, {scale.learner_email(1)}, ...) "
                f"have the password: {password}"
            )
        else:
            self.stdout.write("Scale accounts use the password in DEMO_PASSWORD.")

    def _batch_written(self, line: str) -> None:
        self.stdout.write(line)
        if settings.DEBUG:
            # DEBUG keeps every statement in memory, each bulk INSERT megabytes long: drop them.
            reset_queries()

    def _already_seeded(
        self, agency: Agency, learners: int, components: int, password: str, generated: bool
    ) -> None:
        self.stdout.write(
            f"{scale.AGENCY_NAME} is already seeded with {learners:,} learners in "
            f"{scale.series_slug(components)}; nothing to do."
        )
        if generated:
            self.stdout.write(
                "Scale accounts' passwords are unchanged (set DEMO_PASSWORD to choose one)."
            )
            return
        supervisor = User.objects.get(email=scale.SUPERVISOR_EMAIL)
        if check_password(password, supervisor.password):
            self.stdout.write("Scale accounts use the password in DEMO_PASSWORD.")
            return
        # One statement for all of them: every scale account shares one hash.
        password_hash = make_password(password)
        ids = scale.scale_learners(agency).values("pk")
        User.objects.filter(pk__in=ids).update(password=password_hash)
        User.objects.filter(pk=supervisor.pk).update(password=password_hash)
        self.stdout.write("Scale accounts' passwords were reset to DEMO_PASSWORD.")
