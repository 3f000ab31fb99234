from typing import Any

from django.core.management.base import BaseCommand

from twinning.pairings.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create demo accounts and a little demo content (for local trials only)."

    def handle(self, *args: Any, **options: Any) -> None:
        # Imported here: the other apps build on pairings, not the reverse.
        from twinning.consultations.demo import load_consultation_demo
        from twinning.indicators.demo import load_indicator_demo
        from twinning.knowledge.demo import DEMO_LABEL, load_knowledge_demo
        from twinning.plans.demo import load_plan_demo
        from twinning.search.index import reindex

        accounts = load_demo()
        load_plan_demo()
        load_consultation_demo()
        indicators = load_indicator_demo()
        knowledge = load_knowledge_demo()
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in accounts:
            self.stdout.write(f"  {account.username:<14} {account.description}")
        self.stdout.write(
            f"Indicator reports: {indicators.reports_created} created for "
            f"{indicators.regions} regions ({indicators.values_created} values), "
            f"{indicators.reports_existing} already there — generated demo data (演示数据), "
            "not real figures; "
            f"{indicators.targets_created} demo targets (演示目标) created"
        )
        self.stdout.write(
            f"Knowledge base files: {knowledge.created} created "
            f"({knowledge.pair_private} visible to one pair only), "
            f"{knowledge.existing} already there; text extracted from {knowledge.texts_done} — "
            f"generated demo data ({DEMO_LABEL})"
        )
        if knowledge.texts_other:
            self.stderr.write(f"text not extracted: {'; '.join(knowledge.texts_other)}")
        self.stdout.write(f"Search index: {reindex()} entries")
