from typing import Any

from django.core.management.base import BaseCommand

from twinning.pairings.programme import load_programme


class Command(BaseCommand):
    help = "Load the regions, pairs and plans named in the 2021 article (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # Imported here: plans builds on pairings, not the other way round. Plans load second.
        from twinning.plans.programme import load_plans

        result = load_programme()
        self.stdout.write(
            f"regions: {result.regions_created} created, {result.regions_updated} updated; "
            f"pairs: {result.pairs_created} created, {result.pairs_existing} already there; "
            f"bodies: {result.bodies_created} created"
        )
        plans = load_plans()
        self.stdout.write(
            f"topics: {plans.topics_created} created; "
            f"templates: {plans.templates_created} created; "
            f"plans: {plans.plans_created} created, {plans.plans_existing} already there"
        )
        if plans.pairs_missing:
            self.stderr.write(f"pairs not found for plans: {', '.join(plans.pairs_missing)}")
