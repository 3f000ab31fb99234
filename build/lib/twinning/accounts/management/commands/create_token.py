from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from twinning.accounts.models import User
from twinning.accounts.services import create_token
from twinning.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="A name to recognise the token by")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        try:
            issued = create_token(actor=user, name=options["name"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(issued.secret)
