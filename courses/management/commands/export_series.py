"""Write a series as JSON (format 1), the document ``import_series`` reads.

    python manage.py export_series <slug> [--output FILE]

The same series always gives the same bytes: keys in a fixed order, UTF-8, a final newline.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.exporting import ExportRefused, series_export, series_json
from courses.models import Series


class Command(BaseCommand):
    help = "Write a series, its modules and components as JSON (format 1) for import_series."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the series' slug")
        parser.add_argument(
            "--output", "-o", type=Path, help="write to this file instead of standard output"
        )

    def handle(self, *args, slug: str, output: Path | None, **options) -> None:
        series = Series.objects.filter(slug=slug).first()
        if series is None:
            raise CommandError(f"No series has the slug “{slug}”.")
        try:
            text = series_json(series_export(series=series))
        except ExportRefused as exc:
            raise CommandError(f"Cannot export “{slug}”: {exc}.") from exc
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8", newline="\n")
        except OSError as exc:
            raise CommandError(f"{output}: cannot write it ({exc.strerror}).") from exc
        self.stdout.write(self.style.SUCCESS(f"Wrote series “{slug}” to {output}."))
