from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.selectors import chain_check


class Command(BaseCommand):
    help = "Recompute the security log's hash chain; exit 1 naming the first record that fails."

    def handle(self, *args: Any, **options: Any) -> None:
        check = chain_check()
        if not check.intact:
            raise CommandError(
                f"Audit log broken at record {check.broken_at}: {check.reason} "
                f"({check.records} record(s) read)."
            )
        self.stdout.write(f"Audit log intact: {check.records} record(s), every link verified.")
