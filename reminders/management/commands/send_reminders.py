from django.core.management.base import BaseCommand
from django.db import transaction

from reminders import planner, sending, tasks


class Command(BaseCommand):
    help = (
        "Plan and send one round of reminders now, ignoring the local-hour window (the code the "
        "beat schedule runs). With --async the sending is handed to the Celery workers."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--async", action="store_true", dest="use_workers")

    def handle(self, *args, use_workers: bool = False, **options) -> None:
        planner.sweep()
        offered = planner.plan(ignore_window=True)
        ids = planner.due_ids()
        if use_workers:
            with transaction.atomic():
                tasks.enqueue(ids)
            self.stdout.write(f"Planned {offered} reminder(s); {len(ids)} handed to the workers.")
            return
        outcome = sending.send_batch(ids)
        summary = ", ".join(f"{n} {what}" for what, n in sorted(outcome.items())) or "nothing due"
        self.stdout.write(f"Planned {offered} reminder(s); sent this round: {summary}.")
