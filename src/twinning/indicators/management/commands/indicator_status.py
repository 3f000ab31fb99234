from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from twinning.accounts.models import User
from twinning.core.errors import DomainError
from twinning.indicators import forecast, queries
from twinning.indicators.progress import ProgressStatus

# Statuses that call for attention, with an early warning from the forecast.
LAGGING = {ProgressStatus.LIMITED, ProgressStatus.DETERIORATION}


class Command(BaseCommand):
    help = (
        "Print each target's progress status (Open SDG method, in words) and its forecast, "
        "for the targets the user may see."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="username", required=True, help="Read as this user")
        parser.add_argument("--region", help="Only this region (code)")
        parser.add_argument("--indicator", help="Only this indicator (code)")
        parser.add_argument(
            "--at-risk",
            action="store_true",
            help="Only targets with limited progress, deterioration or an early warning",
        )
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        with translation.override(options["language"]):
            try:
                found = queries.targets(
                    user, region=options["region"], indicator=options["indicator"]
                )
                statuses = [queries.target_status(user, target) for target in found]
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            shown = [
                s
                for s in statuses
                if not options["at_risk"] or s.early_warning or s.progress.status in LAGGING
            ]
            for status in shown:
                self.stdout.write(self._lines(status))
        self.stdout.write(f"{len(shown)} of {len(statuses)} targets")

    @staticmethod
    def _lines(status: queries.TargetStatus) -> str:
        target, progress = status.target, status.progress
        comparator = "≤" if target.indicator.direction == "lower" else "≥"
        head = (
            f"{target.region.code} {target.region.name} · {target.indicator.name} "
            f"{comparator} {target.target_value.normalize():f} {target.indicator.unit} "
            f"({target.due_date.isoformat()}): {ProgressStatus(progress.status).label}"
        )
        lines = [head, f"  {progress.explanation}"]
        if status.forecast is not None:
            lines.append(f"  {forecast.describe(status.forecast, target.indicator.unit)}")
        return "\n".join(lines)
