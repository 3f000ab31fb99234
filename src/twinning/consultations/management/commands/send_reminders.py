"""`twinning send-reminders`: remind before response deadlines, escalate overdue problems.

Meant for cron (e.g. every 15 minutes); running it again sends nothing twice.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from twinning.consultations.reminders import send_reminders


class Command(BaseCommand):
    help = "Remind experts before a problem's response deadline; escalate overdue problems."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="Pretend it is this moment (ISO 8601, e.g. 2026-05-01T09:00+08:00); for checks.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now: not an ISO 8601 moment: {options['now']}") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        run = send_reminders(now)
        self.stdout.write(f"reminded: {run.reminded}, escalated: {run.escalated}")
