from typing import Any

from django.core.management.base import BaseCommand

from twinning.pairings.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create demo accounts and a little demo content (for local trials only)."

    def handle(self, *args: Any, **options: Any) -> None:
        # Imported here: the other apps build on pairings, not the reverse.
        from twinning.bulletins.demo import load_bulletins_demo
        from twinning.consultations.demo import load_consultation_demo
        from twinning.evaluation.demo import DEMO_LABEL as EVALUATION_DEMO
        from twinning.evaluation.demo import load_evaluation_demo
        from twinning.health.demo import load_health_demo
        from twinning.indicators.demo import load_indicator_demo
        from twinning.knowledge.demo import DEMO_LABEL, load_knowledge_demo
        from twinning.plans.demo import load_plan_demo
        from twinning.search.index import reindex
        from twinning.supervision.demo import load_supervision_demo

        accounts = load_demo()
        load_plan_demo()
        load_consultation_demo()
        indicators = load_indicator_demo()
        knowledge = load_knowledge_demo()
        # Oversight last: notices need the plan demo, and health judges everything before it.
        notices = load_supervision_demo()
        evaluation = load_evaluation_demo()
        health = load_health_demo()
        bulletins = load_bulletins_demo()  # counts what the others created, health included
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
        self.stdout.write(
            f"Urging notices: {notices.created} demo notices created, {notices.existing} already "
            "there (演示数据)"
        )
        self.stdout.write(
            f"Evaluation: {evaluation.rounds_created} demo rounds created "
            f"({evaluation.assessments} assessments, {evaluation.appeals} appeal), "
            f"{evaluation.rounds_existing} already there — {EVALUATION_DEMO}"
        )
        self.stdout.write(
            f"Pair health: {health.red} red, {health.amber} amber, {health.green} green "
            f"({health.tasks_done} overdue tasks of the demo accounts' pairs marked done, "
            f"{health.exchanges_created} demo exchange recorded — 演示数据)"
        )
        self.stdout.write(
            f"Bulletins: {bulletins.created} demo bulletins created, {bulletins.existing} already "
            "there (national 2021H1 released, current quarter draft; titles end with （演示数据）)"
        )
        self.stdout.write(f"Search index: {reindex()} entries")
