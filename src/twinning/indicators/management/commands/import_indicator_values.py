from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from twinning.accounts.models import User
from twinning.core.errors import DomainError
from twinning.indicators import excel


class Command(BaseCommand):
    help = (
        "Import indicator values from a filled-in template (.xlsx): all or nothing; every bad "
        "cell is printed with its sheet, row and column."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True, help="Import as this user")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with translation.override(options["language"]), path.open("rb") as stream:
            try:
                result = excel.import_values(actor=user, stream=stream)
            except excel.SpreadsheetInvalid as exc:
                # Every cell, not only the first MAX_LISTED_ERRORS the web page lists.
                raise CommandError("\n".join([exc.message, *map(str, exc.cells)])) from exc
            except DomainError as exc:
                lines = [exc.message, *(m for ms in exc.fields.values() for m in ms)]
                raise CommandError("\n".join(dict.fromkeys(lines))) from exc
            warnings = [str(cell) for cell in result.warnings]
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
            f"warnings needing a comment {len(warnings)}"
        )
        for line in warnings:
            self.stdout.write(f"  {line}")
