import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count

from twinning.search import index
from twinning.search.management.progress import ProgressBar
from twinning.search.models import SearchEntry, SourceKind


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the live records (documents, model cases, consultations, "
        "exchanges), with the current dictionary and synonyms. Prints the entries per kind and "
        "the time taken; a progress bar goes to stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind",
            dest="kinds",
            action="append",
            choices=SourceKind.values,
            help="Only this kind; repeat for several (default: every kind)",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds: list[str] = options["kinds"] or list(SourceKind.values)
        bar: ProgressBar | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if options["no_progress"]:
                return
            if bar is None:
                bar = ProgressBar(self.stderr, total)
            bar.update(done)

        started = time.monotonic()
        written = index.reindex(kinds, progress=progress)
        elapsed = time.monotonic() - started
        if bar is not None:
            bar.close()
        counts = dict(
            SearchEntry.objects.filter(kind__in=kinds)
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
        for kind in kinds:
            self.stdout.write(f"{kind:<10} {counts.get(kind, 0):>7}")
        rate = written / elapsed if elapsed > 0 else 0.0
        self.stdout.write(f"indexed {written} entries in {elapsed:.1f} s ({rate:.0f}/s)")
