"""`twinning remind-reports [--period CODE]`: remind regions of due and overdue indicator reports.

Meant for cron (daily); running it again sends nothing twice.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from twinning.core.errors import DomainError
from twinning.indicators import calc
from twinning.indicators.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Tell reporting regions that a period's report is due (a few days before the deadline) "
        "or overdue (after it, with a copy to the Ministry); each region once per period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period",
            help="Only this period (2025-03, 2025Q1 or 2025); before its deadline the 'due' "
            "reminder goes out at once. Default: the recent periods of every type.",
        )
        parser.add_argument(
            "--today",
            help="Pretend it is this day (YYYY-MM-DD); for checks.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today: not a date: {options['today']}") from exc
        period = options["period"]
        try:
            if period:
                calc.period_bounds(period)
            run = send_reminders(period_code=period, today=today)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"periods: {', '.join(run.periods)}; due: {run.due}, overdue: {run.missing}"
        )
