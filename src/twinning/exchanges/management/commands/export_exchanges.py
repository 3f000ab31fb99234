import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from twinning.accounts.models import User
from twinning.exchanges import queries
from twinning.exchanges.export import exchanges_workbook


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


class Command(BaseCommand):
    help = "Export the exchanges a user sees (optionally filtered) as an Excel workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="username", required=True, help="Export as this user")
        parser.add_argument("--pairing", type=int, help="Only this pair (id)")
        parser.add_argument("--province", help="Only pairs with a side in this province (code)")
        parser.add_argument("--kind", help="Only this kind (e.g. symposium)")
        parser.add_argument("--status", choices=["planned", "held", "cancelled"])
        parser.add_argument("--from", dest="date_from", type=_date, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", type=_date, help="YYYY-MM-DD")
        parser.add_argument("--output", "-o", default="exchanges.xlsx", help="File to write")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        filters = queries.ExchangeFilters(
            pairing=options["pairing"],
            province=options["province"],
            kind=options["kind"],
            status=options["status"],
            date_from=options["date_from"],
            date_to=options["date_to"],
        )
        rows = queries.list_exchanges_for(user, filters)
        output = Path(options["output"])
        with translation.override(options["language"]):
            exchanges_workbook(rows.iterator(chunk_size=2000)).save(output)
        self.stdout.write(f"{output} ({rows.count()} exchanges)")
