"""Searches that match very many entries: a word found in most documents (垃圾分类, 居住小区).

Counting and faceting such a match in SQL joins every matching entry three times (total and
facets, topics, ranking): about 200 ms at 30,000 documents. Here the matching ids are fetched once,
unscored, and the scope, the filters, the total and the facets are worked out in Python over a
per-process copy of the index's small columns (`Table`), reloaded whenever the index changes.
Ranking then puts the entries whose title holds the words first, then the newest: with the words
in nearly every text, scoring each match tells little and costs most.

Used above LARGE_MATCH matches only; smaller matches take the SQL path in `queries`, and a test
runs both paths on the same data and compares them.
"""

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import Any

from django.db import connection

from twinning.core.permissions import is_ministry
from twinning.search.models import IndexState, SearchEntry, SourceKind

Topics = SearchEntry.topics.through


@dataclass(frozen=True)
class Row:
    pk: int
    kind: str
    object_id: int
    subkind: str
    region_id: str | None
    year: int | None
    dated: dt.date | None
    visibility: str
    pairing_id: int | None
    topics: tuple[int, ...] = ()


@dataclass
class Table:
    version: tuple[Any, ...]
    rows: dict[int, Row] = field(default_factory=dict)
    # Entry ids, newest first (undated last): a page of "the newest" is the first ids of this
    # list that are in the result, found without sorting the result.
    newest: list[int] = field(default_factory=list)
    # Each id's place in `newest` (a sort key that runs in C).
    position: dict[int, int] = field(default_factory=dict)


_tables: dict[str, Table] = {}
_lock = threading.Lock()


def _version() -> tuple[Any, ...]:
    """The index's current token (see IndexState): a new one with every change."""
    token = IndexState.objects.filter(pk=1).values_list("token", flat=True).first()
    return (token,)


def newest_first(row: Row) -> int:
    """A sort key putting newer rows first (undated last)."""
    return -(row.dated.toordinal() if row.dated else 0)


def _load(version: tuple[Any, ...]) -> Table:
    topics: dict[int, list[int]] = {}
    for entry_id, topic_id in Topics.objects.values_list("searchentry_id", "topic_id"):
        topics.setdefault(entry_id, []).append(topic_id)
    columns = (
        "pk",
        "kind",
        "object_id",
        "subkind",
        "region_id",
        "year",
        "dated",
        "visibility",
        "pairing_id",
    )
    rows = {
        pk: Row(
            pk,
            kind,
            object_id,
            subkind,
            region,
            year,
            dated,
            visibility,
            pairing,
            (tuple(topics.get(pk, ()))),
        )
        for pk, kind, object_id, subkind, region, year, dated, visibility, pairing in (
            SearchEntry.objects.values_list(*columns).iterator(chunk_size=5000)
        )
    }
    newest = sorted(rows, key=lambda pk: (newest_first(rows[pk]), -pk))
    return Table(version, rows, newest, {pk: place for place, pk in enumerate(newest)})


def table() -> Table:
    """The index's small columns, as of now."""
    key = f"{connection.alias}:{connection.settings_dict['NAME']}"
    version = _version()
    with _lock:
        current = _tables.get(key)
        if current is None or current.version != version:
            current = _load(version)
            _tables[key] = current
        return current


@dataclass(frozen=True)
class Scope:
    """`queries.scope_q` as a test on one row."""

    everything: bool
    kinds: frozenset[str] | None
    pairings: frozenset[int]
    problems: frozenset[int]

    def keep(self, rows: list[Row]) -> list[Row]:
        """The rows this scope admits: one comprehension, as it runs over every match."""
        if self.kinds is not None:
            rows = [row for row in rows if row.kind in self.kinds]
        if self.everything:
            return rows
        pairings, problems, problem = self.pairings, self.problems, str(SourceKind.PROBLEM)
        return [
            row
            for row in rows
            if row.visibility == "programme"
            or (row.visibility == "pair" and row.pairing_id in pairings)
            or (row.kind == problem and row.object_id in problems)
        ]


def scope_for(
    actor: Any, kinds: tuple[str, ...] | None, pairings: list[int], problems: list[int]
) -> Scope:
    return Scope(
        everything=is_ministry(actor),
        kinds=None if kinds is None else frozenset(kinds),
        pairings=frozenset(pairings),
        problems=frozenset(problems),
    )


def _tests(chosen: dict[str, str]) -> dict[str, Callable[[Row], bool]]:
    """One test per chosen facet filter."""
    tests: dict[str, Callable[[Row], bool]] = {}
    for facet, wanted in chosen.items():
        if facet == "topic":
            topic = int(wanted)
            tests[facet] = lambda row, topic=topic: topic in row.topics  # type: ignore[misc]
        else:
            attribute = "region_id" if facet == "region" else facet
            tests[facet] = lambda row, a=attribute, w=wanted: str(getattr(row, a)) == w  # type: ignore[misc]
    return tests


def _count(rows: list[Row], facet: str) -> dict[Any, int]:
    # map and attrgetter keep the loop in C: this runs over every match of a common word.
    if facet == "topic":
        return dict(Counter(chain.from_iterable(map(attrgetter("topics"), rows))))
    attribute = "region_id" if facet == "region" else facet
    found = Counter(map(attrgetter(attribute), rows))
    found.pop("", None)
    found.pop(None, None)
    return dict(found)


FACET_NAMES = ("kind", "subkind", "region", "year", "topic")


def facet_counts(
    rows: list[Row], chosen: dict[str, str]
) -> tuple[list[Row], dict[str, dict[Any, int]]]:
    """The rows passing every chosen filter, and each facet's counts (a facet ignores its own
    choice, so people can switch). `chosen` maps facet → selected value as text."""
    tests = _tests(chosen)
    selected = [row for row in rows if all(test(row) for test in tests.values())] if tests else rows
    counts = {}
    for facet in FACET_NAMES:
        if facet in tests:
            others = [test for name, test in tests.items() if name != facet]
            base = [row for row in rows if all(test(row) for test in others)]
        else:
            base = selected
        counts[facet] = _count(base, facet)
    return selected, counts
