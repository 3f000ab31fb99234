"""`twinning remind-notices`: remind of notices falling due, escalate overdue notices.

Meant for cron, once a day (e.g. `30 7 * * * twinning remind-notices`); running it again the same
day sends nothing twice.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from twinning.supervision.reminders import remind_notices


class Command(BaseCommand):
    help = "Remind the pairs of notices due within 3 days; escalate overdue notices (weekly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", help="Pretend it is this day (YYYY-MM-DD); for checks and catching up."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today: not a date (YYYY-MM-DD): {options['today']}") from exc
        run = remind_notices(today)
        self.stdout.write(f"reminded: {run.reminded}, escalated: {run.escalated}")
