from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from twinning.regions.services import RegionImportError, import_regions_csv


class Command(BaseCommand):
    help = "Load a divisions file (code,name,level,parent_code); all or nothing, idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            result = import_regions_csv(actor=None, text=text)
        except RegionImportError as exc:
            for error in exc.errors:
                self.stderr.write(f"line {error.line}: {error.message}")
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
        )
