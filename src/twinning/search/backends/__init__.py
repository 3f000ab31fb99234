"""The full-text backends: one interface, an SQLite FTS5 and a PostgreSQL tsvector version.

Both store text already cut into words by `search.segment` and answer a `ParsedQuery` with an SQL
statement selecting `entry_id` and `score` (higher is better) of the matching index entries. The
caller (search.queries) wraps that statement with the user's scope and filters, so the backend
never sees who is asking. User text reaches SQL only as a parameter, and only as words of letters
and digits (the query syntax of FTS5 and tsquery cannot be typed in).
"""

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection

from twinning.search.segment import ParsedQuery


@dataclass(frozen=True)
class IndexRow:
    """One entry's words: space-joined tokens of its title and of its body."""

    entry_id: int
    title_tokens: str
    body_tokens: str


class Backend(Protocol):
    vendor: str
    # Whether scoring every match is cheap (SQLite: bm25 reads the index only); if not
    # (PostgreSQL: ts_rank reads each vector out of TOAST) large matches score candidates only.
    scores_cheaply: bool

    def replace(self, rows: list[IndexRow]) -> None:
        """Store the rows' words, replacing what was stored for the same entries."""

    def delete(self, entry_ids: list[int]) -> None:
        """Forget the entries' words."""

    def clear(self) -> None:
        """Forget every entry's words."""

    def match_sql(
        self, query: ParsedQuery, only: tuple[str, list[Any]] | None = None
    ) -> tuple[str, list[Any]]:
        """`SELECT entry_id, score …` for the entries matching `query`, higher score better;
        `only` (SQL selecting entry ids, and its parameters) limits the entries scored."""

    def filter_sql(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        """`SELECT entry_id …` of the matching entries, unscored (counts and facets need no
        score, and scoring every match of a common word is most of a search's cost)."""

    def title_filter_sql(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        """Like `filter_sql`, but the words must all be in the title."""

    def score_sql(self, query: ParsedQuery, ids: tuple[str, list[Any]]) -> tuple[str, list[Any]]:
        """`SELECT entry_id, score …` for the given (already matching) entries."""

    def refreshed(self) -> None:
        """After a rebuild: let the database take stock of the new rows."""

    def searching(self) -> AbstractContextManager[Any]:
        """Wraps the statements of one search (PostgreSQL: planner settings)."""


def get_backend() -> Backend:
    """The backend for the default database."""
    if connection.vendor == "postgresql":
        from twinning.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    from twinning.search.backends.sqlite import SqliteBackend

    return SqliteBackend()


def chunks(items: list[Any], size: int = 500) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
