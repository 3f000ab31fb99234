from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from twinning.accounts.models import User
from twinning.core.errors import DomainError
from twinning.plans import excel, queries, word


class Command(BaseCommand):
    help = "Export a work plan as Word (.docx) or its task table as Excel (.xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plan_id", type=int)
        parser.add_argument("--as", dest="username", required=True, help="Export as this user")
        parser.add_argument("--format", choices=["docx", "xlsx"], default="docx")
        parser.add_argument("--output", "-o", help="File to write (default plan-<id>.<format>)")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        fmt = options["format"]
        with translation.override(options["language"]):
            try:
                plan = queries.get_plan_for(user, options["plan_id"])
                data = word.plan_document(plan) if fmt == "docx" else excel.tasks_workbook(plan)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        output = Path(options["output"] or f"plan-{plan.pk}.{fmt}")
        output.write_bytes(data)
        self.stdout.write(f"{output} ({len(data)} bytes)")
