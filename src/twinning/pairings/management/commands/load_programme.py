from typing import Any

from django.core.management.base import BaseCommand

from twinning.pairings.programme import load_programme


class Command(BaseCommand):
    help = (
        "Load the regions, pairs, plans, exchanges and problems named in the 2021 article, "
        "the indicator catalogue and the programme's targets (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Imported here: the other apps build on pairings, not the other way round. Plans load
        # second; exchanges and problems name the plans' topics, indicator targets link to the
        # plans' goals, so they come last.
        from twinning.consultations.programme import load_consultations
        from twinning.exchanges.programme import load_exchanges
        from twinning.indicators.programme import load_indicator_programme
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
        exchanges = load_exchanges()
        self.stdout.write(
            f"exchanges: {exchanges.created} created, {exchanges.existing} already there"
        )
        if exchanges.pairs_missing:
            self.stderr.write(
                f"pairs not found for exchanges: {', '.join(exchanges.pairs_missing)}"
            )
        consultations = load_consultations()
        self.stdout.write(
            f"problems: {consultations.problems_created} created "
            f"({consultations.answers_created} answers), "
            f"{consultations.problems_existing} already there"
        )
        if consultations.pairs_missing:
            self.stderr.write(
                f"pairs not found for problems: {', '.join(consultations.pairs_missing)}"
            )
        indicators = load_indicator_programme()
        self.stdout.write(
            f"indicators: {indicators.indicators_created} created, "
            f"{indicators.indicators_existing} already there; "
            f"targets: {indicators.targets_created} created, "
            f"{indicators.targets_existing} already there"
        )
        if indicators.goals_unmatched:
            self.stderr.write(
                f"plan goals without an indicator target: {', '.join(indicators.goals_unmatched)}"
            )
