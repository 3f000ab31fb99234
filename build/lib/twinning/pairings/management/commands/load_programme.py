from typing import Any

from django.core.management.base import BaseCommand

from twinning.pairings.programme import load_programme


class Command(BaseCommand):
    help = "Load the regions and pairs named in the 2021 article (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_programme()
        self.stdout.write(
            f"regions: {result.regions_created} created, {result.regions_updated} updated; "
            f"pairs: {result.pairs_created} created, {result.pairs_existing} already there; "
            f"bodies: {result.bodies_created} created"
        )
