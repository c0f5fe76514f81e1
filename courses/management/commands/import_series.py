"""Create or update a series from a JSON file (format 1), matching by slugs.

    python manage.py import_series <file>

The whole file is checked first; a bad one is refused with a message naming the offending field
and nothing is changed. Existing rows are updated in place, so learners' progress is kept.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from courses.content import series_import
from courses.importing import ImportRefused, validate
from courses.models import Component, Series


def read_document(path: Path) -> Any:
    """The file's JSON, or a CommandError saying in one line why it cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file.") from exc
    except OSError as exc:
        raise CommandError(f"{path}: cannot read it ({exc.strerror}).") from exc
    try:
        # A byte-order mark is what some editors put before UTF-8; it is not part of the JSON.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"{path}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})."
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc


class Command(BaseCommand):
    help = "Create or update a series from a JSON file (format 1) such as export_series writes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the series file (JSON, format 1)")

    def handle(self, *args, file: Path, **options) -> None:
        document = read_document(file)
        try:
            with transaction.atomic():
                slug = validate(document)[0]["slug"]
                existed = Series.objects.filter(slug=slug).exists()
                series, changed = series_import(document)
        except ImportRefused as exc:
            raise CommandError(f"{file} refused, nothing changed: {exc}") from exc
        if not existed:
            components = Component.objects.filter(module__series=series).count()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created series “{slug}”: modules {series.modules.count()}, "
                    f"components {components}."
                )
            )
        elif changed:
            self.stdout.write(self.style.SUCCESS(f"Updated series “{slug}”."))
        else:
            self.stdout.write(f"Series “{slug}” is unchanged.")
