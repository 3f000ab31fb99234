from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from twinning.notifications.delivery import deliver_pending


class Command(BaseCommand):
    help = (
        "Send the e-mails and group-robot messages that are due (first tries the queue missed "
        "and retries). Safe to run often, and from several machines at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="At most this many per run")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = deliver_pending(limit=options["limit"])
        self.stdout.write(
            f"sent {counts['sent']}, failed {counts['failed']}, to retry {counts['retrying']}"
        )
