from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from twinning.accounts.models import User
from twinning.core.errors import DomainError
from twinning.indicators import excel


class Command(BaseCommand):
    help = (
        "Export the indicator filling-in template (.xlsx) for one or more regions and a range "
        "of periods, pre-filled with the stored values."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region",
            dest="regions",
            action="append",
            required=True,
            help="Region code; repeat for several regions (one file)",
        )
        parser.add_argument("--from", dest="first", required=True, help="First period: 2025-01")
        parser.add_argument("--to", dest="last", required=True, help="Last period: 2025-12")
        parser.add_argument("--as", dest="username", required=True, help="Export as this user")
        parser.add_argument("--output", "-o", help="File to write (default: the template's name)")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        regions: list[str] = options["regions"]
        first, last = options["first"], options["last"]
        with translation.override(options["language"]):
            try:
                data = excel.template_workbook(
                    actor=user, region_codes=regions, first=first, last=last
                )
            except DomainError as exc:
                lines = [exc.message, *(m for ms in exc.fields.values() for m in ms)]
                raise CommandError("\n".join(dict.fromkeys(lines))) from exc
            output = Path(options["output"] or excel.template_filename(regions, first, last))
        output.write_bytes(data)
        self.stdout.write(f"{output} ({len(data)} bytes)")
