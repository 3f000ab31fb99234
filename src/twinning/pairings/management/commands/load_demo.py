from typing import Any

from django.core.management.base import BaseCommand

from twinning.pairings.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create demo accounts and a little demo content (for local trials only)."

    def handle(self, *args: Any, **options: Any) -> None:
        # Imported here: the other apps build on pairings, not the reverse.
        from twinning.consultations.demo import load_consultation_demo
        from twinning.plans.demo import load_plan_demo

        accounts = load_demo()
        load_plan_demo()
        load_consultation_demo()
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in accounts:
            self.stdout.write(f"  {account.username:<14} {account.description}")
