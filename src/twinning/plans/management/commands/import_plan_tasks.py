from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from twinning.accounts.models import User
from twinning.core.errors import DomainError
from twinning.plans import excel


class Command(BaseCommand):
    help = "Import a plan's task table from Excel: all rows or none; errors name row and column."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plan_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True, help="Import as this user")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open("rb") as stream:
            try:
                result = excel.import_tasks(actor=user, plan_id=options["plan_id"], stream=stream)
            except DomainError as exc:
                lines = [exc.message, *(m for ms in exc.fields.values() for m in ms)]
                raise CommandError("\n".join(lines)) from exc
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
        )
