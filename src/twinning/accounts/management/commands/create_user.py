import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from twinning.accounts.models import Organisation, Role
from twinning.accounts.services import create_user
from twinning.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a user with a role in an organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--organisation", help="Organisation name (must exist)")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Password; without it, it is asked for (not echoed)")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(name=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"No organisation named {options['organisation']!r}.")
        password = options["password"] or getpass.getpass("Password: ")
        try:
            user = create_user(
                actor=None,
                username=options["username"],
                password=password,
                role=options["role"],
                organisation=organisation,
                full_name=options["full_name"],
                email=options["email"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"created user {user.username} ({user.role})")
