from typing import Any

from django.core.management.base import BaseCommand

from twinning.pairings.programme import load_programme


class Command(BaseCommand):
    help = (
        "Load the regions, pairs, plans, exchanges and problems named in the 2021 article, "
        "the indicator catalogue and the programme's targets, the knowledge base's starting "
        "documents and cases and the search vocabulary (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Imported here: the other apps build on pairings, not the other way round. Plans load
        # second; exchanges and problems name the plans' topics, indicator targets link to the
        # plans' goals, so they come last.
        from twinning.consultations.programme import load_consultations
        from twinning.evaluation.programme import load_evaluation
        from twinning.exchanges.programme import load_exchanges
        from twinning.indicators.programme import load_indicator_programme
        from twinning.knowledge.programme import load_knowledge
        from twinning.plans.programme import load_plans
        from twinning.search.index import reindex
        from twinning.search.vocabulary import load_vocabulary

        # The search vocabulary first: the starting documents are indexed with its words.
        words, groups = load_vocabulary()
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
        self.stdout.write(f"search vocabulary: {words} words, {groups} synonym groups added")
        knowledge = load_knowledge()
        self.stdout.write(
            f"knowledge: {knowledge.documents_created} documents created, "
            f"{knowledge.documents_existing} already there; "
            f"{knowledge.compilations_created} compilations created, "
            f"{knowledge.compilations_existing} already there; "
            f"{knowledge.cases_created} cases created ({knowledge.cases_promoted} promoted, "
            f"{knowledge.adoptions_created} adoptions), {knowledge.cases_existing} already there"
        )
        if knowledge.missing:
            self.stderr.write(f"not found for the knowledge base: {', '.join(knowledge.missing)}")
        evaluation = load_evaluation()
        self.stdout.write(
            "evaluation rubric: "
            f"{'created' if evaluation.rubric_created else 'already there'} "
            "(示例评估细则（平台默认，非住建部正式细则）, in force)"
        )
        # The exchanges' and problems' loaders write without the services, which index: the
        # index is rebuilt once here (a few hundred records at most).
        self.stdout.write(f"search index: {reindex()} entries")
