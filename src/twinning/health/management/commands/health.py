"""`twinning health [--today YYYY-MM-DD] [--level red|amber] [--pairing ID]`: recompute the pairs'
health and print the pairs at risk.

Meant for cron (daily, e.g. `15 2 * * * twinning health`); running it again only refreshes the
computed time. Level changes are recorded and the Ministry is told of pairs that turned red.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from twinning.health.models import Level
from twinning.health.services import recompute


class Command(BaseCommand):
    help = (
        "Recompute every live, active pair's health (overdue tasks, silence, missing reports, "
        "off-track targets, unanswered problems, plan status) and list the pairs at risk."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Judge the records as of this day (YYYY-MM-DD).")
        parser.add_argument(
            "--level",
            choices=[Level.RED, Level.AMBER],
            help="List only the pairs of this level (default: red and amber).",
        )
        parser.add_argument("--pairing", type=int, help="Recompute and list only this pair.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today: not a date: {options['today']}") from exc
        ids = [options["pairing"]] if options["pairing"] else None
        rows = recompute(pairing_ids=ids, today=today)
        if ids and not rows:
            raise CommandError(f"--pairing: no live, active pair {options['pairing']}")
        wanted = {options["level"]} if options["level"] else {Level.RED, Level.AMBER}
        at_risk = [h for h in rows if h.level in wanted]
        counts = {level: sum(1 for h in rows if h.level == level) for level in Level.values}
        self.stdout.write(
            f"recomputed: {len(rows)}; red: {counts['red']}, amber: {counts['amber']}, "
            f"green: {counts['green']}"
        )
        for health in at_risk:
            reasons = "；".join(health.reason_texts)
            self.stdout.write(
                f"{health.get_level_display()}\t{health.score}\t{health.pairing_id}\t"
                f"{health.pairing}\t{reasons}"
            )
        if not at_risk and rows:
            self.stdout.write(_("没有需要关注的结对。"))
